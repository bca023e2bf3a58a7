"""The one travel model: distances, road distance and travel time on the steppe.

Used wherever Kuzet reasons about getting somewhere — the recommendation of the nearest unit,
the settlements' road distance to their district seat in the territory seed, the simulator.

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

EARTH_RADIUS_KM = 6371.0088  # the mean radius (IUGG)
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
    """Estimated road distance: 1.3 × great-circle (DOMAIN.md, "Nearest unit")."""
    return ROAD_FACTOR * haversine_km(lat1, lon1, lat2, lon2)


def destination(lat: float, lon: float, bearing_deg: float, km: float) -> tuple[float, float]:
    """The point ``km`` away from (lat, lon) along ``bearing_deg`` on the sphere (5 decimals)."""
    d = km / EARTH_RADIUS_KM
    b = math.radians(bearing_deg)
    p1, l1 = math.radians(lat), math.radians(lon)
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(b))
    l2 = l1 + math.atan2(
        math.sin(b) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2)
    )
    return round(math.degrees(p2), 5), round(math.degrees(l2), 5)


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
