"""The one place where facts become state (PROTOCOL.md §6), beside the commands.

A fact is an :class:`~backend.dispatch.models.Event`: from a device push (HTTP or WebSocket),
an SMS reply, or a duty officer acting on an officer's behalf. Whatever its origin, it goes
through :func:`_apply`, which

1. locks the rows it may change — incidents, then assignments, then units, each in
   primary-key order (the dispatch services' order, so the two never deadlock);
2. estimates the event's time (:func:`sync.timing.estimate`; server facts use server time);
3. asks the pure rules (:mod:`sync.rules`) what follows: milestone projection onto the
   assignment (``<m>_at`` + ``<m>_event``), status never backwards, the earlier winner
   ``superseded``, ``after_cancel``/``after_reassign``/``after_close`` and ``not_assignee``
   with a conflict, outcome revisions onto the incident, unit status and position onto the
   unit, SOS;
4. writes the events, the projections and the conflicts, touches every changed synced record
   and queues the board notifications (sent after commit).

Escalation fields are never written here: the escalation sweep re-checks
``acknowledged_at``/``on_scene_at`` before it fires (dispatch's convention).

The statuses, the milestone table and how a milestone moves the incident and the unit come
from :mod:`backend.dispatch.lifecycle`; the decisions by time from :mod:`sync.rules`.

Entry points: :func:`device_events_apply` (the sync push, HTTP and WebSocket) and
:func:`fact_record` (an acknowledgement relayed by a duty officer, an SMS reply, a chief's
backfill).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection
from django.db.models import Model, Q

from backend.common import clock
from backend.common.errors import ValidationFailed
from backend.devices.models import Device, EnrolmentCode
from backend.geo.models import LAT_RANGE, LON_RANGE
from backend.ledger import uow
from backend.ledger.actions import AuditAction
from backend.ledger.models import ActorKind
from backend.ledger.names import SyncTable, Topic
from backend.people.models import Unit, UnitStatus
from sync import rules, timing
from sync.protocol import (
    MAX_SAFE_INT,
    EventRecord,
    coao_article_valid,
    follow_up_id,
    json_text,
    outcome_article,
    outcome_registry,
    read_up_to,
)

from .. import lifecycle, selectors
from ..lifecycle import AssignmentStatus, EventKind
from ..models import (
    Assignment,
    Conflict,
    Disposition,
    EstimateMethod,
    Event,
    EventSource,
    FollowUpTask,
    Incident,
    OutcomeCode,
)
from . import risk
from .locks import lock_rows
from .timeline import board_notify, content_hash, server_event_id, unit_board_notify
from .units import unit_has_open_work

M = TypeVar("M", bound=Model)

NO_UNIT = 0  # a claimed unit that matches no assignee (unit ids start at 1)
# What the office may state for an officer (a position or a delivery receipt comes from the
# device alone).
# (``read``: an officer's SMS reply to the desk's message is its read receipt, sms_inbound.py)
OFFICE_FACT_KINDS = frozenset(
    {*lifecycle.MILESTONE_KINDS, EventKind.OUTCOME, EventKind.NOTE, EventKind.UNIT_STATUS,
     EventKind.SOS, EventKind.READ}
)  # fmt: skip
SOURCE_AUDIT_ACTION: dict[str, AuditAction] = {
    EventSource.ON_BEHALF: AuditAction.EVENT_ON_BEHALF_RECORDED,
    EventSource.SMS: AuditAction.EVENT_SMS_RECORDED,
    EventSource.BACKFILL: AuditAction.EVENT_BACKFILL_RECORDED,
    EventSource.SERVER: AuditAction.EVENT_SERVER_RECORDED,
    EventSource.DESK: AuditAction.EVENT_DESK_MESSAGE,
}


@dataclass(frozen=True)
class FactOutcome:
    """What became of one fact: its disposition, or why it was refused (not stored)."""

    disposition: str | None
    refusal: tuple[str, str] | None = None
    event: Event | None = None


@dataclass
class _Entry:
    event: Event  # unsaved; raw observations filled in, derived fields set by _apply
    assignment_id: int | None
    # The unit on whose behalf the fact is stated (checked against the assignee); None for
    # an office actor with authority over the assignment.
    claimed_unit_id: int | None
    record: EventRecord | None = None  # device facts: estimated from their raw times
    server_estimate: timing.Estimate | None = None
    server_at: dt.datetime | None = None  # server facts keep the time at full precision
    refusal: tuple[str, str] | None = None
    conflicts: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    follow_up_id: int | None = None  # a follow_up_visit: the visit it reports
    # A phone's district: it reaches its own unit's work and its district's, nothing beyond
    # (None: a server fact, which its actor's scope already checked).
    district_id: int | None = None


def _lock(model: type[M], ids: Iterable[int | None]) -> dict[int, M]:
    return lock_rows(model, [i for i in ids if i is not None])


def _in_kazakhstan(lat: float | None, lon: float | None) -> bool:
    return (
        lat is not None
        and lon is not None
        and LAT_RANGE[0] <= lat <= LAT_RANGE[1]
        and LON_RANGE[0] <= lon <= LON_RANGE[1]
    )


# --- entry points ---------------------------------------------------------------------------


def device_events_apply(
    *,
    device: Device,
    records: Sequence[tuple[EventRecord, str]],
    anchors: Sequence[timing.Anchor],
    received_at: dt.datetime,
    via: str,
    device_floor: dt.datetime | None = None,
) -> list[FactOutcome]:
    """Store and apply new events of ``device`` (``(record, content_hash)`` pairs).

    Call inside a unit of work, with the ids known not to be stored yet (the push checks
    under the device row's lock). Returns one outcome per record, in order; a refused one
    (unknown assignment) is not stored — the caller quarantines it. ``device_floor`` is
    :func:`device_floor_of` when the caller read the first code already (the push reads it
    with the device's lock); without it it is read here.
    """
    officer = device.officer
    entries = []
    for record, digest in records:
        assignment_id: int | None = None
        refusal = None
        if record.assignment_id is not None:
            assignment_id = _row_id(record.assignment_id)
            if assignment_id is None:
                refusal = ("unknown_assignment", f"no assignment {record.assignment_id}")
        task_id: int | None = None
        if record.kind == EventKind.FOLLOW_UP_VISIT:
            named = follow_up_id(record.payload)
            task_id = _row_id(named or "")
            if task_id is None:
                refusal = ("unknown_follow_up", f"no follow-up visit {named}")
        event = Event(
            id=record.id,
            kind=record.kind,
            source=EventSource.APP,
            via=via,
            unit_id=officer.unit_id,
            officer_id=officer.pk,
            device_id=device.pk,
            device_time=record.device_time,
            boot_id=record.boot_id or "",
            elapsed_ms=record.elapsed_ms,
            lat=record.lat,
            lon=record.lon,
            accuracy_m=record.accuracy_m,
            gps_time=record.gps_time,
            payload=dict(record.payload),
            # A newer app's fields this server does not read: kept with the fact, as sent.
            unread=json_text(record.unread) if record.unread else "",
            content_hash=digest,
            server_received_at=received_at,
        )
        entries.append(
            _Entry(
                event=event,
                assignment_id=assignment_id,
                # An officer without a unit speaks for no unit: never the assignee.
                claimed_unit_id=officer.unit_id if officer.unit_id is not None else NO_UNIT,
                record=record,
                refusal=refusal,
                follow_up_id=task_id,
                district_id=officer.district_id,
            )
        )
    return _apply(
        entries,
        anchors=anchors,
        device_floor=device_floor or _device_floor(device),
        actor=officer,
        actor_kind=ActorKind.DEVICE,
    )


def _row_id(text: str) -> int | None:
    """The row id a record id names, or None when it names none: not decimal digits
    (``int()`` read "1_0" as 10), or beyond 2**53-1 — "99999999999999999999" was looked up
    as is, and the database's refusal of a number above a bigint was a 500 for the whole
    push, every retry of it."""
    if not (text.isascii() and text.isdigit()) or len(text) > 16:
        return None
    value = int(text)
    return value if value <= MAX_SAFE_INT else None


def outcome_article_clean(value: str | None) -> str:
    """The CoAO article a duty officer or chief typed for an outcome, trimmed; ``""`` for
    none. Held to the same rule as a device's ``coao_article`` (:mod:`sync.protocol`)."""
    article = (value or "").strip()
    if not coao_article_valid(article):
        raise ValidationFailed(
            'The article of the CoAO is a number such as "73", "73-1" or "461".',
            code="invalid_coao_article",
        )
    return article


def fact_record(
    *,
    kind: str,
    assignment: Assignment,
    source: str,
    actor: Any,
    officer: Any = None,
    via: str = "",
    payload: dict[str, Any] | None = None,
    occurred_at: dt.datetime | None = None,
    uncertainty_ms: int | None = None,
) -> Event:
    """Record a fact that did not come from the app, with the same rules as a device push.

    ``source`` is ``on_behalf`` (a duty officer relays an acknowledgement heard by phone or
    radio: ``actor`` the duty officer, ``via`` phone/radio), ``sms`` (an officer's SMS reply:
    ``officer`` the sender, checked against the assignee), ``backfill`` (a chief enters what
    happened) or ``server``. ``occurred_at`` defaults to now (server time). Opens or joins a
    unit of work; returns the stored event, whose ``disposition`` says what it did (an
    acknowledgement after a cancellation is stored ``after_cancel`` with a conflict, for
    instance). Escalation fields are left to dispatch (it reschedules its ladder).
    ``uncertainty_ms`` is the spread a person stated with ``occurred_at`` ("about 14:05,
    give or take five minutes"); without it a stated time's spread is unknown.
    """
    if kind not in OFFICE_FACT_KINDS:
        raise ValidationFailed(f"{kind!r} is not a fact the server records.", code="invalid")
    if source not in EventSource.values or source == EventSource.APP:
        raise ValidationFailed(f"{source!r} is not a server-side source.", code="invalid")
    now = clock.now()
    at = occurred_at or now
    if at > now:
        at = now  # a fact cannot be dated after the server heard of it
    payload = dict(payload or {})
    event_id = server_event_id()
    material = {
        "id": event_id,
        "kind": kind,
        "assignment": assignment.pk,
        "source": source,
        "via": via,
        "payload": payload,
        "at": clock.to_ms(at),
    }
    # SMS replies carry their sender (checked against the assignee; an officer without a
    # unit, or no officer, is never the assignee); office facts are stated for the assignee.
    claimed_unit: int | None = None
    if source == EventSource.SMS:
        claimed_unit = officer.unit_id if officer is not None and officer.unit_id else NO_UNIT
    event = Event(
        id=event_id,
        kind=kind,
        source=source,
        via=via[:16],
        unit_id=claimed_unit if claimed_unit not in (None, NO_UNIT) else assignment.unit_id,
        officer_id=officer.pk if officer is not None else None,
        payload=payload,
        content_hash=content_hash(material),
        server_received_at=now,
    )
    uncertainty: int | None = 0
    if occurred_at is not None and source in (EventSource.ON_BEHALF, EventSource.BACKFILL):
        uncertainty = None  # a time a person states: kept, not vouched for…
    if uncertainty_ms is not None:
        uncertainty = uncertainty_ms  # …unless they said how sure they are
    estimate = timing.Estimate(
        at_ms=clock.to_ms(at),
        uncertainty_ms=uncertainty,
        method="server",
        clock_suspect=False,
        skew_ms=None,
    )
    with uow.unit_of_work():
        (outcome,) = _apply(
            [
                _Entry(
                    event=event,
                    assignment_id=assignment.pk,
                    claimed_unit_id=claimed_unit,
                    server_estimate=estimate,
                    server_at=at,
                )
            ],
            anchors=(),
            device_floor=None,
            actor=actor,
            actor_kind=None,
        )
        if outcome.event is None:
            raise ValidationFailed(
                (outcome.refusal or ("invalid", ""))[1], code=(outcome.refusal or ("invalid",))[0]
            )
        uow.audit(
            SOURCE_AUDIT_ACTION[source],
            actor=actor,
            obj=assignment,
            data={
                "event_id": event.pk,
                "kind": kind,
                "via": via,
                "officer_id": event.officer_id,
                "disposition": outcome.disposition,
                "occurred_at": at.isoformat(),
            },
        )
    return outcome.event


def _device_floor(device: Device) -> dt.datetime | None:
    """The earliest a device could have recorded anything: its first enrolment."""
    # Plain SQL: every push reads it, and compiling the queryset cost more than running it.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {FIRST_CODE_USED}", [device.pk])
        (first,) = cursor.fetchone()
    return device_floor_of(device, first)


# The first enrolment code used for a device (``%s``: its id), as a scalar subquery; the push
# reads it in the statement that locks the device.
FIRST_CODE_USED = (
    f'(SELECT MIN(used_at) FROM "{EnrolmentCode._meta.db_table}" '  # noqa: S608
    "WHERE device_id = %s AND used_at IS NOT NULL)"
)


def device_floor_of(device: Device, first_code_used: object) -> dt.datetime | None:
    """The device's floor from its first code's ``used_at`` as the database answered it."""
    first = first_code_used
    if isinstance(first, str):  # SQLite answers an aggregate of datetimes as text
        first = dt.datetime.fromisoformat(first)
    if isinstance(first, dt.datetime) and first.tzinfo is None:  # SQLite keeps them naive, UTC
        first = first.replace(tzinfo=dt.UTC)
    found = [d for d in (first, device.enrolled_at) if isinstance(d, dt.datetime)]
    return min(found) if found else None


# --- applying facts -------------------------------------------------------------------------


class _State:
    """The locked rows and what changed in them."""

    def __init__(self, assignment_ids: set[int], extra_unit_ids: set[int]) -> None:
        # A push of positions alone names no assignment: no statement for them.
        incident_of = (
            dict(
                Assignment.objects.filter(id__in=sorted(assignment_ids)).values_list(
                    "id", "incident_id"
                )
            )
            if assignment_ids
            else {}
        )
        self.incidents = _lock(Incident, incident_of.values())
        self.assignments = _lock(Assignment, incident_of.keys())
        self.units = _lock(Unit, {a.unit_id for a in self.assignments.values()} | extra_unit_ids)
        self.views: dict[int, rules.AssignmentView] = {}
        self.dirty_assignments: dict[int, set[str]] = defaultdict(set)
        self.dirty_incidents: dict[int, set[str]] = defaultdict(set)
        self.dirty_units: dict[int, set[str]] = defaultdict(set)
        self.flipped: dict[str, str] = {}  # stored event id → new disposition
        self.status_events: dict[int, str | None] = {}
        self.position_events: dict[int, str | None] = {}
        self.outcomes: dict[int, rules.OutcomeView] = {}
        # Incidents whose shown outcome became a protective order, and when it was issued.
        self.orders_issued: dict[int, dt.datetime] = {}
        # The calls of the follow-up visits reported (read, not locked: nothing writes them).
        self.visit_calls: dict[int, Incident] = {}
        # Units in SOS whose position moved (the desk's banner follows the officer).
        self.moved_in_sos: set[int] = set()

    def view(self, assignment: Assignment) -> rules.AssignmentView:
        if assignment.pk not in self.views:
            incident = self.incidents[assignment.incident_id]
            milestones = {}
            for m in lifecycle.MILESTONES:
                event_id = getattr(assignment, m.event_field + "_id")
                at = getattr(assignment, m.field)
                if event_id is not None and at is not None:
                    milestones[m.kind] = rules.MilestoneFact(str(event_id), clock.to_ms(at))
            self.views[assignment.pk] = rules.AssignmentView(
                id=str(assignment.pk),
                unit_id=str(assignment.unit_id),
                status=assignment.status,
                dispatched_ms=clock.to_ms(assignment.dispatched_at),
                milestones=milestones,
                cancelled_ms=clock.opt_ms(assignment.cancelled_at),
                superseded_ms=clock.opt_ms(assignment.superseded_at),
                closed_ms=clock.opt_ms(incident.closed_at)
                if incident.status in lifecycle.INCIDENT_COMMANDED_OVER
                else None,
            )
        return self.views[assignment.pk]


def _load_unit_facts(state: _State, entries: Sequence[_Entry]) -> None:
    """The events behind the units' current status and position (for tie-breaks).

    Plain SQL of a fixed shape (one condition per unit's status and position): every push of
    a position reads it, and compiling the queryset's ORs cost more than running them."""
    for unit_id in state.units:
        state.status_events[unit_id] = None
        state.position_events[unit_id] = None
    if not any(
        e.event.kind in lifecycle.UNIT_EVENT_KINDS or e.event.lat is not None for e in entries
    ):
        return
    adapt = connection.ops.adapt_datetimefield_value
    conditions: list[str] = []
    params: list[Any] = [Disposition.APPLIED]
    for unit in state.units.values():
        if unit.status_at is not None:
            conditions.append("(unit_id = %s AND kind IN (%s, %s) AND estimated_at = %s)")
            params += [unit.pk, EventKind.UNIT_STATUS, EventKind.SOS, adapt(unit.status_at)]
        if unit.position_at is not None:
            conditions.append("(unit_id = %s AND kind = %s AND estimated_at = %s)")
            params += [unit.pk, EventKind.LOCATION, adapt(unit.position_at)]
    if not conditions:
        return
    table = connection.ops.quote_name(Event._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, unit_id, kind FROM {table} WHERE disposition = %s "  # noqa: S608
            f"AND ({' OR '.join(conditions)}) ORDER BY id",
            params,
        )
        rows = cursor.fetchall()
    for event_id, unit_id, kind in rows:
        if kind == EventKind.LOCATION:
            state.position_events[unit_id] = event_id
        else:
            state.status_events[unit_id] = event_id


def _load_outcomes(state: _State, entries: Sequence[_Entry]) -> None:
    incident_ids = {
        state.assignments[e.assignment_id].incident_id
        for e in entries
        if e.event.kind == EventKind.OUTCOME and e.assignment_id in state.assignments
    }
    if not incident_ids:
        return
    revisions: dict[int, list[rules.OutcomeRevision]] = defaultdict(list)
    for event_id, incident_id, payload, received, source in (
        Event.objects.filter(incident_id__in=sorted(incident_ids), kind=EventKind.OUTCOME)
        .exclude(disposition=Disposition.NOT_ASSIGNEE)
        .values_list("id", "incident_id", "payload", "server_received_at", "source")
    ):
        code = payload.get("code") if isinstance(payload, dict) else None
        if isinstance(code, str):
            revisions[incident_id].append(
                rules.OutcomeRevision(event_id, code, clock.to_ms(received), source)  # type: ignore[arg-type]
            )
    for incident_id in incident_ids:
        incident = state.incidents[incident_id]
        known = revisions.get(incident_id, [])
        by_id = {r.event_id: r for r in known}

        def latest(sources: frozenset[str], known: list[rules.OutcomeRevision] = known) -> Any:
            side = [r for r in known if r.source in sources]
            return max(side, key=lambda r: (r.received_ms, r.event_id)) if side else None

        state.outcomes[incident_id] = rules.OutcomeView(
            shown=by_id.get(str(incident.outcome_event_id)) if incident.outcome_event_id else None,
            latest_field=latest(rules.DEVICE_SOURCES),
            latest_office=latest(rules.OFFICE_SOURCES),
        )


def _fact(entry: _Entry, *, unit_id: int | None = None, **overrides: Any) -> rules.Fact:
    event = entry.event
    values: dict[str, Any] = {
        "event_id": event.pk,
        "kind": event.kind,
        "at_ms": clock.to_ms(event.estimated_at),
        "received_ms": clock.to_ms(event.server_received_at),
        "unit_id": None if unit_id is None else str(unit_id),
        "uncertainty_ms": event.estimate_uncertainty_ms,
        "source": event.source,
        "payload": event.payload,
    }
    values.update(overrides)
    return rules.Fact(**values)


def _estimate(
    entry: _Entry,
    floor: dt.datetime | None,
    anchors: Sequence[timing.Anchor],
) -> timing.Estimate:
    """The event's time: a device fact's from its raw times, not before ``floor`` (its
    assignment's dispatch, its visit's call, or the device's enrolment)."""
    if entry.server_estimate is not None:
        return entry.server_estimate
    record = entry.record
    assert record is not None
    received_ms = clock.to_ms(entry.event.server_received_at)
    return timing.estimate(
        device_time=record.device_time,
        boot_id=record.boot_id,
        elapsed_ms=record.elapsed_ms,
        gps_time=record.gps_time,
        anchors=anchors,
        received_ms=received_ms,
        not_before_ms=clock.opt_ms(floor),
        # Older than the window: flagged clock_suspect, not taken as fact (issue 10).
        oldest_ms=received_ms - settings.KUZET_TIME_PAST_DAYS * 86_400_000,
    )


def _apply(
    entries: list[_Entry],
    *,
    anchors: Sequence[timing.Anchor],
    device_floor: dt.datetime | None,
    actor: Any,
    actor_kind: str | None,
) -> list[FactOutcome]:
    assignment_ids = {e.assignment_id for e in entries if e.assignment_id is not None}
    unit_ids = {e.event.unit_id for e in entries if e.event.unit_id is not None}
    state = _State(assignment_ids, unit_ids)
    # A visit's task is locked after the units (the lock order above), its call read; a
    # push without visits (nearly every one) compiles no query for them.
    task_ids = {e.follow_up_id for e in entries if e.follow_up_id is not None}
    tasks = _lock(FollowUpTask, task_ids) if task_ids else {}
    calls = Incident.objects.in_bulk(sorted({t.incident_id for t in tasks.values()}))
    state.visit_calls = calls
    _load_unit_facts(state, entries)
    _load_outcomes(state, entries)
    by_id: dict[str, _Entry] = {}
    milestones: list[tuple[_Entry, Assignment]] = []
    notes: list[tuple[_Entry, Assignment]] = []
    reads: list[tuple[_Entry, Assignment]] = []
    messages = _desk_messages_named(entries)
    sos: list[_Entry] = []
    visits: list[tuple[_Entry, FollowUpTask]] = []

    for entry in entries:
        if entry.refusal is not None:
            continue
        event = entry.event
        assignment = None
        if entry.assignment_id is not None:
            assignment = state.assignments.get(entry.assignment_id)
            if assignment is None or not _within_reach(state, entry, assignment):
                # Another district's call is no phone's business here: refused as if it did
                # not exist (its answer tells no id apart) and kept in quarantine for the
                # sender's own chief — not written onto that district's call and its queue.
                entry.refusal = ("unknown_assignment", f"no assignment {entry.assignment_id}")
                continue
            event.assignment_id = assignment.pk
            event.incident_id = assignment.incident_id
            if event.kind == EventKind.READ:
                named = read_up_to(event.payload)
                if named is None or messages.get(named) != assignment.pk:
                    entry.refusal = (
                        "unknown_message",
                        f"no message {named} from the duty desk on this assignment",
                    )
                    continue
        floor = assignment.dispatched_at if assignment is not None else device_floor
        task = None
        if entry.follow_up_id is not None:
            task = tasks.get(entry.follow_up_id)
            if task is None or not _visit_within_reach(entry, task):
                entry.refusal = ("unknown_follow_up", f"no follow-up visit {entry.follow_up_id}")
                continue
            event.incident_id = task.incident_id
            floor = calls[task.incident_id].received_at
        estimate = _estimate(entry, floor, anchors)
        event.estimated_at = entry.server_at or clock.from_ms(estimate.at_ms)
        event.estimate_uncertainty_ms = estimate.uncertainty_ms
        event.estimate_method = {
            "anchor": EstimateMethod.ANCHOR,
            "gps": EstimateMethod.GPS,
            "device_clock": EstimateMethod.DEVICE_CLOCK,
            "server": EstimateMethod.SERVER,
        }[estimate.method]
        event.clock_suspect = estimate.clock_suspect
        event.clock_skew_ms = estimate.skew_ms
        event.disposition = Disposition.RECORDED
        by_id[event.pk] = entry

        if assignment is not None:
            _decide_assignment(state, entry, assignment, by_id, milestones)
            if _crew_note(event):
                notes.append((entry, assignment))
            if event.kind == EventKind.READ:
                reads.append((entry, assignment))
        if task is not None:
            _decide_visit(state, entry, task, visits)
        # An SOS is the officer in danger, whatever else the event says: sent as the unit's
        # status, or naming another unit's call, it had set a status at most — no alarm.
        alarm = _raises_sos(event)
        if event.disposition != Disposition.NOT_ASSIGNEE or alarm:
            _decide_unit(state, entry, by_id)
        if alarm:
            sos.append(entry)
        if estimate.clock_suspect and timing.needs_conflict(estimate):
            entry.conflicts.append(("clock_suspect", _clock_side(entry, assignment, estimate)))

    stored = [e for e in entries if e.refusal is None]
    Event.objects.bulk_create([e.event for e in stored])
    for disposition in sorted(set(state.flipped.values())):
        ids = sorted(i for i, d in state.flipped.items() if d == disposition)
        Event.objects.filter(id__in=ids).update(disposition=disposition)
    uow.touch(SyncTable.EVENTS, *[e.event.pk for e in stored], *state.flipped)

    for assignment_id, fields in state.dirty_assignments.items():
        state.assignments[assignment_id].save(update_fields=sorted(fields))
    if state.dirty_assignments:
        uow.touch(SyncTable.ASSIGNMENTS, *state.dirty_assignments)
    for incident_id, fields in state.dirty_incidents.items():
        state.incidents[incident_id].save(update_fields=sorted(fields))
    if state.dirty_incidents:
        uow.touch(SyncTable.INCIDENTS, *state.dirty_incidents)
    for unit_id, fields in state.dirty_units.items():
        state.units[unit_id].save(update_fields=sorted(fields))
    if state.dirty_units:
        uow.touch(SyncTable.UNITS, *state.dirty_units)

    for incident_id, issued_at in state.orders_issued.items():
        risk.protective_order_record(
            state.incidents[incident_id], issued_at=issued_at, actor=actor, actor_kind=actor_kind
        )
    _open_conflicts(state, stored, actor=actor, actor_kind=actor_kind)
    for entry, assignment in milestones:
        if entry.event.disposition == Disposition.APPLIED:
            incident = state.incidents[assignment.incident_id]
            board_notify(
                "milestone",
                incident=incident,
                assignment_id=assignment.pk,
                unit_id=assignment.unit_id,
                milestone=entry.event.kind,
                status=assignment.status,
                event_id=entry.event.pk,
                source=entry.event.source,
                estimated_at=clock.to_ms(entry.event.estimated_at),
            )
    _crew_notes_tell_the_desk(state, notes)
    _reads_tell_the_desk(state, reads)
    for entry in sos:
        _sos(state, entry, actor=actor, actor_kind=actor_kind)
    for unit_id in sorted(state.moved_in_sos - {e.event.unit_id for e in sos}):
        _sos_moved(state.units[unit_id])
    for entry, task in visits:
        risk.follow_up_visit_made(
            task,
            calls[task.incident_id],
            done_at=entry.event.estimated_at,
            note=str(entry.event.payload.get("text") or "").strip(),
            actor=actor,
            actor_kind=actor_kind,
            event_id=entry.event.pk,
        )

    return [
        FactOutcome(None, e.refusal)
        if e.refusal is not None
        else FactOutcome(e.event.disposition, None, e.event)
        for e in entries
    ]


def _flip(state: _State, by_id: dict[str, _Entry], event_id: str | None, disposition: str) -> None:
    """Change the disposition of an earlier winner (stored, or earlier in this batch)."""
    if event_id is None:
        return
    in_batch = by_id.get(event_id)
    if in_batch is not None:
        in_batch.event.disposition = disposition
    else:
        state.flipped[event_id] = disposition


def _within_reach(state: _State, entry: _Entry, assignment: Assignment) -> bool:
    """Whether a fact's sender may name this assignment: its own unit's (wherever the call
    is), or one of its district's calls (another unit's: ``not_assignee``, for the chief)."""
    if entry.district_id is None or assignment.unit_id == entry.event.unit_id:
        return True
    return state.incidents[assignment.incident_id].district_id == entry.district_id


def _visit_within_reach(entry: _Entry, task: FollowUpTask) -> bool:
    """Whether a fact's sender may name this follow-up visit: its own unit's (a unit moved
    to another district with it owed: ``not_assignee``, for the chief), or its district's."""
    if entry.district_id is None or task.unit_id == entry.event.unit_id:
        return True
    return task.district_id == entry.district_id


def _crew_note(event: Event) -> bool:
    """A note the crew wrote on its call (the app, an SMS): the desk should read it."""
    return event.kind == EventKind.NOTE and event.source in (EventSource.APP, EventSource.SMS)


def _desk_messages_named(entries: Sequence[_Entry]) -> dict[str, int]:
    """The desk's messages that ``read`` facts name → their assignment (one query, and
    none for a push without receipts)."""
    named = {
        read_up_to(e.event.payload)
        for e in entries
        if e.event.kind == EventKind.READ and e.refusal is None
    }
    named.discard(None)
    if not named:
        return {}
    rows = Event.objects.filter(
        id__in=sorted(n for n in named if n is not None),
        kind=EventKind.NOTE,
        source=EventSource.DESK,
        assignment__isnull=False,
    ).values_list("id", "assignment_id")
    return dict(rows)


def _reads_tell_the_desk(state: _State, reads: list[tuple[_Entry, Assignment]]) -> None:
    """The desk's screens follow a crew's read receipt at once: the assignment is touched,
    so the boards get its row again, with the message's state (``selectors.desk_messages``).
    One of another unit's call (``not_assignee``) says nothing about the crew that was sent."""
    touched = sorted(
        {a.pk for e, a in reads if e.event.disposition != Disposition.NOT_ASSIGNEE}
        - set(state.dirty_assignments)
    )
    if touched:
        uow.touch(SyncTable.ASSIGNMENTS, *touched)


def _crew_notes_tell_the_desk(state: _State, notes: list[tuple[_Entry, Assignment]]) -> None:
    """Put the crews' notes before the district's desk: "need an ambulance", "detained,
    bringing him in" written on the phone reached the call's timeline only, which nobody at
    the desk was looking at. A note of another unit's call (``not_assignee``) is the chief's
    business, not the desk's."""
    notes = [(e, a) for e, a in notes if e.event.disposition != Disposition.NOT_ASSIGNEE]
    if not notes:
        return
    callsigns = dict(
        Unit.objects.filter(pk__in={a.unit_id for _e, a in notes}).values_list("pk", "callsign")
    )
    for entry, assignment in notes:
        board_notify(
            "crew_note",
            incident=state.incidents[assignment.incident_id],
            assignment_id=assignment.pk,
            unit_id=assignment.unit_id,
            callsign=callsigns.get(assignment.unit_id, ""),
            text=str(entry.event.payload.get("text") or "")[:300],
            event_id=entry.event.pk,
            source=entry.event.source,
            estimated_at=clock.to_ms(entry.event.estimated_at),
        )


def _decide_assignment(
    state: _State,
    entry: _Entry,
    assignment: Assignment,
    by_id: dict[str, _Entry],
    milestones: list[tuple[_Entry, Assignment]],
) -> None:
    event = entry.event
    view = state.view(assignment)
    fact = _fact(entry, unit_id=entry.claimed_unit_id)
    decision = rules.decide(view, fact)
    event.disposition = decision.disposition
    if decision.conflict is not None:
        entry.conflicts.append(
            (decision.conflict, _server_side(state, assignment, decision.conflict))
        )
    milestone = lifecycle.MILESTONE_BY_KIND.get(event.kind)
    if milestone is not None:
        milestones.append((entry, assignment))
    if decision.milestone_update is not None:
        assert milestone is not None  # only milestones project
        setattr(assignment, milestone.field, event.estimated_at)
        setattr(assignment, milestone.event_field + "_id", event.pk)
        state.dirty_assignments[assignment.pk].update({milestone.field, milestone.event_field})
        _flip(state, by_id, decision.superseded_event_id, Disposition.SUPERSEDED)
    if decision.new_status != assignment.status:
        assignment.status = decision.new_status
        state.dirty_assignments[assignment.pk].add("status")
        if decision.new_status == AssignmentStatus.CLEARED and assignment.closed_at is None:
            assignment.closed_at = event.server_received_at
            state.dirty_assignments[assignment.pk].add("closed_at")
    state.views[assignment.pk] = rules.apply_decision(view, fact, decision)

    if (
        milestone is not None
        and decision.milestone_update is not None
        and decision.new_status == milestone.status
    ):
        _milestone_moves_unit(state, entry, assignment)
        _milestone_moves_incident(state, entry, assignment)
    if event.kind == EventKind.OUTCOME and decision.disposition == Disposition.RECORDED:
        _decide_outcome(state, entry, assignment)


def _milestone_moves_incident(state: _State, entry: _Entry, assignment: Assignment) -> None:
    """The incident follows its units (:func:`lifecycle.incident_after_milestone`)."""
    incident = state.incidents[assignment.incident_id]
    kind = entry.event.kind
    others_open = False
    if kind == EventKind.CLEARED:
        still_open = set(
            Assignment.objects.filter(
                incident_id=incident.pk, status__in=lifecycle.ASSIGNMENT_OPEN
            ).values_list("id", flat=True)
        )
        still_open -= {a.pk for a in state.assignments.values() if not a.is_open}
        others_open = bool(still_open)
    status = lifecycle.incident_after_milestone(incident.status, kind, others_open=others_open)
    if status != incident.status:
        incident.status = status
        state.dirty_incidents[incident.pk].add("status")


def _milestone_moves_unit(state: _State, entry: _Entry, assignment: Assignment) -> None:
    """The unit follows its assignment (the milestone table's unit status; cleared releases
    it) unless a status the officer set later in time says otherwise (the rules decide)."""
    unit = state.units.get(assignment.unit_id)
    if unit is None or unit.status == UnitStatus.SOS:
        # An SOS ends only when the desk says the officer is safe or the officer sets a
        # status himself: a milestone (the crew's other phone tapping "en route") is the
        # call's, and lifted the alarm silently.
        return
    kind = entry.event.kind
    if kind == EventKind.CLEARED:
        target = lifecycle.unit_after_assignment_ended(
            unit.status, others_open=unit_has_open_work(unit.pk, besides=assignment.pk)
        )
        if target == unit.status:
            return
    else:
        milestone_target = lifecycle.MILESTONE_BY_KIND[kind].unit_status
        if milestone_target is None:
            return  # delivered, acknowledged: the unit's status does not change
        target = milestone_target
    decision = rules.decide_unit_status(
        _unit_view(state, unit),
        _fact(entry, kind=EventKind.UNIT_STATUS, payload={"status": target}),
    )
    if decision.update:
        _set_unit_status(state, unit, target, entry.event.estimated_at)


def _unit_view(state: _State, unit: Unit) -> rules.UnitStatusView:
    return rules.UnitStatusView(
        unit_id=str(unit.pk),
        status=unit.status,
        status_at_ms=clock.opt_ms(unit.status_at),
        status_event_id=state.status_events.get(unit.pk),
        chief_out_of_service_ms=clock.opt_ms(unit.status_locked_at),
    )


def _set_unit_status(
    state: _State, unit: Unit, status: str, at: dt.datetime, event_id: str | None = None
) -> None:
    unit.status = status
    unit.status_at = at
    state.status_events[unit.pk] = event_id
    state.dirty_units[unit.pk].update({"status", "status_at"})


def _decide_unit(state: _State, entry: _Entry, by_id: dict[str, _Entry]) -> None:
    event = entry.event
    unit = state.units.get(event.unit_id) if event.unit_id is not None else None
    if unit is None:
        return
    if event.kind in (EventKind.UNIT_STATUS, EventKind.SOS):
        decision = rules.decide_unit_status(_unit_view(state, unit), _fact(entry))
        if event.assignment_id is None or event.disposition == Disposition.RECORDED:
            event.disposition = decision.disposition
        if decision.update:
            _flip(state, by_id, decision.superseded_event_id, Disposition.SUPERSEDED)
            _set_unit_status(
                state, unit, rules.fact_unit_status(_fact(entry)), event.estimated_at, event.pk
            )
    if event.lat is not None and _in_kazakhstan(event.lat, event.lon):
        current = rules.PositionView(
            unit_id=str(unit.pk),
            position_at_ms=clock.opt_ms(unit.position_at),
            position_event_id=state.position_events.get(unit.pk),
        )
        decision = rules.decide_location(current, _fact(entry))
        if event.kind == EventKind.LOCATION:
            event.disposition = decision.disposition
        if decision.update:
            if event.kind == EventKind.LOCATION:
                _flip(state, by_id, decision.superseded_event_id, Disposition.RECORDED)
            unit.lat, unit.lon = event.lat, event.lon
            unit.position_at = event.estimated_at
            if unit.status == UnitStatus.SOS and not _raises_sos(event):
                state.moved_in_sos.add(unit.pk)
            unit.position_accuracy_m = event.accuracy_m
            state.position_events[unit.pk] = event.pk if event.kind == EventKind.LOCATION else None
            state.dirty_units[unit.pk].update({"lat", "lon", "position_at", "position_accuracy_m"})


def _decide_visit(
    state: _State,
    entry: _Entry,
    task: FollowUpTask,
    visits: list[tuple[_Entry, FollowUpTask]],
) -> None:
    """A visit reported by a phone of the task's district is the visit made (``applied``),
    unless one is recorded already — by the desk, another phone or earlier in this push:
    then it is kept as a fact beside it (``recorded``). From a phone without a unit it is
    nobody's visit (``not_assignee``), as from the unit that owes it once moved to another
    district, and a conflict for the visit's district's chief. (Any other phone of another
    district never gets here: its visit is refused as unknown, like another district's call.)"""
    event = entry.event
    unit = state.units.get(event.unit_id) if event.unit_id is not None else None
    if unit is None or unit.district_id != task.district_id:
        event.disposition = Disposition.NOT_ASSIGNEE
        # The visit's own district's chief hears of it, as of any fact on another's work.
        side = {"assignee_unit_id": task.unit_id, "due_at": clock.to_ms(task.due_at)}
        entry.conflicts.append(("not_assignee", side))
    elif task.done_at is None and all(t.pk != task.pk for _, t in visits):
        event.disposition = Disposition.APPLIED
        visits.append((entry, task))


def _decide_outcome(state: _State, entry: _Entry, assignment: Assignment) -> None:
    incident = state.incidents[assignment.incident_id]
    view = state.outcomes.get(incident.pk, rules.OutcomeView())
    fact = _fact(entry)
    decision = rules.decide_outcome(view, fact)
    entry.event.disposition = decision.disposition
    if decision.show:
        code = str(entry.event.payload.get("code", ""))
        if code == OutcomeCode.PROTECTIVE_ORDER != incident.outcome_code:
            state.orders_issued[incident.pk] = entry.event.estimated_at
        incident.outcome_code = code
        incident.outcome_text = str(entry.event.payload.get("text") or "")
        # The article goes with the outcome that names it: a revision without one clears it.
        incident.outcome_article = outcome_article(entry.event.payload)
        incident.outcome_event_id = entry.event.pk
        state.dirty_incidents[incident.pk].update(
            {"outcome_code", "outcome_text", "outcome_article", "outcome_event"}
        )
        # The registry entry the shown outcome names (КУИ, ЕРДР, ЕРАП); a revision without
        # one leaves a number recorded earlier in place.
        registry = outcome_registry(entry.event.payload)
        if registry is not None:
            field = f"registry_{registry[0]}"
            setattr(incident, field, registry[1])
            state.dirty_incidents[incident.pk].add(field)
    if decision.conflict is not None:
        other = view.latest_office if fact.source in rules.DEVICE_SOURCES else view.latest_field
        entry.conflicts.append(
            (
                decision.conflict,
                {
                    "outcome": {
                        "event_id": other.event_id if other else None,
                        "code": other.code if other else None,
                        "source": other.source if other else None,
                        "received_at": other.received_ms if other else None,
                    }
                },
            )
        )
    state.outcomes[incident.pk] = rules.apply_outcome(view, fact, decision)


# --- conflicts and notifications ---------------------------------------------------------------


def _device_side(entry: _Entry) -> dict[str, Any]:
    event = entry.event
    return {
        "event_id": event.pk,
        "kind": event.kind,
        "source": event.source,
        "via": event.via,
        "officer_id": event.officer_id,
        "device_id": event.device_id,
        "unit_id": event.unit_id,
        "device_time": event.device_time,
        "boot_id": event.boot_id or None,
        "elapsed_ms": event.elapsed_ms,
        "gps_time": event.gps_time,
        "estimated_at": clock.to_ms(event.estimated_at),
        "estimate_uncertainty_ms": event.estimate_uncertainty_ms,
        "estimate_method": event.estimate_method,
        "clock_suspect": event.clock_suspect,
        "server_received_at": clock.to_ms(event.server_received_at),
        "payload": event.payload,
    }


def _server_side(state: _State, assignment: Assignment, conflict: str) -> dict[str, Any]:
    incident = state.incidents[assignment.incident_id]
    side: dict[str, Any] = {
        "assignment_id": assignment.pk,
        "assignment_status": assignment.status,
        "assignee_unit_id": assignment.unit_id,
        "dispatched_at": clock.to_ms(assignment.dispatched_at),
    }
    command_kind = {
        "after_cancel": "cancelled",
        "after_reassign": "reassigned",
        "after_close": "closed",
    }.get(conflict)
    if conflict == "after_cancel":
        side["command"] = {
            "name": "cancel",
            "at": clock.opt_ms(assignment.cancelled_at),
            "actor_id": assignment.cancelled_by_id,
            "reason": assignment.cancel_reason,
        }
    elif conflict == "after_reassign":
        side["command"] = {
            "name": "reassign",
            "at": clock.opt_ms(assignment.superseded_at),
            "superseded_by": assignment.superseded_by_id,
        }
    elif conflict == "after_close":
        side["command"] = {
            "name": "close",
            "at": clock.opt_ms(incident.closed_at),
            "actor_id": incident.closed_by_id,
            "disposition": incident.disposition,
        }
    if command_kind is not None:
        # The command as dispatch recorded it on the timeline, with its actor.
        recorded = (
            Event.objects.filter(
                Q(assignment_id=assignment.pk)
                | Q(incident_id=incident.pk, assignment__isnull=True),
                kind=command_kind,
                source=EventSource.SERVER,
            )
            .order_by("-server_received_at")
            .values("id", "officer_id", "officer__username", "server_received_at", "via")
            .first()
        )
        if recorded is not None:
            side["command"].update(
                {
                    "event_id": recorded["id"],
                    "actor_id": recorded["officer_id"] or side["command"].get("actor_id"),
                    "actor": recorded["officer__username"],
                    "recorded_at": clock.to_ms(recorded["server_received_at"]),
                }
            )
    return side


def _clock_side(
    entry: _Entry, assignment: Assignment | None, estimate: timing.Estimate
) -> dict[str, Any]:
    return {
        "flags": sorted(estimate.flags),
        "server_received_at": clock.to_ms(entry.event.server_received_at),
        "dispatched_at": clock.opt_ms(assignment.dispatched_at) if assignment is not None else None,
        "skew_ms": estimate.skew_ms,
    }


def _phones_asked_about_positions(stored: list[_Entry]) -> set[tuple[str | None, str]]:
    """The (device, boot) pairs that already have an open question about a position's time.

    A phone whose times cannot be trusted sends a position every half minute: each is
    flagged ``clock_suspect``, but the chief is asked once a boot until the question is
    resolved (a phone that restarted its elapsed time under the same boot id opened 644
    conflicts in two and a half minutes, one a position). Milestones are asked each: their
    times are the SLA's.
    """
    devices = {
        e.event.device_id
        for e in stored
        if e.event.kind == EventKind.LOCATION and any(k == "clock_suspect" for k, _ in e.conflicts)
    }
    if not devices:
        return set()
    # Driven from the open clock questions (conflict_open_clock_idx), each joined to its
    # event by key: the cost follows how many are open, not how many positions the phone has
    # sent. No ordering: a set is returned, and sorting by opened_at only cost a sort.
    return set(
        Conflict.objects.filter(
            state=Conflict.State.OPEN,
            kind="clock_suspect",
            event__kind=EventKind.LOCATION,
            event__device_id__in=devices,
        )
        .order_by()
        .values_list("event__device_id", "event__boot_id")
    )


def _phones_asked_about_others_work(stored: list[_Entry]) -> set[tuple[str | None, int]]:
    """The (device, call) pairs with an open question about a fact on another's work.

    The chief is asked once a phone and call until it is answered — every fact is still
    stored and marked ``not_assignee``: a phone that kept writing notes on a colleague's
    call had opened one conflict a note, fifty-three in the chief's queue.
    """
    devices = {
        e.event.device_id
        for e in stored
        if e.event.device_id is not None and any(k == "not_assignee" for k, _ in e.conflicts)
    }
    if not devices:
        return set()
    # Driven from the open questions of this kind (conflict_open_others_work_idx), as the
    # clock's above: not from every conflict ever opened on a call. No ordering: a set.
    return set(
        Conflict.objects.filter(
            state=Conflict.State.OPEN,
            kind="not_assignee",
            event__device_id__in=devices,
            incident__isnull=False,
        )
        .order_by()
        .values_list("event__device_id", "incident_id")
    )


def _open_conflicts(
    state: _State, stored: list[_Entry], *, actor: Any, actor_kind: str | None
) -> None:
    rows: list[tuple[Conflict, _Entry]] = []
    asked = _phones_asked_about_positions(stored)
    asked_about_work = _phones_asked_about_others_work(stored)
    for entry in stored:
        event = entry.event
        assignment = state.assignments.get(event.assignment_id) if event.assignment_id else None
        incident = (
            state.incidents.get(assignment.incident_id)
            if assignment
            else state.visit_calls.get(event.incident_id)  # a follow-up visit's call
            if event.incident_id
            else None
        )
        unit = state.units.get(event.unit_id) if event.unit_id else None
        district_id = incident.district_id if incident else (unit.district_id if unit else None)
        if district_id is None:
            continue
        seen: set[str] = set()
        for kind, server_side in entry.conflicts:
            if kind in seen:
                continue
            seen.add(kind)
            if kind == "clock_suspect" and event.kind == EventKind.LOCATION:
                phone = (event.device_id, event.boot_id)
                if phone in asked:
                    continue
                asked.add(phone)
            if kind == "not_assignee" and event.device_id is not None and incident is not None:
                work = (event.device_id, incident.pk)
                if work in asked_about_work:
                    continue
                asked_about_work.add(work)
            rows.append(
                (
                    Conflict(
                        kind=kind,
                        district_id=district_id,
                        incident=incident,
                        assignment=assignment,
                        event_id=event.pk,
                        unit_id=event.unit_id,
                        device_side=_device_side(entry),
                        server_side=server_side,
                        opened_at=event.server_received_at,
                    ),
                    entry,
                )
            )
    if not rows:
        return
    Conflict.objects.bulk_create([c for c, _ in rows])
    for conflict, entry in rows:
        uow.audit(
            AuditAction.CONFLICT_OPENED,
            actor=actor,
            actor_kind=actor_kind,
            obj=conflict if conflict.pk else None,
            object_type="conflict",
            district_id=conflict.district_id,
            data={
                "kind": conflict.kind,
                "event_id": entry.event.pk,
                "assignment_id": conflict.assignment_id,
            },
        )
        notice = {
            "conflict_id": conflict.pk,
            "conflict_kind": conflict.kind,
            "event_id": entry.event.pk,
            "assignment_id": conflict.assignment_id,
            "unit_id": conflict.unit_id,
        }
        if conflict.incident is not None:
            board_notify("conflict", incident=conflict.incident, chief=True, **notice)
        else:
            uow.notify(
                Topic.BOARD,
                district_id=conflict.district_id,
                kind="conflict",
                chief=True,
                at=clock.now_ms(),
                **notice,
            )


def _raises_sos(event: Event) -> bool:
    """The sos kind, or a unit status of ``sos`` (the protocol allows it there too)."""
    return event.kind == EventKind.SOS or (
        event.kind == EventKind.UNIT_STATUS and (event.payload or {}).get("status") == "sos"
    )


def _sos(state: _State, entry: _Entry, *, actor: Any, actor_kind: str | None) -> None:
    """SOS: accepted at once, the unit's status is sos, every duty officer and chief told —
    who is in danger (the officer, the crew), where (the best position known, as the nearest
    village with distance and direction, and its time) and on which call
    (:func:`selectors.sos_details`): "SOS from A-PC1" alone left the desk with nothing to
    act on."""
    event = entry.event
    unit = state.units.get(event.unit_id) if event.unit_id else None
    if unit is None:
        return
    details = selectors.sos_details(event, unit)
    uow.audit(
        AuditAction.UNIT_SOS,
        actor=actor,
        actor_kind=actor_kind,
        obj=unit,
        data={
            "event_id": event.pk,
            "lat": event.lat,
            "lon": event.lon,
            "disposition": event.disposition,
        },
    )
    unit_board_notify(
        "sos",
        unit=unit,
        officer_id=event.officer_id,
        event_id=event.pk,
        lat=event.lat,
        lon=event.lon,
        estimated_at=clock.to_ms(event.estimated_at),
        **details,
    )


def _sos_moved(unit: Unit) -> None:
    """A unit in SOS reported a new position (the phone asked for a fix when the officer
    pressed SOS, or the crew moves): the boards' banners follow it."""
    unit_board_notify(
        "sos_position",
        unit=unit,
        position=selectors.position_details(selectors.unit_position(unit)),
    )


__all__ = ["FactOutcome", "device_events_apply", "fact_record"]
