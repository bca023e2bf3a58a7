"""The escalation ladder (DOMAIN.md), run as a periodic sweep.

Rungs, per assignment, with deadlines fixed at dispatch from the escalation policy:

1. ``sms_undelivered`` — not delivered by ``deliver_due_at``: SMS to the unit's phones
   (unless the dispatch already went by SMS).
2. ``ack_overdue`` — not acknowledged by ``ack_due_at``: re-push to the devices, SMS again,
   alert the duty officers' board.
3. ``ack_overdue_twice`` — still not acknowledged at twice the acknowledgment deadline:
   recommend the next-nearest available unit (or, where ``District.auto_redispatch``,
   dispatch it in addition — the first unit is not stood down) and alert the chief.
4. ``arrival_overdue`` — ``arrive_due_at`` passed with nobody on scene: alert the board and
   the chief; where the citizen must be told and left a phone, text them about the delay
   and record it in ``Incident.citizen_delay_notified_at`` — never on a DV or restricted
   call, whose caller's phone may be read by the person the call is about. Nobody on
   scene: no unit of the call with an "on scene" or "transporting" time since the call was
   last reopened (``lifecycle.reached_in_visit``); the chief is alerted once a visit of the call
   (the first late unit of it; the others' rungs record ``already_alerted_for_incident``),
   so a late unit sent after a reopen alerts him again; the citizen is texted once a visit
   too (``citizen_delay_notified_at`` before the reopen was the visit before).

And per call: ``waiting_overdue`` — a call nobody was sent to (still ``received`` or
``queued``: no assignment, so none of the rungs above) that has waited past its dispatch
window (``policies.dispatch_within_s``: the acknowledgement window of its priority and zone,
P0–P2) alerts the board and the chief, once a wait (``IncidentEscalationStep``, the same
unique-key rule with the wait's deadline in the key): an alerted call put back in the queue
(its unit stood down, or reopened) is alerted again a window after it came back. Without
it a P1 robbery in a village waited seven minutes with no unit free in the district and
nothing fired — no alert, no sound, no audit entry, only the board's row turned red. Its
claim is one query over a partial index of the waiting calls (``_sweep_waiting``), run
before the assignments' batches.

And per crew on scene: the officer-safety check (``services/safety.py``) — no word from the
unit past its call's interval puts it before the desk, once a silence; run by the same sweep,
before the assignments' batches.

Why a sweep and not one timer per assignment: ETA tasks live in worker memory and in
Redis' unacked hash, are lost when Redis restarts without persistence and redelivered in a
loop past the visibility timeout; per-row beat schedules fall hours behind at 10^4 rows.
The due time lives in the database (``Assignment.next_escalation_at``, partial index), so
whatever restarts, the next sweep finds the work.

When the next sweep has work is :func:`next_due` (a few indexed reads): the history builder
sweeps then, as beat's sweep every few seconds would have found it, and not in between.

Why each rung fires at most once: the sweep claims due rows with ``SELECT … FOR UPDATE
SKIP LOCKED`` (PostgreSQL; concurrent sweeps take disjoint rows; SQLite runs one writer at a
time anyway), and a rung fires only if its ``EscalationStep`` row is inserted by this sweep
(``INSERT … ON CONFLICT DO NOTHING RETURNING``): the side effects (audit, notifications,
SMS outbox rows) are written in the same transaction only for the rows that insert returned.
A crash before commit leaves nothing; after commit, the step exists and never fires again.
Facts (acknowledgments from devices, SMS, on behalf) never touch the ladder fields: the
sweep re-checks the milestones before firing.

Why a sweep may end early, and what that leaves: a sweep is a series of transactions (the
waiting calls, the officer-safety checks, each batch of assignments), and it ends between
two of them when its time budget is spent or when the worker is stopping (``stop``:
``backend/ops/shutdown.py``; honcho SIGKILLs ``make run``'s worker 5 s after Ctrl-C). Never
inside one: a batch claims, inserts its step rows, fires and advances its rows in one
commit. What it did not reach is still due in the database (``next_escalation_at``, the
waiting calls' index) with no step row, so the next sweep — beat's next tick, the next
worker — fires it, once, like anything else that came due.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import orjson
from django.db import connection
from django.db.models import Exists, F, Field, OuterRef, Q, QuerySet, Subquery

from backend.common import clock
from backend.common.errors import DomainError
from backend.ledger import uow
from backend.ledger.actions import AuditAction
from backend.ledger.names import Topic
from backend.people.models import Unit

from .. import policies, selectors, sms_texts
from ..ladder import STEPS, WAITING_OVERDUE, Step, plan, step_due, waiting_due
from ..ladder import next_due as ladder_next_due
from ..lifecycle import INCIDENT_WAITING
from ..models import (
    Assignment,
    Category,
    EscalationStep,
    Incident,
    IncidentEscalationStep,
    SmsMessage,
)
from ..places import CallPlace
from ..sms import reply_code_for
from . import outbox
from .assignments import dispatch_check, dispatch_locked
from .locks import lock_one, lock_rows
from .safety import SAFETY_CHECK, safety_next_due, safety_sweep
from .schedule import fired_steps, incidents_on_scene
from .timeline import board_notify

STEP_AUDIT_ACTION: dict[str, AuditAction] = {
    Step.SMS_UNDELIVERED: AuditAction.ESCALATION_SMS_UNDELIVERED,
    Step.ACK_OVERDUE: AuditAction.ESCALATION_ACK_OVERDUE,
    Step.ACK_OVERDUE_TWICE: AuditAction.ESCALATION_ACK_OVERDUE_TWICE,
    Step.ARRIVAL_OVERDUE: AuditAction.ESCALATION_ARRIVAL_OVERDUE,
}
# When a rung needs a row another transaction holds (a duty officer working the same
# incident right now), it waits for a later sweep instead of blocking this one.
RETRY_LOCKED_AFTER = dt.timedelta(seconds=2)


def _insert_steps(
    rows: Sequence[tuple[int, str, dt.datetime, dt.datetime, dict[str, Any]]],
) -> set[tuple[int, str]]:
    """Insert step rows; return the (assignment_id, step) pairs this call inserted.

    The conditional write of the ladder: a pair already present is not returned, and its
    side effects are not produced again.
    """
    if not rows:
        return set()
    if connection.vendor == "postgresql":
        return _insert_steps_pg(rows)
    return _insert_once(EscalationStep, "assignment_id", rows)


def _insert_once(
    model: type[EscalationStep | IncidentEscalationStep],
    key: str,
    rows: Sequence[tuple[int, str, dt.datetime, dt.datetime, dict[str, Any]]],
    *,
    unique: str = "step",
) -> set[tuple[int, str]]:
    """Insert ``(key, step, due_at, fired_at, details)`` rows of a step table, whose unique
    key is ``key`` and the columns ``unique`` names; return the ``(key, step)`` pairs this
    call inserted (any database)."""
    meta = model._meta
    prep = {
        name: cast("Field[Any, Any]", meta.get_field(name))
        for name in ("due_at", "fired_at", "details")
    }
    table = connection.ops.quote_name(meta.db_table)
    column = connection.ops.quote_name(key)
    inserted: set[tuple[int, str]] = set()
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 500):
            chunk = rows[start : start + 500]
            params: list[Any] = []
            for pk, step, due_at, fired_at, details in chunk:
                params += [
                    pk,
                    step,
                    prep["due_at"].get_db_prep_save(due_at, connection),
                    prep["fired_at"].get_db_prep_save(fired_at, connection),
                    prep["details"].get_db_prep_save(details, connection),
                ]
            values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} ({column}, step, due_at, fired_at, details) "  # noqa: S608
                f"VALUES {values} ON CONFLICT ({column}, {unique}) DO NOTHING "
                f"RETURNING {column}, step",
                params,
            )
            inserted.update((int(pk), str(step)) for pk, step in cursor.fetchall())
    return inserted


def _insert_steps_pg(
    rows: Sequence[tuple[int, str, dt.datetime, dt.datetime, dict[str, Any]]],
) -> set[tuple[int, str]]:
    # The rows as one JSON document: Django binds parameters on the client, where psycopg
    # quotes array elements one by one in Python (≈ 3 µs each, 15 ms for 1,000 rungs).
    table = connection.ops.quote_name(EscalationStep._meta.db_table)
    document = orjson.dumps(
        [
            {"assignment_id": aid, "step": step, "due_at": due_at, "fired_at": fired_at,
             "details": details}
            for aid, step, due_at, fired_at, details in rows
        ]
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (assignment_id, step, due_at, fired_at, details) "  # noqa: S608
            "SELECT assignment_id, step, due_at, fired_at, details "
            "FROM json_to_recordset(%s::json) AS r(assignment_id bigint, step varchar, "
            "due_at timestamptz, fired_at timestamptz, details jsonb) "
            "ON CONFLICT (assignment_id, step) DO NOTHING RETURNING assignment_id, step",
            [document.decode()],
        )
        return {(int(aid), str(step)) for aid, step in cursor.fetchall()}


# --- the sweep -------------------------------------------------------------------------------
@dataclass
class SweepReport:
    batches: int = 0
    claimed: int = 0
    fired: Counter[str] = field(default_factory=Counter)
    deferred: int = 0
    sms: int = 0
    waiting: int = 0  # calls waiting for a unit the sweep looked at (not yet alerted)
    stopped: bool = False  # ended early because the worker is stopping (``stop``)

    @property
    def fired_total(self) -> int:
        return sum(self.fired.values())


def escalation_sweep(
    *,
    now: dt.datetime | None = None,
    batch_size: int = 1000,
    max_batches: int = 10,
    time_budget_s: float | None = None,
    stop: Callable[[], bool] | None = None,
) -> SweepReport:
    """Fire every rung that is due: the calls waiting for a unit (one transaction), the
    officer-safety checks (one), then the assignments' rungs in bounded batches (one
    transaction each).

    Stops when a batch comes back short, after ``max_batches``, or when ``time_budget_s``
    is spent; the next sweep continues where this one stopped. ``stop`` is asked before
    each of those transactions: once it answers True (the worker is shutting down) the
    sweep returns at once with ``stopped`` set, the transaction in progress committed and
    the rest left due for the next sweep.
    """
    report = SweepReport()
    started = time.monotonic()

    def stopping() -> bool:
        report.stopped = report.stopped or (stop is not None and stop())
        return report.stopped

    # First: a call nobody was sent to waits behind no backlog of assignments' rungs; nor
    # does an officer silent on scene.
    if stopping():
        return report
    _sweep_waiting(now=now or clock.now(), batch_size=batch_size, report=report)
    if stopping():
        return report
    if checks := safety_sweep(now=now or clock.now()):
        report.fired[SAFETY_CHECK] += checks
    for _ in range(max_batches):
        if stopping():
            break
        with _collector_paused():
            claimed = _sweep_batch(now=now or clock.now(), batch_size=batch_size, report=report)
        report.batches += 1
        if claimed < batch_size:
            break
        if time_budget_s is not None and time.monotonic() - started > time_budget_s:
            break
    return report


def next_due(now: dt.datetime | None = None) -> dt.datetime | None:
    """When :func:`escalation_sweep` next has something to fire, as of ``now``: the earliest
    of the assignments' rungs still to fire, the waits of the calls nobody was sent to not
    yet alerted, and the officer-safety checks (:func:`safety.safety_next_due`); None when
    nothing is pending. In the past when something is due already (a sweep ended early, a
    rung was deferred, or the server learned late of what made it due).

    A sweep a second before fires nothing; a sweep at it fires the rung, the wait or the
    check it names. A few small indexed reads (the assignments on the ladder's partial
    index, the waiting calls on theirs, the units on scene and the open checks on theirs),
    judged by the rules the sweep uses (``ladder.next_due``, :func:`_waits_due`,
    ``safety._silence_due``). For a caller that sweeps when work comes due rather than every
    few seconds (the history builder): the answer changes when something is written — a
    call, a dispatch, a status, word from a crew, a sweep — not as time passes.
    """
    now = now or clock.now()
    calls = [_waiting_call(row) for row in _waiting_unalerted(now)] if _any_waiting(now) else []
    waits = [
        due_at
        for c, due_at, _ in _waits_due(calls)
        # A sweep at due_at looks back as far as the horizon only (_claim_waiting).
        if c.received_at > due_at - policies.WAITING_ALERT_HORIZON
    ]
    due = [t for t in (_rungs_next_due(), *waits, safety_next_due(now)) if t is not None]
    return min(due, default=None)


def _rungs_next_due() -> dt.datetime | None:
    """The earliest rung still to fire of the assignments on the ladder's index, by the
    ladder's own rule (``ladder.next_due``): a rung whose milestone the crew has met since
    (acknowledged, on scene: facts from the phones do not touch the ladder's fields) is not
    due, though ``next_escalation_at`` names it until a sweep moves the row on. Three small
    reads: the rows on the index (open assignments only), their fired rungs, their
    incidents reached."""
    rows = list(Assignment.objects.filter(next_escalation_at__isnull=False).only(*_LADDER_FIELDS))
    if not rows:
        return None
    fired = fired_steps(a.pk for a in rows)
    on_scene = incidents_on_scene(a.incident_id for a in rows)
    dues = []
    for a in rows:
        due = ladder_next_due(
            a, fired=fired.get(a.pk, set()), incident_on_scene=a.incident_id in on_scene
        )
        if due is not None:
            # The sweep claims a row from its next_escalation_at on, never before.
            dues.append(max(due, cast("dt.datetime", a.next_escalation_at)))
    return min(dues, default=None)


_LADDER_FIELDS = (
    "incident_id", "status", "dispatched_at", "deliver_due_at", "ack_due_at", "arrive_due_at",
    "delivered_at", "acknowledged_at", "on_scene_at", "next_escalation_at",
)  # fmt: skip


# --- the rung of a call nobody was sent to ---------------------------------------------------
@dataclass(slots=True)
class _WaitingCall:
    """A call still waiting for a unit as the sweep claimed it (a ``BoardIncident``)."""

    pk: int
    district_id: int
    number: str
    priority: str
    category: str
    received_at: dt.datetime
    zone: str | None
    # When the call last came back to the queue (its unit stood down, or the call reopened)
    # after the alert of its previous wait; None for the wait since it was received.
    waits_again_since: dt.datetime | None


def _sweep_waiting(*, now: dt.datetime, batch_size: int, report: SweepReport) -> None:
    """Fire ``waiting_overdue`` for the calls still waiting for a unit past their dispatch
    window, in one transaction: the board and the chief are alerted and it is audited (actor
    system), each once per call.

    At most ``batch_size`` calls a sweep, the longest waiting first; more (a thousand calls
    waiting at once) are the next sweep's. The claim (:func:`_claim_waiting`) takes the rows
    SKIP LOCKED, then the windows of their districts, priorities and zones are read (one
    query) and the step rows inserted ``ON CONFLICT DO NOTHING RETURNING``: only the calls
    this sweep inserted are alerted, so concurrent sweeps, a sweep after a crash and a
    restarted worker alert each call once. A call dispatched later leaves the index and
    nothing more fires for it; its assignment has the ladder.
    """
    with uow.unit_of_work():
        calls = _claim_waiting(now, batch_size)
        report.waiting += len(calls)
        if not calls:
            return
        due: list[tuple[_WaitingCall, dt.datetime, dict[str, Any]]] = []
        for c, due_at, within_s in _waits_due(calls):
            if due_at <= now:
                late_ms = clock.to_ms(now) - clock.to_ms(due_at)
                # "Dispatch within": nobody was sent, so nobody was to acknowledge (it read
                # "Acknowledge within: 5:00" on the call's timeline)
                details = {"late_ms": late_ms, "dispatch_within_s": within_s}
                if c.waits_again_since is not None:
                    details["back_in_queue_at"] = clock.to_ms(c.waits_again_since)
                due.append((c, due_at, details))
        inserted = _insert_once(
            IncidentEscalationStep,
            "incident_id",
            [(c.pk, WAITING_OVERDUE, due_at, now, details) for c, due_at, details in due],
            unique="step, due_at",
        )
        for c, due_at, details in due:
            if (c.pk, WAITING_OVERDUE) in inserted:
                _fire_waiting(c, due_at=due_at, details=details, now=now)
                report.fired[WAITING_OVERDUE] += 1


def _waits_due(calls: Sequence[_WaitingCall]) -> list[tuple[_WaitingCall, dt.datetime, int]]:
    """Each waiting call with when its wait falls due for ``waiting_overdue`` and its
    dispatch window (the policies of their districts, priorities and zones: one query)."""
    deadlines = policies.deadlines_for_many((c.district_id, c.priority, c.zone) for c in calls)
    out = []
    for c in calls:
        within_s = policies.dispatch_within_s(deadlines[(c.district_id, c.priority, c.zone)])
        since = c.waits_again_since or c.received_at
        out.append((c, waiting_due(received_at=since, within_s=within_s), within_s))
    return out


def _claim_waiting(now: dt.datetime, batch_size: int) -> list[_WaitingCall]:
    """Lock the calls waiting for a unit now, received within
    ``policies.WAITING_ALERT_HORIZON``, of an alerted priority and not yet alerted (SKIP
    LOCKED), longest waiting first: one query over ``incident_waiting_idx``.

    A duty officer dispatching one of them holds its row, and it is skipped; on PostgreSQL a
    call dispatched after the statement began is re-read before it is locked and no longer
    matches — no alert about a call that has its unit. (The "not yet alerted" subquery is
    not re-read: a rung a concurrent sweep committed meanwhile conflicts at the insert.)
    """
    if not _any_waiting(now):
        return []
    qs = _waiting_unalerted(now)
    if connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True, of=("self",))
    return [_waiting_call(row) for row in qs[:batch_size]]


def _waiting_now(now: dt.datetime) -> QuerySet[Incident]:
    """The calls waiting for a unit now that the sweep alerts about: received within
    ``policies.WAITING_ALERT_HORIZON``, of an alerted priority (``incident_waiting_idx``)."""
    return Incident.objects.filter(
        status__in=sorted(INCIDENT_WAITING),  # the index's condition, as written there
        received_at__gt=now - policies.WAITING_ALERT_HORIZON,
        priority__in=policies.WAITING_ALERT_PRIORITIES,
    )


def _any_waiting(now: dt.datetime) -> bool:
    # Most of the time no call waits at all: this plain probe of the index costs a fifth of
    # building and compiling the query with its subqueries (SQLite, measured).
    return _waiting_now(now).exists()


def _waiting_unalerted(now: dt.datetime) -> QuerySet[Incident, dict[str, Any]]:
    """The calls waiting for a unit now, received within ``policies.WAITING_ALERT_HORIZON``,
    of an alerted priority and not alerted for this wait, longest waiting first (rows for
    :func:`_waiting_call`)."""
    last_alert = (
        IncidentEscalationStep.objects.filter(incident_id=OuterRef("pk"), step=WAITING_OVERDUE)
        .order_by("-fired_at")
        .values("fired_at")[:1]
    )
    stood_down = (
        Assignment.objects.filter(incident_id=OuterRef("pk"), cancelled_at__isnull=False)
        .order_by("-cancelled_at")
        .values("cancelled_at")[:1]
    )
    return (
        _waiting_now(now)
        .annotate(last_alert_at=Subquery(last_alert), stood_down_at=Subquery(stood_down))
        # Never alerted, or back in the queue since its last alert: a new wait.
        .filter(
            Q(last_alert_at__isnull=True)
            | Q(stood_down_at__gt=F("last_alert_at"))
            | Q(reopened_at__gt=F("last_alert_at"))
        )
        .order_by("received_at", "pk")
        .values(
            *_WAITING_FIELDS,
            "last_alert_at",
            "stood_down_at",
            "reopened_at",
            zone=F("settlement__zone"),
        )
    )


def _waiting_call(row: dict[str, Any]) -> _WaitingCall:
    last_alert_at = row.pop("last_alert_at")
    back = [row.pop("stood_down_at"), row.pop("reopened_at")]
    since = None
    if last_alert_at is not None:
        since = max(t for t in back if t is not None and t > last_alert_at)
    return _WaitingCall(**row, waits_again_since=since)


_WAITING_FIELDS = ("pk", "district_id", "number", "priority", "category", "received_at")


def _fire_waiting(
    c: _WaitingCall, *, due_at: dt.datetime, details: dict[str, Any], now: dt.datetime
) -> None:
    board_notify(
        "incident.waiting_overdue",
        incident=c,
        chief=True,
        step=WAITING_OVERDUE,
        received_at=clock.to_ms(c.received_at),
        due_at=clock.to_ms(due_at),
        waited_s=int((now - c.received_at).total_seconds()),
    )
    uow.audit(
        AuditAction.INCIDENT_WAITING_OVERDUE,
        actor=None,
        object_type=Incident.audit_object_type,
        object_id=c.pk,
        district_id=c.district_id,  # Incident.audit_district_id
        data={**details, "due_at": clock.to_ms(due_at)},
    )


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for one batch.

    A batch of a thousand rungs builds some 30,000 objects (rows, texts, audit records,
    notifications) that all live until its commit. With the collector running they outlive
    young collections and are promoted, and every second sweep then paid a full collection
    over the worker's whole heap: ≈ 50 ms of a 170 ms sweep (benchmark, 1,000 rungs).
    Paused, they are freed by reference counting when the batch ends and never reach the
    old generation. A batch is bounded, so is what it holds meanwhile. The switch is
    process-wide: in a threaded worker, other threads' cycles wait for the end of the batch.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@dataclass(slots=True)
class _ClaimedIncident:
    """What the rungs say about an assignment's incident (texts, board alerts, the citizen)."""

    pk: int
    district_id: int
    number: str
    priority: str
    category: str
    place: CallPlace  # said in each phone's language (sms_texts.call_place_text)
    summary: str
    risk: bool
    exercise: bool  # a training call: its SMS says so (sms_texts.unit_text)
    notify_citizen: bool
    discreet: bool  # DV or restricted: the caller's phone may be read by the person it is about
    caller_phone: str
    citizen_delay_notified_at: dt.datetime | None
    reopened_at: dt.datetime | None  # its current visit began (None: never reopened)


@dataclass(slots=True)
class _Claimed:
    """A claimed assignment as plain values: what the ladder reads of it, no model instance.

    Building a thousand assignments with their incidents, settlements and units took 60 ms
    of the sweep's time where the claim's SQL takes 10 (a backlog after an outage).
    """

    pk: int
    incident_id: int
    unit_id: int
    callsign: str
    status: str
    dispatched_at: dt.datetime
    deliver_due_at: dt.datetime | None
    ack_due_at: dt.datetime | None
    arrive_due_at: dt.datetime | None
    delivered_at: dt.datetime | None
    acknowledged_at: dt.datetime | None
    on_scene_at: dt.datetime | None
    fired: set[str]  # rungs fired by earlier sweeps, as of the claim's snapshot
    # a unit of the incident reached it in this visit (read if the arrival rung waits)
    incident_on_scene: bool
    texted_at_dispatch: bool
    incident: _ClaimedIncident


_CLAIM_FIELDS = (
    "id", "incident_id", "unit_id", "status", "dispatched_at", "deliver_due_at", "ack_due_at",
    "arrive_due_at", "delivered_at", "acknowledged_at", "on_scene_at",
)  # fmt: skip
_INCIDENT_FIELDS = (
    "id", "district_id", "number", "priority", "category", "landmark", "summary", "risk_flags",
    "notify_citizen", "restricted", "caller_phone", "citizen_delay_notified_at", "reopened_at",
    "lat", "lon", "exercise",
)  # fmt: skip


def _claim(now: dt.datetime, batch_size: int) -> list[_Claimed]:
    """Lock the due rows (SKIP LOCKED) with the rungs they already fired and whether they
    were texted at dispatch; then read their incidents by id.

    Two reads rather than one join: with 100,000 open assignments PostgreSQL's default
    costs hash-join the thousand claimed rows with a sequential scan of every incident
    (20 ms) where a thousand index probes take 2.
    """
    fired = {
        f"fired_{step}": Exists(
            EscalationStep.objects.filter(assignment_id=OuterRef("pk"), step=step)
        )
        for step in STEPS
    }
    qs = (
        Assignment.objects.filter(next_escalation_at__lte=now)
        .order_by("next_escalation_at", "pk")
        .values(
            *_CLAIM_FIELDS,
            **fired,
            callsign=F("unit__callsign"),
            texted_at_dispatch=Exists(
                SmsMessage.objects.filter(assignment_id=OuterRef("pk"), purpose="dispatch")
            ),
        )
    )
    if connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True, of=("self",))
    rows = list(qs[:batch_size])
    if not rows:
        return []
    incident_ids = {row["incident_id"] for row in rows}
    # Whether another unit of the incident reached the scene (since the call was last
    # reopened) matters to the arrival rung only.
    on_scene = incidents_on_scene(
        row["incident_id"]
        for row in rows
        if row["arrive_due_at"] is not None and not row[f"fired_{Step.ARRIVAL_OVERDUE}"]
    )
    incidents = {
        i["id"]: _ClaimedIncident(
            pk=i["id"],
            district_id=i["district_id"],
            number=i["number"],
            priority=i["priority"],
            category=i["category"],
            place=CallPlace(
                settlement=i["settlement_name"],
                settlement_kk=i["settlement_kk"] or "",
                settlement_lat=i["settlement_lat"],
                settlement_lon=i["settlement_lon"],
                landmark=i["landmark"],
                lat=i["lat"],
                lon=i["lon"],
            ),
            summary=i["summary"],
            risk=bool(i["risk_flags"]),
            exercise=i["exercise"],
            notify_citizen=i["notify_citizen"],
            discreet=i["restricted"] or i["category"] == Category.DOMESTIC_VIOLENCE,
            caller_phone=i["caller_phone"],
            citizen_delay_notified_at=i["citizen_delay_notified_at"],
            reopened_at=i["reopened_at"],
        )
        for i in Incident.objects.filter(pk__in=incident_ids).values(
            *_INCIDENT_FIELDS,
            settlement_name=F("settlement__name"),
            settlement_kk=F("settlement__name_kk"),
            settlement_lat=F("settlement__lat"),
            settlement_lon=F("settlement__lon"),
        )
    }
    return [
        _Claimed(
            pk=row["id"],
            incident_id=row["incident_id"],
            unit_id=row["unit_id"],
            callsign=row["callsign"],
            status=row["status"],
            dispatched_at=row["dispatched_at"],
            deliver_due_at=row["deliver_due_at"],
            ack_due_at=row["ack_due_at"],
            arrive_due_at=row["arrive_due_at"],
            delivered_at=row["delivered_at"],
            acknowledged_at=row["acknowledged_at"],
            on_scene_at=row["on_scene_at"],
            fired={step for step in STEPS if row[f"fired_{step}"]},
            incident_on_scene=row["incident_id"] in on_scene,
            texted_at_dispatch=row["texted_at_dispatch"],
            incident=incidents[row["incident_id"]],
        )
        for row in rows
    ]


