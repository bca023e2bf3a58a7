"""Recommendation order on a fixture with known distances."""

from __future__ import annotations

import datetime as dt

import pytest

from backend.common import clock
from backend.dispatch.selectors import units_recommended
from backend.geo.travel import haversine_km, road_km, travel_seconds
from backend.people.models import Unit
from tests import factories

T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
# The incident: the centre of Аягоз (urban: cars at 30 km/h).
LAT, LON = 47.96447, 80.43437
# 0.01° of latitude is 1.112 km on the ground, 1.446 km by road (× 1.3).
DEG = 0.01


def test_haversine_and_road_factor_on_known_distances():
    assert round(haversine_km(LAT, LON, LAT + DEG, LON), 3) == 1.112
    assert round(road_km(LAT, LON, LAT + DEG, LON), 3) == 1.446
    # Semey → Ayagoz seat, about 300 km as the crow flies
    assert round(haversine_km(50.4111, 80.2275, LAT, LON)) == 272
    assert travel_seconds(1.446, zone="urban", mobility="car") == 174  # 1.446 km at 30 km/h
    assert travel_seconds(1.446, zone="remote", mobility="car") == 74  # at 70 km/h
    assert travel_seconds(1.446, zone="remote", mobility="horse") == 521  # at 10 km/h


@pytest.fixture
def field(personas):
    """Units of district A around the incident, with positions of known age."""
    Unit.objects.filter(district=personas.a.district).update(active=False)  # the personas' own
    d = personas.a.district
    fresh, stale = T0 - dt.timedelta(minutes=2), T0 - dt.timedelta(minutes=45)

    def unit(callsign, north, *, at=fresh, **kw):
        lat = None if north is None else LAT + north * DEG
        return factories.unit(
            callsign=callsign,
            district=d,
            lat=lat,
            lon=None if north is None else LON,
            position_at=None if north is None else at,
            last_contact_at=kw.pop("contact", fresh),
            **kw,
        )

    unit("CAR-1KM", 1)  # 1.4456 km at 30 km/h → 173 s
    unit("CAR-5KM", 5)  # 7.228 km → 867 s
    unit("HORSE-2KM", 2, mobility="horse")  # 2.891 km at 10 km/h → 1041 s
    unit("CAR-HALF-STALE", 0.5, at=stale)  # nearest, but its position is 45 minutes old
    unit("CAR-3KM-UNREACHABLE", 3, contact=T0 - dt.timedelta(minutes=20))  # no contact 20 min
    unit("CAR-NOWHERE", None)  # never reported a position
    unit("CAR-BUSY", 0.2, status="busy")
    unit("CAR-OFF", 0.1, active=False)
    factories.unit(
        callsign="B-CAR-NEAR",
        district=personas.b.district,
        lat=LAT,
        lon=LON,
        position_at=fresh,
        last_contact_at=fresh,
    )
    return factories.incident(district=d, settlement=personas.a.town, lat=LAT, lon=LON)


def test_units_rank_by_travel_time_with_stale_positions_after_fresh_and_unreachable_last(
    field,
):
    # when
    with clock.frozen(T0):
        recs = units_recommended(incident=field)

    # then
    assert [
        (
            r.unit.callsign,
            r.road_km and round(r.road_km, 3),
            r.eta_s,
            r.position_age_s,
            r.stale,
            r.presence,
        )
        for r in recs
    ] == [
        ("CAR-1KM", 1.446, 173, 120, False, "available"),
        ("CAR-5KM", 7.228, 867, 120, False, "available"),
        ("HORSE-2KM", 2.891, 1041, 120, False, "available"),
        ("CAR-HALF-STALE", 0.723, 87, 2700, True, "available"),
        ("CAR-NOWHERE", None, None, None, True, "available"),
        # Unreachable units come last, below every reachable one (issue 13, point 8).
        ("CAR-3KM-UNREACHABLE", 4.337, 520, 120, False, "unreachable"),
    ]


def test_units_already_on_the_incident_are_left_out(field):
    # given
    unit = Unit.objects.get(callsign="CAR-1KM")
    factories.assignment(incident=field, unit=unit)

    # when
    with clock.frozen(T0):
        recs = units_recommended(incident=field, limit=2)

    # then
    assert [r.unit.callsign for r in recs] == ["CAR-5KM", "HORSE-2KM"]


def test_an_incident_without_coordinates_is_measured_from_its_settlement(personas, field):
    # given: the settlement of the field incident is the town at the same point
    field.lat = field.lon = None
    field.save(update_fields=["lat", "lon"])

    # when
    with clock.frozen(T0):
        recs = units_recommended(incident=field, limit=1)

    # then: Аягоз's coordinates are the incident's own in this fixture
    assert [(r.unit.callsign, r.eta_s) for r in recs] == [("CAR-1KM", 173)]
