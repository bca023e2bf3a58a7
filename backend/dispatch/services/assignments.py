"""Assignments: dispatch, cancel, reassign (supersede), record on the officer's behalf what
the unit reported by phone or radio (acknowledged, en route, on scene, cleared, outcome).

Each runs in one unit of work, locks incident → assignments → units in pk order, checks
everything before writing anything (so a refusal leaves no trace), records a server event
on the incident's timeline, audits, touches the synced records and tells the board after
commit.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from backend.common import clock
from backend.common.errors import Conflict, NotFound, ValidationFailed
from backend.ledger import uow
from backend.ledger.actions import AuditAction
from backend.ledger.names import SyncTable
from backend.people.models import Role, Unit, UnitStatus

from .. import lifecycle, policies, selectors, sms_texts
from ..access import check_command_scope, check_scope
from ..ladder import arrival_due, next_due
from ..lifecycle import ASSIGNMENT_OPEN, AssignmentStatus, EventKind, IncidentStatus
from ..models import (
    Assignment,
    DispatchSource,
    Event,
    EventSource,
    Incident,
    OutcomeCode,
    SmsMessage,
)
from . import outbox
from .facts import fact_record, outcome_article_clean
from .locks import lock_one, lock_rows
from .schedule import ladder_reschedule
from .texts import text_storable_check
from .timeline import actor_label, board_notify, server_event, unit_board_notify
from .units import unit_heard, unit_release_if_idle, unit_set_status

ACK_CHANNELS = ("phone", "radio", "in_person")


def dispatch_source_for(by: Any) -> str:
    if by is None:
        return DispatchSource.ESCALATION
    return (
        DispatchSource.CHIEF
        if getattr(by, "role", None) == Role.CHIEF
        else DispatchSource.DUTY_OFFICER
    )


def dispatch_check_incident(incident: Incident) -> None:
    """Refuse a dispatch to a call nobody can be sent to: a linked repeat, a closed call."""
    if incident.status == IncidentStatus.DUPLICATE:
        raise Conflict(
            "This report is a duplicate; dispatch to the original.",
            code="incident_duplicate",
            duplicate_of=incident.duplicate_of_id,
        )
    if not incident.is_open:
        raise Conflict("The incident is closed.", code="incident_closed")


def dispatch_check(*, incident: Incident, unit: Unit, by: Any) -> None:
    """Refuse a dispatch that cannot happen; call with both rows locked."""
    check_scope(by, incident.district_id, unit.district_id)
    dispatch_check_incident(incident)
    if not unit.active:
        raise Conflict(f"{unit.callsign} is not in service.", code="unit_inactive")
    if unit.status not in lifecycle.UNIT_DISPATCHABLE:
        raise Conflict(
            f"{unit.callsign} is {unit.status}.", code="unit_unavailable", unit_status=unit.status
        )
    if Assignment.objects.filter(incident=incident, unit=unit, status__in=ASSIGNMENT_OPEN).exists():
        raise Conflict(
            f"{unit.callsign} is already assigned to this incident.", code="already_assigned"
        )


def dispatch_locked(
    *,
    incident: Incident,
    unit: Unit,
    by: Any,
    source: str,
    now: dt.datetime,
    note: str = "",
    reassigned_from: str = "",
    diverted_from: str = "",
) -> Assignment:
    """Dispatch with the incident and unit rows already locked by the caller (and, for a
    reassignment, the callsign of the unit the call was taken from; for a unit diverted, the
    numbers of the calls it was taken off)."""
    dispatch_check(incident=incident, unit=unit, by=by)
    deadlines = policies.deadlines_for(
        district_id=incident.district_id,
        priority=incident.priority,
        zone=selectors.incident_zone(incident),
    )
    sms_reason = outbox.sms_reason_for_unit(unit=unit, incident=incident)
    taken = {
        key: value
        for key, value in (("reassigned_from", reassigned_from), ("diverted_from", diverted_from))
        if value
    }
    assignment = Assignment(
        incident=incident,
        unit=unit,
        status=AssignmentStatus.DISPATCHED,
        dispatched_at=now,
        dispatched_by=by,
        dispatch_source=source,
        deliver_due_at=now + dt.timedelta(seconds=deadlines.deliver_within_s),
        ack_due_at=now + dt.timedelta(seconds=deadlines.ack_within_s),
        arrive_due_at=arrival_due(
            received_at=incident.received_at,
            reopened_at=incident.reopened_at,
            within_s=deadlines.arrive_within_s,
        ),
    )
    assignment.next_escalation_at = next_due(assignment, fired=set(), incident_on_scene=False)
    assignment.save()
    event = server_event(
        kind=EventKind.DISPATCHED,
        incident=incident,
        assignment=assignment,
        unit=unit,
        actor=by,
        now=now,
        payload={"source": source, "note": note, "sms": sms_reason} | taken,
    )
    unit_set_status(unit, UnitStatus.DISPATCHED, now=now)
    if (status := lifecycle.incident_after_dispatch(incident.status)) != incident.status:
        incident.status = status
        incident.save(update_fields=["status"])
        uow.touch(SyncTable.INCIDENTS, incident.pk)
    uow.audit(
        AuditAction.ASSIGNMENT_DISPATCHED,
        actor=by,
        obj=assignment,
        data={
            "incident_id": incident.pk,
            "unit_id": unit.pk,
            "source": source,
            "event_id": event.pk,
            "deadlines": {
                "deliver_within_s": deadlines.deliver_within_s,
                "ack_within_s": deadlines.ack_within_s,
                "arrive_within_s": deadlines.arrive_within_s,
                "policy": deadlines.source,
            },
            "sms": sms_reason,
            "note": note,
        }
        | taken,
    )
    uow.touch(SyncTable.ASSIGNMENTS, assignment.pk)
    uow.touch(SyncTable.INCIDENTS, incident.pk)
    board_notify(
        "assignment.dispatched",
        incident=incident,
        assignment_id=assignment.pk,
        unit_id=unit.pk,
        callsign=unit.callsign,
        source=source,
        actor=actor_label(by),
        ack_due_at=clock.to_ms(assignment.ack_due_at) if assignment.ack_due_at else None,
        arrive_due_at=clock.to_ms(assignment.arrive_due_at) if assignment.arrive_due_at else None,
        sms=sms_reason,
    )
    if unit.district_id != incident.district_id:
        # Sent across the border (selectors.units_across_border): the unit's own desk and
        # chief hear where it went — their board keeps it on that call (realtime.fanout).
        settlement = incident.settlement
        unit_board_notify(
            "assignment.dispatched",
            unit=unit,
            chief=False,  # as the call's own dispatch alert: the desks', the rows the chief's
            across_border=True,
            incident_id=incident.pk,
            incident_district_id=incident.district_id,
            incident_number=incident.number,
            priority=incident.priority,
            category=incident.category,
            assignment_id=assignment.pk,
            source=source,
            actor=actor_label(by),
            settlement=settlement.name if settlement is not None else "",
            settlement_kk=settlement.name_kk if settlement is not None else "",
        )
    if sms_reason:
        outbox.sms_queue(
            outbox.sms_to_unit(
                unit_id=unit.pk,
                incident=incident,
                assignment_id=assignment.pk,
                purpose="dispatch",
                now=now,
            )
        )
    return assignment


def incident_dispatch(
    *,
    incident: Incident,
    unit: Unit,
    by: Any,
    note: str = "",
    now: dt.datetime | None = None,
    divert: bool = False,
) -> Assignment:
    """Send ``unit`` to ``incident``. Deadlines come from the escalation policy for the
    incident's district, priority and zone; the ladder starts from here.

    ``divert``: the unit may be busy on less urgent calls; it is taken off them first (they go
    back to the queue, its phones told why) — :func:`_dispatch_diverting`."""
    now = now or clock.now()
    with uow.unit_of_work():
        if divert:
            return _dispatch_diverting(incident=incident, unit=unit, by=by, note=note, now=now)
        # With its settlement (the zone decides the deadlines, the coverage the SMS), read
        # in the same statement and not locked; get() has no ORDER BY to compile.
        try:
            inc = (
                Incident.objects.select_related("settlement")
                .select_for_update(of=("self",), no_key=True)
                .get(pk=incident.pk)
            )
        except Incident.DoesNotExist:
            inc = None
        locked_unit = lock_one(Unit, unit.pk)
        if inc is None or locked_unit is None:
            raise NotFound("No such incident or unit.")
        return dispatch_locked(
            incident=inc,
            unit=locked_unit,
            by=by,
            source=dispatch_source_for(by),
            now=now,
            note=note,
        )


def _open_work(unit_id: int) -> list[tuple[int, int]]:
    """(assignment, incident) of the unit's open assignments."""
    return list(
        Assignment.objects.filter(unit_id=unit_id, status__in=ASSIGNMENT_OPEN)
        .order_by("pk")
        .values_list("pk", "incident_id")
    )


