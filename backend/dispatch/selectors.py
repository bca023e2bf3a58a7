"""Reads with rules in them: the nearest settlement, the recommended units, the probable
duplicate of a new report, the risk flags of a domestic-violence call.

Reads that cross a district boundary on behalf of a user go through :mod:`.access`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast
from django.utils.translation import gettext

from backend.common import clock
from backend.common.formatting import when_text
from backend.devices.models import EnrolmentCode
from backend.geo import travel
from backend.geo.models import LAT_RANGE, LON_RANGE, District, Settlement, Zone
from backend.ledger.models import AuditEntry
from backend.people.access import scoped
from backend.people.models import UNREACHABLE, Officer, Unit, UnitType

from . import ladder, lifecycle, policies
from .lifecycle import ASSIGNMENT_OPEN, EventKind
from .models import (
    Assignment,
    Conflict,
    Disposition,
    Event,
    EventSource,
    FollowUpTask,
    Incident,
    Priority,
    RiskSubject,
    SafetyCheck,
    SmsMessage,
)
from .places import COMPASS as COMPASS  # the compass points: places.py, re-exported
from .places import IN_SETTLEMENT_KM, compass_point

# --- places ----------------------------------------------------------------------------------
# Settlements are searched in a box of this many degrees around the point first (an index
# range on lat), then everywhere when the box is empty: a winter camp can be far from any
# village but still belongs to the nearest one.
_NEAR_BOX_DEG = 1.0


def settlement_nearest(
    *, lat: float, lon: float, district_id: int | None = None
) -> tuple[Settlement, float] | None:
    """The settlement nearest to a point (of ``district_id``, if given) and its great-circle
    distance in km."""
    qs = Settlement.objects.filter(lat__isnull=False, lon__isnull=False)
    if district_id is not None:
        qs = qs.filter(district_id=district_id)
    for box in (
        qs.filter(
            lat__range=(lat - _NEAR_BOX_DEG, lat + _NEAR_BOX_DEG),
            lon__range=(lon - 2 * _NEAR_BOX_DEG, lon + 2 * _NEAR_BOX_DEG),
        ),
        qs,
    ):
        rows = box.values_list("id", "lat", "lon")
        found = travel.nearest(
            lat,
            lon,
            (travel.Place(i, la, lo) for i, la, lo in rows if la is not None and lo is not None),
        )
        if found is not None:
            place, km = found
            return Settlement.objects.select_related("district").get(pk=place.id), km
    return None


@dataclass(frozen=True)
class PlaceNear:
    """A point as a person reads it: the nearest settlement, how far and which way from it."""

    settlement: Settlement
    km: float  # great-circle, from the settlement's centre
    direction: str  # one of COMPASS, from the settlement towards the point

    @property
    def inside(self) -> bool:
        return self.km < IN_SETTLEMENT_KM

    def as_dict(self) -> dict[str, Any]:
        """For a board frame: both names (the page picks the reader's), km to 0.1."""
        return {
            "settlement_id": self.settlement.pk,
            "name": self.settlement.name,
            "name_kk": self.settlement.name_kk,
            "km": round(self.km, 1),
            "direction": self.direction,
            "inside": self.inside,
        }


def place_near(*, lat: float, lon: float, district_id: int | None = None) -> PlaceNear | None:
    """Where a point is, as a place name: the nearest settlement (of ``district_id``, if
    given), the distance and the way."""
    found = settlement_nearest(lat=lat, lon=lon, district_id=district_id)
    if found is None:
        return None
    settlement, km = found
    # settlement_nearest answers only settlements with coordinates
    direction = compass_point(settlement.lat or lat, settlement.lon or lon, lat, lon)
    return PlaceNear(settlement, km, direction)


def incident_point(incident: Incident) -> tuple[float, float] | None:
    """Where the incident is: its coordinates, else its settlement's, else none."""
    if incident.lat is not None and incident.lon is not None:
        return incident.lat, incident.lon
    settlement = incident.settlement
    if settlement is not None and settlement.lat is not None and settlement.lon is not None:
        return settlement.lat, settlement.lon
    return None


def incident_zone(incident: Incident) -> str:
    settlement = incident.settlement if incident.settlement_id else None
    return settlement.zone if settlement is not None else travel.DEFAULT_ZONE


# --- recommendation --------------------------------------------------------------------------
@dataclass(frozen=True)
class Recommendation:
    """One candidate unit for an incident, with the numbers that ranked it."""

    unit: Unit
    presence: str
    road_km: float | None
    eta_s: int | None
    position_at: dt.datetime | None
    position_age_s: int | None
    stale: bool
    # Ranked before a unit that would arrive sooner, for its kind (``policies.units_preferred``):
    # the nearest unit it was ranked before, and why (one of RANKED_FOR). None: it was not.
    passed_over: Unit | None = None
    ranked_for: str | None = None
    arrive_by: dt.datetime | None = None  # the call's arrival deadline it was ranked by

    def as_dict(self) -> dict[str, Any]:
        return {
            "unit_id": self.unit.pk,
            "callsign": self.unit.callsign,
            "type": self.unit.type,
            "mobility": self.unit.mobility,
            "presence": self.presence,
            "road_km": None if self.road_km is None else round(self.road_km, 1),
            "eta_s": self.eta_s,
            "position_at": self.position_at,
            "position_age_s": self.position_age_s,
            "stale": self.stale,
            "ranked_for": self.ranked_for,
            "passed_over": None if self.passed_over is None else self.passed_over.callsign,
        }


# Why a unit is ranked before a nearer one: the call is the DV inspector's own work, or the
# nearer one is a specialist kept for its own while this one is on scene by the deadline.
RANKED_FOR_DV_CALL = "dv_call"
RANKED_FOR_SPECIALIST_KEPT = "specialist_kept"
RANKED_FOR = (RANKED_FOR_DV_CALL, RANKED_FOR_SPECIALIST_KEPT)


def ranked_for_text(r: Recommendation) -> str:
    """Why a unit is ranked before a nearer one (``units_recommended``), in words; empty when
    it is not: the duty officer is never left to guess why the first unit is not the nearest.
    The call's page shows it in full, the board as the short form's tooltip."""
    if r.passed_over is None:
        return ""
    if r.ranked_for == RANKED_FOR_DV_CALL:
        return gettext(
            "Ranked before the nearer %(unit)s: a domestic-violence call is the DV "
            "inspector's own work, and the inspector arrives within the call's arrival target"
        ) % {"unit": r.passed_over.callsign}
    values = {"unit": r.passed_over.callsign, "type": r.passed_over.get_type_display()}
    if r.arrive_by is None:
        return (
            gettext(
                "Ranked before the nearer %(unit)s (%(type)s): the call has no arrival target, "
                "and the specialist stays free for its own work"
            )
            % values
        )
    return (
        gettext(
            "Ranked before the nearer %(unit)s (%(type)s): this unit arrives within the call's "
            "arrival target, and the specialist stays free for its own work"
        )
        % values
    )


def ranked_for_short(r: Recommendation) -> str:
    """``ranked_for_text`` in a line the board's call row has room for (the full sentence is
    its tooltip): which nearer unit, and the reason in a few words."""
    if r.passed_over is None:
        return ""
    if r.ranked_for == RANKED_FOR_DV_CALL:
        return gettext("Before the nearer %(unit)s: a DV call, the inspector in time") % {
            "unit": r.passed_over.callsign
        }
    return gettext("Before the nearer %(unit)s (%(type)s): the specialist kept free") % {
        "unit": r.passed_over.callsign,
        "type": r.passed_over.get_type_display(),
    }


@dataclass(frozen=True)
class _Wanted:
    """What kind of unit a call wants (``policies.units_preferred``, ``units_suited``)."""

    preferred: frozenset[str] | None  # ranked first when on scene by ``due``; None: fastest
    suited: frozenset[str]  # an exact tie goes to these
    due: dt.datetime | None  # the call's arrival deadline; None: it has none (P3)
    at: dt.datetime

    def in_time(self, unit: Unit, eta: int | None) -> bool:
        """Whether ``unit`` is of a preferred kind and would be on scene by the deadline."""
        if self.preferred is None or unit.type not in self.preferred or eta is None:
            return False
        return self.due is None or self.at + dt.timedelta(seconds=eta) <= self.due


def _wanted(incident: Incident, *, zone: str, at: dt.datetime) -> _Wanted:
    within_s = policies.deadlines_for(
        district_id=incident.district_id, priority=incident.priority, zone=zone
    ).arrive_within_s
    return _Wanted(
        preferred=policies.units_preferred(category=incident.category, priority=incident.priority),
        suited=policies.units_suited(incident.category),
        due=ladder.arrival_due(
            received_at=incident.received_at,
            reopened_at=incident.reopened_at,
            within_s=within_s,
        ),
        at=at,
    )


def _with_reasons(
    ranked: list[tuple[tuple[Any, ...], Recommendation]], wanted: _Wanted
) -> list[Recommendation]:
    """The sorted candidates, each ranked before a unit of its group (reachable or not,
    fresh or stale) that would arrive sooner marked with the nearest such unit and why: the
    duty officer reads why a farther unit is first, not only that it is."""
    out = []
    for i, (key, rec) in enumerate(ranked):
        if rec.eta_s is not None and key[2] == 0:  # ranked first for its kind
            sooner = [
                r
                for k, r in ranked[i + 1 :]
                if k[:2] == key[:2] and r.eta_s is not None and r.eta_s < rec.eta_s
            ]
            if sooner:
                nearest = min(sooner, key=lambda r: r.eta_s or 0)
                why = (
                    RANKED_FOR_DV_CALL
                    if rec.unit.type == UnitType.DV_INSPECTOR
                    else RANKED_FOR_SPECIALIST_KEPT
                )
                rec = replace(rec, passed_over=nearest.unit, ranked_for=why, arrive_by=wanted.due)
        out.append(rec)
    return out


def units_recommended(
    *,
    incident: Incident,
    exclude_unit_ids: Iterable[int] = (),
    limit: int | None = 10,
    at: dt.datetime | None = None,
) -> list[Recommendation]:
    """Available units of the incident's district ranked by estimated travel time and kind.

    Order: reachable units before ``unreachable`` ones (no contact for
    ``KUZET_UNREACHABLE_MINUTES``: offered last, with a warning, never hidden — issue 13);
    within each, units with a fresh position before units whose position is stale or unknown
    (``KUZET_POSITION_STALE_MINUTES``); then the units of the kind the call wants
    (``policies.units_preferred``: a patrol before the DV inspector on a P2 theft, the DV
    inspector on a DV call) that would be on scene by its arrival deadline; then by estimated
    travel time; an exact tie to the kinds the call is work for, then by callsign so that
    ties are stable. A unit ranked before a nearer one says which and why
    (``Recommendation.passed_over``, ``ranked_for``). Units already assigned to the incident
    are left out. Units of the other districts nearer to the call: :func:`units_across_border`.
    """
    at = at or clock.now()
    stale_after = dt.timedelta(minutes=settings.KUZET_POSITION_STALE_MINUTES)
    point = incident_point(incident)
    zone = incident_zone(incident)
    busy_here = Assignment.objects.filter(incident=incident, status__in=ASSIGNMENT_OPEN).values(
        "unit_id"
    )
    units = (
        Unit.objects.filter(
            district_id=incident.district_id, active=True, status__in=lifecycle.UNIT_DISPATCHABLE
        )
        .exclude(pk__in=busy_here)
        .exclude(pk__in=list(exclude_unit_ids))
    )
    wanted = _wanted(incident, zone=zone, at=at)
    ranked = [
        _ranked(unit, point=point, zone=zone, at=at, stale_after=stale_after, wanted=wanted)
        for unit in units
    ]
    ranked.sort(key=lambda item: item[0])
    recs = _with_reasons(ranked, wanted)
    return recs if limit is None else recs[:limit]


def _ranked(
    unit: Unit,
    *,
    point: tuple[float, float] | None,
    zone: str,
    at: dt.datetime,
    stale_after: dt.timedelta,
    wanted: _Wanted,
) -> tuple[tuple[Any, ...], Recommendation]:
    """A unit as a candidate for the call at ``point``, with its ranking key."""
    age = unit.position_age(at)
    stale = age is None or age > stale_after or unit.lat is None
    km = eta = None
    if point is not None and unit.lat is not None and unit.lon is not None:
        km = travel.road_km(unit.lat, unit.lon, point[0], point[1])
        eta = travel.travel_seconds(km, zone=zone, mobility=unit.mobility)
    presence = unit.presence(at)
    rec = Recommendation(
        unit=unit,
        presence=presence,
        road_km=km,
        eta_s=eta,
        position_at=unit.position_at,
        position_age_s=None if age is None else max(0, int(age.total_seconds())),
        stale=stale,
    )
    first_for_kind = 0 if wanted.in_time(unit, eta) else 1
    tie = 0 if unit.type in wanted.suited else 1
    key = (
        presence == UNREACHABLE,
        stale,
        first_for_kind,
        eta is None,
        eta or 0,
        tie,
        unit.callsign,
    )
    return key, rec


@dataclass(frozen=True)
class Divertible:
    """A unit busy on less urgent calls that could be sent to a more urgent one instead."""

    recommendation: Recommendation
    # What it would leave: its open assignments, with their incidents.
    leaving: tuple[Assignment, ...]


def units_divertible(
    *, incident: Incident, limit: int | None = 5, at: dt.datetime | None = None
) -> list[Divertible]:
    """Units of the incident's district on calls less urgent than it, that could be taken off
    them (``lifecycle.UNIT_DIVERTIBLE``: not transporting, busy, out of service or in SOS),
    ranked as :func:`units_recommended` ranks the available ones. For a P3 call, none."""
    if not any(lifecycle.more_urgent(incident.priority, p) for p in Priority.values):
        return []
    at = at or clock.now()
    open_work = (
        Assignment.objects.filter(
            unit__district_id=incident.district_id,
            unit__active=True,
            unit__status__in=lifecycle.UNIT_DIVERTIBLE,
            status__in=ASSIGNMENT_OPEN,
        )
        .select_related("incident__settlement", "unit")
        .order_by("unit_id", "dispatched_at", "pk")
    )
    by_unit: dict[int, list[Assignment]] = defaultdict(list)
    for a in open_work:
        by_unit[a.unit_id].append(a)
    candidates = [
        work
        for work in by_unit.values()
        if all(
            a.incident_id != incident.pk
            and lifecycle.more_urgent(incident.priority, a.incident.priority)
            for a in work
        )
    ]
    if not candidates:
        return []
    stale_after = dt.timedelta(minutes=settings.KUZET_POSITION_STALE_MINUTES)
    point, zone = incident_point(incident), incident_zone(incident)
    wanted = _wanted(incident, zone=zone, at=at)
    ranked = []
    leaving = {}
    for work in candidates:
        ranked.append(
            _ranked(
                work[0].unit, point=point, zone=zone, at=at, stale_after=stale_after, wanted=wanted
            )
        )
        leaving[work[0].unit_id] = tuple(work)
    ranked.sort(key=lambda item: item[0])
    found = [
        Divertible(recommendation=rec, leaving=leaving[rec.unit.pk])
        for rec in _with_reasons(ranked, wanted)
    ]
    return found if limit is None else found[:limit]


@dataclass(frozen=True)
class AcrossBorder:
    """An available unit of another district, nearer to the call than its own district's."""

    recommendation: Recommendation
    district: District
    # How much sooner than the own district's best it would arrive; None when the own
    # district has no unit free with a known, fresh position.
    sooner_s: int | None

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.recommendation.as_dict(),
            "district_id": self.district.pk,
            "district_name": self.district.name,
            "district_name_kk": self.district.name_kk,
            "sooner_s": self.sooner_s,
        }


