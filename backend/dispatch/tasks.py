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
from django.utils import translation
from django.utils.translation import gettext as _

from backend.common import clock
from backend.common.terminal import number_text, terminal_language
from backend.ops.heartbeat import ESCALATION_SWEEP, heartbeat_record
from backend.ops.metrics import ESCALATION_LATENESS, SWEEP_DURATION, observe_many
from backend.ops.shutdown import stop_requested

from .ladder import FIRED_LABELS, STEPS, WAITING_OVERDUE
from .models import EscalationStep, IncidentEscalationStep
from .services import SAFETY_CHECK, SAFETY_CHECK_LABEL, escalation, outbox

log = logging.getLogger(__name__)


def rung_label(step: str) -> str:
    """A rung (or the officer-safety check the sweep also fires) as the board's alert names
    it, in the active language; an unknown code as it is."""
    if step == SAFETY_CHECK:
        return str(SAFETY_CHECK_LABEL)
    return str(FIRED_LABELS.get(step, step))


def sweep_text(report: escalation.SweepReport) -> str:
    """What a sweep fired, as the person watching the worker's log reads it: in words and in
    the operator's language (``backend.common.terminal``: KUZET_LANGUAGE, else the locale) —
    make run's terminal read "fired sms_undelivered 1, ack_overdue 2" among Russian lines."""
    with translation.override(terminal_language()):
        order = [*STEPS, WAITING_OVERDUE, SAFETY_CHECK]
        fired = sorted(
            (step for step, n in report.fired.items() if n),
            key=lambda step: (order.index(step) if step in order else len(order), step),
        )
        rungs = ", ".join(
            f"{rung_label(step)} ({number_text(report.fired[step])})" for step in fired
        )
        return _(
            "Escalations: %(rungs)s. Deferred to the next sweep: %(deferred)s. "
            "SMS to units: %(sms)s."
        ) % {
            "rungs": rungs or _("none"),
            "deferred": number_text(report.deferred),
            "sms": number_text(report.sms),
        }


@shared_task(name="backend.dispatch.tasks.escalation_sweep", ignore_result=True)
def escalation_sweep() -> dict[str, int]:
    started, started_at = time.perf_counter(), clock.now()
    # At most most of one interval, so sweeps do not pile up behind each other (settings);
    # and no further than the transaction in progress once the worker is told to stop.
    report = escalation.escalation_sweep(
        time_budget_s=settings.KUZET_ESCALATION_SWEEP_BUDGET_SECONDS, stop=stop_requested
    )
    if report.fired_total or report.deferred:
        log.info("%s", sweep_text(report))
        log.debug(  # the same by the rungs' codes, with what it claimed: for a developer
            "escalation sweep: claimed %s, fired %s, deferred %s, sms %s",
            report.claimed,
            ", ".join(f"{step!s} {n}" for step, n in sorted(report.fired.items())) or "none",
            report.deferred,
            report.sms,
        )
    # The outbox is also drained here: a "send now" task lost with the broker costs at most
    # one sweep interval. A stopping worker leaves it, whole, to the next.
    sent = outbox.sms_send_pending(stop=stop_requested)
    took = time.perf_counter() - started
    if stop_requested():
        with translation.override(terminal_language()):
            log.info(
                "%s",
                _(
                    "escalation sweep ended early, the worker is stopping: fired %(fired)s, "
                    "texts sent %(sent)s; the rungs and texts it did not reach are the next "
                    "sweep's"
                )
                % {"fired": number_text(report.fired_total), "sent": number_text(sent)},
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
