import datetime as dt
import gzip

import orjson
import pytest

from backend.common import clock
from backend.dispatch.models import Category, Priority
from backend.ledger import uow
from backend.ledger.models import AuditEntry
from backend.sync_gateway.render import empty_changes
from backend.sync_gateway.scope import age_out, code_records
from tests import factories

from .conftest import cancel, dispatch, ids, reassign


@pytest.mark.django_db
def test_first_pull_is_a_replacement_snapshot_of_the_officers_scope(
    personas, assignment_a, device_a1
):
    # when
    body = device_a1.pull(None)

    # then
    a = personas.a
    assert body["experimentalStrategy"] == "replacement"
    assert body["has_more"] is False
    assert ids(body, "assignments") == [str(assignment_a.pk)]
    assert ids(body, "incidents") == [str(assignment_a.incident_id)]
    assert ids(body, "units") == sorted([str(a.patrol.pk), str(a.inspector_unit.pk)])
    assert ids(body, "settlements") == sorted([str(a.town.pk), str(a.village.pk)])
    assert ids(body, "codes") == sorted(code_records())
    assert all(body["changes"][t]["created"] == [] for t in body["changes"])
    assert body["timestamp"] == uow.current_change_seq()
    assert isinstance(body["server_time"], int)


@pytest.mark.django_db
def test_assignment_record_has_the_published_columns(personas, assignment_a, device_a1):
    # when
    body = device_a1.pull(None)

    # then
    (record,) = body["changes"]["assignments"]["updated"]
    assert record == {
        "id": str(assignment_a.pk),
        "incident_id": str(assignment_a.incident_id),
        "unit_id": str(personas.a.patrol.pk),
        "status": "dispatched",
        "dispatched_at": clock.to_ms(assignment_a.dispatched_at),
        "delivered_at": None,
        "acknowledged_at": None,
        "en_route_at": None,
        "on_scene_at": None,
        "transporting_at": None,
        "cleared_at": None,
        "cancelled_at": None,
        "cancel_reason": "",
        "superseded_at": None,
        "closed_at": None,
        "ack_due_at": None,
        "arrive_due_at": None,
        "deliver_due_at": clock.opt_ms(assignment_a.deliver_due_at),
        "escalation_level": assignment_a.escalation_level,
        "safety_check_at": None,  # no officer-safety check open on it
    }
    (incident,) = body["changes"]["incidents"]["updated"]
    assert incident["risk_flags"] == "[]"
    assert incident["number"] == assignment_a.incident.number


@pytest.mark.django_db
def test_an_exercise_call_reaches_the_phone_marked_as_one(personas, device_a1):
    # given: a drill and a real call, both sent to A's patrol car
    drill = factories.incident(district=personas.a.district, exercise=True)
    real = factories.incident(district=personas.a.district)
    for incident in (drill, real):
        dispatch(incident=incident, unit=personas.a.patrol)

    # when
    body = device_a1.pull(None)

    # then: the phone can tell them apart (docs/protocol.md §2, incidents.exercise)
    exercise = {r["id"]: r["exercise"] for r in body["changes"]["incidents"]["updated"]}
    assert exercise == {str(drill.pk): True, str(real.pk): False}


@pytest.mark.django_db
def test_incremental_pull_returns_only_what_changed_for_the_device(personas, device_a1, device_b1):
    # given
    device_a1.pull(None)
    device_b1.pull(None)
    incident = factories.incident(district=personas.a.district)

    # when
    assignment = dispatch(incident=incident, unit=personas.a.patrol)
    body_a = device_a1.pull()
    body_b = device_b1.pull()

    # then
    assert "experimentalStrategy" not in body_a
    assert ids(body_a, "assignments") == [str(assignment.pk)]
    assert ids(body_a, "incidents") == [str(incident.pk)]
    assert ids(body_a, "codes") == []
    assert ids(body_b, "assignments") == []
    assert ids(body_b, "incidents") == []


@pytest.mark.django_db
def test_nothing_new_pull_is_empty_and_keeps_the_cursor(device_a1):
    # given
    first = device_a1.pull(None)

    # when
    body = device_a1.pull()

    # then
    assert body["timestamp"] == first["timestamp"]
    assert all(v == {"created": [], "updated": [], "deleted": []} for v in body["changes"].values())


