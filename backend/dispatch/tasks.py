"""Celery tasks of dispatch. They take ids (or nothing) and call services.

``escalation_sweep`` is scheduled by beat every ``KUZET_ESCALATION_SWEEP_SECONDS`` (see
``backend/config/celery.py``): the ladder's rungs of assignments and of calls still waiting
for a unit. Running it twice at once, or again after a crash, is harmless: the sweep claims
rows with SKIP LOCKED and each rung fires only if its step row inserts. When the worker is
told to stop, the sweep ends between two of its transactions and the SMS outbox is left for
the next sweep (``backend/ops/shutdown.py``).
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from celery import shared_task
from django.conf import settings

from backend.common import clock
from backend.ops.heartbeat import ESCALATION_SWEEP, heartbeat_record
from backend.ops.metrics import ESCALATION_LATENESS, SWEEP_DURATION, observe_many
from backend.ops.shutdown import stop_requested

from .ladder import WAITING_OVERDUE
from .models import EscalationStep, IncidentEscalationStep
from .services import escalation, outbox

log = logging.getLogger(__name__)


@shared_task(name="backend.dispatch.tasks.escalation_sweep", ignore_result=True)
def escalation_sweep() -> dict[str, int]:
    started, started_at = time.perf_counter(), clock.now()
    # At most most of one interval, so sweeps do not pile up behind each other (settings);
    # and no further than the transaction in progress once the worker is told to stop.
    report = escalation.escalation_sweep(
        time_budget_s=settings.KUZET_ESCALATION_SWEEP_BUDGET_SECONDS, stop=stop_requested
    )
    if report.fired_total or report.deferred:
        log.info(
            "escalation sweep: claimed %s, fired %s, deferred %s, sms %s",
            report.claimed,
            # "sms_undelivered 2, ack_overdue 1": the rungs by their codes, not enum reprs
            ", ".join(f"{step!s} {n}" for step, n in sorted(report.fired.items())) or "none",
            report.deferred,
            report.sms,
        )
    # The outbox is also drained here: a "send now" task lost with the broker costs at most
    # one sweep interval. A stopping worker leaves it, whole, to the next.
    sent = outbox.sms_send_pending(stop=stop_requested)
    took = time.perf_counter() - started
    if stop_requested():
        log.info(
            "escalation sweep ended early, the worker is stopping: fired %s, texts sent %s; "
            "the rungs and texts it did not reach are the next sweep's",
            report.fired_total,
            sent,
        )
    # The dead-man alarm (backend/ops/heartbeat.py) and the sweep's metrics.
    heartbeat_record(ESCALATION_SWEEP, duration_s=took)
    SWEEP_DURATION.observe(took)
    if report.fired_total:
        waiting = report.fired[WAITING_OVERDUE]  # the rung of calls nobody was sent to
        rungs: list[tuple[str, dt.datetime, dt.datetime]] = []
        for model, fired in (
            (EscalationStep, report.fired_total - waiting),
            (IncidentEscalationStep, waiting),
        ):
            if fired:
                rungs += model.objects.filter(fired_at__gte=started_at).values_list(
                    "step", "fired_at", "due_at"
                )
        observe_many(ESCALATION_LATENESS, [(s, (f - d).total_seconds()) for s, f, d in rungs])
    return {"claimed": report.claimed, "fired": report.fired_total, "sms_sent": sent}


@shared_task(name="backend.dispatch.tasks.sms_send_pending", ignore_result=True)
def sms_send_pending() -> int:
    return outbox.sms_send_pending(stop=stop_requested)


@shared_task(name="backend.dispatch.tasks.sms_prune")
def sms_prune() -> dict[str, int]:
    """Mask the numbers of SMS older than KUZET_SMS_RETENTION_DAYS and delete strangers'
    replies (:func:`backend.dispatch.services.outbox.sms_prune`). Idempotent."""
    return outbox.sms_prune()._asdict()
