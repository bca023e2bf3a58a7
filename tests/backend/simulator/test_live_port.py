"""The live port when Kuzet does not answer: the web process restarting under a running demo,
or stopped first when ``make run`` is interrupted. A step that finds no server is tried again
later; once stopping, the run ends (and the simulator prints its check) instead of dying in a
traceback."""

from __future__ import annotations

import datetime as dt
import socket
import threading
from types import SimpleNamespace

from backend.common import clock
from backend.simulator.engine import Engine
from backend.simulator.ports import LivePort
from backend.simulator.world import Stats


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
