"""The read receipt of a desk's message that went by SMS: the officer in a white spot has no
link for the app's ``read`` fact, so the message's SMS ends with the assignment's reply
instruction ("Otvet: ACK 4821"), and his signed reply records the ``read`` fact with source
``sms`` (services/sms_inbound.py) — acknowledging the call too if he had not yet.

(Before, such a message said "sent by SMS, no receipt" for ever, and a second ACK to a call
already acknowledged was stored as a superseded acknowledgement that told nobody anything.)
"""

from __future__ import annotations

import itertools
import json
import random

import pytest
from rest_framework.test import APIClient

from backend.common import clock
from backend.common.formatting import when_text
from backend.dispatch import sms, sms_texts
from backend.dispatch.models import Assignment, Event, SmsMessage
from backend.dispatch.selectors import desk_messages
from backend.dispatch.services import assignment_message, incident_dispatch
from backend.dispatch.sms import reply_code_for
from backend.ledger.models import AuditEntry
from tests import factories

from .conftest import signed_post, snapshot

pytestmark = pytest.mark.django_db

KNIFE = "Заявительница перезвонила: у него нож"
RIVER = "Ушёл в сторону реки на белой Ниве"
LONG = "Заявительница перезвонила: у него нож, он во дворе, соседи слышат крики. " * 4
# Ten-digit numbers no other test uses (the wrong-code counters live in the cache).
_numbers = itertools.count(random.randrange(10**6, 9 * 10**6, 1000))
_replies = itertools.count(1)


def texted_call(personas, *, language: str = "ru") -> Assignment:
    """The inspector has no phone with the app: his call (and the desk's messages) go by SMS.
    His phone number is the test's own."""
    inspector = personas.a.inspector
    inspector.language = language
    inspector.phone = f"+7706{next(_numbers):07d}"
    inspector.save(update_fields=["language", "phone"])
    call = factories.incident(district=personas.a.district, settlement=personas.a.village)
    return incident_dispatch(incident=call, unit=personas.a.inspector_unit, by=personas.duty)


def reply(personas, text: str, *, gateway_id: str | None = None, **fields):
    body = {
        "id": gateway_id or f"gw-read-{next(_replies)}",
        "from": personas.a.inspector.phone,
        "text": text,
        **fields,
    }
    return signed_post(APIClient(), body)


def answered(response) -> tuple[int, str, str]:
    body = response.json()
    return response.status_code, body["status"], body["reason"]


def states(assignment: Assignment) -> list[tuple[str, bool, bool]]:
    """Each desk message: its text, whether it is read, and whether by SMS."""
    return [
        (m.text, m.read_at is not None, m.read_by_sms)
        for m in desk_messages([assignment.pk]).get(assignment.pk, [])
    ]


@pytest.mark.parametrize(
    ("language", "start", "tail"),
    [
        ("kk", "KUZET HABAR", "Jauap: ACK {code}"),
        ("ru", "KUZET SOOBShchENIE", "Otvet: ACK {code}"),
    ],
)
def test_the_messages_sms_ends_with_the_reply_code_in_the_officers_language(
    personas, language, start, tail
):
    # given
    assignment = texted_call(personas, language=language)
    code = reply_code_for(assignment.pk)

    # when: a short message, and one too long for one SMS
    assignment_message(assignment=assignment, by=personas.duty, text=KNIFE)
    assignment_message(assignment=assignment, by=personas.duty, text=LONG)

    # then: both carry the assignment's code; the long one is cut, never the instruction
    short, long = SmsMessage.objects.filter(purpose="message").order_by("pk")
    instruction = tail.format(code=code)
    assert (short.reply_code, long.reply_code) == (code, code)
    assert short.body.startswith(f"{start} {assignment.incident.number} ")
    assert short.body.endswith(" " + instruction)
    assert long.body.endswith("+ " + instruction)
    assert len(long.body) <= sms.SMS_MAX_CHARS
    assert all(ch in sms._GSM7 for ch in short.body + long.body)


