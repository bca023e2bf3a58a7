"""Periodic work of the real-time layer (scheduled in ``backend/config/celery.py``)."""

from __future__ import annotations

from celery import shared_task

from .alerts import alerts_prune
from .presence import presence_sweep as run_presence_sweep
from .webpush import webpush_assignment as run_webpush_assignment


@shared_task(name="backend.realtime.tasks.presence_sweep")
def presence_sweep() -> dict[str, list[int]]:
    """Announce units that became unreachable or reachable again; safe to run concurrently."""
    result = run_presence_sweep()
    alerts_prune()  # the boards' kept alerts are bounded; this sweep runs every minute or so
    return {"unreachable": result.became_unreachable, "reachable": result.became_reachable}


@shared_task(name="backend.realtime.tasks.webpush_assignment", ignore_result=True)
def webpush_assignment(assignment_id: int, why: str) -> dict[str, int]:
    """Wake the crew's phones with a call nobody of them has answered yet (realtime.webpush)."""
    return run_webpush_assignment(assignment_id, why)
