"""Admin for officers and units, and for the territory and the audit log.

The territory (``geo``) and the audit log (``ledger``) are registered here rather than in
their own ``admin.py``: scoping lives in ``people`` and the import layers only let code look
downwards (people → geo → ledger), so ``geo`` and ``ledger`` cannot import it.
"""

from __future__ import annotations

from typing import Any

from axes.models import AccessAttempt
from axes.utils import reset
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import (
    AdminPasswordChangeForm,
    AdminUserCreationForm,
    UserChangeForm,
)
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from backend.common import clock
from backend.common.formatting import NOTHING, phone_html, when_text
from backend.geo.models import District, Oblast, Okrug, Settlement, in_reader_language
from backend.geo.names import LocalName
from backend.ledger import uow
from backend.ledger.actions import AuditAction
from backend.ledger.names import SyncTable

from .admin_scoping import ScopedAdminMixin, age_text
from .models import UNREACHABLE, UNREACHABLE_LABEL, Officer, Role, Unit, UnitStatus

admin.site.site_header = _("Kuzet — district console")
admin.site.site_title = "Kuzet"
admin.site.index_title = _("Dispatch, units and audit")
# An empty value as the consoles' own pages write it (Django's default is a hyphen).
admin.site.empty_value_display = NOTHING

STAFF_ROLES = {Role.CHIEF, Role.DUTY_OFFICER, Role.OBLAST_ADMIN}
PASSWORD_FIELDS = ("usable_password", "password1", "password2")


# --- officers ----------------------------------------------------------------------------
class _OfficerRulesMixin(forms.ModelForm):  # type: ignore[type-arg]
    """An officer's unit is of the officer's district. (The role rules are the table's
    constraints, which the form checks and words itself: ``Officer.Meta.constraints``.)"""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        instance = self.instance

        def value(name: str) -> Any:
            return data[name] if name in data else getattr(instance, name, None)

        unit, district = value("unit"), value("district")
        if unit is not None and district is not None and unit.district_id != district.pk:
            raise forms.ValidationError(_("The unit belongs to another district."))
        return data


class OfficerChangeForm(_OfficerRulesMixin, UserChangeForm):  # type: ignore[type-arg]
    pass


def _console_password_words(form: forms.BaseForm) -> None:
    """Django's "password-based authentication" choice in Kuzet's words: there is no single
    sign-on or LDAP to fall back on — a password is for the console, and a patrol officer's
    phone is enrolled with a one-time code instead."""
    usable = form.fields.get("usable_password")
    if isinstance(usable, forms.ChoiceField):
        usable.label = _("Console password")
        usable.choices = [
            ("true", _("Yes: signs in to the console")),
            ("false", _("No: works in the field app only")),
        ]
        usable.help_text = _(
            "Duty officers, chiefs and administrators sign in to the console with a "
            "password. A patrol officer needs none: the phone is enrolled with a one-time "
            "code from the officers list."
        )


class OfficerCreationForm(_OfficerRulesMixin, AdminUserCreationForm):
    """Django's new-user form in Kuzet's words (:func:`_console_password_words`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _console_password_words(self)


class OfficerPasswordForm(AdminPasswordChangeForm):  # type: ignore[type-arg]
    """The administrator's "set password" form in Kuzet's words: on a Russian or Kazakh
    screen it read, in English, "Whether the user will be able to authenticate using a
    password… such as Single Sign-On or LDAP" — neither of which Kuzet has."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _console_password_words(self)


