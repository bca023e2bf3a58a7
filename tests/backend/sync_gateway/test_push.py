import datetime as dt
import gzip

import orjson
import pytest

from backend.common import clock
from backend.devices.models import Device
from backend.devices.services import device_revoke
from backend.dispatch.models import Conflict, Event
from backend.ledger.models import AuditEntry
from backend.sync_gateway.models import QuarantinedRecord
from tests.backend.sync_support import SyncApi

from .conftest import cancel, dispatch, event, ids


def batch(*events):
    return {
        "changes": {"events": {"created": list(events), "updated": [], "deleted": []}},
        "lastPulledAt": None,
    }


@pytest.mark.django_db
def test_clean_offline_batch_is_applied_and_comes_back_in_the_next_pull(
    personas, assignment_a, device_a1
):
    # given
    device_a1.pull(None)
    ack = event("ack", assignment_a)
    en_route = event("en_route", assignment_a)
    note = event("note", assignment_a, payload={"text": "gate locked"})

    # when
    results = device_a1.push(ack, en_route, note)
    body = device_a1.pull()

    # then
    assert results == [
        {"id": ack["id"], "status": "accepted", "disposition": "applied"},
        {"id": en_route["id"], "status": "accepted", "disposition": "applied"},
        {"id": note["id"], "status": "accepted", "disposition": "recorded"},
    ]
    assignment_a.refresh_from_db()
    assert assignment_a.status == "en_route"
    assert (assignment_a.acknowledged_event_id, assignment_a.en_route_event_id) == (
        ack["id"],
        en_route["id"],
    )
    personas.a.patrol.refresh_from_db()
    assert personas.a.patrol.status == "en_route"
    assert ids(body, "events") == sorted([ack["id"], en_route["id"], note["id"]])
    assert ids(body, "assignments") == [str(assignment_a.pk)]
    pulled = {e["id"]: e for e in body["changes"]["events"]["updated"]}
    assert pulled[note["id"]]["payload"] == '{"text":"gate locked"}'
    assert pulled[ack["id"]]["disposition"] == "applied"
    assert pulled[ack["id"]]["estimate_method"] == "anchor"


@pytest.mark.django_db
def test_the_same_batch_twice_stores_once_and_answers_duplicate(assignment_a, device_a1):
    # given
    ack = event("ack", assignment_a)
    first = device_a1.push(ack)

    # when
    second = device_a1.push(ack)

    # then
    assert first == [{"id": ack["id"], "status": "accepted", "disposition": "applied"}]
    assert second == [{"id": ack["id"], "status": "duplicate", "disposition": "applied"}]
    assert Event.objects.filter(kind="ack").count() == 1


@pytest.mark.django_db
def test_overlapping_batches_store_each_event_once(assignment_a, device_a1):
    # given
    a, b, c = (event(k, assignment_a) for k in ("ack", "en_route", "on_scene"))
    device_a1.push(a, b)

    # when
    results = device_a1.push(b, c)

    # then
    assert [r["status"] for r in results] == ["duplicate", "accepted"]
    assert sorted(
        Event.objects.filter(kind__in=["ack", "en_route", "on_scene"]).values_list("id", flat=True)
    ) == sorted([a["id"], b["id"], c["id"]])


@pytest.mark.django_db
def test_same_id_twice_in_one_batch_is_stored_once(assignment_a, device_a1):
    # given
    ack = event("ack", assignment_a)

    # when
    results = device_a1.push(ack, ack)

    # then
    assert results == [
        {"id": ack["id"], "status": "accepted", "disposition": "applied"},
        {"id": ack["id"], "status": "duplicate", "disposition": "applied"},
    ]


@pytest.mark.django_db
def test_same_id_with_other_content_is_rejected_audited_and_quarantined(assignment_a, device_a1):
    # given
    ack = event("ack", assignment_a)
    device_a1.push(ack)
    forged = {**ack, "device_time": ack["device_time"] - 60_000}

    # when
    results = device_a1.push(forged)

    # then
    assert results[0]["status"] == "rejected"
    assert results[0]["reason"] == "id_reused"
    assert Event.objects.get(pk=ack["id"]).device_time == ack["device_time"]
    assert AuditEntry.objects.filter(action="security.event_id_reused").count() == 1
    kept = QuarantinedRecord.objects.get()
    assert (kept.reason, kept.record_id, orjson.loads(kept.raw)) == ("id_reused", ack["id"], forged)


