"""The rung of a call nobody was sent to (``waiting_overdue``) with a REAL Celery worker and
beat on PostgreSQL and Redis: each call still waiting past its window is alerted exactly once
— one step row, one board alert, one audit entry — whatever was restarted or run twice."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter

import pytest

from backend.common import clock
from backend.dispatch.models import EscalationPolicy, Incident, IncidentEscalationStep
from backend.ledger import uow
from backend.ledger.models import AuditEntry
from backend.ops.heartbeat import ESCALATION_SWEEP
from backend.ops.models import Heartbeat
from backend.realtime.models import BoardAlert
from tests import factories

from .conftest import SWEEP_SECONDS, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow, pytest.mark.timeout(240)]

KIND = "incident.waiting_overdue"


def waiting_calls(personas, n: int, *, waited: dt.timedelta) -> list[int]:
    """``n`` P1 calls in Ayagoz's town nobody was sent to, received ``waited`` ago."""
    received = clock.now() - waited
    incidents = Incident.objects.bulk_create(
        Incident(number=f"E2E-W{i:05d}", channel="phone_102", category="robbery", priority="P1",
                 status="queued", district=personas.a.district, settlement=personas.a.town,
                 summary="waiting", received_at=received, created_at=received)
        for i in range(n)
    )  # fmt: skip
    return [i.pk for i in incidents]


def alerted() -> int:
    return IncidentEscalationStep.objects.count()


def assert_every_call_alerted_exactly_once(ids: list[int]) -> None:
    once = dict.fromkeys(ids, 1)
    assert Counter(IncidentEscalationStep.objects.values_list("incident_id", flat=True)) == once
    assert Counter(BoardAlert.objects.filter(kind=KIND).values_list("incident_id", flat=True)) == (
        once
    )
    audits = AuditEntry.objects.filter(action=KIND, actor_kind="system")
    assert Counter(int(i) for i in audits.values_list("object_id", flat=True)) == once
    assert uow.verify_chain() == []


def test_a_call_nobody_was_sent_to_is_alerted_once_within_its_window_plus_one_sweep(
    personas, celery
):
    # given: a running worker and beat; Ayagoz gives a P1 call in town 3 s
    worker = celery.worker()
    celery.beat()
    celery.wait_until_sweeping(worker)
    EscalationPolicy.objects.create(
        district=personas.a.district, priority="P1", zone="urban", ack_within_s=3
    )

    # when: a call comes in and nobody is sent
    call = factories.incident(
        district=personas.a.district, settlement=personas.a.town, priority="P1"
    )
    wait_for(alerted, timeout=60, what="the waiting call's alert")

    # then: due 3 s after the call, fired within one sweep interval + 2 s
    step = IncidentEscalationStep.objects.get()
    assert (step.incident_id, step.due_at) == (call.pk, call.received_at + dt.timedelta(seconds=3))
    assert step.fired_at - step.due_at <= dt.timedelta(seconds=SWEEP_SECONDS + 2)
    assert BoardAlert.objects.get(kind=KIND).chief is True

    # when: the worker dies and another one sweeps
    worker.kill()
    Heartbeat.objects.filter(name=ESCALATION_SWEEP).delete()
    celery.wait_until_sweeping(celery.worker("w2"))
    time.sleep(2 * SWEEP_SECONDS)

    # then: nothing more
    assert_every_call_alerted_exactly_once([call.pk])


def test_two_beats_and_two_workers_alert_each_waiting_call_once(personas, celery):
    # given: calls left waiting for ten minutes (P1: a 2-minute window), two schedulers
    # (duplicate sweeps every interval) and two workers
    ids = waiting_calls(personas, 300, waited=dt.timedelta(minutes=10))

    # when
    celery.worker("w1")
    celery.worker("w2")
    celery.beat("beat1")
    celery.beat("beat2")
    wait_for(lambda: alerted() == len(ids), timeout=120, what="every waiting call's alert")
    time.sleep(2 * SWEEP_SECONDS)  # more duplicate sweeps on nothing left to do

    # then
    assert_every_call_alerted_exactly_once(ids)
