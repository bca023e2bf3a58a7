"""Read receipts for the duty desk's messages to a crew: the officer opens the call on his
phone, the phone records a ``read`` fact naming the latest message he saw (docs/protocol.md
§4), and the desk's screens — the call's page, its timeline, the board's row, the staff API —
say "read 14:05 · the officer" instead of a "sent" that in a white spot means nothing."""

from __future__ import annotations

import datetime as dt

import orjson
import pytest

from backend.common import clock
from backend.common.formatting import when_text
from backend.dispatch.models import Event
from backend.dispatch.selectors import desk_messages
from backend.dispatch.services import assignment_message, incident_dispatch
from backend.realtime import fanout
from backend.sync_gateway.models import QuarantinedRecord
from tests import factories
from tests.backend.sync_support import event

from .conftest import CAPTURED, dispatch_a_call

KNIFE = "Заявительница перезвонила: у него нож"
RIVER = "Ушёл в сторону реки на белой Ниве"


def read(assignment, message_id, **fields):
    return event("read", assignment, payload={"event_id": message_id}, **fields)


@pytest.mark.django_db
def test_a_read_receipt_marks_the_message_it_names_and_every_earlier_one_read(personas, device_a1):
    # given: two messages to A-PC1, its phone holding them
    assignment = dispatch_a_call(personas)
    first = assignment_message(assignment=assignment, by=personas.duty, text=KNIFE)
    second = assignment_message(assignment=assignment, by=personas.duty, text=RIVER)
    device_a1.pull(None)
    before = desk_messages([assignment.pk])[assignment.pk]

    # when: the officer opens the call: the phone says he read up to the second
    (result,) = device_a1.push(read(assignment, second.pk))

    # then: both read, at the receipt's estimated time, by the officer
    assert (result["status"], result["disposition"]) == ("accepted", "recorded")
    receipt = Event.objects.get(kind="read")
    officer = personas.a.patrol_officers[0]
    assert (receipt.assignment_id, receipt.incident_id, receipt.officer_id) == (
        assignment.pk,
        assignment.incident_id,
        officer.pk,
    )
    assert [(m.id, m.read_at) for m in before] == [(first.pk, None), (second.pk, None)]
    after = desk_messages([assignment.pk])[assignment.pk]
    assert [(m.id, m.text, m.by_sms) for m in after] == [
        (first.pk, KNIFE, False),
        (second.pk, RIVER, False),
    ]
    for message in after:
        assert message.read_at == max(receipt.estimated_at, message.sent_at)
        assert (message.read_by, message.read_by_officer_id) == (
            officer.display_name,
            officer.pk,
        )


@pytest.mark.django_db
def test_a_receipt_for_the_first_message_leaves_a_later_one_unread(personas, device_a1):
    assignment = dispatch_a_call(personas)
    first = assignment_message(assignment=assignment, by=personas.duty, text=KNIFE)
    device_a1.pull(None)
    device_a1.push(read(assignment, first.pk))

    # when: the desk writes again after the officer read the first
    second = assignment_message(assignment=assignment, by=personas.duty, text=RIVER)

    # then
    states = {m.id: m.read_at for m in desk_messages([assignment.pk])[assignment.pk]}
    assert states[first.pk] is not None
    assert states[second.pk] is None


@pytest.mark.django_db
def test_a_receipt_pushed_again_is_a_duplicate_and_changes_nothing(personas, device_a1):
    # given: the phone read the message in a white spot and its push's answer was lost
    assignment = dispatch_a_call(personas)
    message = assignment_message(assignment=assignment, by=personas.duty, text=KNIFE)
    device_a1.pull(None)
    record = read(assignment, message.pk, device_time=clock.now_ms() - 60_000)
    (first,) = device_a1.push(record)
    read_at = desk_messages([assignment.pk])[assignment.pk][0].read_at

    # when: the same record again, its payload as the text WatermelonDB keeps
    (again,) = device_a1.push({**record, "payload": f'{{"event_id": "{message.pk}"}}'})

    # then
    assert first["status"] == "accepted"
    assert (again["status"], again["disposition"]) == ("duplicate", "recorded")
    assert Event.objects.filter(kind="read").count() == 1
    assert desk_messages([assignment.pk])[assignment.pk][0].read_at == read_at


@pytest.mark.django_db
def test_bad_receipts_are_refused_with_why_and_the_good_records_beside_them_are_kept(
    personas, device_a1
):
    # given: a message from the desk and a note of the crew's own
    assignment = dispatch_a_call(personas)
    message = assignment_message(assignment=assignment, by=personas.duty, text=KNIFE)
    device_a1.pull(None)
    (crew_note,) = device_a1.push(event("note", assignment, payload={"text": "Подъезжаем"}))

    # when: one push with receipts that name nothing, a message that does not exist, the
    # crew's own note, no assignment — and a good receipt and a note among them
    results = device_a1.push(
        read(assignment, None),
        read(assignment, "srv_nosuchmessage"),
        read(assignment, crew_note["id"]),
        event("read", None, payload={"event_id": message.pk}),
        read(assignment, message.pk),
        event("note", assignment, payload={"text": "На месте тихо"}),
    )

    # then: each refused with its reason and a detail that names the rule
    assert [(r["status"], r.get("reason")) for r in results] == [
        ("rejected", "invalid_payload"),
        ("rejected", "unknown_message"),
        ("rejected", "unknown_message"),
        ("rejected", "invalid_field"),
        ("accepted", None),
        ("accepted", None),
    ]
    assert "event_id of the desk's message" in results[0]["detail"]
    assert results[1]["detail"] == (
        "no message srv_nosuchmessage from the duty desk on this assignment"
    )
    assert results[3]["detail"] == "a read event needs an assignment_id"
    # kept in quarantine for the chief, the good ones stored and applied
    assert sorted(QuarantinedRecord.objects.values_list("reason", flat=True)) == [
        "invalid_field",
        "invalid_payload",
        "unknown_message",
        "unknown_message",
    ]
    assert Event.objects.filter(kind="read").count() == 1
    assert desk_messages([assignment.pk])[assignment.pk][0].read_at is not None


