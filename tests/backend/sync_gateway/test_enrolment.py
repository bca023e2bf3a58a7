import gzip
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from backend.devices.models import Device, EnrolmentCode, digest
from backend.devices.services import enrolment_code_issue, normalise_code
from backend.dispatch.models import Event
from backend.ledger.models import AuditEntry

from .conftest import SyncApi


def enrol(client, code, install_id="install-123", platform="android", token=None):
    headers = {"HTTP_AUTHORIZATION": f"Device {token}"} if token else {}
    return client.post(
        "/api/sync/v1/enroll",
        {
            "code": code,
            "device": {
                "platform": platform,
                "model": "A52",
                "app_version": "1.4",
                "install_id": install_id,
            },
        },
        content_type="application/json",
        **headers,
    )


def issue_code(username):
    out = StringIO()
    call_command("enrolment_code", username, stdout=out)
    return out.getvalue().strip().splitlines()[-1]


@pytest.mark.django_db
def test_enrolment_code_command_prints_a_code_that_enrols_once(personas, client):
    # given
    code = issue_code("officer_a1")

    # when
    first = enrol(client, code)
    second = enrol(client, code, install_id="install-456")

    # then
    assert first.status_code == 201
    body = first.json()
    officer = personas.a.patrol_officers[0]
    assert body["officer"]["id"] == str(officer.pk)
    assert body["unit"] == {
        "id": str(personas.a.patrol.pk),
        "callsign": "A-PC1",
        "type": "patrol_car",
        "district_id": str(personas.a.district.pk),
    }
    assert isinstance(body["server_time"], int)
    assert Device.objects.get(pk=body["device_id"]).officer_id == officer.pk
    assert second.status_code == 401
    assert second.json()["error"] == "unauthenticated"
    assert Device.objects.count() == 1


@pytest.mark.django_db
def test_enrolling_again_with_the_same_install_replaces_the_token(personas, client):
    # given
    old = enrol(client, issue_code("officer_a1")).json()

    # when
    new = enrol(client, issue_code("officer_a1")).json()

    # then
    assert new["device_id"] == old["device_id"]
    assert SyncApi(client, old["token"]).pull_raw().status_code == 401
    assert SyncApi(client, new["token"]).pull_raw().status_code == 200


def devices_and_codes():
    return {
        "devices": list(Device.objects.order_by("pk").values()),
        "codes": list(EnrolmentCode.objects.order_by("pk").values()),
    }


@pytest.mark.django_db
def test_a_colleague_with_his_own_code_and_the_install_id_cannot_end_the_officers_phone(
    personas, client
):
    """The install id is no secret (the admin's device list, logs): with it and a code of
    his own a colleague revoked the officer's phone mid-shift, told to erase its data."""
    # given: officer_a1's phone, enrolled and pulling; officer_a2 has a code and a phone
    mine = enrol(client, issue_code("officer_a1"), install_id="install-a1").json()
    theirs = enrol(client, issue_code("officer_a2"), install_id="install-a2").json()
    code = issue_code("officer_a2")
    before = devices_and_codes()
    audited = AuditEntry.objects.count()

    # when: officer_a2 enrols "install-a1" with no token, then with his own phone's token
    bare = enrol(client, code, install_id="install-a1")
    own_token = enrol(client, code, install_id="install-a1", token=theirs["token"])

    # then: refused with a code and a message; nothing changed; officer_a1's phone pulls
    for response in (bare, own_token):
        assert response.status_code == 409
        body = response.json()
        assert body["error"] == "install_in_use"
        assert body["detail"].startswith("This app install is enrolled for another officer")
        assert isinstance(body["server_time"], int)
    assert devices_and_codes() == before
    assert SyncApi(client, mine["token"]).pull_raw().status_code == 200
    # each refusal is a security entry on officer_a1's device, by officer_a2, and only that
    entries = list(AuditEntry.objects.order_by("pk")[audited:])
    officer_a2 = personas.a.patrol_officers[1]
    assert [(e.action, e.actor_id, e.object_id) for e in entries] == [
        ("security.enrolment_refused", officer_a2.pk, mine["device_id"]),
        ("security.enrolment_refused", officer_a2.pk, mine["device_id"]),
    ]
    assert [e.data_dict["token_presented"] for e in entries] == [False, True]
    assert entries[0].data_dict["install_id"] == "install-a1"
    # the code was not used: it still enrols a phone of officer_a2's own
    assert enrol(client, code, install_id="install-a2-new").status_code == 201