@pytest.mark.django_db
def test_invalid_and_read_only_records_are_quarantined_and_the_rest_applied(
    personas, assignment_a, device_a1
):
    # given
    good = event("ack", assignment_a)
    bad_kind = event("teleport", assignment_a)
    body = {
        "changes": {
            "events": {"created": [good, bad_kind], "updated": [good], "deleted": ["x" * 16]},
            "assignments": {
                "created": [],
                "updated": [{"id": str(assignment_a.pk), "status": "cleared"}],
                "deleted": [],
            },
        }
    }

    # when
    response = device_a1.push_raw(body)

    # then
    assert response.status_code == 200
    statuses = [(r["status"], r.get("reason")) for r in response.json()["results"]]
    assert statuses == [
        ("accepted", None),
        ("rejected", "unknown_kind"),
        ("rejected", "read_only"),
        ("rejected", "read_only"),
        ("rejected", "read_only"),
    ]
    assert sorted(QuarantinedRecord.objects.values_list("table", "operation", "reason")) == [
        ("assignments", "updated", "read_only"),
        ("events", "created", "unknown_kind"),
        ("events", "deleted", "read_only"),
        ("events", "updated", "read_only"),
    ]
    assignment_a.refresh_from_db()
    assert assignment_a.status == "acknowledged"


@pytest.mark.django_db
def test_event_for_an_unknown_assignment_is_rejected_and_quarantined(device_a1):
    # when
    results = device_a1.push(event("ack", 999999))

    # then
    assert results[0]["status"] == "rejected"
    assert results[0]["reason"] == "unknown_assignment"
    assert Event.objects.filter(kind="ack").count() == 0
    assert QuarantinedRecord.objects.get().reason == "unknown_assignment"


@pytest.mark.django_db
def test_arrival_recorded_before_the_cancellation_counts(personas, assignment_a, device_a1):
    # given: on scene 20 s ago, offline; the duty officer cancels 10 s ago
    arrived = event(
        "on_scene", assignment_a, elapsed_ms=100_000 - 20_000, device_time=clock.now_ms() - 20_000
    )
    cancel(assignment_a, at=clock.now() - dt.timedelta(seconds=10))

    # when
    results = device_a1.push(arrived)

    # then
    assert results[0]["disposition"] == "applied"
    assignment_a.refresh_from_db()
    assert (assignment_a.status, assignment_a.on_scene_event_id) == ("cancelled", arrived["id"])
    assert Conflict.objects.count() == 0


@pytest.mark.django_db
def test_arrival_recorded_after_the_cancellation_is_after_cancel_with_conflict(
    personas, assignment_a, device_a1
):
    # given: cancelled 30 s ago; the officer arrives 5 s ago, offline
    cancel(assignment_a, at=clock.now() - dt.timedelta(seconds=30), by=personas.duty)
    arrived = event(
        "on_scene", assignment_a, elapsed_ms=100_000 - 5_000, device_time=clock.now_ms() - 5_000
    )

    # when
    results = device_a1.push(arrived)

    # then
    assert results[0]["disposition"] == "after_cancel"
    assignment_a.refresh_from_db()
    assert (assignment_a.status, assignment_a.on_scene_at) == ("cancelled", None)
    conflict = Conflict.objects.get()
    assert (conflict.kind, conflict.event_id) == ("after_cancel", arrived["id"])
    assert conflict.device_side["estimate_method"] == "anchor"
    assert conflict.device_side["device_time"] == arrived["device_time"]
    assert conflict.server_side["command"]["name"] == "cancel"


@pytest.mark.django_db
def test_sos_sets_the_unit_status_and_is_audited(personas, device_a1):
    # when
    results = device_a1.push(event("sos", None, lat=47.97, lon=80.44))

    # then
    assert results[0]["status"] == "accepted"
    unit = personas.a.patrol
    unit.refresh_from_db()
    assert (unit.status, unit.lat, unit.lon) == ("sos", 47.97, 80.44)
    assert AuditEntry.objects.filter(action="unit.sos").count() == 1