def _dispatch_diverting(
    *, incident: Incident, unit: Unit, by: Any, note: str, now: dt.datetime
) -> Assignment:
    """Take ``unit`` off its less urgent calls and send it to ``incident``, in one unit of
    work: every call it leaves is stood down with the server's reason
    (:data:`lifecycle.DIVERTED`, the number of the call it went to beside it) and goes back to
    the queue if nobody else is on it — where its dispatch deadline counts again and the
    waiting-call alert fires for it. An available unit is simply dispatched. Refused, with
    nothing written, when the unit is on a call as urgent as this one, or not on a call it
    can leave (transporting, busy, out of service, SOS)."""
    work = _open_work(unit.pk)
    incidents = lock_rows(Incident, [incident.pk, *(incident_id for _, incident_id in work)])
    assignments = lock_rows(Assignment, [pk for pk, _ in work])
    locked_unit = lock_one(Unit, unit.pk)
    inc = incidents.get(incident.pk)
    if inc is None or locked_unit is None:
        raise NotFound("No such incident or unit.")
    if _open_work(unit.pk) != work:
        # A dispatch or a milestone between the read and the locks: decide again.
        raise Conflict(
            f"{locked_unit.callsign} is changing: a dispatch or a report came in while it was "
            "being diverted; try again.",
            code="unit_changed",
        )
    leaving: list[tuple[Incident, Assignment]] = []
    if locked_unit.status not in lifecycle.UNIT_DISPATCHABLE and work:
        leaving = _leaving_for(inc, locked_unit, by, work, incidents, assignments)
    for other, a in leaving:
        _stand_down_locked(
            incident=other,
            assignment=a,
            unit=locked_unit,
            by=by,
            reason=lifecycle.DIVERTED,
            now=now,
            diverted_to=inc.number,
        )
    return dispatch_locked(
        incident=inc,
        unit=locked_unit,
        by=by,
        source=dispatch_source_for(by),
        now=now,
        note=note,
        diverted_from=", ".join(other.number for other, _a in leaving),
    )


