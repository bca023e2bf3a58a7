"""An officer's SOS as the duty desk acts on it: backup to the officer, then "officer safe".

The SOS itself is a fact (``facts._sos``): the unit's status becomes ``sos`` and the boards
get who, where and on which call (``selectors.sos_details``). From there the desk

* **sends backup** (:func:`incident_sos_backup`): a P0 call of category ``officer_sos`` at
  the officer's last known position, made by the same service as any call the desk enters
  (``incidents.incident_new``), audited ``incident.sos_backup`` with the SOS it answers. One
  SOS has one backup call: its reference (channel ``patrol``, ``sos:<event id>``) is unique,
  so a second press, or a second duty officer at the same moment, gets the first call back;
* **clears the SOS** (:func:`unit_sos_clear`) once the officer is safe: the unit returns to
  its work (``lifecycle.unit_after_sos``), audited ``unit.sos_cleared``, touched (its phones
  and the boards get the unit's new status as for any status change) and told to the boards.
  The officer's own phone can leave ``sos`` too, by setting a status on the unit screen;
  before this the desk had no way at all (a duty officer may not edit units in the admin).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from backend.common import clock
from backend.common.errors import Conflict, NotFound
from backend.ledger import uow
from backend.ledger.actions import AuditAction
from backend.people.models import Officer, Unit, UnitStatus

from .. import lifecycle, policies, selectors
from ..access import check_scope, require_dispatcher
from ..lifecycle import ASSIGNMENT_OPEN
from ..models import Assignment, Category, Channel, Event, Incident, Priority
from ..places import coordinates_text
from .incidents import AlreadyExists, IncidentInput, incident_new
from .locks import lock_one
from .timeline import actor_label, unit_board_notify
from .units import unit_set_status

BACKUP_CHANNEL = Channel.PATROL


def backup_landmark(
    position: selectors.SosPosition | None, place: selectors.PlaceNear | None
) -> str:
    """Where a backup call's officer is, beyond its village, in no language: nothing in the
    village (the village is the call's place), the point's coordinates outside it (a crew
    with only SMS types them into its navigator; the app opens its maps there), ``?`` with no
    position at all (the call is then filed at the district's seat, which is not where the
    officer is). Its readers say the coordinates with the distance and the way from the
    village in their own language (``places.CallPlace.near_words``: "3,1 km north-east of
    Аягоз (47.96012, 80.43110)"), from the call's village and point."""
    if position is None or place is None:
        return "?"
    if place.inside:
        return ""
    return coordinates_text(position.lat, position.lon)


def _backup_ref(sos_event_id: str | None, sos_alert_id: int) -> str:
    return f"sos:{sos_event_id}" if sos_event_id else f"sos-alert:{sos_alert_id}"


def _backup_call(ref: str) -> Incident | None:
    """The backup call by its reference: the server's own (no intake key), so that a
    partner's report on the patrol channel with a reference such as "sos:12" is not it."""
    return Incident.objects.filter(
        channel=BACKUP_CHANNEL, intake_key__isnull=True, external_ref=ref
    ).first()


def incident_sos_backup(
    *,
    by: Any,
    unit: Unit,
    sos_event_id: str | None,
    sos_alert_id: int,
    now: dt.datetime | None = None,
) -> tuple[Incident, bool]:
    """The backup call for an officer's SOS: made once, then found. Returns (call, made now).

    At the officer's last known position (``selectors.sos_position``: the SOS's fix, the
    phone's last fix, the unit's last position) — the nearest settlement of the unit's
    district is the call's place; with no position at all, the district's seat, its landmark
    ``?`` (:func:`backup_landmark`). Its summary is the officer and the unit, in no language.
    Call inside or outside a unit of work; a caller that locks
    the SOS's alert first keeps two duty officers from even trying at once, and the unique
    reference holds without it.
    """
    require_dispatcher(by)
    check_scope(by, unit.district_id)
    ref = _backup_ref(sos_event_id, sos_alert_id)
    found = _backup_call(ref)
    if found is not None:
        return found, False
    now = now or clock.now()
    event = Event.objects.filter(pk=sos_event_id, unit_id=unit.pk).first() if sos_event_id else None
    position = (
        selectors.sos_position(event, unit)
        if event is not None
        else selectors.sos_position(Event(payload={}), unit)
    )
    place = None
    if position is not None:
        # The unit's own district's call, at its nearest village: near the border the next
        # district's village was nearer, and the district's own desk was refused (out of its
        # scope) — or an oblast desk's call went to the other district's board.
        place = selectors.place_near(
            lat=position.lat, lon=position.lon, district_id=unit.district_id
        )
        if place is None or place.km > policies.service_area_km():
            # A fix far from every village of the oblast is the phone's error, not a place
            # to send a crew to: the call goes to the seat, saying the position is unknown.
            position, place = None, None
    officer = (
        Officer.objects.filter(pk=event.officer_id).first()
        if event is not None and event.officer_id
        else None
    )
    # The call's own texts hold names and numbers, no words: every reader of them — the
    # crews' phones (one record for every phone of an audience), their SMS, the boards, the
    # incident page — reads the words in their own language from the call's category
    # ("Қызметкер SOS", "SOS сотрудника", "Officer SOS"). Written in words they were the
    # language of the duty officer who pressed "Send backup": a Kazakh crew's phone read
    # "Сотруднику нужна помощь: … · 3,1 км к северо-востоку от Аягоз" (the board's banner says
    # where in each reader's words, from the same facts: ``selectors.sos_details``).
    who = f"{officer.display_name} ({unit.callsign})" if officer is not None else unit.callsign
    sos_at = event.estimated_at if event is not None and event.estimated_at else now
    data = IncidentInput(
        category=Category.OFFICER_SOS,
        priority=Priority.P0,
        received_at=min(sos_at, now),
        lat=position.lat if position is not None else None,
        lon=position.lon if position is not None else None,
        settlement_id=place.settlement.pk if place is not None else unit.district.seat_id,
        landmark=backup_landmark(position, place),
        summary=who,
    )
    try:
        with uow.unit_of_work():
            incident = incident_new(channel=BACKUP_CHANNEL, data=data, by=by, external_ref=ref)
            uow.audit(
                AuditAction.INCIDENT_SOS_BACKUP,
                actor=by,
                obj=incident,
                data={
                    "number": incident.number,
                    "sos_event_id": sos_event_id,
                    "sos_alert_id": sos_alert_id,
                    "unit_id": unit.pk,
                    "callsign": unit.callsign,
                    "position_source": position.source if position is not None else None,
                },
            )
    except AlreadyExists:
        # Another duty officer's press won the insert (rolled back to its savepoint, nothing
        # buffered yet): theirs is the backup call.
        backup = _backup_call(ref)
        assert backup is not None
        return backup, False
    return incident, True


def unit_sos_clear(*, unit_id: int, by: Any, now: dt.datetime | None = None) -> Unit:
    """The officer is safe: the unit leaves ``sos`` for its work, else available.

    Refused with ``not_in_sos`` (409) when the unit is not in SOS (cleared already, by the
    desk or by the officer's phone), with ``not_found`` outside the actor's districts.
    """
    require_dispatcher(by)
    with uow.unit_of_work():
        unit = lock_one(Unit, unit_id)
        if unit is None:
            raise NotFound("No such unit.")
        check_scope(by, unit.district_id)
        if unit.status != UnitStatus.SOS:
            raise Conflict("The unit is not in SOS.", code="not_in_sos", status=unit.status)
        open_work = list(
            Assignment.objects.filter(unit_id=unit.pk, status__in=ASSIGNMENT_OPEN)
            .order_by("pk")
            .values_list("pk", "status")
        )
        status = lifecycle.unit_after_sos(s for _pk, s in open_work)
        unit_set_status(unit, status, now=now or clock.now())
        uow.audit(
            AuditAction.UNIT_SOS_CLEARED,
            actor=by,
            obj=unit,
            data={"status": status, "open_assignments": [pk for pk, _s in open_work]},
        )
        unit_board_notify(
            "sos_cleared",
            unit=unit,
            status=status,
            actor=actor_label(by),
        )
    return unit
