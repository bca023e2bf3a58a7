"""Presence: when each unit was last heard from, and telling boards when that goes stale.

``Unit.last_contact_at``/``last_contact_via`` record the last contact (socket activity here,
pulls and pushes in the sync gateway). ``unreachable`` is derived from them by
``Unit.presence()`` and never stored. :func:`presence_sweep` runs periodically and announces
each transition to the boards once (``PresenceNotice`` remembers what was announced).

Whether a silence is expected is judged here and nowhere else (:func:`unit_silence`): a crew
last heard in or near a village without mobile data, or on its way to a call there, will
catch up when it drives back into coverage; a crew gone silent in coverage is an alarm.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q

from backend.common import clock
from backend.dispatch.lifecycle import ASSIGNMENT_OPEN
from backend.dispatch.models import Assignment
from backend.dispatch.selectors import place_near
from backend.dispatch.services.timeline import unit_board_notify
from backend.geo.models import Coverage
from backend.ledger import uow
from backend.ledger.actions import AuditAction
from backend.people.models import UNREACHABLE, Unit, unreachable_cutoff

from .fanout import units_tell_boards
from .models import BoardAlert, PresenceNotice

# A busy socket would otherwise write the unit row on every message. Presence is judged in
# minutes (KUZET_UNREACHABLE_MINUTES), so a write per minute per unit is precise enough.
CONTACT_WRITE_SECONDS = 60


def contact_record(*, unit_id: int, via: str, at: dt.datetime | None = None) -> bool:
    """Stamp the unit's last contact unless it was stamped less than a minute ago.

    A conditional UPDATE, so concurrent processes never write more than needed. Not audited
    and not a synced change: last contact is a heartbeat, not a fact. The boards get the
    unit's row after commit, so a unit that was marked unreachable is shown reachable as
    soon as its phone syncs (at most once a minute per unit, like the write).
    """
    at = at or clock.now()
    updated = (
        Unit.objects.filter(pk=unit_id)
        .filter(_contact_due_q(at))
        .update(last_contact_at=at, last_contact_via=via)
    )
    if updated == 1:
        transaction.on_commit(lambda: units_tell_boards([unit_id]))
    return updated == 1


def contacts_record(*, unit_ids: list[int], via: str, at: dt.datetime | None = None) -> list[int]:
    """:func:`contact_record` for several units at once (the history port's stand-in for
    the sockets of every crew in coverage): one read and one write instead of a statement a
    unit. Returns the units stamped; their boards are told after commit."""
    at = at or clock.now()
    with transaction.atomic():
        stamped = list(
            Unit.objects.filter(pk__in=unit_ids)
            .filter(_contact_due_q(at))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if stamped:
            Unit.objects.filter(pk__in=stamped).filter(_contact_due_q(at)).update(
                last_contact_at=at, last_contact_via=via
            )
            transaction.on_commit(lambda: units_tell_boards(stamped))
    return stamped


def _contact_due_q(at: dt.datetime) -> Q:
    """Units whose last contact is due a stamp at ``at``: never stamped, or more than
    ``CONTACT_WRITE_SECONDS`` before."""
    cutoff = at - dt.timedelta(seconds=CONTACT_WRITE_SECONDS)
    return Q(last_contact_at__isnull=True) | Q(last_contact_at__lt=cutoff)


def unreachable_q(at: dt.datetime) -> Q:
    """Units whose ``presence(at)`` is ``unreachable`` (the same rule, as a filter)."""
    return Q(last_contact_at__isnull=True) | Q(last_contact_at__lt=unreachable_cutoff(at))


# Where a phone cannot sync (no mobile data: SMS at most), so a crew there is silent by design.
WHITE_SPOT = frozenset({Coverage.NONE, Coverage.SMS_ONLY})
# A last position farther than this from every settlement still names the nearest one, but
# its coverage is not the position's: open steppe between villages is not known to be a white
# spot, and a silence there counts as unexpected.
WHITE_SPOT_NEAR_KM = 15.0
EXPECTED, ALARM = "expected", "alarm"


@dataclass(frozen=True)
class Silence:
    """A silent unit as the board reads it: where it was last heard and whether that explains
    the silence (``kind``: :data:`EXPECTED` or :data:`ALARM`)."""

    kind: str
    # the settlement nearest the unit's last position (``PlaceNear.as_dict``) and its coverage
    place: dict[str, Any] | None
    # the unit's open call in a white spot, which it is on its way to or at
    call: dict[str, Any] | None

    def as_fields(self) -> dict[str, Any]:
        """For the frame (and so the kept alert, which a reload lists)."""
        return {"silence": self.kind, "last_heard_place": self.place, "white_spot_call": self.call}


def unit_silence(unit: Unit) -> Silence:
    """The one rule of an expected silence. It is expected when

    * the unit's last position is within :data:`WHITE_SPOT_NEAR_KM` of a settlement and the
      nearest settlement has coverage ``none`` or ``2g_sms``; or
    * the unit has an open assignment (dispatched … transporting) to a call whose settlement
      has coverage ``none`` or ``2g_sms`` (on its way there, or there).

    Otherwise — in coverage, far from every village, or its position unknown — it is an
    alarm: a crew silent where its phone should sync is an officer-safety matter.
    """
    place: dict[str, Any] | None = None
    if unit.lat is not None and unit.lon is not None:
        near = place_near(lat=unit.lat, lon=unit.lon)
        if near is not None:
            place = {**near.as_dict(), "coverage": near.settlement.coverage}
            place["close"] = near.km <= WHITE_SPOT_NEAR_KM
    sent = (
        Assignment.objects.filter(
            unit_id=unit.pk,
            status__in=ASSIGNMENT_OPEN,
            incident__settlement__coverage__in=sorted(WHITE_SPOT),
        )
        .select_related("incident__settlement")
        .order_by("-pk")
        .first()
    )
    call = None
    if sent is not None and sent.incident.settlement is not None:
        where = sent.incident.settlement
        call = {
            "incident_id": sent.incident_id,
            "incident_number": sent.incident.number,
            "status": sent.status,
            "name": where.name,
            "name_kk": where.name_kk,
            "coverage": where.coverage,
        }
    in_white_spot = place is not None and place["close"] and place["coverage"] in WHITE_SPOT
    return Silence(EXPECTED if in_white_spot or call is not None else ALARM, place, call)


@dataclass(frozen=True)
class PresenceSweep:
    became_unreachable: list[int]
    became_reachable: list[int]


def presence_sweep(*, at: dt.datetime | None = None) -> PresenceSweep:
    """Announce units that became unreachable (or reachable again) since the last sweep.

    Each transition is claimed under the notice row's lock and re-checked, so two sweeps
    running at once announce it once. Announcements are audited (actor system) and go to
    the boards of the unit's district as ``board`` notifications after commit.
    """
    at = at or clock.now()
    stale = unreachable_q(at)
    lost_ids = list(
        Unit.objects.filter(active=True)
        .filter(stale)
        .exclude(presence_notice__announced_unreachable=True)
        .values_list("id", flat=True)
    )
    back_ids = list(
        Unit.objects.filter(presence_notice__announced_unreachable=True)
        .exclude(stale)
        .values_list("id", flat=True)
    )
    if not lost_ids and not back_ids:
        return PresenceSweep([], [])
    with uow.unit_of_work():
        PresenceNotice.objects.bulk_create(
            [
                PresenceNotice(unit_id=i, announced_unreachable=False, changed_at=at)
                for i in lost_ids
            ],
            ignore_conflicts=True,
        )
        lost = _claim(lost_ids, announced=False, at=at, now_unreachable=True)
        back = _claim(back_ids, announced=True, at=at, now_unreachable=False)
    return PresenceSweep(lost, back)


def _claim(
    unit_ids: list[int], *, announced: bool, at: dt.datetime, now_unreachable: bool
) -> list[int]:
    if not unit_ids:
        return []
    notices = list(
        PresenceNotice.objects.select_for_update()
        .filter(unit_id__in=unit_ids, announced_unreachable=announced)
        .order_by("unit_id")
    )
    # Re-read the units after taking the locks: a contact may have arrived meanwhile.
    units = {
        u.pk: u
        for u in Unit.objects.filter(pk__in=[n.unit_id for n in notices]).only(
            "id", "callsign", "district_id", "last_contact_at", "last_contact_via", "lat", "lon"
        )
    }
    claimed = []
    for notice in notices:
        unit = units[notice.unit_id]
        if (unit.presence(at) == UNREACHABLE) != now_unreachable:
            continue
        claimed.append(unit.pk)
        last = clock.opt_ms(unit.last_contact_at)
        uow.audit(
            AuditAction.UNIT_UNREACHABLE if now_unreachable else AuditAction.UNIT_REACHABLE,
            obj=unit,
            data={"last_contact_at": last, "last_contact_via": unit.last_contact_via},
        )
        fields = unit_silence(unit).as_fields() if now_unreachable else _silence_settle(unit, at)
        unit_board_notify(
            "unit_unreachable" if now_unreachable else "unit_reachable",
            unit=unit,
            chief=False,
            last_contact_at=last,
            last_contact_via=unit.last_contact_via,
            **fields,
        )
    PresenceNotice.objects.filter(unit_id__in=claimed).update(
        announced_unreachable=now_unreachable, changed_at=at
    )
    return claimed


def _silence_settle(unit: Unit, at: dt.datetime) -> dict[str, Any]:
    """The unit is heard again: its unreachable alerts still open are settled (acknowledged,
    by nobody, when it was heard: ``back_at``), so the board shows "back 18:40 after 38 min"
    on the line instead of a second open one beside it. Answers the fields of the
    "reachable again" frame that pair it with the silence it ends (the latest)."""
    back = unit.last_contact_at or at
    open_alerts = list(
        BoardAlert.objects.select_for_update()
        .filter(kind="unit_unreachable", data__unit_id=unit.pk, acknowledged_at__isnull=True)
        .order_by("-created_at", "-pk")
    )
    for alert in open_alerts:
        alert.acknowledged_at = back
        alert.data = {**alert.data, "back_at": clock.to_ms(back)}
        alert.save(update_fields=["acknowledged_at", "data"])
    if not open_alerts:
        return {}
    latest = open_alerts[0]
    return {
        "unreachable_alert_id": latest.pk,
        "silent_since": latest.data.get("last_contact_at"),
        "back_at": clock.to_ms(back),
        "silence": latest.data.get("silence", ALARM),
    }
