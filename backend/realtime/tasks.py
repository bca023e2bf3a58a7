"""Periodic work of the real-time layer (scheduled in ``backend/config/celery.py``)."""

from __future__ import annotations

from celery import shared_task

from .alerts import alerts_prune
from .presence import presence_sweep as run_presence_sweep


@shared_task(name="backend.realtime.tasks.presence_sweep")
def presence_sweep() -> dict[str, list[int]]:
    """Announce units that became unreachable or reachable again; safe to run concurrently."""
    result = run_presence_sweep()
    alerts_prune()  # the boards' kept alerts are bounded; this sweep runs every minute or so
    return {"unreachable": result.became_unreachable, "reachable": result.became_reachable}