@dataclass
class _Planned:
    row: _Claimed
    steps: list[str]
    next_at: dt.datetime | None
    details: dict[str, dict[str, Any]] = field(default_factory=dict)
    redispatch_to: Unit | None = None


def _sweep_batch(*, now: dt.datetime, batch_size: int, report: SweepReport) -> int:
    with uow.unit_of_work():
        rows = _claim(now, batch_size)
        if not rows:
            return 0
        report.claimed += len(rows)
        planned: list[_Planned] = []
        for row in rows:
            steps, next_at = plan(
                row, fired=row.fired, incident_on_scene=row.incident_on_scene, now=now
            )
            planned.append(_Planned(row, steps, next_at))

        _prepare(planned, now=now, report=report)

        inserted = _insert_steps(
            [
                (p.row.pk, step, step_due(p.row, step) or now, now, p.details.get(step, {}))
                for p in planned
                for step in p.steps
            ]
        )
        phones = outbox.unit_phones(
            {
                p.row.unit_id
                for p in planned
                if any((p.row.pk, s) in inserted for s in (Step.SMS_UNDELIVERED, Step.ACK_OVERDUE))
            }
        )
        sms: list[outbox.QueuedSms] = []
        levels: list[tuple[int, dt.datetime | None, int]] = []
        for p in planned:
            fired_now = [s for s in p.steps if (p.row.pk, s) in inserted]
            for step in fired_now:
                sms += _fire(p, step, now=now, phones=phones)
                report.fired[step] += 1
            levels.append((p.row.pk, p.next_at, len(p.row.fired | set(fired_now))))
        report.sms += outbox.sms_queue(sms)
        _advance(levels)
        return len(rows)


