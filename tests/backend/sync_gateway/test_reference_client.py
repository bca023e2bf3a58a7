"""The reference device client (sync/client.py) against the real server, in process."""

import datetime as dt

import pytest

from backend.common import clock
from backend.dispatch.models import Event
from backend.dispatch.selectors import desk_messages
from backend.dispatch.services import assignment_message
from sync.client import SyncUnavailable

from .conftest import cancel, device_view, dispatch, reassign, server_view


@pytest.mark.django_db
def test_device_converges_after_a_clean_offline_batch(personas, assignment_a, make_device):
    # given
    phone = make_device(personas.a.patrol_officers[0])
    phone.sync()
    aid = str(assignment_a.pk)
    phone.faults.offline = True
    recorded = [
        phone.record_event("ack", aid),
        phone.record_event("en_route", aid),
        phone.record_event("note", aid, {"text": "no answer at the gate"}),
    ]

    # when
    phone.faults.offline = False
    phone.sync()

    # then
    assert sorted(
        Event.objects.filter(device__isnull=False).values_list("id", flat=True)
    ) == sorted(recorded)
    assert phone.outbox() == []
    assert device_view(phone) == server_view(phone.device_id)
    assert phone.record("assignments", aid)["status"] == "en_route"


@pytest.mark.django_db
def test_response_lost_after_commit_then_retry_stores_once(personas, assignment_a, make_device):
    # given
    phone = make_device(personas.a.patrol_officers[0])
    phone.sync()
    ack = phone.record_event("ack", str(assignment_a.pk))
    phone.faults.lose_response = [True]  # the push commits, its answer is lost

    # when
    results = phone.push()  # the client retries: the second answer says duplicate
    phone.pull()

    # then
    assert results == [{"id": ack, "status": "duplicate", "disposition": "applied"}]
    assert Event.objects.filter(pk=ack).count() == 1
    assert phone.outbox() == []
    assert device_view(phone) == server_view(phone.device_id)


@pytest.mark.django_db
def test_request_delivered_twice_by_the_network_stores_once(personas, assignment_a, make_device):
    # given
    phone = make_device(personas.a.patrol_officers[0])
    phone.sync()
    ack = phone.record_event("ack", str(assignment_a.pk))
    phone.faults.send_twice = [True]

    # when
    phone.sync()

    # then
    assert Event.objects.filter(pk=ack).count() == 1
    assert device_view(phone) == server_view(phone.device_id)


@pytest.mark.django_db
def test_reassignment_moves_out_of_the_old_device_and_in_to_the_new(
    personas, assignment_a, make_device
):
    # given
    old = make_device(personas.a.patrol_officers[0])
    new = make_device(personas.a.inspector)
    old.sync()
    new.sync()
    assert old.record("assignments", str(assignment_a.pk)) is not None

    # when
    moved = reassign(assignment_a, to=personas.a.inspector_unit)
    old.sync()
    new.sync()

    # then
    assert old.record("assignments", str(assignment_a.pk)) is None
    assert old.record("incidents", str(assignment_a.incident_id)) is None
    assert new.record("assignments", str(moved.pk))["status"] == "dispatched"
    assert new.record("incidents", str(assignment_a.incident_id)) is not None
    assert device_view(old) == server_view(old.device_id)
    assert device_view(new) == server_view(new.device_id)


@pytest.mark.django_db
def test_unknown_cursor_gets_a_snapshot_that_keeps_unpushed_events(
    personas, assignment_a, make_device
):
    # given
    phone = make_device(personas.a.patrol_officers[0])
    phone.sync()
    pending = phone.record_event("on_scene", str(assignment_a.pk))
    with phone._transaction():
        phone._set_meta("last_pulled_at", str(10**12))  # a cursor from another server

    # when
    summary = phone.pull()

    # then
    assert summary.replaced is True
    assert [e["id"] for e in phone.outbox()] == [pending]
    assert phone.record("events", pending) is not None
    phone.sync()
    assert phone.outbox() == []
    assert device_view(phone) == server_view(phone.device_id)


@pytest.mark.django_db
def test_late_arrival_after_cancel_reaches_the_device_with_its_disposition(
    personas, assignment_a, make_device
):
    # given
    phone = make_device(personas.a.patrol_officers[0])
    phone.sync()
    cancel(assignment_a, at=clock.now() - dt.timedelta(seconds=1), by=personas.duty)
    arrived = phone.record_event("on_scene", str(assignment_a.pk))

    # when
    phone.sync()

    # then
    assert phone.record("events", arrived)["disposition"] == "after_cancel"
    assert phone.record("assignments", str(assignment_a.pk))["status"] == "cancelled"
    assert phone.outbox() == []


@pytest.mark.django_db
def test_event_on_another_units_assignment_is_kept_and_the_sender_gets_it_back(
    personas, incident_a, make_device
):
    # given
    theirs = dispatch(incident=incident_a, unit=personas.b.patrol)
    phone = make_device(personas.a.patrol_officers[0])
    phone.sync()

    # when
    stray = phone.record_event("ack", str(theirs.pk))
    phone.sync()

    # then
    assert Event.objects.get(pk=stray).disposition == "not_assignee"
    assert phone.outbox() == []
    assert device_view(phone) == server_view(phone.device_id)


@pytest.mark.django_db
def test_a_read_receipt_recorded_offline_reaches_the_desk_once_though_its_answer_was_lost(
    personas, assignment_a, make_device
):
    # given: the desk's message on the phone; the officer reads it in a white spot
    phone = make_device(personas.a.patrol_officers[0])
    message = assignment_message(assignment=assignment_a, by=personas.duty, text="У него нож")
    phone.sync()
    assert phone.record("events", message.pk)["source"] == "desk"
    phone.faults.offline = True
    receipt = phone.record_event("read", str(assignment_a.pk), {"event_id": message.pk})
    with pytest.raises(SyncUnavailable):
        phone.sync()  # no link
    assert [e["id"] for e in phone.outbox()] == [receipt]  # kept, waiting

    # when: back in coverage, the push commits and its answer is lost; the client retries
    phone.faults.offline = False
    phone.faults.lose_response = [True]
    results = phone.push()
    phone.pull()

    # then: stored once, the message read at the receipt's time, the outbox empty
    assert results == [{"id": receipt, "status": "duplicate", "disposition": "recorded"}]
    assert Event.objects.filter(pk=receipt).count() == 1
    (sent,) = desk_messages([assignment_a.pk])[assignment_a.pk]
    assert sent.read_at == Event.objects.get(pk=receipt).estimated_at
    assert phone.outbox() == []
    assert device_view(phone) == server_view(phone.device_id)
