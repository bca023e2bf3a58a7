"""Helpers for the dispatch tests: authenticated API clients, intake keys, captured
notifications, the in-memory SMS outbox, a signed SMS gateway, snapshots for "nothing
changed" assertions, and (for the fact tests) the sync fixtures of sync_support."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from typing import Any

import orjson
import pytest
from django.conf import settings
from django.db import connection
from rest_framework.test import APIClient

from backend.common import clock
from backend.dispatch import sms
from backend.dispatch.authentication import staff_token_issue
from backend.dispatch.models import (
    Assignment,
    EscalationStep,
    Event,
    FollowUpTask,
    Incident,
    SmsMessage,
)
from backend.dispatch.services import (
    IncidentInput,
    escalation_sweep,
    incident_dispatch,
    intake_key_issue,
)
from backend.ledger import uow
from backend.ledger.models import AuditEntry, Change
from backend.people.models import Unit
from tests import factories

# The fact tests push through the sync endpoints as a device does.
from tests.backend.sync_support import (
    assignment_a,
    device_a1,
    device_b1,
    incident_a,
    published,
)

__all__ = ["assignment_a", "device_a1", "device_b1", "incident_a", "published"]

CAPTURED: list[uow.Commit] = []

# A morning in Ayagoz: when the dispatch tests' call is received.
T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


def dispatch_a_call(personas: Any, **incident: Any) -> Assignment:
    """A call in Ayagoz's town received at T0 (``incident`` names its priority, category…),
    A-PC1 (with a phone) dispatched at T0 + 1 min."""
    personas.device(personas.a.patrol_officers[0])
    call = factories.incident(
        district=personas.a.district, settlement=personas.a.town, received_at=T0, **incident
    )
    with clock.frozen(T0 + dt.timedelta(minutes=1)):
        return incident_dispatch(incident=call, unit=personas.a.patrol, by=personas.duty)


def phone_says(device: Any, at: dt.datetime, *records: dict[str, Any]) -> None:
    """The crew's phone pushes ``records`` at ``at``, and the server accepts every one."""
    with clock.frozen(at):
        results = device.push(*records)
    assert all(r["status"] == "accepted" for r in results), results


def capture_listener(commit: uow.Commit) -> None:
    CAPTURED.append(commit)


@pytest.fixture
def notifications(settings: Any) -> Iterator[Callable[[], list[uow.Notification]]]:
    """A function returning the notifications delivered after commit so far, in order
    (on_commit callbacks must run: ``django_capture_on_commit_callbacks(execute=True)``)."""
    settings.KUZET_CHANGE_LISTENERS = [
        *settings.KUZET_CHANGE_LISTENERS,
        "tests.backend.dispatch.conftest.capture_listener",
    ]
    CAPTURED.clear()
    yield lambda: [n for commit in CAPTURED for n in commit.notifications]
    CAPTURED.clear()


def boards(notes: list[uow.Notification], kind: str | None = None) -> list[dict[str, Any]]:
    return [
        n.data for n in notes if n.topic == "board" and (kind is None or n.data["kind"] == kind)
    ]


@pytest.fixture
def sms_outbox() -> Iterator[list[sms.OutgoingSms]]:
    sms.MemoryBackend.outbox.clear()
    yield sms.MemoryBackend.outbox
    sms.MemoryBackend.outbox.clear()


@pytest.fixture
def client_for() -> Callable[[Any], APIClient]:
    """An API client authenticated with the user's staff token (``Authorization: Token …``),
    one per user and test."""
    keys: dict[Any, str] = {}

    def make(user: Any) -> APIClient:
        client = APIClient()
        if user is not None:
            if user.pk not in keys:
                keys[user.pk] = staff_token_issue(user=user)[1]
            client.credentials(HTTP_AUTHORIZATION=f"Token {keys[user.pk]}")
        return client

    return make


@pytest.fixture
def egov_key(db: Any) -> tuple[Any, str]:
    return intake_key_issue(channel="egov", name="eGov Mobile")


@pytest.fixture
def intake_client(egov_key: tuple[Any, str]) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {egov_key[1]}")
    return client


def report(**kw: Any) -> IncidentInput:
    defaults: dict[str, Any] = {"category": "theft", "received_at": dt.datetime.now(dt.UTC)}
    return IncidentInput(**{**defaults, **kw})


def signed_post(
    client: APIClient,
    body: dict[str, Any],
    *,
    secret: str | None = None,
    timestamp: int | None = None,
) -> Any:
    raw = orjson.dumps(body)
    signature = sms.sign(
        raw, secret=secret or settings.KUZET_SMS_INBOUND_SECRET, timestamp=timestamp
    )
    return client.post(
        "/api/v1/sms/inbound/",
        data=raw,
        content_type="application/json",
        HTTP_X_KUZET_SIGNATURE=signature,
    )


def snapshot() -> dict[str, Any]:
    """Everything a dispatch command may write, to assert that a refusal wrote nothing."""
    return {
        "incidents": list(Incident.objects.order_by("pk").values()),
        "assignments": list(Assignment.objects.order_by("pk").values()),
        "units": list(Unit.objects.order_by("pk").values("pk", "status", "status_at")),
        "events": Event.objects.count(),
        "steps": EscalationStep.objects.count(),
        "sms": SmsMessage.objects.count(),
        "follow_ups": FollowUpTask.objects.count(),
        "audit": AuditEntry.objects.count(),
        "changes": Change.objects.count(),
    }


def sweeps_at_once(at: dt.datetime, n: int = 4) -> None:
    """``n`` escalation sweeps in threads released together, the server clock frozen at ``at``
    once for all of them; each thread closes its own database connection."""
    barrier = threading.Barrier(n)

    def run() -> None:
        try:
            barrier.wait()
            escalation_sweep()
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    with clock.frozen(at):
        for t in threads:
            t.start()
        for t in threads:
            t.join()


def intake_posts_at_once(
    clients: list[APIClient], payload: dict[str, Any], *, url: str = "/api/v1/intake/egov/"
) -> list[tuple[int, int]]:
    """Each client posts ``payload`` to intake in a thread of its own, released together; each
    thread closes its own database connection. The answers' (status, call id), in no set
    order."""
    barrier = threading.Barrier(len(clients))
    results: list[tuple[int, int]] = []

    def post(client: APIClient) -> None:
        barrier.wait()
        try:
            response = client.post(url, payload, format="json")
            results.append((response.status_code, response.json()["id"]))
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results
