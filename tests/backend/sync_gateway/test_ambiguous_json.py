"""JSON a device may send that parses but does not say one thing: a key named twice, NaN and
Infinity (Python's json.dumps writes them), bytes that are not UTF-8. Until 2026-12-06 a
repeated key kept its last value and dropped the other without a word (``{"changes": A,
"changes": B}`` stored B's records, and A's were neither stored nor answered; an event with
``kind`` twice was stored as the last), and one NaN in one record refused the whole push —
every retry with it, the good records beside it stuck in the outbox."""

import json

import orjson
import pytest

from backend.dispatch.models import Event
from backend.sync_gateway.models import QuarantinedRecord

from .conftest import event


def created(*records: str) -> bytes:
    return ('{"changes": {"events": {"created": [' + ", ".join(records) + "]}}}").encode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "where"),
    [
        pytest.param(
            '{{"changes": {{"events": {{"created": [{a}]}}}}, '
            '"changes": {{"events": {{"created": [{b}]}}}}}}',
            "the push body has the key 'changes'",
            id="changes-twice",
        ),
        pytest.param(
            '{{"changes": {{"events": {{"created": [{a}]}}, "events": {{"created": [{b}]}}}}}}',
            "the push body has the key 'changes.events'",
            id="table-twice",
        ),
        pytest.param(
            '{{"changes": {{"events": {{"created": [{a}], "created": [{b}]}}}}}}',
            "the push body has the key 'changes.events.created'",
            id="created-twice",
        ),
    ],
)
def test_a_push_whose_envelope_names_a_key_twice_is_refused_whole(
    assignment_a, device_a1, body, where
):
    # given: two lists of records under one key
    a = json.dumps(event("ack", assignment_a))
    b = json.dumps(event("note", assignment_a, payload={"text": "b"}))

    # when
    response = device_a1.push_raw(body.format(a=a, b=b).encode())

    # then: 400 saying which key, and nothing stored (before: only b's records were)
    assert response.status_code == 400
    assert response.json()["detail"] == f"{where} more than once"
    assert not Event.objects.exists()


@pytest.mark.django_db
def test_a_record_that_names_a_key_twice_is_rejected_alone_and_kept_whole(assignment_a, device_a1):
    # given: a note that is also an ack, a payload with two texts, and a good record
    twice = event("note", assignment_a, payload={"text": "first"})
    twice_text = json.dumps(twice)[:-1] + ', "kind": "ack"}'
    payload = event("note", assignment_a, payload={"text": "a"})
    payload_text = json.dumps(payload).replace('{"text": "a"}', '{"text": "a", "text": "b"}')
    good = event("note", assignment_a, payload={"text": "good"})

    # when
    results = device_a1.push_raw(created(twice_text, payload_text, json.dumps(good))).json()

    # then
    assert results["results"] == [
        {"id": twice["id"], "status": "rejected", "reason": "invalid_field",
         "detail": "the record has the key 'kind' more than once"},
        {"id": payload["id"], "status": "rejected", "reason": "invalid_payload",
         "detail": "payload has the key 'text' more than once"},
        {"id": good["id"], "status": "accepted", "disposition": "recorded"},
    ]  # fmt: skip
    assert list(Event.objects.values_list("id", flat=True)) == [good["id"]]
    kept = QuarantinedRecord.objects.get(record_id=twice["id"]).raw
    assert '"kind":"note"' in kept  # both values, for the chief
    assert '"kind":"ack"' in kept


@pytest.mark.django_db
def test_nan_or_infinity_in_one_record_rejects_that_record_only(assignment_a, device_a1):
    # given: what Python's json.dumps writes for a float('nan') position
    bad = event("location", None, lat=float("nan"), lon=float("inf"))
    bad_payload = event("note", assignment_a, payload={"text": "x", "speed": float("-inf")})
    good = event("note", assignment_a, payload={"text": "good"})
    body = json.dumps(
        {"changes": {"events": {"created": [bad, bad_payload, good]}}, "lastPulledAt": None}
    ).encode()
    assert b"NaN" in body

    # when
    answer = device_a1.push_raw(body).json()

    # then
    assert answer["results"] == [
        {"id": bad["id"], "status": "rejected", "reason": "invalid_field",
         "detail": "lat is NaN, which is not a JSON number"},
        {"id": bad_payload["id"], "status": "rejected", "reason": "invalid_payload",
         "detail": "payload holds -Infinity, which is not JSON"},
        {"id": good["id"], "status": "accepted", "disposition": "recorded"},
    ]  # fmt: skip
    assert '"lat":NaN' in QuarantinedRecord.objects.get(record_id=bad["id"]).raw


@pytest.mark.django_db
def test_a_body_in_another_charset_says_it_is_not_utf8(assignment_a, device_a1):
    # given: a note in Windows-1251, as an old desktop tool would write it
    note = event("note", assignment_a, payload={"text": "Дверь закрыта"})
    body = orjson.dumps({"changes": {"events": {"created": [note]}}}).decode().encode("cp1251")

    # when
    response = device_a1.push_raw(body, CONTENT_TYPE="application/json; charset=windows-1251")

    # then: what is wrong, not "the body is not JSON"
    assert response.status_code == 400
    assert response.json()["detail"] == "the body is not UTF-8 text"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("migration", "detail"),
    [
        ('{"from": 1, "from": 3}', "migration has the key 'from' more than once"),
        (
            '{"from": 3, "tables": [], "columns": [{"table": "events", "table": "units", '
            '"columns": ["x"]}]}',
            "migration has the key 'columns[0].table' more than once",
        ),
    ],
)
def test_a_pull_migration_naming_a_key_twice_is_refused(device_a1, migration, detail):
    # when: the last "from" was read, and the other dropped without a word
    response = device_a1.pull_raw(None, schema_version=4, migration=migration)

    # then
    assert response.status_code == 400
    assert response.json()["detail"] == detail