@pytest.mark.django_db
def test_a_phone_handed_to_a_colleague_is_his_once_the_phone_itself_sends_its_token(
    personas, client
):
    # given: officer_a1's phone, and a code of officer_a2's
    old = enrol(client, issue_code("officer_a1"), install_id="install-a1").json()
    code = issue_code("officer_a2")

    # when: the install id alone, then the phone itself (it sends the token it holds)
    elsewhere = enrol(client, code, install_id="install-a1")
    response = enrol(client, code, install_id="install-a1", token=old["token"])

    # then: the phone is officer_a2's new device; officer_a1's is revoked and told to wipe
    assert elsewhere.status_code == 409
    assert response.status_code == 201
    new = response.json()
    officer_a2 = personas.a.patrol_officers[1]
    assert new["device_id"] != old["device_id"]
    assert new["officer"]["id"] == str(officer_a2.pk)
    assert SyncApi(client, new["token"]).pull_raw().status_code == 200
    refused = SyncApi(client, old["token"]).pull_raw()
    assert (refused.status_code, refused.json()["wipe"]) == (401, True)
    assert Device.objects.get(pk=old["device_id"]).revoke_reason == "re-enrolled by another officer"
    assert [
        (e.action, e.actor_id, e.object_id)
        for e in AuditEntry.objects.filter(action__startswith="device.").order_by("pk")
        if e.action != "device.enrolment_code_issued"
    ] == [
        ("device.enrolled", personas.a.patrol_officers[0].pk, old["device_id"]),
        ("device.revoked", None, old["device_id"]),
        ("device.enrolled", officer_a2.pk, new["device_id"]),
    ]
    refused = AuditEntry.objects.get(action="security.enrolment_refused")
    assert (refused.actor_id, refused.object_id) == (officer_a2.pk, old["device_id"])


@pytest.mark.django_db
def test_the_reference_client_hands_its_phone_over_with_the_facts_it_had_not_sent(
    personas, assignment_a, make_device
):
    """The reference client sends the token it holds when it enrols (the handover's proof);
    the first officer's facts still in its outbox are pushed after the handover, not lost."""
    # given: officer_a1's phone on A-PC1's call records a fact in a white spot
    officer_a1, officer_a2 = personas.a.patrol_officers
    phone = make_device(officer_a1)
    phone.sync()
    old_device = phone.device_id
    phone.faults.offline = True
    note = phone.record_event("note", str(assignment_a.pk), {"text": "gate locked"})
    phone.faults.offline = False

    # when: the phone is handed to his crewmate, who enrols on it, and it syncs
    phone.enroll(enrolment_code_issue(officer=officer_a2))
    phone.sync()

    # then: the phone is officer_a2's; the unsent fact arrived, from the phone's new device
    assert Device.objects.get(pk=old_device).revoke_reason == "re-enrolled by another officer"
    assert Device.objects.get(pk=phone.device_id).officer_id == officer_a2.pk
    assert Event.objects.get(pk=note).device_id == phone.device_id
    assert phone.outbox() == []


