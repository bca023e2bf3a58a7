"""Abai oblast from the KATO extract in ``fixtures/abai_oblast.csv``.

The extract names every district (and city administration), rural okrug and okrug centre;
public sources gave coordinates for only a few of them. The others get a deterministic
estimate placed around their district seat and are flagged ``coords_estimated``:

* a bearing and a great-circle distance drawn from a generator seeded with the KATO code
  (the same village lands on the same spot on every machine), the distance within the
  district's reach (about the radius of its area);
* road distance to the seat ≈ 1.3 × great-circle (1.2–1.4 in the extract's notes);
* zone: the seat and towns are ``urban``, villages within 25 km of road ``suburban``, over
  100 km ``remote``, the rest ``rural``;
* coverage drawn per zone, so that remote villages include SMS-only and no-coverage white
  spots (745 of them were still open in December 2025).

The Russian names are the extract's, but for abbreviations that read wrong ("Семей Г.А." is
"город Семей"; fixtures/abai_oblast.README.md); a database seeded with the old ones gets the
new by the migration geo 0008, which renames a row only while it has the old name.

Kazakh names come from ``fixtures/abai_oblast_kk.csv`` (KATO code → name in Kazakh: every
rural okrug, and the districts and settlements whose Kazakh name is known with confidence);
they fill ``name_kk`` of new rows and of existing rows that have none yet, so a database
seeded before the file (or before okrugs had Kazakh names) gets them on the next seed, and a
name someone corrected stays.

Nothing here writes: :func:`seed_territory` creates what is missing and returns it, and the
caller runs it inside its unit of work.
"""

from __future__ import annotations

import csv
import math
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

from . import travel
from .models import Coverage, District, Oblast, Okrug, Settlement, Zone

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "abai_oblast.csv"
KAZAKH_FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "abai_oblast_kk.csv"

SUBURBAN_KM = 25.0
REMOTE_KM = 100.0

# How far (great-circle km) a district's villages lie from its seat: about the radius of
# its area. Ayagoz is 49,558 km², Abai district 20,093 km²; the others are estimates.
DISTRICT_REACH_KM = {
    "101000000": 85.0,  # Semey city administration (its okrugs reach far into the steppe)
    "101800000": 10.0,  # Kurchatov
    "103200000": 80.0,  # Abai district (Karaul)
    "103400000": 70.0,  # Aksuat
    "103600000": 125.0,  # Ayagoz
    "103800000": 55.0,  # Beskaragai
    "104000000": 50.0,  # Borodulikha
    "104200000": 75.0,  # Zharma (Kalbatau)
    "104400000": 70.0,  # Kokpekty
    "104600000": 80.0,  # Urzhar
}
DEFAULT_REACH_KM = 60.0

# No public source gave Aksuat's coordinates. Approximate position of the village south
# of Lake Zaysan between Kokpekty and Urzhar; flagged estimated like every other guess.
SEAT_ESTIMATES = {"103430100": (47.76, 82.81)}


@dataclass(frozen=True)
class Row:
    oblast_kato: str
    district_kato: str
    district_name: str
    seat_name: str
    okrug_kato: str
    okrug_name: str
    centre_kato: str
    centre_name: str
    sub_settlements: int
    lat: float | None
    lon: float | None
    coords_estimated: bool


def read_rows(path: Path = FIXTURE) -> list[Row]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            Row(
                oblast_kato=r["oblast_kato"],
                district_kato=r["district_kato"],
                district_name=r["district_ru"].strip(),
                seat_name=r["district_seat_ru"].strip(),
                okrug_kato=r["okrug_kato"],
                okrug_name=r["okrug_ru"].strip(),
                centre_kato=r["centre_kato"],
                centre_name=r["centre_ru"].strip(),
                sub_settlements=int(r["sub_settlements"] or 0),
                lat=float(r["lat"]) if r["lat"] else None,
                lon=float(r["lon"]) if r["lon"] else None,
                coords_estimated=r["coords_estimated"].strip().lower() == "true",
            )
            for r in csv.DictReader(handle)
        ]


def read_kazakh_names(path: Path = KAZAKH_FIXTURE) -> dict[str, str]:
    """KATO code → name in Kazakh."""
    with path.open(encoding="utf-8", newline="") as handle:
        return {
            r["kato"].strip(): r["name_kk"].strip()
            for r in csv.DictReader(handle)
            if r["name_kk"].strip()
        }


def okrug_kazakh_names(rows: list[Row], kazakh: dict[str, str]) -> dict[str, str]:
    """Okrug KATO → the okrug's name in Kazakh ("Абыралы ауылдық округі").

    The fixture names an okrug by its own code, except a city that is its own okrug
    (г.Семей, г.Курчатов): there the okrug's code is the city's, whose row names the
    settlement ("Семей"), and the okrug is the city itself, "Семей қаласы"."""
    names = {}
    for r in rows:
        if r.okrug_kato != r.centre_kato:
            names[r.okrug_kato] = kazakh.get(r.okrug_kato, "")
        elif kazakh.get(r.centre_kato):
            names[r.okrug_kato] = f"{kazakh[r.centre_kato]} қаласы"
    return {kato: name for kato, name in names.items() if name}


