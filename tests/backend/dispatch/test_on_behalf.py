"""What a duty officer records on an officer's behalf (issue 13): any milestone heard by radio
or phone — acknowledged, en route, on scene, cleared — and the outcome, each with its channel,
the time as reported and its own uncertainty, through the same rules as device facts; the
registry numbers; reopening a cancelled incident."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from backend.common import clock
from backend.common.errors import Conflict, NotFound, ValidationFailed
from backend.dispatch import kpis
from backend.dispatch.models import Incident
from backend.dispatch.services import (
    assignment_cancel,
    assignment_record_on_behalf,
    incident_cancel,
    incident_registry_set,
    incident_reopen,
)
from backend.ledger.models import AuditEntry
from tests import factories

from .conftest import T0, boards, dispatch_a_call, snapshot


@pytest.fixture
def dispatched(personas):
    """A P1 call in Ayagoz received at T0, A-PC1 (with a phone) dispatched at T0 + 1 min."""
    return dispatch_a_call(personas, priority="P1")


def test_an_arrival_heard_by_radio_is_recorded_at_the_reported_time_and_counts_in_kpis(
    personas, dispatched, django_capture_on_commit_callbacks, notifications
):
    # given: at 08:20 the duty officer hears that the car arrived at 08:12, give or take 3 min
    reported = T0 + dt.timedelta(minutes=12)

    # when
    with (
        clock.frozen(T0 + dt.timedelta(minutes=20)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        event = assignment_record_on_behalf(
            assignment=dispatched,
            by=personas.duty,
            kind="on_scene",
            channel="radio",
            occurred_at=reported,
            uncertainty_s=180,
            note="на месте, по рации",
        )

    # then: the fact, its time and spread, the assignment and the incident moved by it
    assert (event.kind, event.source, event.via, event.disposition) == (
        "on_scene",
        "on_behalf",
        "radio",
        "applied",
    )
    assert event.payload == {"note": "на месте, по рации", "uncertainty_s": 180}
    assert (event.estimated_at, event.estimate_uncertainty_ms) == (reported, 180_000)
    dispatched.refresh_from_db()
    assert (dispatched.status, dispatched.on_scene_at) == ("on_scene", reported)
    assert dispatched.next_escalation_at is None  # the ladder has nothing left to ask
    incident = kpis.incidents_with_kpis(Incident.objects.filter(pk=dispatched.incident_id)).get()
    assert (incident.status, incident.first_on_scene_at) == ("active", reported)
    assert round(incident.response_s) == 12 * 60
    # audited as done on the officer's behalf, and the board told
    audit = AuditEntry.objects.get(action="assignment.recorded_on_behalf")
    assert json.loads(audit.data) == {
        "channel": "radio",
        "note": "на месте, по рации",
        "event_id": event.pk,
        "kind": "on_scene",
        "occurred_at": reported.isoformat(),
        "uncertainty_s": 180,
        "disposition": "applied",
    }
    assert AuditEntry.objects.filter(action="event.on_behalf_recorded").count() == 1
    told = boards(notifications(), "assignment.recorded_on_behalf")
    assert [(b["assignment_id"], b["milestone"], b["via"]) for b in told] == [
        (dispatched.pk, "on_scene", "radio")
    ]


def test_every_milestone_and_the_outcome_can_be_recorded_on_behalf(personas, dispatched):
    # when: the whole call, reported by phone and radio one step at a time
    steps = [
        ("ack", "phone", 2),
        ("en_route", "radio", 3),
        ("on_scene", "radio", 15),
        ("cleared", "in_person", 40),
    ]
    for kind, channel, minute in steps:
        with clock.frozen(T0 + dt.timedelta(minutes=minute)):
            assignment_record_on_behalf(
                assignment=dispatched, by=personas.duty, kind=kind, channel=channel
            )
    with clock.frozen(T0 + dt.timedelta(minutes=41)):
        outcome = assignment_record_on_behalf(
            assignment=dispatched,
            by=personas.duty,
            kind="outcome",
            channel="phone",
            outcome_code="report_taken",
            outcome_text="заявление принято",
        )

    # then
    dispatched.refresh_from_db()
    assert [
        dispatched.acknowledged_at,
        dispatched.en_route_at,
        dispatched.on_scene_at,
        dispatched.cleared_at,
    ] == [T0 + dt.timedelta(minutes=m) for _, _, m in steps]
    assert dispatched.status == "cleared"
    incident = Incident.objects.get(pk=dispatched.incident_id)
    assert (incident.status, incident.outcome_code, incident.outcome_text) == (
        "cleared",
        "report_taken",
        "заявление принято",
    )
    assert incident.outcome_event_id == outcome.pk
    assert list(
        AuditEntry.objects.filter(action__startswith="assignment.")
        .order_by("id")
        .values_list("action", flat=True)
    ) == [
        "assignment.dispatched",
        "assignment.acknowledged_on_behalf",
        *["assignment.recorded_on_behalf"] * 4,
    ]


@pytest.mark.parametrize(
    ("when", "code"),
    [
        (dt.timedelta(minutes=30), "time_in_future"),  # it is 08:10 now
        (dt.timedelta(seconds=30), "before_dispatch"),  # dispatched at 08:01
    ],
)
def test_a_time_in_the_future_or_before_the_dispatch_is_refused_and_nothing_changes(
    personas, dispatched, when, code
):
    # given
    before = snapshot()

    # when
    with clock.frozen(T0 + dt.timedelta(minutes=10)), pytest.raises(ValidationFailed) as exc:
        assignment_record_on_behalf(
            assignment=dispatched,
            by=personas.duty,
            kind="on_scene",
            channel="radio",
            occurred_at=T0 + when,
        )

    # then
    assert exc.value.code == code
    assert snapshot() == before


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"kind": "delivered", "channel": "radio"}, "invalid_kind"),
        ({"kind": "on_scene", "channel": "pigeon"}, "invalid_channel"),
        ({"kind": "on_scene", "channel": "radio", "uncertainty_s": -60}, "invalid_uncertainty"),
        (
            {"kind": "outcome", "channel": "radio", "outcome_code": "nonsense"},
            "invalid_outcome_code",
        ),
    ],
)
def test_what_cannot_be_recorded_on_behalf_is_refused(personas, dispatched, kwargs, code):
    before = snapshot()

    with clock.frozen(T0 + dt.timedelta(minutes=10)), pytest.raises(ValidationFailed) as exc:
        assignment_record_on_behalf(assignment=dispatched, by=personas.duty, **kwargs)

    assert exc.value.code == code
    assert snapshot() == before


def test_a_milestone_recorded_twice_or_on_a_cancelled_assignment_is_refused(personas, dispatched):
    # given
    with clock.frozen(T0 + dt.timedelta(minutes=5)):
        assignment_record_on_behalf(
            assignment=dispatched, by=personas.duty, kind="on_scene", channel="radio"
        )
    before = snapshot()

    # when / then: the arrival is there already
    with clock.frozen(T0 + dt.timedelta(minutes=6)), pytest.raises(Conflict) as twice:
        assignment_record_on_behalf(
            assignment=dispatched, by=personas.duty, kind="on_scene", channel="phone"
        )
    assert twice.value.code == "already_recorded"
    assert snapshot() == before

    # when / then: a stood-down unit's report is not taken as the office's word
    with clock.frozen(T0 + dt.timedelta(minutes=7)):
        assignment_cancel(assignment=dispatched, by=personas.duty, reason="отбой")
    before = snapshot()
    with clock.frozen(T0 + dt.timedelta(minutes=8)), pytest.raises(Conflict) as cancelled:
        assignment_record_on_behalf(
            assignment=dispatched,
            by=personas.duty,
            kind="outcome",
            channel="phone",
            outcome_code="no_offence",
        )
    assert cancelled.value.code == "assignment_closed"
    assert snapshot() == before


def test_a_chief_of_another_district_cannot_record_on_behalf(personas, dispatched):
    before = snapshot()

    with clock.frozen(T0 + dt.timedelta(minutes=5)), pytest.raises(NotFound):
        assignment_record_on_behalf(
            assignment=dispatched, by=personas.b.chief, kind="ack", channel="radio"
        )

    assert snapshot() == before


# --- registry numbers ------------------------------------------------------------------------


def test_registry_numbers_are_set_and_only_the_changes_are_audited(
    personas, django_capture_on_commit_callbacks, notifications
):
    # given
    incident = factories.incident(district=personas.a.district, settlement=personas.a.town)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        incident_registry_set(
            incident=incident, by=personas.a.chief, numbers={"kui": " 2026-0042 ", "erdr": ""}
        )
        incident_registry_set(incident=incident, by=personas.a.chief, numbers={"kui": "2026-0042"})

    # then: one change written and audited (old and new), the second call did nothing
    incident.refresh_from_db()
    assert (incident.registry_kui, incident.registry_erdr) == ("2026-0042", "")
    audits = AuditEntry.objects.filter(action="incident.registry_changed")
    assert [json.loads(a.data) for a in audits] == [{"kui": {"old": "", "new": "2026-0042"}}]
    assert [b["registries"] for b in boards(notifications(), "incident.registry_changed")] == [
        ["kui"]
    ]


@pytest.mark.parametrize(
    ("numbers", "code"),
    [({"kui": "x" * 41}, "registry_too_long"), ({"passport": "1"}, "invalid")],
)
def test_a_bad_registry_number_is_refused_and_nothing_changes(personas, numbers, code):
    incident = factories.incident(district=personas.a.district, settlement=personas.a.town)
    before = snapshot()

    with pytest.raises(ValidationFailed) as exc:
        incident_registry_set(incident=incident, by=personas.duty, numbers=numbers)

    assert exc.value.code == code
    assert snapshot() == before


def test_a_chief_cannot_set_numbers_of_another_districts_incident(personas):
    incident = factories.incident(district=personas.b.district, settlement=personas.b.town)
    before = snapshot()

    with pytest.raises(NotFound):
        incident_registry_set(incident=incident, by=personas.a.chief, numbers={"kui": "1"})

    assert snapshot() == before


# --- reopening -------------------------------------------------------------------------------


def test_a_cancelled_incident_can_be_reopened_with_a_reason(personas):
    # given
    incident = factories.incident(district=personas.a.district, settlement=personas.a.town)
    incident_cancel(incident=incident, by=personas.duty, reason="ложный вызов")

    # when
    reopened = incident_reopen(incident=incident, by=personas.duty, reason="перезвонили снова")

    # then
    assert (reopened.status, reopened.closed_at) == ("queued", None)
    audit = AuditEntry.objects.get(action="incident.reopened")
    assert json.loads(audit.data)["was"] == "cancelled"
    assert json.loads(audit.data)["reason"] == "перезвонили снова"
