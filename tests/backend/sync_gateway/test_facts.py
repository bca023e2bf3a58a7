import datetime as dt

import pytest
from django.conf import settings
from django.utils.module_loading import import_string

from backend.common import clock
from backend.dispatch.models import Conflict, Event
from backend.ledger.models import AuditEntry

from .conftest import cancel


def recorder():
    return import_string(settings.KUZET_FACT_RECORDER)


@pytest.mark.django_db
def test_acknowledgement_on_behalf_projects_onto_the_assignment(personas, assignment_a):
    # given
    now = clock.now()

    # when
    with clock.frozen(now):
        event = recorder()(
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
    event = recorder()(
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
    event = recorder()(
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
    first = recorder()(
        kind="ack", assignment=assignment_a, source="on_behalf", actor=personas.duty, via="radio"
    )

    # when
    second = recorder()(
        kind="ack", assignment=assignment_a, source="on_behalf", actor=personas.duty, via="phone"
    )

    # then
    assignment_a.refresh_from_db()
    assert assignment_a.acknowledged_event_id == first.pk
    assert (first.disposition, second.disposition) == ("applied", "superseded")