@pytest.mark.django_db
def test_the_reference_client_revoked_out_of_coverage_erases_before_it_enrols_again(
    personas, assignment_a, make_device
):
    # given: officer_a1's phone records a fact in a white spot, where the desk's revocation
    # of it does not reach
    officer_a1, officer_a2 = personas.a.patrol_officers
    phone = make_device(officer_a1)
    phone.sync()
    old_device = phone.device_id
    phone.faults.offline = True
    phone.record_event("note", str(assignment_a.pk), {"text": "after the revocation"})
    call_command("revoke_device", old_device, stdout=StringIO())
    phone.faults.offline = False

    # when: a code of officer_a2's is entered on it, and it syncs
    phone.enroll(enrolment_code_issue(officer=officer_a2))
    phone.sync()

    # then: a fresh device of officer_a2's; the revoked device's fact was erased, not sent
    assert phone.device_id != old_device
    assert Device.objects.get(pk=phone.device_id).officer_id == officer_a2.pk
    assert not Event.objects.filter(kind="note").exists()
    assert phone.outbox() == []


@pytest.mark.django_db
def test_enrolment_code_command_speaks_the_operators_language(personas, monkeypatch):
    # given: the terminal of `LANG=ru_RU.UTF-8 make run`, whose demo logins point here
    monkeypatch.setenv("LANG", "ru_RU.UTF-8")
    officer = personas.a.patrol_officers[0]

    # when
    out = StringIO()
    call_command("enrolment_code", officer.username, stdout=out)

    # then: the line above the code in Russian, with the code's expiry; the code alone last
    record = EnrolmentCode.objects.get(officer=officer)
    head, code = out.getvalue().splitlines()
    assert head.startswith(f"Код регистрации для {officer}, действует до ")
    assert "Enrolment" not in head
    assert record.code_hash == digest(normalise_code(code))


@pytest.mark.django_db
def test_enrolment_code_for_an_unknown_officer_fails(personas):
    with pytest.raises(CommandError):
        call_command("enrolment_code", "nobody", stdout=StringIO())


@pytest.mark.django_db
def test_revoke_device_command_refuses_the_device_at_once(personas, client):
    # given
    body = enrol(client, issue_code("officer_a1")).json()
    api = SyncApi(client, body["token"])
    assert api.pull_raw().status_code == 200

    # when
    call_command("revoke_device", body["device_id"], stdout=StringIO())
    response = api.pull_raw()

    # then
    assert response.status_code == 401
    assert response.json()["wipe"] is True
    assert (
        AuditEntry.objects.filter(action="device.revoked", object_id=body["device_id"]).count() == 1
    )


@pytest.mark.django_db
def test_deactivating_an_officer_revokes_his_phones_for_good(personas, client):
    """An inactive officer's token answered device_revoked, but came back to life when the
    account was reactivated: a copy of it kept off a lost phone would have worked again."""
    # given: an officer with an enrolled phone
    body = enrol(client, issue_code("officer_a1")).json()
    api = SyncApi(client, body["token"])
    officer = personas.a.patrol_officers[0]

    # when: the account is deactivated, then reactivated (a mistake undone, a return)
    officer.is_active = False
    officer.save()
    officer.is_active = True
    officer.save()

    # then: the phone stays revoked (a new code enrols it again); the log says why
    response = api.pull_raw()
    assert (response.status_code, response.json()["error"]) == (401, "device_revoked")
    device = Device.objects.get(pk=body["device_id"])
    assert device.revoke_reason == "officer deactivated"
    entry = AuditEntry.objects.get(action="device.revoked", object_id=body["device_id"])
    assert (entry.actor_id, entry.data_dict["reason"]) == (None, "officer deactivated")


