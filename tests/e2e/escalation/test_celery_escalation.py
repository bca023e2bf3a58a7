"""The escalation ladder with a REAL Celery worker and beat on PostgreSQL and Redis.

Each test ends with every due rung done exactly once — one step row, one audit entry, one
outbox SMS per assignment — whatever was killed, restarted or run twice on the way.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections import Counter

import pytest
from django.db import connection

from backend.common import clock
from backend.dispatch.models import (
    Assignment,
    EscalationPolicy,
    EscalationStep,
    Incident,
    SmsMessage,
)
from backend.dispatch.services import incident_dispatch
from backend.ledger import uow
from backend.ledger.models import AuditEntry
from backend.people.models import Unit
from tests import factories

from .conftest import SWEEP_SECONDS, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow, pytest.mark.timeout(240)]


def due_assignments(personas, n: int) -> list[int]:
    """``n`` open assignments whose "not delivered" rung is due now (only that rung: the
    acknowledgment deadline is an hour away), for a unit with one phone."""
    unit = factories.unit(callsign="A-BULK", district=personas.a.district, lat=47.97, lon=80.44)
    factories.officer(
        username="bulk_crew", district=personas.a.district, unit=unit, phone="+77020000001"
    )
    now = clock.now()
    incidents = Incident.objects.bulk_create(
        Incident(number=f"E2E-{i:06d}", channel="phone_102", category="theft", priority="P2",
                 district=personas.a.district, settlement=personas.a.town, summary="bulk",
                 received_at=now, created_at=now)
        for i in range(n)
    )  # fmt: skip
    assignments = Assignment.objects.bulk_create(
        Assignment(incident=incident, unit=unit, status="dispatched", dispatched_at=now,
                   dispatch_source="duty_officer", deliver_due_at=now,
                   ack_due_at=now + dt.timedelta(hours=1), next_escalation_at=now)
        for incident in incidents
    )  # fmt: skip
    return [a.pk for a in assignments]


def fired(step: str = "sms_undelivered") -> int:
    return EscalationStep.objects.filter(step=step).count()


def assert_every_rung_done_exactly_once(ids: list[int], step: str = "sms_undelivered") -> None:
    assert Counter(
        EscalationStep.objects.filter(step=step).values_list("assignment_id", flat=True)
    ) == (dict.fromkeys(ids, 1))
    audits = Counter(
        AuditEntry.objects.filter(action=f"escalation.{step}").values_list("object_id", flat=True)
    )
    assert audits == {str(i): 1 for i in ids}
    outbox = Counter(
        SmsMessage.objects.filter(purpose="escalation_undelivered").values_list(
            "assignment_id", flat=True
        )
    )
    assert outbox == dict.fromkeys(ids, 1)
    assert uow.verify_chain() == []


def in_flight_transactions() -> int:
    """Other sessions on the test database inside a transaction right now (the sweep's)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND xact_start IS NOT NULL"
        )
        return int(cursor.fetchone()[0])


def test_an_unacknowledged_assignment_escalates_within_deadline_plus_one_sweep(personas, celery):
    # given: a running worker and beat, and a district policy with short deadlines
    worker = celery.worker()
    celery.beat()
    celery.wait_until_sweeping(worker)
    EscalationPolicy.objects.create(
        district=personas.a.district,
        priority="P1",
        zone="urban",
        deliver_within_s=2,
        ack_within_s=4,
        arrive_within_s=None,
    )
    personas.device(personas.a.patrol_officers[0])  # the app is there: no SMS at dispatch
    incident = factories.incident(
        district=personas.a.district, settlement=personas.a.town, priority="P1"
    )

    # when: nobody receives or acknowledges it
    assignment = incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)
    wait_for(lambda: fired("ack_overdue_twice"), timeout=60, what="the third rung")

    # then: each rung within its deadline + one sweep interval + 2 s, once
    steps = {s.step: s for s in EscalationStep.objects.filter(assignment=assignment)}
    assert {name: s.due_at - assignment.dispatched_at for name, s in steps.items()} == {
        "sms_undelivered": dt.timedelta(seconds=2),
        "ack_overdue": dt.timedelta(seconds=4),
        "ack_overdue_twice": dt.timedelta(seconds=8),
    }
    bound = dt.timedelta(seconds=SWEEP_SECONDS + 2)
    assert {name: s.fired_at - s.due_at <= bound for name, s in steps.items()} == {
        "sms_undelivered": True,
        "ack_overdue": True,
        "ack_overdue_twice": True,
    }
    assert AuditEntry.objects.filter(action__startswith="escalation.").count() == 3
    # the worker also sent the texts: two phones, two rungs, one file each
    wait_for(
        lambda: len(list(celery.sms_dir.glob("sms-*.json"))) == 4, timeout=30, what="four SMS files"
    )
    bodies = sorted(json.loads(f.read_text())["body"][:20] for f in celery.sms_dir.glob("*.json"))
    assert (
        bodies
        == [f"KUZET {incident.number}"[:20]] * 2 + [f"KUZET NAPOMINANIE {incident.number}"[:20]] * 2
    )
    assert list(SmsMessage.objects.values_list("state", "attempts").distinct()) == [("sent", 1)]


def test_killing_the_worker_mid_sweep_loses_and_doubles_nothing(personas, celery):
    # given: many rungs due at once, so that a sweep runs for a while
    ids = due_assignments(personas, 3000)
    worker = celery.worker()
    celery.beat()

    # when: SIGKILL while a sweep transaction is open and part of the work is committed
    wait_for(
        lambda: 0 < fired() < len(ids) and in_flight_transactions(),
        timeout=120,
        what="a sweep in the middle of its work",
        every=0.02,
    )
    worker.kill()
    after_kill = fired()
    time.sleep(1.5 * SWEEP_SECONDS)
    assert fired() == after_kill < len(ids)  # nothing moves while no worker runs
    celery.worker("w2")
    wait_for(lambda: fired() == len(ids), timeout=180, what="every rung after the restart")

    # then
    assert_every_rung_done_exactly_once(ids)
    assert Assignment.objects.filter(pk__in=ids, next_escalation_at__isnull=False).count() == (
        len(ids)
    )  # the acknowledgment rung is still ahead of them


def test_a_redis_restart_loses_no_escalation(personas, celery, private_redis):
    # given: worker and beat running
    worker = celery.worker()
    celery.beat()
    celery.wait_until_sweeping(worker)

    # when: Redis goes down (losing every queued message), work falls due, Redis comes back
    private_redis.stop()
    ids = due_assignments(personas, 200)
    time.sleep(3 * SWEEP_SECONDS)
    assert fired() == 0
    private_redis.start()
    wait_for(lambda: fired() == len(ids), timeout=120, what="every rung after the restart")

    # then
    assert_every_rung_done_exactly_once(ids)


def test_two_beats_and_two_workers_sweeping_at_once_fire_each_rung_once(personas, celery):
    # given: two schedulers (duplicate sweeps every interval) and two workers
    ids = due_assignments(personas, 2000)

    # when
    celery.worker("w1")
    celery.worker("w2")
    celery.beat("beat1")
    celery.beat("beat2")
    wait_for(lambda: fired() == len(ids), timeout=180, what="every rung")
    time.sleep(2 * SWEEP_SECONDS)  # more duplicate sweeps on nothing left to do

    # then
    assert_every_rung_done_exactly_once(ids)
    units = Unit.objects.filter(callsign="A-BULK")
    assert units.count() == 1
