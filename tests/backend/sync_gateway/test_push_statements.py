"""What a device push costs in statements and compilations beyond the ORM's minimum
(docs/benchmarks.md, "Push CPU, 2026-12-07"): no savepoint of its own inside its unit of
work, the enrolment floor read with the device's lock, the device's token, lock, replay
check and anchor by precomposed statements — and the unique key's race still retried."""

from __future__ import annotations

from typing import Any
from unittest.mock import patch

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backend.devices.models import Device, digest
from backend.devices.services import device_authenticate
from backend.dispatch.models import Event
from backend.ledger.models import AuditEntry
from backend.sync_gateway import push as push_module
from backend.sync_gateway.models import QuarantinedRecord, TimeAnchor
from tests.backend.sync_gateway.test_push_cost import compiled, position
from tests.backend.sync_support import SyncApi


def statements(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries]


@pytest.mark.django_db
def test_a_position_push_takes_one_savepoint_and_reads_the_floor_with_the_lock(device_a1):
    device_a1.push(position())  # the unit has a position: the full path runs

    with CaptureQueriesContext(connection) as queries:
        (result,) = device_a1.push(position())

    sqls = statements(queries)
    assert result["status"] == "accepted"
    # the test's transaction holds the unit of work's savepoint, and nothing else opens one
    # (the push's own atomic() was a second pair inside it)
    assert sum(s.startswith("SAVEPOINT") for s in sqls) == 1
    assert sum(s.startswith("RELEASE SAVEPOINT") for s in sqls) == 1
    # the first code used, read in the statement that locks the device (it was a statement
    # of its own, every push)
    (floor,) = [s for s in sqls if "devices_enrolmentcode" in s]
    assert '"devices_device"' in floor
    assert "revoked_at" in floor
    if connection.vendor == "postgresql":
        assert floor.endswith("FOR UPDATE")
    # in the test's transaction (no fan-out after commit): 22 before, 19 now
    assert len(sqls) == 19, sqls


@pytest.mark.django_db
def test_the_push_path_compiles_no_read_of_the_device_its_lock_replay_or_anchor(device_a1):
    device_a1.push(position())

    with compiled() as tables:
        (result,) = device_a1.push(position())

    assert result["disposition"] == "applied"
    # the token's read, the device's lock, the replay check and the anchor's insert are
    # precomposed (8 compiled before: these four and the event, its flip, the unit, the
    # membership's read)
    assert "devices_device" not in tables
    assert "sync_gateway_timeanchor" not in tables
    assert tables.count("dispatch_event") == 2, tables  # the insert and the flip
    assert len(tables) <= 4, tables


@pytest.mark.django_db
def test_a_device_read_by_its_token_is_the_querysets_device_with_its_officer(
    personas, django_assert_num_queries
):
    device_id, token = personas.device(personas.a.patrol_officers[0])
    device_authenticate(token)  # compiled here (or by an earlier test)

    with compiled() as tables, django_assert_num_queries(1):
        device = device_authenticate(token)
        officer = device.officer  # loaded with it

    expected = Device.objects.select_related("officer").get(token_hash=digest(token))

    def fields(obj: Any) -> dict[str, Any]:
        return {k: v for k, v in obj.__dict__.items() if k != "_state"}

    assert tables == []
    assert device.pk == device_id
    assert fields(device) == fields(expected)
    assert fields(officer) == fields(expected.officer)
    assert not device._state.adding
    assert device._state.db == "default"
    assert not officer._state.adding
    assert officer._state.db == "default"
    assert officer.district_id == personas.a.district.pk


@pytest.mark.django_db
def test_an_unknown_or_revoked_token_is_still_refused(personas, client):
    from backend.devices.services import DeviceRevoked, Unauthenticated

    device_id, token = personas.device(personas.a.patrol_officers[0])
    with pytest.raises(Unauthenticated):
        device_authenticate("no-such-token")
    Device.objects.filter(pk=device_id).update(
        revoked_at=Device.objects.get(pk=device_id).enrolled_at
    )
    with pytest.raises(DeviceRevoked):
        device_authenticate(token)


def _race(personas: Any, client: Any) -> list[dict[str, Any]]:
    """B's phone stored an id; A's push of the same id misses it in the replay check (as if
    B committed just after it), hits the unique key, and retries once."""
    _b_id, b_token = personas.device(personas.b.patrol_officers[0])
    _a_id, a_token = personas.device(personas.a.patrol_officers[0])
    record = position(id="evt-raced-0000001")
    (first,) = SyncApi(client, b_token).push(record)
    assert first["status"] == "accepted"

    real = push_module._stored_events
    calls: list[list[str]] = []

    def missed_once(ids: list[str]) -> dict[str, dict[str, Any]]:
        calls.append(ids)
        return {} if len(calls) == 1 else real(ids)

    with patch.object(push_module, "_stored_events", missed_once):
        results = SyncApi(client, a_token).push(record, position())
    assert len(calls) == 2  # the retry read the stored event
    return results


def _check_race(results: list[dict[str, Any]]) -> None:
    raced, other = results
    assert raced["status"] == "rejected"
    assert raced["reason"] == "id_reused"
    assert other["status"] == "accepted"
    assert Event.objects.filter(id="evt-raced-0000001").count() == 1
    assert QuarantinedRecord.objects.filter(record_id="evt-raced-0000001").count() == 1
    assert AuditEntry.objects.filter(action="security.event_id_reused").count() == 1
    # the first attempt's anchor and position were rolled back with it: one of each kept
    assert Event.objects.filter(id=other["id"]).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_unique_keys_race_is_retried_in_a_fresh_transaction(personas, client):
    results = _race(personas, client)

    _check_race(results)
    assert TimeAnchor.objects.count() == 2  # B's push and A's second attempt


@pytest.mark.django_db
def test_the_unique_keys_race_is_retried_inside_a_callers_transaction(personas, client):
    # the test's transaction is the caller's: the unit of work's savepoint is rolled back to
    results = _race(personas, client)

    _check_race(results)
    assert TimeAnchor.objects.count() == 2


@pytest.mark.django_db
def test_an_anchor_is_stored_as_the_orm_stored_it(device_a1):
    device_a1.elapsed_ms = 123_456
    device_a1.push(position(elapsed_ms=123_000))

    anchor = TimeAnchor.objects.get()
    device = Device.objects.get(token_hash=digest(device_a1.token))
    assert (anchor.device_id, anchor.boot_id, anchor.elapsed_ms) == (device.pk, "boot-1", 123_456)
    assert anchor.transit_ms > 0
    assert anchor.server_ms > 0
    assert anchor.wall_ms > 0
