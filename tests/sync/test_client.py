"""The reference device client against a fake in-memory server: outbox, pull loop,
replacement snapshots, push batches, retries, gzip, the clock header and revocation."""

from __future__ import annotations

import json

import httpx
import pytest

from sync.client import (
    DeviceClient,
    DeviceRevoked,
    HttpxTransport,
    SimulatedClock,
    SyncError,
    SyncUnavailable,
    Unauthenticated,
    enroll,
)
from sync.protocol import ClockHeader
from sync.scope import NOTHING_SERVED

HOUR = 3_600_000


def test_enrolment_keeps_token_and_device_id(make_device, server):
    # when
    device = make_device(enrol=True)

    # then
    assert device.device_id == "dev_1"
    assert server.tokens[device.token] == "dev_1"
    assert server.seen[0].body["device"]["install_id"] == device.install_id
    assert server.codes == {}


def test_enrolment_with_a_used_code_is_refused(server):
    # given
    code = server.issue_code()
    enroll(server, code, {"install_id": "i1"})

    # when
    with pytest.raises(SyncError) as caught:
        enroll(server, code, {"install_id": "i2"})

    # then
    assert (caught.value.status, caught.value.code) == (403, "forbidden")
    assert len(server.tokens) == 1


def test_recorded_event_waits_in_the_outbox_across_restarts(make_device, true_time):
    # given
    device = make_device()
    event_id = device.record_event("ack", "42")
    device.close()

    # when
    reopened = make_device()

    # then
    assert [e["id"] for e in reopened.outbox()] == [event_id]
    assert reopened.record("events", event_id)["_status"] == "created"
    assert reopened.outbox()[0] == {
        "id": event_id,
        "kind": "ack",
        "assignment_id": "42",
        "device_time": true_time.now,
        "boot_id": reopened.outbox()[0]["boot_id"],
        "elapsed_ms": 0,
        "lat": None,
        "lon": None,
        "accuracy_m": None,
        "gps_time": None,
        "payload": "{}",
    }


def test_event_ids_look_like_watermelondb_ids(make_device):
    # when
    event_id = make_device().record_event("note", payload={"text": "x"})

    # then
    assert len(event_id) == 16
    assert event_id.isalnum()


def test_invalid_event_is_refused_before_it_reaches_the_outbox(make_device):
    # given
    device = make_device()

    # when
    with pytest.raises(ValueError, match="invalid_field: a ack event needs an assignment_id"):
        device.record_event("ack")

    # then
    assert device.outbox() == []


def test_sync_stores_the_event_once_and_empties_the_outbox(make_device, server):
    # given
    device = make_device()
    event_id = device.record_event("on_scene", "42", lat=49.21, lon=81.21, accuracy_m=8)

    # when
    summary = device.sync()

    # then
    assert summary.results == [{"id": event_id, "status": "accepted", "disposition": "applied"}]
    assert server.store_count == {event_id: 1}
    assert device.outbox() == []
    assert device.record("events", event_id) == server.tables["events"][event_id]


def test_push_success_alone_does_not_empty_the_outbox(make_device):
    # given
    device = make_device()
    event_id = device.record_event("ack", "42")

    # when
    results = device.push()

    # then
    assert results[0]["status"] == "accepted"
    assert [e["id"] for e in device.outbox()] == [event_id]


def test_lost_push_response_is_retried_and_stored_once(make_device, server, sleeps):
    # given: the server commits the push, then the response is lost
    device = make_device()
    event_id = device.record_event("ack", "42")
    device.pull()
    server.faults.append("drop_after")

    # when
    results = device.push()
    device.pull()

    # then
    assert results == [{"id": event_id, "status": "duplicate", "disposition": "applied"}]
    assert server.store_count == {event_id: 1}
    assert len(sleeps) == 1
    assert device.outbox() == []