@pytest.mark.django_db
def test_reassignment_moves_assignment_out_of_old_unit_and_in_to_new(
    personas, assignment_a, client
):
    # given
    from .conftest import SyncApi

    old = SyncApi(client, personas.device(personas.a.patrol_officers[0])[1])
    new = SyncApi(client, personas.device(personas.a.inspector)[1])
    old.pull(None)
    new.pull(None)

    # when
    moved = reassign(assignment_a, to=personas.a.inspector_unit)
    body_old = old.pull()
    body_new = new.pull()

    # then
    assert ids(body_old, "assignments", "deleted") == [str(assignment_a.pk)]
    assert ids(body_old, "incidents", "deleted") == [str(assignment_a.incident_id)]
    assert ids(body_new, "assignments") == [str(moved.pk)]
    assert ids(body_new, "incidents") == [str(assignment_a.incident_id)]
    assert ids(body_new, "assignments", "deleted") == []


@pytest.mark.django_db
def test_cancelled_assignment_stays_for_the_closed_window_then_ages_out(
    personas, assignment_a, device_a1, settings
):
    # given
    device_a1.pull(None)
    cancel(assignment_a)
    body = device_a1.pull()
    assert ids(body, "assignments") == [str(assignment_a.pk)]

    # when
    later = clock.now() + dt.timedelta(hours=settings.KUZET_SCOPE_CLOSED_HOURS, minutes=1)
    with clock.frozen(later):
        touched = age_out()
        body = device_a1.pull()

    # then
    assert touched == 2  # the assignment and its incident
    assert ids(body, "assignments", "deleted") == [str(assignment_a.pk)]
    assert ids(body, "incidents", "deleted") == [str(assignment_a.incident_id)]


@pytest.mark.django_db
def test_restricted_incident_leaves_every_device(personas, assignment_a, device_a1):
    # given
    device_a1.pull(None)
    incident = assignment_a.incident

    # when
    with uow.unit_of_work():
        incident.restricted = True
        incident.save(update_fields=["restricted"])
        uow.touch("incidents", incident.pk)
    body = device_a1.pull()

    # then
    assert ids(body, "incidents", "deleted") == [str(incident.pk)]
    assert ids(body, "assignments", "deleted") == [str(assignment_a.pk)]


@pytest.mark.django_db
def test_snapshot_up_to_the_bound_is_one_replacement_response_whatever_the_page_size(
    personas, assignment_a, device_a1, settings
):
    # given: incremental pages of 30 change rows; a scope of 93 records
    settings.KUZET_SYNC_PAGE_SIZE = 30

    # when
    body = device_a1.pull(None)

    # then
    assert body["has_more"] is False
    assert body["experimentalStrategy"] == "replacement"
    assert body["timestamp"] == uow.current_change_seq()
    assert len(ids(body, "codes")) == 89
    assert ids(body, "assignments") == [str(assignment_a.pk)]
    assert len(ids(body, "settlements")) == len(ids(body, "units")) == 2


@pytest.mark.django_db
def test_snapshot_above_the_bound_replaces_whole_tables_page_by_page_own_assignments_first(
    personas, assignment_a, device_a1, settings
):
    # given: a bound of 60 records; the scope holds 89 codes and 6 other records
    full = device_a1.pull(None)
    expected = {t: ids(full, t) for t in full["changes"]}
    settings.KUZET_SYNC_SNAPSHOT_MAX = 60

    # when
    pages = [device_a1.pull(None)]
    while pages[-1]["has_more"]:
        pages.append(device_a1.pull())

    # then: the unit's assignments, incidents, events, units and settlements whole in page 1;
    # the 89 codes (more than the bound alone) as upserts in two pages, replacing nothing
    assert [p["experimentalStrategy"] for p in pages] == [
        {
            "default": "incremental",
            "override": dict.fromkeys(
                ("assignments", "incidents", "events", "units", "settlements"), "replacement"
            ),
        },
        {"default": "incremental", "override": {}},
        {"default": "incremental", "override": {}},
    ]
    assert ids(pages[0], "assignments") == [str(assignment_a.pk)]
    assert [len(ids(p, "codes")) for p in pages] == [0, 60, 29]
    assert pages[-1]["timestamp"] == full["timestamp"]
    for table, expected_ids in expected.items():
        assert sorted(i for p in pages for i in ids(p, table)) == expected_ids


@pytest.mark.django_db
def test_snapshot_above_the_bound_packs_tables_that_fit_together(
    personas, assignment_a, device_a1, settings
):
    # given: a bound the codes fit in, but not with everything else
    settings.KUZET_SYNC_SNAPSHOT_MAX = 90

    # when
    first = device_a1.pull(None)
    second = device_a1.pull()

    # then
    assert first["experimentalStrategy"]["override"] == dict.fromkeys(
        ("assignments", "incidents", "events", "units", "settlements"), "replacement"
    )
    assert second["experimentalStrategy"]["override"] == {"codes": "replacement"}
    assert (first["has_more"], second["has_more"]) == (True, False)
    assert len(ids(second, "codes")) == 89


