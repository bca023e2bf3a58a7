"""The simulated oblast desk sends a unit of the next district when the server offers one
(``across_border`` in the recommendations: free, within reach, much sooner than the call's own
district's best), as the ЦОУ does; before, it sent only the call's own district's units."""

from __future__ import annotations

import datetime as dt
import random
from types import SimpleNamespace
from typing import Any

from backend.simulator import scenario
from backend.simulator.engine import Engine
from backend.simulator.world import Crew, IncidentInfo, Place, Stats, World

NOW = dt.datetime(2026, 11, 20, 6, 0, tzinfo=dt.UTC)
BORDER_VILLAGE = Place("1", "103643100", "Тарбагатай", "5", "remote", "3g", 47.3, 80.9)
NEXT_DISTRICT_SEAT = Place("2", "104030100", "Калбатау", "6", "rural", "3g", 49.3, 81.5)


def recommendation(unit_id: str, district_id: str, **extra: Any) -> dict[str, Any]:
    return {"unit_id": int(unit_id), "district_id": int(district_id), "presence": "fresh", **extra}


class StaffApi:
    """The staff API as the desk sees it: the recommendations the server would give, and
    the dispatches asked of it."""

    def __init__(self, answer: dict[str, Any]) -> None:
        self.answer = answer
        self.dispatched: list[int] = []

    def recommendations(self, incident_id: int) -> dict[str, Any]:
        return self.answer

    def dispatch(self, incident_id: int, unit_id: int, divert: bool = False) -> dict[str, Any]:
        self.dispatched.append(unit_id)
        return {
            "id": len(self.dispatched), "unit_id": unit_id, "dispatched_at": NOW.isoformat(),
            "ack_due_at": (NOW + dt.timedelta(minutes=2)).isoformat(), "arrive_due_at": None,
        }  # fmt: skip


def desk(answer: dict[str, Any], *, seed: int = 1) -> tuple[World, StaffApi]:
    api = StaffApi(answer)
    port = SimpleNamespace(dispatched=lambda answer: None, changed=lambda unit_id: None)
    world = World(
        engine=Engine(lambda: NOW), port=port, api=api, rng=random.Random(seed),
        places=[BORDER_VILLAGE, NEXT_DISTRICT_SEAT], stats=Stats(), idle_sync_s=3600,
        run_id="T",
    )  # fmt: skip
    for unit_id, district, home in (("9", "5", BORDER_VILLAGE), ("12", "6", NEXT_DISTRICT_SEAT)):
        unit = {"id": unit_id, "callsign": f"U{unit_id}", "district_id": district, "type": "patrol"}
        world.add_crew(Crew(world, unit=unit, phones=[], home=home, mobility="car"))
    return world, api


def a_call() -> IncidentInfo:
    return IncidentInfo(
        id=1, number="1036-2026-000001", channel="phone_102", category="violence",
        priority="P1", district_id="5", place=BORDER_VILLAGE, lat=47.31, lon=80.91,
        received_at=NOW,
    )  # fmt: skip


def test_the_desk_sends_the_unit_across_the_border_the_server_offers():
    # given: the call's own district's unit 40 minutes away, the next district's 6 minutes
    world, api = desk(
        {
            "units": [recommendation("9", "5", eta_s=2400)],
            "divertible": [],
            "across_border": [recommendation("12", "6", eta_s=360, may_dispatch=True)],
        }
    )
    world.duty.borders = SimpleNamespace(random=lambda: scenario.ACROSS_BORDER_TAKEN - 0.01)

    # when
    world.duty.dispatch(a_call(), 0)

    # then: the nearer unit of the next district is sent, and counted
    assert api.dispatched == [12]
    assert world.stats.across_border == 1


def test_the_desk_keeps_to_its_own_district_now_and_then():
    world, api = desk(
        {
            "units": [recommendation("9", "5", eta_s=2400)],
            "divertible": [],
            "across_border": [recommendation("12", "6", eta_s=360, may_dispatch=True)],
        }
    )
    world.duty.borders = SimpleNamespace(random=lambda: scenario.ACROSS_BORDER_TAKEN)

    world.duty.dispatch(a_call(), 0)

    assert api.dispatched == [9]
    assert world.stats.across_border == 0


def test_with_no_unit_of_its_own_free_the_desk_sends_the_next_districts_whatever_it_draws():
    world, api = desk(
        {
            "units": [],
            "divertible": [],
            "across_border": [recommendation("12", "6", eta_s=1800, may_dispatch=True)],
        }
    )
    world.duty.borders = SimpleNamespace(random=lambda: 0.95)

    world.duty.dispatch(a_call(), 0)

    assert api.dispatched == [12]


def test_a_unit_the_desk_may_not_dispatch_is_not_sent():
    # given: a district desk (not the oblast's): the next district's unit is offered to read
    world, api = desk(
        {
            "units": [recommendation("9", "5", eta_s=2400)],
            "divertible": [],
            "across_border": [recommendation("12", "6", eta_s=360, may_dispatch=False)],
        }
    )
    world.duty.borders = SimpleNamespace(random=lambda: 0.1)

    world.duty.dispatch(a_call(), 0)

    assert api.dispatched == [9]
