"""What the sync and fact tests share: assignments written at a chosen time without the side
effects of the dispatch command (unit status, SMS, the escalation ladder — those have their
own tests in tests/backend/dispatch/), the sync endpoints through Django's test client as one
device, and event records as an app pushes them. Imported by the conftests that use them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from backend.common import clock
from backend.dispatch.lifecycle import AssignmentStatus
from backend.dispatch.models import Assignment, Conflict, Incident
from backend.dispatch.services import assignment_reassign, incident_dispatch
from backend.ledger import uow
from backend.ledger.names import SyncTable
from backend.people.models import Unit
from tests import factories


def dispatch(
    *, incident: Incident, unit: Unit, at: dt.datetime | None = None, **kw: Any
) -> Assignment:
    """An assignment, touched like dispatch does, so the resolver publishes it."""
    with uow.unit_of_work():
        assignment = factories.assignment(
            incident=incident, unit=unit, dispatched_at=at or clock.now(), **kw
        )
        uow.touch(SyncTable.ASSIGNMENTS, assignment.pk)
        uow.touch(SyncTable.INCIDENTS, incident.pk)
    return assignment


def cancel(assignment: Assignment, *, at: dt.datetime | None = None, by: Any = None) -> None:
    at = at or clock.now()
    with uow.unit_of_work():
        assignment.status = AssignmentStatus.CANCELLED
        assignment.cancelled_at = at
        assignment.cancelled_by = by
        assignment.closed_at = at
        assignment.save(update_fields=["status", "cancelled_at", "cancelled_by", "closed_at"])
        uow.touch(SyncTable.ASSIGNMENTS, assignment.pk)


def reassign(assignment: Assignment, *, to: Unit, at: dt.datetime | None = None) -> Assignment:
    at = at or clock.now()
    with uow.unit_of_work():
        new = factories.assignment(incident=assignment.incident, unit=to, dispatched_at=at)
        assignment.status = AssignmentStatus.SUPERSEDED
        assignment.superseded_at = at
        assignment.superseded_by = new
        assignment.closed_at = at
        assignment.save(update_fields=["status", "superseded_at", "superseded_by", "closed_at"])
        uow.touch(SyncTable.ASSIGNMENTS, assignment.pk, new.pk)
        uow.touch(SyncTable.INCIDENTS, assignment.incident_id)
    return new


@pytest.fixture
def incident_a(personas: Any) -> Incident:
    return factories.incident(district=personas.a.district, settlement=personas.a.village)


@pytest.fixture
def assignment_a(personas: Any, incident_a: Incident) -> Assignment:
    """A theft in district A dispatched to A's patrol car a minute ago."""
    return dispatch(
        incident=incident_a, unit=personas.a.patrol, at=clock.now() - dt.timedelta(minutes=1)
    )


class SyncApi:
    """The sync endpoints through Django's test client, as one device."""

    def __init__(
        self, client: Any, token: str, *, boot_id: str = "boot-1", elapsed_ms: int = 100_000
    ):
        self.client = client
        self.token = token
        self.boot_id = boot_id
        self.elapsed_ms = elapsed_ms
        self.cursor: int | None = None

    def headers(self) -> dict[str, str]:
        return {
            "HTTP_AUTHORIZATION": f"Device {self.token}",
            "HTTP_X_DEVICE_CLOCK": f"{clock.now_ms()};{self.boot_id};{self.elapsed_ms}",
        }

    def pull_raw(self, cursor: Any = "null", **params: Any) -> Any:
        query = {"last_pulled_at": "null" if cursor is None else cursor, "schema_version": 1}
        query.update(params)
        return self.client.get("/api/sync/v1/pull", query, **self.headers())

    def pull(self, cursor: Any = "keep") -> dict[str, Any]:
        response = self.pull_raw(self.cursor if cursor == "keep" else cursor)
        assert response.status_code == 200, response.content
        body = response.json()
        self.cursor = body["timestamp"]
        return body

    def push_raw(self, body: Any, **headers: Any) -> Any:
        import orjson

        data = body if isinstance(body, bytes) else orjson.dumps(body)
        return self.client.generic(
            "POST",
            "/api/sync/v1/push",
            data,
            content_type="application/json",
            **{**self.headers(), **headers},
        )

    def push(self, *events: dict[str, Any]) -> list[dict[str, Any]]:
        response = self.push_raw(
            {
                "changes": {"events": {"created": list(events), "updated": [], "deleted": []}},
                "lastPulledAt": self.cursor,
            }
        )
        assert response.status_code == 200, response.content
        return response.json()["results"]