@pytest.mark.django_db
def test_a_revoked_phone_that_still_holds_its_token_is_told_to_wipe_before_it_enrols_again(
    personas, client
):
    """A revoked token was ignored at enrolment: a phone revoked out of coverage (reported
    lost) never heard of it, and a new code enrolled it with the revoked officer's calls and
    unsent facts still on it — pushed next as the new device's."""
    # given: officer_a1's phone, revoked by the desk while it was out of coverage
    old = enrol(client, issue_code("officer_a1"), install_id="lost-phone").json()
    call_command("revoke_device", old["device_id"], stdout=StringIO())
    code = issue_code("officer_a2")

    # when: a code for officer_a2 is typed on it, the revoked token sent as every app does
    refused = enrol(client, code, install_id="lost-phone", token=old["token"])

    # then: the phone is told to erase what it holds; nothing is enrolled, the code unused
    assert refused.status_code == 401
    assert (refused.json()["error"], refused.json()["wipe"]) == ("device_revoked", True)
    assert list(Device.objects.values_list("pk", flat=True)) == [old["device_id"]]
    assert EnrolmentCode.objects.get(officer__username="officer_a2").used_at is None

    # when: it has erased its data and token, and sends the same code again
    enrolled = enrol(client, code, install_id="lost-phone")

    # then: a fresh device, whose enrolment names the revoked one it follows
    assert enrolled.status_code == 201
    new_id = enrolled.json()["device_id"]
    assert new_id != old["device_id"]
    entry = AuditEntry.objects.get(action="device.enrolled", object_id=new_id)
    assert entry.data_dict["revoked_device"] == old["device_id"]
    first = AuditEntry.objects.get(action="device.enrolled", object_id=old["device_id"])
    assert "revoked_device" not in first.data_dict


@pytest.mark.django_db
def test_revoke_device_command_for_an_unknown_device_fails(personas):
    with pytest.raises(CommandError):
        call_command("revoke_device", "dev_nope", stdout=StringIO())


@pytest.mark.django_db
def test_malformed_enrolment_is_400(client):
    # when
    response = client.post("/api/sync/v1/enroll", b"[]", content_type="application/json")

    # then
    assert response.status_code == 400
    assert response.json()["error"] == "malformed"


@pytest.mark.django_db
def test_a_gzip_enrolment_is_read_like_a_gzip_push(personas, client):
    # given: an HTTP client that compresses every body it sends (PROTOCOL.md §2: any request)
    code = issue_code("officer_a1")

    # when
    response = client.post(
        "/api/sync/v1/enroll",
        gzip.compress(enrolment_body(code).encode()),
        content_type="application/json",
        HTTP_CONTENT_ENCODING="gzip",
    )

    # then: it was "400 the body is not JSON"
    assert response.status_code == 201, response.content
    assert Device.objects.get(pk=response.json()["device_id"]).install_id == "install-gz"


def enrolment_body(code: str, pad: int = 0) -> str:
    return json.dumps({"code": code, "device": {"install_id": "install-gz"}, "pad": " " * pad})


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("pack", "encoding", "status", "detail"),
    [
        # a hundred-odd bytes that inflate past an enrolment's 64 KiB
        (lambda code: gzip.compress(enrolment_body(code, 64 * 1024).encode()), "gzip", 413,
         "An enrolment request is small."),
        (lambda code: enrolment_body(code).encode(), "br", 400,
         "Content-Encoding 'br' is not supported (gzip is)"),
        (lambda code: enrolment_body(code).encode(), "gzip", 400, "the gzip body is corrupt"),
    ],
)  # fmt: skip
def test_an_enrolment_too_large_inflated_or_in_another_encoding_is_refused(
    personas, client, pack, encoding, status, detail
):
    # given
    code = issue_code("officer_a1")

    # when
    response = client.post(
        "/api/sync/v1/enroll",
        pack(code),
        content_type="application/json",
        HTTP_CONTENT_ENCODING=encoding,
    )

    # then: refused, and the code still works
    assert (response.status_code, response.json()["detail"]) == (status, detail)
    assert Device.objects.count() == 0
    assert EnrolmentCode.objects.get().used_at is None