def test_lost_push_response_then_a_new_session_keeps_the_event_until_a_pull_returns_it(
    make_device, server
):
    # given: the response is lost and every retry fails too
    device = make_device()
    event_id = device.record_event("ack", "42")
    server.faults.extend(["drop_after", "network_before", "network_before", "network_before"])

    # when
    with pytest.raises(SyncUnavailable):
        device.push()

    # then: the server has it, the device still holds it; the next sync settles it
    assert server.store_count == {event_id: 1}
    assert [e["id"] for e in device.outbox()] == [event_id]
    device.sync()
    assert device.outbox() == []
    assert server.store_count == {event_id: 1}


def test_server_errors_are_retried_with_exponential_backoff(make_device, server, sleeps):
    # given
    device = make_device()
    server.faults.extend(["500", "500", "500"])

    # when
    device.pull()

    # then: three delays of 0.5, 1 and 2 s scaled by jitter in [0.5, 1]
    assert len(sleeps) == 3
    for delay, base in zip(sleeps, (0.5, 1.0, 2.0), strict=True):
        assert base / 2 <= delay <= base
    assert device.last_pulled_at == NOTHING_SERVED


def test_rate_limit_is_obeyed_with_retry_after(make_device, server, sleeps):
    # given
    device = make_device()
    server.faults.append("429")

    # when
    device.pull()

    # then
    assert sleeps == [7.0]


def test_network_errors_exhaust_the_retries(make_device, server, sleeps):
    # given
    device = make_device()
    device.record_event("ack", "42")
    server.faults.extend(["network_before"] * 4)

    # when
    with pytest.raises(SyncUnavailable):
        device.push()

    # then
    assert len(sleeps) == 3
    assert server.store_count == {}
    assert len(device.outbox()) == 1


def test_revoked_device_wipes_local_data_and_stops(make_device, server):
    # given
    server.put("incidents", {"id": "1", "summary": "fight"})
    device = make_device()
    device.record_event("ack", "42")
    device.pull()
    server.revoked.add(device.device_id)

    # when
    with pytest.raises(DeviceRevoked):
        device.pull()

    # then
    assert device.records("incidents") == {}
    assert device.records("events") == {}
    assert device.outbox() == []
    assert device.token is None
    assert device.revoked is True
    requests = len(server.seen)
    with pytest.raises(DeviceRevoked):
        device.sync()
    assert len(server.seen) == requests


def test_unknown_token_is_refused_without_wiping(make_device, server):
    # given
    device = make_device()
    device.record_event("ack", "42")
    server.tokens.clear()

    # when
    with pytest.raises(Unauthenticated):
        device.push()

    # then
    assert len(device.outbox()) == 1
    assert device.revoked is False


def test_pull_loops_while_has_more_and_applies_deletes(make_device, server):
    # given
    server.page_size = 2
    server.put("units", {"id": "u1", "callsign": "A-1"})
    device = make_device()
    device.pull()
    for n in range(5):
        server.put("incidents", {"id": str(n), "summary": f"call {n}"})
    server.delete("incidents", "3")

    # when
    summary = device.pull()

    # then
    assert summary.pages == 3
    assert summary.replaced is False
    assert sorted(device.records("incidents")) == ["0", "1", "2", "4"]
    assert device.last_pulled_at == server.seq


def test_first_pull_is_a_paged_replacement_snapshot(make_device, server):
    # given
    server.page_size = 2
    for n in range(5):
        server.put("units", {"id": str(n), "callsign": f"A-{n}"})
    device = make_device()

    # when
    summary = device.pull()

    # then
    assert summary.pages == 3
    assert summary.replaced is True
    assert sorted(device.records("units")) == ["0", "1", "2", "3", "4"]
    assert device.last_pulled_at == server.seq


def test_stale_cursor_snapshot_drops_vanished_records_but_keeps_unpushed_events(
    make_device, server
):
    # given: the device holds incident 1 and an unpushed event; the server deletes incident 1
    # and prunes its log past the device's cursor
    server.put("incidents", {"id": "1", "summary": "fight"})
    server.put("incidents", {"id": "2", "summary": "theft"})
    device = make_device()
    device.pull()
    event_id = device.record_event("note", "2", {"text": "on my way"})
    server.delete("incidents", "1")
    server.put("incidents", {"id": "3", "summary": "noise"})
    server.prune(through=server.seq)

    # when
    summary = device.pull()

    # then
    assert summary.replaced is True
    assert sorted(device.records("incidents")) == ["2", "3"]
    assert list(device.records("events")) == [event_id]
    assert [e["id"] for e in device.outbox()] == [event_id]


