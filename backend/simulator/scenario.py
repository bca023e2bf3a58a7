"""What happens in the simulated districts: how often, what kind, how fast people react.

Pure numbers and random draws, no I/O. Every figure is a planning guess written down so that
a reader can say why the demo looks as it does; none of them is a rule of the system (the
system's rules — priorities, deadlines, travel speeds — are the server's own and the
simulator only meets them through the API).

Rates: the four staffed districts of Abai oblast together get ≈ 19 calls a day. Semey (a
city of 350,000 with its rural okrugs) has the most; the rural districts a handful each.
Calls come more in the evening than at dawn (:data:`HOURLY_WEIGHT`, local time).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

# Calls per day by district KATO (Semey, Ayagoz, Abai/Karaul, Zharma/Kalbatau).
DAILY_CALLS: dict[str, float] = {
    "101000000": 9.0,
    "103600000": 5.0,
    "103200000": 2.0,
    "104200000": 3.0,
}

# Relative call volume per local hour (Asia/Almaty, UTC+5): quiet before dawn, busiest in
# the evening. Mean 1.0, so the daily rate stays the daily rate.
_RAW_HOURLY = (
    0.5, 0.4, 0.3, 0.3, 0.3, 0.4, 0.6, 0.8, 1.0, 1.1, 1.1, 1.1,
    1.1, 1.1, 1.1, 1.2, 1.3, 1.4, 1.6, 1.7, 1.6, 1.4, 1.0, 0.7,
)  # fmt: skip
HOURLY_WEIGHT: tuple[float, ...] = tuple(w * 24 / sum(_RAW_HOURLY) for w in _RAW_HOURLY)
LOCAL_UTC_OFFSET_H = 5

# Channel mix (share of calls). 102 carries the emergencies; the apps are asynchronous.
CHANNEL_MIX: dict[str, float] = {
    "phone_102": 0.55,
    "app_102": 0.12,
    "egov": 0.07,
    "kaspi": 0.05,
    "halyk": 0.03,
    "video": 0.04,
    "walk_in": 0.05,
    "patrol": 0.05,
    "agency_112": 0.04,
}
# Channels a duty officer types in through the staff API (the caller is in the room, or the
# patrol radios it in); every other channel arrives through its intake integration.
STAFF_ENTERED = frozenset({"walk_in", "patrol"})
APP_CHANNELS = frozenset({"app_102", "egov", "kaspi", "halyk"})

# Category mix per kind of channel. DV is a category like any other; the server raises it
# to at least P1.
CATEGORIES_LIVE: dict[str, float] = {
    "violence": 0.14,
    "domestic_violence": 0.14,
    "theft": 0.14,
    "livestock_theft": 0.06,
    "road_accident": 0.09,
    "disorder": 0.12,
    "robbery": 0.04,
    "child": 0.03,
    "missing_person": 0.03,
    "noise": 0.07,
    "fraud": 0.04,
    "information": 0.05,
    "other": 0.05,
}
CATEGORIES_APP: dict[str, float] = {
    "road_accident": 0.12,
    "traffic_violation": 0.22,
    "domestic_violence": 0.08,
    "child": 0.05,
    "parking": 0.16,
    "fraud": 0.12,
    "theft": 0.08,
    "police_complaint": 0.05,
    "noise": 0.06,
    "information": 0.06,
}
CATEGORIES_PATROL: dict[str, float] = {
    "traffic_violation": 0.5,
    "disorder": 0.3,
    "other": 0.2,
}

SUMMARIES: dict[str, tuple[str, ...]] = {
    "violence": ("Драка у магазина", "Избиение во дворе, слышны крики", "Нападение на улице"),
    "domestic_violence": (
        "Муж избивает жену, дети дома",
        "Сын угрожает матери",
        "Повторный вызов: нарушение защитного предписания",
    ),
    "theft": ("Кража из дома", "Кража велосипеда", "Взлом магазина"),
    "livestock_theft": ("Угнали скот с пастбища", "Пропали овцы с точки", "Угон лошадей"),
    "road_accident": ("ДТП, есть пострадавшие", "ДТП без пострадавших", "Опрокидывание авто"),
    "traffic_violation": ("Превышение скорости у школы", "Водитель без прав", "Езда по тротуару"),
    "disorder": ("Шумная пьяная компания", "Хулиганство у клуба", "Конфликт соседей"),
    "robbery": ("Вырвали телефон у прохожего", "Грабёж у банкомата"),
    "child": ("Ребёнок не вернулся из школы", "Ребёнок один на улице ночью"),
    "missing_person": ("Не вернулся с пастбища пожилой мужчина", "Пропал человек"),
    "noise": ("Громкая музыка ночью", "Шум на стройке ночью"),
    "fraud": ("Мошенничество с переводом", "Звонок «службы безопасности банка»"),
    "information": ("Бродячие собаки у школы", "Сообщение о подозрительном авто"),
    "parking": ("Автомобиль перекрыл проезд", "Парковка на тротуаре"),
    "police_complaint": ("Жалоба на сотрудника",),
    "other": ("Иное происшествие", "Просьба о помощи"),
}

OUTCOMES: dict[str, tuple[str, ...]] = {
    "violence": ("admin_protocol", "criminal_case", "arrest", "warning"),
    "domestic_violence": ("protective_order", "admin_protocol", "criminal_case", "warning"),
    "theft": ("report_taken", "criminal_case"),
    "livestock_theft": ("criminal_case", "report_taken"),
    "road_accident": ("report_taken", "admin_protocol"),
    "traffic_violation": ("admin_protocol", "warning", "no_offence"),
    "disorder": ("warning", "admin_protocol", "resolved_on_scene"),
    "robbery": ("criminal_case", "report_taken"),
    "child": ("resolved_on_scene", "report_taken"),
    "missing_person": ("resolved_on_scene", "report_taken", "not_found"),
    "noise": ("warning", "resolved_on_scene", "not_found"),
    "fraud": ("report_taken", "referred"),
    "information": ("resolved_on_scene", "referred", "no_offence"),
    "parking": ("admin_protocol", "warning", "not_found"),
    "police_complaint": ("referred",),
    "other": ("resolved_on_scene", "false_call", "no_offence"),
}
# The CoAO article of an administrative protocol, which the chief's upward report counts: on a
# DV call article 73 (unlawful acts in family and household relations), one in four 461 (a
# protective order not complied with); on public disorder 434 (petty hooliganism).
DV_ORDER_BREACH_EVERY = 4


def coao_article(category: str, outcome: str, *, incident_id: int) -> str:
    """The article a unit names with ``outcome``; "" for none. Chosen by the incident's id,
    not the world's random stream, so that adding it moved no other draw of a seeded run."""
    if outcome != "admin_protocol":
        return ""
    if category == "domestic_violence":
        return "461" if incident_id % DV_ORDER_BREACH_EVERY == 0 else "73"
    if category == "disorder":
        return "434"
    return ""


