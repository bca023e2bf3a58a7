"""The duty desk's message to a crew on a call (services/messages.py): the caller rang back
with what the crew must know ("he has a knife now"), and the desk had only the radio, which
does not reach a village in a white spot."""

from __future__ import annotations

import json

import pytest

from backend.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from backend.dispatch.models import Event, SmsMessage
from backend.dispatch.services import assignment_cancel, assignment_message, incident_dispatch
from backend.dispatch.sms import reply_code_for
from backend.ledger.models import AuditEntry
from tests import factories
from tests.backend.sync_support import event

from .conftest import boards, dispatch_a_call

KNIFE = "Заявительница перезвонила: у него нож, он во дворе"


@pytest.mark.django_db
def test_a_message_reaches_the_crews_phones_and_the_audit_log(personas, device_a1):
    # given: A-PC1 is on a call, its phone holds it
    assignment = dispatch_a_call(personas, category="domestic_violence", priority="P1")
    device_a1.pull(None)

    # when
    event = assignment_message(assignment=assignment, by=personas.duty, text=f"  {KNIFE} \n")

    # then: a note from the desk on the assignment, in the phone's next pull
    stored = Event.objects.get(pk=event.pk)
    assert (stored.kind, stored.source, stored.payload, stored.assignment_id) == (
        "note",
        "desk",
        {"text": KNIFE},
        assignment.pk,
    )
    pulled = device_a1.pull()["changes"]["events"]["updated"]
    assert [(e["id"], e["kind"], e["source"], json.loads(e["payload"])) for e in pulled] == [
        (event.pk, "note", "desk", {"text": KNIFE})
    ]
    audit = AuditEntry.objects.get(action="event.desk_message")
    assert audit.actor_id == personas.duty.pk
    # a crew with the app in coverage is not texted
    assert not SmsMessage.objects.filter(purpose="message").exists()


@pytest.mark.django_db
def test_a_crew_that_reads_its_calls_by_sms_gets_the_message_by_sms_in_its_language(personas):
    # given: the inspector has no phone with the app: his call went by SMS
    inspector = personas.a.inspector
    inspector.language = "kk"
    inspector.save(update_fields=["language"])
    call = factories.incident(district=personas.a.district, settlement=personas.a.village)
    assignment = incident_dispatch(incident=call, unit=personas.a.inspector_unit, by=personas.duty)

    # when
    assignment_message(assignment=assignment, by=personas.duty, text="Он ушёл к реке")

    # then: one SMS to his phone, in Kazakh Latin letters, with the call's number and the
    # assignment's reply instruction (his answer is the desk's read receipt)
    (sms,) = SmsMessage.objects.filter(purpose="message")
    code = reply_code_for(assignment.pk)
    assert (sms.phone, sms.officer_id, sms.assignment_id, sms.reply_code) == (
        inspector.phone,
        inspector.pk,
        assignment.pk,
        code,
    )
    assert sms.body == f"KUZET HABAR {call.number} On ushiol k reke Jauap: ACK {code}"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "code"), [("   ", "message_empty"), ("ж" * 501, "message_too_long")]
)
def test_an_empty_or_too_long_message_is_refused_and_nothing_is_written(personas, text, code):
    assignment = dispatch_a_call(personas)
    with pytest.raises(ValidationFailed) as refused:
        assignment_message(assignment=assignment, by=personas.duty, text=text)
    assert refused.value.code == code
    assert not Event.objects.filter(kind="note").exists()


@pytest.mark.django_db
def test_a_crew_stood_down_is_not_sent_messages(personas):
    assignment = dispatch_a_call(personas)
    assignment_cancel(assignment=assignment, by=personas.duty, reason="отозван")
    with pytest.raises(Conflict) as refused:
        assignment_message(assignment=assignment, by=personas.duty, text=KNIFE)
    assert refused.value.code == "assignment_closed"
    assert not Event.objects.filter(kind="note").exists()


