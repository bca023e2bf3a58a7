"""Devices and enrolment codes in the admin: revoke a device, issue an officer's code.

Issuing an enrolment code is an action on the officer list, but it calls the devices
service, which ``people`` may not import (the import layers look downwards only); so the
officer admin is extended here, where both are in reach, and registered again.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from backend.common import clock
from backend.common.errors import DomainError
from backend.common.formatting import NOTHING, when_text
from backend.people.admin import OfficerAdmin
from backend.people.admin_scoping import (
    ENROL,
    REVOKE,
    ConditionFilter,
    ScopedAdminMixin,
    age_text,
    capabilities,
)
from backend.people.models import Officer, Role

from .models import (
    REVOKED_IN_CONSOLE,
    Device,
    EnrolmentCode,
    device_silent_q,
    revoke_reason_text,
)
from .services import device_revoke, enrolment_code_issue


def _actor(request: HttpRequest) -> Officer:
    user = request.user
    assert isinstance(user, Officer)  # the admin lets staff officers in only
    return user


admin.site.unregister(Officer)


@admin.register(Officer)
class OfficerEnrolmentAdmin(OfficerAdmin):
    """The officer admin with the action that issues a one-time enrolment code."""

    actions = ["issue_enrolment_code"]
    # The oblast administrator staffs districts: whether an account is open is read with its
    # role and unit, and on his 1280 px laptop it came after the phone number and the phones,
    # off the screen. Those may scroll for him; the desks keep their order.
    staffing_columns = (
        "username",
        "full_name",
        "role",
        "district",
        "unit",
        "is_active",
        "phone_number",
        "live_devices",
    )

    def get_list_display(self, request: HttpRequest) -> Any:
        shown = tuple(super().get_list_display(request))
        if getattr(request.user, "role", None) == Role.OBLAST_ADMIN:
            return tuple(c for c in self.staffing_columns if c in shown)
        return shown

    def has_enrol_permission(self, request: HttpRequest) -> bool:
        return ENROL in capabilities(request.user, Officer)

    @admin.action(description=_("Issue an enrolment code (shown once)"), permissions=["enrol"])
    def issue_enrolment_code(
        self, request: HttpRequest, queryset: QuerySet[Any]
    ) -> TemplateResponse | None:
        """Issue a code per selected officer and show each once, as text to read out or type
        and as a QR code the field app scans (its enrol screen reads the same text)."""
        hours = settings.KUZET_ENROLMENT_CODE_HOURS
        issued = []
        for officer in queryset.order_by("username"):
            try:
                code = enrolment_code_issue(officer=officer, issued_by=_actor(request))
            except DomainError:
                self.message_user(request, _why_no_code(officer), messages.WARNING)
                continue
            issued.append({"officer": officer, "code": code, "qr": _qr_svg(code)})
        if not issued:
            return None  # back to the list, with the warnings
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Enrolment codes"),
            "opts": self.opts,
            "issued": issued,
            "hours": hours,
            "valid_until": timezone.localtime() + dt.timedelta(hours=hours),
            # Where the officer types the code: the page only said "Enrol → Scan QR code",
            # and a new district's officers had never opened the field app.
            "app_url": request.build_absolute_uri(reverse("field_app:index")),
        }
        return TemplateResponse(request, "admin/devices/enrolment_codes.html", context)


def _why_no_code(officer: Officer) -> str:
    """Why ``officer`` got no enrolment code, in the reader's language. (The service's own
    reason is the API's English: ticking the new chief with his officers read "Chief_kokpekty:
    chief_kokpekty is not an officer of a unit; only they enrol devices." on a Russian
    screen.)"""
    name = {"officer": officer}
    if not officer.is_active:
        return gettext("%(officer)s: no code — the account is inactive.") % name
    if officer.role != Role.OFFICER:
        return (
            gettext(
                "%(officer)s: no code — only patrol officers and inspectors enrol a phone; "
                "staff sign in to the console."
            )
            % name
        )
    return gettext("%(officer)s: no code — give the officer a unit first.") % name


def _qr_svg(code: str) -> str:
    """The code as an inline SVG QR code (segno: pure Python, no image files, no network)."""
    import segno

    return str(segno.make(code, error="m").svg_inline(scale=6, border=2, dark="#000"))


class SilentFilter(ConditionFilter):
    parameter_name = "silent"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The hours the deployment set (KUZET_DEVICE_SILENT_HOURS), not the setting's name.
        self.title = gettext("not synced for %(hours)s hours") % {
            "hours": settings.KUZET_DEVICE_SILENT_HOURS
        }
        super().__init__(*args, **kwargs)

    def condition(self, request: HttpRequest) -> Q:
        return device_silent_q(clock.now())


@admin.register(Device)
class DeviceAdmin(ScopedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    scope_path = "officer__district"
    # Whose phone, which unit, when last heard from first (the link is the officer); the
    # phone's make and app after. The device's id is on its page and found by the search:
    # as a column, one unbreakable word, it pushed the list past a 1440 px screen.
    list_display = (
        "officer",
        "unit",
        "last_seen",
        "revoked",
        "model",
        "app_version",
        "platform",
        "enrolled",
    )
    list_display_links = ("officer",)
    list_select_related = ("officer", "officer__unit")
    list_filter = (SilentFilter, "platform", "officer__district", "officer__unit")
    search_fields = ("id", "officer__username", "officer__last_name", "model", "install_id")
    ordering = ("-enrolled_at",)
    actions = ["revoke"]
    fields = (
        "id",
        "officer",
        "install_id",
        "platform",
        "model",
        "app_version",
        "enrolled_at",
        "last_seen_at",
        "revoked_at",
        "revoked_by",
        "revoke_reason_text",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False  # devices enrol themselves with a one-time code

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return REVOKE in capabilities(request.user, Device)

    @admin.display(description=_("unit"))
    def unit(self, obj: Device) -> str:
        return str(obj.officer.unit) if obj.officer.unit_id else "—"

    @admin.display(description=_("last seen"), ordering="last_seen_at")
    def last_seen(self, obj: Device) -> str:
        return age_text(obj.last_seen_at)

    @admin.display(description=_("enrolled"), ordering="enrolled_at")
    def enrolled(self, obj: Device) -> str:
        return when_text(obj.enrolled_at)

    @admin.display(description=_("revoked"), ordering="revoked_at")
    def revoked(self, obj: Device) -> str:
        return when_text(obj.revoked_at)

    @admin.display(description=_("revoke reason"))
    def revoke_reason_text(self, obj: Device) -> str:
        return revoke_reason_text(obj.revoke_reason)

    @admin.action(description=_("Revoke (the device wipes its case data)"), permissions=["revoke"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        revoked = []
        for device in queryset.select_related("officer").order_by("pk"):
            if device_revoke(device=device, by=_actor(request), reason=REVOKED_IN_CONSOLE):
                # the phone by its make and whose it is, not its id ("dev_821b…")
                revoked.append(f"{device.make} · {device.officer}")
        if revoked:
            self.message_user(
                request,
                gettext("Revoked %(n)s: %(ids)s.") % {"n": len(revoked), "ids": "; ".join(revoked)},
                messages.SUCCESS,
            )
        else:
            self.message_user(
                request, gettext("Nothing to revoke: already revoked."), messages.INFO
            )


@admin.register(EnrolmentCode)
class EnrolmentCodeAdmin(ScopedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Issued codes (never the code itself: only its hash is stored)."""

    scope_path = "officer__district"
    list_display = ("officer", "issued_by", "created", "expires", "used", "phone")
    list_select_related = ("officer", "issued_by", "device")
    search_fields = ("officer__username",)
    ordering = ("-created_at",)
    fields = ("officer", "issued_by", "created_at", "expires_at", "used_at", "device")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False  # issued with the officer action "issue an enrolment code"

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("created"), ordering="created_at")
    def created(self, obj: EnrolmentCode) -> str:
        return when_text(obj.created_at)

    @admin.display(description=_("expires"), ordering="expires_at")
    def expires(self, obj: EnrolmentCode) -> str:
        return when_text(obj.expires_at)

    @admin.display(description=_("used"), ordering="used_at")
    def used(self, obj: EnrolmentCode) -> str:
        return when_text(obj.used_at)

    @admin.display(description=_("device"))
    def phone(self, obj: EnrolmentCode) -> str:
        """The phone the code enrolled: its make and id (the officer is the first column)."""
        device = obj.device
        return NOTHING if device is None else f"{device.make} · {device.pk}"