def _advance(rows: list[tuple[int, dt.datetime | None, int]]) -> None:
    """Write each claimed row's next due time and level (rungs fired), in one statement on
    PostgreSQL.

    There the level is counted from the step rows themselves: the claim read the fired
    rungs with its statement's snapshot, which misses a rung that a concurrent sweep
    committed after the claim began (PostgreSQL re-reads a row updated meanwhile before
    locking it, but not the subqueries about it); that rung's insert conflicted here and
    nothing fired twice. SQLite runs one writer at a time, so the claim's count is current.

    ``bulk_update`` builds a CASE expression per row in Python (~0.3 s for 500 rows here);
    the rows are bound as one JSON document because psycopg quotes array parameters element
    by element in Python (Django binds on the client), several times slower. The rows are
    locked by this transaction, so nobody changes them in between.
    """
    if not rows:
        return
    if connection.vendor != "postgresql":
        for pk, next_at, level in rows:
            Assignment.objects.filter(pk=pk).update(
                next_escalation_at=next_at, escalation_level=level
            )
        return
    table = connection.ops.quote_name(Assignment._meta.db_table)
    steps = connection.ops.quote_name(EscalationStep._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS a SET next_escalation_at = v.next_at, "  # noqa: S608
            f"escalation_level = (SELECT count(*) FROM {steps} AS s WHERE s.assignment_id = a.id) "
            "FROM json_to_recordset(%s::json) AS v(id bigint, next_at timestamptz) "
            "WHERE a.id = v.id",
            [orjson.dumps([{"id": pk, "next_at": next_at} for pk, next_at, _ in rows]).decode()],
        )