def ids(body: dict[str, Any], table: str, op: str = "updated") -> list[str]:
    items = body["changes"][table][op]
    return sorted(item if isinstance(item, str) else item["id"] for item in items)


_event_counter = iter(range(10**9))


def event(kind: str, assignment: Any = None, **fields: Any) -> dict[str, Any]:
    """A device event record as an app would push it."""
    n = next(_event_counter)
    record = {
        "id": fields.pop("id", f"evt{n:013d}"),
        "kind": kind,
        "assignment_id": None if assignment is None else str(getattr(assignment, "pk", assignment)),
        "device_time": fields.pop("device_time", clock.now_ms()),
        "boot_id": fields.pop("boot_id", "boot-1"),
        "elapsed_ms": fields.pop("elapsed_ms", 100_000),
        "lat": None,
        "lon": None,
        "accuracy_m": None,
        "gps_time": None,
        "payload": fields.pop("payload", {}),
    }
    record.update(fields)
    return record


def inspector_phone(
    personas: Any, client: Any, *, district: str = "a", elapsed_ms: int = 100_000
) -> SyncApi:
    """The phone of a district's inspector (the unit a DV call's visit is owed by)."""
    _device_id, token = personas.device(getattr(personas, district).inspector)
    return SyncApi(client, token, elapsed_ms=elapsed_ms)


def visit(
    task: Any, text: str = "Беседа проведена, конфликт исчерпан", **fields: Any
) -> dict[str, Any]:
    """The event of a follow-up visit made, as the field app records it."""
    return event("follow_up_visit", payload={"follow_up_id": str(task.pk), "text": text}, **fields)


@pytest.fixture
def device_a1(personas: Any, client: Any) -> SyncApi:
    """The first officer of A's patrol car, with an enrolled phone."""
    _device_id, token = personas.device(personas.a.patrol_officers[0])
    return SyncApi(client, token)


@pytest.fixture
def device_b1(personas: Any, client: Any) -> SyncApi:
    _device_id, token = personas.device(personas.b.patrol_officers[0])
    return SyncApi(client, token)


@pytest.fixture
def published(request: Any) -> None:
    """Units and settlements made by the factories (no touches) are published, as the
    reconcile sweep does in production."""
    if "personas" in request.fixturenames:
        request.getfixturevalue("personas")
        from backend.sync_gateway.scope import reference_reconcile

        reference_reconcile()


def crew_back_after_stand_down(personas: Any, client: Any) -> dict[str, Any]:
    """A's patrol car, dispatched 20 minutes ago and stood down (the call handed to A's
    inspector) 10 minutes ago while out of coverage, comes back: its phone pushes the
    acknowledgment, the way there and the arrival it recorded after the stand-down. Three
    ``after_reassign`` conflicts of one story, by milestone."""
    now = clock.now()
    incident = factories.incident(district=personas.a.district, settlement=personas.a.village)
    with clock.frozen(now - dt.timedelta(minutes=20)):
        old = incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)
    with clock.frozen(now - dt.timedelta(minutes=10)):
        assignment_reassign(assignment=old, unit=personas.a.inspector_unit, by=personas.duty)
    _device, token = personas.device(personas.a.patrol_officers[0])
    phone = SyncApi(client, token, elapsed_ms=1_000_000)
    results = phone.push(
        event("ack", old, elapsed_ms=1_000_000 - 9 * 60_000),
        event("en_route", old, elapsed_ms=1_000_000 - 8 * 60_000),
        event("on_scene", old, elapsed_ms=1_000_000 - 2 * 60_000),
    )
    assert [r["status"] for r in results] == ["accepted"] * 3
    by_kind = {c.event.kind: c for c in Conflict.objects.select_related("event")}
    assert {c.kind for c in by_kind.values()} == {"after_reassign"}
    return by_kind
