"""Who may read, write and receive a shift handover (:class:`~.models.Handover`).

A duty officer works one desk: his district's, or — serving an oblast ЦОУ — the oblast's,
which covers every district of the oblast. He writes his desk's handover and receives the
one a colleague wrote for it (not his own: the incoming officer signs for it). A district
chief reads his district's handovers and writes none: he is not on the shift, and "received
by" is the incoming duty officer's signature. Oblast administrators read the oblast's, a
superuser every one. Anyone else reads none: a handover of another desk is not found (404),
as every record outside a reader's districts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from backend.people.access import district_scope
from backend.people.models import Role

from . import views
from .models import Handover


@dataclass(frozen=True)
class Desk:
    """A district's desk (``district_id``) or an oblast ЦОУ's (``oblast_id``)."""

    district_id: int | None
    oblast_id: int | None

    def q(self) -> Q:
        if self.district_id is not None:
            return Q(district_id=self.district_id)
        return Q(oblast_id=self.oblast_id)


def desk_of(user: Any) -> Desk | None:
    """The desk a duty officer works; None for anyone else."""
    if getattr(user, "role", None) != Role.DUTY_OFFICER or not user.is_active:
        return None
    if user.district_id:
        return Desk(district_id=user.district_id, oblast_id=None)
    if user.oblast_id:
        return Desk(district_id=None, oblast_id=user.oblast_id)
    return None


def reads_handovers(user: Any) -> bool:
    """Duty officers and the console's readers (chiefs, oblast administrators, superusers)."""
    return desk_of(user) is not None or views.reads_reports(user)


def writes_handovers(user: Any) -> bool:
    return desk_of(user) is not None


def handovers_visible(user: Any) -> QuerySet[Handover]:
    """The handovers ``user`` may read: his districts' desks, and the oblast ЦОУ's desk to
    whom the whole oblast is his (its duty officers, its administrators)."""
    if not reads_handovers(user):
        return Handover.objects.none()
    scope = district_scope(user)
    if scope.everything:
        return Handover.objects.all()
    q = Q(district_id__in=sorted(scope.district_ids))
    if user.role in (Role.DUTY_OFFICER, Role.OBLAST_ADMIN) and user.oblast_id:
        q |= Q(oblast_id=user.oblast_id)
    return Handover.objects.filter(q)


def access_handover(user: Any, handover_id: int) -> Handover | None:
    """The handover, if ``user`` may read it; None when it is not his to see."""
    return (
        handovers_visible(user)
        .select_related("written_by", "acknowledged_by", "district", "oblast")
        .filter(pk=handover_id)
        .first()
    )


def may_receive(user: Any, handover: Handover) -> bool:
    """The incoming duty officer of the handover's desk, not the one who wrote it, while
    nobody has received it."""
    desk = desk_of(user)
    return (
        desk is not None
        and handover.acknowledged_at is None
        and handover.written_by_id != user.pk
        and (handover.district_id, handover.oblast_id) == (desk.district_id, desk.oblast_id)
    )