def own_best_eta_s(recommendations: Iterable[Recommendation]) -> int | None:
    """The travel estimate of the own district's best unit, counted only when it is
    reachable with a fresh position: a stale position's estimate, or a unit nobody has
    heard from, is no reason to keep a unit of the next district from a call."""
    etas = [
        r.eta_s
        for r in recommendations
        if r.eta_s is not None and not r.stale and r.presence != UNREACHABLE
    ]
    return min(etas) if etas else None


def units_across_border(
    *,
    incident: Incident,
    own: Iterable[Recommendation] | None = None,
    limit: int | None = 3,
    at: dt.datetime | None = None,
) -> list[AcrossBorder]:
    """Available units of the other districts of the incident's oblast that would arrive
    clearly sooner than the incident's own district's best (``policies.across_border_*``).

    Only units with a fresh position within ``KUZET_ACROSS_BORDER_KM`` of the call and
    reachable: a unit is offered to another district's call on what is known of it, never on
    a guess. Ranked as :func:`units_recommended` ranks (by travel time, then callsign).
    ``own``: the own district's recommendations, when the caller has them already (all of
    them, not a page: the best is their minimum). None for a call without a place."""
    point = incident_point(incident)
    if point is None:
        return []
    at = at or clock.now()
    if own is None:
        own = units_recommended(incident=incident, limit=None, at=at)
    best = own_best_eta_s(own)
    radius = policies.across_border_km()
    # A box around the call first (an index range on lat), the circle below.
    dlat = radius / _KM_PER_DEG_LAT
    dlon = dlat / max(0.2, math.cos(math.radians(point[0])))
    busy_here = Assignment.objects.filter(incident=incident, status__in=ASSIGNMENT_OPEN).values(
        "unit_id"
    )
    units = (
        Unit.objects.filter(
            district__oblast_id=incident.district.oblast_id,
            active=True,
            status__in=lifecycle.UNIT_DISPATCHABLE,
            lat__range=(point[0] - dlat, point[0] + dlat),
            lon__range=(point[1] - dlon, point[1] + dlon),
        )
        .exclude(district_id=incident.district_id)
        .exclude(pk__in=busy_here)
        .select_related("district")
    )
    stale_after = dt.timedelta(minutes=settings.KUZET_POSITION_STALE_MINUTES)
    zone = incident_zone(incident)
    wanted = _wanted(incident, zone=zone, at=at)
    ranked = []
    for unit in units:
        key, rec = _ranked(
            unit, point=point, zone=zone, at=at, stale_after=stale_after, wanted=wanted
        )
        if rec.stale or rec.presence == UNREACHABLE or rec.eta_s is None:
            continue
        # not stale: it has a position
        if travel.haversine_km(unit.lat or 0.0, unit.lon or 0.0, *point) > radius:
            continue  # in the box, outside the circle
        if not policies.across_border_worth(eta_s=rec.eta_s, own_best_eta_s=best):
            continue
        sooner = None if best is None else best - rec.eta_s
        ranked.append((key, AcrossBorder(rec, unit.district, sooner)))
    ranked.sort(key=lambda item: item[0])
    found = [a for _, a in ranked]
    return found if limit is None else found[:limit]


