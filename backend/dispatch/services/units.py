"""A unit's status as the server sets it: sent on a job, released when its work ends."""

from __future__ import annotations

import datetime as dt

from backend.ledger import uow
from backend.ledger.names import SyncTable
from backend.people.models import Unit

from .. import lifecycle
from ..models import Assignment


def unit_set_status(unit: Unit, status: str, *, now: dt.datetime) -> None:
    """Set a locked unit's status as a server command (touches it)."""
    if unit.status == status:
        return
    unit.status = status
    unit.status_at = now
    unit.save(update_fields=["status", "status_at"])
    uow.touch(SyncTable.UNITS, unit.pk)


def unit_has_open_work(unit_id: int, *, besides: int | None = None) -> bool:
    """Whether the unit has an open assignment (other than ``besides``)."""
    qs = Assignment.objects.filter(unit_id=unit_id, status__in=lifecycle.ASSIGNMENT_OPEN)
    if besides is not None:
        qs = qs.exclude(pk=besides)
    return qs.exists()


def unit_release_if_idle(unit: Unit, *, now: dt.datetime) -> None:
    """After an assignment ends: a locked unit with no other open assignment is available
    (:func:`lifecycle.unit_after_assignment_ended`)."""
    if unit.status not in lifecycle.UNIT_ASSIGNMENT_DRIVEN:
        return  # busy, out of service, SOS: the officer's or the chief's, not the job's
    status = lifecycle.unit_after_assignment_ended(
        unit.status, others_open=unit_has_open_work(unit.pk)
    )
    unit_set_status(unit, status, now=now)