@pytest.mark.django_db
def test_a_milestone_after_the_sos_leaves_the_unit_in_sos(personas, assignment_a, device_a1):
    # given: the officer pressed SOS on the way to a call
    now = clock.now_ms()
    device_a1.push(event("sos", None, lat=47.97, lon=80.44, device_time=now, elapsed_ms=100_000))

    # when: a second later the crew's phone taps "en route" on the call (the walk: the
    # partner's phone lifted the SOS, the board lost "Officer safe" and the red row)
    results = device_a1.push(
        event("en_route", assignment_a, device_time=now + 1_000, elapsed_ms=101_000)
    )

    # then: the milestone is the call's; only "Officer safe" or the officer's own status
    # ends the SOS
    assert results[0]["disposition"] == "applied"
    assignment_a.refresh_from_db()
    assert assignment_a.status == "en_route"
    unit = personas.a.patrol
    unit.refresh_from_db()
    assert unit.status == "sos"


@pytest.mark.django_db
def test_an_sos_sent_as_a_unit_status_raises_the_alarm(personas, device_a1):
    # when: another app sends the SOS as the unit's status (the protocol allows "sos" there)
    results = device_a1.push(
        event("unit_status", None, payload={"status": "sos"}, lat=47.97, lon=80.44)
    )

    # then: the alarm, as for the sos kind (it set the status only: no audit, no alert)
    assert results[0]["status"] == "accepted"
    unit = personas.a.patrol
    unit.refresh_from_db()
    assert unit.status == "sos"
    assert AuditEntry.objects.filter(action="unit.sos").count() == 1


@pytest.mark.django_db
def test_an_sos_naming_another_units_call_still_raises_the_alarm(personas, device_a1, incident_a):
    # given: the call is the inspector's, not this patrol car's
    theirs = dispatch(incident=incident_a, unit=personas.a.inspector_unit)

    # when: the patrol officer's SOS names it (the app sent the call on screen)
    device_a1.push(event("sos", theirs, lat=47.97, lon=80.44))

    # then: the officer in danger is the alarm, whatever call the event names
    unit = personas.a.patrol
    unit.refresh_from_db()
    assert unit.status == "sos"
    assert AuditEntry.objects.filter(action="unit.sos", object_id=str(unit.pk)).count() == 1


@pytest.mark.django_db
def test_push_of_more_than_500_events_is_too_large(device_a1):
    # when
    response = device_a1.push_raw(
        batch(*[event("note", None, payload={"text": "x"}) for _ in range(501)])
    )

    # then
    assert response.status_code == 413
    assert response.json()["error"] == "too_large"
    assert Event.objects.count() == 0


@pytest.mark.django_db
def test_a_bare_list_over_http_is_malformed_and_not_a_way_past_the_limit(device_a1):
    # when: the WebSocket's shape (a list of records) sent as an HTTP push, 501 of them
    response = device_a1.push_raw([event("note", None, payload={"text": "x"}) for _ in range(501)])

    # then: refused as a whole, nothing stored (it was taken as records, past the limit)
    assert response.status_code == 400
    assert response.json()["error"] == "malformed"
    assert Event.objects.count() == 0


@pytest.mark.django_db
def test_records_under_an_operation_the_protocol_has_not_are_refused_not_lost(
    assignment_a, device_a1
):
    # when: an app's own key beside WatermelonDB's three
    response = device_a1.push_raw(
        {
            "changes": {
                "events": {
                    "created": [event("ack", assignment_a)],
                    "upserted": [event("note", None, payload={"text": "x"})],
                }
            }
        }
    )

    # then: refused as a whole, so the app keeps both in its outbox (the note used to be
    # neither stored nor answered, behind a 200 for the push)
    assert response.status_code == 400
    assert response.json()["error"] == "malformed"
    assert response.json()["detail"] == (
        "changes.events has 'upserted'; only created, updated and deleted are read"
    )
    assert Event.objects.count() == 0


