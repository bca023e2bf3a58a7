"""Assignments in the console: read-only rows with their KPIs; commands are actions."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import quote
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from backend.common import clock
from backend.ledger.names import SyncTable
from backend.people.admin_scoping import ConditionFilter, ScopedAdminMixin

from .. import kpis
from ..models import Assignment
from .dispatch_panel import AssignmentDispatchAdminMixin
from .formatting import span_exact_text, warning_html, when_text
from .timeline import reason_text

# The milestones' times, each set by a fact (``<milestone>_event``).
MILESTONES = (
    "delivered_at",
    "acknowledged_at",
    "en_route_at",
    "on_scene_at",
    "transporting_at",
    "cleared_at",
)


class OverdueFilter(ConditionFilter):
    title = _("overdue now")
    parameter_name = "overdue"

    def condition(self, request: HttpRequest) -> Q:
        return kpis.overdue_q(clock.now())


@admin.register(Assignment)
class AssignmentAdmin(AssignmentDispatchAdminMixin, ScopedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg,misc]
    sync_table = SyncTable.ASSIGNMENTS
    scope_path = "incident__district"
    # The unit is the link to the assignment (a database id as the first column read "PK"
    # in every language); the call's number links to the call. The escalation's rung and
    # "overdue" are read under the status, who sent the unit under when: as columns of their
    # own the list was 820–910 px in the 770 px box of a 1366 px laptop with the menu open.
    list_display = (
        "unit",
        "incident_link",
        "status_now",
        "dispatched",
        "ack_latency",
        "response",
    )
    list_display_links = ("unit",)
    list_select_related = ("incident", "unit")
    # When the crew was sent, on Kazakhstan's clock: a day, a month, a year.
    date_hierarchy = "dispatched_at"
    list_filter = (
        OverdueFilter,
        "dispatched_at",
        "status",
        "dispatch_source",
        "incident__priority",
        "unit",
        "incident__district",
    )
    search_fields = ("incident__number", "unit__callsign")
    ordering = ("-dispatched_at",)
    autocomplete_fields = ("incident", "unit", "superseded_by")
    show_full_result_count = False
    list_per_page = 50

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False  # assignments are made by dispatching (the dispatch service)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return kpis.assignments_with_kpis(super().get_queryset(request), now=clock.now())

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # Every field, for everyone: an assignment changes through the dispatch services and
        # the facts, which put each change on the timeline and tell the boards and devices.
        # (The stand-down's reason in words: the server's own is a fixed text.) A milestone
        # reads as its time, linked to the fact that set it; the row's id and the facts' ids
        # ("ID: 78", "En route yyLlmizzJTnPomuX") meant nothing to the chief reading it.
        shown = []
        for f in Assignment._meta.fields:
            if f.name == "id" or f.name.endswith("_event"):
                continue
            if f.name in MILESTONES:
                shown.append(f"{f.name.removesuffix('_at')}_when")
            elif f.name == "cancel_reason":
                shown.append("cancel_reason_text")
            else:
                shown.append(f.name)
        return shown

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.get_readonly_fields(request, obj)

    def _milestone(self, obj: Assignment, name: str) -> str:
        """A milestone's time, linked to the fact that set it when there is one."""
        at = getattr(obj, f"{name}_at")
        event_id = getattr(obj, f"{name}_event_id")
        if at is None or event_id is None:
            return when_text(at)
        url = reverse("admin:dispatch_event_change", args=[quote(event_id)])
        return format_html('<a href="{}">{}</a>', url, when_text(at))

    @admin.display(description=_("delivered at"))
    def delivered_when(self, obj: Assignment) -> str:
        return self._milestone(obj, "delivered")

    @admin.display(description=_("acknowledged at"))
    def acknowledged_when(self, obj: Assignment) -> str:
        return self._milestone(obj, "acknowledged")

    @admin.display(description=_("en route at"))
    def en_route_when(self, obj: Assignment) -> str:
        return self._milestone(obj, "en_route")

    @admin.display(description=_("on scene at"))
    def on_scene_when(self, obj: Assignment) -> str:
        return self._milestone(obj, "on_scene")

    @admin.display(description=_("transporting at"))
    def transporting_when(self, obj: Assignment) -> str:
        return self._milestone(obj, "transporting")

    @admin.display(description=_("cleared at"))
    def cleared_when(self, obj: Assignment) -> str:
        return self._milestone(obj, "cleared")

    @admin.display(description=_("cancel reason"))
    def cancel_reason_text(self, obj: Assignment) -> str:
        return reason_text(obj.cancel_reason)

    @admin.display(description=_("dispatched"), ordering="dispatched_at")
    def dispatched(self, obj: Assignment) -> SafeString:
        """When the unit was sent, and under it by whom (the duty officer, the ladder…)."""
        return format_html(
            '{}<br><span class="quiet">{}</span>',
            when_text(obj.dispatched_at),
            obj.get_dispatch_source_display(),
        )

    @admin.display(description=_("status"), ordering="status")
    def status_now(self, obj: Any) -> SafeString:
        """The status, and under it the escalation's rung and, in words, "overdue"."""
        rung = (
            format_html(
                '<br><span class="quiet">{}: {}</span>', _("escalation level"), obj.escalation_level
            )
            if obj.escalation_level
            else ""
        )
        late = format_html("<br>{}", self.overdue_flag(obj)) if obj.overdue else ""
        return format_html("{}{}{}", obj.get_status_display(), rung, late)

    @admin.display(description=_("incident"), ordering="incident__number")
    def incident_link(self, obj: Assignment) -> str:
        url = reverse("admin:dispatch_incident_change", args=[obj.incident_id])
        return format_html('<a href="{}">{}</a>', url, obj.incident.number)

    @admin.display(description=_("acknowledged after"), ordering="acknowledge_s")
    def ack_latency(self, obj: Any) -> str:
        return span_exact_text(obj.acknowledge_s)

    @admin.display(description=_("response"), ordering="response_s")
    def response(self, obj: Any) -> str:
        return span_exact_text(obj.response_s)

    @admin.display(description=_("overdue"), ordering="overdue")
    def overdue_flag(self, obj: Any) -> str:
        return warning_html(_("overdue")) if obj.overdue else ""
