"""A real Kuzet server on the test database and stock WatermelonDB apps driven from pytest.

The app (``device.js``) is WatermelonDB 0.28 with its LokiJS adapter and the stock
``synchronize()``; each :class:`WatermelonApp` is one Node process — one phone — that takes
commands a line at a time. Node packages come from ``package-lock.json`` (``make test`` runs
``npm ci`` when the lock file changes).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.processes import database_url, free_port, http_server, server_env

HERE = Path(__file__).resolve().parent
MARK = "@@kuzet "
# Small enough that the large-scope scenario's 400 records go out in table pages, large
# enough that every other scope is one response.
SNAPSHOT_MAX = 150


@pytest.fixture(scope="module")
def kuzet_server(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[str]:
    """Base URL of gunicorn (the production HTTP path) serving the test database."""
    if not (HERE / "node_modules" / "@nozbe" / "watermelondb").is_dir():
        pytest.fail("WatermelonDB is not installed: run `make test` (npm ci in tests/watermelon)")
    with django_db_blocker.unblock():
        url = database_url()
    port = free_port()
    env = server_env(
        database=url,
        var_dir=tmp_path_factory.mktemp("var"),
        KUZET_CACHE_PREFIX=f"kuzet-e2e-watermelon-{os.getpid()}-{port}",
        KUZET_SYNC_RATE_PER_MINUTE="0",
        KUZET_SYNC_PAGE_SIZE="100",
        KUZET_SYNC_SNAPSHOT_MAX=str(SNAPSHOT_MAX),
    )
    args = [
        sys.executable, "-m", "gunicorn", "backend.config.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", "2", "--timeout", "60",
    ]  # fmt: skip
    with http_server(args, port=port, env=env, name="gunicorn") as host:
        yield f"http://{host}"


class WatermelonApp:
    """One phone running the stock WatermelonDB app."""

    def __init__(self, base_url: str, *, schema_version: int = 2) -> None:
        self.process = subprocess.Popen(
            ["node", str(HERE / "device.js"), base_url],
            cwd=HERE,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        self.device_id: str | None = None
        self.call("open", schema_version=schema_version)

    def call(self, op: str, **arguments: Any) -> dict[str, Any]:
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write(json.dumps({"op": op, **arguments}) + "\n")
        self.process.stdin.flush()
        while True:
            line = self.process.stdout.readline()
            if not line:
                raise RuntimeError(f"the app exited during {op!r}")
            if line.startswith(MARK):
                answer: dict[str, Any] = json.loads(line[len(MARK) :])
                if not answer.pop("ok"):
                    raise RuntimeError(f"{op}: {answer['error']}")
                return answer

    def enroll(self, code: str) -> str:
        self.device_id = self.call("enroll", code=code)["device_id"]
        return self.device_id

    def sync(self, **arguments: Any) -> dict[str, Any]:
        return self.call("sync", **arguments)

    def record(
        self, kind: Any, assignment_id: Any = None, **arguments: Any
    ) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = self.call(
            "record",
            kind=kind,
            assignment_id=None if assignment_id is None else str(assignment_id),
            **arguments,
        )["events"]
        return events

    def tables(self) -> dict[str, dict[str, dict[str, Any]]]:
        tables: dict[str, dict[str, dict[str, Any]]] = self.call("dump")["tables"]
        return tables

    def unsynced(self) -> bool:
        return bool(self.call("dump")["unsynced"])

    def close(self) -> None:
        assert self.process.stdin is not None
        try:
            self.process.stdin.write('{"op": "quit"}\n')
            self.process.stdin.flush()
        except BrokenPipeError:  # already gone
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


@pytest.fixture
def app(kuzet_server: str) -> Iterator[Any]:
    """``app(schema_version=2)`` → a new phone; all are closed after the test."""
    opened: list[WatermelonApp] = []

    def make(**arguments: Any) -> WatermelonApp:
        phone = WatermelonApp(kuzet_server, **arguments)
        opened.append(phone)
        return phone

    yield make
    for phone in opened:
        phone.close()
