"""A sweep running when its worker is told to stop (Celery's ``worker_shutting_down``: honcho's
SIGTERM on ``make run``'s Ctrl-C, ``systemctl stop``) ends at its next safe point — between
two of its transactions, never inside one — and what it did not reach fires in the next sweep,
once: each rung fires once across the stop, never twice, never lost."""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from celery.signals import worker_shutting_down

from backend.common import clock
from backend.dispatch import sms, tasks
from backend.dispatch.models import Assignment, EscalationStep, IncidentEscalationStep, SmsMessage
from backend.dispatch.services import escalation, escalation_sweep, incident_dispatch, outbox
from backend.ledger.models import AuditEntry
from backend.ops.models import Heartbeat
from backend.ops.shutdown import stop_forget, stop_requested
from tests import factories

T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def sweep(seconds: float, **kw: Any) -> escalation.SweepReport:
    with clock.frozen(at(seconds)):
        return escalation_sweep(stop=stop_requested, **kw)


def worker_told_to_stop() -> None:
    """What Celery's signal handler sends from the worker's main process on SIGTERM."""
    worker_shutting_down.send(sender="celery@kuzet", sig="SIGTERM", how="Warm", exitcode=0)


@pytest.fixture(autouse=True)
def a_worker_not_stopping() -> Iterator[None]:
    # Each test's worker starts as a new process does: not stopping.
    stop_forget()
    yield
    stop_forget()


