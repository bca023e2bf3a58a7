import datetime as dt

import pytest

from backend.common import clock
from backend.dispatch.models import Conflict, Event
from backend.dispatch.services import fact_record
from backend.ledger.models import AuditEntry
from tests.backend.sync_support import cancel, event, ids

pytestmark = pytest.mark.usefixtures("published")


@pytest.mark.django_db
def test_acknowledgement_on_behalf_projects_onto_the_assignment(personas, assignment_a):
    # given
    now = clock.now()

    # when
    with clock.frozen(now):
        event = fact_record(
            kind="ack",
            assignment=assignment_a,
            source="on_behalf",
            actor=personas.duty,
            officer=None,
            via="radio",
            payload={"note": "heard on channel 2"},
        )

    # then
    assignment_a.refresh_from_db()
    assert (
        assignment_a.status,
        assignment_a.acknowledged_at,
        assignment_a.acknowledged_event_id,
    ) == ("acknowledged", now, event.pk)
    stored = Event.objects.get(pk=event.pk)
    assert (stored.kind, stored.source, stored.via, stored.disposition, stored.estimate_method) == (
        "ack",
        "on_behalf",
        "radio",
        "applied",
        "server",
    )
    assert (stored.incident_id, stored.unit_id, stored.estimated_at) == (
        assignment_a.incident_id,
        personas.a.patrol.pk,
        now,
    )
    assert (
        AuditEntry.objects.filter(action="event.on_behalf_recorded", actor=personas.duty).count()
        == 1
    )


@pytest.mark.django_db
def test_sms_acknowledgement_from_another_units_officer_is_not_assignee_with_conflict(
    personas, assignment_a
):
    # given
    stranger = personas.b.patrol_officers[0]

    # when
    event = fact_record(
        kind="ack",
        assignment=assignment_a,
        source="sms",
        actor=stranger,
        officer=stranger,
        via="sms",
        payload={"text": "OK 1234"},
    )

    # then
    assignment_a.refresh_from_db()
    assert (assignment_a.status, assignment_a.acknowledged_at) == ("dispatched", None)
    assert event.disposition == "not_assignee"
    conflict = Conflict.objects.get()
    assert (conflict.kind, conflict.district_id, conflict.event_id, conflict.assignment_id) == (
        "not_assignee",
        personas.a.district.pk,
        event.pk,
        assignment_a.pk,
    )
    assert conflict.server_side["assignee_unit_id"] == personas.a.patrol.pk
    assert conflict.device_side["officer_id"] == stranger.pk


@pytest.mark.django_db
def test_acknowledgement_on_behalf_after_cancellation_opens_after_cancel_conflict(
    personas, assignment_a
):
    # given
    cancel(assignment_a, at=clock.now() - dt.timedelta(seconds=10), by=personas.duty)

    # when
    event = fact_record(
        kind="ack",
        assignment=assignment_a,
        source="on_behalf",
        actor=personas.duty,
        via="phone",
        payload={},
    )

    # then
    assignment_a.refresh_from_db()
    assert (assignment_a.status, assignment_a.acknowledged_at) == ("cancelled", None)
    assert event.disposition == "after_cancel"
    conflict = Conflict.objects.get()
    assert conflict.kind == "after_cancel"
    assert conflict.server_side["command"]["name"] == "cancel"
    assert conflict.server_side["command"]["actor_id"] == personas.duty.pk


@pytest.mark.django_db
def test_second_acknowledgement_keeps_the_first_and_is_superseded(personas, assignment_a):
    # given
    first = fact_record(
        kind="ack", assignment=assignment_a, source="on_behalf", actor=personas.duty, via="radio"
    )

    # when
    second = fact_record(
        kind="ack", assignment=assignment_a, source="on_behalf", actor=personas.duty, via="phone"
    )

    # then
    assignment_a.refresh_from_db()
    assert assignment_a.acknowledged_event_id == first.pk
    assert (first.disposition, second.disposition) == ("applied", "superseded")


@pytest.mark.django_db
def test_device_and_chief_outcomes_are_kept_and_differing_codes_open_a_conflict(
    personas, assignment_a, device_a1
):
    # given: the officer reports a warning

    device_a1.push(event("outcome", assignment_a, payload={"code": "warning", "text": "talked"}))

    # when: the chief records a protective order afterwards
    chief_says = fact_record(
        kind="outcome",
        assignment=assignment_a,
        source="backfill",
        actor=personas.a.chief,
        payload={"code": "protective_order"},
    )

    # then
    incident = assignment_a.incident
    incident.refresh_from_db()
    assert (incident.outcome_code, incident.outcome_event_id) == ("protective_order", chief_says.pk)
    assert Event.objects.filter(kind="outcome").count() == 2
    conflict = Conflict.objects.get()
    assert conflict.kind == "outcome_mismatch"
    assert conflict.server_side["outcome"]["code"] == "warning"


