"""The embedded default's broker (kombu's filesystem transport, backend/config/broker.py):
a worker never finds half a message. Stock kombu creates the message's file before writing
it, and a worker that took it in between stopped for good (celery/kombu#1551) — `make run`
died within a minute. Real kombu, real folders; the publisher is held mid-write."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from kombu import Connection
from kombu.transport.virtual import base as virtual

from backend.config import broker


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for sub in ("processed", "control"):
        (tmp_path / sub).mkdir()
    return tmp_path


def connection(folder: Path) -> Connection:
    return Connection(
        "filesystem://localhost//",
        transport=broker.Transport,
        transport_options={
            "data_folder_in": str(folder),
            "data_folder_out": str(folder),
            "processed_folder": str(folder / "processed"),
            "control_folder": str(folder / "control"),
            "store_processed": False,
        },
    )


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[threading.Event, threading.Event]]:
    """A message's serialisation waits for ``go``; ``writing`` says it has begun."""
    writing, go = threading.Event(), threading.Event()
    real = broker.dumps

    def slow_dumps(payload: Any) -> str:
        if isinstance(payload, dict) and "body" in payload:  # a message, not a binding table
            writing.set()
            assert go.wait(10)
        return real(payload)

    monkeypatch.setattr(broker, "dumps", slow_dumps)
    yield writing, go
    go.set()


def test_the_demo_uses_the_atomic_transport() -> None:
    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        assert settings.CELERY_BROKER_TRANSPORT == "backend.config.broker:Transport"
    else:
        pytest.skip("this run uses Redis as the broker")


def test_a_message_being_written_is_not_visible_and_arrives_whole(folder: Path, held) -> None:
    # given: a task message on its way, held in the middle of being written
    writing, go = held
    with connection(folder) as producer_conn, connection(folder) as worker_conn:
        sent = threading.Thread(
            target=lambda: producer_conn.SimpleQueue("celery").put({"task": "sweep", "n": 1})
        )
        sent.start()
        assert writing.wait(10)
        queue = worker_conn.SimpleQueue("celery")

        # when: the worker looks while it is being written
        # then: nothing there yet (stock kombu: an empty file, and the worker's death)
        with pytest.raises(queue.Empty):
            queue.get(block=False)
        assert not [p for p in folder.iterdir() if p.name.endswith(".celery.msg")]

        # when: the write completes
        go.set()
        sent.join(10)

        # then: the whole message, once; no partial file left behind
        message = queue.get(block=True, timeout=5)
        assert message.payload == {"task": "sweep", "n": 1}
        message.ack()
        with pytest.raises(queue.Empty):
            queue.get(block=False)
        assert not [p for p in folder.iterdir() if p.is_file()]
        queue.close()


def test_a_waiting_worker_looks_at_its_stop_flag_after_one_polling_interval(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: kombu's clock and sleep, moved by hand (no real waiting); an empty queue
    now, slept = [0.0], []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    monkeypatch.setattr(virtual, "monotonic", lambda: now[0])
    monkeypatch.setattr(virtual, "sleep", sleep)
    with connection(folder) as worker_conn:
        worker_conn.SimpleQueue("celery")

        # when: Celery's loop for this broker (synloop) waits for a message, as it does
        # between two looks at the worker's stop flag
        with pytest.raises(socket.timeout):
            worker_conn.drain_events(timeout=2.0)

    # then: it is back after one polling interval, not the 2 s it asked for — a worker told
    # to stop by honcho's SIGTERM waited out two such waits (4–6 s on a busy box) and
    # honcho's 5 s were up: SIGKILL
    assert slept == [1.0]  # kombu's polling interval (broker.POLLING_INTERVAL_S)
