"""A client picks no address of its own: ``X-Forwarded-For`` counts only behind our proxy.

An outside security test reached the demo through a local tunnel and sent its own
``X-Forwarded-For``: uvicorn, started by the Procfile with its defaults, trusts the header
from any loopback peer and handed Django that address as ``REMOTE_ADDR``, so five wrong
passwords "from" 10.9.9.9 locked that address out and 10.9.9.10 was let in again; the DRF
throttles were as easy to walk around. Forwarded headers are now trusted only when the
operator says a proxy stands in front (``KUZET_PROXY_COUNT``, docs/deployment.md).

The web server here is the Procfile's own: its command line is expanded by the shell as
honcho does, parsed by uvicorn's command, and the resulting server wraps Kuzet's ASGI
application exactly as ``make run`` serves it; requests are fed to it as the server would.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from asgiref.sync import async_to_sync
from django.core import signals
from django.db import close_old_connections
from uvicorn.config import Config
from uvicorn.main import main as uvicorn_command

from backend.people.models import Officer

ROOT = Path(__file__).resolve().parents[3]
LIMIT = 3
TUNNEL = "127.0.0.1"  # ssh -R, a tunnel agent, a local nginx: a peer on the loopback
_ports = itertools.count(40000)


def procfile_web_server(**env: str) -> Config:
    """uvicorn as the Procfile's ``web`` line starts it under ``env``, serving Kuzet."""
    from backend.config.asgi import application

    line = next(
        line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:")
    )
    program, arguments = line.removeprefix("web:").strip().split(" ", 1)
    assert program == ".venv/bin/uvicorn"
    # honcho runs each line with the shell: the same expansions, with `printf` for uvicorn
    argv = subprocess.run(
        ["sh", "-c", f"printf '%s\\n' {arguments}"],
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    params = uvicorn_command.make_context("uvicorn", argv).params
    assert params["app"] == "backend.config.asgi:application"
    config = Config(
        application,
        proxy_headers=params["proxy_headers"],
        forwarded_allow_ips=params["forwarded_allow_ips"],
        lifespan="off",
        log_config=None,
    )
    config.load()
    return config


@pytest.fixture(autouse=True)
def server_environment(monkeypatch):
    # uvicorn reads these from the environment too; the test's server gets only the Procfile's
    for name in ("FORWARDED_ALLOW_IPS", "UVICORN_PROXY_HEADERS", "UVICORN_FORWARDED_ALLOW_IPS"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def one_transaction() -> Iterator[None]:
    """Requests share the test's transaction, as Django's own test client arranges it."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


class Response:
    def __init__(self, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    def cookie(self, name: str) -> str:
        for key, value in self.headers:
            if key.lower() == b"set-cookie" and value.startswith(f"{name}=".encode()):
                return value.decode().split(";", 1)[0].split("=", 1)[1]
        raise AssertionError(f"no {name} cookie")


def request(
    server: Config,
    method: str,
    path: str,
    *,
    peer: str,
    headers: dict[str, str] | None = None,
    body: bytes = b"",
) -> Response:
    """One HTTP request through the server's application, from ``peer``."""
    path, _, query = path.partition("?")
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"testserver")]
        + [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
        "client": (peer, next(_ports)),
        "server": ("127.0.0.1", 8000),
    }
    sent: list[dict[str, Any]] = []

    async def call() -> None:
        messages = [{"type": "http.request", "body": body, "more_body": False}]

        async def receive() -> dict[str, Any]:
            if messages:
                return messages.pop()
            await asyncio.Event().wait()  # the client stays connected
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        await server.loaded_app(scope, receive, send)

    async_to_sync(call)()
    start = next(m for m in sent if m["type"] == "http.response.start")
    content = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return Response(start["status"], start["headers"], content)


# --- the admin login (django-axes) ------------------------------------------------------------


@pytest.fixture
def chief(personas, settings) -> Officer:
    settings.AXES_FAILURE_LIMIT = LIMIT
    chief = personas.a.chief
    chief.set_password("the-right-password-102")
    chief.is_staff = True
    chief.save()
    return chief


