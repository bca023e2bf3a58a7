"""Keys the server does not read are named back, never dropped in silence (docs/protocol.md §4,
*Keys the server does not read*): the request is served as before — a newer app keeps working
with an older server — and the answer's ``"ignored"`` lists them. Until 2026-12-06 a push's
extra key, an event's unknown field and a pull's misspelt parameter went unread without a
word (``lastPulledAt=`` for ``last_pulled_at=`` took a full snapshot on every pull)."""

import json

import pytest
from django.urls import reverse

from backend.dispatch.models import Event
from backend.people.models import Officer, Role
from sync.protocol import json_text, parse_json
from tests.backend.sync_support import SyncApi

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


@pytest.mark.django_db
def test_a_push_names_the_query_parameters_it_did_not_read(assignment_a, device_a1):
    # given: a client that put WatermelonDB's camelCase (and its own key) into the push's query
    ack = event("ack", assignment_a)

    # when
    response = device_a1.client.generic(
        "POST",
        "/api/sync/v1/push?lastPulledAt=5&last_pulled_at=5&schema_version=4&debug=1",
        json.dumps(body_of(ack, clientInfo={})),
        content_type="application/json",
        **device_a1.headers(),
    )
    plain = device_a1.client.generic(
        "POST",
        "/api/sync/v1/push?last_pulled_at=5&schema_version=4",
        json.dumps(body_of(event("note", assignment_a, payload={"text": "x"}))),
        content_type="application/json",
        **device_a1.headers(),
    )

    # then: served; the query's unread names beside the body's (pull's are named the same way)
    assert response.status_code == 200
    assert response.json()["results"][0]["status"] == "accepted"
    assert response.json()["ignored"] == ["clientInfo", "debug", "lastPulledAt"]
    assert plain.status_code == 200
    assert "ignored" not in plain.json()


@pytest.mark.django_db
def test_a_push_given_its_schema_version_twice_is_refused_not_half_read(assignment_a, device_a1):
    # when: two schema versions (the last was checked, the other dropped)
    response = device_a1.client.generic(
        "POST",
        "/api/sync/v1/push?schema_version=4&schema_version=99",
        json.dumps(body_of(event("ack", assignment_a))),
        content_type="application/json",
        **device_a1.headers(),
    )

    # then
    assert response.status_code == 400
    assert response.json()["detail"] == "schema_version is given more than once"
    assert not Event.objects.exists()


@pytest.mark.django_db
def test_an_events_unread_fields_are_kept_with_the_fact_as_sent(assignment_a, device_a1):
    # given: a newer app's event, its fields of every kind: text no database stores as is, a
    # number no double holds, nesting, a key that repeats inside a field's object
    record = json.dumps(event("ack", assignment_a, id="evtUnreadKept0001"))[:-1] + (
        ', "altitude_m": 312.5, "note\\u0000": "a\\u0000b", "big": 123456789012345678901234567890'
        ', "deep": {"x": [1, {"y": null}], "x": 2}, "lone": "\\ud800"}'
    )
    raw = '{"changes": {"events": {"created": [' + record + "]}}}"

    # when
    first = device_a1.push_raw(raw.encode())
    again = device_a1.push_raw(raw.replace("312.5", "400").encode())

    # then: accepted and named, as before; and the fact keeps them, parsing back to what was sent
    (result,) = first.json()["results"]
    assert result["status"] == "accepted"
    assert result["ignored"] == ["altitude_m", "big", "deep", "lone", "note\\u0000"]
    stored = Event.objects.get(pk="evtUnreadKept0001")
    kept = parse_json(stored.unread)
    assert kept == {
        "altitude_m": 312.5,
        "note\x00": "a\x00b",
        "big": 123456789012345678901234567890,
        "deep": {"x": 2},
        "lone": "\ud800",
    }
    assert json_text(kept["deep"]) == '{"x":[1,{"y":null}],"x":2}'
    # no part of the content: the second copy is the same fact, and the first copy's stand
    assert again.json()["results"][0]["status"] == "duplicate"
    assert parse_json(Event.objects.get(pk="evtUnreadKept0001").unread)["altitude_m"] == 312.5