NOTES = (
    "Заявитель опрошен, объяснение взято",
    "На месте всё спокойно",
    "Составлен протокол, копия вручена",
    "Связь плохая, подробности по рации",
    "Проведена профилактическая беседа",
    "Свидетели опрошены, приметы переданы в ЦОУ",
)


def pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def next_call_in_s(
    rng: random.Random, *, per_day: float, local_hour: int, floor: float = 0.0
) -> float:
    """Seconds to the next call of a Poisson process whose rate follows the hour (never
    below ``floor`` times the day's mean: the live demo keeps its nights from going quiet)."""
    rate_per_s = per_day * max(HOURLY_WEIGHT[local_hour % 24], floor) / 86_400
    return rng.expovariate(rate_per_s) if rate_per_s > 0 else math.inf


@dataclass(frozen=True)
class Report:
    """A call as the citizen (or the patrol) makes it."""

    channel: str
    category: str
    summary: str
    caller_gps: bool  # the app sends the phone's position; a phone call gives a place name


def report(rng: random.Random) -> Report:
    channel = pick(rng, CHANNEL_MIX)
    if channel == "patrol":
        categories = CATEGORIES_PATROL
    elif channel in APP_CHANNELS:
        categories = CATEGORIES_APP
    else:
        categories = CATEGORIES_LIVE
    category = pick(rng, categories)
    summary = rng.choice(SUMMARIES[category])
    return Report(channel, category, summary, caller_gps=channel in APP_CHANNELS)


# --- people -------------------------------------------------------------------------------
# A duty officer reads the call, looks at the recommendations and sends a unit: seconds for
# an emergency, minutes for a parking complaint.
DISPATCH_DELAY_S: dict[str, tuple[float, float]] = {
    "P0": (15, 60),
    "P1": (30, 120),
    "P2": (60, 420),
    "P3": (300, 1800),
}
# Share of P3 reports from the apps that are handled without a unit (referred, no offence).
P3_CLOSED_WITHOUT_UNIT = 0.4
# The district inspector's visit after a DV call (due three days after it, DOMAIN.md): made
# between half a day and 3.4 days after the call — most on time, about one in seven late —
# and reported to the duty desk, which records it with what the inspector found.
# The oblast ЦОУ offered a free unit of the next district that would be there much sooner
# (the server lists it only then: ``policies.across_border_worth``) sends it most of the time;
# now and then the duty officer keeps to the call's own district (its chief's crews, its radio).
ACROSS_BORDER_TAKEN = 0.8