def login(server: Config, username: str, password: str, *, peer: str, forwarded: str) -> int:
    form = request(server, "GET", "/admin/login/", peer=peer)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', form.body)
    assert token is not None
    body = urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": token[1].decode()}
    ).encode()
    return request(
        server,
        "POST",
        "/admin/login/?next=/admin/",
        peer=peer,
        headers={
            "content-type": "application/x-www-form-urlencoded",
            "cookie": f"csrftoken={form.cookie('csrftoken')}",
            "x-forwarded-for": forwarded,
        },
        body=body,
    ).status


def test_a_client_behind_a_local_tunnel_cannot_leave_its_lockout_by_naming_another_address(
    chief, one_transaction
):
    # given: the demo as `make run` serves it, reached through a tunnel on the loopback;
    # the guesser says it is 10.9.9.9 and is locked out
    server = procfile_web_server(PORT="8000")
    statuses = [
        login(server, chief.username, "wrong", peer=TUNNEL, forwarded="10.9.9.9")
        for _ in range(LIMIT)
    ]

    # when: the same client, saying it is someone else now
    response = login(
        server, chief.username, "the-right-password-102", peer=TUNNEL, forwarded="10.9.9.10"
    )

    # then: still locked out, as the address it really comes from
    assert statuses == [200] * (LIMIT - 1) + [429]
    assert response == 429


def test_behind_the_operators_proxy_each_client_is_locked_out_by_its_own_address(
    chief, settings, one_transaction
):
    # given: nginx in front (KUZET_PROXY_COUNT=1), which appends the address it saw to
    # whatever X-Forwarded-For the client sent; 203.0.113.7 guesses
    settings.KUZET_PROXY_COUNT = 1
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    server = procfile_web_server(PORT="8000", KUZET_PROXY_COUNT="1")
    for _ in range(LIMIT):
        login(server, chief.username, "wrong", peer=TUNNEL, forwarded="10.9.9.9, 203.0.113.7")

    # when
    guesser = login(
        server,
        chief.username,
        "the-right-password-102",
        peer=TUNNEL,
        forwarded="10.9.9.10, 203.0.113.7",
    )
    duty_room = login(
        server, chief.username, "the-right-password-102", peer=TUNNEL, forwarded="203.0.113.8"
    )

    # then: the guesser's own address stays locked; another client signs in
    assert guesser == 429
    assert duty_room == 302


# --- the API's request throttle -------------------------------------------------------------------


def test_the_anonymous_throttle_counts_the_peer_not_what_it_claims(
    transactional_db, settings, monkeypatch
):
    from backend.dispatch.throttling import PrincipalRateThrottle

    # given: three requests a minute for anyone without a key or a token
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"staff": "100/min", "intake": "100/min", "anon": "3/min"},
    }
    monkeypatch.setattr(
        PrincipalRateThrottle, "cache_format", f"throttle-{uuid.uuid4()}-%(scope)s-%(ident)s"
    )
    server = procfile_web_server(PORT="8000")

    def unsigned_sms(forwarded: str) -> int:
        return request(
            server,
            "POST",
            "/api/v1/sms/inbound/",
            peer=TUNNEL,
            headers={"content-type": "application/json", "x-forwarded-for": forwarded},
            body=b"{}",
        ).status

    # when: each request names a new address
    statuses = [unsigned_sms(f"10.9.9.{n}") for n in range(1, 6)]

    # then
    assert statuses == [401, 401, 401, 429, 429]


def test_make_run_serves_without_forwarded_headers_unless_a_proxy_is_declared():
    def proxy_headers(**env: str) -> bool:
        return bool(procfile_web_server(PORT="8000", **env).proxy_headers)

    assert proxy_headers() is False
    assert proxy_headers(KUZET_PROXY_COUNT="0") is False
    assert proxy_headers(KUZET_PROXY_COUNT="1") is True