@pytest.mark.django_db
def test_repeated_continuation_cursor_serves_the_same_page(device_a1, settings):
    # given
    settings.KUZET_SYNC_SNAPSHOT_MAX = 30
    first = device_a1.pull(None)

    # when
    again = device_a1.pull(first["timestamp"])
    once_more = device_a1.pull(first["timestamp"])

    # then
    assert again["changes"] == once_more["changes"]
    assert again["experimentalStrategy"] == once_more["experimentalStrategy"]


@pytest.mark.django_db
def test_unknown_cursor_beyond_the_head_gets_a_snapshot(device_a1):
    # when
    body = device_a1.pull(uow.current_change_seq() + 1000)

    # then
    assert body["experimentalStrategy"] == "replacement"


@pytest.mark.django_db
def test_cursor_older_than_the_pruned_log_gets_a_snapshot(personas, device_a1, settings):
    # given
    from backend.sync_gateway.tasks import change_log_prune

    old = device_a1.pull(None)["timestamp"]
    dispatch(incident=factories.incident(district=personas.a.district), unit=personas.a.patrol)
    later = clock.now() + dt.timedelta(days=settings.KUZET_CHANGE_RETENTION_DAYS, hours=1)

    # when
    with clock.frozen(later):
        pruned = change_log_prune()
        body = device_a1.pull(old)

    # then
    assert pruned > 0
    assert body["experimentalStrategy"] == "replacement"


@pytest.mark.django_db
def test_officer_moved_to_another_unit_gets_a_replacement_snapshot(
    personas, assignment_a, device_a1
):
    # given
    device_a1.pull(None)
    officer = personas.a.patrol_officers[0]
    officer.unit = personas.a.inspector_unit
    officer.save(update_fields=["unit"])

    # when
    body = device_a1.pull()

    # then: the snapshot names the unit it was built for (the phone showed the old callsign)
    assert body["experimentalStrategy"] == "replacement"
    assert ids(body, "assignments") == []
    unit = personas.a.inspector_unit
    assert body["unit"] == {
        "id": str(unit.pk),
        "callsign": unit.callsign,
        "type": unit.type,
        "district_id": str(unit.district_id),
    }
    assert AuditEntry.objects.filter(action="device.scope_rebuilt").count() == 1
    # and the pulls after it leave it out: it changes only with a new snapshot
    assert "unit" not in device_a1.pull()


@pytest.mark.django_db
def test_an_officer_taken_off_his_unit_gets_a_snapshot_naming_no_unit(personas, device_a1):
    # given
    first = device_a1.pull(None)
    officer = personas.a.patrol_officers[0]
    officer.unit = None
    officer.save(update_fields=["unit"])

    # when
    body = device_a1.pull()

    # then
    assert first["unit"]["callsign"] == personas.a.patrol.callsign
    assert body["experimentalStrategy"] == "replacement"
    assert body["unit"] is None


@pytest.mark.django_db
def test_domestic_violence_incident_sent_to_a_device_is_audited(personas, device_a1):
    # given
    incident = factories.incident(
        district=personas.a.district, category=Category.DOMESTIC_VIOLENCE, priority=Priority.P1
    )
    dispatch(incident=incident, unit=personas.a.patrol)

    # when
    device_a1.pull(None)

    # then
    entry = AuditEntry.objects.get(action="incident.read")
    officer = personas.a.patrol_officers[0]
    assert (entry.actor_id, entry.actor_kind, entry.district_id) == (
        officer.pk,
        "device",
        personas.a.district.pk,
    )
    assert entry.data_dict["incident_ids"] == [str(incident.pk)]


@pytest.mark.django_db
def test_pull_query_count_does_not_grow_with_the_page(
    personas, device_a1, django_assert_max_num_queries
):
    # given
    device_a1.pull(None)
    for _ in range(20):
        dispatch(incident=factories.incident(district=personas.a.district), unit=personas.a.patrol)

    # when / then
    with django_assert_max_num_queries(8):
        body = device_a1.pull()
    assert len(ids(body, "assignments")) == 20


