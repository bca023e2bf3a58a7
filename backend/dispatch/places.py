"""Where a point is, as a person reads it: "3,1 km north-east of Аягоз".

Pure geometry and words, below the selectors and the SMS texts (pyproject's import contracts:
``sms_texts`` imports this, so it imports nothing above ``models``):

* the eight compass points (:data:`COMPASS`) and the way from a village to a point
  (:func:`compass_point`); ``selectors.place_near`` finds the village;
* their words in the reader's language (:func:`compass_words`: the board's SOS banner, the
  texts below);
* an officer's SOS backup call as its readers say it (:func:`call_place_words`). The call
  stores names and numbers only (``services.sos.backup_landmark``: its village, its point,
  the point's coordinates as its landmark); every reader — the crew's SMS, the call page,
  in their own language — says from them "3,1 км к северо-востоку от Аягоз (47.96012,
  80.43110)": the distance and the way for the crew, the coordinates for its navigator.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from backend.geo import travel
from backend.geo.models import in_reader_language

from .models import Incident

# The eight points of the compass, clockwise from north: how a duty officer says where a
# point lies from a village ("3 km north-east of Kokpekty"). The board and the SMS name them.
COMPASS = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")
# Closer than this to a settlement's centre is "in" it, not "0.4 km north of" it.
IN_SETTLEMENT_KM = 1.0


def compass_point(from_lat: float, from_lon: float, to_lat: float, to_lon: float) -> str:
    """The compass point (:data:`COMPASS`) of the initial bearing from one point to another."""
    p1, p2 = math.radians(from_lat), math.radians(to_lat)
    dl = math.radians(to_lon - from_lon)
    y = math.sin(dl) * math.cos(p2)
    x = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    bearing = (math.degrees(math.atan2(y, x)) + 360.0) % 360.0
    return COMPASS[round(bearing / 45.0) % 8]


def compass_words() -> dict[str, str]:
    """The compass points as the reader's language says "which way from a village"
    (Russian: "к северо-востоку от …", hence a context of their own)."""
    return {
        "N": pgettext("which way from a village", "north"),
        "NE": pgettext("which way from a village", "north-east"),
        "E": pgettext("which way from a village", "east"),
        "SE": pgettext("which way from a village", "south-east"),
        "S": pgettext("which way from a village", "south"),
        "SW": pgettext("which way from a village", "south-west"),
        "W": pgettext("which way from a village", "west"),
        "NW": pgettext("which way from a village", "north-west"),
    }


def coordinates_text(lat: float, lon: float) -> str:
    """A point as a navigator takes it, in every language: "47.96012, 80.43110"."""
    return f"{lat:.5f}, {lon:.5f}"


def near_words(*, km: float, direction: str, place: str) -> str:
    """ "3,1 km north-east of Аягоз" in the active language (the board's banner says the
    same from the same catalog entry)."""
    return _("%(km)s km %(direction)s of %(place)s") % {
        "km": formats.number_format(round(km, 1), 1),
        "direction": compass_words().get(direction, direction),
        "place": place,
    }


@dataclass(frozen=True)
class CallPlace:
    """A call's place in names and numbers (an incident's, or the escalation sweep's row)."""

    settlement: str | None  # the KATO's Russian name
    settlement_kk: str
    settlement_lat: float | None
    settlement_lon: float | None
    landmark: str
    lat: float | None
    lon: float | None

    def near_words(self) -> str:
        """Distance, way and village, then the coordinates, in the active language — for a
        call whose landmark is nothing but its own point's coordinates (an officer's SOS
        backup outside a village); "" for any other call (its landmark is what the desk
        wrote, shown as it is)."""
        if (
            self.lat is None
            or self.lon is None
            or self.settlement is None
            or self.settlement_lat is None
            or self.settlement_lon is None
            or self.landmark != coordinates_text(self.lat, self.lon)
        ):
            return ""
        km = travel.haversine_km(self.settlement_lat, self.settlement_lon, self.lat, self.lon)
        if km < IN_SETTLEMENT_KM:
            return ""
        direction = compass_point(self.settlement_lat, self.settlement_lon, self.lat, self.lon)
        words = near_words(
            km=km,
            direction=direction,
            place=in_reader_language(self.settlement, self.settlement_kk),
        )
        return f"{words} ({self.landmark})"


def call_place(incident: Incident) -> CallPlace:
    """An incident's place in names and numbers (its settlement read, if not loaded)."""
    settlement = incident.settlement
    return CallPlace(
        settlement=settlement.name if settlement is not None else None,
        settlement_kk=settlement.name_kk if settlement is not None else "",
        settlement_lat=settlement.lat if settlement is not None else None,
        settlement_lon=settlement.lon if settlement is not None else None,
        landmark=incident.landmark,
        lat=incident.lat,
        lon=incident.lon,
    )


def call_place_words(incident: Incident) -> str:
    """:meth:`CallPlace.near_words` of an incident, in the active language."""
    return call_place(incident).near_words()