def _prepare(planned: list[_Planned], *, now: dt.datetime, report: SweepReport) -> None:
    """Work out what the rungs will say before they fire; defer the ones whose rows are busy.

    Rungs that write the incident (the citizen's delay) or dispatch another unit take those
    rows with SKIP LOCKED: the sweep holds assignment locks, and waiting for an incident lock
    here could deadlock with a duty officer's command (which locks the incident first).
    """
    arrivals = {p.row.incident_id for p in planned if Step.ARRIVAL_OVERDUE in p.steps}
    # The chief hears of a late arrival once a visit of the call: a rung of a unit sent
    # before the call was last reopened was of the visit before (its units all ended when
    # the call was closed), and a late unit sent after the caller rang again alerts anew.
    reopened = {p.row.incident_id: p.row.incident.reopened_at for p in planned}
    already_alerted = {
        incident_id
        for incident_id, dispatched_at in EscalationStep.objects.filter(
            assignment__incident_id__in=arrivals, step=Step.ARRIVAL_OVERDUE
        ).values_list("assignment__incident_id", "assignment__dispatched_at")
        if (since := reopened[incident_id]) is None or dispatched_at >= since
    }
    # The recommendation reads the incident's place and district as models; only this rung
    # needs them.
    incidents = Incident.objects.select_related("settlement", "district").in_bulk(
        {p.row.incident_id for p in planned if Step.ACK_OVERDUE_TWICE in p.steps}
    )
    for p in planned:
        a, incident = p.row, p.row.incident
        for step in list(p.steps):
            due = step_due(a, step)
            base: dict[str, Any] = {"late_ms": clock.to_ms(now) - clock.to_ms(due) if due else 0}
            if step == Step.ACK_OVERDUE_TWICE:
                model = incidents[a.incident_id]
                # The district's own units only, never selectors.units_across_border: this
                # rung may dispatch by itself (auto_redispatch), and taking a neighbour's
                # car out of its district is the decision of a desk whose scope covers both
                # (the oblast ЦОУ), who sees those units on the call's panel.
                recs = selectors.units_recommended(
                    incident=model, exclude_unit_ids=[a.unit_id], limit=1, at=now
                )
                rec = recs[0] if recs else None
                base["recommended"] = rec.as_dict() if rec else None
                if base["recommended"]:
                    base["recommended"]["position_at"] = (
                        clock.to_ms(rec.position_at) if rec and rec.position_at else None
                    )
                if rec is not None and model.district.auto_redispatch:
                    if not _lock_for_redispatch(a.incident_id, rec.unit):
                        _defer(p, step, now=now, report=report)
                        continue
                    p.redispatch_to = rec.unit
            if step == Step.ARRIVAL_OVERDUE:
                if incident.pk in already_alerted:
                    base["alerted"] = False
                    base["already_alerted_for_incident"] = True
                else:
                    already_alerted.add(incident.pk)
                    base["alerted"] = True
                    base["citizen_told"] = False
                    if (
                        incident.notify_citizen
                        and not incident.discreet
                        and incident.caller_phone
                        and _citizen_not_told_this_visit(incident)
                    ):
                        if not lock_rows(Incident, [incident.pk], skip_locked=True):
                            _defer(p, step, now=now, report=report)
                            continue
                        base["citizen_told"] = True
            p.details[step] = base