def _leaving_for(
    inc: Incident,
    unit: Unit,
    by: Any,
    work: list[tuple[int, int]],
    incidents: dict[int, Incident],
    assignments: dict[int, Assignment],
) -> list[tuple[Incident, Assignment]]:
    """The calls (with their assignments) a busy unit would leave for ``inc``; refused, before
    anything is written, when it may not leave them."""
    check_scope(by, inc.district_id, unit.district_id)
    if unit.status not in lifecycle.UNIT_DIVERTIBLE:
        raise Conflict(
            f"{unit.callsign} is {unit.status}.",
            code="unit_unavailable",
            unit_status=unit.status,
        )
    if any(incident_id == inc.pk for _, incident_id in work):
        raise Conflict(
            f"{unit.callsign} is already assigned to this incident.", code="already_assigned"
        )
    dispatch_check_incident(inc)
    leaving = [(incidents[incident_id], assignments[pk]) for pk, incident_id in work]
    for other, _a in leaving:
        # Taking the unit off a call stands that call down: its desk's command. A district
        # desk's own unit lent to another district's call is not diverted off it by that desk.
        check_command_scope(by, other)
        if not lifecycle.more_urgent(inc.priority, other.priority):
            raise Conflict(
                f"{unit.callsign} is on {other.number} ({other.priority}), as urgent as this call.",
                code="not_more_urgent",
                incident_id=other.pk,
                incident_number=other.number,
                priority=other.priority,
            )
    return leaving


