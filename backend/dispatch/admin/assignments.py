"""Assignments in the console: read-only rows with their KPIs; commands are actions."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from backend.common import clock
from backend.ledger.names import SyncTable
from backend.people.admin_scoping import ConditionFilter, ScopedAdminMixin

from .. import kpis
from ..models import Assignment
from .dispatch_panel import AssignmentDispatchAdminMixin
from .formatting import seconds_text, warning_html, when_text
from .timeline import reason_text


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
    # in every language); the call's number links to the call.
    list_display = (
        "unit",
        "incident_link",
        "status",
        "dispatched",
        "ack_latency",
        "response",
        "escalation_level",
        "overdue_flag",
        "dispatch_source",
    )
    list_display_links = ("unit",)
    list_select_related = ("incident", "unit")
    list_filter = (
        OverdueFilter,
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
        # (The stand-down's reason in words: the server's own is a fixed text.)
        return [
            "cancel_reason_text" if f.name == "cancel_reason" else f.name
            for f in Assignment._meta.fields
        ]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.get_readonly_fields(request, obj)

    @admin.display(description=_("cancel reason"))
    def cancel_reason_text(self, obj: Assignment) -> str:
        return reason_text(obj.cancel_reason)

    @admin.display(description=_("dispatched"), ordering="dispatched_at")
    def dispatched(self, obj: Assignment) -> str:
        return when_text(obj.dispatched_at)

    @admin.display(description=_("incident"), ordering="incident__number")
    def incident_link(self, obj: Assignment) -> str:
        url = reverse("admin:dispatch_incident_change", args=[obj.incident_id])
        return format_html('<a href="{}">{}</a>', url, obj.incident.number)

    @admin.display(description=_("acknowledged after"), ordering="acknowledge_s")
    def ack_latency(self, obj: Any) -> str:
        return seconds_text(obj.acknowledge_s)

    @admin.display(description=_("response"), ordering="response_s")
    def response(self, obj: Any) -> str:
        return seconds_text(obj.response_s)

    @admin.display(description=_("overdue"), ordering="overdue")
    def overdue_flag(self, obj: Any) -> str:
        return warning_html(_("overdue")) if obj.overdue else ""