@pytest.mark.django_db
def test_outcome_with_a_registry_number_writes_it_onto_the_incident(
    personas, assignment_a, device_a1
):
    # given
    outcome = {"code": "criminal_case", "registry_kind": "erdr", "registry_number": "261/7"}
    device_a1.push(event("outcome", assignment_a, payload=outcome))

    # when: a later revision names no number
    device_a1.push(event("outcome", assignment_a, payload={"code": "criminal_case"}))

    # then
    incident = assignment_a.incident
    incident.refresh_from_db()
    assert (incident.registry_erdr, incident.registry_kui, incident.registry_erap) == (
        "261/7",
        "",
        "",
    )
    stored = Event.objects.filter(kind="outcome").order_by("server_received_at", "id").first()
    assert stored.payload == outcome


@pytest.mark.django_db
def test_delivered_receipt_sets_delivered_time_once(personas, assignment_a, device_a1):
    # given

    receipt = event("delivered", assignment_a)

    # when
    first = device_a1.push(receipt)
    again = device_a1.push(receipt)

    # then
    assignment_a.refresh_from_db()
    assert (assignment_a.status, assignment_a.delivered_event_id) == ("delivered", receipt["id"])
    assert [first[0]["status"], again[0]["status"]] == ["accepted", "duplicate"]


@pytest.mark.django_db
def test_cleared_releases_the_unit_when_nothing_else_is_open(personas, assignment_a, device_a1):
    # given

    device_a1.push(event("on_scene", assignment_a))
    assignment_a.incident.refresh_from_db()
    assert assignment_a.incident.status == "active"

    # when
    device_a1.push(event("cleared", assignment_a))

    # then
    assignment_a.refresh_from_db()
    personas.a.patrol.refresh_from_db()
    assert (assignment_a.status, personas.a.patrol.status) == ("cleared", "available")
    assert assignment_a.closed_at is not None
    assert assignment_a.incident.status == "cleared"


@pytest.mark.django_db
def test_latest_unit_status_by_estimated_time_wins_whatever_the_arrival_order(personas, device_a1):
    # given: "busy" recorded later, pushed first; "available" recorded earlier, pushed after;
    # both after the phone was enrolled (an event cannot predate its device)

    later = clock.now() + dt.timedelta(minutes=5)
    now = clock.to_ms(later)
    busy = event(
        "unit_status",
        None,
        payload={"status": "busy"},
        elapsed_ms=100_000 - 10_000,
        device_time=now - 10_000,
    )
    available = event(
        "unit_status",
        None,
        payload={"status": "available"},
        elapsed_ms=100_000 - 60_000,
        device_time=now - 60_000,
    )

    # when
    with clock.frozen(later):
        device_a1.push(busy)
        results = device_a1.push(available)

    # then
    personas.a.patrol.refresh_from_db()
    assert personas.a.patrol.status == "busy"
    assert results[0]["disposition"] == "superseded"
    assert Event.objects.get(pk=busy["id"]).disposition == "applied"


@pytest.mark.django_db
def test_chief_out_of_service_wins_over_device_status_recorded_before_it(personas, device_a1):
    # given: five minutes after enrolment, the chief took the car out of service a minute ago;
    # the officer had set "available" a minute and a half ago, offline

    later = clock.now() + dt.timedelta(minutes=5)
    unit = personas.a.patrol
    unit.status, unit.status_at = "out_of_service", later - dt.timedelta(minutes=1)
    unit.status_locked_at = unit.status_at
    unit.save(update_fields=["status", "status_at", "status_locked_at"])
    earlier = event(
        "unit_status",
        None,
        payload={"status": "available"},
        elapsed_ms=100_000 - 90_000,
        device_time=clock.to_ms(later) - 90_000,
    )

    # when
    with clock.frozen(later):
        results = device_a1.push(earlier)

    # then
    unit.refresh_from_db()
    assert unit.status == "out_of_service"
    assert results[0]["disposition"] == "superseded"


@pytest.mark.django_db
def test_location_moves_the_unit_and_older_positions_stay_history(personas, device_a1):
    # given

    later = clock.now() + dt.timedelta(minutes=5)
    now = clock.to_ms(later)
    newer = event(
        "location", None, lat=47.5, lon=80.1, elapsed_ms=100_000 - 5_000, device_time=now - 5_000
    )
    older = event(
        "location", None, lat=47.4, lon=80.0, elapsed_ms=100_000 - 50_000, device_time=now - 50_000
    )

    # when
    with clock.frozen(later):
        results = device_a1.push(newer, older)

    # then
    unit = personas.a.patrol
    unit.refresh_from_db()
    assert (unit.lat, unit.lon) == (47.5, 80.1)
    assert [r["disposition"] for r in results] == ["applied", "recorded"]


@pytest.mark.django_db
def test_unit_events_age_out_of_the_units_devices(personas, device_a1, settings):
    # given
    from backend.sync_gateway.scope import age_out

    note = event("note", None, payload={"text": "fuel low"})
    device_a1.push(note)
    assert ids(device_a1.pull(None), "events") == [note["id"]]

    # when
    with clock.frozen(
        clock.now() + dt.timedelta(hours=settings.KUZET_SCOPE_CLOSED_HOURS, seconds=1)
    ):
        age_out()
        body = device_a1.pull()

    # then
    assert ids(body, "events", "deleted") == [note["id"]]