def _lock_open(assignment: Assignment, by: Any) -> tuple[Incident, Assignment]:
    inc = lock_one(Incident, assignment.incident_id)
    locked = lock_one(Assignment, assignment.pk)
    if inc is None or locked is None:
        raise NotFound("No such assignment.")
    check_scope(by, inc.district_id)
    locked.incident = inc
    if not locked.is_open:
        raise Conflict(
            f"The assignment is {locked.status}.", code="assignment_closed", status=locked.status
        )
    return inc, locked


def _sms_cancel_if_texted(assignment: Assignment, incident: Incident, now: dt.datetime) -> None:
    """A unit told by SMS is told by SMS that it is no longer needed."""
    texted = (
        SmsMessage.objects.filter(assignment=assignment, direction=SmsMessage.Direction.OUT)
        .exclude(purpose="cancel")
        .values_list("officer_id", "phone", "officer__language")
        .distinct()
    )
    # Each officer reads it in their own language (sms_texts.DEFAULT_LANGUAGE without one).
    outbox.sms_queue(
        [
            outbox.sms_build(
                phone=phone,
                body=sms_texts.cancel_text(
                    incident=incident, language=language or sms_texts.DEFAULT_LANGUAGE
                ),
                purpose="cancel",
                now=now,
                officer_id=officer_id,
                assignment_id=assignment.pk,
            )
            for officer_id, phone, language in texted
        ]
    )


def _incident_requeue_if_unstaffed(incident: Incident) -> None:
    status = lifecycle.incident_after_unstaffed(incident.status)
    if status == incident.status:
        return
    if Assignment.objects.filter(incident=incident, status__in=ASSIGNMENT_OPEN).exists():
        return
    incident.status = status
    incident.save(update_fields=["status"])
    uow.touch(SyncTable.INCIDENTS, incident.pk)


def _stand_down_locked(
    *,
    incident: Incident,
    assignment: Assignment,
    unit: Unit,
    by: Any,
    reason: str,
    now: dt.datetime,
    diverted_to: str = "",
) -> None:
    """Cancel an open assignment, its incident, assignment and unit locked by the caller: the
    unit is released if idle, the incident goes back to the queue if nobody else is on it,
    the phones that were texted are texted again. ``diverted_to``: the number of the more
    urgent call the unit was sent to instead."""
    a = assignment
    a.status = AssignmentStatus.CANCELLED
    a.cancelled_at = a.closed_at = now
    a.cancelled_by = by
    a.cancel_reason = (reason or "").strip()[:200]
    a.next_escalation_at = None
    a.save(
        update_fields=[
            "status",
            "cancelled_at",
            "closed_at",
            "cancelled_by",
            "cancel_reason",
            "next_escalation_at",
        ]
    )
    diverted = {"diverted_to": diverted_to} if diverted_to else {}
    event = server_event(
        kind=EventKind.CANCELLED,
        incident=incident,
        assignment=a,
        unit=unit,
        actor=by,
        now=now,
        payload={"reason": a.cancel_reason} | diverted,
    )
    unit_release_if_idle(unit, now=now)
    _incident_requeue_if_unstaffed(incident)
    uow.audit(
        AuditAction.ASSIGNMENT_CANCELLED,
        actor=by,
        obj=a,
        data={"reason": a.cancel_reason, "unit_id": unit.pk, "event_id": event.pk} | diverted,
    )
    uow.touch(SyncTable.ASSIGNMENTS, a.pk)
    board_notify(
        "assignment.cancelled",
        incident=incident,
        assignment_id=a.pk,
        unit_id=unit.pk,
        callsign=unit.callsign,
        actor=actor_label(by),
        reason=a.cancel_reason,
    )
    _sms_cancel_if_texted(a, incident, now)


