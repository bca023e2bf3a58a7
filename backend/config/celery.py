"""The Celery app. Tasks take ids and call services; periodic sweeps are scheduled here."""

import logging
import os
from typing import Any

from celery import Celery
from celery.signals import after_setup_logger, worker_ready, worker_shutting_down

from backend.ops.shutdown import stop_request

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings.base")

app = Celery("kuzet")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# A running escalation sweep ends at its next safe point when the worker begins to stop
# (backend/ops/shutdown.py): honcho SIGKILLs 5 s after its SIGTERM.
worker_shutting_down.connect(stop_request, dispatch_uid="kuzet.stop_request")


@after_setup_logger.connect
def _quiet_routine_task_lines(**_kwargs: Any) -> None:
    """A sweep runs every few seconds all shift: its "received" and "succeeded" lines would
    bury everything else in the log. What a sweep fired is logged by the task itself; a
    failed task is still an error line."""
    # and its start-up lines, "Connected to backend.config.broker:Transport://:**@localhost//"
    # and "celery@vm ready.": an address and a host name in English among the operator's
    # words. _worker_ready says it in them; a broker it cannot reach is still an error line.
    for name in (
        "celery.app.trace",
        "celery.worker.strategy",
        "celery.worker.consumer.connection",
        "celery.apps.worker",
    ):
        logging.getLogger(name).setLevel(logging.WARNING)
    beat = logging.getLogger("celery.beat")
    if not any(isinstance(f, _NoDueTaskLines) for f in beat.filters):
        beat.addFilter(_NoDueTaskLines())


@worker_ready.connect
def _worker_ready(**_kwargs: Any) -> None:
    """The worker is connected to the broker and takes tasks: said in the operator's language
    (``backend.common.terminal``), as make run's other processes say theirs."""
    from django.utils import translation
    from django.utils.translation import gettext

    from backend.common.terminal import terminal_language

    with translation.override(terminal_language()):
        logging.getLogger(__name__).info(
            "%s", gettext("The worker is ready: escalations, SMS and the periodic sweeps run.")
        )


class _NoDueTaskLines(logging.Filter):
    """Beat's "Scheduler: Sending due task escalation-sweep" at INFO, once per sweep (8,640 lines
    a day at 10 s): left out like the worker's "received" lines. Its start, shutdown and a task
    it could not send (an ERROR) still get through."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Scheduler: Sending due task")


@app.on_after_finalize.connect
def _schedule_sweeps(sender: Celery, **_kwargs: object) -> None:
    from django.conf import settings

    sender.conf.beat_schedule = {
        "escalation-sweep": {
            "task": "backend.dispatch.tasks.escalation_sweep",
            "schedule": float(settings.KUZET_ESCALATION_SWEEP_SECONDS),
            "options": {"expires": float(settings.KUZET_ESCALATION_SWEEP_SECONDS)},
        },
        "scope-age-out": {
            "task": "backend.sync_gateway.tasks.scope_age_out",
            "schedule": 300.0,
        },
        "idempotency-prune": {
            "task": "backend.ledger.tasks.idempotency_prune",
            "schedule": 3600.0,
        },
        "change-log-prune": {
            "task": "backend.sync_gateway.tasks.change_log_prune",
            "schedule": 3600.0,
        },
        "anchor-prune": {
            "task": "backend.sync_gateway.tasks.anchors_prune",
            "schedule": 3600.0,
        },
        "sms-prune": {
            "task": "backend.dispatch.tasks.sms_prune",
            "schedule": 3600.0,
        },
        "callback-prune": {
            "task": "backend.webhooks.tasks.callbacks_prune",
            "schedule": 3600.0,
        },
        "callback-send-due": {
            "task": "backend.webhooks.tasks.callbacks_send_due",
            "schedule": 30.0,
            "options": {"expires": 30.0},
        },
        "presence-sweep": {
            "task": "backend.realtime.tasks.presence_sweep",
            "schedule": 30.0,
            "options": {"expires": 30.0},
        },
    }
