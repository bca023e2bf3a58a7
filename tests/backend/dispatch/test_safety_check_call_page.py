"""The call's own page shows its crews' officer-safety checks (they were only audit lines in
its timeline) with "Officer OK" on an open one — the board's service, scoped and audited —
and who or what answered a closed one; a press just after the crew's own word is done."""

from __future__ import annotations

from django.test import Client
from django.utils import translation

from backend.common import clock
from backend.dispatch.lifecycle import EventKind
from backend.dispatch.models import SafetyCheck
from backend.dispatch.services import assignment_record_on_behalf
from backend.ledger.models import AuditEntry

from .test_safety_checks import alerts, at, on_scene, sweep


def _page(user, incident_id: int) -> str:
    client = Client()
    client.force_login(user)
    return client.get(f"/admin/dispatch/incident/{incident_id}/change/").content.decode()


def _ok(user, incident_id: int, check_id: int, key: str = "k1"):
    client = Client()
    client.force_login(user)
    return client.post(
        f"/admin/dispatch/incident/{incident_id}/safety-checks/{check_id}/ok/",
        {"idempotency_key": key},
        follow=True,
    )


def test_the_calls_page_answers_an_open_check_as_the_board_does(personas):
    # given: A-PC1 silent on scene, its check open; the call's page in Russian
    assignment = on_scene(personas)
    sweep(25)
    [check] = SafetyCheck.objects.all()
    personas.duty.language = "ru"
    personas.duty.save()
    with clock.frozen(at(25.5)):
        page = _page(personas.duty, assignment.incident_id)
    assert 'id="kuzet-safety"' in page
    assert f"/safety-checks/{check.pk}/ok/" in page

    # when: the desk raised the crew and presses "Officer OK" on the page
    with clock.frozen(at(26)):
        answered = _ok(personas.duty, assignment.incident_id, check.pk)

    # then: recorded, audited, the board's alert marked; the page says who answered it
    check.refresh_from_db()
    assert (check.checked_at, check.checked_by) == (at(26), personas.duty)
    assert AuditEntry.objects.filter(action="unit.safety_checked", actor=personas.duty).count() == 1
    [alert] = alerts()
    assert alert.acknowledged_by == personas.duty
    text = answered.content.decode()
    assert personas.duty.display_name in text
    assert f"/safety-checks/{check.pk}/ok/" not in text


def test_a_press_just_after_the_crews_word_is_done_and_says_who_answered(personas):
    assignment = on_scene(personas)
    sweep(25)
    [check] = SafetyCheck.objects.all()
    with clock.frozen(at(27)):
        assignment_record_on_behalf(
            assignment=assignment, by=personas.duty, kind=EventKind.OUTCOME, channel="radio",
            outcome_code="resolved_on_scene",
        )  # fmt: skip
    sweep(27.5)
    personas.duty.language = "en"
    personas.duty.save()

    with clock.frozen(at(28)):
        answered = _ok(personas.duty, assignment.incident_id, check.pk)

    text = answered.content.decode()
    assert "the check was already answered" in text
    with translation.override("en"):
        assert check.__class__.objects.get().answered_by() in text
    assert 'class="error"' not in text
    check.refresh_from_db()
    assert check.checked_by is None


def test_another_districts_desk_cannot_answer_it(personas):
    assignment = on_scene(personas)
    sweep(25)
    [check] = SafetyCheck.objects.all()
    client = Client()
    client.force_login(personas.b.chief)

    refused = client.post(
        f"/admin/dispatch/incident/{assignment.incident_id}/safety-checks/{check.pk}/ok/",
        {"idempotency_key": "k2"},
    )

    assert refused.status_code in (403, 404)
    check.refresh_from_db()
    assert check.checked_at is None
