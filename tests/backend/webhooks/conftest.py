"""A partner's server on this machine, eGov's key, and a report sent through it."""

from __future__ import annotations

import http.server
import json
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from rest_framework.test import APIClient

from backend.dispatch.models import Incident
from backend.dispatch.services import intake_key_issue
from tests.backend.dispatch.test_intake import body


class Receiver:
    """A partner's server on this machine: records each POST, answers the next status."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.answers: list[int] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, raw))
                self.send_response(receiver.answers.pop(0) if receiver.answers else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/kuzet/callback"

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(raw) for _headers, raw in self.requests]


@pytest.fixture
def receiver(settings: Any) -> Iterator[Receiver]:
    # Plain http, and to this machine: refused in production (docs/intake.md, *Callbacks*).
    settings.KUZET_CALLBACK_ALLOW_HTTP = True
    settings.KUZET_CALLBACK_ALLOW_PRIVATE = True
    partner = Receiver()
    thread = threading.Thread(target=partner.server.serve_forever, daemon=True)
    thread.start()
    yield partner
    partner.server.shutdown()
    partner.server.server_close()


@pytest.fixture
def egov(db: Any) -> tuple[Any, APIClient]:
    key, raw = intake_key_issue(channel="egov", name="eGov Mobile")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return key, client


def send_report(client: APIClient, personas: Any, **kw: Any) -> Incident:
    response = client.post("/api/v1/intake/egov/", body(personas, **kw), format="json")
    assert response.status_code == 201, response.content
    return Incident.objects.get(pk=response.json()["id"])


class Dns(dict[str, list[str]]):
    """Names this test's resolver answers, and every lookup of one (the rest: the system's).
    A list of answers is given in turn, its last one from then on."""

    def __init__(self) -> None:
        super().__init__()
        self.lookups: list[str] = []


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> Dns:
    answers = Dns()
    system = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if name not in answers:
            return system(host, port, *args, **kwargs)
        answers.lookups.append(name)
        given = answers[name]
        address = given.pop(0) if len(given) > 1 else given[0]
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        sockaddr = (address, int(port or 0), 0, 0) if ":" in address else (address, int(port or 0))
        return [(family, socket.SOCK_STREAM, 6, "", sockaddr)]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers
