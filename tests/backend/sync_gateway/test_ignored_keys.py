"""Keys the server does not read are named back, never dropped in silence (docs/protocol.md §4,
*Keys the server does not read*): the request is served as before — a newer app keeps working
with an older server — and the answer's ``"ignored"`` lists them. Until 2026-12-06 a push's
extra key, an event's unknown field and a pull's misspelt parameter went unread without a
word (``lastPulledAt=`` for ``last_pulled_at=`` took a full snapshot on every pull)."""

import json

import pytest

from backend.dispatch.models import Event

from .conftest import event


def body_of(*events, **extra):
    return {
        "changes": {"events": {"created": list(events), "updated": [], "deleted": []}},
        "lastPulledAt": None,
        **extra,
    }


@pytest.mark.django_db
def test_a_push_names_the_body_keys_it_did_not_read_and_stores_the_events(assignment_a, device_a1):
    # given: a newer app's push, with keys this server does not know
    ack = event("ack", assignment_a)
    body = body_of(ack, clientInfo={"build": 812}, schemaVersion=5)

    # when
    response = device_a1.push_raw(body)

    # then: served as before, and the answer says which keys were not read
    answer = response.json()
    assert response.status_code == 200
    assert answer["results"] == [{"id": ack["id"], "status": "accepted", "disposition": "applied"}]
    assert answer["ignored"] == ["clientInfo", "schemaVersion"]
    assert Event.objects.filter(pk=ack["id"]).exists()


@pytest.mark.django_db
def test_a_push_of_only_read_keys_has_no_ignored(assignment_a, device_a1):
    # when
    answer = device_a1.push_raw(body_of(event("ack", assignment_a))).json()

    # then: the answer is as it always was
    assert set(answer) == {"results", "server_time"}


@pytest.mark.django_db
def test_an_event_with_an_unknown_field_is_stored_and_its_result_names_the_field(
    assignment_a, device_a1
):
    # given: an event of a newer app, and a stock WatermelonDB record (its whole raw row: the
    # server's columns at their defaults and its bookkeeping), which is no news to anyone
    newer = event("ack", assignment_a, altitude_m=312.5, floor="3")
    stock = event(
        "note", assignment_a, payload='{"text":"x"}', _status="created", _changed="",
        incident_id=None, unit_id=None, officer_id=None, device_id=None, source="",
        disposition="", server_received_at=0, estimated_at=0, estimate_uncertainty_ms=None,
        estimate_method="", clock_suspect=False,
    )  # fmt: skip

    # when
    first = device_a1.push(newer, stock)
    again = device_a1.push(newer)

    # then
    assert first == [
        {"id": newer["id"], "status": "accepted", "disposition": "applied",
         "ignored": ["altitude_m", "floor"]},
        {"id": stock["id"], "status": "accepted", "disposition": "recorded"},
    ]  # fmt: skip
    assert again == [
        {"id": newer["id"], "status": "duplicate", "disposition": "applied",
         "ignored": ["altitude_m", "floor"]},
    ]  # fmt: skip
    assert Event.objects.filter(pk__in=[newer["id"], stock["id"]]).count() == 2


@pytest.mark.django_db
def test_a_pull_names_the_parameters_it_did_not_read(device_a1):
    # given: a client that wrote WatermelonDB's camelCase into the query
    first = device_a1.pull()

    # when: a full pull, and a pull at the head (answered by the short path)
    misspelt = device_a1.pull_raw(None, lastPulledAt=first["timestamp"]).json()
    at_head = device_a1.pull_raw(first["timestamp"], since="x").json()
    plain = device_a1.pull_raw(first["timestamp"]).json()

    # then
    assert misspelt["experimentalStrategy"] == "replacement"
    assert misspelt["ignored"] == ["lastPulledAt"]
    assert at_head["ignored"] == ["since"]
    assert "ignored" not in plain
    assert "ignored" not in first


@pytest.mark.django_db
def test_the_reference_client_keeps_what_the_server_did_not_read(
    personas, assignment_a, make_device, caplog
):
    # given: an outbox event carrying a field this server does not know
    phone = make_device(personas.a.patrol_officers[0])
    phone.sync()
    ack = phone.record_event("ack", str(assignment_a.pk))
    (data,) = phone._db.execute("SELECT data FROM outbox WHERE id = ?", (ack,)).fetchone()
    phone._db.execute(
        "UPDATE outbox SET data = ? WHERE id = ?",
        (json.dumps({**json.loads(data), "altitude_m": 312.5}), ack),
    )

    # when
    phone.sync()

    # then: stored, and the client says what the server left unread
    assert Event.objects.filter(pk=ack).exists()
    assert phone.ignored == [f"event {ack}: altitude_m"]
    assert f"the server did not read event {ack}: altitude_m" in caplog.text


@pytest.mark.django_db
@pytest.mark.parametrize("cursor", ["null", "at-head"])
def test_a_pull_parameter_given_twice_is_refused_not_half_read(device_a1, cursor):
    # given: two schema versions in one query (the last was read, the other dropped)
    head = device_a1.pull()["timestamp"]
    query = f"last_pulled_at={head if cursor == 'at-head' else 'null'}"

    # when
    response = device_a1.client.get(
        f"/api/sync/v1/pull?{query}&schema_version=1&schema_version=4", **device_a1.headers()
    )

    # then
    assert response.status_code == 400
    assert response.json()["detail"] == "schema_version is given more than once"
