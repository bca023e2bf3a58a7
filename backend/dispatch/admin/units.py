"""The unit admin with the call each unit is on.

A unit "Жолда" or "Жіберілді" in the list did not say on which call, and a desk asking what a
busy crew is doing had no way to it. Assignments are dispatch's, which ``people`` may not
import (the import layers look downwards only); so the unit admin is extended here, where
both are in reach, and registered again — as ``backend/devices/admin.py`` does the officers'.
"""

from __future__ import annotations

import operator
from functools import reduce
from typing import Any

from django.contrib import admin
from django.db.models import BooleanField, Case, Prefetch, Q, QuerySet, Value, When
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from backend.people.admin import UnitAdmin
from backend.people.models import UNREACHABLE, Unit

from .. import access
from ..lifecycle import ASSIGNMENT_OPEN
from ..models import Assignment, Incident


def _after(columns: Any, column: str, new: str) -> tuple[Any, ...]:
    """``columns`` with ``new`` after ``column``."""
    at = list(columns).index(column) + 1
    return (*columns[:at], new, *columns[at:])


def _with_call(fieldsets: Any) -> Any:
    """``fieldsets`` with the call after the unit's status."""
    return tuple(
        (name, {**opts, "fields": _after(opts["fields"], "status", "on_call")})
        if "status" in opts["fields"]
        else (name, opts)
        for name, opts in fieldsets
    )


admin.site.unregister(Unit)


@admin.register(Unit)
class UnitOnCallAdmin(UnitAdmin):
    """The unit admin with a column and a field naming the call the unit is on."""

    # Beside the unit's status, which says it is busy.
    list_display = _after(UnitAdmin.list_display, "status", "on_call")
    # The desk's list in one screen of 1440 px, in Russian too: with the call's column the
    # unit's okrug (then its crew, "active") ran off the right edge. Two columns said one
    # thing twice — "presence" repeated the status unless the unit is unreachable, and the
    # mobility is a word of the unit's kind — and the okrug is a part of the district: each
    # is folded under the other (a reader of one district has no district column: the okrug
    # keeps its own).
    desk_columns = (
        "callsign",
        "home",
        "status_now",
        "on_call",
        "position_age",
        "kind",
        "member_count",
        "active",
    )
    fieldsets = _with_call(UnitAdmin.fieldsets)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        """The units with their open assignments and those assignments' calls, read in one
        query for the whole page (``open_assignments``), each marked ``may_open`` when the
        viewer may open the call's page (:meth:`_may_open_call`); a call he may not open is
        named without a link."""
        qs: QuerySet[Any] = super().get_queryset(request)
        assignments = (
            Assignment.objects.filter(status__in=ASSIGNMENT_OPEN)
            .select_related("incident")
            .only("unit_id", "incident__number", "incident__status", "incident__district_id")
            .annotate(may_open=self._may_open_call(request))
            .order_by("dispatched_at", "pk")
        )
        return qs.prefetch_related(
            Prefetch("assignments", queryset=assignments, to_attr="open_assignments")
        )

    def _may_open_call(self, request: HttpRequest) -> Any:
        """Whether the call's page opens for the viewer, as the calls' admin decides: a call
        in its scope, for those who may view calls; and a call of another district a unit
        of the viewer's districts was sent to, for its desk (read-only there:
        ``access.incident_lent_to``)."""
        calls = self.related_admin(Incident)
        if calls is None:
            return Value(False)
        scope = calls.district_scope(request)
        opens = []
        if calls.has_view_permission(request):
            if scope.everything:
                return Value(True)
            opens.append(Q(incident__in=calls.scoped_queryset(request).values("pk")))
        if calls.has_module_permission(request) and access.can_dispatch(request.user):
            opens.append(scope.q("unit__district"))
        if not opens or scope.everything:
            return Value(bool(opens))
        return Case(
            When(reduce(operator.or_, opens), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )

    def get_list_display(self, request: HttpRequest) -> Any:
        shown = tuple(super().get_list_display(request))
        if "presence_now" not in shown:  # the administrator's staffing columns
            return shown
        home = "home" if "district" in shown else "okrug"
        return tuple(home if c == "home" else c for c in self.desk_columns)

    @admin.display(description=_("district"), ordering="district")
    def home(self, obj: Unit) -> str | SafeString:
        """The unit's district and, under it, its home okrug (a district inspector's)."""
        if obj.okrug is None:
            return str(obj.district)
        return format_html('{}<br><span class="quiet">{}</span>', obj.district, obj.okrug)

    @admin.display(description=_("status"), ordering="status")
    def status_now(self, obj: Unit) -> str | SafeString:
        """The unit's status and, under it, "unreachable" when its phones have gone silent
        (the status it was left in still says what it was doing)."""
        status = obj.get_status_display()
        if obj.presence() != UNREACHABLE:
            return status
        return format_html("{}<br>{}", status, self.presence_now(obj))

    @admin.display(description=_("type"), ordering="type")
    def kind(self, obj: Unit) -> SafeString:
        """The unit's kind and, under it, how it moves (car, horse, on foot)."""
        return format_html(
            '{}<br><span class="quiet">{}</span>',
            obj.get_type_display(),
            obj.get_mobility_display(),
        )

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:  # a new unit is on no call
            return UnitAdmin.fieldsets
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return (*super().get_readonly_fields(request, obj), "on_call")

    # The word the assignments' and the facts' lists head their call's column with.
    @admin.display(description=_("incident"))
    def on_call(self, obj: Unit) -> str | SafeString:
        """The number of each call the unit is on, a link to its page (when the viewer may
        open it), and under it the call's status; empty for a free unit."""
        assignments = getattr(obj, "open_assignments", [])
        return format_html_join(
            "<br>",
            '{}<br><span class="quiet">{}</span>',
            ((_number(a), a.incident.get_status_display()) for a in assignments),
        )


def _number(assignment: Any) -> str | SafeString:
    incident = assignment.incident
    if not assignment.may_open:
        return format_html('<span class="kuzet-code">{}</span>', incident.number)
    url = reverse("admin:dispatch_incident_change", args=[incident.pk])
    return format_html('<a class="kuzet-code" href="{}">{}</a>', url, incident.number)
