"""The ladder's rung for a call nobody was sent to (``waiting_overdue``), driven by the sweep
with a frozen server clock: a call still waiting for a unit past its dispatch window — the
acknowledgement window of its priority and zone, counted from when it was received — is put
on its district's board and before its chief once, audited with actor system."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import Counter

import pytest
from django.db import connection
from django.utils import translation

from backend.common import clock
from backend.dispatch.admin.formatting import payload_text
from backend.dispatch.admin.timeline import worded
from backend.dispatch.models import EscalationPolicy, Incident, IncidentEscalationStep
from backend.dispatch.services import (
    assignment_cancel,
    escalation,
    escalation_sweep,
    incident_dispatch,
)
from backend.ledger import uow
from backend.ledger.actions import action_label
from backend.ledger.models import AuditEntry
from backend.realtime.alerts import alerts_for
from backend.realtime.board import board_labels
from backend.realtime.fanout import _alert_groups
from backend.realtime.models import BoardAlert
from tests import factories

from .conftest import sweeps_at_once

T0 = dt.datetime(2026, 3, 2, 9, 13, 22, tzinfo=dt.UTC)
KIND = "incident.waiting_overdue"


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def sweep(seconds: float, **kw):
    with clock.frozen(at(seconds)):
        return escalation_sweep(**kw)


def fired() -> list[tuple[int, str, dt.datetime, dt.datetime]]:
    return list(
        IncidentEscalationStep.objects.order_by("pk").values_list(
            "incident_id", "step", "due_at", "fired_at"
        )
    )


def waiting_alerts() -> list[BoardAlert]:
    return list(BoardAlert.objects.filter(kind=KIND).order_by("pk"))


def waiting_audits() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=KIND).order_by("id"))


def waiting_call(personas, *, priority: str = "P1", received_at: dt.datetime = T0, **kw):
    """A call in Ayagoz's remote village, received at ``received_at``, nobody sent to it."""
    with clock.frozen(received_at):
        return factories.incident(
            district=personas.a.district,
            settlement=kw.pop("settlement", personas.a.village),
            category=kw.pop("category", "robbery"),
            priority=priority,
            received_at=received_at,
            **kw,
        )


@pytest.fixture
def robbery(personas):
    """The tester's call: a P1 robbery in a remote village (acknowledge within 2 min), no unit
    free in the district, so nobody is sent."""
    return waiting_call(personas)


def test_nothing_fires_before_the_dispatch_window_has_passed(robbery):
    # when
    before = sweep(119)
    after = sweep(120)

    # then: due at 2 min, not a second earlier
    assert before.fired_total == 0
    assert dict(after.fired) == {"waiting_overdue": 1}
    assert fired() == [(robbery.pk, "waiting_overdue", at(120), at(120))]


def test_a_p1_call_still_waiting_after_two_minutes_is_put_on_its_board_and_before_its_chief(
    personas, robbery
):
    # when
    report = sweep(121)

    # then: one step, one alert of the call's district that its chief sees, one audit entry
    assert dict(report.fired) == {"waiting_overdue": 1}
    assert fired() == [(robbery.pk, "waiting_overdue", at(120), at(121))]
    (alert,) = waiting_alerts()
    assert (alert.district_id, alert.incident_id, alert.chief, alert.created_at) == (
        personas.a.district.pk,
        robbery.pk,
        True,
        at(121),
    )
    assert alert.data == {
        "incident_id": robbery.pk,
        "incident_number": robbery.number,
        "priority": "P1",
        "category": "robbery",
        "at": clock.to_ms(at(121)),
        "step": "waiting_overdue",
        "received_at": clock.to_ms(T0),
        "due_at": clock.to_ms(at(120)),
        "waited_s": 121,
    }
    (audit,) = waiting_audits()
    assert (
        audit.actor_id,
        audit.actor_kind,
        audit.object_type,
        audit.object_id,
        audit.district_id,
        json.loads(audit.data),
    ) == (
        None,
        "system",
        "incident",
        str(robbery.pk),
        personas.a.district.pk,
        {"due_at": clock.to_ms(at(120)), "late_ms": 1000, "dispatch_within_s": 120},
    )
    assert uow.verify_chain() == []