@pytest.mark.django_db
def test_openapi_schema_documents_the_sync_endpoints(personas, client):
    # given
    client.force_login(personas.a.chief)

    # when
    response = client.get("/api/schema/", {"format": "json"})

    # then
    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    assert {"/api/sync/v1/enroll", "/api/sync/v1/pull", "/api/sync/v1/push"} <= set(paths)
    pull_200 = paths["/api/sync/v1/pull"]["get"]["responses"]["200"]["content"]["application/json"]
    tables = pull_200["schema"]["properties"]["changes"]["properties"]
    assignment = tables["assignments"]["properties"]["updated"]["items"]["properties"]
    assert {"incident_id", "unit_id", "status", "acknowledged_at", "ack_due_at"} <= set(assignment)
    assert set(tables) == {
        "codes", "settlements", "units", "incidents", "follow_ups", "assignments", "events"
    }  # fmt: skip
    assert "requestBody" in paths["/api/sync/v1/push"]["post"]


@pytest.mark.django_db
def test_openapi_schema_lists_the_answers_and_parameters_each_endpoint_has(personas, client):
    """A client team generates its API from /api/schema/: enrolment's 403, 409 and 413 and
    its optional Authorization (a handover's proof), the push's schema_version, and no 413
    on a pull (it has no body) — docs/protocol.md §7."""
    # given
    client.force_login(personas.a.chief)

    # when
    paths = client.get("/api/schema/", {"format": "json"}).json()["paths"]

    # then
    enroll = paths["/api/sync/v1/enroll"]["post"]
    pull = paths["/api/sync/v1/pull"]["get"]
    push = paths["/api/sync/v1/push"]["post"]
    assert set(enroll["responses"]) == {"201", "400", "401", "403", "405", "409", "413", "429"}
    assert "install_in_use" in enroll["responses"]["409"]["description"]
    authorization = {p["name"]: p for p in enroll["parameters"]}["Authorization"]
    assert (authorization["in"], authorization.get("required", False)) == ("header", False)
    encoding = {p["name"]: p for p in enroll["parameters"]}["Content-Encoding"]
    assert (encoding["in"], encoding.get("required", False)) == ("header", False)
    assert set(pull["responses"]) == {"200", "400", "401", "405", "409", "426", "429"}
    assert set(push["responses"]) == {"200", "400", "401", "405", "409", "413", "426", "429"}
    schema_version = {p["name"]: p for p in push["parameters"]}["schema_version"]
    assert schema_version["schema"]["type"] == "integer"
    assert not schema_version.get("required", False)


def test_protocol_doc_lists_every_column_of_every_table():
    # given
    from pathlib import Path

    from backend.sync_gateway.render import TABLE_COLUMNS

    doc = (Path(__file__).resolve().parents[3] / "docs" / "protocol.md").read_text()

    # when
    missing = [
        f"{table}.{name}"
        for table, columns in TABLE_COLUMNS.items()
        for name, _source, _convert, _kind in columns
        if f"`{name}`" not in doc.split(f"### {table}")[1].split("###")[0]
    ]

    # then
    assert missing == []


@pytest.mark.django_db
def test_enrolment_answers_the_officers_screen_language(personas, client):
    # given
    officer = personas.a.patrol_officers[1]
    officer.language = "kk"
    officer.save(update_fields=["language"])

    # when
    body = enrol(client, issue_code(officer.username)).json()

    # then
    assert body["officer"]["language"] == "kk"
    assert body["officer"]["username"] == officer.username


@pytest.mark.django_db
def test_a_phone_on_a_platform_kuzet_has_no_name_for_enrols_and_keeps_what_it_said(
    personas, client
):
    # given: a platform outside the console's list of names
    code = issue_code("officer_a1")

    # when
    response = enrol(client, code, platform="HarmonyOS")

    # then: enrolled; stored and shown as sent
    assert response.status_code == 201
    device = Device.objects.get(pk=response.json()["device_id"])
    assert device.platform == "HarmonyOS"
    assert device.get_platform_display() == "HarmonyOS"