FOLLOW_UP_VISIT_DAYS = (0.5, 3.4)
FOLLOW_UP_NOTES = (
    "Профилактическая беседа проведена",
    "Семья на месте, конфликт исчерпан",
    "Разъяснены права, выдана памятка",
    "Заявительница отказалась от претензий, беседа с супругом",
    "Дома никого, повторный визит назначен",
)
# The district chief reviews his open conflicts every few hours of his day (the console's
# queue, here the staff API) and decides each as a chief would: a crew's facts that came late
# from a white spot are accepted, a step on a call given to another unit is noted, …
CHIEF_REVIEW_EVERY_S = (3 * 3600, 8 * 3600)
CHIEF_DECISIONS = {
    "after_cancel": ("noted", "Экипаж был без связи и не знал об отмене; факты приняты к сведению"),
    "after_reassign": ("accept_device", "Экипаж был в зоне без связи, факты телефона верны"),
    "after_close": ("noted", "Отметка пришла после закрытия вызова, вызов не пересматривается"),
    "not_assignee": ("noted", "Наряд помогал на чужом вызове, нарушения нет"),
    "outcome_mismatch": ("accept_device", "Итог со слов экипажа точнее"),
    "clock_suspect": ("noted", "Часы телефона сбиты, время по серверу"),
}
# The crew's word at the end of a call. Most crews tap outcome and "cleared" on the phone and
# the desk closes the call when the board shows it cleared. Some report by radio first —
# "закончили, составлен протокол" — and the duty officer closes the call on the report at
# once, while the crew is still on scene writing the protocol and the explanations; its phone
# taps the outcome and "cleared" when the paperwork is done, minutes after the close. Kuzet
# keeps those taps and opens ``after_close`` for the chief (PROTOCOL §6.2). A planning guess:
# about one call in eight ends on the radio first (old habits, a phone in the car); the
# paperwork on scene takes 5 to 25 minutes.
RADIO_FIRST_SHARE = 0.12
PAPERWORK_S = (300.0, 1500.0)
# Share of calls that get a second report of the same event from another citizen.
DUPLICATE_SHARE = 0.07
# Share of assignments the duty officer stands down before arrival (the caller rang back).
CANCEL_SHARE = 0.04
# Past the arrival deadline with no arrival on the server and the crew silent (its phones in
# a white spot), the share of such assignments the duty officer hands to a unit that can be
# reached; the rest are left to the silent crew. A crew that was there all along brings its
# arrival when back in coverage, and Kuzet keeps it as a conflict (after_reassign).
SILENT_LATE_REASSIGN_SHARE = 0.5
# How long past the arrival deadline the duty officer looks (the board shows it overdue).
ARRIVAL_GRACE_S = 120.0
# Share of officers who are slow to acknowledge (asleep, driving, phone in the car): their
# acknowledgment comes after the deadline, so the escalation ladder fires.
SLOW_OFFICER_SHARE = 0.15
SLOW_ASSIGNMENT_SHARE = 0.5  # of a slow officer's assignments
# Share of devices with a wrong wall clock (hours off, or the year 1970) and daily reboot odds.
WRONG_CLOCK_SHARE = 0.12
REBOOT_PER_DAY = 0.3


def dispatch_delay_s(rng: random.Random, priority: str) -> float:
    low, high = DISPATCH_DELAY_S.get(priority, DISPATCH_DELAY_S["P2"])
    return rng.uniform(low, high)


def ack_delay_s(rng: random.Random, *, priority: str, ack_within_s: float, slow: bool) -> float:
    """Seconds from seeing the assignment to acknowledging it."""
    if slow:
        # Past the deadline, often past twice the deadline (the ladder's third rung).
        return ack_within_s * rng.uniform(1.3, 3.0)
    fast = {"P0": (5, 30), "P1": (8, 60), "P2": (15, 150), "P3": (30, 600)}
    low, high = fast.get(priority, fast["P2"])
    return min(rng.uniform(low, high), ack_within_s * 0.9)


def message_read_s(rng: random.Random) -> float:
    """From the desk's message ringing on the phone to the officer reading it (driving, on
    scene: not at once)."""
    return rng.uniform(10, 240)