def test_the_call_page_reads_the_waiting_rung_as_a_dispatch_window(personas, robbery):
    # given: the sweep alerted the call nobody was sent to
    sweep(121)
    (audit,) = waiting_audits()

    # when: the call's timeline words the entry's data
    with translation.override("en"):
        text = payload_text(worded(json.loads(audit.data), {}))

    # then: a window to send a unit in, not one to acknowledge (nobody was sent)
    assert "Dispatch within: 2 min" in text
    assert "Acknowledge" not in text
    assert "Late by: 1 s" in text


def test_the_alert_reaches_the_chief_of_the_calls_district_only(personas, robbery):
    # when
    sweep(121)

    # then: in the chief's list and the frame's groups; not in the other district's
    (alert,) = waiting_alerts()
    assert list(alerts_for(personas.a.chief).filter(kind=KIND)) == [alert]
    assert list(alerts_for(personas.duty).filter(kind=KIND)) == [alert]
    assert list(alerts_for(personas.b.chief).filter(kind=KIND)) == []
    district = personas.a.district.pk
    assert _alert_groups({"district_id": district, "chief": alert.chief}) == [
        f"board.d.{district}",
        f"board.c.{district}",
        "board.all",
    ]


def test_a_call_alerted_once_is_not_alerted_again_by_later_sweeps(robbery):
    # given
    sweep(121)

    # when
    later = [sweep(s).fired_total for s in (131, 300, 3600)]

    # then
    assert later == [0, 0, 0]
    assert len(fired()) == len(waiting_alerts()) == len(waiting_audits()) == 1


def test_a_call_alerted_before_a_restart_is_not_alerted_after_it(personas, robbery):
    # given: a sweep alerted the call and committed, then the worker died; nothing of it is
    # left in any process, only its step row. Another call came in meanwhile.
    IncidentEscalationStep.objects.create(
        incident=robbery, step="waiting_overdue", due_at=at(120), fired_at=at(121)
    )
    meanwhile = waiting_call(personas, received_at=at(200))

    # when: the restarted worker's first sweep
    report = sweep(400)

    # then: only the call not alerted yet
    assert dict(report.fired) == {"waiting_overdue": 1}
    assert [a.incident_id for a in waiting_alerts()] == [meanwhile.pk]
    assert [a.object_id for a in waiting_audits()] == [str(meanwhile.pk)]


def test_a_p3_call_is_never_alerted_however_long_it_waits(personas):
    # given: an information request (P3: acknowledge within 30 min) and a theft (P2: 5 min),
    # nobody sent to either
    waiting_call(personas, priority="P3", category="information")
    theft = waiting_call(personas, priority="P2", category="theft")

    # when
    report = sweep(2 * 3600)

    # then
    assert dict(report.fired) == {"waiting_overdue": 1}
    assert fired() == [(theft.pk, "waiting_overdue", at(300), at(2 * 3600))]
    assert [a.incident_id for a in waiting_alerts()] == [theft.pk]


def test_a_call_dispatched_in_time_is_not_alerted(personas, robbery):
    # given: a unit sent 90 s after the call; a second call in the town, nobody sent
    with clock.frozen(at(90)):
        incident_dispatch(incident=robbery, unit=personas.a.inspector_unit, by=personas.duty)
    left = waiting_call(personas, settlement=personas.a.town)

    # when: past the window and long after (the assignment's own ladder runs meanwhile)
    sweep(121)
    sweep(3600)

    # then: only the call left waiting
    assert fired() == [(left.pk, "waiting_overdue", at(120), at(121))]
    assert [a.incident_id for a in waiting_alerts()] == [left.pk]
    assert [a.object_id for a in waiting_audits()] == [str(left.pk)]