@pytest.mark.django_db
def test_openapi_schema_names_every_key_of_the_enrolment_answer(personas, client):
    """A mobile team generates its types from /api/schema/: the enrolment answer's `unit`
    was an object without properties there (docs/protocol.md §1 names `id`, `callsign`,
    `type`, `district_id`), so a generated client dropped the callsign it shows."""
    # given
    answer = enrol(client, issue_code("officer_a1")).json()
    client.force_login(personas.a.chief)

    # when
    enroll = client.get("/api/schema/", {"format": "json"}).json()["paths"]["/api/sync/v1/enroll"]
    schema = enroll["post"]["responses"]["201"]["content"]["application/json"]["schema"]

    # then
    for key in ("officer", "unit"):
        declared = schema["properties"][key]
        assert set(declared.get("properties", {})) == set(answer[key]), key
        assert set(declared.get("required", [])) == set(answer[key]), key
    assert schema["properties"]["unit"]["nullable"] is True


@pytest.mark.django_db
def test_openapi_schema_types_a_pushed_event_assignment_id_as_the_server_reads_it(
    personas, client, device_a1, assignment_a
):
    """A mobile team generates its types from /api/schema/: the push's `assignment_id` was a
    string there only, though the server takes a record id as a string or an integer
    (docs/protocol.md §5: "a record id (string or integer) or null"); a client whose column
    holds the number could not send it through its generated types."""
    from jsonschema import Draft7Validator

    from .conftest import event
    from .test_docs_client import _json_schema

    # given: events the server accepts — the id as a string, as an integer, none at all
    # — and one it refuses (no record has a negative id)
    accepted = [
        event("ack", assignment_a),
        event("note", assignment_a, assignment_id=assignment_a.pk, payload={"text": "Еду"}),
        event("note", payload={"text": "На месте тихо"}),
    ]
    refused = event("note", assignment_id=-1, payload={"text": "?"})
    results = device_a1.push(*accepted, refused)
    statuses = [r["status"] for r in results]
    assert statuses == ["accepted", "accepted", "accepted", "rejected"], results
    client.force_login(personas.a.chief)

    # when
    schema = client.get("/api/schema/", {"format": "json"}).json()
    push = schema["paths"]["/api/sync/v1/push"]["post"]["requestBody"]["content"]
    body = _json_schema(push["application/json"]["schema"])
    validator = Draft7Validator({**body, "components": _json_schema(schema["components"])})

    # then: the published contract takes what the server takes, and not what it refuses
    def errors(*events):
        request = {"changes": {"events": {"created": list(events)}}, "lastPulledAt": None}
        found = validator.iter_errors(request)
        # (the payload is an open object, which _json_schema closes: only the ids are read here)
        return [f"{e.message}" for e in found if list(e.absolute_path)[-1:] == ["assignment_id"]]

    assert errors(*accepted) == []
    assert errors(refused) != []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "detail"),
    [
        pytest.param(
            '{{"code": "{code}", "code": "{code}", "device": {device}}}',
            "the enrolment has the key 'code' more than once",
            id="code-twice",
        ),
        pytest.param(
            '{{"code": "{code}", "device": {device}, "device": {{"install_id": "other"}}}}',
            "the enrolment has the key 'device' more than once",
            id="device-twice",
        ),
        pytest.param(
            '{{"code": "{code}", "device": {{"install_id": "a-1", "install_id": "b-2"}}}}',
            "the enrolment has the key 'device.install_id' more than once",
            id="install-id-twice",
        ),
    ],
)
def test_an_enrolment_naming_a_key_twice_is_refused_as_a_push_envelope_is(
    personas, client, text, detail
):
    # given: a body whose repeated key was read as its last value, the other dropped
    code = issue_code("officer_a1")
    device = json.dumps({"platform": "android", "install_id": "install-123"})

    # when
    response = client.post(
        "/api/sync/v1/enroll",
        text.format(code=code, device=device),
        content_type="application/json",
    )

    # then: 400 malformed, as the push's envelope; nothing enrolled, the code still good
    assert response.status_code == 400
    assert response.json()["error"] == "malformed"
    assert response.json()["detail"] == detail
    assert not Device.objects.filter(install_id__in=["install-123", "a-1", "b-2"]).exists()
    assert enrol(client, code).status_code == 201


