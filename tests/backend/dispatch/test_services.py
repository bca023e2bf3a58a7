"""The dispatch commands, including every refused path (which must change nothing)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from backend.common import clock
from backend.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from backend.dispatch.models import (
    Assignment,
    EscalationPolicy,
    Event,
    Incident,
    SmsMessage,
)
from backend.dispatch.models import Conflict as ConflictRecord
from backend.dispatch.services import (
    assignment_acknowledge_on_behalf,
    assignment_cancel,
    assignment_reassign,
    fact_record,
    incident_cancel,
    incident_close,
    incident_create,
    incident_dispatch,
    incident_reopen,
    sms_send_pending,
)
from backend.dispatch.sms import reply_code_for
from backend.ledger.models import AuditEntry
from backend.people.models import Unit, UnitStatus
from tests import factories

from .conftest import boards, report, snapshot

T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def frozen():
    with clock.frozen(T0):
        yield T0


@pytest.fixture
def with_devices(personas):
    """Both units of district A have an enrolled phone (so dispatch does not fall back to SMS)."""
    personas.device(personas.a.patrol_officers[0])
    personas.device(personas.a.inspector)


def town_incident(personas, **kw):
    return factories.incident(district=personas.a.district, settlement=personas.a.town, **kw)


# --- create -----------------------------------------------------------------------------------


def test_a_duty_officer_enters_a_call(personas, frozen):
    # when
    incident = incident_create(
        by=personas.duty,
        data=report(
            category="violence",
            received_at=T0,
            settlement_kato=personas.b.village.kato,
            description="Драка у магазина\nдвое",
            caller_phone="+77017770000",
        ),
    )

    # then
    assert (incident.channel, incident.priority, incident.status) == ("phone_102", "P0", "queued")
    assert (incident.district, incident.settlement) == (personas.b.district, personas.b.village)
    assert incident.summary == "Драка у магазина"
    assert incident.notify_citizen is False
    assert incident.created_by == personas.duty
    entry = AuditEntry.objects.get(action="incident.created")
    assert (entry.actor_id, entry.actor_kind) == (personas.duty.pk, "user")


def test_a_chief_cannot_enter_a_call_in_another_district(personas, frozen):
    before = snapshot()
    with pytest.raises(Forbidden) as exc:
        incident_create(
            by=personas.a.chief, data=report(received_at=T0, settlement_kato=personas.b.town.kato)
        )
    assert exc.value.code == "out_of_scope"
    assert snapshot() == before


# --- dispatch ---------------------------------------------------------------------------------


def test_dispatch_sets_deadlines_from_the_default_policy(
    personas, frozen, with_devices, notifications, django_capture_on_commit_callbacks
):
    # given: a P2 call in the town (urban) received five minutes ago; the duty officer has a
    # name (the board's alert names them by it, not by their login)
    incident = town_incident(personas, priority="P2", received_at=T0 - dt.timedelta(minutes=5))
    personas.duty.first_name, personas.duty.last_name = "Aigerim", "Nurlanova"
    personas.duty.save(update_fields=["first_name", "last_name"])

    # when
    with django_capture_on_commit_callbacks(execute=True):
        assignment = incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)

    # then: deliver 30 s, acknowledge 5 min, on scene 30 min from the call
    assert assignment.status == "dispatched"
    assert (assignment.dispatched_at, assignment.dispatched_by) == (T0, personas.duty)
    assert assignment.dispatch_source == "duty_officer"
    assert assignment.deliver_due_at == T0 + dt.timedelta(seconds=30)
    assert assignment.ack_due_at == T0 + dt.timedelta(minutes=5)
    assert assignment.arrive_due_at == T0 + dt.timedelta(minutes=25)
    assert assignment.next_escalation_at == T0 + dt.timedelta(seconds=30)
    personas.a.patrol.refresh_from_db()
    assert (personas.a.patrol.status, personas.a.patrol.status_at) == ("dispatched", T0)
    incident.refresh_from_db()
    assert incident.status == "assigned"
    event = Event.objects.get(kind="dispatched")
    assert event.id.startswith("srv_")
    assert (event.source, event.estimate_method, event.disposition) == (
        "server",
        "server",
        "applied",
    )
    assert (event.assignment, event.unit, event.officer, event.estimated_at) == (
        assignment,
        personas.a.patrol,
        personas.duty,
        T0,
    )
    audit = AuditEntry.objects.get(action="assignment.dispatched")
    assert (audit.actor_id, audit.object_id, audit.district_id) == (
        personas.duty.pk,
        str(assignment.pk),
        personas.a.district.pk,
    )
    assert json.loads(audit.data)["deadlines"] == {
        "deliver_within_s": 30,
        "ack_within_s": 300,
        "arrive_within_s": 1800,
        "policy": "default",
    }
    assert boards(notifications(), "assignment.dispatched") == [
        {
            "district_id": personas.a.district.pk,
            "kind": "assignment.dispatched",
            "chief": False,
            "incident_id": incident.pk,
            "incident_number": incident.number,
            "priority": "P2",
            "category": "theft",
            "at": clock.to_ms(T0),
            "assignment_id": assignment.pk,
            "unit_id": personas.a.patrol.pk,
            "callsign": "A-PC1",
            "source": "duty_officer",
            "actor": "Aigerim Nurlanova",
            "ack_due_at": clock.to_ms(T0 + dt.timedelta(minutes=5)),
            "arrive_due_at": clock.to_ms(T0 + dt.timedelta(minutes=25)),
            "sms": None,
        }
    ]
    assert SmsMessage.objects.count() == 0


def test_a_district_policy_overrides_the_default(personas, frozen, with_devices):
    # given
    EscalationPolicy.objects.create(
        district=personas.a.district,
        priority="P1",
        zone="urban",
        deliver_within_s=20,
        ack_within_s=45,
        arrive_within_s=600,
    )
    EscalationPolicy.objects.create(
        district=personas.a.district,
        priority="P1",
        zone="",
        deliver_within_s=25,
        ack_within_s=90,
        arrive_within_s=None,
    )
    incident = town_incident(personas, priority="P1", received_at=T0)

    # when
    assignment = incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.a.chief)

    # then
    assert assignment.dispatch_source == "chief"
    assert (assignment.deliver_due_at, assignment.ack_due_at, assignment.arrive_due_at) == (
        T0 + dt.timedelta(seconds=20),
        T0 + dt.timedelta(seconds=45),
        T0 + dt.timedelta(seconds=600),
    )


def test_dispatch_to_a_unit_without_a_phone_app_goes_by_sms_too(personas, frozen):
    # given: nobody in A-PC1 has enrolled a device
    incident = town_incident(personas, priority="P1", summary="Кража из машины")

    # when
    assignment = incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)

    # then
    code = reply_code_for(assignment.pk)
    messages = SmsMessage.objects.order_by("pk")
    assert [(m.phone, m.officer_id, m.purpose, m.reply_code, m.state) for m in messages] == [
        ("+7701000101", personas.a.patrol_officers[0].pk, "dispatch", code, "queued"),
        ("+7701000102", personas.a.patrol_officers[1].pk, "dispatch", code, "queued"),
    ]
    body = messages[0].body
    assert body == (f"KUZET {incident.number} P1 Krazha Ayagoz Krazha iz mashiny Otvet: ACK {code}")
    assert json.loads(AuditEntry.objects.get(action="assignment.dispatched").data)["sms"] == (
        "no_device"
    )


def test_dispatch_into_a_white_spot_goes_by_sms(personas, frozen, with_devices):
    # given: the inspector lives in Актогай, which has 2G/SMS only
    incident = factories.incident(district=personas.a.district, settlement=personas.a.village)

    # when
    assignment = incident_dispatch(
        incident=incident, unit=personas.a.inspector_unit, by=personas.duty
    )

    # then
    assert list(SmsMessage.objects.values_list("phone", "assignment_id")) == [
        ("+7701000109", assignment.pk)
    ]
    assert json.loads(AuditEntry.objects.get(action="assignment.dispatched").data)["sms"] == (
        "coverage_2g_sms"
    )


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        (
            lambda p, i: Incident.objects.filter(pk=i.pk).update(status="closed", closed_at=T0),
            "incident_closed",
        ),
        (
            lambda p, i: p.a.patrol.__class__.objects.filter(pk=p.a.patrol.pk).update(
                status="busy"
            ),
            "unit_unavailable",
        ),
        (
            lambda p, i: p.a.patrol.__class__.objects.filter(pk=p.a.patrol.pk).update(active=False),
            "unit_inactive",
        ),
        (lambda p, i: factories.assignment(incident=i, unit=p.a.patrol), "already_assigned"),
    ],
    ids=["closed incident", "busy unit", "inactive unit", "already assigned"],
)
def test_refused_dispatch_changes_nothing(personas, frozen, with_devices, setup, code):
    # given
    incident = town_incident(personas)
    setup(personas, incident)
    before = snapshot()

    # when
    with pytest.raises(Conflict) as exc:
        incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)

    # then
    assert exc.value.code == code
    assert snapshot() == before


def test_a_duplicate_report_is_not_dispatched(personas, frozen, with_devices):
    original = town_incident(personas)
    duplicate = town_incident(personas, status="duplicate", duplicate_of=original)
    before = snapshot()

    with pytest.raises(Conflict) as exc:
        incident_dispatch(incident=duplicate, unit=personas.a.patrol, by=personas.duty)

    assert (exc.value.code, exc.value.extra) == (
        "incident_duplicate",
        {"duplicate_of": original.pk},
    )
    assert snapshot() == before


def test_a_chief_cannot_dispatch_in_another_district(personas, frozen):
    incident_b = factories.incident(district=personas.b.district, settlement=personas.b.town)
    incident_a = town_incident(personas)
    before = snapshot()

    with pytest.raises(NotFound):
        incident_dispatch(incident=incident_b, unit=personas.b.patrol, by=personas.a.chief)
    with pytest.raises(NotFound):
        incident_dispatch(incident=incident_a, unit=personas.b.patrol, by=personas.a.chief)

    assert snapshot() == before


# --- cancel -----------------------------------------------------------------------------------


def test_cancel_stands_the_unit_down_and_requeues_the_incident(personas, frozen, with_devices):
    # given
    incident = town_incident(personas)
    assignment = incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)

    # when
    with clock.frozen(T0 + dt.timedelta(minutes=1)):
        cancelled = assignment_cancel(
            assignment=assignment, by=personas.a.chief, reason="false call"
        )

    # then
    t1 = T0 + dt.timedelta(minutes=1)
    assert (cancelled.status, cancelled.cancelled_at, cancelled.closed_at) == ("cancelled", t1, t1)
    assert (cancelled.cancelled_by, cancelled.cancel_reason) == (personas.a.chief, "false call")
    assert cancelled.next_escalation_at is None
    personas.a.patrol.refresh_from_db()
    assert (personas.a.patrol.status, personas.a.patrol.status_at) == ("available", t1)
    incident.refresh_from_db()
    assert incident.status == "queued"
    assert list(Event.objects.order_by("estimated_at").values_list("kind", flat=True)) == [
        "dispatched",
        "cancelled",
    ]
    assert AuditEntry.objects.filter(action="assignment.cancelled").count() == 1


def test_cancel_of_a_unit_reached_by_sms_texts_it(personas, frozen):
    incident = town_incident(personas)
    assignment = incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)

    assignment_cancel(assignment=assignment, by=personas.duty)

    assert list(SmsMessage.objects.filter(purpose="cancel").values_list("phone", "body")) == [
        ("+7701000101", f"KUZET OTMENA {incident.number} vyezd otmenen."),
        ("+7701000102", f"KUZET OTMENA {incident.number} vyezd otmenen."),
    ]


def test_cancelling_twice_is_refused_and_changes_nothing(personas, frozen, with_devices):
    incident = town_incident(personas)
    assignment = incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)
    assignment_cancel(assignment=assignment, by=personas.duty)
    before = snapshot()

    with pytest.raises(Conflict) as exc:
        assignment_cancel(assignment=assignment, by=personas.duty)

    assert (exc.value.code, exc.value.extra) == ("assignment_closed", {"status": "cancelled"})
    assert snapshot() == before


def test_a_unit_with_another_open_assignment_stays_dispatched_after_a_cancel(
    personas, frozen, with_devices
):
    first = town_incident(personas)
    second = town_incident(personas, category="fraud")
    a1 = incident_dispatch(incident=first, unit=personas.a.patrol, by=personas.duty)
    personas.a.patrol.__class__.objects.filter(pk=personas.a.patrol.pk).update(status="available")
    incident_dispatch(incident=second, unit=personas.a.patrol, by=personas.duty)

    assignment_cancel(assignment=a1, by=personas.duty)

    personas.a.patrol.refresh_from_db()
    assert personas.a.patrol.status == "dispatched"


# --- reassign -----------------------------------------------------------------------------------


def test_reassign_supersedes_the_old_assignment(
    personas, frozen, with_devices, notifications, django_capture_on_commit_callbacks
):
    # given
    incident = town_incident(personas)
    old = incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        new = assignment_reassign(assignment=old, unit=personas.a.inspector_unit, by=personas.duty)

    # then
    old.refresh_from_db()
    assert (old.status, old.superseded_by, old.superseded_at, old.closed_at) == (
        "superseded",
        new,
        T0,
        T0,
    )
    assert old.next_escalation_at is None
    assert (new.status, new.unit, new.incident) == (
        "dispatched",
        personas.a.inspector_unit,
        incident,
    )
    personas.a.patrol.refresh_from_db()
    personas.a.inspector_unit.refresh_from_db()
    assert (personas.a.patrol.status, personas.a.inspector_unit.status) == (
        "available",
        "dispatched",
    )
    assert list(Event.objects.filter(assignment=old).values_list("kind", "payload")) == [
        ("dispatched", {"source": "duty_officer", "note": "", "sms": None}),
        ("reassigned", {"to_assignment_id": new.pk, "to_unit_id": personas.a.inspector_unit.pk}),
    ]
    assert [b["kind"] for b in boards(notifications())] == [
        "assignment.dispatched",
        "assignment.reassigned",
    ]


def test_reassign_to_a_busy_unit_is_refused_and_changes_nothing(personas, frozen, with_devices):
    incident = town_incident(personas)
    old = incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)
    personas.a.inspector_unit.__class__.objects.filter(pk=personas.a.inspector_unit.pk).update(
        status=UnitStatus.ON_SCENE
    )
    before = snapshot()

    with pytest.raises(Conflict) as exc:
        assignment_reassign(assignment=old, unit=personas.a.inspector_unit, by=personas.duty)

    assert exc.value.code == "unit_unavailable"
    assert snapshot() == before


def test_reassign_to_the_same_unit_is_refused(personas, frozen, with_devices):
    incident = town_incident(personas)
    old = incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)
    before = snapshot()

    with pytest.raises(Conflict) as exc:
        assignment_reassign(assignment=old, unit=personas.a.patrol, by=personas.duty)

    assert exc.value.code == "same_unit"
    assert snapshot() == before


# --- acknowledge on behalf ----------------------------------------------------------------------


def test_acknowledgment_on_behalf_records_a_fact_and_stops_the_ack_ladder(
    personas, frozen, with_devices
):
    # given
    incident = town_incident(personas, priority="P1", received_at=T0)
    assignment = incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)

    # when
    with clock.frozen(T0 + dt.timedelta(seconds=50)):
        event = assignment_acknowledge_on_behalf(
            assignment=assignment, by=personas.duty, channel="radio", note="ответил по рации"
        )

    # then
    assert (event.kind, event.source, event.via, event.disposition) == (
        "ack",
        "on_behalf",
        "radio",
        "applied",
    )
    assert event.payload == {"note": "ответил по рации"}
    assignment.refresh_from_db()
    assert assignment.status == "acknowledged"
    assert assignment.acknowledged_at == T0 + dt.timedelta(seconds=50)
    assert assignment.acknowledged_event_id == event.pk
    # only the arrival target is left on the ladder (P1 urban: 15 min from the call)
    assert assignment.next_escalation_at == T0 + dt.timedelta(minutes=15)
    audit = AuditEntry.objects.get(action="assignment.acknowledged_on_behalf")
    assert json.loads(audit.data) == {
        "channel": "radio",
        "note": "ответил по рации",
        "event_id": event.pk,
    }


def test_acknowledging_twice_is_refused_and_changes_nothing(personas, frozen, with_devices):
    incident = town_incident(personas)
    assignment = incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)
    assignment_acknowledge_on_behalf(assignment=assignment, by=personas.duty, channel="phone")
    before = snapshot()

    with pytest.raises(Conflict) as exc:
        assignment_acknowledge_on_behalf(assignment=assignment, by=personas.duty, channel="phone")

    assert exc.value.code == "already_acknowledged"
    assert snapshot() == before


def test_acknowledging_by_pigeon_is_refused(personas, frozen, with_devices):
    incident = town_incident(personas)
    assignment = incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)
    before = snapshot()

    with pytest.raises(ValidationFailed) as exc:
        assignment_acknowledge_on_behalf(assignment=assignment, by=personas.duty, channel="pigeon")

    assert exc.value.code == "invalid_channel"
    assert snapshot() == before


# --- close / reopen -------------------------------------------------------------------------------


def test_close_clears_units_on_scene_and_cancels_the_others(personas, frozen, with_devices):
    # given: two units; the patrol reached the scene, the inspector did not
    incident = town_incident(personas)
    on_scene = incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)
    en_route = incident_dispatch(
        incident=incident, unit=personas.a.inspector_unit, by=personas.duty
    )
    Assignment.objects.filter(pk=on_scene.pk).update(status="on_scene", on_scene_at=T0)
    personas.a.patrol.__class__.objects.filter(pk=personas.a.patrol.pk).update(status="on_scene")

    # when
    with clock.frozen(T0 + dt.timedelta(minutes=40)):
        closed = incident_close(
            incident=incident,
            by=personas.a.chief,
            disposition="протокол составлен",
            outcome_code="admin_protocol",
        )

    # then
    t1 = T0 + dt.timedelta(minutes=40)
    assert (closed.status, closed.closed_at, closed.closed_by) == ("closed", t1, personas.a.chief)
    assert (closed.disposition, closed.outcome_code) == ("протокол составлен", "admin_protocol")
    on_scene.refresh_from_db()
    en_route.refresh_from_db()
    assert (on_scene.status, on_scene.cleared_at, on_scene.closed_at) == ("cleared", t1, t1)
    assert on_scene.cleared_event.source == "server"
    assert (en_route.status, en_route.cancelled_at, en_route.cancel_reason) == (
        "cancelled",
        t1,
        "incident closed",
    )
    assert (on_scene.next_escalation_at, en_route.next_escalation_at) == (None, None)
    personas.a.patrol.refresh_from_db()
    personas.a.inspector_unit.refresh_from_db()
    assert (personas.a.patrol.status, personas.a.inspector_unit.status) == (
        "available",
        "available",
    )
    audit = AuditEntry.objects.get(action="incident.closed")
    assert json.loads(audit.data) == {
        "disposition": "протокол составлен",
        "outcome_code": "admin_protocol",
        "coao_article": "",
        "citizen_told": False,
        "cleared": [on_scene.pk],
        "cancelled": [en_route.pk],
    }


@pytest.mark.parametrize(
    ("disposition", "outcome", "error"),
    [("", "", ValidationFailed), ("  ", "", ValidationFailed), ("ok", "made_up", ValidationFailed)],
)
def test_close_without_a_proper_disposition_is_refused(
    personas, frozen, disposition, outcome, error
):
    incident = town_incident(personas)
    before = snapshot()

    with pytest.raises(error):
        incident_close(
            incident=incident, by=personas.duty, disposition=disposition, outcome_code=outcome
        )

    assert snapshot() == before


def test_closing_twice_is_refused_and_reopening_queues_again(personas, frozen):
    incident = town_incident(personas)
    incident_close(incident=incident, by=personas.duty, disposition="ложный вызов")
    before = snapshot()

    with pytest.raises(Conflict) as exc:
        incident_close(incident=incident, by=personas.duty, disposition="ещё раз")
    assert exc.value.code == "incident_closed"
    assert snapshot() == before

    reopened = incident_reopen(incident=incident, by=personas.a.chief, reason="новые сведения")
    assert (reopened.status, reopened.reopened_at, reopened.closed_at) == ("queued", T0, None)
    reopened_events = Event.objects.filter(incident=incident, kind="reopened")
    assert [(e.source, e.payload["reason"]) for e in reopened_events] == [
        ("server", "новые сведения")
    ]


def test_closing_tells_the_citizen_the_outcome_once_by_sms(personas, frozen, sms_outbox):
    # given: an app report whose channel tells the citizen, with a phone
    incident = town_incident(personas, channel="app_102", caller_phone="+77011234567")
    Incident.objects.filter(pk=incident.pk).update(notify_citizen=True)
    incident.refresh_from_db()

    # when
    closed = incident_close(
        incident=incident, by=personas.duty, disposition="меры приняты", outcome_code="warning"
    )
    sms_send_pending()

    # then: told the measure taken
    assert closed.citizen_notified_at == T0
    assert "vyneseno preduprezhdenie" in SmsMessage.objects.get().body
    assert [(m.phone, m.purpose) for m in SmsMessage.objects.all()] == [
        ("+77011234567", "citizen_outcome")
    ]
    assert [m.phone for m in sms_outbox] == ["+77011234567"]
    assert closed.number in sms_outbox[0].body
    assert AuditEntry.objects.filter(action="incident.citizen_notified").count() == 1


def test_closing_a_call_whose_citizen_is_not_told_sends_nothing(personas, frozen):
    # given: a 102 call (the channel does not promise an outcome message)
    incident = town_incident(personas, caller_phone="+77011234567")

    # when
    closed = incident_close(incident=incident, by=personas.duty, disposition="меры приняты")

    # then
    assert (closed.notify_citizen, closed.citizen_notified_at) == (False, None)
    assert SmsMessage.objects.count() == 0


def test_cancelling_an_incident_cancels_every_open_assignment_and_frees_the_units(
    personas, frozen, with_devices
):
    # given: two units sent, one of them already on scene
    incident = town_incident(personas)
    first = incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)
    second = incident_dispatch(incident=incident, unit=personas.a.inspector_unit, by=personas.duty)
    Assignment.objects.filter(pk=first.pk).update(status="on_scene", on_scene_at=T0)

    # when
    cancelled = incident_cancel(incident=incident, by=personas.duty, reason="ложный вызов")

    # then
    assert (cancelled.status, cancelled.closed_at, cancelled.disposition) == (
        "cancelled",
        T0,
        "ложный вызов",
    )
    assert sorted(
        Assignment.objects.filter(incident=incident).values_list("status", "cancel_reason")
    ) == [
        ("cancelled", "incident cancelled: ложный вызов"),
        ("cancelled", "incident cancelled: ложный вызов"),
    ]
    assert set(
        Unit.objects.filter(pk__in=[first.unit_id, second.unit_id]).values_list("status", flat=True)
    ) == {"available"}
    assert Event.objects.filter(incident=incident, kind="cancelled", assignment=None).count() == 1
    (audit,) = AuditEntry.objects.filter(action="incident.cancelled")
    assert json.loads(audit.data)["cancelled"] == sorted([first.pk, second.pk])


@pytest.mark.parametrize("reason", ["", "   "])
def test_cancelling_without_a_reason_or_twice_is_refused(personas, frozen, reason):
    # given
    incident = town_incident(personas)
    before = snapshot()

    # when / then
    with pytest.raises(ValidationFailed):
        incident_cancel(incident=incident, by=personas.duty, reason=reason)
    assert snapshot() == before
    incident_cancel(incident=incident, by=personas.duty, reason="ошибка")
    after_cancel = snapshot()
    with pytest.raises(Conflict) as exc:
        incident_cancel(incident=incident, by=personas.duty, reason="ещё раз")
    assert exc.value.code == "incident_closed"
    assert snapshot() == after_cancel


def test_an_arrival_reported_after_the_incident_was_cancelled_is_kept_with_a_conflict(
    personas, frozen, with_devices
):
    # given
    incident = town_incident(personas)
    a = incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)
    incident_cancel(incident=incident, by=personas.duty, reason="ложный вызов")

    # when
    with clock.frozen(T0 + dt.timedelta(minutes=5)):
        event = fact_record(
            kind="on_scene",
            assignment=Assignment.objects.get(pk=a.pk),
            source="on_behalf",
            actor=personas.duty,
            via="radio",
        )

    # then
    # the assignment was cancelled with the incident: the fact is kept, not projected
    assert event.disposition == "after_cancel"
    assert ConflictRecord.objects.filter(event=event, kind="after_cancel").count() == 1
