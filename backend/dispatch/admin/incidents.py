"""Incidents in the console: the list with KPI columns; the page with the actions first —
the dispatch panel (open assignments, recommended units, the incident's commands, registry
numbers and outcome) and the timeline — and the record's read-only fields last, folded."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from backend.common.formatting import phone_html
from backend.ledger import uow
from backend.ledger.names import SyncTable
from backend.people.admin_scoping import ScopedAdminMixin

from .. import access, kpis, selectors
from ..models import Incident
from . import call_entry
from .dispatch_panel import IncidentDispatchAdminMixin
from .formatting import NOTHING, risk_flags_html, span_text, when_text

# What a superuser may correct on an incident: what the caller said, where, the registry
# numbers. Status, priority, place and every time belong to the services.
SUPERUSER_CORRECTS = frozenset(
    {
        "summary",
        "description",
        "landmark",
        "caller_name",
        "caller_phone",
        "media_links",
        "registry_kui",
        "registry_erdr",
        "registry_erap",
        "restricted",
    }
)


# A caller's number as a reader sees it: grouped, "+7 701 234 56 78" (stored E.164).
PHONE_READ = {"caller_phone": "caller_phone_number"}


class DeskWorkFilter(admin.SimpleListFilter):
    """The calls that wait for the duty desk (its home page links here)."""

    title = _("waiting for the desk")
    parameter_name = "desk"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("waiting", _("Calls waiting for a unit")),
            ("to_close", _("Calls cleared, to be closed")),
            ("waiting_overdue", _("Calls with no unit past their dispatch deadline")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Incident]) -> QuerySet[Incident]:
        chosen = {
            "waiting": Q(status__in=kpis.CALLS_WAITING),
            "to_close": Q(status__in=kpis.CALLS_TO_CLOSE),
            "waiting_overdue": kpis.calls_waiting_overdue_q(),
        }.get(self.value() or "")
        return queryset if chosen is None else queryset.filter(chosen)


class ExerciseFilter(admin.SimpleListFilter):
    """Training calls (``Incident.exercise``: drills, the live demo's) apart from real ones:
    a chief reviewing last week's calls leaves the drills out, a desk checking a drill lists
    it alone."""

    title = _("exercise")
    # the field's own lookup: the chief's report links "exercise calls not counted" here
    # (reports.views, ?exercise__exact=1), and the list then shows this filter chosen
    parameter_name = "exercise__exact"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("0", _("Real calls")), ("1", _("Exercise calls"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Incident]) -> QuerySet[Incident]:
        chosen = {"0": False, "1": True}.get(self.value() or "")
        return queryset if chosen is None else queryset.filter(exercise=chosen)


@admin.register(Incident)
class IncidentAdmin(IncidentDispatchAdminMixin, ScopedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Incidents: the list with response-time columns, the page with the dispatch panel
    and the timeline at the top (``dispatch_panel.py``), the record's fields below, folded.

    Status and times change only through the dispatch services (the panel's commands), so
    that every change is on the timeline, releases units and reaches the boards: they are
    read-only here for everyone. A superuser may correct the descriptive fields."""

    sync_table = SyncTable.INCIDENTS
    change_form_template = "admin/dispatch/incident/change_form_with_dispatch.html"
    # What a duty officer and a chief look for first — where, what, how urgent, and how long
    # the call waited (the response, with the time the first unit arrived under it). How the
    # call came is read under when (the channel), what the caller said under what it is (the
    # summary): as columns of their own they were off the screen of a 1366 px laptop with the
    # menu open (the list was 930–960 px in a 770 px box). The units sent are on the call's
    # page.
    list_display = (
        "number",
        "received",
        "district",
        "place",
        "what",
        "priority_code",
        "status",
        "response",
    )
    list_select_related = ("district", "settlement")
    # When the call came, on Kazakhstan's clock: today, the past 7 days, this month (the
    # filter), or one year, month or day (the dates above the list) — a chief listing last
    # week's calls had to go through the reports' drill-downs.
    date_hierarchy = "received_at"
    list_filter = (
        DeskWorkFilter,
        ExerciseFilter,
        "received_at",
        "status",
        "priority",
        "channel",
        "category",
        "settlement__zone",
        "restricted",
        "district",
    )
    # A village by either name: a Kazakh chief types "Ақтоғай" for the KATO's "Актогай".
    search_fields = (
        "number",
        "external_ref",
        "summary",
        "landmark",
        "settlement__name",
        "settlement__name_kk",
    )
    ordering = ("-received_at",)
    autocomplete_fields = ("settlement", "duplicate_of")
    show_full_result_count = False
    list_per_page = 50
    fieldsets = (
        (
            _("Record"),
            {
                # Read-only for everyone but a superuser; the panel above shows what a duty
                # officer needs, so these wait folded below it.
                "classes": ("collapse",),
                "fields": (
                    "number",
                    "status",
                    "priority",
                    "category",
                    "channel",
                    "external_ref",
                    "district",
                    "restricted",
                    "exercise",
                ),
            },
        ),
        (
            _("Place"),
            {
                "classes": ("collapse",),
                "fields": ("settlement", "lat", "lon", "location_source", "landmark"),
            },
        ),
        (
            _("Report"),
            {
                "classes": ("collapse",),
                "fields": (
                    "summary",
                    "description",
                    "caller_name",
                    "caller_phone",
                    "media_links",
                    "risk_flags_words",
                    "notify_citizen",
                    "citizen_notified_at",
                    "citizen_delay_notified_at",
                ),
            },
        ),
        (
            _("Times"),
            {
                "classes": ("collapse",),
                "fields": (
                    "received_at",
                    "created_at",
                    "created_by",
                    "closed_at",
                    "closed_by",
                    "reopened_at",
                ),
            },
        ),
        (
            _("Outcome"),
            {
                "classes": ("collapse",),
                "fields": (
                    "disposition",
                    "outcome_code",
                    "outcome_article",
                    "outcome_text",
                    "duplicate_of",
                    "registry_kui",
                    "registry_erdr",
                    "registry_erap",
                ),
            },
        ),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs: QuerySet[Any] = kpis.incidents_with_kpis(super().get_queryset(request))
        return qs

    def get_changelist_instance(self, request: HttpRequest) -> Any:
        """A filter or search holding U+0000 (``?number=%00``) is an invalid filter (Django's
        redirect to ``?e=1``): PostgreSQL cannot compare a text with it, and the list
        answered a 500."""
        if any("\x00" in value for _key, values in request.GET.lists() for value in values):
            raise IncorrectLookupParameters
        return super().get_changelist_instance(request)

    # -- taking a call: the add page is the call-entry screen (call_entry.py) -------------
    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        """Whoever dispatches takes calls: duty officers, chiefs (and superusers)."""
        return bool(request.user.is_staff and access.can_dispatch(request.user))

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        return call_entry.call_entry_view(self, request)

    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view
        ours = [
            path("call/settlements/", wrap(partial(call_entry.settlement_search_view, self)),
                 name="dispatch_incident_call_settlements"),
            path("call/nearby/", wrap(partial(call_entry.nearby_incidents_view, self)),
                 name="dispatch_incident_call_nearby"),
        ]  # fmt: skip
        return ours + super().get_urls()

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        every_field = [f.name for f in Incident._meta.fields] + ["risk_flags_words"]
        if getattr(request.user, "is_superuser", False):
            return [f for f in every_field if f not in SUPERUSER_CORRECTS]
        return [*every_field, "caller_phone_number"]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        """A caller's number read (not corrected) is grouped and a tel: link
        (:meth:`caller_phone_number`); a superuser's form keeps the field as stored."""
        fieldsets: Any = super().get_fieldsets(request, obj)
        if getattr(request.user, "is_superuser", False):
            return fieldsets
        return [
            (name, {**opts, "fields": [PHONE_READ.get(f, f) for f in opts["fields"]]})
            for name, opts in fieldsets
        ]

    @admin.display(description=_("caller phone"))
    def caller_phone_number(self, obj: Incident) -> SafeString:
        return phone_html(obj.caller_phone) if obj.caller_phone else format_html("{}", NOTHING)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        extra_context = dict(extra_context or {})
        obj = self.get_object(request, object_id)
        if obj is not None and obj.is_dv and request.method == "GET":
            # Every read of a domestic-violence record is audited (Law 214-IV).
            uow.record_read(actor=request.user, obj=obj, purpose="admin.incident_view")
        return super().change_view(request, object_id, form_url, extra_context)

    def history_read(self, request: HttpRequest, obj: Incident) -> None:  # type: ignore[override]
        if obj.is_dv:
            uow.record_read(actor=request.user, obj=obj, purpose="admin.incident_history")

    def history_q(self, obj: Incident) -> Q:  # type: ignore[override]
        """A call's history is its parts' too: the units sent, the facts recorded on them,
        its conflicts and follow-up visits (the "History" button showed only "Incident
        created" for a call with a unit dispatched and reassigned)."""
        return selectors.audit_about_incidents([obj.pk])

    @admin.display(description=_("received"), ordering="received_at")
    def received(self, obj: Incident) -> SafeString:
        """When the call came, and under it how (the channel)."""
        return format_html(
            '{}<br><span class="quiet">{}</span>',
            when_text(obj.received_at),
            obj.get_channel_display(),
        )

    @admin.display(description=_("category"), ordering="category")
    def what(self, obj: Incident) -> SafeString:
        """What the call is — with the "Exercise" badge on a training call — and under it
        what the caller said (``summary_text``)."""
        return format_html(
            '{}{}<br><span class="quiet kuzet-summary">{}</span>',
            obj.get_category_display(),
            format_html(' <span class="kuzet-exercise-badge">{}</span>', _("Exercise"))
            if obj.exercise
            else "",
            self.summary_text(obj),
        )

    @admin.display(description=_("risk flags"))
    def risk_flags_words(self, obj: Incident) -> SafeString:
        return risk_flags_html(obj.risk_flags)

    @admin.display(description=_("place"))
    def place(self, obj: Incident) -> str:
        if obj.settlement_id:
            return obj.settlement.local_name  # type: ignore[union-attr]
        return obj.landmark[:40] or "—"

    @admin.display(description=_("priority"), ordering="priority")
    def priority_code(self, obj: Incident) -> SafeString:
        # "P1" in the list (its meaning on hover and in the filter beside it): the whole label
        # took three lines of a list that must fit a 1440 px screen.
        return format_html('<span title="{}">{}</span>', obj.get_priority_display(), obj.priority)

    @admin.display(description=_("summary"))
    def summary_text(self, obj: Incident) -> str | SafeString:
        if obj.is_dv:
            # Details of DV calls only on the incident page, where the read is audited.
            return format_html(
                '<span title="{}">{}</span>',
                _(
                    "Details of domestic-violence calls are on the call's page, where every "
                    "read is audited."
                ),
                _("on the call's page"),
            )
        return obj.summary[:60]

    @admin.display(description=_("response"), ordering="response_s")
    def response(self, obj: Any) -> str | SafeString:
        """How long the call waited for its first unit, in words, and under it when that unit
        arrived ("12:00" over "on scene 09:12:00" read as noon; "6:14" as a quarter past six)."""
        if obj.first_on_scene_at is None:
            return NOTHING
        return format_html(
            '{}<br><span class="quiet">{}</span>',
            span_text(round(obj.response_s)),
            _("on scene %(time)s") % {"time": when_text(obj.first_on_scene_at)},
        )