@pytest.mark.django_db
def test_more_than_500_events_over_the_socket_are_too_large(personas):
    from backend.sync_gateway.push import push_records
    from sync.protocol import ProtocolError

    device_id, _token = personas.device(personas.a.patrol_officers[0])
    device = Device.objects.get(pk=device_id)
    records = [event("note", None, payload={"text": "x"}) for _ in range(501)]

    with pytest.raises(ProtocolError) as refused:
        push_records(device=device, body_or_records=records, clock=None, via="ws")

    assert refused.value.code == "too_large"
    assert Event.objects.count() == 0


@pytest.mark.django_db
def test_push_body_over_one_mebibyte_is_too_large(device_a1):
    # when
    response = device_a1.push_raw(b"{" + b" " * (1 << 20) + b"}")

    # then
    assert response.status_code == 413


@pytest.mark.django_db
def test_gzip_bomb_is_refused_as_too_large(device_a1):
    # given: 1 KiB of gzip that inflates to 32 MiB
    bomb = gzip.compress(
        b'{"changes":{"events":{"created":[]}}, "pad":"' + b"a" * (32 << 20) + b'"}'
    )

    # when
    response = device_a1.push_raw(bomb, HTTP_CONTENT_ENCODING="gzip")

    # then
    assert len(bomb) < 64 * 1024
    assert response.status_code == 413


@pytest.mark.django_db
def test_gzip_request_and_response(assignment_a, device_a1):
    # given
    body = gzip.compress(orjson.dumps(batch(event("ack", assignment_a))))

    # when
    response = device_a1.push_raw(body, HTTP_CONTENT_ENCODING="gzip", HTTP_ACCEPT_ENCODING="gzip")
    pulled = device_a1.client.get(
        "/api/sync/v1/pull",
        {"last_pulled_at": "null", "schema_version": 1},
        HTTP_ACCEPT_ENCODING="gzip",
        **device_a1.headers(),
    )

    # then
    assert response.status_code == 200
    assert orjson.loads(response.content)["results"][0]["status"] == "accepted"
    assert pulled["Content-Encoding"] == "gzip"
    assert orjson.loads(gzip.decompress(pulled.content))["experimentalStrategy"] == "replacement"


@pytest.mark.django_db
def test_a_gzip_body_of_several_members_is_read_whole(assignment_a, device_a1):
    """Only the first gzip member was read: the records in the next ones were dropped in
    silence, neither stored nor answered."""
    # given: one push written as three gzip members (RFC 1952 §2.2), each cut mid-record
    records = [event("ack", assignment_a), event("note", assignment_a, payload={"text": "ворота"})]
    body = orjson.dumps(batch(*records))
    members = b"".join(gzip.compress(body[i : i + 90]) for i in range(0, len(body), 90))

    # when
    response = device_a1.push_raw(members, HTTP_CONTENT_ENCODING="gzip")

    # then: both records are answered and stored
    assert len(body) > 180
    assert response.status_code == 200
    assert [(r["id"], r["status"]) for r in response.json()["results"]] == [
        (records[0]["id"], "accepted"),
        (records[1]["id"], "accepted"),
    ]
    assert set(Event.objects.values_list("id", flat=True)) == {r["id"] for r in records}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("tail", "status", "error"),
    [(b"garbage", 400, "malformed"), (gzip.compress(b" " * (17 << 20)), 413, "too_large")],
)
def test_a_gzip_body_with_bad_bytes_after_its_end_is_refused_and_nothing_stored(
    assignment_a, device_a1, tail, status, error
):
    # given: a whole push in gzip, then bytes that are no gzip member, or a member that
    # inflates past the 16 MiB bound
    body = gzip.compress(orjson.dumps(batch(event("ack", assignment_a)))) + tail

    # when
    response = device_a1.push_raw(body, HTTP_CONTENT_ENCODING="gzip")

    # then: refused in JSON — the push is not taken as the first member alone
    assert (response.status_code, response.json()["error"]) == (status, error)
    assert not Event.objects.exists()


@pytest.mark.django_db
def test_malformed_json_is_400(device_a1):
    # when
    response = device_a1.push_raw(b"{not json")

    # then
    assert response.status_code == 400
    assert response.json()["error"] == "malformed"
    assert isinstance(response.json()["server_time"], int)


