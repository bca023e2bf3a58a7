"""Demo incidents of Abai oblast with realistic timelines, and the whole seed.

Each call below is a short story: where and how it came in, which units went, and how far
it got. From it :func:`seed_incidents` builds the incident, its assignments and one
:class:`Event` per milestone, so every timestamp has its provenance — the field app
(``app``, estimated from a time anchor of the same boot, received seconds later on LTE or
hours later from a white spot) or a chief's backfill from the radio log (``backfill``) —
plus the server's own commands (dispatched, cancelled, reassigned, closed).

Times are laid out backwards from the moment of the first seeding, so a fresh demo always
has open calls, including some whose acknowledgment is overdue for the escalation sweep.
Everything is deterministic except that anchor time; a second run finds every call by its
``(channel, external_ref)`` and creates nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import secrets
from dataclasses import dataclass, field
from typing import Any

from backend.common import clock
from backend.devices.models import Device, digest
from backend.geo import travel
from backend.geo.models import Coverage, Settlement
from backend.geo.seeding import Territory, seed_territory
from backend.ledger import uow
from backend.ledger.actions import AuditAction
from backend.ledger.names import SyncTable
from backend.people.models import Officer, Unit, UnitStatus, UnitType
from backend.people.seeding import ABAI, AYAGOZ, SEMEY, ZHARMA, Staff, seed_staff

from .ladder import next_due
from .lifecycle import AssignmentStatus, EventKind, IncidentStatus
from .models import (
    Assignment,
    Category,
    Channel,
    Conflict,
    ConflictKind,
    DispatchSource,
    Disposition,
    EstimateMethod,
    Event,
    EventSource,
    FollowUpTask,
    Incident,
    LocationSource,
    OutcomeCode,
    Priority,
    RiskSubject,
)
from .policies import deadlines_for

# Stories: how far a call got.
CLOSED, CLEARED, ON_SCENE, EN_ROUTE = "closed", "cleared", "on_scene", "en_route"
ACKED, UNACKED, UNDELIVERED, QUEUED = "acknowledged", "unacknowledged", "undelivered", "queued"
CANCELLED, REASSIGNED, DUPLICATE, CLOSED_NO_UNIT = (
    "cancelled",
    "reassigned",
    "duplicate",
    "closed_no_unit",
)

P0, P1, P2, P3 = Priority.P0, Priority.P1, Priority.P2, Priority.P3
PHONE, APP, EGOV, KASPI, HALYK = (
    Channel.PHONE_102,
    Channel.APP_102,
    Channel.EGOV,
    Channel.KASPI,
    Channel.HALYK,
)
VIDEO, WALK_IN, PATROL, C112 = Channel.VIDEO, Channel.WALK_IN, Channel.PATROL, Channel.AGENCY_112
C = Category
ASYNC_CHANNELS = {APP, EGOV, KASPI, HALYK}


@dataclass(frozen=True)
class Call:
    ref: str
    district: str  # KATO
    place: str  # settlement name in the district
    channel: str
    category: str
    priority: str
    ago_min: int  # received this many minutes before the seed's anchor
    story: str
    units: tuple[str, ...]
    summary: str
    landmark: str = ""
    backfill: bool = False  # no coverage: the chief entered the times from the radio log
    outcome: str = ""
    duplicate_of: str = ""
    caller: str = ""


# fmt: off
CALLS: tuple[Call, ...] = (
    # --- Semey city administration ------------------------------------------------------
    Call("SEM-01", SEMEY, "Семей", PHONE, C.VIOLENCE, P0, 1620, CLOSED, ("SEM-PC1",),
         "Драка у ТРЦ, двое пострадавших", landmark="ул. Шакарима, у ТРЦ",
         outcome=OutcomeCode.ADMIN_PROTOCOL, caller="Ахметова Б."),
    Call("SEM-02", SEMEY, "Семей", APP, C.PARKING, P3, 1500, CLOSED, ("SEM-PC2",),
         "Автомобиль на тротуаре перекрывает проход", landmark="ул. Абая, 98",
         outcome=OutcomeCode.ADMIN_PROTOCOL),
    Call("SEM-03", SEMEY, "Семей", EGOV, C.ROAD_ACCIDENT, P2, 1310, CLOSED, ("SEM-PC3",),
         "ДТП без пострадавших, спор участников", landmark="пр. Шугаева / ул. Засядко",
         outcome=OutcomeCode.REPORT_TAKEN),
    Call("SEM-04", SEMEY, "Семей", KASPI, C.THEFT, P2, 760, CLEARED, ("SEM-PC2",),
         "Кража велосипеда из подъезда", landmark="мкр. Восточный, д. 12"),
    Call("SEM-05", SEMEY, "Семей", PHONE, C.DOMESTIC_VIOLENCE, P0, 980, CLOSED,
         ("SEM-PC1", "SEM-DV1"),
         "Муж угрожает жене ножом, дети в квартире", landmark="ул. Найманбаева, 161, кв. 40",
         outcome=OutcomeCode.PROTECTIVE_ORDER, caller="соседка"),
    Call("SEM-06", SEMEY, "Семей", VIDEO, C.DISORDER, P2, 52, ON_SCENE, ("SEM-PC3",),
         "Камера ЦОУ: группа распивает спиртное, конфликт", landmark="набережная Иртыша"),
    Call("SEM-07", SEMEY, "Семей", PHONE, C.ROBBERY, P1, 9, EN_ROUTE, ("SEM-PC4",),
         "Вырвали телефон у прохожего, подозреваемый убежал", landmark="рынок «Тулпар»"),
    Call("SEM-08", SEMEY, "Семей", HALYK, C.FRAUD, P3, 200, QUEUED, (),
         "Мошенничество: перевод по объявлению о продаже"),
    Call("SEM-09", SEMEY, "Абралы", PHONE, C.LIVESTOCK_THEFT, P2, 2600, CLOSED, ("SEM-UI1",),
         "Угнали 6 голов КРС с зимовки", landmark="зимовка Жанабаз", backfill=True,
         outcome=OutcomeCode.CRIMINAL_CASE),
    Call("SEM-10", SEMEY, "Кокентау", C112, C.MISSING_PERSON, P1, 190, ON_SCENE, ("SEM-UI2",),
         "Не вернулся с пастбища пожилой мужчина"),
    Call("SEM-11", SEMEY, "Семей", APP, C.DISORDER, P2, 47, DUPLICATE, (),
         "Шумная компания на набережной", landmark="набережная Иртыша", duplicate_of="SEM-06"),
    Call("SEM-12", SEMEY, "Семей", PHONE, C.VIOLENCE, P0, 12, UNACKED, ("SEM-PC1",),
         "Избиение во дворе, слышны крики", landmark="ул. Каржаубайулы, 220"),
    Call("SEM-14", SEMEY, "Приречное", PHONE, C.THEFT, P1, 3300, CLOSED, ("SEM-PC2",),
         "Взлом магазина ночью, сработала сигнализация", outcome=OutcomeCode.CRIMINAL_CASE),
    Call("SEM-13", SEMEY, "Семей", WALK_IN, C.POLICE_COMPLAINT, P3, 2900, CLOSED_NO_UNIT, (),
         "Жалоба на грубость сотрудника при проверке документов", outcome=OutcomeCode.REFERRED),
    # --- Ayagoz district ------------------------------------------------------------------
    Call("AYG-01", AYAGOZ, "Аягоз", PHONE, C.VIOLENCE, P1, 2200, CLOSED, ("AYG-PC1",),
         "Драка возле кафе, один пострадавший", landmark="ул. Бокенбай батыра, кафе",
         outcome=OutcomeCode.CRIMINAL_CASE),
    Call("AYG-02", AYAGOZ, "Аягоз", PHONE, C.DOMESTIC_VIOLENCE, P1, 1400, CLOSED, ("AYG-DV1",),
         "Жена сообщает об избиении, муж в состоянии опьянения", landmark="ул. Абая, 31",
         outcome=OutcomeCode.PROTECTIVE_ORDER, caller="заявительница"),
    Call("AYG-03", AYAGOZ, "Тарбагатай", PHONE, C.LIVESTOCK_THEFT, P2, 3400, CLOSED, ("AYG-UI1",),
         "Пропали 14 овец с точки", landmark="Дом чабана, 9 км от села", backfill=True,
         outcome=OutcomeCode.REPORT_TAKEN),
    Call("AYG-04", AYAGOZ, "Мадениет", EGOV, C.CHILD, P1, 420, CLEARED, ("AYG-UI3",),
         "Ребёнок 9 лет не пришёл из школы"),
    Call("AYG-05", AYAGOZ, "Актогай", PHONE, C.ROAD_ACCIDENT, P0, 1900, CLOSED,
         ("AYG-UI5", "AYG-PC2"),
         "Опрокидывание легкового автомобиля, пострадавшие",
         landmark="трасса Аягоз — Актогай, 62 км", outcome=OutcomeCode.REPORT_TAKEN),
    Call("AYG-06", AYAGOZ, "Косагаш", PHONE, C.THEFT, P2, 640, CANCELLED, ("AYG-UI2",),
         "Кража генератора с животноводческой точки", landmark="уч. Бетонбаз"),
    Call("AYG-07", AYAGOZ, "Баршатас", PHONE, C.DOMESTIC_VIOLENCE, P0, 38, REASSIGNED,
         ("AYG-UI4", "AYG-PC2"),
         "Женщина звонит: сожитель избивает, заперлась в сарае"),
    Call("AYG-08", AYAGOZ, "Аягоз", KASPI, C.TRAFFIC_VIOLATION, P3, 300, QUEUED, (),
         "Грузовики ездят по тротуару у школы", landmark="ул. Уалиханова"),
    Call("AYG-09", AYAGOZ, "Аягоз", PHONE, C.DISORDER, P2, 26, UNACKED, ("AYG-PC1",),
         "Пьяный мужчина ломится в квартиры", landmark="мкр. Бірлік, д. 4"),
    Call("AYG-10", AYAGOZ, "Аягоз", PATROL, C.TRAFFIC_VIOLATION, P3, 880, CLOSED, ("AYG-PC1",),
         "Остановлен водитель без прав", outcome=OutcomeCode.ADMIN_PROTOCOL),
    # --- Abai district (Karaul) -----------------------------------------------------------
    Call("ABA-01", ABAI, "Карааул", PHONE, C.VIOLENCE, P1, 2050, CLOSED, ("ABA-PC1",),
         "Ссора соседей переросла в драку", outcome=OutcomeCode.WARNING),
    Call("ABA-02", ABAI, "Кокбай", PHONE, C.LIVESTOCK_THEFT, P2, 4100, CLOSED, ("ABA-UI3",),
         "Угон лошадей (4 головы) с пастбища", backfill=True, outcome=OutcomeCode.CRIMINAL_CASE),
    Call("ABA-03", ABAI, "Архат", PHONE, C.DOMESTIC_VIOLENCE, P1, 95, ON_SCENE,
         ("ABA-UI2", "ABA-DV1"),
         "Сын избивает мать-пенсионерку", caller="соседи"),
    Call("ABA-04", ABAI, "Карааул", APP, C.INFORMATION, P3, 1200, CLOSED, ("ABA-PC1",),
         "Сообщение о бродячих собаках у школы", outcome=OutcomeCode.REFERRED),
    Call("ABA-05", ABAI, "Кенгирбай би", PHONE, C.MISSING_PERSON, P0, 8, UNDELIVERED, ("ABA-UI1",),
         "Пропал ребёнок 5 лет у реки"),
    Call("ABA-06", ABAI, "Медеу", PHONE, C.VIOLENCE, P0, 3800, CLOSED, ("ABA-PC1",),
         "Драка на свадьбе, у одного ножевое ранение", outcome=OutcomeCode.CRIMINAL_CASE),
    # --- Zharma district (Kalbatau) -------------------------------------------------------
    Call("ZHR-01", ZHARMA, "Шар", PHONE, C.ROAD_ACCIDENT, P1, 1750, CLOSED, ("ZHR-PC2",),
         "Столкновение двух автомобилей на въезде в город", outcome=OutcomeCode.REPORT_TAKEN),
    Call("ZHR-02", ZHARMA, "Калбатау", PHONE, C.VIOLENCE, P0, 2480, CLOSED, ("ZHR-PC1",),
         "Нападение с ножом у магазина", outcome=OutcomeCode.ARREST),
    Call("ZHR-03", ZHARMA, "Калбатау", EGOV, C.TRAFFIC_VIOLATION, P3, 1100, CLOSED, ("ZHR-PC1",),
         "Систематическое превышение скорости у школы", outcome=OutcomeCode.NO_OFFENCE),
    Call("ZHR-04", ZHARMA, "Жарык", PHONE, C.LIVESTOCK_THEFT, P2, 400, ON_SCENE, ("ZHR-UI1",),
         "Чужие люди угоняют скот с точки", landmark="точка Аргынбай, 12 км к северу"),
    Call("ZHR-05", ZHARMA, "Суыкбулак", PHONE, C.DOMESTIC_VIOLENCE, P1, 14, ACKED, ("ZHR-DV1",),
         "Повторный вызов: муж нарушает защитное предписание"),
    Call("ZHR-06", ZHARMA, "Шар", HALYK, C.FRAUD, P3, 2000, CLOSED_NO_UNIT, (),
         "Списание денег после звонка «службы безопасности банка»", outcome=OutcomeCode.REFERRED),
    Call("ZHR-07", ZHARMA, "Ушбиик", PHONE, C.THEFT, P2, 3000, CLOSED, ("ZHR-UI2",),
         "Кража сена с зимовки", landmark="уч. Абжан", backfill=True,
         outcome=OutcomeCode.REPORT_TAKEN),
)
# fmt: on

EXTERNAL_PREFIX: dict[str, str] = {
    PHONE: "102",
    APP: "P102",
    EGOV: "EGOV",
    KASPI: "KSP",
    HALYK: "HLK",
    VIDEO: "CAM",
    WALK_IN: "WALK",
    PATROL: "SELF",
    C112: "112",
}


def external_ref(call: Call) -> str:
    return f"{EXTERNAL_PREFIX[call.channel]}-SEED-{call.ref}"


@dataclass
class Built:
    incidents: list[int] = field(default_factory=list)
    assignments: list[int] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    units: set[int] = field(default_factory=set)
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class _Milestones:
    dispatched: dt.datetime
    delivered: dt.datetime | None = None
    acknowledged: dt.datetime | None = None
    en_route: dt.datetime | None = None
    on_scene: dt.datetime | None = None
    cleared: dt.datetime | None = None
    cancelled: dt.datetime | None = None
    superseded: dt.datetime | None = None


STORY_REACH = {  # the last milestone a story's (final) assignment reaches
    CLOSED: "cleared",
    CLEARED: "cleared",
    ON_SCENE: "on_scene",
    EN_ROUTE: "en_route",
    ACKED: "acknowledged",
    UNACKED: "delivered",
    UNDELIVERED: "dispatched",
    CANCELLED: "en_route",
    REASSIGNED: "en_route",
}
ORDER = ["dispatched", "delivered", "acknowledged", "en_route", "on_scene", "cleared"]


def seed_all(*, demo: bool) -> dict[str, int]:
    """The whole seed in one unit of work; returns what it created (empty: nothing to do)."""
    now = clock.now().replace(second=0, microsecond=0)
    with uow.unit_of_work():
        territory = seed_territory()
        created = dict(territory.created)
        if territory.created_settlement_ids:
            uow.touch(SyncTable.SETTLEMENTS, *territory.created_settlement_ids)
        if demo:
            staff = seed_staff(territory, now=now)
            created.update(staff.created)
            devices = seed_devices(staff, now=now)
            if devices:
                created["devices"] = devices
            built = seed_incidents(territory, staff, now=now)
            created.update(built.counts)
            units = set(staff.created_unit_ids) | built.units
            for table, ids in (
                ("incidents", built.incidents),
                ("assignments", built.assignments),
                ("events", built.events),
                ("units", sorted(units)),
            ):
                if ids:
                    uow.touch(SyncTable(table), *ids)
        if created:
            uow.audit(AuditAction.SEED_LOADED, data={"created": created, "demo": demo})
    return created


def seed_devices(staff: Staff, *, now: dt.datetime) -> int:
    """One enrolled phone per officer (their token is random and unknown: enrol again with a
    code to sync a real device)."""
    officers = [o for o in staff.officers.values() if o.unit_id is not None]
    have = set(
        Device.objects.filter(
            install_id__in=[f"seed-{o.username}" for o in officers], revoked_at__isnull=True
        ).values_list("install_id", flat=True)
    )
    new = [
        Device(
            officer=o,
            install_id=f"seed-{o.username}",
            platform="android",
            model=random.Random(o.username).choice(["Samsung A15", "Redmi 13C", "Tecno Spark 20"]),
            app_version="1.4.2",
            token_hash=digest(secrets.token_urlsafe(32)),
            enrolled_at=now - dt.timedelta(days=30),
            last_seen_at=now - dt.timedelta(minutes=5),
        )
        for o in sorted(officers, key=lambda o: o.username)
        if f"seed-{o.username}" not in have
    ]
    Device.objects.bulk_create(new)
    return len(new)


class _Builder:
    """Lays out one call's timeline and collects the rows to create."""

    def __init__(self, territory: Territory, staff: Staff, now: dt.datetime) -> None:
        self.territory = territory
        self.staff = staff
        self.now = now
        self.devices = {
            d.officer_id: d
            for d in Device.objects.filter(install_id__startswith="seed-", revoked_at__isnull=True)
        }
        self.homes = {}
        from backend.people.seeding import STAFFED

        for d in STAFFED:
            for spec in d.units:
                self.homes[spec.callsign] = territory.settlement(d.kato, spec.home)

    # --- time ---------------------------------------------------------------------------
    def travel_s(self, rng: random.Random, unit: Unit, home: Settlement, place: Settlement) -> int:
        if home.pk == place.pk:
            km = rng.uniform(1.5, 6.0)
        else:
            assert home.lat is not None
            assert home.lon is not None
            assert place.lat is not None
            assert place.lon is not None
            km = travel.road_km(home.lat, home.lon, place.lat, place.lon)
        seconds = travel.travel_seconds(km, zone=place.zone, mobility=unit.mobility)
        return seconds + rng.randint(30, 240)

    def milestones(
        self, call: Call, rng: random.Random, received: dt.datetime
    ) -> list[_Milestones]:
        processing = {"P0": (40, 90), "P1": (60, 150), "P2": (120, 420), "P3": (300, 1500)}
        lo, hi = processing[call.priority]
        if call.channel in ASYNC_CHANNELS:
            lo, hi = lo + 120, hi + 900  # app reports wait in the operators' queue
        start = received + dt.timedelta(seconds=rng.randint(lo, hi))
        place = self.place(call)
        result = []
        for i, callsign in enumerate(call.units):
            unit = self.staff.units[callsign]
            home = self.homes[callsign]
            m = _Milestones(dispatched=start + dt.timedelta(seconds=i * rng.randint(120, 300)))
            reach = STORY_REACH.get(call.story, "cleared")
            if call.story == REASSIGNED and i == 0:
                m.superseded = m.dispatched + dt.timedelta(seconds=rng.randint(200, 280))
                result.append(m)
                continue
            step = ORDER.index(reach)
            covered = home.coverage in (Coverage.LTE, Coverage.G3)
            if step >= 1 and not call.backfill:
                m.delivered = m.dispatched + dt.timedelta(
                    seconds=rng.randint(2, 8) if covered else rng.randint(40, 150)
                )
            if step >= 2:
                base = m.delivered or m.dispatched
                m.acknowledged = base + dt.timedelta(seconds=rng.randint(15, 70))
            if step >= 3:
                assert m.acknowledged is not None
                m.en_route = m.acknowledged + dt.timedelta(seconds=rng.randint(30, 150))
            if step >= 4:
                assert m.en_route is not None
                m.on_scene = m.en_route + dt.timedelta(
                    seconds=self.travel_s(rng, unit, home, place)
                )
            if step >= 5:
                assert m.on_scene is not None
                m.cleared = m.on_scene + dt.timedelta(minutes=rng.randint(15, 70))
            if call.story == CANCELLED:
                assert m.en_route is not None
                m.cancelled = m.en_route + dt.timedelta(minutes=rng.randint(12, 20))
            result.append(m)
        return result

    def place(self, call: Call) -> Settlement:
        return self.territory.settlement(call.district, call.place)

    # --- one call -------------------------------------------------------------------------
    def build(self, call: Call, originals: dict[str, Incident]) -> tuple[Incident, list[Any]]:
        rng = random.Random(f"call:{call.ref}")
        place = self.place(call)
        district = self.territory.districts[call.district]
        chief = self.staff.chiefs[call.district]
        duty = self.staff.duty[sum(map(ord, call.ref)) % len(self.staff.duty)]
        received = self.now - dt.timedelta(minutes=call.ago_min)
        plan = self.milestones(call, rng, received)
        # Keep every known time in the past: shift a long story back as a whole.
        latest = max([received, *(t for m in plan for t in vars(m).values() if t)])
        closing = (
            dt.timedelta(minutes=rng.randint(10, 35)) if call.story in (CLOSED,) else dt.timedelta()
        )
        overshoot = latest + closing - (self.now - dt.timedelta(minutes=2))
        if overshoot > dt.timedelta():
            received -= overshoot
            for m in plan:
                for name, value in vars(m).items():
                    if value is not None:
                        setattr(m, name, value - overshoot)

        assert place.lat is not None
        assert place.lon is not None
        lat = round(place.lat + rng.uniform(-0.01, 0.01), 5)
        lon = round(place.lon + rng.uniform(-0.01, 0.01), 5)
        if call.channel in ASYNC_CHANNELS:
            source = LocationSource.CALLER_GPS
        elif call.landmark and place.zone != "urban":
            source = LocationSource.OPERATOR
        else:
            source = LocationSource.SETTLEMENT
        incident = Incident(
            channel=call.channel,
            external_ref=external_ref(call),
            category=call.category,
            priority=call.priority,
            district=district,
            settlement=place,
            lat=lat,
            lon=lon,
            location_source=source,
            landmark=call.landmark,
            summary=call.summary,
            caller_name=call.caller,
            caller_phone=_caller_phone(rng) if call.channel != PATROL else "",
            notify_citizen=call.channel in ASYNC_CHANNELS,
            received_at=received,
            created_at=received + dt.timedelta(seconds=rng.randint(5, 40)),
            created_by=duty if call.channel in (PHONE, VIDEO, C112, WALK_IN) else None,
        )
        if call.category == Category.DOMESTIC_VIOLENCE:
            incident.risk_flags = [{"flag": "domestic_violence"}]
        if call.story == DUPLICATE:
            incident.status = IncidentStatus.DUPLICATE
            incident.duplicate_of = originals[call.duplicate_of]
        elif call.story == QUEUED:
            incident.status = IncidentStatus.QUEUED
        elif call.story == CLOSED_NO_UNIT:
            incident.status = IncidentStatus.CLOSED
            incident.closed_at = received + dt.timedelta(minutes=rng.randint(20, 90))
            incident.closed_by = chief
        return incident, plan

    def story_status(self, call: Call) -> str:
        return {
            CLOSED: IncidentStatus.CLOSED,
            CLEARED: IncidentStatus.CLEARED,
            ON_SCENE: IncidentStatus.ACTIVE,
            EN_ROUTE: IncidentStatus.ACTIVE,
            REASSIGNED: IncidentStatus.ACTIVE,
            ACKED: IncidentStatus.ASSIGNED,
            UNACKED: IncidentStatus.ASSIGNED,
            UNDELIVERED: IncidentStatus.ASSIGNED,
            CANCELLED: IncidentStatus.CANCELLED,
        }.get(call.story, IncidentStatus.QUEUED)


