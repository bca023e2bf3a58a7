"""The rules with numbers in them: default priorities per channel and category, whether the
citizen must be told the outcome, duplicate windows, DV follow-ups and escalation deadlines.

Deadlines live in :class:`~backend.dispatch.models.EscalationPolicy` rows (editable by chiefs
in admin, defaults loaded by a data migration); :data:`DEFAULT_TARGETS` is the same DOMAIN.md
table in code, used when no row matches (a flushed test database, a deleted default row), so
that a dispatch never fails for want of a policy.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Case, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce, NullIf

from backend.geo.travel import DEFAULT_ZONE
from backend.people.models import UnitType

from .models import Category, Channel, EscalationPolicy, Incident, Priority

# --- escalation deadlines (DOMAIN.md "Priorities and default targets") -------------------
DELIVER_WITHIN_S = 30
# priority: (acknowledge within s, {zone: on scene within s from the call, None = no target})
DEFAULT_TARGETS: dict[str, tuple[int, dict[str, int | None]]] = {
    "P0": (60, {"urban": 600, "suburban": 900, "rural": 1800, "remote": 3600}),
    "P1": (120, {"urban": 900, "suburban": 1200, "rural": 2700, "remote": 5400}),
    "P2": (300, {"urban": 1800, "suburban": 2700, "rural": 7200, "remote": 14400}),
    "P3": (1800, {"urban": None, "suburban": None, "rural": None, "remote": None}),
}


@dataclass(frozen=True)
class Deadlines:
    deliver_within_s: int
    ack_within_s: int
    arrive_within_s: int | None
    source: str  # "district", "default" or "builtin"


def deadlines_for(*, district_id: int, priority: str, zone: str | None) -> Deadlines:
    """The escalation deadlines for an incident: the district's row for the zone, the
    district's row for every zone, the default row for the zone, the default row for every
    zone, and finally the built-in table — the most specific wins. One query."""
    zone = zone or "rural"
    rows = list(
        EscalationPolicy.objects.filter(
            Q(district_id=district_id) | Q(district__isnull=True),
            priority=priority,
            zone__in=[zone, ""],
        )
    )
    return _most_specific(rows, district_id=district_id, priority=priority, zone=zone)


PolicyKey = tuple[int, str, str | None]  # (district id, priority, zone)


def deadlines_for_many(keys: Iterable[PolicyKey]) -> dict[PolicyKey, Deadlines]:
    """:func:`deadlines_for` of many (district, priority, zone) at once. One query."""
    keys = set(keys)
    if not keys:
        return {}
    rows = list(
        EscalationPolicy.objects.filter(
            Q(district_id__in={d for d, _, _ in keys}) | Q(district__isnull=True),
            priority__in={p for _, p, _ in keys},
        )
    )
    return {
        key: _most_specific(rows, district_id=key[0], priority=key[1], zone=key[2] or "rural")
        for key in keys
    }


def _most_specific(
    rows: list[EscalationPolicy], *, district_id: int, priority: str, zone: str
) -> Deadlines:
    rows = [
        p
        for p in rows
        if p.district_id in (district_id, None) and p.priority == priority and p.zone in (zone, "")
    ]
    if rows:
        best = min(rows, key=lambda p: (p.district_id is None, p.zone == ""))
        return Deadlines(
            deliver_within_s=best.deliver_within_s,
            ack_within_s=best.ack_within_s,
            arrive_within_s=best.arrive_within_s,
            source="default" if best.district_id is None else "district",
        )
    ack, arrive = DEFAULT_TARGETS[priority]
    return Deadlines(DELIVER_WITHIN_S, ack, arrive.get(zone), "builtin")


def with_arrive_within_s(qs: QuerySet[Incident]) -> QuerySet[Incident]:
    """Incidents annotated with ``arrive_within_s``: their arrival target in seconds from the
    call, as :func:`deadlines_for` picks it for the incident's district, priority and zone
    (NULL: no target) — in the database, for the calls no dispatch fixed a deadline for
    (``kpis.incidents_with_sla``). The most specific policy row wins; without one, the
    built-in table."""
    no_target = -1  # a row that says "no arrival target", told apart from no row at all
    row = (
        EscalationPolicy.objects.filter(
            Q(district_id=OuterRef("district_id")) | Q(district__isnull=True),
            Q(zone=OuterRef("policy_zone")) | Q(zone=""),
            priority=OuterRef("priority"),
        )
        .order_by(
            F("district_id").asc(nulls_last=True),
            Case(When(zone="", then=Value(1)), default=Value(0)),
        )
        .annotate(target=Coalesce("arrive_within_s", Value(no_target)))
        .values("target")[:1]
    )
    builtin = Case(
        *(
            When(
                priority=priority,
                then=Case(
                    *(When(policy_zone=z, then=Value(s)) for z, s in arrive.items() if s),
                    default=None,
                    output_field=IntegerField(),
                ),
            )
            for priority, (_ack, arrive) in DEFAULT_TARGETS.items()
            if any(arrive.values())  # P3: no target, NULL
        ),
        default=None,
        output_field=IntegerField(),
    )
    return qs.annotate(policy_zone=Coalesce("settlement__zone", Value(DEFAULT_ZONE))).annotate(
        arrive_within_s=NullIf(
            Coalesce(Subquery(row, output_field=IntegerField()), builtin),
            Value(no_target),
        )
    )


# --- calls waiting for a unit (the ladder's rung per call) ---------------------------------
# A call nobody was sent to has no assignment, so no deadline of the rows above was ever fixed
# for it. It is overdue once it has waited, from when it was received, longer than the
# acknowledgement window its district, priority and zone give a unit (60 s for P0, 2 min for
# P1, 5 min for P2 by default): by then the unit should already have answered, and nobody was
# even sent. The same window marks its row overdue on the board (realtime.fanout._with_deadlines),
# so the alert comes when the row turns red, and a chief who changes the window changes both.
# Not for P3 (parking, noise, information: no arrival target, a 30-minute window): a queue of
# those is the desk's ordinary work, and the board's red row says enough.
WAITING_ALERT_PRIORITIES: tuple[str, ...] = (Priority.P0, Priority.P1, Priority.P2)
# Calls received longer ago than this are not swept: what keeps the sweep's query bounded
# when calls are left waiting for days (and the first sweep after an upgrade from ringing for
# every forgotten call). A call still waiting a day on is on the desk's list of waiting calls.
WAITING_ALERT_HORIZON = dt.timedelta(hours=24)


def dispatch_within_s(deadlines: Deadlines) -> int:
    """How long a call may wait for a unit before the ladder alerts (see above)."""
    return deadlines.ack_within_s


# --- officer-safety checks ----------------------------------------------------------------
# A unit on scene with no word from it for this long is put on the board: the desk raises it
# by radio (an officer-safety timer, as dispatch centres run them: a warning after 10–15 min
# on an urgent call). Longer for less urgent calls; a DV call is at least P1. Rural scenes
# are often out of coverage, so silence alone is no emergency: the check is the desk's radio
# call, not an SOS. ``KUZET_SAFETY_CHECK_MINUTES`` ({"P0": 15, …}) overrides the table.
SAFETY_CHECK_MINUTES: dict[str, int] = {"P0": 15, "P1": 20, "P2": 30, "P3": 45}


def safety_check_within_s(priority: str) -> int:
    """How long a unit on scene may be silent on a call of ``priority``."""
    minutes = {**SAFETY_CHECK_MINUTES, **getattr(settings, "KUZET_SAFETY_CHECK_MINUTES", {})}
    return int(minutes[priority]) * 60


# --- priorities ---------------------------------------------------------------------------
# For live channels (a caller on the line, a camera operator, a patrol on the spot).
CATEGORY_PRIORITY: dict[str, str] = {
    Category.OFFICER_SOS: Priority.P0,
    Category.VIOLENCE: Priority.P0,
    Category.DOMESTIC_VIOLENCE: Priority.P1,
    Category.ROBBERY: Priority.P1,
    Category.CHILD: Priority.P1,
    Category.ROAD_ACCIDENT: Priority.P1,
    Category.MISSING_PERSON: Priority.P1,
    Category.THEFT: Priority.P2,
    Category.LIVESTOCK_THEFT: Priority.P2,
    Category.DISORDER: Priority.P2,
    Category.FRAUD: Priority.P2,
    Category.TRAFFIC_VIOLATION: Priority.P2,
    Category.OTHER: Priority.P2,
    Category.NOISE: Priority.P3,
    Category.PARKING: Priority.P3,
    Category.INFORMATION: Priority.P3,
    Category.POLICE_COMPLAINT: Priority.P3,
}

# App reports (eGov, Kaspi, Halyk) are asynchronous and mostly about something that already
# happened: one level less urgent than the same category on the 102 line. The Police-102 app
# has SOS and live geolocation and keeps the live priorities.
ASYNC_CHANNELS = frozenset({Channel.EGOV, Channel.KASPI, Channel.HALYK})
# How a call reaches the desk, where a duty officer or chief types it in (the call-taking
# form, the staff API): rung on 102, passed on by the 112 service, told at the station, seen
# on the ЦОУ's cameras, or called in by a patrol that came upon it. The apps' reports
# (Police-102, eGov, Kaspi, Halyk) arrive through the intake API with their own reference,
# never typed: the channel decides the default priority and whether the citizen is told the
# outcome, and the chief's KPIs are read by channel.
DESK_CHANNELS = (
    Channel.PHONE_102,
    Channel.AGENCY_112,
    Channel.WALK_IN,
    Channel.VIDEO,
    Channel.PATROL,
)
# Channels whose citizens are promised to be told the measures taken (DOMAIN.md).
NOTIFY_CITIZEN_CHANNELS = frozenset(
    {Channel.APP_102, Channel.EGOV, Channel.KASPI, Channel.HALYK, Channel.AGENCY_112}
)

_ORDER = [Priority.P0, Priority.P1, Priority.P2, Priority.P3]


def _less_urgent(priority: str) -> str:
    return _ORDER[min(_ORDER.index(Priority(priority)) + 1, len(_ORDER) - 1)]


def at_least(priority: str, floor: str) -> str:
    """The more urgent of ``priority`` and ``floor``."""
    return min(Priority(priority), Priority(floor), key=_ORDER.index)


def default_priority(*, channel: str, category: str) -> str:
    priority = CATEGORY_PRIORITY.get(category, Priority.P2)
    if channel in ASYNC_CHANNELS:
        priority = _less_urgent(priority)
    return enforce_floor(category=category, priority=priority)


def enforce_floor(*, category: str, priority: str) -> str:
    """DOMAIN.md: a domestic-violence call is at least P1."""
    if category == Category.DOMESTIC_VIOLENCE:
        return at_least(priority, Priority.P1)
    return str(priority)


def notify_citizen_default(channel: str) -> bool:
    return channel in NOTIFY_CITIZEN_CHANNELS


# --- duplicates and follow-ups -------------------------------------------------------------
# Categories never linked to an earlier call as its repeat: an officer's SOS is a crew in
# danger, and a repeat is nobody's work — a second crew's SOS near the first's would have
# waited for nobody. The desk decides whether one unit answers both.
NEVER_A_REPEAT: frozenset[str] = frozenset({Category.OFFICER_SOS})


def duplicate_window() -> dt.timedelta:
    return dt.timedelta(minutes=getattr(settings, "KUZET_DUPLICATE_WINDOW_MINUTES", 30))


def duplicate_radius_km() -> float:
    return float(getattr(settings, "KUZET_DUPLICATE_RADIUS_M", 500)) / 1000


# --- the service area -----------------------------------------------------------------------
def service_area_km() -> float:
    """How far from the nearest known settlement a report's coordinates may lie, and from the
    settlement it names (``KUZET_SERVICE_AREA_KM``; services.incidents._resolve_location)."""
    return float(getattr(settings, "KUZET_SERVICE_AREA_KM", 75))


# --- units across the border ---------------------------------------------------------------
# A village can lie 50–380 km from its district seat and 15 minutes from a neighbouring
# district's patrol. The recommendation offers such a unit (selectors.units_across_border)
# only where it is worth a second desk's trouble: it would arrive at least
# ``KUZET_ACROSS_BORDER_SOONER_MINUTES`` (15) sooner than the best unit of the call's own
# district, or the district has none free. Fifteen minutes is the UK's rural response
# target, and about the error of the travel model over an hour's drive (1.3 × great-circle
# is 1.2–1.4 on the oblast's roads): a closer margin would send a neighbour's car away from
# its own district for a difference the estimate cannot tell.
#
# Which districts border the call's: Kuzet has no district boundaries (the KATO extract has
# none, and most village coordinates are estimates placed around the seat), so a neighbours
# table computed from settlements would be a guess on a guess. The one fact it has is where
# each unit last was: a unit of another district of the same oblast whose fresh position
# lies within ``KUZET_ACROSS_BORDER_KM`` (60 km great-circle, about 80 km or 80 minutes of
# rural road) of the call is "across the border". Farther than that the oblast ЦОУ is
# moving units between districts, which it does by radio, not from a call's panel. Measured
# on the seeded oblast's 140 okrug centres (most placed by estimate): 124 have a village of
# another district within 60 km (71 within 30, 133 within 80), and 88 lie at least 15 road
# km nearer to another district's village than to their own seat — the border is most of
# the oblast.


def across_border_km() -> float:
    return float(getattr(settings, "KUZET_ACROSS_BORDER_KM", 60))


def across_border_sooner_s() -> int:
    return int(getattr(settings, "KUZET_ACROSS_BORDER_SOONER_MINUTES", 15)) * 60


def across_border_worth(*, eta_s: int, own_best_eta_s: int | None) -> bool:
    """Whether a unit of another district arriving in ``eta_s`` is worth offering, against
    the best estimate of the call's own district (None: it has no unit free with a known,
    fresh position)."""
    return own_best_eta_s is None or own_best_eta_s - eta_s >= across_border_sooner_s()


# --- which kind of unit a call wants (selectors.units_recommended) ---------------------------
# Patrol cars and district inspectors (участковые) answer any call. The specialists keep
# their own work: the domestic-violence inspector her DV calls and the follow-up visits they
# leave, traffic police the roads, the investigative group (СОГ) the scenes others secured.
# Ranked by travel time alone, a DV inspector based at the seat beside the patrol cars was
# often a minute nearer than they were and won every tie by her callsign (AYG-DV1 < AYG-PC1):
# in a week of the demo she took 28 of Ayagoz's 56 assignments, thefts and traffic among them
# (docs/duty-desk.md "Which unit comes first").
GENERAL_UNITS: frozenset[str] = frozenset({UnitType.PATROL_CAR, UnitType.DISTRICT_INSPECTOR})
SPECIALITY: dict[str, frozenset[str]] = {
    UnitType.DV_INSPECTOR: frozenset({Category.DOMESTIC_VIOLENCE}),
    UnitType.TRAFFIC: frozenset({Category.ROAD_ACCIDENT, Category.TRAFFIC_VIOLATION}),
    UnitType.INVESTIGATIVE: frozenset(),
}


def units_suited(category: str) -> frozenset[str]:
    """The unit types a call of ``category`` is work for: the general ones, and the
    specialists whose speciality it is. An exact tie in travel time goes to these."""
    return GENERAL_UNITS | {kind for kind, own in SPECIALITY.items() if category in own}


def units_preferred(*, category: str, priority: str) -> frozenset[str] | None:
    """The unit types ranked first for a call when one of them would be on scene by its
    arrival deadline (None: the fastest unit first, whatever its kind).

    - P0 (a life at risk, DV in progress among them): the fastest, whatever its kind;
    - a DV call (at least P1): the DV inspector;
    - any other P1: the fastest, whatever its kind — a crime just done is no time to keep a
      nearer unit for its speciality;
    - P2 and P3: the units the call is work for (:func:`units_suited`) before the
      specialists of other work; a P3 has no arrival deadline, so any of them goes first.
    """
    if priority == Priority.P0:
        return None
    if category == Category.DOMESTIC_VIOLENCE:
        return frozenset({UnitType.DV_INSPECTOR})
    if priority == Priority.P1:
        return None
    return units_suited(category)


# A DV call owes a follow-up visit by the district inspector within three days.
DV_FOLLOW_UP_AFTER = dt.timedelta(days=3)
# A protective order (защитное предписание, Law 214-IV) runs for thirty days from the day it
# is issued.
PROTECTIVE_ORDER_TERM = dt.timedelta(days=30)