@pytest.mark.django_db
def test_old_schema_version_is_426(device_a1):
    # when
    response = device_a1.pull_raw("null", schema_version=0)

    # then
    assert response.status_code == 426
    assert response.json()["error"] == "upgrade_required"


@pytest.mark.django_db
def test_unknown_token_is_401(device_a1):
    # given
    device_a1.token = "nope"

    # when
    response = device_a1.pull_raw()

    # then
    assert response.status_code == 401
    assert response.json()["error"] == "unauthenticated"


@pytest.mark.django_db
def test_revoked_device_is_told_to_wipe(personas, device_a1):
    # given
    device = Device.objects.get(officer=personas.a.patrol_officers[0])
    device_revoke(device=device, by=personas.a.chief, reason="lost")

    # when
    response = device_a1.push_raw(batch(event("note", None, payload={"text": "hi"})))

    # then
    assert response.status_code == 401
    assert response.json()["error"] == "device_revoked"
    assert response.json()["wipe"] is True
    assert Event.objects.count() == 0


@pytest.mark.django_db
def test_more_requests_than_the_rate_limit_get_429_with_retry_after(device_a1, settings):
    # given
    settings.KUZET_SYNC_RATE_PER_MINUTE = 3
    statuses = [device_a1.pull_raw().status_code for _ in range(3)]

    # when
    response = device_a1.pull_raw()

    # then
    assert statuses == [200, 200, 200]
    assert response.status_code == 429
    assert response.json()["error"] == "rate_limited"
    assert 1 <= int(response["Retry-After"]) <= 60


@pytest.mark.django_db
def test_push_query_count_is_bounded_for_fifty_events(
    personas, assignment_a, device_a1, django_assert_max_num_queries
):
    # given
    notes = [event("note", assignment_a, payload={"text": f"n{i}"}) for i in range(48)]
    events = [event("ack", assignment_a), event("en_route", assignment_a), *notes]

    # when / then
    with django_assert_max_num_queries(40):
        results = device_a1.push(*events)
    assert {r["status"] for r in results} == {"accepted"}


@pytest.mark.django_db
def test_officer_moved_off_the_unit_is_not_the_assignee(personas, assignment_a, device_a1):
    # given: the officer left the patrol car (no unit now) but the phone still has the job
    officer = personas.a.patrol_officers[0]
    officer.unit = None
    officer.save(update_fields=["unit"])

    # when
    results = device_a1.push(event("ack", assignment_a))

    # then
    assert results[0]["disposition"] == "not_assignee"
    assignment_a.refresh_from_db()
    assert assignment_a.acknowledged_at is None
    assert Conflict.objects.get().kind == "not_assignee"


@pytest.mark.django_db
def test_a_phone_of_another_district_cannot_write_onto_its_calls(personas, assignment_a, device_b1):
    # when: B's patrol phone names A's assignment, and an assignment that does not exist
    results = device_b1.push(
        event("ack", assignment_a),
        event("note", assignment_a, payload={"text": "flood"}),
        event("note", assignment_id="999999", payload={"text": "flood"}),
    )

    # then: refused alike — the answer tells no real id from an invented one
    assert [(r["status"], r["reason"]) for r in results] == [("rejected", "unknown_assignment")] * 3
    assert {r["detail"] for r in results[:2]} == {f"no assignment {assignment_a.pk}"}
    # nothing on A's call, nothing in A's chief's queue; kept for B's chief
    assert not Event.objects.filter(incident=assignment_a.incident).exists()
    assignment_a.refresh_from_db()
    assert assignment_a.acknowledged_at is None
    assert not Conflict.objects.exists()
    assert set(QuarantinedRecord.objects.values_list("district_id", flat=True)) == {
        personas.b.district.pk
    }