def city_administrations(rows: list[Row]) -> set[str]:
    """The KATO codes of the districts that are city administrations (KATO's "Семей Г.А.",
    городская администрация, which the fixture names "город Семей").

    Told by the code, not the name: the city of a city administration is its own okrug (the
    okrug г.Семей has the city's code, 101010000), which no district's town is — the town
    administrations "Аягоз г.а." and "Шарская г.а." are okrugs of Аягоз and Жарма districts
    with a centre of their own (103620000 → 103620100)."""
    return {r.district_kato for r in rows if r.okrug_kato == r.centre_kato}


def split_name(raw: str) -> tuple[str, str]:
    """``"г.Аягоз"`` → ``("Аягоз", "city")``; ``"с.Архат"`` → village; ``"п.Чаган"`` → town."""
    for prefix, kind in (
        ("г.", Settlement.Kind.CITY),
        ("п.", Settlement.Kind.TOWN),
        ("с.", Settlement.Kind.VILLAGE),
    ):
        if raw.startswith(prefix):
            return raw[len(prefix) :].strip(), str(kind)
    return raw, str(Settlement.Kind.VILLAGE)


def estimate_position(kato: str, seat: tuple[float, float], reach_km: float) -> tuple[float, float]:
    """A deterministic spot around ``seat`` for a settlement without public coordinates."""
    rng = random.Random(f"kato:{kato}")
    bearing = rng.uniform(0, 360)
    km = reach_km * (0.2 + 0.8 * math.sqrt(rng.random()))
    return travel.destination(seat[0], seat[1], bearing, km)


def zone_for(*, is_seat: bool, kind: str, road_km_to_seat: float) -> str:
    if is_seat or kind == Settlement.Kind.CITY:
        return str(Zone.URBAN)
    if road_km_to_seat <= SUBURBAN_KM:
        return str(Zone.SUBURBAN)
    if road_km_to_seat > REMOTE_KM:
        return str(Zone.REMOTE)
    return str(Zone.RURAL)


_COVERAGE_BY_ZONE: dict[str, list[tuple[str, float]]] = {
    Zone.URBAN: [(Coverage.LTE, 1.0)],
    Zone.SUBURBAN: [(Coverage.LTE, 0.7), (Coverage.G3, 0.3)],
    Zone.RURAL: [(Coverage.G3, 0.55), (Coverage.SMS_ONLY, 0.35), (Coverage.LTE, 0.10)],
    Zone.REMOTE: [(Coverage.SMS_ONLY, 0.55), (Coverage.NONE, 0.45)],
}


def coverage_for(kato: str, zone: str) -> str:
    roll = random.Random(f"coverage:{kato}").random()
    for value, share in _COVERAGE_BY_ZONE[zone]:
        if roll < share:
            return str(value)
        roll -= share
    return str(_COVERAGE_BY_ZONE[zone][-1][0])


@dataclass
class Territory:
    """What the oblast looks like after seeding, and what this run created."""

    oblast: Oblast
    districts: dict[str, District]  # by KATO
    settlements: dict[str, Settlement]  # by KATO
    created_settlement_ids: list[int] = field(default_factory=list)
    created: dict[str, int] = field(default_factory=dict)

    def settlement(self, district_kato: str, name: str) -> Settlement:
        for s in self.settlements.values():
            if s.district_id == self.districts[district_kato].pk and s.name == name:
                return s
        raise KeyError(f"no settlement {name!r} in district {district_kato}")

    def seat(self, district_kato: str) -> Settlement:
        district = self.districts[district_kato]
        return self.settlements[
            next(k for k, s in self.settlements.items() if s.pk == district.seat_id)
        ]