@admin.register(Officer)
class OfficerAdmin(ScopedAdminMixin, UserAdmin):  # type: ignore[type-arg]
    form = OfficerChangeForm
    add_form = OfficerCreationForm
    change_password_form = OfficerPasswordForm
    list_display = (
        "username",
        "full_name",
        "role",
        "district",
        "unit",
        "phone_number",
        "live_devices",
        "is_active",
    )
    list_select_related = ("district", "unit")
    list_filter = ("role", "is_active", "district", "unit")
    search_fields = ("username", "first_name", "last_name", "badge_number", "phone")
    ordering = ("username",)
    autocomplete_fields = ("unit",)
    # "Добавить сотрудника", "Изменить сотрудника" (Django's Russian said "сотрудник")
    verbose_name_object = pgettext_lazy("the object of Add and Change", "officer")

    # The language is the one of the person's SMS and of the field app at enrolment (and of
    # the console, for staff): a patrol officer never signs in to the console to choose it,
    # so without it here a Kazakh-speaking officer's assignments came in Russian.
    person = (
        _("Person"),
        {
            "fields": (
                "first_name",
                "last_name",
                "patronymic",
                "badge_number",
                "phone",
                "language",
            )
        },
    )
    service = (_("Service"), {"fields": ("role", "district", "oblast", "unit", "is_active")})
    dates = (_("Dates"), {"fields": ("last_login", "date_joined")})

    def scope_q(self, request: HttpRequest) -> Q:
        # Oblast-level staff (duty officers of the ЦОУ, oblast administrators) have no
        # district; their colleagues at oblast level see them.
        scope = self.district_scope(request)
        q = scope.q("district")
        user: Any = request.user
        if (
            not scope.everything
            and user.role in (Role.DUTY_OFFICER, Role.OBLAST_ADMIN)
            and user.district_id is None
            and user.oblast_id
        ):
            q |= Q(district__isnull=True, oblast_id=user.oblast_id)
        return q

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs: QuerySet[Any] = super().get_queryset(request)
        live = Count("devices", filter=Q(devices__revoked_at__isnull=True))
        annotated: QuerySet[Any] = qs.annotate(live_device_count=live)
        return annotated

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not super().has_change_permission(request, obj):
            return False
        user: Any = request.user
        if obj is None or user.is_superuser:
            return True
        if obj.is_superuser:
            return False
        # A chief manages the officers of the district, not other chiefs or themselves.
        return bool(user.role != Role.CHIEF or obj.role == Role.OFFICER)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        user: Any = request.user
        if user.is_superuser:
            if obj is None:
                return (*self.add_fieldsets, self.service)
            return (*self.fieldsets, self.person, self.service)  # type: ignore[misc]
        if obj is None:
            # A chief adds patrol officers, who never sign in to the console: no password.
            password = () if user.role == Role.CHIEF else PASSWORD_FIELDS
            fields: tuple[str, ...] = (
                "username",
                *password,
                "first_name",
                "last_name",
                "patronymic",
                "phone",
                "language",
                "unit",
            )
            if user.role == Role.OBLAST_ADMIN:
                fields += ("role", "district", "oblast")
            return ((None, {"classes": ("wide",), "fields": fields}),)
        # A chief's patrol officers never sign in to the console: their page has no password
        # (nor may a chief set one: ``user_change_password``). Nor has any patrol officer's:
        # the administrator read "Set a password so this user can sign in to the console"
        # on it, and a password set there let nobody in (the console is for staff roles).
        no_password = user.role == Role.CHIEF or obj.role == Role.OFFICER
        first = ("username",) if no_password else ("username", "password", "sign_in_lockout")
        return ((None, {"fields": first}), self.person, self.service, self.dates)

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> Any:
        user: Any = request.user
        if not user.is_superuser and user.role == Role.CHIEF:
            # Another district's officer stays "not found" (as every page of theirs is).
            if self.get_object(request, unquote(id)) is None:
                raise Http404
            raise PermissionDenied
        officer = self.get_object(request, unquote(id))
        # read before the save: the new password lifts the lockouts as it is saved
        # (login_audit.password_changed, after the commit)
        locked = officer is not None and self._locked_out(officer)
        response = super().user_change_password(request, id, form_url)
        done = reverse(f"{self.admin_site.name}:people_officer_change", args=[id])
        if request.method == "POST" and officer is not None and response.get("Location") == done:
            officer.refresh_from_db()
            self._password_set(request, officer, locked)
        return response

    @staticmethod
    def _locked_out(officer: Officer) -> bool:
        return bool(
            AccessAttempt.objects.filter(
                username=officer.get_username(),
                failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
            ).exists()
        )

    def _password_set(self, request: HttpRequest, officer: Officer, lifted: bool) -> None:
        """A password the administrator set is what a person who forgot theirs is given —
        and they had usually been locked out trying (the lockout page says "ask an
        administrator"). The new password lifts their lockouts: before, it was refused for
        the rest of the cool-off and only ``manage.py axes_reset_username`` on the server
        helped. Audited, like every sign-in (the form's own change was not)."""
        username = officer.get_username()
        reset(username=username)  # and the wrong passwords counted so far: a fresh start
        with uow.unit_of_work():
            uow.audit(
                AuditAction.AUTH_PASSWORD_SET,
                actor=request.user,
                obj=officer,
                data={
                    "console_password": officer.has_usable_password(),
                    "lockout_lifted": lifted,
                },
            )
        if lifted:
            self.message_user(
                request,
                # (a message starts with words: the admin capitalises its first letter, and
                # a login — "Duty_kok2" — is not a name to capitalise)
                _("The sign-in lockout of %(name)s after wrong passwords is lifted.")
                % {"name": officer.display_name},
                messages.SUCCESS,
            )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        user: Any = request.user
        if user.is_superuser:
            return ()
        fixed = ("last_login", "date_joined", "sign_in_lockout")
        if user.role == Role.CHIEF:
            return (*fixed, "role", "district", "oblast")
        return fixed

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        user: Any = request.user
        if obj is not None or user.is_superuser or user.role != Role.CHIEF:
            return form

        class ChiefAddForm(form):  # type: ignore[valid-type,misc]
            """A chief adds officers of their own district (the form's rules see it)."""

            def __init__(self, *args: Any, **kw: Any) -> None:
                super().__init__(*args, **kw)
                self.instance.role = Role.OFFICER
                self.instance.district_id = user.district_id
                for name in PASSWORD_FIELDS:
                    self.fields.pop(name, None)

            def validate_passwords(self, *args: Any, **kw: Any) -> None:
                # The officer enrols a phone with a one-time code; no password is set.
                self.cleaned_data["set_usable_password"] = False

        return ChiefAddForm

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        user: Any = request.user
        if not user.is_superuser and user.role == Role.CHIEF and not change:
            obj.role, obj.district, obj.oblast = Role.OFFICER, user.district, None
        # The admin opens to staff roles only, whoever made the record (a chief a superuser
        # added could not sign in: the superuser's form has no staff box); an officer never.
        obj.is_staff = obj.is_superuser or obj.role in STAFF_ROLES
        super().save_model(request, obj, form, change)
        if obj.role == Role.DUTY_OFFICER and obj.district_id is None and obj.oblast_id:
            # A district's duty officer saved with the oblast and no district sees and
            # dispatches in every district of the oblast — the form does not say so, and
            # "Абайская область" looks like the natural answer to "Oblast". Say what was made.
            self.message_user(
                request,
                _(
                    "%(name)s serves the oblast ЦОУ: every district of %(oblast)s. A district's "
                    "duty officer is given the district."
                )
                % {"name": obj.display_name, "oblast": obj.oblast.local_name},
                messages.WARNING,
            )

    # "+7 701 234 56 78", as the desk reads it out and dials it; stored E.164.
    @admin.display(description=_("phone"), ordering="phone")
    def phone_number(self, obj: Officer) -> SafeString:
        return phone_html(obj.phone)

    # (not "name": its words are a thing's — "Название", "Атауы" — over a person's name)
    @admin.display(description=_("full name"))
    def full_name(self, obj: Officer) -> str:
        return " ".join(p for p in (obj.last_name, obj.first_name, obj.patronymic) if p)

    @admin.display(description=_("sign-in"))
    def sign_in_lockout(self, obj: Officer | None) -> str:
        """Whether the person is locked out of the console now: "I cannot get in" is what
        the administrator hears, and the page did not say whether it was a lockout (which
        a new password lifts) or a mistyped login."""
        if obj is None or obj.pk is None:
            return NOTHING
        cutoff = clock.now() - settings.AXES_COOLOFF_TIME
        locked = (
            AccessAttempt.objects.filter(
                username=obj.get_username(),
                failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
                attempt_time__gte=cutoff,
            )
            .order_by("-attempt_time")
            .first()
        )
        if locked is None:
            return str(_("not locked out"))
        return str(
            _(
                "locked out after %(n)s wrong passwords, until %(until)s; a new password "
                "set here lifts it"
            )
            % {
                "n": locked.failures_since_start,
                "until": when_text(locked.attempt_time + settings.AXES_COOLOFF_TIME),
            }
        )

    @admin.display(description=_("live devices"), ordering="live_device_count")
    def live_devices(self, obj: Any) -> int:
        return int(obj.live_device_count)


