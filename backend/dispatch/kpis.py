"""The KPI definitions of DOMAIN.md, as database expressions: one place says what "response
time" or "overdue" means, and every list, dashboard and report computes it the same way,
in the database.

Per incident (:func:`incidents_with_kpis`):

- call processing = first ``dispatched_at`` − ``received_at``
- response time = first ``on_scene_at`` − ``received_at``

Per assignment (:func:`assignments_with_kpis`):

- delivery latency = ``delivered_at`` − ``dispatched_at``
- acknowledge latency = ``acknowledged_at`` − ``dispatched_at``
- turnout = ``en_route_at`` − ``dispatched_at``
- travel = ``on_scene_at`` − ``en_route_at``
- time on scene = ``cleared_at`` − ``on_scene_at``
- response (this unit) = ``on_scene_at`` − the incident's ``received_at``
- overdue = open and past a deadline fixed at dispatch from the escalation policy
  (``ack_due_at`` without an acknowledgement, ``arrive_due_at`` with nobody on scene) —
  the same deadlines the escalation ladder fires on, never a second copy of them.

Every duration is in seconds (a float; ``None`` when a milestone is missing). A milestone's
time is the estimated time of the event that established it (PROTOCOL.md §6.7).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import (
    BooleanField,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)

from . import lifecycle
from .models import Assignment, Incident


class Seconds(Func):
    """``end − start`` in seconds, computed by the database (NULL if either is NULL)."""

    output_field = FloatField()
    arity = 2
    # PostgreSQL (the production database): timestamptz − timestamptz is an interval.
    template = "EXTRACT(EPOCH FROM (%(expressions)s))::double precision"
    arg_joiner = " - "

    def __init__(self, end: Any, start: Any) -> None:
        super().__init__(end, start)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # Django stores datetimes as ISO text in SQLite; julianday() parses it to days with
        # ≈ 10 µs resolution at today's dates.
        return super().as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s)) * 86400.0)",
            arg_joiner=") - julianday(",
            **extra,
        )


def _first(field: str) -> Subquery:
    """The earliest ``field`` over the incident's assignments (a correlated subquery: a
    list page keeps its other joins, and no GROUP BY over the whole page)."""
    return Subquery(
        Assignment.objects.filter(incident=OuterRef("pk"))
        .order_by()
        .values("incident")
        .annotate(first=Min(field))
        .values("first")[:1],
        output_field=DateTimeField(),
    )


def incidents_with_kpis(qs: QuerySet[Incident] | None = None) -> QuerySet[Incident]:
    """Incidents annotated with ``first_dispatched_at``, ``first_on_scene_at``,
    ``call_processing_s`` and ``response_s``."""
    qs = Incident.objects.all() if qs is None else qs
    return qs.annotate(
        first_dispatched_at=_first("dispatched_at"),
        first_on_scene_at=_first("on_scene_at"),
    ).annotate(
        call_processing_s=Seconds(F("first_dispatched_at"), F("received_at")),
        response_s=Seconds(F("first_on_scene_at"), F("received_at")),
    )


def overdue_q(now: dt.datetime) -> Q:
    """Open assignments past a deadline: not acknowledged by ``ack_due_at`` or nobody on
    scene by ``arrive_due_at``."""
    return Q(status__in=lifecycle.ASSIGNMENT_OPEN) & (
        Q(acknowledged_at__isnull=True, ack_due_at__lt=now)
        | Q(on_scene_at__isnull=True, arrive_due_at__lt=now)
    )


def assignments_with_kpis(
    qs: QuerySet[Assignment] | None = None, *, now: dt.datetime
) -> QuerySet[Assignment]:
    """Assignments annotated with ``delivery_s``, ``acknowledge_s``, ``turnout_s``,
    ``travel_s``, ``on_scene_s``, ``response_s`` and ``overdue`` (at ``now``)."""
    qs = Assignment.objects.all() if qs is None else qs
    return qs.annotate(
        delivery_s=Seconds(F("delivered_at"), F("dispatched_at")),
        acknowledge_s=Seconds(F("acknowledged_at"), F("dispatched_at")),
        turnout_s=Seconds(F("en_route_at"), F("dispatched_at")),
        travel_s=Seconds(F("on_scene_at"), F("en_route_at")),
        on_scene_s=Seconds(F("cleared_at"), F("on_scene_at")),
        response_s=Seconds(F("on_scene_at"), F("incident__received_at")),
        overdue=ExpressionWrapper(overdue_q(now), output_field=BooleanField()),
    )


def incidents_overdue_q(now: dt.datetime) -> Q:
    """Incidents with an overdue assignment (for lists and the chief's "needs me now")."""
    return Q(Exists(Assignment.objects.filter(overdue_q(now), incident=OuterRef("pk"))))
