"""The staff API's "Officer OK" on a check already answered — by another duty officer, by the
crew's own word, or by an earlier request whose answer was lost — is 200 with the check as it
was answered (``already_answered: true``), not a 409 an integration must special-case while
the officer is confirmed OK; nothing is written the second time."""

from __future__ import annotations

from django.utils import translation

from backend.common import clock
from backend.dispatch.lifecycle import EventKind
from backend.dispatch.models import SafetyCheck
from backend.dispatch.services import assignment_record_on_behalf, safety_check_record
from backend.ledger.models import AuditEntry
from backend.people.models import Role
from backend.realtime.models import BoardAlert
from tests import factories

from .test_safety_checks import at, on_scene, sweep


def ok(client, check_id: int, **headers):
    return client.post(f"/api/v1/safety-checks/{check_id}/ok/", format="json", **headers)


def test_a_check_another_desk_answered_is_200_with_who_answered(personas, client_for):
    # given: A-PC1's check; Ayagoz's own duty officer raised the crew at 08:26
    on_scene(personas)
    sweep(25)
    [check] = SafetyCheck.objects.all()
    ayagoz = factories.officer(
        username="duty_ayagoz", role=Role.DUTY_OFFICER, district=personas.a.district
    )
    with clock.frozen(at(26)):
        safety_check_record(check_id=check.pk, by=ayagoz)
    told_before = BoardAlert.objects.filter(kind="unit.safety_checked").count()

    # when: the oblast desk's integration presses "Officer OK" a minute later
    with clock.frozen(at(27)):
        response = ok(client_for(personas.duty), check.pk, HTTP_ACCEPT_LANGUAGE="ru")

    # then: done, as Ayagoz's desk answered it: its time, its name, nothing written again
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["already_answered"] is True
    assert answer["checked_at"] == "2026-03-02T13:26:00+05:00"
    assert answer["checked_by"] == ayagoz.display_name
    assert answer["answered_by"] == ayagoz.display_name
    assert answer["word_kind"] is None
    assert (answer["id"], answer["callsign"]) == (check.pk, "A-PC1")
    audited = AuditEntry.objects.filter(action="unit.safety_checked")
    assert [e.actor for e in audited] == [ayagoz]
    assert BoardAlert.objects.filter(kind="unit.safety_checked").count() == told_before
    check.refresh_from_db()
    assert (check.checked_at, check.checked_by) == (at(26), ayagoz)


def test_a_check_the_crews_word_answered_is_200_with_the_words_kind(personas, client_for):
    # given: A-PC1's check, answered at the next sweep by the crew's outcome heard at 08:27
    assignment = on_scene(personas)
    sweep(25)
    with clock.frozen(at(27)):
        assignment_record_on_behalf(
            assignment=assignment,
            by=personas.duty,
            kind=EventKind.OUTCOME,
            channel="radio",
            outcome_code="resolved_on_scene",
        )
    sweep(28)
    [check] = SafetyCheck.objects.all()
    assert check.word_id is not None

    # when: the desk's integration presses "Officer OK" at 08:29
    with clock.frozen(at(29)):
        response = ok(client_for(personas.duty), check.pk, HTTP_ACCEPT_LANGUAGE="ru")

    # then: done, answered by the crew's word: no duty officer's name, the word's kind
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["already_answered"] is True
    assert answer["checked_at"] == "2026-03-02T13:27:00+05:00"
    assert (answer["checked_by"], answer["word_kind"]) == (None, "outcome")
    with translation.override("ru"):
        assert answer["answered_by"] == "наряд: Результат"
    [audited] = AuditEntry.objects.filter(action="unit.safety_checked")
    assert audited.actor is None
    check.refresh_from_db()
    assert (check.checked_at, check.checked_by) == (at(27), None)


def test_a_retry_after_a_lost_answer_is_200_and_the_audit_has_one_answer(personas, client_for):
    # given: A-PC1's check
    on_scene(personas)
    sweep(25)
    [check] = SafetyCheck.objects.all()
    desk = client_for(personas.duty)

    # when: the desk's integration presses "Officer OK", loses the answer, and sends it again
    # (no Idempotency-Key)
    with clock.frozen(at(26)):
        first = ok(desk, check.pk)
    with clock.frozen(at(27)):
        again = ok(desk, check.pk)

    # then: both 200; the first answered it, the second says it was answered — one audit
    # entry, one notice to the boards, the time of the first
    assert (first.status_code, first.json()["already_answered"]) == (200, False)
    assert (again.status_code, again.json()["already_answered"]) == (200, True)
    assert first.json()["answered_by"] == personas.duty.display_name
    assert {k: v for k, v in again.json().items() if k != "already_answered"} == {
        k: v for k, v in first.json().items() if k != "already_answered"
    }
    assert again.json()["checked_at"] == "2026-03-02T13:26:00+05:00"
    assert AuditEntry.objects.filter(action="unit.safety_checked").count() == 1
    assert BoardAlert.objects.filter(kind="unit.safety_checked").count() == 1


def test_an_open_check_reads_answered_by_null(personas, client_for):
    on_scene(personas)
    sweep(25)

    listed = client_for(personas.duty).get("/api/v1/safety-checks/").json()

    assert [(c["callsign"], c["answered_by"]) for c in listed] == [("A-PC1", None)]
    assert "already_answered" not in listed[0]


def test_the_schema_says_a_second_officer_ok_is_200_not_409(client_for, personas):
    schema = client_for(personas.duty).get("/api/schema/", {"format": "json"}).json()

    operation = schema["paths"]["/api/v1/safety-checks/{check_id}/ok/"]["post"]
    assert "409" not in operation["responses"]
    output = schema["components"]["schemas"]["SafetyCheckOkOutput"]
    assert output["properties"]["already_answered"]["type"] == "boolean"
    assert "answered_by" in output["properties"]