def assignment_cancel(
    *, assignment: Assignment, by: Any, reason: str = "", now: dt.datetime | None = None
) -> Assignment:
    """Stand a unit down. The incident goes back to the queue if nobody else is on it."""
    now = now or clock.now()
    with uow.unit_of_work():
        inc, a = _lock_open(assignment, by)
        unit = lock_one(Unit, a.unit_id)
        assert unit is not None  # PROTECT keeps it
        _stand_down_locked(incident=inc, assignment=a, unit=unit, by=by, reason=reason, now=now)
    return a


def assignment_reassign(
    *, assignment: Assignment, unit: Unit, by: Any, now: dt.datetime | None = None
) -> Assignment:
    """Hand an assignment to another unit: the old one is superseded by a new assignment.

    The sync resolver moves the records out of the old unit's devices and into the new
    unit's (both assignments are touched).
    """
    now = now or clock.now()
    with uow.unit_of_work():
        inc, old = _lock_open(assignment, by)
        if unit.pk == old.unit_id:
            raise Conflict("The assignment is already with this unit.", code="same_unit")
        units = lock_rows(Unit, [old.unit_id, unit.pk])
        old_unit, new_unit = units[old.unit_id], units.get(unit.pk)
        if new_unit is None:
            raise NotFound("No such unit.")
        new = dispatch_locked(
            incident=inc,
            unit=new_unit,
            by=by,
            source=dispatch_source_for(by),
            now=now,
            reassigned_from=old_unit.callsign,
        )
        old.status = AssignmentStatus.SUPERSEDED
        old.superseded_at = old.closed_at = now
        old.superseded_by = new
        old.next_escalation_at = None
        old.save(
            update_fields=[
                "status",
                "superseded_at",
                "closed_at",
                "superseded_by",
                "next_escalation_at",
            ]
        )
        event = server_event(
            kind=EventKind.REASSIGNED,
            incident=inc,
            assignment=old,
            unit=old_unit,
            actor=by,
            now=now,
            payload={"to_assignment_id": new.pk, "to_unit_id": new_unit.pk},
        )
        unit_release_if_idle(old_unit, now=now)
        uow.audit(
            AuditAction.ASSIGNMENT_REASSIGNED,
            actor=by,
            obj=old,
            data={
                "from_unit_id": old_unit.pk,
                "to_unit_id": new_unit.pk,
                "new_assignment_id": new.pk,
                "event_id": event.pk,
            },
        )
        uow.touch(SyncTable.ASSIGNMENTS, old.pk, new.pk)
        board_notify(
            "assignment.reassigned",
            incident=inc,
            assignment_id=old.pk,
            new_assignment_id=new.pk,
            unit_id=old_unit.pk,
            callsign=old_unit.callsign,
            new_unit_id=new_unit.pk,
            new_callsign=new_unit.callsign,
            actor=actor_label(by),
        )
        _sms_cancel_if_texted(old, inc, now)
    return new