def test_once_the_alerted_call_is_dispatched_nothing_more_fires_for_its_wait(personas, robbery):
    # given
    sweep(121)
    with clock.frozen(at(200)):
        incident_dispatch(incident=robbery, unit=personas.a.inspector_unit, by=personas.duty)

    # when
    report = sweep(201)

    # then: its assignment's ladder is its own; the call's rung fired once
    assert report.fired["waiting_overdue"] == 0
    assert len(fired()) == len(waiting_alerts()) == len(waiting_audits()) == 1


def test_a_call_back_in_the_queue_after_its_unit_was_stood_down_is_alerted(personas, robbery):
    # given: a unit sent in time, stood down later; the call waits again, since its receipt
    with clock.frozen(at(60)):
        sent = incident_dispatch(incident=robbery, unit=personas.a.inspector_unit, by=personas.duty)
    with clock.frozen(at(300)):
        assignment_cancel(assignment=sent, by=personas.duty, reason="the caller rang back")
    assert Incident.objects.get(pk=robbery.pk).status == "queued"

    # when
    report = sweep(301)

    # then
    assert dict(report.fired) == {"waiting_overdue": 1}
    assert fired() == [(robbery.pk, "waiting_overdue", at(120), at(301))]


def test_an_alerted_call_put_back_in_the_queue_is_alerted_again_for_its_new_wait(personas, robbery):
    # given: alerted at 2 min, a unit sent at 200 s and stood down at 300 s; the call waits
    # for a unit again, and nobody has been told since the alert before the dispatch
    sweep(121)
    with clock.frozen(at(200)):
        sent = incident_dispatch(incident=robbery, unit=personas.a.inspector_unit, by=personas.duty)
    with clock.frozen(at(300)):
        assignment_cancel(assignment=sent, by=personas.duty, reason="sent to a P0 call")
    assert Incident.objects.get(pk=robbery.pk).status == "queued"

    # when: within the new wait's window, then past it, then again later
    within = sweep(301)
    past = sweep(421)
    later = sweep(900)

    # then: the new wait is counted from the stand-down and alerted once
    assert (within.fired["waiting_overdue"], past.fired["waiting_overdue"]) == (0, 1)
    assert later.fired["waiting_overdue"] == 0
    assert fired() == [
        (robbery.pk, "waiting_overdue", at(120), at(121)),
        (robbery.pk, "waiting_overdue", at(420), at(421)),
    ]
    assert len(waiting_alerts()) == len(waiting_audits()) == 2
    assert waiting_alerts()[-1].data["waited_s"] == 421  # the caller has waited since the call


def test_the_window_is_the_districts_acknowledgement_deadline_for_the_priority_and_zone(
    personas, robbery
):
    # given: Ayagoz gives a P1 call in a remote village five minutes to be acknowledged
    EscalationPolicy.objects.create(
        district=personas.a.district, priority="P1", zone="remote", ack_within_s=300
    )
    other_zone = waiting_call(personas, settlement=None, landmark="зимовка Кара-Су")

    # when
    early = sweep(121)
    late = sweep(301)

    # then: the call without a settlement counts as rural (the default's 2 min)
    assert dict(early.fired) == {"waiting_overdue": 1}
    assert dict(late.fired) == {"waiting_overdue": 1}
    assert fired() == [
        (other_zone.pk, "waiting_overdue", at(120), at(121)),
        (robbery.pk, "waiting_overdue", at(300), at(301)),
    ]


def test_a_call_received_more_than_a_day_ago_is_not_swept(personas, robbery):
    # given: a call left waiting since the day before (the desk's list of waiting calls has
    # it); the sweep's query reaches back a day only
    waiting_call(personas, received_at=at(-25 * 3600))

    # when
    report = sweep(121)

    # then: today's call only
    assert (report.waiting, dict(report.fired)) == (1, {"waiting_overdue": 1})
    assert fired() == [(robbery.pk, "waiting_overdue", at(120), at(121))]