# --- duplicates ------------------------------------------------------------------------------
def incident_probable_original(
    *,
    district_id: int,
    category: str,
    received_at: dt.datetime,
    lat: float | None,
    lon: float | None,
    settlement_id: int | None,
    exclude_id: int | None = None,
    exercise: bool = False,
) -> Incident | None:
    """An earlier open report of the same category near the same place within the window.

    A drill's call repeats a drill's, a real one a real one's: a villager's theft folded into
    the exercise's (or the exercise's into it) would leave his call out of the figures, or
    the drill in them.

    Near: within ``KUZET_DUPLICATE_RADIUS_M`` when both reports have coordinates, else the
    same village — not the same town: a town-wide match linked a burglary on one street to
    another's, and a linked report is nobody's work until someone separates it. Only a
    call still open is an original (one closed or cancelled has nobody coming to it); reports
    that are themselves duplicates never are (links point at the first report). The
    nearest, then earliest, candidate wins.
    """
    window = policies.duplicate_window()
    candidates = (
        Incident.objects.filter(
            district_id=district_id,
            category=category,
            received_at__gte=received_at - window,
            received_at__lte=received_at + window,
            exercise=exercise,
        )
        .exclude(status__in=lifecycle.INCIDENT_ENDED)
        .order_by("received_at", "pk")
        .only("id", "lat", "lon", "settlement_id", "received_at", "number", "district_id")
    )
    if exclude_id is not None:
        candidates = candidates.exclude(pk=exclude_id)
    radius = policies.duplicate_radius_km()
    by_village = (
        settlement_id is not None
        and Settlement.objects.filter(pk=settlement_id).exclude(zone=Zone.URBAN).exists()
    )
    best: tuple[float, Incident] | None = None
    for other in candidates:
        if lat is not None and lon is not None and other.lat is not None and other.lon is not None:
            d = travel.haversine_km(lat, lon, other.lat, other.lon)
            if d > radius:
                continue
        elif not by_village or other.settlement_id != settlement_id:
            continue
        else:
            d = radius
        if best is None or d < best[0]:
            best = (d, other)
    return None if best is None else best[1]