@pytest.mark.django_db
def test_a_message_that_went_by_sms_says_so_and_has_no_receipt(personas):
    # given: the inspector has no phone with the app: his call and the message go by SMS
    call = factories.incident(district=personas.a.district, settlement=personas.a.village)
    assignment = incident_dispatch(incident=call, unit=personas.a.inspector_unit, by=personas.duty)

    # when
    assignment_message(assignment=assignment, by=personas.duty, text=KNIFE)

    # then
    (message,) = desk_messages([assignment.pk])[assignment.pk]
    assert (message.by_sms, message.read_at) == (True, None)


@pytest.mark.django_db
def test_the_board_row_follows_the_receipt_live(
    personas, device_a1, notifications, django_capture_on_commit_callbacks
):
    # given: a message sent; the board's row says so
    assignment = dispatch_a_call(personas)
    with django_capture_on_commit_callbacks(execute=True):
        message = assignment_message(assignment=assignment, by=personas.duty, text=KNIFE)
    sent = _board_row(CAPTURED[-1], assignment.pk)
    assert sent["message"] == {
        "id": message.pk,
        "sent_at": clock.to_ms(message.server_received_at),
        "by_sms": False,
        "read_at": None,
        "read_by": None,
        "read_by_sms": False,
    }
    device_a1.pull(None)

    # when: the phone's receipt arrives
    with django_capture_on_commit_callbacks(execute=True):
        device_a1.push(read(assignment, message.pk))

    # then: the push's commit sends the boards the row again, read, by whom
    row = _board_row(CAPTURED[-1], assignment.pk)
    receipt = Event.objects.get(kind="read")
    assert row["message"]["read_at"] == clock.to_ms(receipt.estimated_at)
    assert row["message"]["read_by"] == personas.a.patrol_officers[0].display_name


def _board_row(commit, assignment_id):
    rows = [
        row
        for _group, message in fanout.plan(commit)
        if message.get("type") == "kuzet.frame"
        for row in _rows(message)
        if row.get("id") == assignment_id and "callsign" in row
    ]
    assert rows, "no board row of the assignment in the commit's frames"
    return rows[0]


def _rows(message):
    body = orjson.loads(message["text"])
    return body.get("tables", {}).get("assignments", []) if body.get("type") == "rows" else []


@pytest.mark.django_db
def test_the_staff_api_says_when_each_message_was_read_and_by_whom(personas, device_a1, client_for):
    # given: a message read on the phone
    assignment = dispatch_a_call(personas)
    message = assignment_message(assignment=assignment, by=personas.duty, text=KNIFE)
    device_a1.pull(None)
    device_a1.push(read(assignment, message.pk))
    receipt = Event.objects.get(kind="read")
    url = f"/api/v1/assignments/{assignment.pk}/message/"

    # when: the duty officer, the district's chief and another district's desk ask
    mine = client_for(personas.duty).get(url)
    chief = client_for(personas.a.chief).get(url)
    desk_b = factories.officer(username="duty_b", role="duty_officer", district=personas.b.district)
    other = client_for(desk_b).get(url)

    # then
    assert mine.status_code == 200
    (listed,) = mine.json()
    assert listed["id"] == message.pk
    assert listed["text"] == KNIFE
    assert listed["by_sms"] is False
    assert dt.datetime.fromisoformat(listed["read_at"]) == receipt.estimated_at
    officer = personas.a.patrol_officers[0]
    assert (listed["read_by"], listed["read_by_officer_id"]) == (officer.display_name, officer.pk)
    assert chief.status_code == 200
    assert (other.status_code, other.json()["error"]) == (404, "not_found")


@pytest.mark.django_db
def test_the_call_page_and_its_timeline_say_the_message_was_read(personas, device_a1, client):
    # given: a message read on the phone
    assignment = dispatch_a_call(personas)
    message = assignment_message(assignment=assignment, by=personas.duty, text=KNIFE)
    device_a1.pull(None)
    device_a1.push(read(assignment, message.pk))
    receipt = Event.objects.get(kind="read")
    _reads_english(personas.duty)
    client.force_login(personas.duty)

    # when
    page = client.get(f"/admin/dispatch/incident/{assignment.incident_id}/change/")

    # then: the crew's row and the timeline's message row both say read, when and by whom
    html = page.content.decode()
    officer = personas.a.patrol_officers[0]
    said = f"read {when_text(receipt.estimated_at)}"
    assert html.count(said) >= 2, said
    assert f"{said} · {officer.display_name}" in html
    assert "kuzet-desk-message kuzet-read" in html
    # the receipt's own row names the message it reached, by the time it was sent
    assert f"messages up to the one of {when_text(message.server_received_at)}" in html


@pytest.mark.django_db
def test_the_call_page_says_a_message_not_read_yet(personas, client):
    assignment = dispatch_a_call(personas)
    assignment_message(assignment=assignment, by=personas.duty, text=KNIFE)
    _reads_english(personas.duty)
    client.force_login(personas.duty)
    html = client.get(f"/admin/dispatch/incident/{assignment.incident_id}/change/").content
    assert "not read yet" in html.decode()


def _reads_english(officer):
    """The console in English: the words asserted are the msgids (the Russian and Kazakh
    catalogs translate them; the browser suites read those)."""
    officer.language = "en"
    officer.save(update_fields=["language"])
