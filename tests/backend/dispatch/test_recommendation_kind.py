"""Which kind of unit a call is recommended (policies.units_preferred): a patrol before the
DV inspector on a theft when it is on scene in time, the DV inspector on a DV call, the
fastest on a P0 or P1 emergency — and a unit ranked before a nearer one says why.

Found in a week of ``make run``: ranked by travel time alone, Ayagoz's DV inspector, based at
the seat beside the patrol cars, took 28 of the district's 56 assignments, thefts and traffic
among them, and every tie by her callsign (AYG-DV1 < AYG-PC1)."""

from __future__ import annotations

import datetime as dt

import pytest

from backend.common import clock
from backend.dispatch.selectors import (
    RANKED_FOR_DV_CALL,
    RANKED_FOR_SPECIALIST_KEPT,
    ranked_for_short,
    ranked_for_text,
    units_divertible,
    units_recommended,
)
from backend.people.models import Officer, Unit, UnitType
from tests import factories

T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
# The call: the centre of Аягоз (urban: cars at 30 km/h; P2 on scene within 30 min, P1 15).
LAT, LON = 47.96447, 80.43437
DEG = 0.01  # of latitude: 1.446 km by road, 174 s by car in town


@pytest.fixture
def place(personas):
    """District A with only the units a test makes."""
    Unit.objects.filter(district=personas.a.district).update(active=False)
    return personas.a


def _unit(place, callsign, north, *, type=UnitType.PATROL_CAR, **kw):
    lat = None if north is None else LAT + north * DEG
    return factories.unit(
        callsign=callsign,
        district=place.district,
        type=type,
        lat=lat,
        lon=None if north is None else LON,
        position_at=None if north is None else T0 - dt.timedelta(minutes=2),
        last_contact_at=T0 - dt.timedelta(minutes=2),
        **kw,
    )


def _call(place, category, priority, *, received_at=T0):
    return factories.incident(
        district=place.district,
        settlement=place.town,
        category=category,
        priority=priority,
        lat=LAT,
        lon=LON,
        received_at=received_at,
    )


def _ranked(incident, at=T0):
    with clock.frozen(at):
        return [
            (r.unit.callsign, r.eta_s, r.passed_over and r.passed_over.callsign, r.ranked_for)
            for r in units_recommended(incident=incident)
        ]


def test_a_patrol_on_scene_within_the_target_is_ranked_before_the_nearer_dv_inspector(place):
    # given: the DV inspector 1 km from a P2 theft, a patrol car 5 km (14 min of 30)
    _unit(place, "A-DV1", 1, type=UnitType.DV_INSPECTOR)
    _unit(place, "A-PC2", 5)
    incident = _call(place, "theft", "P2")

    # when / then: the patrol first, saying which nearer unit it goes before and why
    assert _ranked(incident) == [
        ("A-PC2", 867, "A-DV1", RANKED_FOR_SPECIALIST_KEPT),
        ("A-DV1", 173, None, None),
    ]


def test_the_nearer_dv_inspector_goes_first_when_no_patrol_is_on_scene_in_time(place):
    # given: the patrol car 14 km away (35 min: past the P2 theft's 30)
    _unit(place, "A-DV1", 1, type=UnitType.DV_INSPECTOR)
    _unit(place, "A-PC2", 14)
    incident = _call(place, "theft", "P2")

    # when / then
    assert _ranked(incident) == [("A-DV1", 173, None, None), ("A-PC2", 2429, None, None)]


def test_the_deadline_counts_from_the_call_not_from_now(place):
    # given: the theft came in 20 minutes ago; the patrol's 14 minutes would miss its 30
    _unit(place, "A-DV1", 1, type=UnitType.DV_INSPECTOR)
    _unit(place, "A-PC2", 5)
    incident = _call(place, "theft", "P2", received_at=T0 - dt.timedelta(minutes=20))

    # when / then: late already, the fastest goes
    assert [c for c, *_ in _ranked(incident)] == ["A-DV1", "A-PC2"]


def test_a_call_without_an_arrival_target_goes_to_a_patrol_however_far(place):
    # given: a P3 noise complaint, the patrol car 40 km off
    _unit(place, "A-DV1", 1, type=UnitType.DV_INSPECTOR)
    _unit(place, "A-PC2", 40)
    incident = _call(place, "noise", "P3")

    # when / then
    assert _ranked(incident)[0][::2] == ("A-PC2", "A-DV1")