# While a call is taken, the duty officer sees what may be the same event: wider than the
# automatic link above (which needs the same category within 30 minutes and 500 m), since a
# person decides — the same village or a few km around it in the last hours, or the same
# caller. A caller rings back an hour later; a neighbour calls about the same fight.
CALL_NEARBY_HOURS = 6
CALL_NEARBY_KM = 5.0
_KM_PER_DEG_LAT = 111.0


@dataclass(frozen=True)
class NearbyIncident:
    """An open incident that may be the call being taken, and why it is shown."""

    incident: Incident
    same_phone: bool
    same_settlement: bool
    km: float | None  # great-circle distance between the two places, when both are known


def incidents_near_a_call(
    incidents: QuerySet[Incident],
    *,
    settlement: Settlement | None,
    lat: float | None,
    lon: float | None,
    phone_key: str,
    now: dt.datetime,
    limit: int = 10,
) -> list[NearbyIncident]:
    """Open incidents of ``incidents`` (already scoped to the user) received in the last
    ``CALL_NEARBY_HOURS`` in the same settlement, within ``CALL_NEARBY_KM`` of the call's
    place (its coordinates, else its settlement's), or from the same phone (``phone_key``:
    the last ten digits, or "" for none). The same caller first, then the nearest, then the
    latest."""
    point = (lat, lon) if lat is not None and lon is not None else None
    if point is None and settlement is not None and settlement.lat is not None:
        point = (settlement.lat, settlement.lon)  # type: ignore[assignment]
    near = Q(pk__in=[])
    if settlement is not None:
        near |= Q(settlement_id=settlement.pk)
    if point is not None:
        dlat = CALL_NEARBY_KM / _KM_PER_DEG_LAT
        dlon = dlat / max(0.2, math.cos(math.radians(point[0])))
        lat_range, lon_range = (
            (point[0] - dlat, point[0] + dlat),
            (point[1] - dlon, point[1] + dlon),
        )
        near |= Q(lat__range=lat_range, lon__range=lon_range)
        near |= Q(
            lat__isnull=True, settlement__lat__range=lat_range, settlement__lon__range=lon_range
        )
    if len(phone_key) == 10:
        near |= Q(caller_phone__endswith=phone_key)
    rows = (
        incidents.filter(near, status__in=lifecycle.INCIDENT_OPEN)
        .filter(received_at__gte=now - dt.timedelta(hours=CALL_NEARBY_HOURS))
        .select_related("settlement", "district")
        .order_by("-received_at", "-pk")
    )
    found: list[NearbyIncident] = []
    for other in rows[:200]:
        where = incident_point(other)
        km = None if point is None or where is None else travel.haversine_km(*point, *where)
        same_phone = len(phone_key) == 10 and other.caller_phone.endswith(phone_key)
        same_settlement = settlement is not None and other.settlement_id == settlement.pk
        if not (same_phone or same_settlement or (km is not None and km <= CALL_NEARBY_KM)):
            continue  # in the box, outside the circle
        found.append(NearbyIncident(other, same_phone, same_settlement, km))
    found.sort(key=lambda n: (not n.same_phone, n.km if n.km is not None else CALL_NEARBY_KM))
    return found[:limit]