def seed_territory(
    rows: list[Row] | None = None, kazakh: dict[str, str] | None = None
) -> Territory:
    """Create the oblast, districts, okrugs and centre settlements that do not exist yet.

    Existing rows are left exactly as they are (a chief may have corrected a zone), except
    that an empty Kazakh name is filled from ``kazakh`` (KATO → name).
    """
    rows = rows if rows is not None else read_rows()
    kazakh = kazakh if kazakh is not None else read_kazakh_names()
    created: dict[str, int] = {"districts": 0, "okrugs": 0, "settlements": 0}
    oblast_kato = rows[0].oblast_kato
    oblast = Oblast.objects.filter(kato=oblast_kato).first()
    if oblast is None:
        oblast = Oblast.objects.create(
            kato=oblast_kato, name="Абайская область", name_kk="Абай облысы", centre="Семей"
        )
        created["oblasts"] = 1

    districts = {
        d.kato: d for d in District.objects.filter(kato__in={r.district_kato for r in rows})
    }
    new_districts = []
    cities = city_administrations(rows)
    for r in _first_per(rows, "district_kato"):
        if r.district_kato not in districts:
            seat_name, _ = split_name(r.seat_name)
            city = r.district_kato in cities
            district_kind = District.Kind.CITY if city else District.Kind.DISTRICT
            new_districts.append(
                District(
                    oblast=oblast,
                    kato=r.district_kato,
                    name=r.district_name,
                    name_kk=kazakh.get(r.district_kato, ""),
                    kind=district_kind,
                    seat_name=seat_name,
                )
            )
    for d in District.objects.bulk_create(new_districts):
        districts[d.kato] = d
    created["districts"] = len(new_districts)

    okrugs = {o.kato: o for o in Okrug.objects.filter(kato__in={r.okrug_kato for r in rows})}
    okrug_kazakh = okrug_kazakh_names(rows, kazakh)
    new_okrugs = [
        Okrug(
            district=districts[r.district_kato],
            kato=r.okrug_kato,
            name=r.okrug_name,
            name_kk=okrug_kazakh.get(r.okrug_kato, ""),
            sub_settlements=r.sub_settlements,
        )
        for r in rows
        if r.okrug_kato not in okrugs
    ]
    for o in Okrug.objects.bulk_create(new_okrugs):
        okrugs[o.kato] = o
    created["okrugs"] = len(new_okrugs)

    settlements = {
        s.kato: s for s in Settlement.objects.filter(kato__in={r.centre_kato for r in rows})
    }
    seats = _seat_positions(rows)
    new_settlements = []
    for r in rows:
        if r.centre_kato in settlements:
            continue
        name, kind = split_name(r.centre_name)
        is_seat = r.centre_name == r.seat_name
        seat = seats[r.district_kato]
        if r.lat is not None and r.lon is not None:
            position, estimated = (r.lat, r.lon), r.coords_estimated
        elif is_seat:
            position, estimated = seat, True
        else:
            reach = DISTRICT_REACH_KM.get(r.district_kato, DEFAULT_REACH_KM)
            position, estimated = estimate_position(r.centre_kato, seat, reach), True
        distance = 0.0 if is_seat else round(travel.road_km(*seat, *position), 1)
        zone = zone_for(is_seat=is_seat, kind=kind, road_km_to_seat=distance)
        new_settlements.append(
            Settlement(
                okrug=okrugs[r.okrug_kato],
                district=districts[r.district_kato],
                kato=r.centre_kato,
                name=name,
                name_kk=kazakh.get(r.centre_kato, ""),
                kind=kind,
                zone=zone,
                coverage=coverage_for(r.centre_kato, zone),
                lat=position[0],
                lon=position[1],
                coords_estimated=estimated,
                road_km_to_seat=distance,
            )
        )
    created_ids = []
    for s in Settlement.objects.bulk_create(new_settlements):
        settlements[s.kato] = s
        created_ids.append(s.pk)
    created["settlements"] = len(new_settlements)

    seat_updates = []
    for r in rows:
        district = districts[r.district_kato]
        if r.centre_name == r.seat_name and district.seat_id is None:
            district.seat = settlements[r.centre_kato]
            seat_updates.append(district)
    District.objects.bulk_update(seat_updates, ["seat"])

    named = (
        _fill_kazakh_names(districts.values(), kazakh)
        + _fill_kazakh_names(okrugs.values(), okrug_kazakh)
        + _fill_kazakh_names(settlements.values(), kazakh)
    )
    if named:
        created["kazakh_names"] = named

    return Territory(
        oblast=oblast,
        districts=districts,
        settlements=settlements,
        created_settlement_ids=created_ids,
        created={k: v for k, v in created.items() if v},
    )


def _fill_kazakh_names(objects: Any, kazakh: dict[str, str]) -> int:
    """Fill ``name_kk`` where it is empty and the fixture knows it; returns how many."""
    missing = [o for o in objects if not o.name_kk and kazakh.get(o.kato)]
    for o in missing:
        o.name_kk = kazakh[o.kato]
    if missing:
        type(missing[0]).objects.bulk_update(missing, ["name_kk"])
    return len(missing)


def _first_per(rows: list[Row], attr: str) -> list[Row]:
    seen: dict[str, Row] = {}
    for r in rows:
        seen.setdefault(getattr(r, attr), r)
    return list(seen.values())


def _seat_positions(rows: list[Row]) -> dict[str, tuple[float, float]]:
    positions: dict[str, tuple[float, float]] = {}
    for r in rows:
        if r.centre_name != r.seat_name:
            continue
        if r.lat is not None and r.lon is not None:
            positions[r.district_kato] = (r.lat, r.lon)
        elif r.centre_kato in SEAT_ESTIMATES:
            positions[r.district_kato] = SEAT_ESTIMATES[r.centre_kato]
    missing = {r.district_kato for r in rows} - set(positions)
    if missing:
        raise ValueError(f"no seat position for districts {sorted(missing)}")
    return positions
