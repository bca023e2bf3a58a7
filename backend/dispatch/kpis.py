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
  the same deadlines the escalation ladder fires on, never a second copy of them, read by
  its rules (an acknowledgement by a status past it too; nobody on scene as the arrival
  rung reads it: :func:`arrival_reached_q`).

SLA compliance (:func:`incidents_with_sla`): an incident's target is the arrival deadline
its dispatch fixed from the escalation policy for its priority and zone (the earliest
``arrive_due_at`` of its assignments — the strictest, when a priority was raised between two
dispatches — of those sent before the call was last reopened: a unit sent after a reopen
has its target counted from the reopen, ``ladder.arrival_due``); for a call nobody was sent
to (before a reopen), the target the policy gives its district,
priority and zone now (``policies.with_arrive_within_s``), counted from when it was
received. ``sla_met`` is 1 when the first unit was on scene by then, 0 when the first
arrival was later or nobody arrived and the target has passed — whether or not anybody was
sent — and NULL (not counted) when there is no target (P3), the call was cancelled (even
after a unit arrived: the call is void) or a duplicate, it was closed before the target
without anybody needing to come, or the target is still ahead.

Data quality (DOMAIN.md):

- acknowledged on behalf (:func:`assignments_with_quality`): ``ack_on_behalf`` is 1 when the
  acknowledgement came from a duty officer on the officer's behalf, 0 for any other
  acknowledgement, NULL when not acknowledged;
- not delivered within 60 s: ``undelivered_60s`` is 0 when the unit was reached (the
  delivered or the acknowledged milestone, whichever came first) within
  :data:`DELIVERY_WITHIN_S`, 1 when later or never, NULL while the 60 s are still running or
  when a command ended the assignment unreached within them;
- clock-suspect events and sync lag (:func:`events_with_kpis`): over events from the field
  app, ``sync_lag_s`` = server receipt − estimated event time;
- silent devices: :func:`backend.devices.models.device_silent_q`.

App reports confirmed (the chiefs' upward report): a report through an app (Police-102,
eGov, Kaspi, Halyk) is confirmed when its recorded outcome found what was reported — any
outcome but "no offence", "nobody found" and "false call"; without an outcome it is not
counted yet (``app_confirmed`` is 1, 0 or NULL).

Every duration is in seconds (a float; ``None`` when a milestone is missing). A milestone's
time is the estimated time of the event that established it (PROTOCOL.md §6.7).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import IsNull

from . import lifecycle, policies
from .models import (
    Assignment,
    Channel,
    EscalationStep,
    Event,
    EventSource,
    Incident,
    IncidentEscalationStep,
    OutcomeCode,
)


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