def test_the_message_text_in_english_says_the_reply_like_the_assignments(personas):
    call = factories.incident(district=personas.a.district, settlement=personas.a.village)
    text = sms_texts.message_text(
        incident=call, text="He has a knife", reply_code="4821", language="en"
    )
    assert text == f"KUZET MESSAGE {call.number} He has a knife Reply: ACK 4821"


def test_an_ok_to_the_message_acknowledges_the_call_and_marks_it_read_once(personas):
    # given: the call went by SMS, then the desk's message
    assignment = texted_call(personas)
    message = assignment_message(assignment=assignment, by=personas.duty, text=KNIFE)
    code = reply_code_for(assignment.pk)

    # when: the officer answers "OK 4821"; later again, "ACK 4821"
    first = reply(personas, f"OK {code}")
    events_after_first = Event.objects.count()
    second = reply(personas, f"ACK {code}")

    # then: the first acknowledged the call and recorded the read, both from the officer
    assert answered(first) == (200, "applied", "acknowledged_and_read")
    ack = Event.objects.get(kind="ack")
    read = Event.objects.get(kind="read")
    inspector = personas.a.inspector
    assert first.json()["event_id"] == ack.pk
    assert (ack.source, ack.disposition, ack.officer_id) == ("sms", "applied", inspector.pk)
    assert (read.source, read.via, read.disposition, read.officer_id) == (
        "sms",
        "sms",
        "recorded",
        inspector.pk,
    )
    assert read.payload["event_id"] == message.pk
    assignment.refresh_from_db()
    assert (assignment.status, assignment.acknowledged_event_id) == ("acknowledged", ack.pk)
    (shown,) = desk_messages([assignment.pk])[assignment.pk]
    assert (shown.read_at, shown.read_by, shown.read_by_sms) == (
        read.estimated_at,
        inspector.display_name,
        True,
    )
    # ...and the second recorded nothing: no superseded ack, no second read
    assert answered(second) == (200, "applied", "already_acknowledged")
    assert second.json()["event_id"] is None
    assert Event.objects.count() == events_after_first
    assert list(
        SmsMessage.objects.filter(direction="in").order_by("pk").values_list("state", "error")
    ) == [("applied", "acknowledged_and_read"), ("applied", "already_acknowledged")]
    audited = AuditEntry.objects.filter(action="sms.inbound_applied").order_by("pk")
    assert [
        (json.loads(e.data)["reason"], json.loads(e.data)["read_event_id"]) for e in audited
    ] == [
        ("acknowledged_and_read", read.pk),
        ("already_acknowledged", None),
    ]
    assert AuditEntry.objects.filter(action="event.sms_recorded").count() == 2


def test_a_reply_to_a_call_acknowledged_before_records_the_read_instead(personas):
    # given: the officer acknowledged the call by SMS; then the desk wrote
    assignment = texted_call(personas)
    code = reply_code_for(assignment.pk)
    assert answered(reply(personas, f"ACK {code}")) == (200, "applied", "")
    assignment_message(assignment=assignment, by=personas.duty, text=KNIFE)
    acks = list(Event.objects.filter(kind="ack").values_list("pk", flat=True))

    # when: he answers the message with the same code
    response = reply(personas, f"ОК {code}")  # Cyrillic "ОК", as a phone may type it

    # then: read, by SMS; no second acknowledgement
    assert answered(response) == (200, "applied", "read")
    read = Event.objects.get(kind="read")
    assert response.json()["event_id"] == read.pk
    assert list(Event.objects.filter(kind="ack").values_list("pk", flat=True)) == acks
    assert states(assignment) == [(KNIFE, True, True)]


def test_a_message_sent_after_the_reply_left_the_phone_stays_unread(personas):
    # given: a message; the gateway gets the officer's reply; the desk writes again before
    # the gateway's callback arrives
    assignment = texted_call(personas)
    assignment_message(assignment=assignment, by=personas.duty, text=KNIFE)
    received = clock.now()
    assignment_message(assignment=assignment, by=personas.duty, text=RIVER)

    # when
    response = reply(
        personas, f"OK {reply_code_for(assignment.pk)}", received_at=received.isoformat()
    )

    # then: the first message read at the reply's time, the second not
    assert answered(response) == (200, "applied", "acknowledged_and_read")
    assert states(assignment) == [(KNIFE, True, True), (RIVER, False, False)]
    assert Event.objects.get(kind="read").estimated_at == received


