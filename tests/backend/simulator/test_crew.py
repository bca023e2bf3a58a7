"""A crew works its call from what its phone shows: after the app restarts, an officer who
already acknowledged does not acknowledge again."""

from __future__ import annotations

import datetime as dt
import json
import random
from types import SimpleNamespace

import pytest

from backend.simulator import scenario
from backend.simulator.engine import Engine
from backend.simulator.world import AssignmentInfo, Crew, IncidentInfo, Phone, Place, Stats, World
from sync.client import DeviceClient, SimulatedClock, TransportError

NOW = dt.datetime(2026, 11, 20, 6, 0, tzinfo=dt.UTC)
VILLAGE = Place("1", "103643100", "Тарбагатай", "5", "remote", "none", 47.3, 80.9)


def offline(*_args):
    raise TransportError("no coverage")


def crew_with_phone(
    *, category: str = "livestock_theft", incident_id: int = 1
) -> tuple[Crew, Engine]:
    now = [NOW]
    engine = Engine(lambda: now[0])
    port = SimpleNamespace(
        online_changed=lambda phone, online: None, delivered=lambda phone, a: None
    )
    world = World(
        engine=engine, port=port, api=None, rng=random.Random(1), places=[VILLAGE],
        stats=Stats(), idle_sync_s=3600, run_id="T",
    )  # fmt: skip
    client = DeviceClient(":memory:", offline, clock=SimulatedClock(lambda: 1_795_154_400_000))
    phone = Phone(
        username="ayg_ui1_1", number="+77010000001", client=client, clock=client.clock,
        stats=world.stats, now_ms=lambda: 1_795_154_400_000,
    )  # fmt: skip
    unit = {"id": "9", "callsign": "AYG-UI1", "district_id": "5", "type": "district_inspector"}
    crew = Crew(world, unit=unit, phones=[phone], home=VILLAGE, mobility="horse")
    world.add_crew(crew)
    incident = IncidentInfo(
        id=incident_id, number="1036-2026-000001", channel="phone_102", category=category,
        priority="P2", district_id="5", place=VILLAGE, lat=47.31, lon=80.91, received_at=NOW,
    )  # fmt: skip
    world.assignments["7"] = AssignmentInfo("7", incident, "9", NOW, 300.0)
    return crew, engine


def kinds(crew: Crew) -> list[str]:
    return [e["kind"] for e in crew.lead.client.outbox()]


def test_a_restarted_phone_resumes_after_the_acknowledgment_it_already_recorded():
    # given: the earlier run of this phone received and acknowledged assignment 7 offline
    crew, engine = crew_with_phone()
    crew.lead.record("delivered", "7")
    crew.lead.record("ack", "7")

    # when: this run sees the assignment on the phone and lives the call through
    crew.seen("7", via="app")
    while len(engine) and "cleared" not in kinds(crew):
        engine.pop().run()

    # then: one acknowledgment; the crew went on from there to the end (1.4 km on horseback:
    # no position on the way)
    assert kinds(crew) == [
        "delivered", "ack", "en_route", "on_scene", "outcome", "note", "cleared",
    ]  # fmt: skip


def test_a_call_the_phone_shows_as_cleared_is_not_worked_again():
    # given
    crew, engine = crew_with_phone()
    for kind in ("delivered", "ack", "en_route", "on_scene", "cleared"):
        crew.lead.record(kind, "7")

    # when
    crew.seen("7", via="app")

    # then
    assert crew.current is None
    assert len(engine) == 0


@pytest.mark.parametrize(("incident_id", "article"), [(5, "73"), (8, "461")])
def test_a_dv_protocol_is_recorded_with_its_coao_article(monkeypatch, incident_id, article):
    # given: a DV call whose crew draws up an administrative protocol
    monkeypatch.setitem(scenario.OUTCOMES, "domestic_violence", ("admin_protocol",))
    crew, engine = crew_with_phone(category="domestic_violence", incident_id=incident_id)

    # when
    crew.seen("7", via="app")
    while len(engine) and "cleared" not in kinds(crew):
        engine.pop().run()

    # then
    outcome = next(e for e in crew.lead.client.outbox() if e["kind"] == "outcome")
    assert json.loads(outcome["payload"]) == {
        "code": "admin_protocol",
        "text": "",
        "coao_article": article,
    }
    assert crew.world.assignments["7"].incident.article == article
