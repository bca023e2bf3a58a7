"""Periodic sync housekeeping (scheduled in backend/config/celery.py).

All tasks are idempotent and safe to run concurrently with themselves: the age-out only
touches records (the resolver re-decides under the sequencer lock), the change-log prune
claims the horizon row with a lock, the anchors' prune never deletes a device's latest
anchor nor the first or last of an hour (a row deleted twice is counted once).
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.conf import settings

from backend.common import clock
from backend.ledger import uow
from backend.ledger.models import Change

from . import anchors
from .models import ChangeLogHorizon, SnapshotBookmark
from .scope import age_out, reference_reconcile

PRUNE_BATCH = 10_000


@shared_task(name="backend.sync_gateway.tasks.scope_age_out")
def scope_age_out() -> int:
    """Emit the move-outs of records whose time in scope ended (closed assignments, unit
    events older than KUZET_SCOPE_CLOSED_HOURS) and heal missed reference-data touches."""
    return age_out() + reference_reconcile()


@shared_task(name="backend.sync_gateway.tasks.change_log_prune")
def change_log_prune() -> int:
    """Delete changes older than KUZET_CHANGE_RETENTION_DAYS; cursors at or below the
    newest deleted change get a replacement snapshot from then on. Returns rows deleted."""
    cutoff = clock.now() - dt.timedelta(days=settings.KUZET_CHANGE_RETENTION_DAYS)
    deleted = 0
    while True:
        with uow.unit_of_work():
            ChangeLogHorizon.objects.bulk_create([ChangeLogHorizon(id=1)], ignore_conflicts=True)
            horizon = ChangeLogHorizon.objects.select_for_update().get(id=1)
            seqs = list(
                Change.objects.filter(at__lt=cutoff)
                .order_by("seq")
                .values_list("seq", flat=True)[:PRUNE_BATCH]
            )
            if not seqs:
                break
            # Record the horizon first: a pull that reads it after this commit snapshots
            # any cursor the deleted rows could have mattered to.
            horizon.pruned_through = max(horizon.pruned_through, seqs[-1])
            horizon.save(update_fields=["pruned_through"])
            deleted += Change.objects.filter(seq__lte=seqs[-1], at__lt=cutoff).delete()[0]
        if len(seqs) < PRUNE_BATCH:
            break
    SnapshotBookmark.objects.filter(created_at__lt=clock.now() - dt.timedelta(days=1)).delete()
    return deleted


@shared_task(name="backend.sync_gateway.tasks.anchors_prune")
def anchors_prune() -> int:
    """Delete time anchors older than KUZET_ANCHOR_RETENTION_DAYS and thin those older than
    two days (:func:`backend.sync_gateway.anchors.anchors_prune`). Returns rows deleted."""
    return anchors.anchors_prune()