def test_a_message_sent_after_the_reply_is_read_by_the_next_reply(personas):
    # given: a message read by an SMS reply, then another message
    assignment = texted_call(personas)
    code = reply_code_for(assignment.pk)
    assignment_message(assignment=assignment, by=personas.duty, text=KNIFE)
    reply(personas, f"OK {code}")

    # when / then: the new message is not read until the officer answers it
    assignment_message(assignment=assignment, by=personas.duty, text=RIVER)
    assert states(assignment) == [(KNIFE, True, True), (RIVER, False, False)]
    assert answered(reply(personas, f"OK {code}")) == (200, "applied", "read")
    assert states(assignment) == [(KNIFE, True, True), (RIVER, True, True)]
    assert Event.objects.filter(kind="read").count() == 2


def test_a_replayed_reply_is_refused_and_records_nothing(personas):
    # given: the reply to a message applied
    assignment = texted_call(personas)
    assignment_message(assignment=assignment, by=personas.duty, text=KNIFE)
    text = f"OK {reply_code_for(assignment.pk)}"
    assert answered(reply(personas, text, gateway_id="gw-read-replayed"))[1] == "applied"
    before = snapshot()

    # when: the same gateway message again (signed afresh)
    again = reply(personas, text, gateway_id="gw-read-replayed")

    # then
    assert (again.status_code, again.json()["error"]) == (401, "replayed")
    after = snapshot()
    assert after.pop("audit") == before.pop("audit") + 1  # security.sms_inbound_replayed
    assert after == before


def test_a_wrong_code_does_not_mark_the_message_read_and_is_counted(personas, settings):
    # given: a message; a limit of one wrong code per phone
    settings.KUZET_AUTH_FAILURE_LIMIT = 1
    assignment = texted_call(personas)
    assignment_message(assignment=assignment, by=personas.duty, text=KNIFE)
    right = reply_code_for(assignment.pk)
    wrong = "1000" if right != "1000" else "1001"

    # when: a wrong code, then the right one from the same phone
    guessed = reply(personas, f"OK {wrong}")
    locked = reply(personas, f"OK {right}")

    # then: the wrong code is counted; the lock refuses the right one; nothing is read
    assert answered(guessed) == (200, "rejected", "unknown_code")
    assert answered(locked) == (200, "rejected", "too_many_wrong_codes")
    assert states(assignment) == [(KNIFE, False, False)]
    assert not Event.objects.filter(source="sms").exists()


def test_the_call_page_says_the_message_was_read_by_sms(personas, client):
    # given: the message read by the officer's SMS reply
    assignment = texted_call(personas)
    assignment_message(assignment=assignment, by=personas.duty, text=KNIFE)
    reply(personas, f"OK {reply_code_for(assignment.pk)}")
    read = Event.objects.get(kind="read")
    personas.duty.language = "en"  # the msgids; the catalogs translate them
    personas.duty.save(update_fields=["language"])
    client.force_login(personas.duty)

    # when
    html = client.get(f"/admin/dispatch/incident/{assignment.incident_id}/change/").content

    # then: the crew's row and the timeline's message row say so, when and by whom
    said = f"read {when_text(read.estimated_at)} by SMS · {personas.a.inspector.display_name}"
    assert html.decode().count(said) >= 2, said


def test_the_board_row_says_the_message_was_read_by_sms(personas):
    # given
    assignment = texted_call(personas)
    message = assignment_message(assignment=assignment, by=personas.duty, text=KNIFE)
    reply(personas, f"OK {reply_code_for(assignment.pk)}")
    read = Event.objects.get(kind="read")

    # when
    (shown,) = desk_messages([assignment.pk])[assignment.pk]

    # then: the board's row of the assignment carries it (realtime.fanout: _with_messages)
    assert shown.as_row() == {
        "id": message.pk,
        "sent_at": clock.to_ms(message.server_received_at),
        "by_sms": True,
        "read_at": clock.to_ms(read.estimated_at),
        "read_by": personas.a.inspector.display_name,
        "read_by_sms": True,
    }