def test_a_tie_goes_to_the_patrol_not_to_the_first_callsign(place):
    # given: neither has reported a position (the demo's first calls): no travel estimate
    _unit(place, "A-DV1", None, type=UnitType.DV_INSPECTOR)
    _unit(place, "A-PC2", None)
    p1 = _call(place, "theft", "P1")

    # when / then: even on a P1, where the fastest goes, a tie is the patrol's
    assert [c for c, *_ in _ranked(p1)] == ["A-PC2", "A-DV1"]


def test_a_p1_emergency_takes_the_fastest_whatever_its_kind(place):
    # given: a robbery just done
    _unit(place, "A-DV1", 1, type=UnitType.DV_INSPECTOR)
    _unit(place, "A-PC2", 5)
    incident = _call(place, "robbery", "P1")

    # when / then
    assert _ranked(incident) == [("A-DV1", 173, None, None), ("A-PC2", 867, None, None)]


def test_a_dv_call_prefers_the_dv_inspector_on_scene_within_the_target(place):
    # given: a DV call (P1: 15 min in town), the patrol nearer, the inspector 6 min away
    _unit(place, "A-DV1", 2, type=UnitType.DV_INSPECTOR)
    _unit(place, "A-PC2", 1)
    incident = _call(place, "domestic_violence", "P1")

    # when / then
    assert _ranked(incident) == [
        ("A-DV1", 347, "A-PC2", RANKED_FOR_DV_CALL),
        ("A-PC2", 173, None, None),
    ]


def test_a_dv_call_takes_the_fastest_when_the_dv_inspector_would_be_late(place):
    # given: the inspector 10 km off (29 min: past the P1's 15)
    _unit(place, "A-DV1", 10, type=UnitType.DV_INSPECTOR)
    _unit(place, "A-PC2", 1)
    incident = _call(place, "domestic_violence", "P1")

    # when / then
    assert [c for c, *_ in _ranked(incident)] == ["A-PC2", "A-DV1"]


def test_violence_in_progress_at_home_takes_the_fastest(place):
    # given: a P0 DV call, the patrol nearer
    _unit(place, "A-DV1", 2, type=UnitType.DV_INSPECTOR)
    _unit(place, "A-PC2", 1)
    incident = _call(place, "domestic_violence", "P0")

    # when / then
    assert _ranked(incident) == [("A-PC2", 173, None, None), ("A-DV1", 347, None, None)]


def test_traffic_police_keep_the_roads_and_take_a_road_accident(place):
    # given: a traffic unit nearest to both a P2 theft and a P2 road accident
    _unit(place, "A-TR1", 1, type=UnitType.TRAFFIC)
    _unit(place, "A-UI2", 3, type=UnitType.DISTRICT_INSPECTOR)
    theft = _call(place, "theft", "P2")
    crash = _call(place, "road_accident", "P2")

    # when / then: the district inspector before it on the theft; the road accident is its own
    assert [c for c, *_ in _ranked(theft)] == ["A-UI2", "A-TR1"]
    assert [c for c, *_ in _ranked(crash)] == ["A-TR1", "A-UI2"]


def test_fresh_positions_still_rank_before_stale_ones(place):
    # given: the patrol's position is an hour old, the DV inspector's fresh
    _unit(place, "A-DV1", 1, type=UnitType.DV_INSPECTOR)
    pc = _unit(place, "A-PC2", 2)
    Unit.objects.filter(pk=pc.pk).update(position_at=T0 - dt.timedelta(hours=1))
    incident = _call(place, "theft", "P2")

    # when / then: where the patrol is now is a guess; the kind is ranked within freshness
    assert _ranked(incident) == [("A-DV1", 173, None, None), ("A-PC2", 347, None, None)]


def test_units_on_less_urgent_calls_are_ranked_alike(place):
    # given: the DV inspector and a patrol car both on P3 calls, a P2 theft comes in
    dv = _unit(place, "A-DV1", 1, type=UnitType.DV_INSPECTOR, status="dispatched")
    pc = _unit(place, "A-PC2", 5, status="dispatched")
    for unit in (dv, pc):
        factories.assignment(incident=_call(place, "parking", "P3"), unit=unit)
    incident = _call(place, "theft", "P2")

    # when
    with clock.frozen(T0):
        found = units_divertible(incident=incident)

    # then
    assert [(d.recommendation.unit.callsign, d.recommendation.ranked_for) for d in found] == [
        ("A-PC2", RANKED_FOR_SPECIALIST_KEPT),
        ("A-DV1", None),
    ]


