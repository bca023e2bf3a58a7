"""Distances and travel-time estimates for recommending the nearest unit.

Kuzet has no road graph of the steppe, so it estimates: the road distance is 1.3 × the
great-circle distance (DOMAIN.md), and the speed depends on the demand zone of the incident
and on how the unit moves.

Speeds (km/h), decided for Abai oblast and written here so that a dispatcher can read why a
unit ranked where it did:

- cars: urban 30 (traffic lights, courtyards), suburban 45, rural 60 (asphalt between
  villages), remote 70 (open steppe roads are straight and empty, even when unpaved);
- horses: 10 everywhere — a district inspector on horseback trots across pasture where a car
  cannot go, but does not get faster on open road;
- on foot: 5 everywhere.

These are planning figures, not promises; the SLA is measured on the milestones actually
recorded.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

EARTH_RADIUS_KM = 6371.0088
ROAD_FACTOR = 1.3

CAR_SPEED_KMH = {"urban": 30.0, "suburban": 45.0, "rural": 60.0, "remote": 70.0}
MOBILITY_SPEED_KMH = {"horse": 10.0, "foot": 5.0}
DEFAULT_ZONE = "rural"


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def road_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    return ROAD_FACTOR * haversine_km(lat1, lon1, lat2, lon2)


def speed_kmh(*, zone: str | None, mobility: str) -> float:
    if mobility in MOBILITY_SPEED_KMH:
        return MOBILITY_SPEED_KMH[mobility]
    return CAR_SPEED_KMH.get(zone or DEFAULT_ZONE, CAR_SPEED_KMH[DEFAULT_ZONE])


def travel_seconds(distance_road_km: float, *, zone: str | None, mobility: str) -> int:
    return round(distance_road_km / speed_kmh(zone=zone, mobility=mobility) * 3600)


@dataclass(frozen=True)
class Place:
    id: int
    lat: float
    lon: float


def nearest(lat: float, lon: float, places: Iterable[Place]) -> tuple[Place, float] | None:
    """The place closest to (lat, lon) and its great-circle distance in km."""
    best: tuple[Place, float] | None = None
    for place in places:
        d = haversine_km(lat, lon, place.lat, place.lon)
        if best is None or d < best[1]:
            best = (place, d)
    return best
