"""Transports for the reference client against the real server in this process.

:class:`DjangoTransport` sends requests through Django's test client (the whole view stack,
middleware included). :class:`Faulty` wraps a transport to lose requests, lose responses
after the server answered (the "committed, then the network dropped it" case), send a
request twice, or keep a copy of a request to deliver it late.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.test import Client

from sync.client import TransportError

Request = tuple[str, str, dict[str, str], bytes | None]


def _meta(headers: Mapping[str, str]) -> dict[str, str]:
    meta = {}
    for name, value in headers.items():
        key = name.upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            continue
        meta[f"HTTP_{key}"] = value
    return meta


class DjangoTransport:
    def __init__(self, client: Client | None = None) -> None:
        self.client = client or Client()
        self.log: list[tuple[str, str, int]] = []

    def __call__(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes | None
    ) -> tuple[int, dict[str, str], bytes]:
        content_type = {k.lower(): v for k, v in headers.items()}.get(
            "content-type", "application/octet-stream"
        )
        response = self.client.generic(
            method, path, body or b"", content_type=content_type, **_meta(headers)
        )
        self.log.append((method, path.split("?")[0], response.status_code))
        return response.status_code, dict(response.items()), response.content


@dataclass
class Faulty:
    """Inject faults into the next requests: each list holds booleans consumed per request."""

    inner: Any
    lose_request: list[bool] = field(default_factory=list)
    lose_response: list[bool] = field(default_factory=list)
    send_twice: list[bool] = field(default_factory=list)
    keep_copy: list[bool] = field(default_factory=list)
    kept: list[Request] = field(default_factory=list)
    offline: bool = False

    def __call__(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes | None
    ) -> tuple[int, Mapping[str, str], bytes]:
        if self.offline:
            raise TransportError("offline")
        if self.lose_request and self.lose_request.pop(0):
            raise TransportError("request lost")
        if self.keep_copy and self.keep_copy.pop(0):
            self.kept.append((method, path, dict(headers), body))
        if self.send_twice and self.send_twice.pop(0):
            self.inner(method, path, headers, body)
        answer = self.inner(method, path, headers, body)
        if self.lose_response and self.lose_response.pop(0):
            raise TransportError("response lost after the server answered")
        return answer

    def deliver_kept(self) -> list[int]:
        """Deliver the kept copies now (late, out of order); their answers go nowhere."""
        statuses = []
        while self.kept:
            method, path, headers, body = self.kept.pop(0)
            statuses.append(self.inner(method, path, headers, body)[0])
        return statuses