@pytest.mark.django_db
def test_only_a_desk_of_the_calls_district_sends_it(personas):
    # given: a district B duty officer, and an officer of the crew itself
    assignment = dispatch_a_call(personas)
    desk_b = factories.officer(username="duty_b", role="duty_officer", district=personas.b.district)

    # then
    with pytest.raises(NotFound):
        assignment_message(assignment=assignment, by=desk_b, text=KNIFE)
    with pytest.raises(Forbidden):
        assignment_message(assignment=assignment, by=personas.a.patrol_officers[0], text=KNIFE)
    assert not Event.objects.filter(kind="note").exists()


@pytest.mark.django_db
def test_the_staff_api_sends_it_and_says_why_not(personas, client_for):
    # given
    assignment = dispatch_a_call(personas)
    api = client_for(personas.duty)
    url = f"/api/v1/assignments/{assignment.pk}/message/"

    # when
    sent = api.post(url, {"text": KNIFE}, format="json")
    empty = api.post(url, {"text": "  "}, format="json")
    assignment_cancel(assignment=assignment, by=personas.duty, reason="отозван")
    late = api.post(url, {"text": KNIFE}, format="json")

    # then
    assert sent.status_code == 201
    event = Event.objects.get(kind="note", source="desk")
    assert sent.json() == {
        "id": event.pk,
        "assignment_id": assignment.pk,
        "text": KNIFE,
        "sent_at": sent.json()["sent_at"],
        "by_sms": False,
        "read_at": None,
        "read_by": None,
        "read_by_officer_id": None,
        "read_by_sms": False,
    }
    assert (empty.status_code, empty.json()["error"]) == (400, "invalid")
    assert (late.status_code, late.json()["error"]) == (409, "assignment_closed")
    assert Event.objects.filter(kind="note").count() == 1


@pytest.mark.django_db
def test_the_call_page_sends_it_and_its_timeline_shows_it_to_the_unit(personas, client):
    # given: the call's page, in Russian
    assignment = dispatch_a_call(personas)
    client.force_login(personas.duty)
    base = f"/admin/dispatch/incident/{assignment.incident_id}"

    # when: the duty officer types the message into the crew's row and sends it
    page = client.get(f"{base}/change/", HTTP_ACCEPT_LANGUAGE="ru")
    sent = client.post(
        f"{base}/assignments/{assignment.pk}/message/",
        {"text": KNIFE},
        HTTP_ACCEPT_LANGUAGE="ru",
        follow=True,
    )

    # then: the form was there, the page says it went, and the timeline names the unit
    assert "Сообщение наряду" in page.content.decode()
    html = sent.content.decode()
    assert "Сообщение отправлено наряду A-PC1." in html
    assert "Сообщение наряду A-PC1" in html
    assert KNIFE in html


@pytest.mark.django_db
def test_a_crews_note_is_put_before_its_districts_desk_and_the_desks_own_message_is_not(
    personas, device_a1, notifications, django_capture_on_commit_callbacks
):
    # given: A-PC1 on a call, its phone holding it
    assignment = dispatch_a_call(personas)
    device_a1.pull(None)

    # when: the officer writes a note on his phone, and the desk sends the crew a message
    with django_capture_on_commit_callbacks(execute=True):
        device_a1.push(event("note", assignment, payload={"text": "Нужна скорая, ножевое"}))
        assignment_message(assignment=assignment, by=personas.duty, text=KNIFE)

    # then: the board hears the crew's note (who, which call, what), once, and not its own
    notes = boards(notifications(), "crew_note")
    assert [
        (n["district_id"], n["incident_id"], n["assignment_id"], n["callsign"], n["text"])
        for n in notes
    ] == [
        (
            personas.a.district.pk,
            assignment.incident_id,
            assignment.pk,
            "A-PC1",
            "Нужна скорая, ножевое",
        )
    ]
    assert notes[0]["source"] == "app"
