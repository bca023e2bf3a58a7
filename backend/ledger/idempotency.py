"""Idempotency keys for staff writes (``Idempotency-Key``, as in Stripe's API and the IETF
draft-ietf-httpapi-idempotency-key-header).

A client that may retry a write sends a unique key with it. The first request with a key runs
and its answer is stored; a request with the same key and the same method, path and body
gets that answer again (``Idempotent-Replayed: true``) and writes nothing; the same key with
a different request is ``422 idempotency_key_reused``. Keys are per user and kept at least
``KUZET_IDEMPOTENCY_HOURS`` (24) — :func:`idempotency_prune` runs hourly.

Why here (``backend/ledger``), not ``backend/common``: the key must be stored in the same
transaction as the write it answers — a key for a write that rolled back would replay an
answer for nothing, a write without its key would run twice — and the unit of work that
every audited write runs in lives here (:mod:`backend.ledger.uow`). ``common`` is below the
ledger and holds no models or transactions on purpose.

Concurrency: the key row is inserted first, inside the unit of work. A second request with
the same key blocks on the unique index until the first commits (PostgreSQL; SQLite takes
the write lock when the transaction starts), then finds the completed row and replays it;
if the first rolled back, the second runs. Nothing is ever run twice.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from rest_framework.request import Request
from rest_framework.response import Response

from backend.common import clock
from backend.common.errors import DomainError, Malformed

from . import uow
from .models import IdempotentRequest

R = TypeVar("R")

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255


class IdempotencyKeyReused(DomainError):
    code = "idempotency_key_reused"
    status = 422


def parse_key(value: str) -> str:
    """The key from the header: 1-255 printable ASCII characters. The IETF draft sends it
    as a structured-field string (``"…"``); Stripe's clients send it bare — both are read."""
    key = value.strip()
    if len(key) >= 2 and key.startswith('"') and key.endswith('"'):
        key = key[1:-1]
    if not key or len(key) > MAX_KEY_LENGTH or not all(" " <= c <= "~" for c in key):
        raise Malformed(
            f"{HEADER} must be 1-{MAX_KEY_LENGTH} printable ASCII characters",
            code="idempotency_key_invalid",
        )
    return key


def fingerprint(method: str, path: str, body: Any) -> str:
    """What "the same request" means: method, path and the parsed body (key order and
    whitespace do not matter)."""
    material = json.dumps(
        [method.upper(), path, body], sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder
    )
    return hashlib.sha256(material.encode()).hexdigest()


@dataclass(frozen=True)
class Replay:
    """The stored answer of an earlier request with the same key."""

    status_code: int
    body: Any


def run_once(
    *,
    user: Any,
    key: str,
    method: str,
    path: str,
    request_fingerprint: str,
    run: Callable[[], R],
    answer: Callable[[R], tuple[int, Any]],
) -> R | Replay:
    """Run ``run`` once for ``(user, key)``; for a repeat of the request, return the
    :class:`Replay` of the first answer instead (``answer(result)`` → what is stored: a
    status and a JSON-able body).

    ``run`` does the write; it runs inside this unit of work, so the write, its audit entries
    and the stored answer commit together. An exception from ``run`` rolls everything back,
    the key included: the write did not happen, a retry may run it. The same key with
    another request raises :class:`IdempotencyKeyReused`.
    """
    with uow.unit_of_work():
        try:
            with transaction.atomic():
                record = IdempotentRequest.objects.create(
                    user=user,
                    key=key,
                    method=method.upper(),
                    path=path[:255],
                    fingerprint=request_fingerprint,
                    created_at=clock.now(),
                )
        except IntegrityError:
            stored = IdempotentRequest.objects.get(user=user, key=key)
            if stored.fingerprint != request_fingerprint:
                raise IdempotencyKeyReused(
                    f"This {HEADER} was used for another request "
                    f"({stored.method} {stored.path}); use a new key for a new request."
                ) from None
            return Replay(stored.status_code, stored.response)
        result = run()
        status_code, body = answer(result)
        IdempotentRequest.objects.filter(pk=record.pk).update(
            status_code=status_code,
            response=json.loads(json.dumps(body, cls=DjangoJSONEncoder)),
        )
        return result


def run_once_for(
    request: Any,
    *,
    key: str,
    body: Any,
    run: Callable[[], R],
    answer: Callable[[R], tuple[int, Any]],
) -> R | Replay:
    """:func:`run_once` for a request: its user, method and path, the ``key`` as sent
    (checked here) and ``body`` — what the request asks, for the fingerprint that tells a
    repeat from another request under the same key."""
    method = request.method or "POST"
    return run_once(
        user=request.user,
        key=parse_key(key),
        method=method,
        path=request.path,
        request_fingerprint=fingerprint(method, request.path, body),
        run=run,
        answer=answer,
    )


def idempotent(handler: Callable[..., Response]) -> Callable[..., Response]:
    """Decorate a DRF view method (``post``): with an ``Idempotency-Key`` header the call
    runs once per key and a repeat gets the first answer (``Idempotent-Replayed: true``);
    without one it runs as before."""

    @functools.wraps(handler)
    def wrapper(view: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        header = request.headers.get(HEADER)
        if header is None:
            return handler(view, request, *args, **kwargs)
        result = run_once_for(
            request,
            key=header,
            body=request.data,
            run=lambda: handler(view, request, *args, **kwargs),
            answer=lambda response: (response.status_code, response.data),
        )
        if isinstance(result, Replay):
            response = Response(result.body, status=result.status_code)
            response[REPLAYED_HEADER] = "true"
            return response
        return result

    return wrapper


def idempotency_prune(*, now: dt.datetime | None = None) -> int:
    """Delete keys older than ``KUZET_IDEMPOTENCY_HOURS``; returns how many."""
    now = now or clock.now()
    horizon = now - dt.timedelta(hours=settings.KUZET_IDEMPOTENCY_HOURS)
    deleted, _ = IdempotentRequest.objects.filter(created_at__lt=horizon).delete()
    return deleted