def _caller_phone(rng: random.Random) -> str:
    return f"+77{rng.choice(['01', '05', '07', '47', '77'])}{rng.randint(0, 9_999_999):07d}"


def content_hash(record: dict[str, Any]) -> str:
    return hashlib.sha256(uow.canonical_json(record).encode()).hexdigest()


def seed_incidents(territory: Territory, staff: Staff, *, now: dt.datetime) -> Built:
    """Create the calls of :data:`CALLS` that do not exist yet, with their whole timelines."""
    built = Built()
    existing = {
        (c, r): pk
        for c, r, pk in Incident.objects.filter(
            external_ref__in=[external_ref(c) for c in CALLS]
        ).values_list("channel", "external_ref", "pk")
    }
    todo = [c for c in CALLS if (c.channel, external_ref(c)) not in existing]
    if not todo:
        return built
    b = _Builder(territory, staff, now)
    originals: dict[str, Incident] = {
        c.ref: Incident.objects.get(pk=existing[(c.channel, external_ref(c))])
        for c in CALLS
        if (c.channel, external_ref(c)) in existing
    }
    plans: dict[str, list[_Milestones]] = {}
    # Originals first, so that duplicates can point at them.
    for call in sorted(todo, key=lambda c: c.story == DUPLICATE):
        incident, plan = b.build(call, originals)
        incident.save()
        incident.assign_number()
        originals[call.ref] = incident
        plans[call.ref] = plan
        built.incidents.append(incident.pk)

    events: list[Event] = []
    conflicts: list[Conflict] = []
    open_units: dict[int, tuple[str, dt.datetime, Incident]] = {}
    for call in todo:
        incident = originals[call.ref]
        plan = plans[call.ref]
        if not plan:
            continue
        rng = random.Random(f"assign:{call.ref}")
        chief = staff.chiefs[call.district]
        duty = staff.duty[sum(map(ord, call.ref)) % len(staff.duty)]
        assignments: list[tuple[Assignment, _Milestones]] = []
        for callsign, m in zip(call.units, plan, strict=True):
            unit = staff.units[callsign]
            zone = incident.settlement.zone if incident.settlement else "rural"
            # The same deadlines a live dispatch would get (the district's escalation policy).
            due = deadlines_for(district_id=incident.district_id, priority=call.priority, zone=zone)
            a = Assignment(
                incident=incident,
                unit=unit,
                dispatched_at=m.dispatched,
                dispatched_by=None if call.channel == PATROL else duty,
                dispatch_source=DispatchSource.SELF
                if call.channel == PATROL
                else DispatchSource.DUTY_OFFICER,
                delivered_at=m.delivered,
                acknowledged_at=m.acknowledged,
                en_route_at=m.en_route,
                on_scene_at=m.on_scene,
                cleared_at=m.cleared,
                deliver_due_at=m.dispatched + dt.timedelta(seconds=due.deliver_within_s),
                ack_due_at=m.dispatched + dt.timedelta(seconds=due.ack_within_s),
                arrive_due_at=(incident.received_at + dt.timedelta(seconds=due.arrive_within_s))
                if due.arrive_within_s is not None
                else None,
            )
            if m.superseded:
                a.status, a.superseded_at, a.closed_at = (
                    AssignmentStatus.SUPERSEDED,
                    m.superseded,
                    m.superseded,
                )
            elif m.cancelled:
                a.status, a.cancelled_at, a.closed_at = (
                    AssignmentStatus.CANCELLED,
                    m.cancelled,
                    m.cancelled,
                )
                a.cancelled_by, a.cancel_reason = duty, "заявитель сообщил, что вопрос решён"
            else:
                a.status = _furthest(m)
                if a.status == AssignmentStatus.CLEARED:
                    a.closed_at = m.cleared
            if a.is_open:
                # Overdue rungs are left for the escalation sweep to fire when Kuzet starts.
                a.next_escalation_at = next_due(
                    a, fired=set(), incident_on_scene=call.story == ON_SCENE
                )
            a.save()
            built.assignments.append(a.pk)
            assignments.append((a, m))
            if a.is_open:
                open_units[unit.pk] = (a.status, max(t for t in vars(m).values() if t), incident)

        if call.story == REASSIGNED:
            (old, _), (new, _) = assignments[0], assignments[1]
            old.superseded_by = new
            old.save(update_fields=["superseded_by"])

        for i, (a, m) in enumerate(assignments):
            made = _events_for(call, i, a, m, b, rng, chief=chief, duty=duty, now=now)
            events.extend(made)
            if call.story == CANCELLED:
                late = _late_on_scene(call, a, m, b, rng, now=now)
                events.append(late)
                conflicts.append(
                    Conflict(
                        kind=ConflictKind.AFTER_CANCEL,
                        district=incident.district,
                        incident=incident,
                        assignment=a,
                        event_id=late.id,
                        unit=a.unit,
                        opened_at=late.server_received_at,
                        device_side={
                            "kind": late.kind,
                            "device_time": late.device_time,
                            "estimated_at": clock.to_ms(late.estimated_at),
                            "uncertainty_ms": late.estimate_uncertainty_ms,
                            "method": late.estimate_method,
                            "server_received_at": clock.to_ms(late.server_received_at),
                        },
                        server_side={
                            "command": "cancelled",
                            "at": clock.opt_ms(a.cancelled_at),
                            "actor": duty.username,
                            "reason": a.cancel_reason,
                        },
                    )
                )

        incident.status = b.story_status(call)
        fields = ["status"]
        if call.story == CLOSED:
            last = max(m.cleared for _, m in assignments if m.cleared)
            incident.closed_at = last + dt.timedelta(minutes=rng.randint(10, 35))
            incident.closed_by = chief
            incident.outcome_code = call.outcome
            incident.disposition = OutcomeCode(call.outcome).label if call.outcome else ""
            if call.channel in ASYNC_CHANNELS:
                incident.citizen_notified_at = incident.closed_at
            fields += [
                "closed_at",
                "closed_by",
                "outcome_code",
                "disposition",
                "citizen_notified_at",
            ]
            if call.outcome in (OutcomeCode.CRIMINAL_CASE, OutcomeCode.REPORT_TAKEN):
                incident.registry_kui = f"КУИ-{incident.received_at:%Y}-{incident.pk:05d}"
                fields.append("registry_kui")
            events.append(
                _server_event(
                    f"srv_seed_{call.ref}_closed",
                    EventKind.CLOSED,
                    incident=incident,
                    assignment=None,
                    unit=None,
                    officer=chief,
                    at=incident.closed_at,
                    payload={"disposition": incident.disposition},
                )
            )
        if call.story == CANCELLED:
            incident.closed_at = assignments[0][0].cancelled_at
            fields.append("closed_at")
        incident.save(update_fields=fields)

    Event.objects.bulk_create(events)
    built.events = [e.id for e in events]
    for a_pk_fields in _assignment_event_updates(events):
        Assignment.objects.filter(pk=a_pk_fields[0]).update(**a_pk_fields[1])
    Conflict.objects.bulk_create(conflicts)
    dv = _seed_dv(todo, originals, staff, territory, now=now)
    built.units = _settle_units(staff, b, open_units, now=now)
    built.counts = {
        k: v
        for k, v in {
            "incidents": len(built.incidents),
            "assignments": len(built.assignments),
            "events": len(built.events),
            "conflicts": len(conflicts),
            "dv_records": dv,
        }.items()
        if v
    }
    return built