# --- domestic violence -----------------------------------------------------------------------
def risk_subjects_for(
    *, district_id: int, settlement_id: int | None, caller_phone: str, landmark: str
) -> list[RiskSubject]:
    """DV risk subjects matching a call: the caller's phone, or the address in the settlement."""
    match = Q(pk__in=[])
    if caller_phone:
        match |= Q(phone=caller_phone)
    if settlement_id is not None and landmark.strip():
        match |= Q(settlement_id=settlement_id, address_key=RiskSubject.address_key_of(landmark))
    found = RiskSubject.objects.filter(match, district_id=district_id).select_related("settlement")
    return list(found.order_by("pk"))


def risk_flags(subjects: Iterable[RiskSubject], *, today: dt.date) -> list[dict[str, Any]]:
    """The flags shown to the responding unit, one per matching subject, each with its
    village (both names, for the reader's language): the caller's phone matches anywhere in
    the district, and three homes at "ферма" read as one without it."""
    flags: list[dict[str, Any]] = [{"flag": "domestic_violence"}]
    for s in subjects:
        order = s.protective_order_until
        place = s.settlement
        flags.append(
            {
                "flag": "risk_subject",
                "subject_id": s.pk,
                "kind": s.kind,
                "label": str(s),
                "settlement_id": s.settlement_id,
                "settlement_name": place.name if place else "",
                "settlement_name_kk": place.name_kk if place else "",
                "protective_order_until": order.isoformat() if order else None,
                "protective_order_active": bool(order and order >= today),
                "prior_dv_calls": s.prior_dv_calls,
                "last_follow_up_at": s.last_follow_up_at.isoformat()
                if s.last_follow_up_at
                else None,
            }
        )
    return flags


# --- audit entries, named ------------------------------------------------------------------
# How a person names a record, by the entry's object type: the model and its name's fields.
NAMED_BY: dict[str, tuple[type[models.Model], tuple[str, ...]]] = {
    "incident": (Incident, ("number",)),
    "assignment": (Assignment, ("unit__callsign", "incident__number")),
    "unit": (Unit, ("callsign",)),
    "officer": (Officer, ("username",)),
}


