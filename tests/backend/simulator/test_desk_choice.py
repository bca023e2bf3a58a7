"""Which unit the simulated duty desk sends (``Duty.dispatch``), read from a fake
recommendations answer. Before: a unit shown unreachable for hours was sent before a crew the
server offered to divert (Аягоз's inspectors, positions 4–25 h old, while a patrol car was 48
min away), a P0 was diverted to only when the district had no unit at all, and a P1 DV call
went to a mounted inspector 17 h away at once."""

from __future__ import annotations

import datetime as dt
import random
from types import SimpleNamespace
from typing import Any

from backend.simulator import world as simworld
from backend.simulator.engine import Engine
from backend.simulator.world import Crew, IncidentInfo, Place, Stats, World

NOW = dt.datetime(2026, 11, 20, 3, 10, tzinfo=dt.UTC)
TOWN = Place("1", "634030100", "Аягоз", "5", "urban", "4g", 47.96, 80.43)
HOUR = 3600


def unit(unit_id: int, presence: str = "available", eta_s: int | None = 600, **extra: Any):
    return {
        "unit_id": unit_id, "presence": presence, "eta_s": eta_s, "type": "patrol_car", **extra,
    }  # fmt: skip


def divertible(unit_id: int, eta_s: int, presence: str = "busy") -> dict[str, Any]:
    leaving = [{"incident_id": 99, "priority": "P3", "assignment_id": 5, "status": "dispatched"}]
    return {**unit(unit_id, presence, eta_s), "leaving": leaving}


class StaffApi:
    """The staff API as the desk sees it: one recommendations answer, the dispatches asked."""

    def __init__(self, answer: dict[str, Any]) -> None:
        self.answer = {"units": [], "divertible": [], "across_border": [], **answer}
        self.dispatched: list[tuple[int, bool]] = []

    def recommendations(self, incident_id: int) -> dict[str, Any]:
        return self.answer

    def dispatch(self, incident_id: int, unit_id: int, divert: bool = False) -> dict[str, Any]:
        self.dispatched.append((unit_id, divert))
        return {
            "id": len(self.dispatched), "unit_id": unit_id, "dispatched_at": NOW.isoformat(),
            "ack_due_at": (NOW + dt.timedelta(minutes=2)).isoformat(), "arrive_due_at": None,
        }  # fmt: skip


def desk(answer: dict[str, Any]) -> tuple[World, StaffApi]:
    api = StaffApi(answer)
    port = SimpleNamespace(dispatched=lambda answer: None, changed=lambda unit_id: None)
    world = World(
        engine=Engine(lambda: NOW), port=port, api=api, rng=random.Random(1), places=[TOWN],
        stats=Stats(), idle_sync_s=3600, run_id="T",
    )  # fmt: skip
    for unit_id in range(1, 8):
        crew_unit = {"id": str(unit_id), "callsign": f"AYG-{unit_id}", "district_id": "5",
                     "type": "patrol_car"}  # fmt: skip
        world.add_crew(Crew(world, unit=crew_unit, phones=[], home=TOWN, mobility="car"))
    return world, api


def a_call(priority: str = "P0", category: str = "violence") -> IncidentInfo:
    return IncidentInfo(
        id=1, number="6340-2026-000001", channel="phone_102", category=category,
        priority=priority, district_id="5", place=TOWN, lat=47.96, lon=80.43, received_at=NOW,
    )  # fmt: skip


def tries_again(world: World) -> bool:
    return any(getattr(t.fn, "__name__", "") == "dispatch" for t in world.engine._heap)


def test_no_reachable_unit_a_p0_takes_the_crew_the_server_offers_to_divert():
    # given: Аягоз — its inspectors unreachable for hours, a patrol car on a P3 48 min away
    world, api = desk(
        {
            "units": [unit(3, "unreachable", 900), unit(4, "unreachable", 1200)],
            "divertible": [divertible(1, 48 * 60)],
        }
    )

    world.duty.dispatch(a_call("P0"), 0)

    # then: the car is diverted, not an inspector who cannot hear the call
    assert api.dispatched == [(1, True)]
    assert world.stats.diverts == 1


def test_a_p1_takes_a_divertible_crew_much_nearer_than_the_best_free_one():
    world, api = desk({"units": [unit(2, eta_s=4 * HOUR)], "divertible": [divertible(1, 600)]})

    world.duty.dispatch(a_call("P1"), 0)

    assert api.dispatched == [(1, True)]


def test_no_divert_when_the_free_unit_is_not_much_later():
    # 40 min against 25: not DIVERT_SOONER_S (30 min) sooner — the free unit goes
    world, api = desk({"units": [unit(2, eta_s=40 * 60)], "divertible": [divertible(1, 25 * 60)]})

    world.duty.dispatch(a_call("P1"), 0)

    assert api.dispatched == [(2, False)]
    assert world.stats.diverts == 0


def test_a_p2_diverts_no_crew():
    world, api = desk({"units": [unit(2, eta_s=4 * HOUR)], "divertible": [divertible(1, 600)]})

    world.duty.dispatch(a_call("P2"), 0)

    assert api.dispatched == [(2, False)]


def test_with_nothing_else_the_nearest_unreachable_unit_is_sent():
    # no reachable unit, no crew to divert: the unreachable one (its SMS ladder works on it)
    world, api = desk({"units": [unit(3, "unreachable", 900), unit(4, "unreachable", 300)]})

    world.duty.dispatch(a_call("P0"), 0)

    assert api.dispatched == [(4, False)]


def test_a_near_unreachable_unit_goes_before_a_ride_of_hours():
    world, api = desk({"units": [unit(6, eta_s=17 * HOUR), unit(3, "unreachable", 900)]})

    world.duty.dispatch(a_call("P1"), 0)

    assert api.dispatched == [(3, False)]


def test_a_reachable_unit_goes_before_an_unreachable_nearer_one():
    world, api = desk({"units": [unit(3, "unreachable", 300), unit(2, eta_s=1800)]})

    world.duty.dispatch(a_call("P1"), 0)

    assert api.dispatched == [(2, False)]


def test_a_unit_hours_away_is_held_back_from_a_p1_for_an_hour_then_sent():
    # Шынкожа, 03:10: a DV call, the only free unit a mounted inspector 123 km away (17 h)
    world, api = desk({"units": [unit(6, eta_s=17 * HOUR + 21 * 60)]})
    call = a_call("P1", "domestic_violence")

    world.duty.dispatch(call, 0)
    world.duty.dispatch(call, simworld.FAR_HOLD_TRIES - 2)

    assert api.dispatched == []
    assert tries_again(world)

    world.duty.dispatch(call, simworld.FAR_HOLD_TRIES - 1)

    assert api.dispatched == [(6, False)]


def test_a_unit_hours_away_goes_at_once_to_a_p3():
    world, api = desk({"units": [unit(6, eta_s=17 * HOUR)]})

    world.duty.dispatch(a_call("P3", "noise"), 0)

    assert api.dispatched == [(6, False)]


def test_a_dv_call_still_gets_a_dv_inspector_beside_the_first_unit():
    world, api = desk(
        {
            "units": [
                unit(2, eta_s=600),
                unit(3, "unreachable", 700, type="dv_inspector"),
                unit(4, eta_s=900, type="dv_inspector"),
            ]
        }
    )
    world.rng = SimpleNamespace(random=lambda: 0.1)  # type: ignore[assignment]

    world.duty.dispatch(a_call("P1", "domestic_violence"), 0)

    assert api.dispatched == [(2, False), (4, False)]