@pytest.mark.django_db
def test_restricted_incident_takes_the_units_own_events_along(personas, assignment_a, device_a1):
    # given
    from .conftest import event

    device_a1.push(event("note", assignment_a, payload={"text": "victim's statement"}))
    device_a1.pull(None)
    incident = assignment_a.incident

    # when
    with uow.unit_of_work():
        incident.restricted = True
        incident.save(update_fields=["restricted"])
        uow.touch("incidents", incident.pk)
    body = device_a1.pull()

    # then
    assert len(ids(body, "events", "deleted")) == 1
    assert ids(body, "events") == []


MIGRATION = (
    '{"from":1,"tables":["field_notes"],'
    '"columns":[{"table":"assignments","columns":["deliver_due_at","escalation_level"]}]}'
)


@pytest.mark.django_db
def test_migration_sync_resends_the_held_records_of_the_migrated_tables(
    personas, assignment_a, device_a1
):
    # given: the device holds everything and nothing changed since
    cursor = device_a1.pull(None)["timestamp"]

    # when: the app's schema went 1 → 2 (WatermelonDB sends the migration on its next pull)
    response = device_a1.pull_raw(cursor, schema_version=2, migration=MIGRATION)
    plain = device_a1.pull_raw(cursor, schema_version=2, migration="null")

    # then: the assignments it holds, with the new columns; nothing else; an unknown table of
    # the app is ignored
    assert response.status_code == 200
    body = response.json()
    assert ids(body, "assignments") == [str(assignment_a.pk)]
    (record,) = body["changes"]["assignments"]["updated"]
    assert record["escalation_level"] == assignment_a.escalation_level
    assert "deliver_due_at" in record
    assert all(ids(body, t) == [] for t in body["changes"] if t != "assignments")
    assert "experimentalStrategy" not in body
    assert body["timestamp"] == cursor
    assert ids(plain.json(), "assignments") == []


@pytest.mark.django_db
def test_an_app_whose_own_database_moves_on_within_one_protocol_version_gets_its_migration(
    personas, assignment_a, device_a1
):
    # given: the field app numbers its database apart from the protocol (field/src/db.js):
    # its database is at 4 on protocol 4, and the next build adds a column the server already
    # sends (as 4 added assignments.safety_check_at within protocol 4's lifetime)
    cursor = device_a1.pull(None)["timestamp"]
    local_4_to_5 = (
        '{"from": 4, "tables": [], '
        '"columns": [{"table": "assignments", "columns": ["safety_check_at"]}]}'
    )

    # when: the upgraded app pulls with WatermelonDB's migration, its from = 4 = the protocol's
    response = device_a1.pull_raw(cursor, schema_version=4, migration=local_4_to_5)

    # then: served, not refused as malformed (the officer's phone would not sync again): the
    # assignments it holds come again, with the column
    assert response.status_code == 200, response.content
    (record,) = response.json()["changes"]["assignments"]["updated"]
    assert record["id"] == str(assignment_a.pk)
    assert "safety_check_at" in record


@pytest.mark.django_db
def test_migration_sync_carries_the_changes_since_the_cursor_too(personas, assignment_a, device_a1):
    # given
    cursor = device_a1.pull(None)["timestamp"]
    cancel(assignment_a)

    # when
    body = device_a1.pull_raw(cursor, schema_version=2, migration=MIGRATION).json()

    # then
    assert ids(body, "assignments") == [str(assignment_a.pk)]
    assert body["changes"]["assignments"]["updated"][0]["status"] == "cancelled"


@pytest.mark.parametrize(
    "migration",
    [
        "{",
        "[]",
        '{"from": -1, "tables": [], "columns": []}',
        '{"from": true, "tables": [], "columns": []}',
        '{"from": "3", "tables": [], "columns": []}',
        '{"from": 1, "tables": "assignments", "columns": []}',
        '{"from": 1, "tables": [], "columns": [{"table": "assignments"}]}',
        '{"from": 1, "tables": ["bad name!"], "columns": []}',
    ],
)
@pytest.mark.django_db
def test_malformed_migration_is_refused(device_a1, migration):
    # when
    response = device_a1.pull_raw("null", schema_version=2, migration=migration)

    # then
    assert response.status_code == 400
    assert response.json()["error"] == "malformed"


@pytest.mark.django_db
def test_a_migration_that_is_not_json_is_named_in_the_error(device_a1):
    # when: a pull has no body; the text that failed to parse is the query parameter
    response = device_a1.pull_raw("null", schema_version=2, migration="{from: 1}")

    # then
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "malformed"
    assert body["detail"] == "the migration parameter is not JSON"


