"""A unit's status as the server sets it: sent on a job, released when its work ends."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from backend.ledger import uow
from backend.ledger.names import SyncTable, Topic
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


def unit_heard(unit_id: int, *, via: str, at: dt.datetime) -> None:
    """The crew was heard other than by its phone's sync: by a duty desk (``via`` the radio, a
    phone call, in person) or by an SMS reply of one of its officers (``sms``, from a white
    spot where only SMS gets through). That is contact with it, as its phone's syncs are
    (``Unit.last_contact_at``, ``presence``): its board does not show it "unreachable".

    Whichever desk heard it — its own district's, or another district's whose call it was
    lent to: its own board showed a lent crew "unreachable" while the call's desk recorded
    its milestones by radio. The last contact never moves back (``at`` earlier than a later
    contact changes nothing). Not audited and not a synced change, like a phone's contact;
    the boards get the unit's row after commit (``Topic.UNIT_HEARD``).
    """
    heard = (
        Unit.objects.filter(pk=unit_id)
        .filter(Q(last_contact_at__isnull=True) | Q(last_contact_at__lt=at))
        .update(last_contact_at=at, last_contact_via=via)
    )
    if heard:
        uow.notify(Topic.UNIT_HEARD, unit_id=unit_id)


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