# --- units -------------------------------------------------------------------------------
@admin.register(Unit)
class UnitAdmin(ScopedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    sync_table = SyncTable.UNITS
    # Where a unit is and whether it can be reached first (what a duty officer reads the
    # list for); what kind of unit and its home after, so a 1440 px screen shows the first
    # ones also with the district's column.
    list_display = (
        "callsign",
        "district",
        "status",
        "presence_now",
        "position_age",
        "type",
        "mobility",
        "okrug",
        "member_count",
        "active",
    )
    list_select_related = ("district", "okrug")
    list_filter = ("type", "status", "mobility", "active", "district")
    search_fields = ("callsign",)
    ordering = ("callsign",)
    autocomplete_fields = ("okrug",)
    readonly_position = (
        "status_at",
        "status_locked_at",
        "lat",
        "lon",
        "position_at",
        "position_accuracy_m",
        "last_contact_at",
        "last_contact_via_words",
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "callsign",
                    "type",
                    "mobility",
                    "district",
                    "okrug",
                    "active",
                    "status",
                    "crew",
                )
            },
        ),
        (_("Last known position and contact (from devices)"), {"fields": readonly_position}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs: QuerySet[Any] = super().get_queryset(request)
        # The crew that rides: an officer whose account was closed (he left) keeps his unit
        # on his record, but KOK-PC2 read "3" with one of its two officers gone.
        crew = Count("members", filter=Q(members__is_active=True))
        annotated: QuerySet[Any] = qs.annotate(members_n=crew)
        return annotated

    # The oblast administrator staffs units (their kind, home, crew, whether in service) and
    # sends none: what a desk sending crews reads (presence, the position's age) is not in
    # his list, and the status comes last, where it may scroll. With the desk's order his
    # 1280 px laptop showed the crew and "active" only by scrolling sideways, in Russian
    # ("Кенгирбайбийский с.о." does not wrap). The unit's page keeps its position and contact.
    staffing_columns = (
        "callsign",
        "district",
        "type",
        "mobility",
        "okrug",
        "member_count",
        "active",
        "status",
    )

    def get_list_display(self, request: HttpRequest) -> Any:
        shown = tuple(super().get_list_display(request))
        if getattr(request.user, "role", None) == Role.OBLAST_ADMIN:
            return tuple(c for c in self.staffing_columns if c in shown)
        return shown

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        user: Any = request.user
        if user.is_superuser or user.role == Role.OBLAST_ADMIN:
            return (*self.readonly_position, "crew")
        return (*self.readonly_position, "crew", "district")

    @admin.display(description=_("officers"))
    def crew(self, obj: Unit | None) -> str:
        """Who rides in the unit, each a link to their page: a unit is crewed from each
        officer's page (the unit field), and the unit's own page did not say by whom."""
        if obj is None or obj.pk is None:
            return NOTHING
        officers = obj.members.filter(is_active=True).order_by("last_name", "first_name", "pk")
        links = [
            format_html(
                '<a href="{}">{}</a>',
                reverse("admin:people_officer_change", args=[o.pk]),
                o.display_name,
            )
            for o in officers
        ]
        if not links:
            return str(_("nobody yet: give officers this unit on their pages"))
        return format_html_join(", ", "{}", ((link,) for link in links))

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        user: Any = request.user
        if not change and obj.district_id is None and user.district_id:
            obj.district_id = user.district_id
        if "status" in form.changed_data:
            # A status set by the chief wins over device statuses recorded before it
            # (PROTOCOL.md §6.6).
            now = clock.now()
            obj.status_at = now
            obj.status_locked_at = now
        super().save_model(request, obj, form, change)

    @admin.display(description=_("last contact via"))
    def last_contact_via_words(self, obj: Unit) -> str:
        return obj.last_contact_via_text or "—"

    @admin.display(description=_("presence"))
    def presence_now(self, obj: Unit) -> str:
        value = obj.presence()
        if value == UNREACHABLE:
            return format_html('<span style="color:#ba2121">{}</span>', UNREACHABLE_LABEL)
        return str(UnitStatus(value).label) if value in UnitStatus.values else value

    @admin.display(description=_("position age"), ordering="position_at")
    def position_age(self, obj: Unit) -> str:
        return age_text(obj.position_at)

    @admin.display(description=_("members"), ordering="members_n")
    def member_count(self, obj: Any) -> int:
        return int(obj.members_n)


# --- territory (geo) ---------------------------------------------------------------------
@admin.register(Oblast)
class OblastAdmin(ScopedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    # Named as the reader's language writes it, as the districts are; both names are searched.
    list_display = ("local_name", "kato", "centre")
    search_fields = ("name", "name_kk", "kato")

    def scope_q(self, request: HttpRequest) -> Q:
        scope = self.district_scope(request)
        if scope.everything:
            return Q()
        return Q(pk__in=District.objects.filter(scope.q("id")).values("oblast_id"))

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(getattr(request.user, "is_superuser", False))

    @admin.display(description=_("name"), ordering=LocalName())
    def local_name(self, obj: Oblast) -> str:
        return obj.local_name


@admin.register(District)
class DistrictAdmin(ScopedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    scope_path = "id"
    # Named as the reader's language writes them, as the okrugs are: a Kazakh chief read
    # "Аягозский район" and its seat "Аягоз" beside the Kazakh headings, and found nothing
    # when he typed "Аягөз". Both names are searched.
    list_display = (
        "local_name",
        "kato",
        "kind",
        "seat_local_name",
        "okrug_count",
        "auto_redispatch",
    )
    list_select_related = ("seat",)
    list_filter = ("kind", "auto_redispatch")
    search_fields = ("name", "name_kk", "kato", "seat_name", "seat__name_kk")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs: QuerySet[Any] = super().get_queryset(request)
        annotated: QuerySet[Any] = qs.annotate(okrugs_n=Count("okrugs"))
        return annotated

    @admin.display(description=_("name"), ordering=LocalName())
    def local_name(self, obj: District) -> str:
        return obj.local_name

    @admin.display(description=_("seat name"), ordering=LocalName("seat_name", "seat__name_kk"))
    def seat_local_name(self, obj: District) -> str:
        # The seat's Kazakh name is its settlement's (fixtures/abai_oblast_kk.csv); seat_name
        # is the KATO extract's Russian.
        return in_reader_language(obj.seat_name, obj.seat.name_kk if obj.seat else "")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if getattr(request.user, "is_superuser", False):
            return ()
        return ("oblast", "kato", "name", "kind", "seat_name", "seat")

    @admin.display(description=_("okrugs"), ordering="okrugs_n")
    def okrug_count(self, obj: Any) -> int:
        return int(obj.okrugs_n)


@admin.register(Okrug)
class OkrugAdmin(ScopedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("local_name", "kato", "district", "sub_settlements")
    list_select_related = ("district",)
    list_filter = ("district",)
    # Both names: the unit and settlement pages' okrug autocomplete asks here, and a Kazakh
    # chief types "Абыралы" for what the KATO calls "Абралинский с.о.".
    search_fields = ("name", "name_kk", "kato")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if getattr(request.user, "is_superuser", False):
            return ()
        return ("district", "kato")

    @admin.display(description=_("name"), ordering=LocalName())
    def local_name(self, obj: Okrug) -> str:
        return obj.local_name


@admin.register(Settlement)
class SettlementAdmin(ScopedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    sync_table = SyncTable.SETTLEMENTS
    # Where, how far and how well covered first; the registry's code and the coordinates
    # after (a narrow screen scrolls those).
    list_display = (
        "local_name",
        "district",
        "okrug",
        "kind",
        "zone",
        "coverage",
        "road_km_to_seat",
        "kato",
        "coordinates",
    )
    list_select_related = ("okrug", "district")
    list_filter = ("zone", "coverage", "kind", "coords_estimated", "district")
    # Both names, as for the okrugs: the incident page's village picker asks here too, and a
    # Kazakh chief types "Ақтоғай" for what the KATO calls "Актогай".
    search_fields = ("name", "name_kk", "kato")
    autocomplete_fields = ("okrug",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if getattr(request.user, "is_superuser", False):
            return ()
        return ("okrug", "district", "kato", "name", "kind")

    @admin.display(description=_("name"), ordering=LocalName())
    def local_name(self, obj: Settlement) -> str:
        return obj.local_name

    @admin.display(description=_("coordinates"))
    def coordinates(self, obj: Settlement) -> str:
        if obj.lat is None or obj.lon is None:
            return "—"
        mark = " (" + str(_("estimated")) + ")" if obj.coords_estimated else ""
        return f"{obj.lat:.4f}, {obj.lon:.4f}{mark}"
