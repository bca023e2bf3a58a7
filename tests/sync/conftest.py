"""Fixtures for the sync engine's tests: no database, a fake server and simulated devices."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sync.client import DeviceClient, Retry, SimulatedClock

from .fake_server import FakeServer, FakeTime


@pytest.fixture
def true_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def server(true_time: FakeTime) -> FakeServer:
    return FakeServer(time=true_time)


class Sleeps(list[float]):
    """Records the client's backoff sleeps instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def make_device(
    tmp_path: Path, server: FakeServer, true_time: FakeTime, sleeps: Sleeps
) -> Iterator[Callable[..., DeviceClient]]:
    """An enrolled device with a store file under tmp_path; call again with the same name to
    'restart' it (the same file reopened)."""
    opened: list[DeviceClient] = []

    def make(
        name: str = "phone", *, enrol: bool = True, clock: SimulatedClock | None = None
    ) -> DeviceClient:
        client = DeviceClient(
            tmp_path / f"{name}.sqlite3",
            server,
            clock=clock or SimulatedClock(true_time),
            retry=Retry(attempts=4, base_s=0.5, cap_s=4.0),
            sleep=sleeps,
            rng=random.Random(7),
        )
        if enrol and client.token is None:
            client.enroll(server.issue_code(name))
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.close()
