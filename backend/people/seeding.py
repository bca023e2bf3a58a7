"""Demo staff of Abai oblast: chiefs, duty officers of the Semey ЦОУ, units and officers.

Four districts are staffed — Semey city, Ayagoz, Abai (Karaul) and Zharma (Kalbatau) — with
patrol cars (two officers each) at the seats and in Shar, district inspectors (участковые,
one officer, several on horseback in the remote okrugs) living in their okrugs, and a
domestic-violence inspector per district. Names are realistic Kazakh and Russian names;
nobody here is a real person.

Every seeded staff user shares one documented demo password (:data:`DEMO_PASSWORD`);
officers get no password at all (they enrol devices with one-time codes, never log in to
the admin). The seed command creates these users only with ``KUZET_DEMO=1`` or ``--demo``
(the embedded demo sets it), so a real database never gets a known password by accident.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password

from backend.geo.seeding import Territory

from .models import Mobility, Officer, Role, Unit, UnitType

DEMO_PASSWORD = "abai-demo-102"  # noqa: S105 — documented demo password, demo data only

OBLAST_KATO = "100000000"
SEMEY, AYAGOZ, ABAI, ZHARMA = "101000000", "103600000", "103200000", "104200000"


@dataclass(frozen=True)
class UnitSpec:
    callsign: str
    type: str
    home: str  # settlement name in the district
    mobility: str = Mobility.CAR
    crew: int = 1


@dataclass(frozen=True)
class DistrictStaff:
    kato: str
    code: str  # callsign and username prefix
    chief: str  # username
    chief_name: tuple[str, str, str]  # last, first, patronymic
    units: tuple[UnitSpec, ...]


def _pc(code: str, n: int, home: str) -> UnitSpec:
    return UnitSpec(f"{code}-PC{n}", UnitType.PATROL_CAR, home, crew=2)


def _ui(code: str, n: int, home: str, mobility: str = Mobility.CAR) -> UnitSpec:
    return UnitSpec(f"{code}-UI{n}", UnitType.DISTRICT_INSPECTOR, home, mobility)


def _dv(code: str, home: str) -> UnitSpec:
    return UnitSpec(f"{code}-DV1", UnitType.DV_INSPECTOR, home)


STAFFED: tuple[DistrictStaff, ...] = (
    DistrictStaff(
        SEMEY,
        "SEM",
        "chief_semey",
        ("Жаксылыков", "Ерлан", "Маратович"),
        (
            _pc("SEM", 1, "Семей"),
            _pc("SEM", 2, "Семей"),
            _pc("SEM", 3, "Семей"),
            _pc("SEM", 4, "Семей"),
            _ui("SEM", 1, "Абралы"),
            _ui("SEM", 2, "Кокентау"),
            _ui("SEM", 3, "Шульбинск"),
            _dv("SEM", "Семей"),
        ),
    ),
    DistrictStaff(
        AYAGOZ,
        "AYG",
        "chief_ayagoz",
        ("Сарсенбаев", "Бауыржан", "Кайратович"),
        (
            _pc("AYG", 1, "Аягоз"),
            _pc("AYG", 2, "Аягоз"),
            _ui("AYG", 1, "Тарбагатай", Mobility.HORSE),
            _ui("AYG", 2, "Косагаш", Mobility.HORSE),
            _ui("AYG", 3, "Мадениет"),
            _ui("AYG", 4, "Баршатас"),
            _ui("AYG", 5, "Актогай"),
            _dv("AYG", "Аягоз"),
        ),
    ),
    DistrictStaff(
        ABAI,
        "ABA",
        "chief_abai",
        ("Кенжебаев", "Талгат", "Серикович"),
        (
            _pc("ABA", 1, "Карааул"),
            _ui("ABA", 1, "Кенгирбай би", Mobility.HORSE),
            _ui("ABA", 2, "Архат"),
            _ui("ABA", 3, "Кокбай", Mobility.HORSE),
            _dv("ABA", "Карааул"),
        ),
    ),
    DistrictStaff(
        ZHARMA,
        "ZHR",
        "chief_zharma",
        ("Ковалёв", "Дмитрий", "Сергеевич"),
        (
            _pc("ZHR", 1, "Калбатау"),
            _pc("ZHR", 2, "Шар"),
            _ui("ZHR", 1, "Жарык", Mobility.HORSE),
            _ui("ZHR", 2, "Ушбиик", Mobility.HORSE),
            _ui("ZHR", 3, "Суыкбулак"),
            _dv("ZHR", "Калбатау"),
        ),
    ),
)

# Duty officers of the Semey ЦОУ serve the whole oblast (no district).
DUTY_OFFICERS: tuple[tuple[str, tuple[str, str, str]], ...] = (
    ("duty_semey1", ("Нурланова", "Айгерим", "Болатовна")),
    ("duty_semey2", ("Исабеков", "Асхат", "Ерланович")),
    ("duty_semey3", ("Петренко", "Светлана", "Викторовна")),
)
OBLAST_ADMIN = ("admin_abai", ("Мухамедиев", "Канат", "Нурланович"))

_MEN = [
    ("Абенов", "Нурлан", "Маратович"),
    ("Оспанов", "Данияр", "Серикович"),
    ("Жумабеков", "Ержан", "Болатович"),
    ("Иванов", "Алексей", "Петрович"),
    ("Касымов", "Арман", "Кайратович"),
    ("Серикбаев", "Олжас", "Талгатович"),
    ("Тулегенов", "Айдос", "Ерланович"),
    ("Смирнов", "Сергей", "Николаевич"),
    ("Искаков", "Бахытжан", "Нурланович"),
    ("Утепов", "Жандос", "Маратович"),
    ("Байжанов", "Руслан", "Аскарович"),
    ("Есенов", "Даурен", "Бекболатович"),
    ("Мукашев", "Канат", "Серикович"),
    ("Горбунов", "Виктор", "Андреевич"),
    ("Сагындыков", "Асет", "Жанатович"),
    ("Калиев", "Мейрам", "Нурланович"),
    ("Жакупов", "Ербол", "Кайратович"),
    ("Ахметов", "Самат", "Муратович"),
    ("Темирбеков", "Азамат", "Ерланович"),
    ("Белов", "Андрей", "Сергеевич"),
    ("Сулейменов", "Бекзат", "Талгатович"),
    ("Абдрахманов", "Нуржан", "Болатович"),
    ("Шайхин", "Ельдос", "Маратович"),
    ("Кенжебеков", "Алибек", "Серикович"),
    ("Мельников", "Павел", "Игоревич"),
    ("Байсеитов", "Рустем", "Кайратович"),
    ("Нуртазин", "Медет", "Ерланович"),
    ("Ержанов", "Дастан", "Нурланович"),
    ("Омаров", "Ильяс", "Бахытжанович"),
    ("Зайцев", "Денис", "Олегович"),
    ("Токтаров", "Максат", "Аскарович"),
    ("Рахимов", "Тимур", "Муратович"),
]
_WOMEN = [
    ("Касымова", "Динара", "Ерлановна"),
    ("Ким", "Алина", "Викторовна"),
    ("Абенова", "Гульнара", "Маратовна"),
    ("Есенова", "Жанар", "Серикқызы"),
]

_PHONE_PREFIXES = ("701", "702", "705", "707", "747", "771", "775", "777", "778")


def phone_for(n: int) -> str:
    """A plausible Kazakh mobile number, distinct per ``n``."""
    prefix = _PHONE_PREFIXES[n % len(_PHONE_PREFIXES)]
    return f"+7{prefix}{(4_310_000 + n * 7919) % 10_000_000:07d}"


@dataclass
class Staff:
    units: dict[str, Unit]  # by callsign
    officers: dict[str, Officer]  # by username
    chiefs: dict[str, Officer]  # by district KATO
    duty: list[Officer]
    created_unit_ids: list[int] = field(default_factory=list)
    created: dict[str, int] = field(default_factory=dict)

    def crew(self, callsign: str) -> list[Officer]:
        unit = self.units[callsign]
        return sorted(
            (o for o in self.officers.values() if o.unit_id == unit.pk), key=lambda o: o.username
        )


def _user(
    username: str,
    name: tuple[str, str, str],
    *,
    role: str,
    password_hash: str,
    n: int,
    district_id: int | None = None,
    oblast_id: int | None = None,
    unit_id: int | None = None,
    now: dt.datetime,
) -> Officer:
    last, first, patronymic = name
    return Officer(
        username=username,
        last_name=last,
        first_name=first,
        patronymic=patronymic,
        role=role,
        district_id=district_id,
        oblast_id=oblast_id,
        unit_id=unit_id,
        is_staff=role != Role.OFFICER,
        password=password_hash,
        phone=phone_for(n),
        badge_number=f"{700100 + n}",
        date_joined=now - dt.timedelta(days=400 - n),
    )


def seed_staff(territory: Territory, *, now: dt.datetime) -> Staff:
    """Create the demo units and users that do not exist yet (by callsign and username)."""
    existing_units = {
        u.callsign: u
        for u in Unit.objects.filter(callsign__in=[s.callsign for d in STAFFED for s in d.units])
    }
    new_units = []
    for d in STAFFED:
        district = territory.districts[d.kato]
        for spec in d.units:
            if spec.callsign in existing_units:
                continue
            home = territory.settlement(d.kato, spec.home)
            new_units.append(
                Unit(
                    callsign=spec.callsign,
                    type=spec.type,
                    mobility=spec.mobility,
                    district=district,
                    okrug_id=home.okrug_id if spec.type == UnitType.DISTRICT_INSPECTOR else None,
                    status_at=now - dt.timedelta(hours=2),
                )
            )
    created_units = Unit.objects.bulk_create(new_units)
    units = {**existing_units, **{u.callsign: u for u in created_units}}

    staff_hash = make_password(DEMO_PASSWORD)  # hashed once: every demo login shares it
    wanted: list[Officer] = []
    n = 0
    men, women = iter(_MEN), iter(_WOMEN)
    for d in STAFFED:
        district = territory.districts[d.kato]
        n += 1
        wanted.append(
            _user(
                d.chief,
                d.chief_name,
                role=Role.CHIEF,
                password_hash=staff_hash,
                n=n,
                district_id=district.pk,
                now=now,
            )
        )
        for spec in d.units:
            for seat in range(1, spec.crew + 1):
                n += 1
                name = next(women) if spec.type == UnitType.DV_INSPECTOR else next(men)
                username = f"{spec.callsign.lower().replace('-', '_')}_{seat}"
                wanted.append(
                    _user(
                        username,
                        name,
                        role=Role.OFFICER,
                        password_hash=make_password(None),
                        n=n,
                        district_id=district.pk,
                        unit_id=units[spec.callsign].pk,
                        now=now,
                    )
                )
    oblast = territory.oblast
    for username, name in DUTY_OFFICERS:
        n += 1
        wanted.append(
            _user(
                username,
                name,
                role=Role.DUTY_OFFICER,
                password_hash=staff_hash,
                n=n,
                oblast_id=oblast.pk,
                now=now,
            )
        )
    n += 1
    wanted.append(
        _user(
            OBLAST_ADMIN[0],
            OBLAST_ADMIN[1],
            role=Role.OBLAST_ADMIN,
            password_hash=staff_hash,
            n=n,
            oblast_id=oblast.pk,
            now=now,
        )
    )

    existing = {
        o.username: o for o in Officer.objects.filter(username__in=[o.username for o in wanted])
    }
    new_officers = [o for o in wanted if o.username not in existing]
    created_officers = Officer.objects.bulk_create(new_officers)
    officers = {**existing, **{o.username: o for o in created_officers}}

    chiefs = {d.kato: officers[d.chief] for d in STAFFED}
    duty = [officers[u] for u, _ in DUTY_OFFICERS]
    created = {"units": len(created_units), "officers": len(created_officers)}
    return Staff(
        units=units,
        officers=officers,
        chiefs=chiefs,
        duty=duty,
        created_unit_ids=[u.pk for u in created_units],
        created={k: v for k, v in created.items() if v},
    )


def demo_logins() -> list[Officer]:
    """The seeded staff users one can log in to the admin with, oblast first."""
    usernames = [OBLAST_ADMIN[0], *(u for u, _ in DUTY_OFFICERS), *(d.chief for d in STAFFED)]
    found = {
        o.username: o
        for o in Officer.objects.filter(username__in=usernames, is_active=True).select_related(
            "district", "oblast"
        )
    }
    return [found[u] for u in usernames if u in found]