@pytest.mark.django_db
def test_a_chief_reads_an_events_unread_fields_on_its_page(
    personas, assignment_a, device_a1, client
):
    # given: a newer app's event
    (result,) = device_a1.push(event("ack", assignment_a, id="evtUnreadShown001", floor="3"))
    root = Officer.objects.create_superuser(
        username="root", password="pw-root", role=Role.OBLAST_ADMIN,
        oblast=personas.a.district.oblast,
    )  # fmt: skip
    client.force_login(root)

    # when
    page = client.get(reverse("admin:dispatch_event_change", args=["evtUnreadShown001"]))

    # then
    assert result["ignored"] == ["floor"]
    assert page.status_code == 200
    assert "{&quot;floor&quot;:&quot;3&quot;}" in page.content.decode()


@pytest.mark.django_db
def test_an_event_of_only_read_fields_keeps_nothing_unread(assignment_a, device_a1):
    # when
    (result,) = device_a1.push(event("ack", assignment_a, id="evtAllRead0000001", _status="x"))

    # then
    assert result["status"] == "accepted"
    assert Event.objects.get(pk="evtAllRead0000001").unread == ""


def _events_by_id(body):
    return {e["id"]: e for e in body["changes"]["events"]["updated"]}


@pytest.mark.django_db
def test_a_pull_serves_a_devices_own_event_the_names_its_push_did_not_read(
    personas, assignment_a, device_a1, client
):
    # given: a newer app's event with fields this server does not read, and one of read
    # fields only; the crew partner's phone beside it
    _device_id, token = personas.device(personas.a.patrol_officers[1])
    partner = SyncApi(client, token)
    device_a1.pull(None)
    partner.pull(None)
    (newer,) = device_a1.push(
        event("ack", assignment_a, id="evtUnreadPulled01", floor="3", altitude_m=312.5)
    )
    (plain,) = device_a1.push(event("en_route", assignment_a, id="evtAllReadPulled1"))
    assert newer["ignored"] == ["altitude_m", "floor"]

    # when: the phone pulls what came since, pulls its history again as a reinstalled app
    # does (a snapshot), and its partner pulls
    since = _events_by_id(device_a1.pull())
    history = _events_by_id(device_a1.pull(None))
    beside = _events_by_id(partner.pull())

    # then: its own event names them, as its push's result did (JSON text: records are flat)
    for served in (since, history):
        assert json.loads(served["evtUnreadPulled01"]["ignored"]) == ["altitude_m", "floor"]
        assert "ignored" not in served["evtAllReadPulled1"]  # every key read: no key at all
    assert plain["status"] == "accepted"
    # the values are not served (the ledger keeps them), nor are the names to another phone
    assert "altitude_m" not in history["evtUnreadPulled01"]
    assert "ignored" not in beside["evtUnreadPulled01"]


@pytest.mark.django_db
def test_the_published_schema_describes_a_pulled_events_ignored(
    personas, assignment_a, device_a1, client
):
    """A mobile team generates its types from /api/schema/, objects closed: a key the schema
    does not name is one a generated client drops."""
    from jsonschema import Draft7Validator

    from .test_docs_client import _json_schema

    # given: a pull that serves the phone's own event with a field the server did not read
    device_a1.push(event("ack", assignment_a, id="evtUnreadSchema01", floor="3"))
    body = device_a1.pull(None)
    assert _events_by_id(body)["evtUnreadSchema01"]["ignored"] == '["floor"]'
    client.force_login(personas.a.chief)

    # when
    schema = client.get("/api/schema/", {"format": "json"}).json()
    pull = schema["paths"]["/api/sync/v1/pull"]["get"]["responses"]["200"]["content"]
    answer = _json_schema(pull["application/json"]["schema"])
    validator = Draft7Validator({**answer, "components": _json_schema(schema["components"])})

    # then
    assert [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)] == []
    events = answer["properties"]["changes"]["properties"]["events"]["properties"]["updated"]
    assert "ignored" not in events["items"]["required"]