def _citizen_not_told_this_visit(incident: _ClaimedIncident) -> bool:
    """The caller was not texted of a delay in the call's current visit: never, or before the
    call was last reopened. Like the chief's alert, once a visit: the caller rang again, and
    a late unit sent then had told nobody ("already told" of the first visit's delay)."""
    told_at = incident.citizen_delay_notified_at
    return told_at is None or (incident.reopened_at is not None and told_at < incident.reopened_at)


def _lock_for_redispatch(incident_id: int, unit: Unit) -> bool:
    return bool(lock_rows(Incident, [incident_id], skip_locked=True)) and bool(
        lock_rows(Unit, [unit.pk], skip_locked=True)
    )


def _defer(p: _Planned, step: str, *, now: dt.datetime, report: SweepReport) -> None:
    p.steps.remove(step)
    retry = now + RETRY_LOCKED_AFTER
    p.next_at = retry if p.next_at is None else min(p.next_at, retry)
    report.deferred += 1


def _fire(
    p: _Planned, step: str, *, now: dt.datetime, phones: dict[int, list[outbox.Phone]]
) -> list[outbox.QueuedSms]:
    """Side effects of one rung that this sweep inserted; returns outbox rows to write."""
    a, incident = p.row, p.row.incident
    details = p.details.get(step, {})
    common: dict[str, Any] = {
        "assignment_id": a.pk,
        "unit_id": a.unit_id,
        "callsign": a.callsign,
        "step": step,
        "due_at": clock.to_ms(step_due(a, step) or now),
    }
    sms: list[outbox.QueuedSms] = []
    if step == Step.SMS_UNDELIVERED:
        if not a.texted_at_dispatch:
            sms = _sms_to_unit(p, phones=phones.get(a.unit_id, []), reminder=False, now=now)
        board_notify("escalation.sms_undelivered", incident=incident, sms=len(sms), **common)
    elif step == Step.ACK_OVERDUE:
        uow.notify(
            Topic.ASSIGNMENT_REPUSH,
            district_id=incident.district_id,
            assignment_id=a.pk,
            unit_id=a.unit_id,
            incident_id=incident.pk,
        )
        sms = _sms_to_unit(p, phones=phones.get(a.unit_id, []), reminder=True, now=now)
        board_notify("escalation.ack_overdue", incident=incident, sms=len(sms), **common)
    elif step == Step.ACK_OVERDUE_TWICE:
        new_assignment_id = None
        if p.redispatch_to is not None:
            new_assignment_id = _redispatch(a.incident_id, p.redispatch_to, now=now)
            details["dispatched_assignment_id"] = new_assignment_id
            EscalationStep.objects.filter(assignment_id=a.pk, step=step).update(details=details)
        board_notify(
            "escalation.ack_overdue_twice",
            incident=incident,
            chief=True,
            recommended=details.get("recommended"),
            dispatched_assignment_id=new_assignment_id,
            **common,
        )
    elif step == Step.ARRIVAL_OVERDUE:
        if details.get("citizen_told"):
            told = (
                Incident.objects.filter(pk=incident.pk)
                .filter(
                    Q(citizen_delay_notified_at__isnull=True)
                    | Q(citizen_delay_notified_at__lt=F("reopened_at"))
                )
                .update(citizen_delay_notified_at=now)
            )
            if told:
                sms = [
                    outbox.sms_build(
                        phone=incident.caller_phone,
                        purpose="citizen_delay",
                        body=sms_texts.citizen_delay_text(number=incident.number),
                        now=now,
                        assignment_id=a.pk,
                    )
                ]
        if details.get("alerted"):
            board_notify(
                "escalation.arrival_overdue",
                incident=incident,
                chief=True,
                citizen_told=bool(sms),
                **common,
            )
    uow.audit(
        STEP_AUDIT_ACTION[step],
        actor=None,
        object_type=Assignment.audit_object_type,
        object_id=a.pk,
        district_id=incident.district_id,  # Assignment.audit_district_id
        data={**details, "due_at": common["due_at"], "sms": len(sms)},
    )
    return sms