_MILESTONE_FIELD: dict[str, str] = {
    EventKind.DELIVERED: "delivered",
    EventKind.ACK: "acknowledged",
    EventKind.EN_ROUTE: "en_route",
    EventKind.ON_SCENE: "on_scene",
    EventKind.CLEARED: "cleared",
}
_KIND_FOR = {v: k for k, v in _MILESTONE_FIELD.items()}


def _furthest(m: _Milestones) -> str:
    for name, status in (
        ("cleared", AssignmentStatus.CLEARED),
        ("on_scene", AssignmentStatus.ON_SCENE),
        ("en_route", AssignmentStatus.EN_ROUTE),
        ("acknowledged", AssignmentStatus.ACKNOWLEDGED),
        ("delivered", AssignmentStatus.DELIVERED),
    ):
        if getattr(m, name):
            return str(status)
    return str(AssignmentStatus.DISPATCHED)


def _assignment_event_updates(events: list[Event]) -> list[tuple[int, dict[str, str]]]:
    updates: dict[int, dict[str, str]] = {}
    for e in events:
        if e.assignment_id and e.disposition == Disposition.APPLIED and e.kind in _MILESTONE_FIELD:
            updates.setdefault(e.assignment_id, {})[f"{_MILESTONE_FIELD[e.kind]}_event_id"] = e.id
    return sorted(updates.items())


