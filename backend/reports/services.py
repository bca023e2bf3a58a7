"""The duty desk's writes: a shift handover written and received, each audited in the ledger
(:mod:`backend.ledger.uow`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from backend.common import clock
from backend.common.errors import Conflict, Forbidden, ValidationFailed
from backend.ledger import uow
from backend.ledger.actions import AuditAction

from .access import desk_of, may_receive
from .models import Handover

NOTE_MAX = 4000


def handover_write(
    *, by: Any, shift_start: dt.datetime, note: str, as_written: dict[str, Any] | None = None
) -> Handover:
    """The outgoing duty officer's handover of his desk for the shift from ``shift_start`` to
    now. Saving again before anyone received it rewrites his open handover (a second click,
    a corrected note): one per officer and desk waits to be received (the unique constraint
    holds it against two requests at once)."""
    desk = desk_of(by)
    if desk is None:
        raise Forbidden(_("Only a duty officer hands over a shift."))
    note = note.strip()
    if not note:
        raise ValidationFailed(_("Write what the next shift needs to know."))
    if len(note) > NOTE_MAX:
        raise ValidationFailed(
            _("A handover note is at most %(count)s characters.") % {"count": NOTE_MAX}
        )
    now = clock.now()
    if shift_start >= now:
        raise ValidationFailed(_("The shift must start before now."))
    with uow.unit_of_work():
        handover = (
            Handover.objects.select_for_update()
            .filter(desk.q(), written_by=by, acknowledged_at__isnull=True)
            .first()
        )
        if handover is None:
            handover = Handover.objects.create(
                district_id=desk.district_id,
                oblast_id=desk.oblast_id,
                shift_start=shift_start,
                written_at=now,
                written_by=by,
                note=note,
                as_written=as_written or {},
            )
        else:
            handover.shift_start, handover.written_at, handover.note = shift_start, now, note
            handover.as_written = as_written or {}
            handover.save(update_fields=["shift_start", "written_at", "note", "as_written"])
        uow.audit(
            AuditAction.HANDOVER_WRITTEN,
            actor=by,
            obj=handover,
            data={"from": shift_start.isoformat(), "note": note},
        )
    return handover


def handover_receive(*, handover: Handover, by: Any) -> Handover:
    """The incoming duty officer signs for the handover: "received by … at …". Once: the
    claim is a conditional update, and a second officer (or a second click) finds it taken."""
    if not may_receive(by, handover):
        if handover.acknowledged_at is not None:
            raise Conflict(_("This handover was received already."))
        raise Forbidden(_("Only the incoming duty officer of this desk receives a handover."))
    now = clock.now()
    with uow.unit_of_work():
        claimed = Handover.objects.filter(pk=handover.pk, acknowledged_at__isnull=True).update(
            acknowledged_at=now, acknowledged_by=by
        )
        if claimed != 1:
            raise Conflict(_("This handover was received already."))
        uow.audit(AuditAction.HANDOVER_RECEIVED, actor=by, obj=handover)
    handover.refresh_from_db()
    return handover