@pytest.mark.django_db
def test_schema_newer_than_the_server_gets_its_own_error_with_the_served_range(device_a1):
    # when
    response = device_a1.pull_raw("null", schema_version=5)

    # then: not "malformed" — the app is fine, the server is older than it
    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "schema_too_new"
    assert (body["min_schema_version"], body["max_schema_version"]) == (1, 4)


def test_every_schema_version_s_columns_are_published():
    # given
    from backend.sync_gateway.render import TABLE_COLUMNS
    from sync.protocol import SCHEMA_HISTORY, SCHEMA_VERSION

    # then: the newest version's columns are on the wire, and the history reaches it
    assert max(SCHEMA_HISTORY) == SCHEMA_VERSION
    for added in SCHEMA_HISTORY.values():
        for table, columns in added.items():
            published = [name for name, _, _, _ in TABLE_COLUMNS[table]]
            assert set(columns) <= set(published)


@pytest.mark.django_db
def test_a_pull_at_the_head_is_one_statement(personas, device_a1, django_assert_num_queries):
    # given: the device is at the head; its anchor and presence were written this minute
    device_a1.pull(None)
    device_a1.pull()

    # when / then: the device, its officer, the head, the horizon and the scope together
    with django_assert_num_queries(1):
        body = device_a1.pull()
    assert body["changes"] == empty_changes(1)
    assert body["timestamp"] == uow.current_change_seq()


@pytest.mark.django_db
def test_a_pull_at_the_head_of_a_moved_officer_still_gets_its_snapshot(personas, device_a1):
    # given: at the head; then the officer moves to another unit (no change row is written)
    device_a1.pull(None)
    head = device_a1.pull()["timestamp"]
    officer = personas.a.patrol_officers[0]
    officer.unit = personas.a.inspector_unit
    officer.save(update_fields=["unit"])

    # when
    body = device_a1.pull(head)

    # then: not the one-statement answer
    assert body["experimentalStrategy"] == "replacement"


@pytest.mark.django_db
def test_a_revoked_device_at_the_head_is_told_to_wipe(personas, device_a1):
    # given
    from backend.devices.models import Device
    from backend.devices.services import device_revoke

    device_a1.pull(None)
    head = device_a1.pull()["timestamp"]
    device_revoke(device=Device.objects.get(), by=personas.a.chief)

    # when
    response = device_a1.pull_raw(head)

    # then
    assert response.status_code == 401
    assert response.json()["wipe"] is True


@pytest.mark.django_db
def test_short_answers_are_gzipped_from_200_bytes_when_accepted(device_a1):
    """docs/protocol.md §1: a client that asks for gzip gets it from 200 bytes (Django's
    GZipMiddleware under the views' own 512), so it must read gzip at any size."""
    # given: a pull at the head (every table empty: some 440 bytes) and an error (~130)
    head = device_a1.pull(None)["timestamp"]

    def get(params):
        return device_a1.client.get(
            "/api/sync/v1/pull", params, HTTP_ACCEPT_ENCODING="gzip", **device_a1.headers()
        )

    # when
    at_head = get({"last_pulled_at": head, "schema_version": 4})
    error = get({"last_pulled_at": "yesterday", "schema_version": 4})

    # then
    body = gzip.decompress(at_head.content)
    assert 200 <= len(body) < 512
    assert at_head["Content-Encoding"] == "gzip"
    assert orjson.loads(body)["timestamp"] == head
    assert len(error.content) < 200
    assert not error.has_header("Content-Encoding")


@pytest.mark.django_db
@pytest.mark.parametrize("scheme", ["device", "DEVICE", "Device"])
def test_the_authorization_scheme_is_case_insensitive(assignment_a, device_a1, scheme):
    """RFC 9110 §11.1: an authentication scheme is a case-insensitive token. A client team's
    HTTP stack that wrote `device <token>` was told the header was missing."""
    # given
    headers = {**device_a1.headers(), "HTTP_AUTHORIZATION": f"{scheme} {device_a1.token}"}

    # when
    pulled = device_a1.client.get(
        "/api/sync/v1/pull", {"last_pulled_at": "null", "schema_version": 4}, **headers
    )
    at_head = device_a1.client.get(
        "/api/sync/v1/pull",
        {"last_pulled_at": pulled.json()["timestamp"], "schema_version": 4},
        **headers,
    )
    pushed = device_a1.client.generic(
        "POST", "/api/sync/v1/push", b'{"changes": {}}', content_type="application/json", **headers
    )

    # then
    assert (pulled.status_code, at_head.status_code, pushed.status_code) == (200, 200, 200)
    assert ids(pulled.json(), "assignments") == [str(assignment_a.pk)]