def test_push_is_split_into_batches_of_at_most_500(make_device, server):
    # given
    device = make_device()
    for n in range(1200):
        device.record_event("note", payload={"text": f"n{n}"})

    # when
    results = device.push()

    # then
    pushes = [s for s in server.seen if s.path.startswith("/api/sync/v1/push")]
    assert [len(s.body["changes"]["events"]["created"]) for s in pushes] == [500, 500, 200]
    assert len(results) == 1200
    assert len(server.store_count) == 1200


def test_too_large_push_is_split_and_retried(make_device, server):
    # given
    server.push_limit = 3
    device = make_device()
    for n in range(7):
        device.record_event("note", payload={"text": f"n{n}"})

    # when
    results = device.push()

    # then
    pushes = [s for s in server.seen if s.path.startswith("/api/sync/v1/push")]
    assert [len(s.body["changes"]["events"]["created"]) for s in pushes] == [7, 3, 4, 2, 2]
    assert [r["status"] for r in results] == ["accepted"] * 7


def test_rejected_event_leaves_the_outbox_for_the_rejected_list(make_device, server):
    # given
    device = make_device()
    bad = device.record_event("ack", "999")
    good = device.record_event("ack", "42")
    server.reject_ids.add(bad)

    # when
    device.sync()

    # then
    assert device.outbox() == []
    assert device.rejected() == {bad: ("unknown_assignment", "no such assignment")}
    assert list(server.store_count) == [good]


def test_accepted_event_outside_the_scope_leaves_the_outbox_after_a_later_pull(make_device, server):
    # given: the server stores the event but never shows it to this device (not_assignee)
    device = make_device()
    event_id = device.record_event("ack", "77")
    server.hidden.add(event_id)

    # when
    device.sync()

    # then
    assert device.outbox() == []
    assert server.store_count == {event_id: 1}


def test_pushed_records_carry_watermelondb_bookkeeping_and_gzip(make_device, server):
    # given
    device = make_device()
    event_id = device.record_event("note", payload={"text": "Жол жабық"})

    # when
    device.push()

    # then
    push = next(s for s in server.seen if s.path.startswith("/api/sync/v1/push"))
    assert push.gzipped is True
    assert push.headers["accept-encoding"] == "gzip"
    assert push.headers["authorization"] == f"Device {device.token}"
    record = push.body["changes"]["events"]["created"][0]
    assert (record["id"], record["_status"], record["_changed"]) == (event_id, "created", "")
    assert json.loads(record["payload"]) == {"text": "Жол жабық"}
    assert push.body["lastPulledAt"] is None


def test_clock_header_follows_the_device_clock_and_its_reboots(make_device, server, true_time):
    # given: a device whose wall clock is 3 h fast
    clock = SimulatedClock(true_time, wall_offset_ms=3 * HOUR, boot_id="boot-1")
    device = make_device(clock=clock)
    true_time.advance(60_000)
    device.pull()
    clock.reboot(boot_id="boot-2")
    true_time.advance(5_000)

    # when
    device.pull()

    # then
    assert server.clocks[-2:] == [
        ClockHeader(true_time.now - 5_000 + 3 * HOUR, "boot-1", 60_000),
        ClockHeader(true_time.now + 3 * HOUR, "boot-2", 5_000),
    ]