def _server_event(
    event_id: str,
    kind: str,
    *,
    incident: Incident,
    assignment: Assignment | None,
    unit: Unit | None,
    officer: Officer | None,
    at: dt.datetime,
    payload: dict[str, Any],
) -> Event:
    raw: dict[str, Any] = {
        "id": event_id,
        "kind": kind,
        "assignment_id": assignment.pk if assignment else None,
        "payload": payload,
    }
    return Event(
        id=event_id,
        kind=kind,
        source=EventSource.SERVER,
        via="admin",
        assignment=assignment,
        incident=incident,
        unit=unit,
        officer=officer,
        payload=payload,
        content_hash=content_hash(raw),
        server_received_at=at,
        estimated_at=at,
        estimate_uncertainty_ms=0,
        estimate_method=EstimateMethod.SERVER,
        disposition=Disposition.APPLIED,
    )


def _device_clock(rng: random.Random, device: Device) -> tuple[str, int, int]:
    """(boot id, ms since boot at the device's last reboot reference, wall-clock skew ms)."""
    own = random.Random(f"device:{device.install_id}")
    skew = own.choice([0, 0, 0, 1200, -800, 2_820_000])  # one phone runs 47 min fast
    return f"boot-{own.getrandbits(40):010x}", own.randint(3_600_000, 40 * 3_600_000), skew