def test_the_call_page_says_why_a_farther_unit_is_first(place, client):
    words = (
        "Ranked before the nearer A-DV1 (Domestic-violence inspector): this unit arrives "
        "within the call's arrival target, and the specialist stays free for its own work"
    )
    # given
    _unit(place, "A-DV1", 1, type=UnitType.DV_INSPECTOR)
    _unit(place, "A-PC2", 5)
    with clock.frozen(T0):
        incident = _call(place, "theft", "P2")
    Officer.objects.filter(pk=place.chief.pk).update(language="en")
    client.force_login(place.chief)

    # when
    with clock.frozen(T0 + dt.timedelta(minutes=1)):
        response = client.get(f"/admin/dispatch/incident/{incident.pk}/change/")

    # then
    rows = response.context["kuzet_dispatch"]["recommendations"]
    assert [(r["callsign"], r["ranked_for_text"]) for r in rows] == [
        ("A-PC2", words),
        ("A-DV1", ""),
    ]
    assert words.replace("'", "&#x27;") in response.content.decode()


def test_the_staff_api_says_which_nearer_unit_a_unit_is_ranked_before_and_why(place, client):
    # given
    _unit(place, "A-DV1", 1, type=UnitType.DV_INSPECTOR)
    _unit(place, "A-PC2", 5)
    incident = _call(place, "theft", "P2")
    client.force_login(place.chief)

    # when
    with clock.frozen(T0):
        body = client.get(f"/api/v1/incidents/{incident.pk}/recommendations/").json()

    # then
    assert [(u["callsign"], u["ranked_for"], u["passed_over"]) for u in body["units"]] == [
        ("A-PC2", "specialist_kept", "A-DV1"),
        ("A-DV1", None, None),
    ]


def test_the_reason_names_a_dv_call_and_a_call_without_a_target(place):
    # given: the DV inspector ranked before a nearer patrol on a DV call; a patrol before her
    # on a P3 noise complaint, which has no arrival target
    _unit(place, "A-DV1", 2, type=UnitType.DV_INSPECTOR)
    _unit(place, "A-PC2", 1)
    dv = _call(place, "domestic_violence", "P1")
    noise = _call(place, "noise", "P3")

    # when
    with clock.frozen(T0):
        first_dv = units_recommended(incident=dv, limit=1)[0]
        Unit.objects.filter(callsign="A-PC2").update(lat=LAT + 40 * DEG)
        Unit.objects.filter(callsign="A-DV1").update(lat=LAT + 1 * DEG)
        first_noise = units_recommended(incident=noise, limit=1)[0]

    # then
    assert (first_dv.unit.callsign, ranked_for_text(first_dv)) == (
        "A-DV1",
        "Ranked before the nearer A-PC2: a domestic-violence call is the DV inspector's own "
        "work, and the inspector arrives within the call's arrival target",
    )
    assert (first_noise.unit.callsign, ranked_for_text(first_noise)) == (
        "A-PC2",
        "Ranked before the nearer A-DV1 (Domestic-violence inspector): the call has no arrival "
        "target, and the specialist stays free for its own work",
    )
    assert [ranked_for_short(first_dv), ranked_for_short(first_noise)] == [
        "Before the nearer A-PC2: a DV call, the inspector in time",
        "Before the nearer A-DV1 (Domestic-violence inspector): the specialist kept free",
    ]


def test_the_boards_nearest_unit_says_why_a_farther_unit_is_first(place, client):
    # given: a P2 theft, the DV inspector 1 km off, a patrol car in time 5 km off
    _unit(place, "A-DV1", 1, type=UnitType.DV_INSPECTOR)
    _unit(place, "A-PC2", 5)
    incident = _call(place, "theft", "P2")
    client.force_login(place.chief)

    # when: the board's "Nearest unit", for a Russian reader and an English one
    with clock.frozen(T0):
        russian = client.get(f"/board/incidents/{incident.pk}/recommend/").json()
        Officer.objects.filter(pk=place.chief.pk).update(language="en")
        body = client.get(f"/board/incidents/{incident.pk}/recommend/").json()

    # then: the patrol first, with the call page's sentence and its short form
    first, second = body["units"]
    assert (first["callsign"], first["ranked_for_short"], first["ranked_for_text"]) == (
        "A-PC2",
        "Before the nearer A-DV1 (Domestic-violence inspector): the specialist kept free",
        "Ranked before the nearer A-DV1 (Domestic-violence inspector): this unit arrives "
        "within the call's arrival target, and the specialist stays free for its own work",
    )
    assert (second["callsign"], second["ranked_for_short"], second["ranked_for_text"]) == (
        "A-DV1",
        "",
        "",
    )
    assert russian["units"][0]["ranked_for_text"].startswith("Выше более близкого A-DV1")