# What a duty officer may record on an officer's behalf, heard by phone, radio or in person:
# the milestones a unit reports (not "delivered", which only a device can say, nor
# "transporting", which the field app records) and the outcome.
ON_BEHALF_KINDS: tuple[str, ...] = (
    EventKind.ACK,
    EventKind.EN_ROUTE,
    EventKind.ON_SCENE,
    EventKind.CLEARED,
    EventKind.OUTCOME,
)
# A time a person states on the radio is rarely better than a minute, never worse than a
# shift: the stated spread is kept in seconds (DOMAIN.md: store seconds, never minutes).
MAX_UNCERTAINTY_S = 12 * 3600
# A reported time may be a few seconds "after now" when the officer's form was filled in
# with the current minute and sent at once: a minute of slack, not more.
FUTURE_SLACK = dt.timedelta(seconds=60)


def _lock_for_fact(assignment: Assignment, by: Any, kind: str) -> tuple[Incident, Assignment]:
    """The incident and the assignment, locked; a milestone needs an open assignment, an
    outcome may also follow a clearance."""
    if kind != EventKind.OUTCOME:
        return _lock_open(assignment, by)
    inc = lock_one(Incident, assignment.incident_id)
    locked = lock_one(Assignment, assignment.pk)
    if inc is None or locked is None:
        raise NotFound("No such assignment.")
    check_scope(by, inc.district_id)
    locked.incident = inc
    if locked.status in lifecycle.ASSIGNMENT_ENDED_BY_COMMAND:
        raise Conflict(
            f"The assignment is {locked.status}.", code="assignment_closed", status=locked.status
        )
    return inc, locked


def _on_behalf_check(
    *,
    assignment: Assignment,
    kind: str,
    occurred_at: dt.datetime | None,
    now: dt.datetime,
) -> None:
    """Refuse what cannot be recorded; call with the assignment locked."""
    if kind == EventKind.OUTCOME:
        return
    milestone = lifecycle.MILESTONE_BY_KIND[kind]
    if getattr(assignment, milestone.field) is not None:
        if kind == EventKind.ACK:
            raise Conflict("The assignment is already acknowledged.", code="already_acknowledged")
        raise Conflict(
            f"{assignment.unit.callsign} already has {kind.replace('_', ' ')} recorded.",
            code="already_recorded",
            kind=kind,
        )
    if occurred_at is not None and occurred_at < assignment.dispatched_at:
        raise ValidationFailed(
            "The reported time is before the unit was dispatched.",
            code="before_dispatch",
        )