def _events_for(
    call: Call,
    i: int,
    a: Assignment,
    m: _Milestones,
    b: _Builder,
    rng: random.Random,
    *,
    chief: Officer,
    duty: Officer,
    now: dt.datetime,
) -> list[Event]:
    incident = a.incident
    crew = b.staff.crew(a.unit.callsign)
    officer = crew[0] if crew else None
    prefix = f"seed_{call.ref}_{i + 1}"
    out = [
        _server_event(
            f"srv_{prefix}_dispatched",
            EventKind.DISPATCHED,
            incident=incident,
            assignment=a,
            unit=a.unit,
            officer=a.dispatched_by,
            at=m.dispatched,
            payload={"unit": a.unit.callsign},
        )
    ]
    if m.superseded:
        out.append(
            _server_event(
                f"srv_{prefix}_reassigned",
                EventKind.REASSIGNED,
                incident=incident,
                assignment=a,
                unit=a.unit,
                officer=duty,
                at=m.superseded,
                payload={"reason": "не доставлено: нет связи в Баршатасе", "to": call.units[1]},
            )
        )
        return out
    home = b.homes[a.unit.callsign]
    offline = home.coverage in (Coverage.SMS_ONLY, Coverage.NONE)
    for name in ("delivered", "acknowledged", "en_route", "on_scene", "cleared"):
        at = getattr(m, name)
        if at is None:
            continue
        kind = _KIND_FOR[name]
        event_id = f"{prefix}_{kind}"
        if call.backfill:
            entered = min(
                now - dt.timedelta(minutes=1),
                (m.cleared or at) + dt.timedelta(minutes=rng.randint(40, 180)),
            )
            payload = {"entered_by": chief.username, "from": "журнал радиосвязи"}
            out.append(
                Event(
                    id=event_id,
                    kind=kind,
                    source=EventSource.BACKFILL,
                    via="radio",
                    assignment=a,
                    incident=incident,
                    unit=a.unit,
                    officer=officer,
                    payload=payload,
                    content_hash=content_hash(
                        {"id": event_id, "kind": kind, "at": clock.to_ms(at), "payload": payload}
                    ),
                    server_received_at=entered,
                    estimated_at=at,
                    estimate_uncertainty_ms=300_000,
                    estimate_method=EstimateMethod.SERVER,
                    disposition=Disposition.APPLIED,
                )
            )
            continue
        assert officer is not None
        device = b.devices[officer.pk]
        boot, base_elapsed, skew = _device_clock(rng, device)
        # Out of coverage the phone keeps the facts and syncs when it is back in range.
        lag_s = (
            rng.randint(20 * 60, 150 * 60) if offline and name != "delivered" else rng.randint(1, 6)
        )
        received = min(at + dt.timedelta(seconds=lag_s), now - dt.timedelta(seconds=30))
        received = max(received, at)
        elapsed = base_elapsed + int((at - (now - dt.timedelta(days=5))).total_seconds() * 1000)
        gps = name in ("en_route", "on_scene", "cleared")
        lat = round((incident.lat or 0) + rng.uniform(-0.002, 0.002), 5) if gps else None
        lon = round((incident.lon or 0) + rng.uniform(-0.002, 0.002), 5) if gps else None
        raw: dict[str, Any] = {
            "id": event_id,
            "kind": kind,
            "assignment_id": str(a.pk),
            "device_time": clock.to_ms(at) + skew,
            "boot_id": boot,
            "elapsed_ms": elapsed,
            "lat": lat,
            "lon": lon,
            "accuracy_m": rng.randint(5, 35) if gps else None,
            "gps_time": clock.to_ms(at) - 800 if gps else None,
            "payload": {},
        }
        uncertainty = 400 + rng.randint(0, 900) + (int(lag_s * 0.05) if offline else 0)
        out.append(
            Event(
                id=event_id,
                kind=kind,
                source=EventSource.APP,
                via="http" if offline else "ws",
                assignment=a,
                incident=incident,
                unit=a.unit,
                officer=officer,
                device=device,
                device_time=raw["device_time"],
                boot_id=boot,
                elapsed_ms=elapsed,
                lat=lat,
                lon=lon,
                accuracy_m=raw["accuracy_m"],
                gps_time=raw["gps_time"],
                payload={},
                content_hash=content_hash(raw),
                server_received_at=received,
                estimated_at=at,
                estimate_uncertainty_ms=uncertainty,
                estimate_method=EstimateMethod.ANCHOR,
                clock_skew_ms=skew or None,
                disposition=Disposition.APPLIED,
            )
        )
    if m.cancelled:
        out.append(
            _server_event(
                f"srv_{prefix}_cancelled",
                EventKind.CANCELLED,
                incident=incident,
                assignment=a,
                unit=a.unit,
                officer=duty,
                at=m.cancelled,
                payload={"reason": a.cancel_reason},
            )
        )
    return out