def test_the_claim_costs_the_same_queries_for_one_call_or_many(personas):
    # given: calls of both districts received 200 s before each sweep (P0: 60 s window)
    statements: list[str] = []

    def counted(execute, sql, params, many, context):
        if not sql.startswith(("SAVEPOINT", "RELEASE SAVEPOINT")):
            statements.append(sql)
        return execute(sql, params, many, context)

    def queries(calls: int, seconds: float) -> int:
        for i in range(calls):
            district = personas.a if i % 2 == 0 else personas.b
            with clock.frozen(at(seconds - 200)):
                factories.incident(
                    district=district.district,
                    settlement=district.village,
                    priority="P0",
                    received_at=at(seconds - 200),
                )
        statements.clear()
        with clock.frozen(at(seconds)), connection.execute_wrapper(counted):
            escalation_sweep()
        return len(statements)

    # when
    nothing, one, five = queries(0, 1000), queries(1, 2000), queries(5, 3000)

    # then: the waiting calls' claim, the officer-safety checks the crews' word answered, the
    # units on scene (officer-safety checks) and the assignments' claim when nothing waits;
    # the same statements for one call overdue as for five
    assert nothing == 4
    assert one == five
    assert len(waiting_alerts()) == 6


def test_the_sweep_task_logs_the_rung_by_its_code(robbery, caplog):
    # given
    from backend.dispatch import tasks

    # when
    with caplog.at_level(logging.DEBUG, logger="backend.dispatch.tasks"), clock.frozen(at(121)):
        tasks.escalation_sweep()

    # then
    [line] = [r.getMessage() for r in caplog.records if "escalation sweep" in r.getMessage()]
    assert line == ("escalation sweep: claimed 0, fired waiting_overdue 1, deferred 0, sms 0")


def test_the_alert_and_the_audit_entry_read_in_words():
    assert board_labels()["alert"][KIND] == "Waiting for a unit"
    assert action_label(KIND) == "Escalation: still waiting for a unit"


def test_a_call_a_concurrent_sweep_alerted_after_the_claim_is_not_alerted_again(
    robbery, monkeypatch
):
    # given: another sweep alerted the call and committed after this one's claim began, so
    # the claim's snapshot does not show it
    IncidentEscalationStep.objects.create(
        incident=robbery, step="waiting_overdue", due_at=at(120), fired_at=at(121)
    )
    claim = escalation._claim_waiting

    def claim_with_an_old_snapshot(now, batch_size):
        alerted = IncidentEscalationStep.objects.all()
        rows = list(alerted.values_list("pk", flat=True))
        alerted.update(step="gone")  # hidden from the claim, as from an older snapshot
        try:
            return claim(now, batch_size)
        finally:
            IncidentEscalationStep.objects.filter(pk__in=rows).update(step="waiting_overdue")

    monkeypatch.setattr(escalation, "_claim_waiting", claim_with_an_old_snapshot)

    # when
    report = sweep(130)

    # then: claimed, but its step row was there at the insert: nothing fires twice
    assert (report.waiting, report.fired_total) == (1, 0)
    assert (waiting_alerts(), waiting_audits()) == ([], [])
    assert len(fired()) == 1


@pytest.mark.postgres
def test_concurrent_sweeps_alert_every_waiting_call_exactly_once(transactional_db, personas):
    # given: 40 calls nobody was sent to, all past their window
    calls = [waiting_call(personas, summary=f"call {i}").pk for i in range(40)]
    # when: four sweeps at once, the clock frozen once for all threads
    sweeps_at_once(at(600))

    # then
    assert Counter(i for i, *_ in fired()) == dict.fromkeys(calls, 1)
    assert Counter(a.incident_id for a in waiting_alerts()) == dict.fromkeys(calls, 1)
    assert Counter(int(a.object_id) for a in waiting_audits()) == dict.fromkeys(calls, 1)
    assert uow.verify_chain() == []