def turnout_s(rng: random.Random, priority: str) -> float:
    """From acknowledgment to setting off."""
    return rng.uniform(10, 90) if priority in ("P0", "P1") else rng.uniform(60, 600)


# The desk rings a caller back (seconds after the report) and finds it other than reported:
# an app's "noise" that is a fight going on, a "disorder" that is a husband beating his wife
# (then a DV call: at least P1, its risk flags, its follow-up visit), a P1 theft from the
# night before that can wait. What share of each, and what it becomes.
CALLBACK_S = (90.0, 400.0)


@dataclass(frozen=True)
class Callback:
    category: str
    priority: str
    reason: str


CALLBACKS: dict[tuple[str, str], tuple[float, Callback]] = {
    ("noise", "P3"): (0.06, Callback("violence", "P1", "Перезвонили: во дворе драка")),
    ("disorder", "P2"): (
        0.2,
        Callback("domestic_violence", "", "Со слов заявительницы: бьёт муж"),
    ),
    ("violence", "P0"): (
        0.15,
        Callback("domestic_violence", "", "Со слов заявительницы: избивает сожитель"),
    ),
    ("theft", "P1"): (0.15, Callback("", "P2", "Перезвонили: кража была ночью, вор скрылся")),
}


def callback_change(rng: random.Random, category: str, priority: str) -> Callback | None:
    """What a call-back finds, if anything (one number from ``rng`` for every call)."""
    share, change = CALLBACKS.get((category, priority), (0.0, None))
    return change if rng.random() < share and change is not None else None


# How long after a crew was put before the desk as silent on scene (officer-safety check) the
# duty officer raises it by radio (seconds of server time).
SAFETY_CHECK_ANSWER_S = (60.0, 240.0)


def on_scene_s(rng: random.Random, priority: str) -> float:
    return rng.uniform(900, 3600) if priority in ("P0", "P1") else rng.uniform(600, 2400)


def wrong_clock_offset_ms(rng: random.Random) -> int:
    """A device wall clock that is wrong: hours ahead or behind, or reset to 1970."""
    return rng.choice([3 * 3_600_000, -3 * 3_600_000, 47 * 60_000, -86_400_000, -1_700_000_000_000])


# --- coverage -----------------------------------------------------------------------------
# Data coverage by level: the share of time a phone there has a data connection, and how
# long a gap lasts (seconds). In `2g_sms` data is off but SMS get through; in `none` neither
# — the officer syncs when the patrol passes somewhere with a signal.
COVERAGE_ONLINE_SHARE = {"lte": 0.99, "3g": 0.93, "2g_sms": 0.0, "none": 0.0}
COVERAGE_GAP_S = {"lte": (60, 300), "3g": (300, 1800)}
# An officer based in a white spot gets a signal every few hours (a hill, the okrug centre).
WHITE_SPOT_TRIP_S = (2 * 3600, 6 * 3600)
WHITE_SPOT_SIGNAL_S = (300, 900)
SMS_CAPABLE = frozenset({"lte", "3g", "2g_sms"})


# --- domestic violence ------------------------------------------------------------------------
# DV comes back to the same homes: a DV call is made from one of a settlement's few troubled
# households (more in a town), so Kuzet's risk register sees repeat addresses, prior calls and
# protective orders. A household is its address and the phone it calls from, the same in every
# run (history and the live simulator meet the same homes).
DV_HOUSEHOLDS_BY_ZONE: dict[str, int] = {"urban": 40, "suburban": 10, "rural": 4}
STREETS: tuple[str, ...] = (
    "ул. Абая",
    "ул. Ауэзова",
    "ул. Шакарима",
    "ул. Жамбыла",
    "ул. Достык",
    "ул. Тауелсиздик",
    "ул. Бейбитшилик",
    "ул. Наурыз",
    "ул. Мектеп",
    "ул. Жастар",
)


def dv_household(rng: random.Random, *, kato: str, zone: str) -> tuple[str, str]:
    """The address and the caller's phone of a DV call in the settlement ``kato``."""
    n = rng.randrange(DV_HOUSEHOLDS_BY_ZONE.get(zone, DV_HOUSEHOLDS_BY_ZONE["rural"]))
    home = random.Random(f"{kato}:{n}")  # the same household in every run
    address = f"{home.choice(STREETS)}, {home.randint(1, 120)}"
    if zone == "urban":
        address += f", кв. {home.randint(1, 80)}"
    return address, f"+7705{home.randint(1_000_000, 9_999_999)}"
