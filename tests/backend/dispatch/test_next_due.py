"""``escalation.next_due``: when the sweep next has something to fire — the assignments'
next rung, the wait of a call nobody was sent to, a crew silent on scene — read for a caller
that sweeps when work comes due rather than every few seconds (the history builder). A sweep
a second before it fires nothing; a sweep at it fires."""

from __future__ import annotations

import datetime as dt

import pytest

from backend.common import clock
from backend.dispatch.lifecycle import AssignmentStatus, EventKind
from backend.dispatch.models import Assignment, Incident, SafetyCheck
from backend.dispatch.services import (
    assignment_record_on_behalf,
    escalation,
    escalation_sweep,
    incident_dispatch,
    safety_check_record,
)
from backend.dispatch.services.escalation import SweepReport
from tests import factories

T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
SECOND = dt.timedelta(seconds=1)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def due(seconds: float) -> dt.datetime | None:
    return escalation.next_due(at(seconds))


def sweep(moment: dt.datetime) -> SweepReport:
    with clock.frozen(moment):
        return escalation_sweep()


def call(personas, *, settlement=None, priority: str = "P1") -> Incident:
    with clock.frozen(T0):
        return factories.incident(
            district=personas.a.district,
            settlement=settlement or personas.a.village,
            category="robbery",
            priority=priority,
            received_at=T0,
        )


def on_behalf(assignment: Assignment, kind: str, seconds: float, personas, **kw) -> None:
    with clock.frozen(at(seconds)):
        assignment_record_on_behalf(
            assignment=assignment, by=personas.duty, kind=kind, channel="radio", **kw
        )


def test_nothing_pending_is_none(personas):
    # given: a call closed long ago is no work; nor is a P3 nobody was sent to (not alerted)
    call(personas, priority="P3")

    # then
    assert due(0) is None
    assert due(3600) is None


def test_a_dispatch_is_due_at_its_first_rung_and_then_at_the_next(personas):
    # given: a P1 in the town dispatched at T0 to A-PC1 (delivered within 30 s, acknowledged
    # within 2 min), nobody's phone answers
    personas.device(personas.a.patrol_officers[0])
    incident = call(personas, settlement=personas.a.town)
    with clock.frozen(T0):
        incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)

    # when / then: the undelivered rung at 30 s: a second before, nothing; at it, it fires
    first = due(1)
    assert first == at(30)
    assert sweep(first - SECOND).fired_total == 0
    assert dict(sweep(first).fired) == {"sms_undelivered": 1}
    # then: the acknowledgement rung next
    second = due(30)
    assert second == at(120)
    assert sweep(second - SECOND).fired_total == 0
    assert dict(sweep(second).fired) == {"ack_overdue": 1}


def test_a_rung_whose_milestone_the_phone_met_is_not_due(personas):
    # given: the P1 in the town dispatched at T0; its phone's delivery and acknowledgement
    # came at 10 s (facts from a phone leave the ladder's fields as dispatch wrote them)
    incident = call(personas, settlement=personas.a.town)
    with clock.frozen(T0):
        sent = incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)
    Assignment.objects.filter(pk=sent.pk).update(
        status=AssignmentStatus.ACKNOWLEDGED, delivered_at=at(10), acknowledged_at=at(10)
    )

    # when
    when = due(11)

    # then: not the undelivered or the acknowledgement rungs, still named by the index; the
    # arrival's (on scene within 15 min of the call)
    assert Assignment.objects.get().next_escalation_at == at(30)
    assert when == at(15 * 60)
    assert sweep(at(30)).fired_total == 0
    assert sweep(when - SECOND).fired_total == 0
    assert dict(sweep(when).fired) == {"arrival_overdue": 1}


def test_a_call_nobody_was_sent_to_is_due_when_its_dispatch_window_passes(personas):
    # given: a P1 robbery in a remote village (dispatch within 2 min), no unit sent
    call(personas)

    # when / then
    when = due(0)
    assert when == at(120)
    assert sweep(when - SECOND).fired_total == 0
    assert dict(sweep(when).fired) == {"waiting_overdue": 1}
    # then: alerted, that wait is no longer due
    assert due(121) is None


def test_a_call_sent_a_unit_within_its_window_is_due_at_its_assignments_rungs_only(personas):
    # given: the robbery dispatched at 1 min
    robbery = call(personas)
    with clock.frozen(at(60)):
        sent = incident_dispatch(incident=robbery, unit=personas.a.patrol, by=personas.duty)

    # then: its deliver rung at 1:30, no wait at 2 min
    assert due(61) == sent.next_escalation_at == at(90)
    sweep(at(90))
    assert due(91) == at(180)


def test_a_crew_on_scene_is_due_for_its_safety_check_after_its_interval_of_silence(personas):
    # given: A-PC1 at a P1 in the village, acknowledged, on scene at 5 min (heard by radio),
    # the ladder moved on by a sweep since
    incident = call(personas)
    with clock.frozen(T0):
        sent = incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)
    for seconds, kind in (
        (60, EventKind.ACK),
        (120, EventKind.EN_ROUTE),
        (300, EventKind.ON_SCENE),
    ):
        on_behalf(sent, kind, seconds, personas)
    sweep(at(301))

    # when / then: 20 minutes of silence from 5 min (P1)
    when = due(301)
    assert when == at(25 * 60)
    assert sweep(when - SECOND).fired_total == 0
    assert dict(sweep(when).fired) == {"unit.safety_check": 1}
    # then: checked on, that silence is no longer due; the desk's "Officer OK" at 27 min
    # starts the next interval
    assert due(25 * 60) is None
    [check] = SafetyCheck.objects.all()
    with clock.frozen(at(27 * 60)):
        safety_check_record(check_id=check.pk, by=personas.duty)
    assert due(27 * 60) == at(47 * 60)


def test_word_from_the_crew_while_its_check_is_open_is_due_at_once(personas):
    # given: A-PC1 checked on at 25 min; at 27 min its outcome comes (by radio), nobody
    # pressed "Officer OK"
    incident = call(personas)
    with clock.frozen(T0):
        sent = incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)
    for seconds, kind in ((60, EventKind.ACK), (300, EventKind.ON_SCENE)):
        on_behalf(sent, kind, seconds, personas)
    sweep(at(25 * 60))
    on_behalf(sent, EventKind.OUTCOME, 27 * 60, personas, outcome_code="resolved_on_scene")

    # when
    when = due(27 * 60 + 5)

    # then: due since the word came; the sweep then answers the check by it
    assert when == at(27 * 60)
    sweep(at(27 * 60 + 5))
    [check] = SafetyCheck.objects.all()
    assert check.checked_at == at(27 * 60)
    assert due(27 * 60 + 5) == at(47 * 60)


@pytest.mark.parametrize("seconds", [0, 119])
def test_what_is_due_is_read_the_same_whenever_it_is_asked_before(personas, seconds):
    # given: a call waiting since T0
    call(personas)

    # then: the answer is the deadline, not the moment of asking
    assert due(seconds) == at(120)
