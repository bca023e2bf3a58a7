"""Officer-safety checks (``services/safety.py``): a crew on scene at a DV call in a village
with no coverage cannot press SOS, and nobody at the desk noticed an hour of silence among
the district's units. Past the interval of the call's priority with no word from the unit,
the board is told once, and the desk's "Officer OK" starts the next interval."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from backend.common import clock
from backend.common.errors import Conflict
from backend.dispatch import policies
from backend.dispatch.lifecycle import EventKind
from backend.dispatch.models import Assignment, SafetyCheck
from backend.dispatch.services import (
    assignment_message,
    assignment_record_on_behalf,
    escalation_sweep,
    incident_dispatch,
    safety_check_record,
)
from backend.ledger import uow
from backend.ledger.actions import action_label
from backend.ledger.models import AuditEntry
from backend.people.models import Officer, UnitStatus
from backend.realtime.alerts import alerts_listed
from backend.realtime.board import board_labels
from backend.realtime.models import BoardAlert
from tests import factories

from .conftest import sweeps_at_once

T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
KIND = "unit.safety_check"


def at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def sweep(minutes: float) -> None:
    with clock.frozen(at(minutes)):
        escalation_sweep()


def alerts() -> list[BoardAlert]:
    return list(BoardAlert.objects.filter(kind=KIND).order_by("pk"))


def on_scene(personas, *, priority: str = "P1", category: str = "domestic_violence") -> Assignment:
    """A-PC1 dispatched to a call in Ayagoz's remote village at T0, on scene at T0 + 5 min
    (heard by radio)."""
    with clock.frozen(T0):
        call = factories.incident(
            district=personas.a.district,
            settlement=personas.a.village,
            priority=priority,
            category=category,
            received_at=T0,
        )
        sent = incident_dispatch(incident=call, unit=personas.a.patrol, by=personas.duty)
    for minutes, kind in ((1, EventKind.ACK), (2, EventKind.EN_ROUTE), (5, EventKind.ON_SCENE)):
        with clock.frozen(at(minutes)):
            assignment_record_on_behalf(
                assignment=sent, by=personas.duty, kind=kind, channel="radio"
            )
    sent.refresh_from_db()
    return sent


def test_a_unit_silent_on_scene_past_its_interval_is_put_on_the_board_once(personas):
    # given: on scene at a P1 DV call at 08:05 (P1: 20 minutes)
    assignment = on_scene(personas)

    # when: sweeps at 19 minutes of silence, at 20, and again later
    sweep(5 + 19)
    before = alerts()
    sweep(5 + 20)
    sweep(5 + 30)

    # then: nothing before; one alert for the district's desk (not the chief), audited once
    assert before == []
    [alert] = alerts()
    assert (alert.district_id, alert.chief, alert.incident_id) == (
        personas.a.district.pk,
        False,
        assignment.incident_id,
    )
    assert alert.data["callsign"] == "A-PC1"
    assert alert.data["silent_since"] == clock.to_ms(at(5))
    [check] = SafetyCheck.objects.all()
    assert (check.assignment_id, check.due_at, check.checked_at) == (assignment.pk, at(25), None)
    [audit] = AuditEntry.objects.filter(action=KIND)
    assert audit.actor_kind == "system"
    assert uow.verify_chain() == []


def test_word_from_the_unit_starts_the_interval_again(personas):
    assignment = on_scene(personas)
    # the officer's outcome, heard by radio at 08:20
    with clock.frozen(at(20)):
        assignment_record_on_behalf(
            assignment=assignment,
            by=personas.duty,
            kind=EventKind.OUTCOME,
            channel="radio",
            outcome_code="resolved_on_scene",
        )

    sweep(5 + 21)
    nothing = alerts()
    sweep(20 + 20)

    assert nothing == []
    assert [a.data["silent_since"] for a in alerts()] == [clock.to_ms(at(20))]


def test_the_desks_own_message_to_the_silent_crew_is_not_word_from_it(personas):
    # given: A-PC1 on scene since 08:05 (P1: checked after 20 min of silence); at 08:20 the
    # desk messages it
    assignment = on_scene(personas)
    with clock.frozen(at(20)):
        assignment_message(assignment=assignment, by=personas.duty, text="Как обстановка?")

    # when
    sweep(25)

    # then: the silence counts from 08:05, the message or not
    assert [a.data["silent_since"] for a in alerts()] == [clock.to_ms(at(5))]


def test_the_desks_officer_ok_starts_the_next_interval(personas):
    on_scene(personas)
    sweep(25)
    [check] = SafetyCheck.objects.all()

    with clock.frozen(at(27)):
        safety_check_record(check_id=check.pk, by=personas.duty)
    sweep(27 + 19)
    once = len(alerts())
    sweep(27 + 20)

    assert once == 1
    assert [c.due_at for c in SafetyCheck.objects.order_by("pk")] == [at(25), at(47)]
    assert len(alerts()) == 2
    assert AuditEntry.objects.filter(action="unit.safety_checked", actor=personas.duty).count() == 1


def test_word_from_the_crew_after_the_check_fired_answers_it(personas):
    # given: A-PC1 silent on scene since 08:05, put before the desk at 08:25; at 08:27, before
    # anyone radioed it, its outcome came (heard on the radio, recorded on its behalf)
    assignment = on_scene(personas)
    sweep(25)
    with clock.frozen(at(27)):
        word = assignment_record_on_behalf(
            assignment=assignment,
            by=personas.duty,
            kind=EventKind.OUTCOME,
            channel="radio",
            outcome_code="resolved_on_scene",
        )

    # when: the next sweeps
    sweep(27.5)
    sweep(28)

    # then: the check is answered by that word, once: no duty officer's name on it, the boards
    # told "the crew was heard from", the audit log has it; the next silence counts from 08:27
    [check] = SafetyCheck.objects.all()
    assert (check.checked_at, check.checked_by, check.word_id) == (at(27), None, word.pk)
    [told] = BoardAlert.objects.filter(kind="unit.safety_checked")
    assert (told.data["by_crew"], told.data["word_kind"]) == (True, "outcome")
    assert "actor" not in told.data
    [audited] = AuditEntry.objects.filter(action="unit.safety_checked")
    assert (audited.actor, audited.data_dict["event_id"]) == (None, word.pk)
    with translation.override("ru"):
        assert check.answered_by() == "наряд: Результат"
    with pytest.raises(Conflict) as refused:
        safety_check_record(check_id=check.pk, by=personas.duty)
    assert refused.value.code == "already_checked"
    sweep(27 + 20)
    assert [c.due_at for c in SafetyCheck.objects.order_by("pk")] == [at(25), at(47)]


def test_a_check_the_desk_answered_first_is_not_answered_again_by_a_later_word(personas):
    assignment = on_scene(personas)
    sweep(25)
    [check] = SafetyCheck.objects.all()
    with clock.frozen(at(26)):
        safety_check_record(check_id=check.pk, by=personas.duty)
    with clock.frozen(at(27)):
        assignment_record_on_behalf(
            assignment=assignment, by=personas.duty, kind=EventKind.OUTCOME, channel="radio",
            outcome_code="resolved_on_scene",
        )  # fmt: skip

    sweep(28)

    check.refresh_from_db()
    assert (check.checked_at, check.checked_by, check.word) == (at(26), personas.duty, None)
    assert BoardAlert.objects.filter(kind="unit.safety_checked").count() == 1


@pytest.mark.parametrize(
    ("priority", "category", "minutes"), [("P0", "violence", 15), ("P3", "noise", 45)]
)
def test_the_interval_is_the_calls_priority(personas, priority, category, minutes):
    on_scene(personas, priority=priority, category=category)

    sweep(5 + minutes - 1)
    early = alerts()
    sweep(5 + minutes)

    assert early == []
    assert len(alerts()) == 1


def test_the_interval_can_be_set(personas, settings):
    settings.KUZET_SAFETY_CHECK_MINUTES = {"P1": 10}
    on_scene(personas)

    sweep(5 + 10)

    assert policies.safety_check_within_s("P1") == 600
    assert len(alerts()) == 1


def test_a_unit_in_sos_or_gone_from_the_scene_is_not_checked(personas):
    assignment = on_scene(personas)
    personas.a.patrol.refresh_from_db()
    personas.a.patrol.status = UnitStatus.SOS
    personas.a.patrol.save(update_fields=["status"])
    sweep(30)
    in_sos = alerts()
    personas.a.patrol.status = UnitStatus.ON_SCENE
    personas.a.patrol.save(update_fields=["status"])
    with clock.frozen(at(31)):
        assignment_record_on_behalf(
            assignment=assignment, by=personas.duty, kind=EventKind.CLEARED, channel="radio"
        )

    sweep(120)

    assert in_sos == []
    assert alerts() == []


def test_the_board_and_the_audit_log_say_it_in_words(personas):
    Officer.objects.update(language="en")
    assert board_labels()["alert"][KIND] == "Check on the unit: no word on scene"
    assert action_label(KIND) == "Officer-safety check: no word from the unit on scene"
    with translation.override("ru"):
        assert board_labels()["text"]["safety_ok"] == "Сотрудник в порядке"
    with translation.override("kk"):
        assert board_labels()["alert"][KIND] == "Нарядты тексеріңіз: оқиға орнынан хабар жоқ"


@pytest.mark.postgres
def test_concurrent_sweeps_check_each_silent_unit_once(transactional_db, personas):
    # given: two units on scene, silent past their interval
    on_scene(personas)
    second = factories.unit(callsign="A-PC2", district=personas.a.district)
    with clock.frozen(T0):
        call = factories.incident(
            district=personas.a.district, settlement=personas.a.town, priority="P0",
            category="violence", received_at=T0,
        )  # fmt: skip
        sent = incident_dispatch(incident=call, unit=second, by=personas.duty)
    with clock.frozen(at(3)):
        assignment_record_on_behalf(
            assignment=sent, by=personas.duty, kind=EventKind.ON_SCENE, channel="radio"
        )
    # when: four sweeps at once
    sweeps_at_once(at(60))

    # then
    assert Counter(a.data["callsign"] for a in alerts()) == {"A-PC1": 1, "A-PC2": 1}
    assert SafetyCheck.objects.count() == 2
    assert AuditEntry.objects.filter(action=KIND).count() == 2


# --- the desk answers it on the board ----------------------------------------------------------
def _ok(user, alert_id):
    client = Client()
    client.force_login(user)
    return client.post(
        reverse("realtime:alert-safety-ok", args=[alert_id]),
        data="{}",
        content_type="application/json",
    )


def test_officer_ok_on_the_board_records_the_check_and_closes_the_alert(personas):
    on_scene(personas)
    sweep(25)
    [alert] = alerts()

    with clock.frozen(at(26)):
        answered = _ok(personas.duty, alert.pk)
        again = _ok(personas.duty, alert.pk)

    assert answered.status_code == 200
    assert answered.json()["acknowledged_at"] == clock.to_ms(at(26))
    assert again.status_code == 200  # the second press changes nothing
    [check] = SafetyCheck.objects.all()
    assert (check.checked_at, check.checked_by) == (at(26), personas.duty)
    alert.refresh_from_db()
    assert alert.acknowledged_by == personas.duty
    told = BoardAlert.objects.get(kind="unit.safety_checked")
    assert (told.data["safety_alert_id"], told.data["callsign"]) == (alert.pk, "A-PC1")
    assert AuditEntry.objects.filter(action="unit.safety_checked").count() == 1


def test_the_board_lists_the_checks_still_open_after_a_reload(personas):
    on_scene(personas)
    sweep(25)
    [alert] = alerts()

    with clock.frozen(at(26)):
        listed = alerts_listed(personas.duty)

    assert [a["alert_id"] for a in listed["safety_checks"]] == [alert.pk]


def test_a_check_of_a_crew_that_has_left_the_scene_is_not_listed_as_open(personas):
    assignment = on_scene(personas)
    sweep(25)
    with clock.frozen(at(40)):
        assignment_record_on_behalf(
            assignment=assignment, by=personas.duty, kind=EventKind.CLEARED, channel="radio"
        )

    with clock.frozen(at(41)):
        listed = alerts_listed(personas.duty)

    assert listed["safety_checks"] == []
    assert KIND in [a["kind"] for a in listed["alerts"]]  # still in the feed, as it happened


def test_another_districts_chief_cannot_answer_it_nor_an_officer(personas):
    on_scene(personas)
    sweep(25)
    [alert] = alerts()

    assert _ok(personas.b.chief, alert.pk).status_code == 404
    assert _ok(personas.a.patrol_officers[0], alert.pk).status_code == 403
    assert SafetyCheck.objects.get().checked_at is None


def test_only_a_safety_check_is_answered_so(personas):
    on_scene(personas)
    sweep(25)
    other = BoardAlert.objects.exclude(kind=KIND).filter(district=personas.a.district).first()

    refused = _ok(personas.duty, other.pk)

    assert (refused.status_code, refused.json()["error"]) == (409, "not_safety_check")


def test_the_chief_reads_the_checks_and_who_answered_them(personas, client):
    Officer.objects.update(language="en")
    on_scene(personas)
    sweep(25)
    [alert] = alerts()
    with clock.frozen(at(26)):
        _ok(personas.duty, alert.pk)
    check = SafetyCheck.objects.get()
    client.force_login(personas.a.chief)

    listed = client.get("/admin/dispatch/safetycheck/").content.decode()
    page = client.get(f"/admin/dispatch/safetycheck/{check.pk}/change/").content.decode()
    client.force_login(personas.b.chief)
    other = client.get("/admin/dispatch/safetycheck/").content.decode()

    assert personas.duty.display_name in listed
    assert "No word since" in page
    assert "Check after" in page
    assert "20 min" in page  # the interval in words: "20:00" read as a time of day
    assert "0 officer-safety checks" in other


# --- the staff API -------------------------------------------------------------------------------
def test_the_staff_api_lists_the_open_checks_and_answers_one(personas, client_for):
    on_scene(personas)
    sweep(25)
    [check] = SafetyCheck.objects.all()
    desk, other_chief = client_for(personas.duty), client_for(personas.b.chief)

    listed = desk.get("/api/v1/safety-checks/")
    elsewhere = other_chief.get("/api/v1/safety-checks/")
    with clock.frozen(at(27)):
        answered = desk.post(f"/api/v1/safety-checks/{check.pk}/ok/", format="json")
        again = desk.post(f"/api/v1/safety-checks/{check.pk}/ok/", format="json")
    after = desk.get("/api/v1/safety-checks/")

    assert listed.status_code == 200
    assert [(c["id"], c["callsign"], c["checked_at"]) for c in listed.json()] == [
        (check.pk, "A-PC1", None)
    ]
    assert elsewhere.json() == []
    assert answered.status_code == 200
    assert answered.json()["checked_at"] == "2026-03-02T13:27:00+05:00"
    # the second press: done, not a failure (tests/…/test_safety_check_api_answered.py)
    assert (again.status_code, again.json()["already_answered"]) == (200, True)
    assert after.json() == []
    # the boards are told, naming the check: their banners turn green
    told = BoardAlert.objects.get(kind="unit.safety_checked")
    assert told.data["safety_check_id"] == check.pk


def test_the_staff_api_refuses_an_officer_and_another_district(personas, client_for):
    on_scene(personas)
    sweep(25)
    [check] = SafetyCheck.objects.all()

    officer = client_for(personas.a.patrol_officers[0]).post(
        f"/api/v1/safety-checks/{check.pk}/ok/"
    )
    other = client_for(personas.b.chief).post(f"/api/v1/safety-checks/{check.pk}/ok/")

    assert officer.status_code == 403
    assert other.status_code == 404
    assert SafetyCheck.objects.get().checked_at is None


def test_a_check_answered_through_the_api_is_not_open_on_a_reloaded_board(personas, client_for):
    on_scene(personas)
    sweep(25)
    [check] = SafetyCheck.objects.all()
    client_for(personas.duty).post(f"/api/v1/safety-checks/{check.pk}/ok/")

    assert alerts_listed(personas.duty)["safety_checks"] == []


# --- the crew's phones are told (docs/protocol.md §2: assignments.safety_check_at) -------------
def _on_the_phone(assignment: Assignment) -> int | None:
    from backend.sync_gateway.render import records_for

    [record] = records_for("assignments", [assignment.pk])
    return record["safety_check_at"]


def _touches(assignment: Assignment) -> int:
    from backend.ledger.models import Change

    return Change.objects.filter(table="assignments", record_id=str(assignment.pk)).count()


def test_the_phones_see_the_check_while_it_is_open_and_not_once_the_desk_answered_it(personas):
    # given: A-PC1 silent on scene since 08:05
    assignment = on_scene(personas)
    before = _touches(assignment)

    # when: the sweep puts it before the desk at 08:25
    sweep(25)

    # then: the assignment is published again, with when the check fired
    fired = _touches(assignment)
    assert fired > before
    assert _on_the_phone(assignment) == clock.to_ms(at(25))

    # when: the desk raised it by radio and pressed "Officer OK"
    [check] = SafetyCheck.objects.all()
    with clock.frozen(at(27)):
        safety_check_record(check_id=check.pk, by=personas.duty)

    # then: published again, no check open
    assert _touches(assignment) > fired
    assert _on_the_phone(assignment) is None


def test_the_phones_see_the_check_go_when_the_crews_word_answered_it(personas):
    # given: the check fired at 08:25; at 08:27 the crew's note came (the phone's "I'm OK")
    assignment = on_scene(personas)
    sweep(25)
    assert _on_the_phone(assignment) == clock.to_ms(at(25))
    word = factories.event(
        id="note-im-ok-0000001", incident=assignment.incident, unit=assignment.unit,
        assignment=assignment, kind=EventKind.NOTE, payload={"text": "Я в порядке"}, at=at(27),
    )  # fmt: skip
    touched = _touches(assignment)

    # when: the next sweep
    sweep(27.5)

    # then: answered by that word, the assignment published again with no check open
    [check] = SafetyCheck.objects.all()
    assert check.word_id == word.pk
    assert _touches(assignment) > touched
    assert _on_the_phone(assignment) is None


def test_an_assignment_with_no_check_has_none_on_the_phone(personas):
    assignment = on_scene(personas)

    sweep(19)  # within the P1 interval

    assert _on_the_phone(assignment) is None
