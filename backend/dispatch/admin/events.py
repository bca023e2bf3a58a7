"""Events (facts) in the console: immutable, read-only for everyone."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from backend.ledger import uow
from backend.people.admin_scoping import ScopedAdminMixin, seconds

from .. import selectors
from ..lifecycle import EventKind
from ..models import Event
from .formatting import (
    call_html,
    duration_text,
    ms_text,
    payload_html,
    span_exact_text,
    uncertainty_text,
    warning_html,
    when_text,
)
from .timeline import (
    closing_words,
    sms_ids_in,
    sms_senders,
    via_text,
    with_records,
    with_senders,
    worded,
)


def event_scope_q(admin_: ScopedAdminMixin, request: HttpRequest, prefix: str = "") -> Q:
    scope = admin_.district_scope(request)
    if scope.everything:
        return Q()
    return scope.q(f"{prefix}incident__district") | scope.q(f"{prefix}unit__district")


@admin.register(Event)
class EventAdmin(ScopedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Facts are immutable: read-only for everyone."""

    read_only = True
    # When, what, who and on which call (the link is the time and the kind), what became of
    # it, when the server had it. How sure the time is (±, a doubted clock) is read under the
    # time (the estimate's method is a filter and on the fact's page), where it came from
    # (app, SMS, phone) under the kind, how late it came under its receipt: as eleven columns
    # the list was 960–1150 px in the 770 px box of a 1366 px laptop with the menu open. The
    # record's id is on its page and found by the search (as a column, one unbreakable word
    # of up to 36 characters, it set the list's width).
    list_display = ("estimated", "what", "unit", "call", "disposition", "received")
    list_display_links = ("estimated", "what")
    list_select_related = ("unit", "incident")
    # When the server had it, on Kazakhstan's clock (the list's order): a day, a month, a year.
    date_hierarchy = "server_received_at"
    list_filter = (
        "kind", "source", "disposition", "estimate_method", "clock_suspect",
        "server_received_at", "unit",
    )  # fmt: skip
    search_fields = ("id", "incident__number", "unit__callsign")
    ordering = ("-server_received_at",)
    show_full_result_count = False
    list_per_page = 100
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "id",
                    "kind",
                    "source",
                    "via_words",
                    "assignment",
                    "incident",
                    "unit",
                    "officer",
                    "device",
                    "disposition",
                    "payload_words",
                    "content_hash",
                )
            },
        ),
        (
            _("Raw observations (as the device sent them)"),
            {
                "fields": (
                    "device_clock",
                    "boot_id",
                    "since_boot",
                    "gps_clock",
                    "lat",
                    "lon",
                    "accuracy_m",
                    # A newer app's fields this server does not read, kept as sent.
                    "unread",
                )
            },
        ),
        (
            _("Time"),
            {
                "fields": (
                    "server_received_at",
                    "estimated_at",
                    "uncertainty",
                    "estimate_method",
                    "clock_suspect",
                    "clock_skew",
                )
            },
        ),
    )

    def scope_q(self, request: HttpRequest) -> Q:
        return event_scope_q(self, request)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        event = self.get_object(request, object_id)
        if event is not None and request.method == "GET":
            incident = event.incident or (event.assignment.incident if event.assignment else None)
            if incident is not None and incident.is_dv:
                # A note or outcome of a DV call carries its details: the read is audited.
                uow.record_read(
                    actor=request.user, obj=incident, purpose="admin.event_view", event_id=event.pk
                )
        return super().change_view(request, object_id, form_url, extra_context)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [f for _, opts in self.fieldsets for f in opts["fields"]]

    @admin.display(description=_("via"))
    def via_words(self, obj: Event) -> str:
        return via_text(obj.via)

    @admin.display(description=_("device clock"))
    def device_clock(self, obj: Event) -> str:
        return ms_text(obj.device_time)

    @admin.display(description=_("GPS time"))
    def gps_clock(self, obj: Event) -> str:
        return ms_text(obj.gps_time)

    # The list's times as every list writes them (local, to the second, the date when not
    # today): a fact's order within a minute is what this list is read for.
    @admin.display(description=_("estimated at"), ordering="estimated_at")
    def estimated(self, obj: Event) -> SafeString:
        """The estimated time, under it its uncertainty and, in words, a clock in doubt (how
        it was estimated is on the fact's page and a filter)."""
        return format_html(
            '{}<br><span class="quiet">{}</span>{}',
            when_text(obj.estimated_at),
            # "± 0,5 с" whole: at a column's edge it broke before the unit
            uncertainty_text(obj.estimate_uncertainty_ms).replace(" ", "\N{NO-BREAK SPACE}"),
            format_html("<br>{}", self.clock_warning(obj)) if obj.clock_suspect else "",
        )

    @admin.display(description=_("kind"), ordering="kind")
    def what(self, obj: Event) -> SafeString:
        """The milestone, and under it where it came from (the app, an SMS, a phone call)."""
        return format_html(
            '{}<br><span class="quiet">{}</span>', obj.get_kind_display(), obj.get_source_display()
        )

    @admin.display(description=_("server received at"), ordering="server_received_at")
    def received(self, obj: Event) -> SafeString:
        """When the server had it, and under it how long after the estimated time."""
        return format_html(
            '{}<br><span class="quiet">{}: {}</span>',
            when_text(obj.server_received_at),
            _("sync lag"),
            self.sync_lag(obj),
        )

    @admin.display(description=_("clock suspect"), ordering="clock_suspect")
    def clock_warning(self, obj: Event) -> str:
        return warning_html(_("clock suspect")) if obj.clock_suspect else ""

    @admin.display(description=_("incident"), ordering="incident__number")
    def call(self, obj: Event) -> SafeString | str:
        return call_html(obj.incident)

    @admin.display(description="±")
    def uncertainty(self, obj: Event) -> str:
        return uncertainty_text(obj.estimate_uncertainty_ms)

    @admin.display(description=_("sync lag"))
    def sync_lag(self, obj: Event) -> str:
        """In words, as the chief's data-quality report writes it (``2 s``, ``2 h 36 min``):
        as ``m:ss`` it stood under the received time — "15:41:01 / sync lag: 2:36:47", a
        lag that read as a second time of day."""
        # an estimate after the server's receipt (a phone's clock ahead) keeps its sign
        return signed_words(seconds(obj.server_received_at - obj.estimated_at))

    @admin.display(description=_("payload"))
    def payload_words(self, obj: Event) -> SafeString:
        """An outcome's code, a kind or a category as words, as on the incident's timeline;
        the SMS reply a fact came in by its sender (it read "SMS message: 35"), a visit by its
        place and unit, a closed call's words under their own label."""
        payload = closing_words(obj.payload) if obj.kind == EventKind.CLOSED else obj.payload
        payload = with_senders(payload, sms_senders(sms_ids_in(payload)))
        payload = with_records(payload, selectors.data_record_names([payload]))
        return payload_html(worded(payload, {}))

    # The fact's page lists these under the device's clock and GPS time: as m:ss or h:mm:ss
    # "since the device booted: 21:21:37" stood under "device clock: 14:01:08", a second
    # time of day; in words, as the list's sync lag.
    @admin.display(description=_("since the device booted"))
    def since_boot(self, obj: Event) -> str:
        return signed_words(None if obj.elapsed_ms is None else obj.elapsed_ms // 1000)

    @admin.display(description=_("device clock skew"))
    def clock_skew(self, obj: Event) -> str:
        return signed_words(None if obj.clock_skew_ms is None else round(obj.clock_skew_ms / 1000))


def signed_words(value: int | None) -> str:
    """Whole seconds in words, their sign kept: ``2 s``, ``2 h 36 min``, ``−1 min 05 s``."""
    if value is None:
        return duration_text(None)
    return ("−" if value < 0 else "") + span_exact_text(abs(value))
