"""Conformance: a stock WatermelonDB 0.28 app (LokiJS adapter, the stock ``synchronize()``)
against a real server process on PostgreSQL — the claim "a stock WatermelonDB app syncs
unchanged" (docs/protocol.md), scenario by scenario (issue 10).

Server-side actions go through the real services (dispatch, cancel, reassign, revoke); what
the app holds is compared with what the server says its scope is, record by record.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from backend.common import clock
from backend.devices.models import Device
from backend.devices.services import device_revoke, enrolment_code_issue
from backend.dispatch import services
from backend.dispatch.models import Assignment, Conflict, Event
from backend.ledger import uow
from backend.sync_gateway.models import ChangeLogHorizon
from backend.sync_gateway.scope import reference_reconcile
from tests import factories
from tests.backend.sync_gateway.conftest import server_view

from .conftest import SNAPSHOT_MAX

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def enrolled(app: Any, officer: Any, **arguments: Any) -> Any:
    phone = app(**arguments)
    phone.enroll(enrolment_code_issue(officer=officer))
    return phone


def assert_holds_its_scope(phone: Any) -> None:
    """Every record of the device's scope, with the server's values, and nothing else."""
    held = phone.tables()
    # This suite's stock app speaks protocol schema 1 or 2: it has no follow_ups table.
    expected = server_view(phone.device_id, schema_version=2)
    for table, records in expected.items():
        assert sorted(held[table]) == sorted(records), table
        for record_id, record in records.items():
            local = held[table][record_id]
            assert local == {column: record[column] for column in local}, (table, record_id)


def dispatched(personas: Any, unit: Any) -> Assignment:
    reference_reconcile()
    incident = factories.incident(district=personas.a.district, settlement=personas.a.village)
    return services.incident_dispatch(incident=incident, unit=unit, by=personas.duty)


def test_enrolled_app_holds_its_whole_scope_after_one_sync(personas, app):
    # given
    assignment = dispatched(personas, personas.a.patrol)
    phone = enrolled(app, personas.a.patrol_officers[0])

    # when
    result = phone.sync()

    # then: one synchronize(), one replacement response
    assert len(result["rounds"]) == 1
    (pulled,) = [r["pulled"] for r in result["rounds"]]
    assert (pulled["has_more"], pulled["strategy"]) == (False, "replacement")
    assert str(assignment.pk) in phone.tables()["assignments"]
    assert_holds_its_scope(phone)


def test_an_app_on_schema_2_syncs_an_inspector_owing_a_dv_visit_without_the_new_table(
    personas, app
):
    # given: a DV call whose follow-up visit A's inspector owes (schema 3's follow_ups)
    reference_reconcile()
    incident, _subject = factories.dv_call(personas)
    phone = enrolled(app, personas.a.inspector)

    # when: a stock WatermelonDB app of schema 2 syncs, then syncs again after the visit
    phone.sync()
    (task,) = incident.follow_ups.all()
    services.follow_up_done(task=task, by=personas.duty, note="")
    phone.sync()

    # then: it holds the call with its scope (the table it does not know is not sent to it)
    assert str(incident.pk) in phone.tables()["incidents"]
    assert_holds_its_scope(phone)


def test_offline_shift_of_300_events_arrives_with_one_sync(personas, app):
    # given: the app synced once, then works offline for a shift
    assignment = dispatched(personas, personas.a.patrol)
    phone = enrolled(app, personas.a.patrol_officers[0])
    phone.sync()
    milestones = phone.record(["ack", "en_route", "on_scene"], assignment.pk, count=3)
    notes = phone.record("note", assignment.pk, payload={"text": "обход"}, count=150)
    positions = phone.record("location", None, lat=47.96, lon=80.43, count=147)
    recorded = {e["id"] for e in milestones + notes + positions}

    # when: one synchronize()
    result = phone.sync(rounds=1)

    # then: all 300 stored once, applied in order, nothing left to push
    assert len(recorded) == 300
    pushed = result["rounds"][0]["pushed"]
    assert [r["status"] for r in pushed] == ["accepted"] * 300
    assert set(Event.objects.filter(device_id=phone.device_id).values_list("id", flat=True)) == (
        recorded
    )
    assignment.refresh_from_db()
    assert assignment.status == "on_scene"
    assert not phone.unsynced()
    # …and the server's version of every event comes back as the app keeps syncing
    phone.sync()
    assert recorded <= set(phone.tables()["events"])
    assert_holds_its_scope(phone)


def test_lost_push_answer_then_retry_stores_once(personas, app):
    # given
    assignment = dispatched(personas, personas.a.patrol)
    phone = enrolled(app, personas.a.patrol_officers[0])
    phone.sync()
    (ack,) = phone.record("ack", assignment.pk)

    # when: the server commits the push, the answer is lost; the app syncs again
    lost = phone.sync(lose_push_response=True)
    still_unsynced = phone.unsynced()
    retried = phone.sync()

    # then
    assert "lost" in lost["error"]
    assert still_unsynced
    assert [(r["id"], r["status"]) for r in retried["rounds"][0]["pushed"]] == [
        (ack["id"], "duplicate")
    ]
    assert Event.objects.filter(id=ack["id"]).count() == 1
    assert not phone.unsynced()
    assert_holds_its_scope(phone)


def test_reassignment_moves_the_assignment_out_of_one_app_and_into_another(personas, app):
    # given: the patrol car's phone acknowledged; the inspector's phone holds nothing of it
    assignment = dispatched(personas, personas.a.patrol)
    patrol = enrolled(app, personas.a.patrol_officers[0])
    inspector = enrolled(app, personas.a.inspector)
    patrol.sync()
    inspector.sync()
    (ack,) = patrol.record("ack", assignment.pk)
    patrol.sync()

    # when
    moved = services.assignment_reassign(
        assignment=assignment, unit=personas.a.inspector_unit, by=personas.duty
    )
    patrol.sync()
    inspector.sync()

    # then
    assert str(assignment.pk) not in patrol.tables()["assignments"]
    assert str(assignment.incident_id) not in patrol.tables()["incidents"]
    held = inspector.tables()
    assert held["assignments"][str(moved.pk)]["status"] == "dispatched"
    assert str(moved.incident_id) in held["incidents"]
    assert ack["id"] in held["events"]  # moved in with its incident
    assert_holds_its_scope(patrol)
    assert_holds_its_scope(inspector)


def test_large_scope_arrives_whole_tables_first_and_nothing_held_is_dropped(personas, app):
    # given: 300 more villages in the district — a scope above the snapshot bound
    for n in range(300):
        factories.settlement(
            okrug=personas.a.okrug,
            kato=f"10{n:04d}999",
            name=f"Ауыл {n}",
            lat=47.0 + n / 1000,
            lon=80.0,
        )
    assignment = dispatched(personas, personas.a.patrol)
    phone = enrolled(app, personas.a.patrol_officers[0])

    # when: a fresh app's first synchronize()
    first = phone.sync(rounds=1)["rounds"][0]["pulled"]

    # then: its own open assignment is there at once, with whole tables
    assert first["has_more"] is True
    assert first["strategy"]["override"] == dict.fromkeys(
        ["assignments", "incidents", "events", "units"], "replacement"
    )
    assert str(assignment.pk) in phone.tables()["assignments"]
    rest = phone.sync()
    assert len(rest["rounds"]) >= 2
    assert_holds_its_scope(phone)
    held_before = {t: set(r) for t, r in phone.tables().items()}
    assert sum(map(len, held_before.values())) > SNAPSHOT_MAX

    # when: the change log is pruned past its cursor — a re-snapshot while holding everything
    with uow.unit_of_work():
        uow.touch("units", personas.a.patrol.pk)
    ChangeLogHorizon.objects.filter(id=1).update(pruned_through=uow.current_change_seq())
    again = phone.sync(rounds=1)["rounds"][0]["pulled"]

    # then: after each round it still holds everything it held
    assert again["strategy"]["default"] == "incremental"
    held = {t: set(r) for t, r in phone.tables().items()}
    assert all(held[t] >= held_before[t] for t in held_before)
    phone.sync()
    assert_holds_its_scope(phone)


def test_conflict_after_cancel_reaches_the_chiefs_queue_and_the_app_sees_the_cancel(personas, app):
    # given: the app holds the assignment, then goes out of coverage
    assignment = dispatched(personas, personas.a.patrol)
    phone = enrolled(app, personas.a.patrol_officers[0])
    phone.sync()

    # when: the duty officer cancels; the officer, not knowing, reports arrival; then syncs
    services.assignment_cancel(assignment=assignment, by=personas.duty, reason="false call")
    (on_scene,) = phone.record("on_scene", assignment.pk, lat=46.95, lon=79.67)
    result = phone.sync()

    # then
    assert [(r["id"], r["status"], r["disposition"]) for r in result["rounds"][0]["pushed"]] == [
        (on_scene["id"], "accepted", "after_cancel")
    ]
    assert list(Conflict.objects.filter(assignment=assignment).values_list("kind", flat=True)) == [
        "after_cancel"
    ]
    assert phone.tables()["assignments"][str(assignment.pk)]["status"] == "cancelled"
    phone.sync()  # synchronize() pulls before it pushes: the push's effects come next time
    assert_holds_its_scope(phone)


def test_device_clock_three_hours_ahead_is_dated_by_the_servers_clock(personas, app):
    # given: a phone whose wall clock runs 3 h fast
    assignment = dispatched(personas, personas.a.patrol)
    phone = app()
    phone.call("set_clock", skew_ms=3 * 3600 * 1000)
    phone.enroll(enrolment_code_issue(officer=personas.a.patrol_officers[0]))
    phone.sync()

    # when
    (ack,) = phone.record("ack", assignment.pk)
    phone.sync()

    # then: the raw device time is kept as sent; the estimate is the true time
    event = Event.objects.get(id=ack["id"])
    assert event.device_time - ack["true_time"] == pytest.approx(3 * 3600 * 1000, abs=2000)
    error_ms = abs(clock.to_ms(event.estimated_at) - ack["true_time"])
    assert event.estimate_method == "anchor"
    assert error_ms <= event.estimate_uncertainty_ms
    assignment.refresh_from_db()
    assert abs(assignment.acknowledged_at - clock.from_ms(ack["true_time"])) < dt.timedelta(
        seconds=15
    )


def test_revoked_device_wipes_its_database(personas, app):
    # given
    dispatched(personas, personas.a.patrol)
    phone = enrolled(app, personas.a.patrol_officers[0])
    phone.sync()
    assert phone.tables()["assignments"]

    # when
    device_revoke(device=Device.objects.get(pk=phone.device_id), by=personas.a.chief)
    result = phone.sync()

    # then
    assert (result["wiped"], result["error"]) == (True, "device_revoked")
    assert all(records == {} for records in phone.tables().values())


def test_schema_migration_sync_fills_the_new_columns_of_records_already_held(personas, app):
    # given: an app on schema 1 (no escalation columns) holds an assignment whose escalation
    # level the server knows; nothing about the assignment changes afterwards
    assignment = dispatched(personas, personas.a.patrol)
    Assignment.objects.filter(pk=assignment.pk).update(escalation_level=2)
    phone = enrolled(app, personas.a.patrol_officers[0], schema_version=1)
    phone.sync()
    assert "escalation_level" not in phone.tables()["assignments"][str(assignment.pk)]

    # when: the app is updated to schema 2 (WatermelonDB migrates the stored data) and syncs
    phone.call("upgrade", schema_version=2)
    result = phone.sync()

    # then: WatermelonDB sent the migration; the held record got the new columns' values
    pulled = result["rounds"][0]["pulled"]
    assert pulled["migration"] == {
        "from": 1,
        "tables": [],
        "columns": [{"table": "assignments", "columns": ["deliver_due_at", "escalation_level"]}],
    }
    assert pulled["counts"]["assignments"] == 1
    local = phone.tables()["assignments"][str(assignment.pk)]
    assert local["escalation_level"] == 2
    assert_holds_its_scope(phone)
