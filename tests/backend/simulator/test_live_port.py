"""The live port when Kuzet does not answer: the web process restarting under a running demo,
or stopped first when ``make run`` is interrupted. A step that finds no server is tried again
later; once stopping, the run ends (and the simulator prints its check) instead of dying in a
traceback."""

from __future__ import annotations

import datetime as dt
import json
import random
import socket
import threading
from types import SimpleNamespace

from backend.common import clock
from backend.simulator.engine import Engine
from backend.simulator.ports import LivePort, PhoneSocket
from backend.simulator.world import AssignmentInfo, Crew, IncidentInfo, Phone, Place, Stats, World
from sync.client import DeviceClient, SimulatedClock


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_without_server(tmp_path) -> LivePort:
    port = LivePort(base_url=f"http://127.0.0.1:{closed_port()}", sms_dir=tmp_path, stats=Stats())
    port.world = SimpleNamespace(sms=lambda phone, body: None)
    port.RETRY_S = 0.05
    return port


def test_a_step_that_finds_no_server_is_tried_again_and_the_run_goes_on(tmp_path):
    # given: a duty officer's step, and the server down for its first two tries
    port = port_without_server(tmp_path)
    engine = Engine(port.now)
    stop = threading.Event()
    tries: list[str] = []
    later: list[str] = []

    def review(incident: str) -> None:
        tries.append(incident)
        if len(tries) <= 2:
            port.http.get("/api/v1/incidents/1/")  # refused: nobody listens
        later.append(incident)
        stop.set()

    engine.at(clock.now(), review, "1036-2026-000001")

    # when
    port.run(engine, clock.now() + dt.timedelta(seconds=30), lambda: None, stop)

    # then: the step ran again (with its arguments) until it got through; nothing raised
    assert tries == ["1036-2026-000001"] * 3
    assert later == ["1036-2026-000001"]
    assert port.stats.unreachable == 2


def test_once_stopping_a_step_that_finds_no_server_ends_the_run_without_a_retry(tmp_path):
    # given: make run interrupted — the simulator is told to stop while its step is under way
    # and the web process has already gone
    port = port_without_server(tmp_path)
    engine = Engine(port.now)
    stop = threading.Event()

    def close(incident: str) -> None:
        stop.set()  # SIGTERM arrives…
        port.http.post(f"/api/v1/incidents/{incident}/close/")  # …and the server is gone

    engine.at(clock.now(), close, "7")

    # when
    port.run(engine, clock.now() + dt.timedelta(seconds=30), lambda: None, stop)

    # then: the run ended quietly, nothing left to retry
    assert port.stats.unreachable == 1
    assert len(engine) == 0


# --- the phone's WebSocket: a frame has the phone pull, as the field app does -------------

NOW = dt.datetime(2026, 12, 7, 3, 48, tzinfo=dt.UTC)
VILLAGE = Place("1", "101010000", "Семей", "5", "urban", "lte", 50.41, 80.25)


class Server:
    """The sync API's pull as Kuzet answers it: the unit's assignment in ``status``."""

    def __init__(self) -> None:
        self.status = "dispatched"
        self.pulls = 0
        self.pushes = 0

    def __call__(self, method: str, path: str, headers, body):
        if "/pull" in path:
            self.pulls += 1
            assignment = {"id": "7", "unit_id": "9", "incident_id": "1", "status": self.status}
            answer = {
                "changes": {"assignments": {"created": [], "updated": [assignment], "deleted": []}},
                "timestamp": 1000 + self.pulls,
                "has_more": False,
            }
        else:
            self.pushes += 1
            answer = {"results": []}
        return 200, {"Content-Type": "application/json"}, json.dumps(answer).encode()


class Clock:
    def __init__(self) -> None:
        self.at = NOW

    def __call__(self) -> dt.datetime:
        return self.at


