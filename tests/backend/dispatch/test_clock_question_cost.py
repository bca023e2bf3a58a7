"""The open question about a phone's clock is found from the few open questions, not by
walking every position the phone ever sent (``_phones_asked_about_positions`` runs on every
push of a suspect position)."""

import datetime as dt
import hashlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backend.devices.models import Device
from backend.dispatch.models import Conflict, Event, EventKind
from backend.dispatch.services.facts import _Entry, _phones_asked_about_positions
from tests.plans import as_autovacuum_keeps

T0 = dt.datetime(2026, 12, 6, 3, 0, tzinfo=dt.UTC)


def _device(personas, install_id: str) -> Device:
    return Device.objects.create(
        officer=personas.a.patrol_officers[0],
        install_id=install_id,
        token_hash=hashlib.sha256(install_id.encode()).hexdigest(),
        enrolled_at=T0,
    )


def _position(device: Device, n: int, boot_id: str = "boot-a") -> Event:
    at = T0 + dt.timedelta(seconds=30 * n)
    return Event(
        id=f"evt-{device.install_id}-{n}",
        kind=EventKind.LOCATION,
        source="app",
        device=device,
        boot_id=boot_id,
        elapsed_ms=n * 30_000,
        lat=47.96,
        lon=80.43,
        content_hash="0" * 64,
        server_received_at=at,
        estimated_at=at,
        estimate_method="anchor",
        clock_suspect=True,
        disposition="recorded",
    )


def _ask(personas, event: Event) -> Conflict:
    return Conflict.objects.create(
        kind="clock_suspect",
        district=personas.a.district,
        event=event,
        opened_at=event.server_received_at,
    )


def _suspect_push(device: Device, boot_id: str) -> list[_Entry]:
    event = Event(id="evt-new", kind=EventKind.LOCATION, device=device, boot_id=boot_id)
    return [
        _Entry(
            event=event,
            assignment_id=None,
            claimed_unit_id=None,
            conflicts=[("clock_suspect", {})],
        )
    ]


@pytest.mark.django_db
def test_the_open_question_about_a_phones_clock_is_not_found_by_walking_its_positions(personas):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's plan")
    # given: a phone with nearly two days of positions, one every 30 s, and an open
    # question about its clock
    phone = _device(personas, "wrong-clock")
    Event.objects.bulk_create(_position(phone, n) for n in range(5_000))
    _ask(personas, Event.objects.get(pk="evt-wrong-clock-4000"))
    # and a question about its restart under another boot, open, and one answered
    [rebooted, answered] = Event.objects.bulk_create(
        [_position(phone, 5_000, "boot-b"), _position(phone, 5_001, "boot-c")]
    )
    _ask(personas, rebooted)
    Conflict.objects.filter(pk=_ask(personas, answered).pk).update(
        state="resolved", resolution="noted", resolved_at=T0
    )
    # and open questions about three other phones
    for i in range(3):
        other = _device(personas, f"other-{i}")
        _ask(personas, Event.objects.bulk_create([_position(other, 0)])[0])
    # and the questions of the weeks before, answered (one a position, before the chief
    # was asked once a boot)
    history = _device(personas, "answered")
    Conflict.objects.bulk_create(
        Conflict(
            kind="clock_suspect",
            district=personas.a.district,
            event=event,
            opened_at=event.server_received_at,
            state="resolved",
            resolution="noted",
            resolved_at=event.server_received_at,
        )
        for event in Event.objects.bulk_create(_position(history, n) for n in range(3_000))
    )
    # and questions of other kinds still open across the district
    busy = _device(personas, "busy")
    Conflict.objects.bulk_create(
        Conflict(
            kind="not_assignee",
            district=personas.a.district,
            event=event,
            opened_at=event.server_received_at,
        )
        for event in Event.objects.bulk_create(_position(busy, n) for n in range(3_000))
    )
    as_autovacuum_keeps("dispatch_event", "dispatch_conflict")

    # when: the push of one more suspect position looks for the question, and the planner
    # is asked how it reads that statement
    with CaptureQueriesContext(connection) as queries:
        asked = _phones_asked_about_positions(_suspect_push(phone, "boot-a"))
    [statement] = [q["sql"] for q in queries.captured_queries]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + statement)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    # then: the same answer — this phone's boots with an open question — read from the open
    # clock questions, each event fetched by its key; the phone's positions are not walked
    assert asked == {(phone.pk, "boot-a"), (phone.pk, "boot-b")}
    assert "conflict_open_clock_idx" in plan, plan
    assert "Seq Scan on dispatch_event" not in plan, plan
    assert "event_device_recv_idx" not in plan, plan
    assert "Sort" not in plan, plan