@pytest.mark.django_db
def test_notes_on_a_colleague_s_call_ask_the_chief_once_until_answered(
    personas, assignment_a, client
):
    # given: the inspector of A's district, whose unit is not the one sent
    _device_id, token = personas.device(personas.a.inspector)
    inspector = SyncApi(client, token)

    # when: his phone writes fifty notes on the patrol's call, in two pushes
    first = inspector.push(
        *[event("note", assignment_a, payload={"text": f"n{i}"}) for i in range(25)]
    )
    second = inspector.push(
        *[event("note", assignment_a, payload={"text": f"m{i}"}) for i in range(25)]
    )

    # then: every note is kept as a fact on another's work; the chief is asked once
    assert {(r["status"], r["disposition"]) for r in first + second} == {
        ("accepted", "not_assignee")
    }
    assert Event.objects.filter(assignment=assignment_a, kind="note").count() == 50
    conflict = Conflict.objects.get()
    assert (conflict.kind, conflict.district_id) == ("not_assignee", personas.a.district.pk)

    # when: the chief answers it, and the phone writes again
    Conflict.objects.update(state="resolved", resolution="noted", resolved_at=clock.now())
    inspector.push(event("note", assignment_a, payload={"text": "again"}))

    # then: asked again
    assert Conflict.objects.filter(state="open").count() == 1


@pytest.mark.django_db
def test_a_resend_in_another_spelling_is_a_duplicate_and_the_payload_comes_back_compact(
    assignment_a, device_a1
):
    """docs/protocol.md §2 and §4: *same content* compares parsed values, and `payload`
    returns as compact JSON text of the stored value (jsonb key order on PostgreSQL)."""
    # given: an SOS sent with its payload as text, the assignment id as a string
    payload = {"last_lat": 50.41, "last_lon": 80.26, "last_fix_age_ms": 600000}
    text = orjson.dumps(payload, option=orjson.OPT_INDENT_2).decode()
    sent = event("sos", assignment_a, payload=text)
    (first,) = device_a1.push(sent)

    # when: the retry of a client that kept the record otherwise
    respelled = {
        **sent,
        "payload": dict(reversed(payload.items())),
        "assignment_id": assignment_a.pk,
        "device_time": float(sent["device_time"]),
        "_status": "created",
        "_changed": "",
    }
    (again,) = device_a1.push(respelled)
    pulled = device_a1.pull(None)

    # then
    assert first["status"] == "accepted"
    assert again == {"id": sent["id"], "status": "duplicate", "disposition": first["disposition"]}
    (record,) = [e for e in pulled["changes"]["events"]["updated"] if e["id"] == sent["id"]]
    assert orjson.loads(record["payload"]) == payload
    assert " " not in record["payload"]


@pytest.mark.django_db
def test_a_push_that_fails_midway_answers_500_with_server_time_and_keeps_nothing(
    assignment_a, device_a1, monkeypatch
):
    # given: the quarantine's write fails after the good event was applied in the transaction
    def fail(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(QuarantinedRecord.objects, "bulk_create", fail)
    device_a1.client.raise_request_exception = False

    # when
    now = clock.now()
    with clock.frozen(now):
        response = device_a1.push_raw(batch(event("ack", assignment_a), event("ack", None)))

    # then: a retry sends both again; nothing of the first try is stored to answer for
    assert response.status_code == 500
    assert response.json() == {
        "error": "server_error",
        "detail": "Server error; retry with backoff.",
        "server_time": clock.to_ms(now),
    }
    assert Event.objects.filter(kind="ack").count() == 0
    assert QuarantinedRecord.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("age", [2**53 - 1, 1e300])
def test_an_sos_with_an_impossible_fix_age_is_the_alarm_and_the_batch_is_stored(
    assignment_a, device_a1, age
):
    # given: a fix age no phone has (an uninitialised clock field), beside a note
    sos = event(
        "sos", assignment_a, payload={"last_lat": 47.9, "last_lon": 80.4, "last_fix_age_ms": age}
    )
    note = event("note", None, payload={"text": "beside the SOS"})

    # when
    results = device_a1.push(sos, note)

    # then: the age overflowed the date: a 500 for the whole push, and for every retry
    assert [r["status"] for r in results] == ["accepted", "accepted"]
    assert Event.objects.filter(kind__in=["sos", "note"]).count() == 2
    assignment_a.unit.refresh_from_db()
    assert assignment_a.unit.status == "sos"