def _late_on_scene(
    call: Call, a: Assignment, m: _Milestones, b: _Builder, rng: random.Random, *, now: dt.datetime
) -> Event:
    """The inspector, out of coverage, arrived after the call was cancelled: the fact is kept
    (``after_cancel``), not projected, and a conflict goes to the chief."""
    assert m.cancelled is not None
    crew = b.staff.crew(a.unit.callsign)
    device = b.devices[crew[0].pk]
    boot, base_elapsed, skew = _device_clock(rng, device)
    at = m.cancelled + dt.timedelta(minutes=rng.randint(8, 25))
    received = min(at + dt.timedelta(minutes=rng.randint(60, 140)), now - dt.timedelta(minutes=1))
    event_id = f"seed_{call.ref}_1_on_scene"
    incident = a.incident
    lat = round((incident.lat or 0) + 0.001, 5)
    lon = round((incident.lon or 0) - 0.001, 5)
    raw: dict[str, Any] = {
        "id": event_id,
        "kind": EventKind.ON_SCENE,
        "assignment_id": str(a.pk),
        "device_time": clock.to_ms(at) + skew,
        "boot_id": boot,
        "elapsed_ms": base_elapsed
        + int((at - (now - dt.timedelta(days=5))).total_seconds() * 1000),
        "lat": lat,
        "lon": lon,
        "accuracy_m": 18,
        "gps_time": clock.to_ms(at) - 700,
        "payload": {},
    }
    return Event(
        id=event_id,
        kind=EventKind.ON_SCENE,
        source=EventSource.APP,
        via="http",
        assignment=a,
        incident=incident,
        unit=a.unit,
        officer=crew[0],
        device=device,
        device_time=raw["device_time"],
        boot_id=boot,
        elapsed_ms=raw["elapsed_ms"],
        lat=lat,
        lon=lon,
        accuracy_m=18,
        gps_time=raw["gps_time"],
        payload={},
        content_hash=content_hash(raw),
        server_received_at=received,
        estimated_at=at,
        estimate_uncertainty_ms=1800,
        estimate_method=EstimateMethod.ANCHOR,
        clock_skew_ms=skew or None,
        disposition=Disposition.AFTER_CANCEL,
    )