# Records of the apps above dispatch, named by their ``__str__`` (one read per kind): each
# app registers its own in its ``ready()`` (:func:`name_records_by_str`) — dispatch may not
# import them.
NAMED_BY_STR: dict[str, type[models.Model]] = {}


def name_records_by_str(object_type: str, model: type[models.Model]) -> None:
    """Let the audit log and the desk's last actions name ``object_type``'s records by their
    ``__str__`` (a shift handover: "Shift handover · 05.12.2026 19:55:00")."""
    NAMED_BY_STR[object_type] = model


def object_names(entries: Iterable[AuditEntry]) -> dict[tuple[str, str], str]:
    """How a person names the records entries are about, one read per kind: a call by its
    number, an assignment by its unit and call, a unit by callsign, an officer by login, a
    registered kind by its ``__str__`` (others keep their id)."""
    ids: dict[str, set[int]] = defaultdict(set)
    for entry in entries:
        known = entry.object_type in NAMED_BY or entry.object_type in NAMED_BY_STR
        if known and entry.object_id.isdigit():
            ids[entry.object_type].add(int(entry.object_id))
    names: dict[tuple[str, str], str] = {}
    for kind, pks in ids.items():
        if kind in NAMED_BY_STR:
            for record in NAMED_BY_STR[kind]._default_manager.filter(pk__in=pks):
                names[kind, str(record.pk)] = str(record)
            continue
        model, fields = NAMED_BY[kind]
        for pk, *parts in model._default_manager.filter(pk__in=pks).values_list("pk", *fields):
            names[kind, str(pk)] = " · ".join(str(p) for p in parts)
    return names


# Keys of an entry's data (or an event's payload) that name a record by id, read as a person
# names it by :func:`data_record_names` — the log read "Follow-up visit: 12", "Enrolment code:
# 7", "Officer-safety check: 31".
DATA_RECORD_KEYS = ("follow_up_id", "code_id", "safety_check_id")


def data_record_names(datas: Iterable[Any]) -> dict[tuple[str, int], str]:
    """How a person names the records ``datas`` name by id (:data:`DATA_RECORD_KEYS`), one
    read per kind: a follow-up visit by its place and unit, an enrolment code by its officer, a
    safety check by its unit and the time it was raised. Records gone keep their id."""
    ids: dict[str, set[int]] = defaultdict(set)
    for data in datas:
        if isinstance(data, dict):
            for key in DATA_RECORD_KEYS:
                if isinstance(data.get(key), int):
                    ids[key].add(data[key])
    names: dict[tuple[str, int], str] = {}
    if ids["follow_up_id"]:
        visits = FollowUpTask.objects.filter(pk__in=ids["follow_up_id"]).select_related(
            "incident__settlement", "unit"
        )
        names |= {("follow_up_id", v.pk): _visit_name(v) for v in visits}
    if ids["code_id"]:
        codes = EnrolmentCode.objects.filter(pk__in=ids["code_id"]).select_related("officer")
        names |= {
            ("code_id", c.pk): gettext("code for %(officer)s") % {"officer": c.officer.display_name}
            for c in codes
        }
    if ids["safety_check_id"]:
        checks = SafetyCheck.objects.filter(pk__in=ids["safety_check_id"]).select_related(
            "assignment__unit"
        )
        names |= {
            ("safety_check_id", c.pk): gettext("safety check of %(unit)s at %(time)s")
            % {"unit": c.assignment.unit.callsign, "time": when_text(c.fired_at)}
            for c in checks
        }
    return names


def _visit_name(visit: FollowUpTask) -> str:
    """A follow-up visit as "visit to <settlement> by <unit>" (a call with no settlement: by
    its number; a visit nobody is sent on yet: no unit)."""
    place = visit.incident.settlement or visit.incident.number
    if visit.unit is None:
        return gettext("visit to %(place)s") % {"place": place}
    return gettext("visit to %(place)s by %(unit)s") % {
        "place": place,
        "unit": visit.unit.callsign,
    }


# --- conflicts --------------------------------------------------------------------------------
def safety_checks_open(user: Any, *, limit: int = 100) -> QuerySet[SafetyCheck]:
    """The officer-safety checks of ``user``'s districts nobody has answered, of crews still
    on scene there, oldest first."""
    rows = scoped(
        SafetyCheck.objects.select_related("assignment__incident", "assignment__unit"),
        user,
        path="assignment__incident__district",
    )
    return rows.filter(
        checked_at__isnull=True, assignment__status=lifecycle.AssignmentStatus.ON_SCENE
    ).order_by("fired_at", "pk")[:limit]


def safety_checks_on(assignment_ids: Iterable[int]) -> QuerySet[SafetyCheck]:
    """The officer-safety checks of these assignments, answered or not, oldest due first —
    a call's record of its crews' silences on scene (the ids from
    ``access.access_assignments_to_read``)."""
    return (
        SafetyCheck.objects.filter(assignment_id__in=sorted(set(assignment_ids)))
        .select_related("assignment__incident", "assignment__unit", "checked_by", "word")
        .order_by("due_at", "pk")
    )


def conflicts_of(user: Any, *, state: str | None = None, limit: int = 500) -> QuerySet[Conflict]:
    """The conflicts of ``user``'s districts, oldest first, at most ``limit``."""
    rows = scoped(Conflict.objects.select_related("incident"), user)
    if state:
        rows = rows.filter(state=state)
    return rows.order_by("opened_at", "pk")[:limit]


