"""Sending the partners' status callbacks (scheduled in ``backend/config/celery.py``)."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="backend.webhooks.tasks.callback_send")
def callback_send(delivery_id: int) -> str:
    """Send one delivery after the commit that wrote it; idempotent (a claimed row is skipped)."""
    return services.callback_send(delivery_id)


@shared_task(name="backend.webhooks.tasks.callbacks_send_due")
def callbacks_send_due() -> int:
    """Retries that are due, and any delivery whose task the broker lost."""
    return services.callbacks_send_due()


@shared_task(name="backend.webhooks.tasks.callbacks_prune")
def callbacks_prune() -> int:
    """Delete deliveries finished more than KUZET_CALLBACK_RETENTION_DAYS ago. Idempotent."""
    return services.callbacks_prune()