def _seed_dv(
    calls: list[Call],
    incidents: dict[str, Incident],
    staff: Staff,
    territory: Territory,
    *,
    now: dt.datetime,
) -> int:
    """Risk subjects behind the DV calls (their flags shown to the unit) and follow-up visits."""
    made = 0
    for call in calls:
        if call.category != Category.DOMESTIC_VIOLENCE:
            continue
        incident = incidents[call.ref]
        rng = random.Random(f"dv:{call.ref}")
        order_until = (
            (now + dt.timedelta(days=rng.randint(5, 40))).date() if rng.random() < 0.6 else None
        )
        prior = rng.randint(1, 4)
        subject = RiskSubject.objects.create(
            kind=RiskSubject.Kind.ADDRESS,
            district=incident.district,
            settlement=incident.settlement,
            address=call.landmark or "адрес со слов заявителя",
            phone=incident.caller_phone,
            protective_order_until=order_until,
            prior_dv_calls=prior,
            last_follow_up_at=now - dt.timedelta(days=rng.randint(10, 60)),
        )
        incident.risk_flags = [
            {"flag": "domestic_violence"},
            {
                "flag": "risk_subject",
                "subject_id": subject.pk,
                "kind": subject.kind,
                "label": str(subject),
                "protective_order_until": order_until.isoformat() if order_until else None,
                "protective_order_active": bool(order_until and order_until >= now.date()),
                "prior_dv_calls": prior,
                "last_follow_up_at": subject.last_follow_up_at.isoformat()
                if subject.last_follow_up_at
                else None,
            },
        ]
        incident.save(update_fields=["risk_flags"])
        dv_unit = next(
            u
            for cs, u in staff.units.items()
            if u.district_id == incident.district_id and u.type == UnitType.DV_INSPECTOR
        )
        FollowUpTask.objects.create(
            incident=incident,
            district=incident.district,
            unit=dv_unit,
            due_at=incident.received_at + dt.timedelta(days=3),
        )
        made += 2
    return made