def assignment_record_on_behalf(
    *,
    assignment: Assignment,
    by: Any,
    kind: str,
    channel: str,
    occurred_at: dt.datetime | None = None,
    uncertainty_s: int | None = None,
    note: str = "",
    outcome_code: str = "",
    outcome_text: str = "",
    coao_article: str = "",
    now: dt.datetime | None = None,
) -> Event:
    """A duty officer records what a unit reported by phone, radio or in person: that it
    acknowledged, set off, reached the scene, cleared, or the outcome.

    The fact goes through the same rules as a device's (:func:`facts.fact_record`, source
    ``on_behalf``, ``via`` the channel), dated ``occurred_at`` — the time as reported; now
    when not given — with the stated ``uncertainty_s`` kept in the event's payload (and as
    its estimate's spread). What the desk heard is contact with the crew, now, by the channel
    (:func:`units.unit_heard`: its own district's board does not show it unreachable
    while another district's desk records it). A time in the future or before the dispatch
    is refused; so is a milestone the assignment already has. The escalation ladder is
    rescheduled (an acknowledgment stops the ack rungs, an arrival the arrival rung). An
    outcome may name the CoAO article of its protocol (``coao_article``, the protocol's
    rule); a milestone ignores one.
    """
    if kind not in ON_BEHALF_KINDS:
        raise ValidationFailed(
            f"kind must be one of {', '.join(ON_BEHALF_KINDS)}.", code="invalid_kind"
        )
    if channel not in ACK_CHANNELS:
        raise ValidationFailed(
            f"channel must be one of {', '.join(ACK_CHANNELS)}.", code="invalid_channel"
        )
    if uncertainty_s is not None and not 0 <= uncertainty_s <= MAX_UNCERTAINTY_S:
        raise ValidationFailed(
            f"The uncertainty must be between 0 and {MAX_UNCERTAINTY_S // 60} minutes.",
            code="invalid_uncertainty",
        )
    outcome_code = (outcome_code or "").strip()
    if kind == EventKind.OUTCOME and outcome_code not in OutcomeCode.values:
        raise ValidationFailed("Choose the outcome.", code="invalid_outcome_code")
    # Only an outcome names an article (a milestone's form may still hold one typed earlier).
    coao_article = outcome_article_clean(coao_article) if kind == EventKind.OUTCOME else ""
    now = now or clock.now()
    if occurred_at is not None and occurred_at > now + FUTURE_SLACK:
        raise ValidationFailed("The reported time is in the future.", code="time_in_future")
    note = (note or "").strip()[:500]
    text_storable_check("note", note, outcome_text or "")
    payload: dict[str, Any] = {"note": note}
    if uncertainty_s is not None:
        payload["uncertainty_s"] = uncertainty_s
    if kind == EventKind.OUTCOME:
        payload.update({"code": outcome_code, "text": (outcome_text or "").strip()[:500]})
        if coao_article:
            payload["coao_article"] = coao_article
    with uow.unit_of_work():
        inc, a = _lock_for_fact(assignment, by, kind)
        _on_behalf_check(assignment=a, kind=kind, occurred_at=occurred_at, now=now)
        event = fact_record(
            kind=kind,
            assignment=a,
            source=EventSource.ON_BEHALF,
            actor=by,
            officer=None,
            via=channel,
            payload=payload,
            occurred_at=occurred_at,
            uncertainty_ms=None if uncertainty_s is None else uncertainty_s * 1000,
        )
        ladder_reschedule(assignment_id=a.pk, now=now)
        # What the desk heard from the crew is contact with it, whichever desk heard it.
        unit_heard(a.unit_id, via=channel, at=now)
        data: dict[str, Any] = {"channel": channel, "note": note, "event_id": event.pk}
        if kind == EventKind.ACK:
            # The name every report of "acknowledged on behalf" reads (ledger/actions.py).
            uow.audit(AuditAction.ASSIGNMENT_ACKNOWLEDGED_ON_BEHALF, actor=by, obj=a, data=data)
            board_notify(
                "assignment.acknowledged",
                incident=inc,
                assignment_id=a.pk,
                unit_id=a.unit_id,
                source="on_behalf",
                via=channel,
                actor=actor_label(by),
            )
        else:
            data.update(
                {
                    "kind": kind,
                    "occurred_at": event.estimated_at.isoformat(),
                    "uncertainty_s": uncertainty_s,
                    "disposition": event.disposition,
                }
            )
            if kind == EventKind.OUTCOME:
                data["outcome_code"] = outcome_code
                data["coao_article"] = coao_article
            uow.audit(AuditAction.ASSIGNMENT_RECORDED_ON_BEHALF, actor=by, obj=a, data=data)
            board_notify(
                "assignment.recorded_on_behalf",
                incident=inc,
                assignment_id=a.pk,
                unit_id=a.unit_id,
                milestone=kind,
                source="on_behalf",
                via=channel,
                actor=actor_label(by),
            )
    return event


def assignment_acknowledge_on_behalf(
    *,
    assignment: Assignment,
    by: Any,
    channel: str,
    note: str = "",
    now: dt.datetime | None = None,
) -> Event:
    """A duty officer records that the unit acknowledged by phone, radio or in person, now
    (:func:`assignment_record_on_behalf` with ``kind="ack"``; the staff API's call)."""
    return assignment_record_on_behalf(
        assignment=assignment, by=by, kind=EventKind.ACK, channel=channel, note=note, now=now
    )
