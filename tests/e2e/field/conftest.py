"""The field app's browser suite: a real uvicorn (HTTP + WebSocket) on the PostgreSQL test
database, serving the built app at /app/, and a phone-sized chromium."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import httpx
import pytest
from django.core.management import call_command

from backend.dispatch.authentication import staff_token_issue
from backend.realtime import fanout
from backend.sync_gateway.scope import codes_publish, reference_reconcile
from tests.e2e.processes import ROOT, database_url, free_port, server_env


class Server:
    """uvicorn on a fixed port that a test can stop and start again: the phone then has no
    server at all (not just an offline flag), and finds the same origin when it is back."""

    def __init__(self, port: int, env: dict[str, str]) -> None:
        self.port = port
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        args = [
            sys.executable, "-m", "uvicorn", "backend.config.asgi:application", "--host",
            "127.0.0.1", "--port", str(self.port), "--lifespan", "off", "--no-access-log",
        ]  # fmt: skip
        self.process = subprocess.Popen(args, cwd=ROOT, env=self.env)
        deadline = time.monotonic() + 90  # a loaded 2-core CI box starts Django slowly
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"uvicorn exited with {self.process.returncode}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not answer within 90 s")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
        self.process = None


@pytest.fixture(scope="module")
def field_server(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Server]:
    """The whole of Kuzet an officer's phone talks to. The in-memory channel layer lives in
    this one process, so a dispatch made through its staff API reaches the phone's socket."""
    with django_db_blocker.unblock():
        url = database_url()
    env = server_env(
        database=url,
        var_dir=tmp_path_factory.mktemp("var"),
        KUZET_CACHE_PREFIX=f"kuzet-e2e-field-{os.getpid()}",
    )
    env.pop("REDIS_URL", None)
    server = Server(free_port(), env)
    server.start()
    try:
        yield server
    finally:
        server.stop()


class StaffApi:
    """The duty officer's side: the staff API over HTTP, as the ЦОУ's tools call it."""

    def __init__(self, base: str, token: str) -> None:
        self.client = httpx.Client(
            base_url=base, headers={"Authorization": f"Token {token}"}, timeout=30
        )

    def post(self, path: str, body: dict) -> dict:
        response = self.client.post(path, json=body)
        assert response.status_code in (200, 201), response.text
        return response.json()


@pytest.fixture
def duty_api(field_server, personas) -> Iterator[StaffApi]:
    # The personas' villages and units were written without touching the change log; a
    # deployment publishes such rows after `migrate` and every five minutes (the reconcile
    # sweep), so do what it does before any phone takes its snapshot.
    codes_publish()
    reference_reconcile()
    _, key = staff_token_issue(user=personas.duty)
    api = StaffApi(field_server.url, key)
    yield api
    api.client.close()


def enrolment_code(username: str) -> str:
    """A one-time code as the operator gets it: ``manage.py enrolment_code <username>``."""
    out = StringIO()
    call_command("enrolment_code", username, stdout=out)
    return out.getvalue().strip().splitlines()[-1]


@pytest.fixture(autouse=True)
def _no_pokes_left_behind() -> Iterator[None]:
    """This process publishes codes, units and villages (above); the fan-out holds the wide
    pokes of a second publish within 30 s and sends them later from a timer. Nobody here
    listens (the server keeps its own in-memory layer), but a held poke would land in the
    next module's sockets on the shared Redis prefix. Forget them."""
    yield
    fanout._wide_pokes.reset()


@pytest.fixture
def profile(tmp_path) -> Path:
    return tmp_path / "phone-profile"
