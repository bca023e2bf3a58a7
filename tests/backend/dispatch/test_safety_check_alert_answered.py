"""An officer-safety check's own board alert is answered wherever the check is (realtime
``alerts.alerts_record``): by the crew's own word, through the staff API or the call page —
not only by a board's "Officer OK" — so every board's reload and any list past the 100
listed alerts agree. A desk's "Officer OK" pressed just after the check was answered is done,
not "Failed: This check is already recorded."."""

from __future__ import annotations

from backend.common import clock
from backend.dispatch.lifecycle import EventKind
from backend.dispatch.models import SafetyCheck
from backend.dispatch.services import assignment_record_on_behalf, safety_check_record
from backend.realtime.alerts import alerts_listed, safety_check_ok

from .test_safety_checks import _ok, alerts, at, on_scene, sweep


def test_the_crews_word_answers_the_checks_own_alert(personas):
    # given: A-PC1 silent on scene, put before the desk at 08:25; its word came at 08:27
    assignment = on_scene(personas)
    sweep(25)
    with clock.frozen(at(27)):
        assignment_record_on_behalf(
            assignment=assignment, by=personas.duty, kind=EventKind.OUTCOME, channel="radio",
            outcome_code="resolved_on_scene",
        )  # fmt: skip

    # when: the sweep closes the check by that word
    sweep(28)

    # then: the check's own alert is answered, by the crew's word, with no officer's name
    [alert] = alerts()
    assert alert.acknowledged_at == at(27)
    assert alert.acknowledged_by is None
    assert (alert.data["by_crew"], alert.data["word_kind"]) == (True, "outcome")
    with clock.frozen(at(28)):
        assert alerts_listed(personas.duty)["safety_checks"] == []


def test_a_check_answered_without_its_alert_id_answers_its_alert(personas):
    # given: the check answered through the staff API (no alert id), by the chief's duty
    on_scene(personas)
    sweep(25)
    [check] = SafetyCheck.objects.all()

    with clock.frozen(at(26)):
        safety_check_record(check_id=check.pk, by=personas.duty)

    [alert] = alerts()
    assert (alert.acknowledged_at, alert.acknowledged_by) == (at(26), personas.duty)
    assert "by_crew" not in alert.data


def test_officer_ok_just_after_the_crews_word_is_done_and_says_so(personas):
    # given: the crew's word answered the check at 08:27, a moment before the desk's press
    assignment = on_scene(personas)
    sweep(25)
    with clock.frozen(at(27)):
        assignment_record_on_behalf(
            assignment=assignment, by=personas.duty, kind=EventKind.OUTCOME, channel="radio",
            outcome_code="resolved_on_scene",
        )  # fmt: skip
    sweep(27.5)

    # when: the desk presses "Officer OK" on its board
    with clock.frozen(at(28)):
        answered = _ok(personas.duty, alerts()[0].pk)

    # then: not a failure — the board is answered with the check as the crew's word closed it
    assert answered.status_code == 200
    body = answered.json()
    assert body["acknowledged_at"] == clock.to_ms(at(27))
    assert (body["by_crew"], body["word_kind"]) == (True, "outcome")
    [check] = SafetyCheck.objects.all()
    assert check.checked_by is None  # the crew answered it, and the record says so


def test_officer_ok_on_an_alert_left_open_by_an_earlier_answer_is_done(personas):
    # given: a check answered before its alert was marked (an alert of an earlier release)
    on_scene(personas)
    sweep(25)
    [check] = SafetyCheck.objects.all()
    [alert] = alerts()
    with clock.frozen(at(26)):
        safety_check_record(check_id=check.pk, by=personas.a.chief)
    alert.refresh_from_db()
    alert.acknowledged_at = alert.acknowledged_by = None
    alert.save()

    with clock.frozen(at(27)):
        done = safety_check_ok(alert_id=alert.pk, by=personas.duty)

    assert (done.acknowledged_at, done.acknowledged_by) == (at(26), personas.a.chief)