def audit_about_incidents(incident_ids: list[int]) -> Q:
    """The audit entries about these calls and their parts — the units sent, the facts
    recorded on them, conflicts and follow-up visits: the incident page's timeline, a call's
    History, the audit log's search by number. One query with the entries (subqueries)."""

    def keys(model: type[models.Model], **lookup: Any) -> Any:
        rows = model._default_manager.filter(**lookup)
        return rows.annotate(key=Cast("pk", CharField())).values("key")

    calls = {"incident__in": incident_ids}
    facts = Event.objects.filter(
        Q(incident__in=incident_ids) | Q(assignment__incident__in=incident_ids)
    )
    return (
        Q(object_type="incident", object_id__in=[str(pk) for pk in incident_ids])
        | Q(object_type="assignment", object_id__in=keys(Assignment, **calls))
        | Q(object_type="event", object_id__in=facts.values("pk"))
        | Q(object_type="conflict", object_id__in=keys(Conflict, **calls))
        | Q(object_type="followuptask", object_id__in=keys(FollowUpTask, **calls))
    )


# --- an officer's SOS ------------------------------------------------------------------------
def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def _point(lat: Any, lon: Any) -> tuple[float, float] | None:
    """(lat, lon) when both are numbers inside Kazakhstan's box, else None."""
    la, lo = _number(lat), _number(lon)
    if la is None or lo is None:
        return None
    if not (LAT_RANGE[0] <= la <= LAT_RANGE[1] and LON_RANGE[0] <= lo <= LON_RANGE[1]):
        return None
    return la, lo


@dataclass(frozen=True)
class SosPosition:
    """Where an officer who pressed SOS was last known to be, and since when.

    ``source``: ``sent`` (a fresh fix on the SOS itself), ``last_fix`` (an older fix the phone
    sent in the SOS's payload with its age, docs/protocol.md) or ``unit`` (the unit's last
    position as Kuzet knew it before the SOS: from an earlier location report)."""

    lat: float
    lon: float
    at: dt.datetime | None
    source: str
    accuracy_m: float | None = None


def unit_position(unit: Unit) -> SosPosition | None:
    """The unit's last known position (any phone of its crew), as an SOS's position."""
    if (known := _point(unit.lat, unit.lon)) is None:
        return None
    return SosPosition(*known, unit.position_at, "unit", unit.position_accuracy_m)


def position_details(position: SosPosition | None) -> dict[str, Any] | None:
    """A position for a board frame: the point, its time (ms), where it came from, and the
    place a person reads (the nearest settlement, distance and compass point)."""
    if position is None:
        return None
    place = place_near(lat=position.lat, lon=position.lon)
    return {
        "lat": round(position.lat, 5),
        "lon": round(position.lon, 5),
        "at": clock.opt_ms(position.at),
        "source": position.source,
        "accuracy_m": position.accuracy_m,
        "place": place.as_dict() if place is not None else None,
    }


LAST_FIX_AGE_MAX_MS = 366 * 24 * 3600 * 1000


def sos_position(event: Event, unit: Unit) -> SosPosition | None:
    """The best "where" of an SOS: the freshest of the event's own fix, the phone's last fix
    from the payload (dated by its age before the event) and the unit's last known position
    (a report of either phone of the crew — before the SOS, or after it: a phone asked for a
    fix when the officer pressed SOS). On equal times the SOS's own fix wins."""
    found: list[SosPosition] = []
    if (sent := _point(event.lat, event.lon)) is not None:
        found.append(SosPosition(*sent, event.estimated_at, "sent", event.accuracy_m))
    payload = event.payload if isinstance(event.payload, dict) else {}
    last = _point(payload.get("last_lat"), payload.get("last_lon"))
    age_ms = _number(payload.get("last_fix_age_ms"))
    # An age beyond a year is no phone's last fix; 2^53 ms overflowed the date, a 500 that
    # refused the push with the SOS in it, and every retry of it.
    if last is not None and age_ms is not None and 0 <= age_ms <= LAST_FIX_AGE_MAX_MS:
        at = (
            event.estimated_at - dt.timedelta(milliseconds=age_ms)
            if event.estimated_at is not None
            else None
        )
        found.append(SosPosition(*last, at, "last_fix", _number(payload.get("last_accuracy_m"))))
    if (known := unit_position(unit)) is not None:
        found.append(known)
    if not found:
        return None
    oldest = dt.datetime.min.replace(tzinfo=dt.UTC)
    return max(found, key=lambda p: p.at or oldest)  # max keeps the first of equals