def told_to_stop_inside(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """The worker is told to stop while the sweep is inside ``escalation.<name>``, the first
    query of a transaction (the claim), the first time it runs."""
    real = getattr(escalation, name)
    claims = 0

    def claim_then_stop(*args: Any, **kwargs: Any) -> Any:
        nonlocal claims
        rows = real(*args, **kwargs)
        claims += 1
        if claims == 1:
            worker_told_to_stop()
        return rows

    monkeypatch.setattr(escalation, name, claim_then_stop)


def due_assignments(personas: Any, count: int) -> list[Assignment]:
    """``count`` assignments dispatched at T0 whose first rung (not delivered: 30 s) is due."""
    made = []
    for i in range(count):
        unit = factories.unit(callsign=f"A-S{i}", district=personas.a.district)
        with clock.frozen(T0):
            incident = factories.incident(
                district=personas.a.district, settlement=personas.a.town, received_at=T0
            )
            made.append(incident_dispatch(incident=incident, unit=unit, by=personas.duty))
    return made


def fired_once() -> Counter[tuple[int, str]]:
    return Counter(EscalationStep.objects.values_list("assignment_id", "step"))


def test_a_sweep_told_to_stop_during_a_batch_commits_it_and_the_next_sweep_fires_the_rest_once(
    personas: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: seven assignments due, swept in batches of three, and the worker is told to stop
    # while the first batch's transaction is open
    assignments = due_assignments(personas, 7)
    told_to_stop_inside(monkeypatch, "_claim")

    # when
    report = sweep(31, batch_size=3)

    # then: the first batch is whole (rungs, audit, due times moved on); nothing after it
    assert (report.stopped, report.batches, dict(report.fired)) == (
        True,
        1,
        {"sms_undelivered": 3},
    )
    swept = {aid for aid, _ in fired_once()}
    assert len(swept) == 3
    assert AuditEntry.objects.filter(action="escalation.sms_undelivered").count() == 3
    left = [a.pk for a in assignments if a.pk not in swept]
    moved_on = Assignment.objects.filter(pk__in=swept).values_list(
        "escalation_level", "next_escalation_at"
    )
    assert all(level == 1 and next_at and next_at > at(31) for level, next_at in moved_on)
    # what it did not reach is left as a sweep out of budget leaves it: still due, unfired
    assert set(
        Assignment.objects.filter(pk__in=left).values_list("escalation_level", "next_escalation_at")
    ) == {(0, at(30))}

    # when: the next sweep (beat's next tick, on the next worker)
    stop_forget()
    rest = sweep(32, batch_size=3)
    after = sweep(33, batch_size=3)

    # then: the four left fire, and every rung has fired exactly once
    assert (rest.stopped, dict(rest.fired)) == (False, {"sms_undelivered": 4})
    assert after.fired_total == 0
    assert fired_once() == {(a.pk, "sms_undelivered"): 1 for a in assignments}
    assert AuditEntry.objects.filter(action="escalation.sms_undelivered").count() == 7


def test_a_sweep_told_to_stop_during_the_waiting_calls_leaves_the_assignments_to_the_next(
    personas: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: a P1 call nobody was sent to (due at 2 min), an assignment past its first
    # rung, and the worker told to stop while the waiting calls' transaction is open
    with clock.frozen(T0):
        waiting = factories.incident(
            district=personas.a.district,
            settlement=personas.a.village,
            category="robbery",
            priority="P1",
            received_at=T0,
        )
    (assignment,) = due_assignments(personas, 1)
    told_to_stop_inside(monkeypatch, "_claim_waiting")

    # when
    report = sweep(121)

    # then: the call's alert is committed whole; the assignments' batches never began
    assert (report.stopped, report.batches, dict(report.fired)) == (
        True,
        0,
        {"waiting_overdue": 1},
    )
    assert list(IncidentEscalationStep.objects.values_list("incident_id", "step")) == [
        (waiting.pk, "waiting_overdue")
    ]
    assert AuditEntry.objects.filter(action="incident.waiting_overdue").count() == 1
    assert fired_once() == {}

    # when: the next sweep
    stop_forget()
    rest = sweep(122)
    sweep(123)

    # then: the assignment's rung fires, once; the call is not alerted a second time
    assert dict(rest.fired) == {"sms_undelivered": 1}
    assert fired_once() == {(assignment.pk, "sms_undelivered"): 1}
    assert IncidentEscalationStep.objects.count() == 1
    assert AuditEntry.objects.filter(action="incident.waiting_overdue").count() == 1


def test_the_sweep_task_of_a_stopping_worker_leaves_the_outbox_to_the_next_sweep(
    personas: Any,
    monkeypatch: pytest.MonkeyPatch,
    sms_outbox: list[sms.OutgoingSms],
    caplog: pytest.LogCaptureFixture,
) -> None:
    # given: A-PC1 (two officers with phones, no app) dispatched at T0; its "not delivered"
    # rung is due and will text both phones; the worker is told to stop during the batch
    with clock.frozen(T0):
        incident = factories.incident(
            district=personas.a.district, settlement=personas.a.town, received_at=T0
        )
        assignment = incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)
    SmsMessage.objects.all().delete()  # the dispatch's own texts: not this test's
    told_to_stop_inside(monkeypatch, "_claim")

    # when: beat's sweep runs on the stopping worker
    with clock.frozen(at(31)), caplog.at_level(logging.INFO, logger="backend.dispatch.tasks"):
        result = tasks.escalation_sweep()

    # then: the rung fired and its texts wait in the outbox, none sent, none half-claimed
    assert result == {"claimed": 1, "fired": 1, "sms_sent": 0}
    assert fired_once() == {(assignment.pk, "sms_undelivered"): 1}
    assert sorted(SmsMessage.objects.values_list("state", flat=True)) == ["queued", "queued"]
    assert sms_outbox == []
    assert "escalation sweep ended early, the worker is stopping: fired 1" in caplog.text
    assert Heartbeat.objects.filter(name="escalation_sweep").exists()  # it did run

    # when: the next worker's sweep
    stop_forget()
    with clock.frozen(at(32)):
        again = tasks.escalation_sweep()

    # then: the texts go out once; the rung does not fire again
    assert again == {"claimed": 0, "fired": 0, "sms_sent": 2}
    assert sorted(m.phone for m in sms_outbox) == ["+7701000101", "+7701000102"]
    assert fired_once() == {(assignment.pk, "sms_undelivered"): 1}


def test_the_outbox_of_a_stopping_worker_stops_between_two_messages(
    db: None, sms_outbox: list[sms.OutgoingSms]
) -> None:
    # given: three texts queued, and the worker told to stop while the first is being sent
    with clock.frozen(T0):
        for i in range(3):
            outbox.sms_queue(
                [outbox.sms_build(phone=f"+770100020{i}", body="test", purpose="test", now=T0)]
            )

    class StoppedWhileSending(sms.MemoryBackend):
        def send(self, message: sms.OutgoingSms) -> str:
            worker_told_to_stop()
            return super().send(message)

    # when
    sent = outbox.sms_send_pending(backend=StoppedWhileSending(), stop=stop_requested)

    # then: the one being sent is recorded sent; the others stay queued, none "sending"
    assert sent == 1
    assert sorted(SmsMessage.objects.values_list("state", flat=True)) == [
        "queued",
        "queued",
        "sent",
    ]

    # when: the next run
    stop_forget()
    rest = outbox.sms_send_pending(stop=stop_requested)

    # then: each text was sent once
    assert rest == 2
    assert sorted(m.phone for m in sms_outbox) == ["+7701000200", "+7701000201", "+7701000202"]
