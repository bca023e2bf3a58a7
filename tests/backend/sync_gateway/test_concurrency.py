"""Concurrency on PostgreSQL: real threads, real transactions, real row locks."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from django.db import connection, connections

from backend.devices.models import Device
from backend.dispatch.models import Event
from backend.ledger import uow
from backend.sync_gateway.push import push_records
from tests import factories

from .conftest import SyncApi, dispatch, event, ids

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def in_thread(target: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    """Run ``target`` in a thread with its own database connection; keep result or error."""
    out: dict[str, Any] = {}

    def run() -> None:
        try:
            out["result"] = target()
        except BaseException as exc:
            out["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, out


def wait_until_blocked_on_a_lock(backends_before: int, deadline_s: float = 30.0) -> None:
    """Wait until some other backend waits for a row lock (PostgreSQL says so)."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0] > backends_before:
                return
        time.sleep(0.01)
    raise AssertionError("the second writer never waited for the sequencer lock")


def test_cursor_never_skips_a_change_committed_late(personas, client):
    # given: a device that has pulled everything
    _device_id, token = personas.device(personas.a.patrol_officers[0])
    api = SyncApi(client, token)
    api.pull(None)
    first = dispatch(
        incident=factories.incident(district=personas.a.district), unit=personas.a.patrol
    )
    second = dispatch(
        incident=factories.incident(district=personas.a.district), unit=personas.a.patrol
    )
    api.pull()
    numbered = threading.Event()
    release = threading.Event()

    def writer_a() -> int:
        with uow.unit_of_work():
            uow.touch("assignments", first.pk)
            uow.flush()  # A takes its change numbers now and holds the lock to commit
            numbered.set()
            release.wait(30)
        return uow.current_change_seq()

    def writer_b() -> None:
        with uow.unit_of_work():
            uow.touch("assignments", second.pk)

    # when: A is numbered and in flight, B tries to commit after it, a pull happens
    thread_a, out_a = in_thread(writer_a)
    assert numbered.wait(30)
    thread_b, out_b = in_thread(writer_b)
    wait_until_blocked_on_a_lock(0)
    during = api.pull()
    release.set()
    thread_a.join(30)
    thread_b.join(30)
    after = api.pull()

    # then
    assert "error" not in out_a
    assert "error" not in out_b
    assert ids(during, "assignments") == []
    assert ids(after, "assignments") == sorted([str(first.pk), str(second.pk)])


def test_a_plain_sequence_cursor_would_skip_the_late_commit(settings):
    # given: the naive design — a PostgreSQL sequence numbers rows when the INSERT runs
    url = settings.DATABASES["default"]
    dsn = f"host={url['HOST']} port={url['PORT'] or 5432} user={url['USER']} dbname={url['NAME']}"
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute("DROP TABLE IF EXISTS naive_change")
        admin.execute("CREATE TABLE naive_change (seq bigserial PRIMARY KEY, what text)")
    a = psycopg.connect(dsn)
    b = psycopg.connect(dsn)
    reader = psycopg.connect(dsn, autocommit=True)
    try:
        # when: A inserts (takes 1), B inserts (takes 2) and commits, a reader pulls, A commits
        a.execute("INSERT INTO naive_change (what) VALUES ('A')")
        b.execute("INSERT INTO naive_change (what) VALUES ('B')")
        b.commit()
        seen = reader.execute("SELECT seq, what FROM naive_change ORDER BY seq").fetchall()
        cursor = max(s for s, _ in seen)
        a.commit()
        next_pull = reader.execute(
            "SELECT seq, what FROM naive_change WHERE seq > %s ORDER BY seq", (cursor,)
        ).fetchall()
        everything = reader.execute("SELECT what FROM naive_change ORDER BY seq").fetchall()
    finally:
        for conn in (a, b, reader):
            conn.close()
        with psycopg.connect(dsn, autocommit=True) as admin:
            admin.execute("DROP TABLE IF EXISTS naive_change")

    # then: A's row was never served
    assert seen == [(2, "B")]
    assert next_pull == []
    assert everything == [("A",), ("B",)]


def test_two_identical_pushes_at_the_same_moment_store_once(personas, assignment_a):
    # given
    device_id, _token = personas.device(personas.a.patrol_officers[0])
    records = [event("ack", assignment_a), event("en_route", assignment_a)]
    body = {"changes": {"events": {"created": records}}}
    start = threading.Barrier(2)

    def push() -> list[dict[str, Any]]:
        device = Device.objects.select_related("officer").get(pk=device_id)
        start.wait(10)
        return push_records(device=device, body_or_records=body, clock=None, via="http")

    # when
    threads = [in_thread(push) for _ in range(2)]
    for thread, _ in threads:
        thread.join(30)

    # then
    outcomes = sorted(tuple(r["status"] for r in out["result"]) for _, out in threads)
    assert outcomes == [("accepted", "accepted"), ("duplicate", "duplicate")]
    assert Event.objects.filter(id__in=[r["id"] for r in records]).count() == 2
    assignment_a.refresh_from_db()
    assert assignment_a.status == "en_route"


def test_same_id_from_two_devices_at_once_stores_one_and_rejects_the_other(personas, assignment_a):
    # given
    first_id, _ = personas.device(personas.a.patrol_officers[0])
    second_id, _ = personas.device(personas.a.patrol_officers[1])
    record = event("ack", assignment_a)
    start = threading.Barrier(2)

    def push(device_id: str) -> Callable[[], list[dict[str, Any]]]:
        def run() -> list[dict[str, Any]]:
            device = Device.objects.select_related("officer").get(pk=device_id)
            start.wait(10)
            return push_records(device=device, body_or_records=[record], clock=None, via="ws")

        return run

    # when
    threads = [in_thread(push(first_id)), in_thread(push(second_id))]
    for thread, _ in threads:
        thread.join(30)

    # then
    statuses = sorted(out["result"][0]["status"] for _, out in threads)
    assert statuses == ["accepted", "rejected"]
    assert Event.objects.filter(pk=record["id"]).count() == 1


def test_two_units_acknowledge_one_incident_concurrently(personas, incident_a):
    # given: the incident is assigned to the patrol car and the inspector
    car = dispatch(incident=incident_a, unit=personas.a.patrol)
    inspector = dispatch(incident=incident_a, unit=personas.a.inspector_unit)
    car_device, _ = personas.device(personas.a.patrol_officers[0])
    inspector_device, _ = personas.device(personas.a.inspector)
    start = threading.Barrier(2)

    def ack(device_id: str, assignment: Any) -> Callable[[], list[dict[str, Any]]]:
        def run() -> list[dict[str, Any]]:
            device = Device.objects.select_related("officer").get(pk=device_id)
            start.wait(10)
            return push_records(
                device=device, body_or_records=[event("ack", assignment)], clock=None, via="http"
            )

        return run

    # when
    threads = [in_thread(ack(car_device, car)), in_thread(ack(inspector_device, inspector))]
    for thread, _ in threads:
        thread.join(30)

    # then
    assert [out["result"][0]["disposition"] for _, out in threads] == ["applied", "applied"]
    car.refresh_from_db()
    inspector.refresh_from_db()
    assert (car.status, inspector.status) == ("acknowledged", "acknowledged")