def _first(field: str, *, dispatched_before: Any = None) -> Subquery:
    """The earliest ``field`` over the incident's assignments (a correlated subquery: a
    list page keeps its other joins, and no GROUP BY over the whole page); with
    ``dispatched_before``, over those dispatched before it only."""
    qs = Assignment.objects.filter(incident=OuterRef("pk"))
    if dispatched_before is not None:
        qs = qs.filter(dispatched_at__lt=dispatched_before)
    return Subquery(
        qs.order_by().values("incident").annotate(first=Min(field)).values("first")[:1],
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
    scene by ``arrive_due_at`` — nobody as the arrival rung and the chief's list read it
    (:func:`arrival_reached_q`): its own crew on scene or transporting, or a unit of the call
    with an "on scene" or "transporting" time since the call was last reopened. A crew
    driving the victim away without an "on scene" tap read overdue here alone.
    Acknowledged as the ladder reads it (``lifecycle.assignment_acknowledged``): by its
    milestone or a status past it — a crew en route whose "acknowledged" tap never reached
    the server read "not acknowledged" here."""
    return Q(status__in=lifecycle.ASSIGNMENT_OPEN) & (
        (_not_acknowledged_q() & Q(ack_due_at__lt=now))
        | (Q(arrive_due_at__lt=now) & ~arrival_reached_q())
    )


def _not_acknowledged_q(assignment: str = "") -> Q:
    """Not acknowledged, by its milestone nor a status past it (the ladder's
    ``lifecycle.assignment_acknowledged``)."""
    p = f"{assignment}__" if assignment else ""
    return Q(**{f"{p}acknowledged_at__isnull": True}) & ~Q(
        **{f"{p}status__in": lifecycle.ASSIGNMENT_ACKNOWLEDGED}
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


# --- SLA compliance -------------------------------------------------------------------------
def incidents_with_sla(
    qs: QuerySet[Incident] | None = None, *, now: dt.datetime
) -> QuerySet[Incident]:
    """:func:`incidents_with_kpis` plus ``sla_due_at`` (the arrival deadline a dispatch
    fixed, NULL for a call nobody was sent to), ``sla_target_s`` (the arrival target in
    seconds from the call) and ``sla_met`` (1, 0 or NULL, see the module docstring)."""
    qs = policies.with_arrive_within_s(incidents_with_kpis(qs)).annotate(
        # The targets of the call's first visit: a unit sent after a reopen has its target
        # counted from the reopen (ladder.arrival_due), the response time from the receipt.
        sla_due_at=Case(
            When(reopened_at__isnull=True, then=_first("arrive_due_at")),
            default=_first("arrive_due_at", dispatched_before=OuterRef("reopened_at")),
        )
    )
    qs = qs.annotate(
        # The deadline a dispatch fixed; for a call nobody was sent to, its policy's target
        # (COALESCE reads the policy only for those).
        sla_target_s=Coalesce(
            Seconds(F("sla_due_at"), F("received_at")),
            F("arrive_within_s"),
            output_field=FloatField(),
        ),
        waited_s=Seconds(Value(now, output_field=DateTimeField()), F("received_at")),
        closed_after_s=Seconds(F("closed_at"), F("received_at")),
    )
    return qs.annotate(
        sla_met=Case(
            # A cancelled call is void, whoever reached it first (it was counted when a unit
            # had arrived: a false call cancelled after a late arrival was a missed target).
            When(
                status__in=[lifecycle.IncidentStatus.CANCELLED, lifecycle.IncidentStatus.DUPLICATE],
                then=None,
            ),
            # A repeat closed on its own is still a repeat (nobody can be sent to one): its
            # original is the call.
            When(duplicate_of__isnull=False, then=None),
            When(sla_target_s__isnull=True, then=None),
            When(response_s__lte=F("sla_target_s"), then=Value(1)),
            When(response_s__isnull=False, then=Value(0)),
            When(closed_after_s__lte=F("sla_target_s"), then=None),
            # Nobody came, whether or not anybody was sent — a call left waiting past the
            # target of its priority and zone is a miss (DOMAIN.md: response time ≤
            # target(priority, zone)); it was not counted, so a district that sent nobody
            # to a remote village read 100 %.
            When(waited_s__gt=F("sla_target_s"), then=Value(0)),
            default=None,
            output_field=IntegerField(),
        ),
    )


# --- app reports -----------------------------------------------------------------------------
APP_CHANNELS: tuple[str, ...] = (Channel.APP_102, Channel.EGOV, Channel.KASPI, Channel.HALYK)
NOT_CONFIRMING_OUTCOMES: tuple[str, ...] = (
    OutcomeCode.NO_OFFENCE,
    OutcomeCode.NOT_FOUND,
    OutcomeCode.FALSE_CALL,
)


def app_confirmed() -> Case:
    """1 when an incident's outcome confirms the report, 0 when it does not, NULL without one."""
    return Case(
        When(outcome_code="", then=None),
        When(outcome_code__in=NOT_CONFIRMING_OUTCOMES, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )


# --- data quality ---------------------------------------------------------------------------
DELIVERY_WITHIN_S = 60


def assignments_with_quality(
    qs: QuerySet[Assignment] | None = None, *, now: dt.datetime
) -> QuerySet[Assignment]:
    """:func:`assignments_with_kpis` plus ``ack_on_behalf`` and ``undelivered_60s`` (1, 0 or
    NULL, see the module docstring)."""
    within = dt.timedelta(seconds=DELIVERY_WITHIN_S)
    qs = assignments_with_kpis(qs, now=now).annotate(
        # The first sign that the unit had it: the handset's receipt or the acknowledgement
        # (an SMS reply or a duty officer's radio call reaches a unit whose phone never did).
        reached_at=Case(
            When(delivered_at__isnull=True, then=F("acknowledged_at")),
            When(acknowledged_at__lt=F("delivered_at"), then=F("acknowledged_at")),
            default=F("delivered_at"),
            output_field=DateTimeField(),
        ),
        deliver_deadline=ExpressionWrapper(
            F("dispatched_at") + within, output_field=DateTimeField()
        ),
    )
    return qs.annotate(
        ack_on_behalf=Case(
            When(acknowledged_at__isnull=True, then=None),
            When(acknowledged_event__source=EventSource.ON_BEHALF, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        ),
        undelivered_60s=Case(
            When(reached_at__lte=F("deliver_deadline"), then=Value(0)),
            When(reached_at__isnull=False, then=Value(1)),
            When(
                status__in=lifecycle.ASSIGNMENT_ENDED_BY_COMMAND,
                closed_at__lte=F("deliver_deadline"),
                then=None,
            ),
            When(deliver_deadline__gt=now, then=None),
            default=Value(1),
            output_field=IntegerField(),
        ),
    )


def events_with_kpis(qs: QuerySet[Event] | None = None) -> QuerySet[Event]:
    """Events from the field app, annotated with ``sync_lag_s`` (server receipt − estimated
    event time, seconds) and ``suspect`` (1 when the event's time cannot be trusted)."""
    qs = Event.objects.all() if qs is None else qs
    return qs.filter(source=EventSource.APP).annotate(
        sync_lag_s=Seconds(F("server_received_at"), F("estimated_at")),
        suspect=Case(When(clock_suspect=True, then=Value(1)), default=Value(0)),
    )


# --- what needs the district chief now --------------------------------------------------------
Step = EscalationStep.Step
# The rungs that alert the district chief (DOMAIN.md escalation ladder, steps 4 and 5).
CHIEF_STEPS: tuple[str, ...] = (Step.ACK_OVERDUE_TWICE, Step.ARRIVAL_OVERDUE)


def reached_scene_q(incident: str = "incident", *, reopened_at: OuterRef | None = None) -> Q:
    """Assignments whose crew reached the scene of their call in the call's current visit:
    the one rule of "somebody got there" for the arrival rung (``ladder.step_applies``; the
    sweep reads it as ``lifecycle.reached_in_visit``, in Python over two reads by index) and
    the chief's list (:func:`escalations_awaiting_chief_q`). ``incident`` is the path to the
    call.

    Reached is an "on scene" time, or a "transporting" one: a crew carrying someone away from
    the call was there, though its "on scene" tap never reached the server — the ladder
    already read its own unit so (``lifecycle.assignment_reached_scene``: the status past
    en route), and a second unit of the call was not (the late unit's rung fired, and the
    chief was alerted, about a call whose first crew was driving the victim to hospital). A
    crew "cleared" with neither time did not reach it (its own "cleared", or closing the call
    cleared it for the outcome it recorded: ``services.incidents.close_clears``). The
    response time still reads ``on_scene_at`` alone: no arrival time is made up.

    The current visit: a reopened call is a new wait for a unit, as for ``waiting_overdue``
    (:func:`calls_waiting_overdue_q`): only an arrival at or after ``reopened_at`` counts —
    the crew that was there before the call was closed does not stop the arrival rung of a
    unit sent after the caller rang again, nor take it off the chief's list.

    ``reopened_at``: in a subquery of the call's assignments, the outer query's reopen time of
    the call (``OuterRef``), instead of joining the call again inside the subquery. Joined
    inside, PostgreSQL ran the subquery on every open assignment of the table before the
    outer query's district filter: the chief's overdue count cost 1.5 × the plain count of
    his district's open assignments, 0.75 × before the subquery (docs/benchmarks.md,
    "Reads of a call's current visit")."""
    since: F | OuterRef = F(f"{incident}__reopened_at") if reopened_at is None else reopened_at
    never_reopened = (
        Q(**{f"{incident}__reopened_at__isnull": True})
        if reopened_at is None
        else Q(IsNull(reopened_at, True))
    )
    arrived = Q(on_scene_at__isnull=False) | Q(transporting_at__isnull=False)
    this_visit = never_reopened | Q(on_scene_at__gte=since) | Q(transporting_at__gte=since)
    return arrived & this_visit


def escalations_awaiting_chief_q() -> Q:
    """Rungs that alerted the chief and whose reason still holds: the assignment is open and
    still not acknowledged (``ack_overdue_twice``) or nobody of the incident reached the
    scene yet (``arrival_overdue``) — the same conditions under which the ladder fires them
    (``ladder.step_applies``).

    Reached the scene (:func:`reached_scene_q`, as the sweep reads it): a unit of the call
    with an "on scene" or a "transporting" time since the call was last reopened, or the
    rung's own unit on scene or transporting. Another unit's "cleared" without either is not
    an arrival — its crew cleared itself without "on scene", or closing the call cleared it
    for the outcome it recorded (``services.incidents.close_clears``) — and it hid a late
    unit of the call (one still on its way, or sent when the call was reopened) from the
    chief, whom the ladder had alerted; so did the crew of the call's first visit, on scene
    before the call was closed and reopened."""
    open_ = Q(assignment__status__in=lifecycle.ASSIGNMENT_OPEN)
    not_acked = _not_acknowledged_q("assignment")
    reached = arrival_reached_q("assignment")
    return open_ & (
        (Q(step=Step.ACK_OVERDUE_TWICE) & not_acked) | (Q(step=Step.ARRIVAL_OVERDUE) & ~reached)
    )


def arrival_reached_q(assignment: str = "") -> Q:
    """Assignments (at the path ``assignment``; "" for the assignments themselves) whose
    arrival target no longer waits: their own crew reached the scene (an "on scene" time, or
    a status past en route: ``lifecycle.assignment_reached_scene``), or a unit of their call
    did in the call's current visit (:func:`reached_scene_q`) — the arrival rung's rule
    (``ladder.step_applies``), read by the chief's list and the overdue assignments."""
    p = f"{assignment}__" if assignment else ""
    someone_reached = Exists(
        Assignment.objects.filter(incident=OuterRef(f"{p}incident")).filter(
            reached_scene_q(reopened_at=OuterRef(f"{p}incident__reopened_at"))
        )
    )
    return (
        Q(someone_reached)
        | Q(**{f"{p}on_scene_at__isnull": False})
        | Q(**{f"{p}status__in": lifecycle.ASSIGNMENT_REACHED_SCENE})
    )


def follow_up_overdue_q(now: dt.datetime) -> Q:
    """DV follow-up visits not done by their due time."""
    return Q(done_at__isnull=True, due_at__lt=now)


# The duty desk's calls: waiting for a unit (none sent yet, or every unit sent stood down),
# and cleared by every unit, waiting for the desk to close them.
CALLS_WAITING = (lifecycle.IncidentStatus.RECEIVED, lifecycle.IncidentStatus.QUEUED)
CALLS_TO_CLOSE = (lifecycle.IncidentStatus.CLEARED,)


def calls_waiting_overdue_q() -> Q:
    """Calls still waiting for a unit after the escalation sweep alerted the board and the
    chief that their dispatch deadline passed (``waiting_overdue``) — for the wait they are
    in: a call back in the queue since its alert (its unit stood down, or reopened) waits
    anew, and counts again once the sweep alerts that wait."""
    back_in_queue_since = Exists(
        Assignment.objects.filter(
            incident=OuterRef("incident"), cancelled_at__gt=OuterRef("fired_at")
        )
    )
    alerted_for_this_wait = (
        IncidentEscalationStep.objects.filter(
            incident=OuterRef("pk"), step=IncidentEscalationStep.Step.WAITING_OVERDUE
        )
        .exclude(back_in_queue_since)
        .exclude(incident__reopened_at__gt=F("fired_at"))
    )
    return Q(Exists(alerted_for_this_wait), status__in=CALLS_WAITING)


def counted_q(prefix: str = "") -> Q:
    """The calls the figures count, as a condition on ``<prefix>`` (``""`` for incidents,
    ``"incident__"`` for assignments, events, follow-ups, a call's rungs…): not exercise calls
    (``Incident.exercise``: a drill, the simulator's ×30 live demo). An exercise is dispatched,
    escalated and synced like any call; every KPI and report leaves it out — the one rule,
    here: ×30 calls answered in 30 s by the server's clock pulled Ayagoz's 30-day median
    response from 16:50 to 10:13 in an hour of ``make run``."""
    return Q(**{f"{prefix}exercise": False})
