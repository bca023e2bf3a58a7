"""Celery tasks of dispatch. They take ids (or nothing) and call services.

``escalation_sweep`` is scheduled by beat every ``KUZET_ESCALATION_SWEEP_SECONDS`` (see
``backend/config/celery.py``). Running it twice at once, or again after a crash, is harmless:
the sweep claims rows with SKIP LOCKED and each rung fires only if its step row inserts.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from .services import escalation, outbox

log = logging.getLogger(__name__)


@shared_task(name="backend.dispatch.tasks.escalation_sweep", ignore_result=True)
def escalation_sweep() -> dict[str, int]:
    # Spend at most most of one interval, so sweeps do not pile up behind each other.
    budget = max(1.0, 0.8 * settings.KUZET_ESCALATION_SWEEP_SECONDS)
    report = escalation.escalation_sweep(time_budget_s=budget)
    if report.fired_total or report.deferred:
        log.info(
            "escalation sweep: claimed %s, fired %s, deferred %s, sms %s",
            report.claimed,
            dict(report.fired),
            report.deferred,
            report.sms,
        )
    # The outbox is also drained here: a "send now" task lost with the broker costs at most
    # one sweep interval.
    sent = outbox.sms_send_pending()
    return {"claimed": report.claimed, "fired": report.fired_total, "sms_sent": sent}


@shared_task(name="backend.dispatch.tasks.sms_send_pending", ignore_result=True)
def sms_send_pending() -> int:
    return outbox.sms_send_pending()