@pytest.mark.django_db
def test_an_enrolment_names_back_the_keys_the_server_does_not_read(personas, client):
    # given: a newer app's enrolment, with fields this server does not know
    code = issue_code("officer_a1")
    body = {
        "code": code,
        "device": {"platform": "android", "install_id": "install-9", "os_version": "14"},
        "push_token": "abc",
    }

    # when
    plain = enrol(client, issue_code("officer_a2"), install_id="install-8").json()
    answer = client.post("/api/sync/v1/enroll", body, content_type="application/json").json()

    # then: enrolled as before, and the answer says what was not read
    assert answer["token"]
    assert answer["ignored"] == ["device.os_version", "push_token"]
    assert "ignored" not in plain


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("install_id", "named"),
    [
        pytest.param(123, "a number", id="number"),
        pytest.param(1.5, "a number", id="float"),
        pytest.param({"id": "install-123"}, "an object", id="object"),
        pytest.param(["install-123"], "a list", id="list"),
        pytest.param(None, "null", id="null"),
        pytest.param(True, "a boolean", id="boolean"),
    ],
)
def test_an_install_id_that_is_not_a_string_is_refused_naming_the_field(
    personas, client, install_id, named
):
    # given: an app that sends its install id as another JSON type (123 was enrolled as the
    # install "123", {"id": …} as the text of a Python dict)
    code = issue_code("officer_a1")

    # when
    response = enrol(client, code, install_id=install_id)

    # then: 400 malformed, the field and the type named; nothing enrolled, the code still good
    assert response.status_code == 400
    assert response.json()["error"] == "malformed"
    assert response.json()["detail"] == (
        f"device.install_id must be a string (1–128 characters), not {named}."
    )
    assert set(response.json()) == {"error", "detail", "server_time"}
    assert not Device.objects.exists()
    assert enrol(client, code).status_code == 201


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["platform", "model", "app_version"])
@pytest.mark.parametrize(
    ("sent", "named"),
    [
        pytest.param(123, "a number", id="number"),
        pytest.param(1.5, "a number", id="float"),
        pytest.param({"name": "android"}, "an object", id="object"),
        pytest.param(["android"], "a list", id="list"),
        pytest.param(False, "a boolean", id="boolean"),
    ],
)
def test_a_device_field_that_is_not_a_string_is_refused_naming_the_field(
    personas, client, field, sent, named
):
    # given: an app that sends its platform, model or app version as another JSON type (a
    # number platform was listed as "123", an object as the text of a Python dict, false as
    # nothing)
    code = issue_code("officer_a1")
    device = {"platform": "android", "model": "A52", "app_version": "1.4"}
    device |= {"install_id": "install-123", field: sent}

    # when
    response = client.post(
        "/api/sync/v1/enroll", {"code": code, "device": device}, content_type="application/json"
    )

    # then: 400 malformed, the field and the type named, as for install_id; nothing enrolled,
    # the code still good
    assert response.status_code == 400
    assert response.json()["error"] == "malformed"
    assert response.json()["detail"] == f"device.{field} must be a string, not {named}."
    assert not Device.objects.exists()
    assert enrol(client, code).status_code == 201


@pytest.mark.django_db
@pytest.mark.parametrize(
    "device",
    [
        {"install_id": "install-123"},
        # null is the key left out (an app that serialises its empty fields as null)
        {"install_id": "install-123", "platform": None, "model": None, "app_version": None},
    ],
    ids=["left-out", "null"],
)
def test_a_device_without_platform_model_or_version_enrols_with_them_blank(
    personas, client, device
):
    # given: only the required install id
    code = issue_code("officer_a1")

    # when
    response = client.post(
        "/api/sync/v1/enroll",
        {"code": code, "device": device},
        content_type="application/json",
    )

    # then
    assert response.status_code == 201
    device = Device.objects.get()
    assert (device.platform, device.model, device.app_version) == ("", "", "")