def crew_on_a_socket(tmp_path) -> tuple[Crew, Engine, LivePort, PhoneSocket, Server]:
    """A crew in coverage (its lead phone's socket open) and the live port around it."""
    engine = Engine(Clock(), scale=30)
    port = LivePort(base_url=f"http://127.0.0.1:{closed_port()}", sms_dir=tmp_path, stats=Stats())
    world = World(
        engine=engine, port=port, api=None, rng=random.Random(1), places=[VILLAGE],
        stats=port.stats, idle_sync_s=1800, run_id="T",
    )  # fmt: skip
    server = Server()
    client = DeviceClient(":memory:", server, clock=SimulatedClock(lambda: 1_796_596_080_000))
    phone = Phone(
        username="sem_pc3_1", number="+77010000003", client=client, clock=client.clock,
        stats=world.stats, now_ms=lambda: 1_796_596_080_000,
    )  # fmt: skip
    unit = {"id": "9", "callsign": "SEM-PC3", "district_id": "5", "type": "patrol_car"}
    crew = Crew(world, unit=unit, phones=[phone], home=VILLAGE, mobility="car")
    world.add_crew(crew)
    crew.data = phone.online = True  # in coverage (set_data would open a real socket)
    incident = IncidentInfo(
        id=1, number="1010-2026-000056", channel="app_102", category="traffic_accident",
        priority="P1", district_id="5", place=VILLAGE, lat=50.42, lon=80.26, received_at=NOW,
    )  # fmt: skip
    world.assignments["7"] = AssignmentInfo("7", incident, "9", NOW, 120.0)
    port.world, port.engine = world, engine
    socket = PhoneSocket.__new__(PhoneSocket)  # its frames, without a connection
    socket.port, socket.phone = port, phone
    return crew, engine, port, socket, server


def handle_frames_and_due_steps(port: LivePort, engine: Engine, *, world_s: float) -> None:
    """What ``LivePort.run`` does with what arrived on the sockets and with the steps whose
    time has come, for ``world_s`` of the world."""
    while not port.inbox.empty():
        fn, args = port.inbox.get_nowait()
        fn(*args)
    until = engine.now() + dt.timedelta(seconds=world_s / engine.scale)
    while len(engine) and engine.next_at() <= until:
        task = engine.pop()
        engine.now.at = task.at
        task.run()
    engine.now.at = until


def test_a_changes_frame_has_the_phone_pull_and_the_crew_see_its_new_call(tmp_path):
    # given: the duty officer sent the crew; the server tells its phone on the socket
    crew, engine, port, socket, server = crew_on_a_socket(tmp_path)

    # when: a few frames of the one dispatch, and a few world seconds
    for _ in range(3):
        socket._frame({"type": "changes", "timestamp": 1001, "changes": {}})
    handle_frames_and_due_steps(port, engine, world_s=5)

    # then: one pull (the frames of one change make one round), and the crew has the call on
    # screen: its delivery receipt recorded within seconds, not at the next idle sync
    assert server.pulls == 1
    assert crew.current == "7"
    assert [e["kind"] for e in crew.lead.client.outbox()] == ["delivered"]


def test_a_cancellation_heard_on_the_socket_stops_the_crew_before_it_sets_off(tmp_path):
    # given: the crew has its call on screen; the caller rings back, the duty officer
    # cancels, and the server says so on the socket
    crew, engine, port, socket, server = crew_on_a_socket(tmp_path)
    crew.seen("7", via="app")
    handle_frames_and_due_steps(port, engine, world_s=1)
    server.status = "cancelled"
    socket._frame({"type": "changes", "timestamp": 1002, "changes": {}})

    # when: the world goes on to well past the crew's turnout
    handle_frames_and_due_steps(port, engine, world_s=3600)

    # then: the crew stood down — it never set off for a cancelled call (no conflict for the
    # chief from a crew that was in coverage all along)
    assert [e["kind"] for e in crew.lead.client.outbox()] == ["delivered"]
    assert crew.current is None
