"""Ledger housekeeping (scheduled in backend/config/celery.py)."""

from __future__ import annotations

from celery import shared_task

from .idempotency import idempotency_prune as prune


@shared_task(name="backend.ledger.tasks.idempotency_prune")
def idempotency_prune() -> int:
    """Forget idempotency keys older than KUZET_IDEMPOTENCY_HOURS. Idempotent."""
    return prune()
