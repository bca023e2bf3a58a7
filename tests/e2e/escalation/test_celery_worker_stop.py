"""A REAL worker told to stop in the middle of an escalation sweep (SIGTERM to its process
group: honcho on ``make run``'s Ctrl-C, ``systemctl stop``) on PostgreSQL and Redis.

Its pool is the ``Procfile``'s (threads), where Celery's ``worker_shutting_down`` reaches the
sweep: the sweep commits the batch it is in and takes no other, instead of running on to the
end of its budget; the worker ends by itself, and the next worker fires the rest — every rung
once. No time is asserted but a hang
guard: how fast is the machine's business (honcho's 5 s hold for the embedded demo's budget,
tests/backend/ops/test_sweep_budget.py); what is asserted is where the sweep stopped.
"""

from __future__ import annotations

import os
import signal
import subprocess
from typing import Any

import pytest
from celery import Celery as CeleryApp

from backend.dispatch.models import Assignment

from .conftest import CELERY, Celery, PrivateRedis, Proc, wait_for
from .test_celery_escalation import (
    assert_every_rung_done_exactly_once,
    due_assignments,
    fired,
    in_flight_transactions,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow, pytest.mark.timeout(300)]

BATCH = 1000  # the sweep's batch (escalation.escalation_sweep)
# Only a hang takes this long, on a loaded machine: not a measure of speed.
GENEROUS_S = 60
PROCFILE_POOL = ("--pool", "threads", "--concurrency", "4")
SWEEP = "backend.dispatch.tasks.escalation_sweep"


def test_a_worker_stopped_mid_sweep_ends_the_sweep_at_its_next_batch_and_loses_nothing(
    personas: Any, celery: Celery, private_redis: PrivateRedis
) -> None:
    # given: six batches of rungs due; a worker with the Procfile's pool whose sweep may go
    # on for 24 s (interval 30 s) — long enough for all six — and one sweep sent to it
    ids = due_assignments(personas, 6 * BATCH)
    worker = Proc(
        "w1",
        [CELERY, "-A", "backend.config", "worker", "--loglevel", "INFO", "-n", "w1@%h",
         "--without-heartbeat", "--without-mingle", "--without-gossip", *PROCFILE_POOL],
        {**celery.env(), "KUZET_ESCALATION_SWEEP_SECONDS": "30"},
        celery.dir / "w1.log",
    ).start()  # fmt: skip
    celery.procs.append(worker)
    with CeleryApp(broker=private_redis.url) as client:
        client.send_task(SWEEP)
    # its first batch committed (and a transaction of the sweep's open)
    wait_for(
        lambda: fired() == BATCH and in_flight_transactions(),
        timeout=120,
        what="the sweep in the middle of its work",
        every=0.02,
    )

    # when: told to stop as honcho and systemd tell it
    assert worker.popen is not None
    os.killpg(worker.popen.pid, signal.SIGTERM)
    try:
        worker.popen.wait(timeout=GENEROUS_S)
    except subprocess.TimeoutExpired:
        worker.kill()
        pytest.fail(f"the worker did not stop within {GENEROUS_S} s:\n{worker.output()}")

    # then: it stopped by itself; the sweep ended between two batches — at most the one it
    # was in when told (its first one's after-commit work, or its second) — not at the sixth
    # its budget allowed
    log = worker.output()
    assert "Warm shutdown" in log, log
    assert "Traceback" not in log, log
    assert in_flight_transactions() == 0
    stopped_at = fired()
    assert stopped_at in (BATCH, 2 * BATCH)
    assert f"escalation sweep ended early, the worker is stopping: fired {stopped_at:,}," in log
    # the rest is left as a sweep out of budget leaves it: due, with no step row
    assert Assignment.objects.filter(pk__in=ids, escalation_level=0).count() == (
        len(ids) - stopped_at
    )

    # when: the next worker, with beat
    celery.worker("w2", *PROCFILE_POOL)
    celery.beat()
    wait_for(lambda: fired() == len(ids), timeout=180, what="every rung after the restart")

    # then: every rung once, none twice, none lost
    assert_every_rung_done_exactly_once(ids)