def _settle_units(
    staff: Staff,
    b: _Builder,
    open_units: dict[int, tuple[str, dt.datetime, Incident]],
    *,
    now: dt.datetime,
) -> set[int]:
    """Give the new units a status and a last position consistent with their assignments."""
    status_for = {
        AssignmentStatus.DISPATCHED: UnitStatus.DISPATCHED,
        AssignmentStatus.DELIVERED: UnitStatus.DISPATCHED,
        AssignmentStatus.ACKNOWLEDGED: UnitStatus.DISPATCHED,
        AssignmentStatus.EN_ROUTE: UnitStatus.EN_ROUTE,
        AssignmentStatus.ON_SCENE: UnitStatus.ON_SCENE,
        AssignmentStatus.TRANSPORTING: UnitStatus.TRANSPORTING,
    }
    fresh = set(staff.created_unit_ids)
    changed = []
    for callsign, unit in sorted(staff.units.items()):
        if unit.pk not in fresh:
            continue
        rng = random.Random(f"unit:{callsign}")
        home = b.homes[callsign]
        assert home.lat is not None
        assert home.lon is not None
        lat, lon = home.lat + rng.uniform(-0.005, 0.005), home.lon + rng.uniform(-0.005, 0.005)
        seen = now - dt.timedelta(minutes=rng.randint(1, 6))
        if home.coverage == Coverage.NONE:
            seen = now - dt.timedelta(hours=rng.randint(2, 5))  # out of range: shows unreachable
        unit.status, unit.status_at = UnitStatus.AVAILABLE, now - dt.timedelta(hours=2)
        if unit.pk in open_units:
            status, at, incident = open_units[unit.pk]
            unit.status, unit.status_at = status_for[AssignmentStatus(status)], at
            if status == AssignmentStatus.ON_SCENE and incident.lat is not None:
                lat, lon = incident.lat, incident.lon  # type: ignore[assignment]
            seen = max(seen, at)
        if callsign == "ZHR-PC2" and unit.pk not in open_units:
            unit.status = UnitStatus.OUT_OF_SERVICE  # in the garage: set by the chief
            unit.status_at = unit.status_locked_at = now - dt.timedelta(hours=5)
        unit.lat, unit.lon = round(lat, 5), round(lon, 5)
        unit.position_at = min(seen, now)
        unit.position_accuracy_m = float(rng.randint(5, 40))
        unit.last_contact_at = min(seen, now)
        unit.last_contact_via = "socket" if home.coverage in (Coverage.LTE, Coverage.G3) else "sms"
        changed.append(unit)
    Unit.objects.bulk_update(
        changed,
        [
            "status",
            "status_at",
            "status_locked_at",
            "lat",
            "lon",
            "position_at",
            "position_accuracy_m",
            "last_contact_at",
            "last_contact_via",
        ],
    )
    return {u.pk for u in changed}