def sos_details(event: Event, unit: Unit) -> dict[str, Any]:
    """Who is in danger and where, for the board's SOS banner (JSON, both languages' names).

    ``officer_name`` (who pressed it), ``crew`` (the unit's members, that officer first),
    ``position`` (``lat``, ``lon``, ``at`` ms, ``source``, ``accuracy_m``, ``place``: the
    nearest settlement with distance and compass point; None when nothing is known) and
    ``call`` (the unit's open call, the latest dispatched; None when it is on none)."""
    members = list(
        Officer.objects.filter(unit_id=unit.pk, is_active=True).order_by(
            "last_name", "first_name", "pk"
        )
    )
    officer = next((m for m in members if m.pk == event.officer_id), None)
    if officer is None and event.officer_id is not None:
        officer = Officer.objects.filter(pk=event.officer_id).first()
    crew = ([officer] if officer is not None else []) + [
        m for m in members if officer is None or m.pk != officer.pk
    ]
    position = sos_position(event, unit)
    assignment = (
        Assignment.objects.filter(unit_id=unit.pk, status__in=ASSIGNMENT_OPEN)
        .exclude(incident__status__in=lifecycle.INCIDENT_ENDED)
        .select_related("incident", "incident__settlement")
        .order_by("-dispatched_at", "-pk")
        .first()
    )
    call = None
    if assignment is not None:
        incident = assignment.incident
        settlement = incident.settlement
        call = {
            "incident_id": incident.pk,
            "number": incident.number,
            "category": incident.category,
            "priority": incident.priority,
            "settlement": settlement.name if settlement is not None else "",
            "settlement_kk": settlement.name_kk if settlement is not None else "",
            "landmark": incident.landmark,
            "assignment_status": assignment.status,
        }
    return {
        "officer_name": officer.display_name if officer is not None else None,
        "crew": [m.display_name for m in crew],
        "position": position_details(position),
        "call": call,
    }


# --- the desk's messages to a crew, and whether the crew read them --------------------------


@dataclass(frozen=True)
class DeskMessage:
    """A duty officer's message to the crew on an assignment (a ``note`` with source
    ``desk``) and what became of it: ``by_sms`` — it went by SMS too (an SMS has no
    receipt); ``read_at`` — when a phone of the crew said its officer had read it (the
    ``read`` fact's estimated time, never before the message was sent), by ``read_by``
    (the officer's name) — ``None`` while no phone has said so; ``read_by_sms`` — the
    receipt was his SMS reply to it (services/sms_inbound.py), not his phone's app."""

    id: str
    assignment_id: int
    text: str
    sent_at: dt.datetime
    by_sms: bool
    read_at: dt.datetime | None
    read_by: str | None
    read_by_officer_id: int | None
    # The receipt was the officer's SMS reply ("ACK 4821", services/sms_inbound.py), not the app.
    read_by_sms: bool = False

    def as_row(self) -> dict[str, Any]:
        """The board's shape: times in ms since epoch."""
        return {
            "id": self.id,
            "sent_at": clock.to_ms(self.sent_at),
            "by_sms": self.by_sms,
            "read_at": clock.opt_ms(self.read_at),
            "read_by": self.read_by,
            "read_by_sms": self.read_by_sms,
        }


def desk_messages(assignment_ids: Iterable[int]) -> dict[int, list[DeskMessage]]:
    """The desk's messages on these assignments, oldest first, with their read receipts.

    A ``read`` fact names the latest message its officer saw and stands for every earlier
    one on the assignment (docs/protocol.md §4): a message is read at the earliest receipt
    that names it or a later one. Receipts of another unit's phone (``not_assignee``) say
    nothing about the crew that was sent. One query when no message was sent (nearly every
    assignment), two more otherwise.
    """
    ids = sorted(set(assignment_ids))
    if not ids:
        return {}
    rows = list(
        Event.objects.filter(
            Q(kind=EventKind.NOTE, source=EventSource.DESK) | Q(kind=EventKind.READ),
            assignment_id__in=ids,
        )
        .exclude(disposition=Disposition.NOT_ASSIGNEE)
        .select_related("officer")
        .order_by("server_received_at", "id")
    )
    notes = [e for e in rows if e.kind == EventKind.NOTE]
    if not notes:
        return {}
    texted = set(
        SmsMessage.objects.filter(
            assignment_id__in=sorted({e.assignment_id for e in notes if e.assignment_id}),
            purpose=SmsMessage.Purpose.MESSAGE,
            direction=SmsMessage.Direction.OUT,
        ).values_list("assignment_id", "created_at")
    )
    position: dict[str, int] = {}
    by_assignment: dict[int, list[Event]] = defaultdict(list)
    for note in notes:
        assert note.assignment_id is not None
        position[note.pk] = len(by_assignment[note.assignment_id])
        by_assignment[note.assignment_id].append(note)
    # The earliest receipt covering each message: (time, officer).
    first_read: dict[str, Event] = {}
    for receipt in (e for e in rows if e.kind == EventKind.READ):
        named = receipt.payload.get("event_id") if isinstance(receipt.payload, dict) else None
        if named not in position or receipt.assignment_id is None:
            continue
        for note in by_assignment[receipt.assignment_id][: position[named] + 1]:
            known = first_read.get(note.pk)
            if known is None or receipt.estimated_at < known.estimated_at:
                first_read[note.pk] = receipt
    out: dict[int, list[DeskMessage]] = {}
    for assignment_id, messages in by_assignment.items():
        out[assignment_id] = []
        for note in messages:
            read = first_read.get(note.pk)
            out[assignment_id].append(
                DeskMessage(
                    id=note.pk,
                    assignment_id=assignment_id,
                    text=str(note.payload.get("text") or ""),
                    sent_at=note.server_received_at,
                    by_sms=(assignment_id, note.server_received_at) in texted,
                    read_at=None
                    if read is None
                    else max(read.estimated_at, note.server_received_at),
                    read_by=None
                    if read is None or read.officer is None
                    else str(read.officer.display_name),
                    read_by_officer_id=None if read is None else read.officer_id,
                    read_by_sms=read is not None and read.source == EventSource.SMS,
                )
            )
    return out