def _sms_to_unit(
    p: _Planned, *, phones: list[outbox.Phone], reminder: bool, now: dt.datetime
) -> list[outbox.QueuedSms]:
    """The assignment as an SMS to each of the unit's phones: what outbox.sms_to_unit
    sends, composed from the claimed row's values."""
    if not phones:
        return []
    incident = p.row.incident
    code = reply_code_for(p.row.pk)

    def body(language: str) -> str:
        return sms_texts.unit_text(
            number=incident.number,
            priority=incident.priority,
            category=incident.category,
            place=incident.place,
            risk=incident.risk,
            summary=incident.summary,
            reply_code=code,
            reminder=reminder,
            exercise=incident.exercise,
            language=language,
        )

    purpose = "escalation_ack_overdue" if reminder else "escalation_undelivered"
    return outbox.sms_to_phones(
        phones=phones, body=body, purpose=purpose, now=now, assignment_id=p.row.pk, reply_code=code
    )


def _redispatch(incident_id: int, unit: Unit, *, now: dt.datetime) -> int | None:
    """Dispatch the next-nearest unit (rows locked by :func:`_prepare`). A refusal (the unit
    became busy) leaves the recommendation standing and is recorded, not raised."""
    locked_incident = lock_one(Incident, incident_id)
    locked_unit = lock_one(Unit, unit.pk)
    if locked_incident is None or locked_unit is None:
        return None
    try:
        # Checked before anything is written, so a refusal leaves the batch untouched.
        dispatch_check(incident=locked_incident, unit=locked_unit, by=None)
    except DomainError:
        return None
    new = dispatch_locked(
        incident=locked_incident,
        unit=locked_unit,
        by=None,
        source="escalation",
        now=now,
        note="escalation: not acknowledged",
    )
    return new.pk
