"""March 2026 in Ayagoz district (personas A), built by hand so that every figure of the
chief's console can be computed by hand — and is, in :data:`EXPECTED`.

Eleven calls in the month: the remote village (Актогай, 2G/SMS) and the urban seat (Аягоз,
LTE). Cases: ties (two responses of 1,200 s, two of 300 s, four deliveries of 5 s),
missing milestones (an open assignment never acknowledged, a P3 never reached), a unit
reassigned away before arrival (superseded) and its replacement, a unit cancelled before
delivery, two units on one call (the first arrival counts for response), an acknowledgement
by SMS without a delivery receipt, one on the officer's behalf, shift edges (08:00:00 and
19:59:59 are day, 20:00:00 and 07:59 night), a cancelled call, a call closed before its
target with nobody needed, and calls just outside the month and in district B that must not
count.

Times: local Kazakhstan time (UTC+5). Arrival targets are DOMAIN.md's defaults, fixed on each
assignment as dispatch does (``arrive_due_at`` = received + target).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from backend.dispatch.models import Event, Incident
from backend.geo.models import Coverage
from tests import factories

ALMATY = ZoneInfo("Asia/Almaty")
PERIOD = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
# "now" of the figures: after every target of the month has passed.
NOW = dt.datetime(2026, 4, 2, 12, 0, tzinfo=ALMATY)

TARGET = {  # DOMAIN.md defaults, seconds from the call
    ("P0", "urban"): 600,
    ("P0", "remote"): 3600,
    ("P1", "urban"): 900,
    ("P1", "remote"): 5400,
    ("P2", "urban"): 1800,
    ("P2", "remote"): 14400,
}


def local(day: int, hh: int, mm: int = 0, ss: int = 0, month: int = 3) -> dt.datetime:
    return dt.datetime(2026, month, day, hh, mm, ss, tzinfo=ALMATY)


@dataclass
class March:
    incidents: dict[str, Incident] = field(default_factory=dict)
    assignments: dict[str, Any] = field(default_factory=dict)
    outside: list[Incident] = field(default_factory=list)


def build(personas: Any) -> March:
    a = personas.a
    village, town = a.village, a.town  # remote 2G/SMS, urban
    town.coverage = Coverage.LTE
    town.save(update_fields=["coverage"])
    patrol, inspector = a.patrol, a.inspector_unit
    m = March()

    def call(
        name: str, place: Any, priority: str, channel: str, received: dt.datetime, **kw: Any
    ) -> Incident:
        inc = factories.incident(
            district=a.district,
            settlement=place,
            priority=priority,
            channel=channel,
            received_at=received,
            summary=f"march {name}",
            **kw,
        )
        m.incidents[name] = inc
        return inc

    def send(name: str, inc: Incident, unit: Any, *, target: bool = True, **offsets: Any) -> Any:
        """An assignment whose milestones are ``offsets`` seconds after the call."""
        t0 = inc.received_at
        times = {
            k: (t0 + dt.timedelta(seconds=v) if isinstance(v, int | float) else v)
            for k, v in offsets.items()
        }
        zone = inc.settlement.zone if inc.settlement else "rural"
        due = TARGET.get((inc.priority, zone)) if target else None
        asg = factories.assignment(
            incident=inc,
            unit=unit,
            arrive_due_at=t0 + dt.timedelta(seconds=due) if due else None,
            **times,
        )
        m.assignments[name] = asg
        return asg

    # --- the remote village --------------------------------------------------------------
    i1 = call("I1", village, "P1", "phone_102", local(3, 10))
    send(
        "A1",
        i1,
        patrol,
        dispatched_at=60,
        delivered_at=65,
        acknowledged_at=90,
        en_route_at=120,
        on_scene_at=600,
        cleared_at=1800,
        status="cleared",
        closed_at=1800,
    )
    i2 = call("I2", village, "P1", "app_102", local(5, 23), outcome_code="resolved_on_scene")
    send(
        "A2a",
        i2,
        patrol,
        dispatched_at=100,
        delivered_at=400,
        acknowledged_at=420,
        en_route_at=500,
        status="superseded",
        superseded_at=700,
        closed_at=700,
    )
    send(
        "A2b",
        i2,
        inspector,
        dispatched_at=700,
        delivered_at=710,
        acknowledged_at=720,
        en_route_at=730,
        on_scene_at=1200,
        cleared_at=2000,
        status="cleared",
        closed_at=2000,
    )
    i3 = call("I3", village, "P2", "phone_102", local(8, 14))
    # Acknowledged by SMS from a white spot: no delivery receipt.
    send(
        "A3",
        i3,
        patrol,
        dispatched_at=30,
        acknowledged_at=200,
        en_route_at=250,
        on_scene_at=1200,
        status="on_scene",
    )
    send(
        "A3b",
        i3,
        inspector,
        dispatched_at=40,
        delivered_at=45,
        en_route_at=60,
        on_scene_at=1500,
        status="on_scene",
    )
    i4 = call("I4", village, "P0", "phone_102", local(1, 3))
    send(
        "A4",
        i4,
        patrol,
        dispatched_at=20,
        delivered_at=21,
        acknowledged_at=25,
        en_route_at=30,
        on_scene_at=3000,
        status="on_scene",
    )
    i5 = call("I5", village, "P2", "egov", local(12, 9))
    send("A5", i5, patrol, dispatched_at=300, delivered_at=305, status="delivered")
    call("I6", village, "P1", "phone_102", local(14, 12), status="cancelled")

    # --- the town ------------------------------------------------------------------------
    i7 = call("I7", town, "P1", "phone_102", local(15, 19, 59, 59))
    send(
        "A7",
        i7,
        patrol,
        dispatched_at=45,
        delivered_at=46,
        acknowledged_at=50,
        en_route_at=60,
        on_scene_at=300,
        status="on_scene",
    )
    i8 = call("I8", town, "P2", "kaspi", local(16, 8), outcome_code="report_taken")
    send(
        "A8",
        i8,
        patrol,
        dispatched_at=90,
        delivered_at=95,
        acknowledged_at=100,
        en_route_at=110,
        on_scene_at=300,
        status="on_scene",
    )
    i9 = call("I9", town, "P0", "phone_102", local(20, 20))
    a9 = send(
        "A9",
        i9,
        patrol,
        dispatched_at=15,
        delivered_at=16,
        acknowledged_at=20,
        en_route_at=25,
        on_scene_at=900,
        status="on_scene",
    )
    i10 = call("I10", town, "P3", "phone_102", local(22, 7, 59))
    send(
        "A10",
        i10,
        patrol,
        target=False,
        dispatched_at=200,
        delivered_at=202,
        acknowledged_at=210,
        status="acknowledged",
    )
    i11 = call(
        "I11",
        town,
        "P2",
        "app_102",
        local(25, 13),
        outcome_code="false_call",
        status="closed",
        closed_at=local(25, 13, 5),
    )
    send("A11", i11, patrol, dispatched_at=60, status="cancelled", cancelled_at=120, closed_at=120)

    # A9 was acknowledged by a duty officer on the officer's behalf (radio).
    behalf = _event(
        "ev-march-a9-ack", a9, kind="ack", source="on_behalf", received=a9.acknowledged_at
    )
    a9.acknowledged_event = behalf
    a9.save(update_fields=["acknowledged_event"])

    # Events from the field app on A1: sync lags of 2 s, 10 s and an hour (a white spot),
    # one of them clock-suspect; an SMS reply does not count.
    a1 = m.assignments["A1"]
    device_id, _ = personas.device(a.patrol_officers[0])
    for i, (kind, at, lag, suspect) in enumerate(
        [
            ("delivered", a1.delivered_at, 2, False),
            ("ack", a1.acknowledged_at, 10, False),
            ("on_scene", a1.on_scene_at, 3600, True),
        ]
    ):
        _event(
            f"ev-march-a1-{i}",
            a1,
            kind=kind,
            source="app",
            received=at + dt.timedelta(seconds=lag),
            estimated=at,
            device_id=device_id,
            clock_suspect=suspect,
        )
    _event(
        "ev-march-a1-sms",
        a1,
        kind="note",
        source="sms",
        received=a1.cleared_at + dt.timedelta(hours=5),
        estimated=a1.cleared_at,
    )

    # --- rows that must not count -----------------------------------------------------------
    for received in (local(28, 23, 59, 59, month=2), local(1, 0, 0, 0, month=4)):
        inc = factories.incident(
            district=a.district,
            settlement=village,
            priority="P1",
            received_at=received,
            summary="outside march",
        )
        factories.assignment(
            incident=inc,
            unit=patrol,
            dispatched_at=received + dt.timedelta(seconds=1),
            delivered_at=received + dt.timedelta(seconds=2),
            on_scene_at=received + dt.timedelta(seconds=5),
            status="on_scene",
        )
        m.outside.append(inc)
    b = personas.b
    inc = factories.incident(
        district=b.district,
        settlement=b.village,
        priority="P1",
        received_at=local(10, 12),
        summary="district b",
    )
    factories.assignment(
        incident=inc,
        unit=b.patrol,
        dispatched_at=local(10, 12, 0, 1),
        delivered_at=local(10, 12, 0, 2),
        on_scene_at=local(10, 12, 0, 10),
        status="on_scene",
    )
    m.outside.append(inc)
    return m


def _event(
    event_id: str,
    assignment: Any,
    *,
    kind: str,
    source: str,
    received: dt.datetime,
    estimated: dt.datetime | None = None,
    device_id: str | None = None,
    clock_suspect: bool = False,
) -> Event:
    return Event.objects.create(
        id=event_id,
        kind=kind,
        source=source,
        assignment=assignment,
        incident=assignment.incident,
        unit=assignment.unit,
        device_id=device_id,
        content_hash="0" * 64,
        server_received_at=received,
        estimated_at=estimated or received,
        estimate_method="anchor" if source == "app" else "server",
        clock_suspect=clock_suspect,
        disposition="applied",
    )


# Every figure, by hand (percentile_cont: p·(n−1) between the two nearest ranks).
EXPECTED: dict[str, Any] = {
    "incidents": 11,
    "assignments": 12,
    # responses [300, 300, 600, 900, 1200, 1200, 3000]: median the 4th; p90 at 5.4 →
    # 1200 + 0.4 × 1800
    "response": {"n": 7, "p50": 900.0, "p90": 1920.0, "mean": 7500 / 7},
    # [15, 20, 30, 45, 60, 60, 90, 100, 200, 300]: median (60 + 60) / 2; p90 at 8.1 →
    # 200 + 0.1 × 100
    "call_processing": {"n": 10, "p50": 60.0, "p90": 210.0},
    # [1, 1, 1, 2, 5, 5, 5, 5, 10, 300]: median at 4.5; p90 at 8.1 → 10 + 0.1 × 290
    "delivery": {"n": 10, "p50": 5.0, "p90": 39.0},
    # [190, 240, 470, 480, 875, 950, 1440, 2970]: median at 3.5 → 480 + 0.5 × 395;
    # p90 at 6.3 → 1440 + 0.3 × 1530
    "travel": {"n": 8, "p50": 677.5, "p90": 1899.0},
    # met: I1 I2 I3 I4 I7 I8; missed: I5 (nobody came, target passed), I9 (900 > 600);
    # not counted: I6 cancelled, I10 P3 (no target), I11 closed before its target
    "sla": {"n": 8, "met": 6},
    "zone": {
        # remote [600, 1200, 1200, 3000]: p90 at 2.7 → 1200 + 0.7 × 1800
        "remote": {
            "rows": 6,
            "response": (4, 1200.0, 2460.0),
            "sla": (5, 4),
            # [1, 5, 5, 5, 10, 300]: median at 2.5; p90 at 4.5 → 10 + 0.5 × 290
            "delivery": (6, 5.0, 155.0),
        },
        # urban [300, 300, 900]: p90 at 1.8 → 300 + 0.8 × 600
        "urban": {
            "rows": 5,
            "response": (3, 300.0, 780.0),
            "sla": (3, 2),
            # [1, 1, 2, 5]
            "delivery": (4, 1.5, 4.1),
        },
    },
    "shift": {
        # day: I1 I3 I5 I6 I7 I8 I11 → responses [300, 300, 600, 1200]
        "day": {"rows": 7, "response": (4, 450.0, 1020.0)},
        # night: I2 I4 I9 I10 → [900, 1200, 3000]
        "night": {"rows": 4, "response": (3, 1200.0, 2640.0)},
    },
    "unit": {
        # the patrol's own arrivals [300, 300, 600, 900, 1200, 3000]
        "patrol": (6, 750.0, 2100.0),
        # the inspector's [1200, 1500]
        "inspector": (2, 1350.0, 1470.0),
    },
    # acknowledged: A1 A2a A2b A3 A4 A7 A8 A9 A10; on behalf: A9
    "ack_on_behalf": {"n": 9, "yes": 1},
    # reached within 60 s: all but A2a (300 s) and A3 (SMS ack at 170 s); A11 cancelled
    # unreached within its first minute is not counted
    "undelivered_60s": {"n": 11, "yes": 2},
    # app events on A1: lags [2, 10, 3600]; p90 at 1.8 → 10 + 0.8 × 3590
    "sync_lag": {"n": 3, "p50": 10.0, "p90": 2882.0},
    "suspect": {"n": 3, "yes": 1},
    # app reports I2 I5 I8 I11; with an outcome I2 I8 I11; confirmed I2 I8
    "app": {"reports": 4, "with_outcome": 3, "confirmed": 2},
    "channels": {"phone_102": 7, "app_102": 2, "egov": 1, "kaspi": 1},
}


# --- administrative protocols by CoAO article (issue 14) ----------------------------------------
# (name, district, category, outcome, article, received): the protocols of March and the rows
# around them, each counted by hand in EXPECTED_PROTOCOLS.
PROTOCOLS = (
    ("P1", "a", "domestic_violence", "admin_protocol", "73", local(2, 21)),  # art. 73
    ("P2", "a", "domestic_violence", "admin_protocol", "73-1", local(9, 22)),  # art. 73, part 1
    ("P3", "a", "disorder", "admin_protocol", "73", local(11, 1)),  # art. 73 on another category
    ("P4", "a", "domestic_violence", "admin_protocol", "461", local(13, 18)),  # art. 461
    ("P5", "a", "violence", "admin_protocol", "461-2", local(17, 19)),  # art. 461, part 2
    ("P6", "a", "domestic_violence", "admin_protocol", "", local(19, 20)),  # DV, no article
    ("P7", "a", "domestic_violence", "admin_protocol", "434", local(21, 23)),  # DV, another one
    ("P8", "a", "domestic_violence", "admin_protocol", "730", local(23, 2)),  # not 73: another
    ("P9", "a", "disorder", "admin_protocol", "434", local(24, 11)),  # not DV, not 73/461
    ("P10", "a", "domestic_violence", "warning", "73", local(26, 9)),  # not a protocol
    ("P11", "a", "domestic_violence", "admin_protocol", "461", local(1, 0, month=4)),  # April
    ("P12", "b", "domestic_violence", "admin_protocol", "73", local(10, 10)),  # district B
)
# art. 73: P1 P2 P3; art. 461: P4 P5; DV under another article or none: P6 P7 P8
EXPECTED_PROTOCOLS = {
    "art73": ["P1", "P2", "P3"],
    "art461": ["P4", "P5"],
    "other": ["P6", "P7", "P8"],
}


def build_protocols(personas: Any) -> dict[str, Incident]:
    """The calls of :data:`PROTOCOLS`, P1 for every category (a DV call is at least P1)."""
    made = {}
    for name, district, category, outcome, article, received in PROTOCOLS:
        side = personas.a if district == "a" else personas.b
        made[name] = factories.incident(
            district=side.district,
            settlement=side.town,
            category=category,
            priority="P1",
            received_at=received,
            channel="walk_in",  # no channel figure of the month moves (dataset.EXPECTED)
            summary=f"protocol {name}",
            outcome_code=outcome,
            outcome_article=article,
        )
    return made