def test_clock_header_is_rebuilt_on_every_attempt(make_device, server, true_time):
    # given: a server error, and a second passing during the backoff
    clock = SimulatedClock(true_time, boot_id="boot-1")
    device = make_device(clock=clock)
    server.faults.append("500")
    device.sleep = lambda seconds: true_time.advance(1_000)
    server.attempts.clear()

    # when
    device.pull()

    # then
    first, second = (ClockHeader.parse(h["x-device-clock"]) for h in server.attempts)
    assert second.wall_ms - first.wall_ms == 1_000
    assert second.elapsed_ms - first.elapsed_ms == 1_000


def test_httpx_transport_decodes_gzip_and_maps_network_errors():
    # given
    import gzip

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/down"):
            raise httpx.ConnectError("refused", request=request)
        assert request.headers["content-encoding"] == "gzip"
        echoed = json.loads(gzip.decompress(request.content))
        return httpx.Response(
            200,
            content=gzip.compress(json.dumps({"echo": echoed}).encode()),
            headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
        )

    transport = HttpxTransport(
        "http://kuzet.test",
        client=httpx.Client(base_url="http://kuzet.test", transport=httpx.MockTransport(handler)),
    )

    # when
    status, headers, body = transport(
        "POST", "/echo", {"Content-Encoding": "gzip"}, gzip.compress(b'{"a": 1}')
    )

    # then
    assert status == 200
    assert "content-encoding" not in headers
    assert json.loads(body) == {"echo": {"a": 1}}
    from sync.client import TransportError

    with pytest.raises(TransportError):
        transport("GET", "/down", {}, None)


def test_device_client_over_httpx_syncs_with_the_fake_server(tmp_path, server, true_time):
    # given: the fake server behind httpx's mock transport, as a live server would be
    def handler(request: httpx.Request) -> httpx.Response:
        status, headers, body = server(
            request.method,
            str(request.url.raw_path, "ascii"),
            dict(request.headers),
            request.content or None,
        )
        return httpx.Response(status, headers=headers, content=body)

    http = httpx.Client(base_url="http://kuzet.test", transport=httpx.MockTransport(handler))
    device = DeviceClient(
        tmp_path / "d.sqlite3",
        HttpxTransport("http://kuzet.test", client=http),
        clock=SimulatedClock(true_time),
    )
    device.enroll(server.issue_code())
    event_id = device.record_event("ack", "42")

    # when
    device.sync()

    # then
    assert server.store_count == {event_id: 1}
    assert device.outbox() == []
    device.close()


def _synchronous(client: DeviceClient) -> int:
    return int(client._db.execute("PRAGMA synchronous").fetchone()[0])


def test_the_store_flushes_every_commit_unless_told_otherwise(tmp_path, server):
    # SQLite: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA — a fact a real app recorded survives a power cut
    with DeviceClient(tmp_path / "real.sqlite3", server) as real:
        assert _synchronous(real) == 2
    with DeviceClient(tmp_path / "sim.sqlite3", server, synchronous="NORMAL") as simulated:
        assert _synchronous(simulated) == 1
    with pytest.raises(ValueError, match="synchronous"):
        DeviceClient(tmp_path / "bad.sqlite3", server, synchronous="NORMAL; DROP TABLE meta")


def test_an_answered_event_is_not_pushed_again_while_it_waits_for_a_pull(make_device, server):
    # given: an event the server accepted, still in the outbox (no pull has returned it)
    device = make_device()
    device.pull()
    first = device.record_event("ack", "42")
    device.push()
    second = device.record_event("en_route", "42")
    pushed_before = len([s for s in server.seen if s.method == "POST"])

    # when: the officer's next fact is pushed, and then nothing new
    results = device.push()
    nothing = device.push()

    # then: the second push carries only the new event, the third is no request at all;
    # the first waits in the outbox until the pull returns it
    posts = [s for s in server.seen if s.method == "POST"][pushed_before:]
    assert [[r["id"] for r in p.body["changes"]["events"]["created"]] for p in posts] == [[second]]
    assert results == [{"id": second, "status": "accepted", "disposition": "applied"}]
    assert nothing == []
    assert [e["id"] for e in device.outbox()] == [first, second]
    device.pull()
    assert device.outbox() == []
    assert server.store_count == {first: 1, second: 1}
