"""What the call page says after the duty officer stands a unit down, hands the call to
another, or records what the crew reported — and the assignment list's actions: one
sentence each, naming the unit and the call, with times in the district's time (UTC+5)
and what comes next. They read "Cancelled: 2026-00012 → A-PC1 (Cancelled)." — the status
twice, an arrow — and the list's "Cancelled: 1.", a number without a noun.

The officers read English here (the Russian and Kazakh words are the catalogs')."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone, translation

from backend.common import clock
from backend.common.formatting import when_text
from backend.devices.models import Device
from backend.dispatch import services
from backend.dispatch.admin import dispatch_panel
from backend.dispatch.models import Assignment
from backend.dispatch.services import assignment_record_on_behalf, incident_dispatch
from backend.people.models import Officer, Unit
from backend.sync_gateway.push import push_records
from tests import factories
from tests.backend.sync_support import event

BASE = "/admin/dispatch/incident"
# Today at 09:14:30 in Kazakhstan (UTC+5), 04:14:30 UTC: the notices write today's times
# without the date.
DISPATCHED = dt.datetime.combine(
    timezone.localdate(), dt.time(9, 14, 30), tzinfo=timezone.get_default_timezone()
)


@pytest.fixture(autouse=True)
def _officers_read_english(personas):
    Officer.objects.update(language="en")


@pytest.fixture
def sent(personas) -> Assignment:
    """A-PC1 sent to a call in Ayagoz at 09:14:30 local time, its phone in contact."""
    with clock.frozen(DISPATCHED):
        call = factories.incident(
            district=personas.a.district, settlement=personas.a.town, received_at=DISPATCHED
        )
        Unit.objects.filter(pk=personas.a.patrol.pk).update(last_contact_at=DISPATCHED)
        return incident_dispatch(incident=call, unit=personas.a.patrol, by=personas.duty)


def said(response: Any) -> list[str]:
    return [m.message for m in get_messages(response.wsgi_request)]


def command(assignment: Assignment, name: str) -> str:
    return f"{BASE}/{assignment.incident_id}/assignments/{assignment.pk}/{name}/"


def test_a_stand_down_names_the_unit_and_the_call_and_that_the_crew_is_told(client, personas, sent):
    client.force_login(personas.duty)

    with clock.frozen(DISPATCHED + dt.timedelta(minutes=2)):
        response = client.post(command(sent, "cancel"), {"reason": "отбой"})

    assert said(response) == [f"A-PC1 is taken off call {sent.incident.number}; the crew is told."]


def test_a_stand_down_of_a_crew_out_of_contact_says_when_it_will_know(client, personas, sent):
    # given: nothing from A-PC1's phone for 20 minutes (unreachable after 15)
    client.force_login(personas.duty)

    with clock.frozen(DISPATCHED + dt.timedelta(minutes=20)):
        response = client.post(command(sent, "cancel"), {"reason": "отбой"})

    assert said(response) == [
        f"A-PC1 is taken off call {sent.incident.number}; the crew gets the cancellation "
        "when its phone is back in contact."
    ]


def test_a_hand_over_names_both_units_and_the_new_ones_deadline(client, personas, sent):
    client.force_login(personas.duty)

    with clock.frozen(DISPATCHED + dt.timedelta(minutes=1)):
        response = client.post(command(sent, "reassign"), {"unit_id": personas.a.inspector_unit.pk})

    new = Assignment.objects.get(incident=sent.incident, unit=personas.a.inspector_unit)
    assert said(response) == [
        f"Call {sent.incident.number} is handed to A-UI1 (A-PC1 is taken off it); A-UI1 must "
        f"acknowledge by {when_text(new.ack_due_at)}, or the board raises an alert."
    ]
    assert "→" not in said(response)[0]


def test_an_arrival_heard_by_radio_is_said_in_local_time_with_its_uncertainty(
    client, personas, sent
):
    client.force_login(personas.duty)

    # when: at 09:25 the duty officer records "on scene at 09:20, ± 3 minutes" by radio
    with clock.frozen(DISPATCHED + dt.timedelta(minutes=10, seconds=30)):
        response = client.post(
            command(sent, "record"),
            {"kind": "on_scene", "channel": "radio", "occurred_at": "09:20",
             "occurred_at_shown": "09:14:30", "uncertainty_min": "3"},
        )  # fmt: skip

    assert said(response) == ["Recorded for A-PC1: on scene at 09:20:00 ± 3 min 00 s (by radio)."]


def test_an_acknowledgment_says_by_when_the_crew_must_be_on_scene(client, personas, sent):
    client.force_login(personas.duty)
    assert sent.arrive_due_at is not None

    with clock.frozen(DISPATCHED + dt.timedelta(seconds=40)):
        response = client.post(command(sent, "acknowledge"), {"channel": "phone"})

    with translation.override("en"):
        due = when_text(sent.arrive_due_at)
    assert said(response) == [
        "Recorded for A-PC1: acknowledged at 09:15:10 (by phone); the crew must be on scene "
        f"by {due}, or the board raises an alert."
    ]


def test_a_departure_after_the_arrival_deadline_names_no_deadline(client, personas, sent):
    client.force_login(personas.duty)
    assert sent.arrive_due_at is not None
    late = sent.arrive_due_at + dt.timedelta(minutes=1)

    with clock.frozen(late):
        response = client.post(
            command(sent, "record"), {"kind": "en_route", "channel": "in_person"}
        )

    with translation.override("en"):
        at = when_text(late)
    assert said(response) == [f"Recorded for A-PC1: set off at {at} (in person)."]


def test_an_outcome_names_it_with_its_article(client, personas, sent):
    client.force_login(personas.duty)

    with clock.frozen(DISPATCHED + dt.timedelta(minutes=30)):
        response = client.post(
            command(sent, "record"),
            {"kind": "outcome", "channel": "phone", "outcome_code": "admin_protocol",
             "coao_article": "461"},
        )  # fmt: skip

    assert said(response) == [
        "Recorded for A-PC1 at 09:44:30 (by phone): outcome — Administrative protocol "
        "(ЕРАП), CoAO art. 461."
    ]


def test_a_stand_down_sent_twice_says_the_first_outcome_again(client, personas, sent):
    client.force_login(personas.duty)
    form = {"reason": "отбой", "idempotency_key": "d" * 32}

    with clock.frozen(DISPATCHED + dt.timedelta(minutes=2)):
        first = said(client.post(command(sent, "cancel"), form))
        again = said(client.post(command(sent, "cancel"), form))

    # (the first notice is still in the session: the browser was not sent back for it)
    assert again[-1] == f"This form was already sent; nothing was done again. {first[0]}"
    assert first[0].startswith("A-PC1 is taken off call")


def test_the_lists_cancel_counts_the_assignments_and_names_them(client, personas, sent):
    # given: a second call, A-UI1 on it
    other = factories.incident(district=personas.a.district, settlement=personas.a.village)
    second = incident_dispatch(incident=other, unit=personas.a.inspector_unit, by=personas.duty)
    client.force_login(personas.duty)
    url = "/admin/dispatch/assignment/"

    # when: both are cancelled from the list
    response = client.post(
        url, {"action": "kuzet_cancel_selected", "_selected_action": [sent.pk, second.pk]}
    )

    # then
    assert said(response) == [
        f"2 assignments cancelled: A-PC1 ({sent.incident.number}), A-UI1 ({other.number})."
    ]


def test_the_lists_acknowledgment_by_phone_of_one_assignment_is_singular(client, personas, sent):
    client.force_login(personas.duty)

    response = client.post(
        "/admin/dispatch/assignment/",
        {"action": "kuzet_acknowledge_by_phone", "_selected_action": [sent.pk]},
    )

    assert said(response) == [
        f"1 assignment acknowledged by phone on the crew's behalf: A-PC1 ({sent.incident.number})."
    ]


# The call's own commands: closing, cancelling, reopening and its registry numbers. They read
# "Closed: 2026-00012 Theft (P2).", "Incident cancelled: …", "Reopened: …" and "Registry
# numbers saved: …" — the call's category and the code of its priority, nothing of what the
# command meant for the caller, the units on it or the desk.


def call_command(incident_id: int, name: str) -> str:
    return f"{BASE}/{incident_id}/{name}/"


@pytest.fixture
def two_on_it(personas, sent) -> Assignment:
    """A-UI1 sent to the same call too at 09:16:30; its phone was never heard from (so it
    is unreachable). A-PC1 (in contact) on scene at 09:20, by radio. Returns A-UI1's
    assignment."""
    with clock.frozen(DISPATCHED + dt.timedelta(minutes=2)):
        second = incident_dispatch(
            incident=sent.incident, unit=personas.a.inspector_unit, by=personas.duty
        )
    with clock.frozen(DISPATCHED + dt.timedelta(minutes=6)):
        assignment_record_on_behalf(
            assignment=sent, by=personas.duty, kind="on_scene", channel="radio"
        )
    Unit.objects.filter(pk=personas.a.inspector_unit.pk).update(last_contact_at=None)
    return second


# Closing, cancelling: 09:25, A-PC1 heard from five minutes before.
CLOSING = DISPATCHED + dt.timedelta(minutes=10, seconds=30)


def in_contact(unit: Unit, at: dt.datetime = CLOSING) -> None:
    Unit.objects.filter(pk=unit.pk).update(last_contact_at=at - dt.timedelta(minutes=5))


def test_closing_names_the_call_its_disposition_and_outcome(client, personas):
    call = factories.incident(district=personas.a.district, settlement=personas.a.town)
    client.force_login(personas.duty)

    response = client.post(
        call_command(call.pk, "close"),
        {"disposition": "разобрались", "outcome_code": "admin_protocol", "coao_article": "461"},
    )

    assert said(response) == [
        f"Call {call.number} is closed (разобрались) with the outcome: Administrative "
        "protocol (ЕРАП), CoAO art. 461."
    ]


def test_closing_names_each_unit_released_how_and_whether_its_crew_knows(
    client, personas, sent, two_on_it
):
    # given: A-PC1 on scene, its phone in contact; A-UI1 on its way, its phone silent
    in_contact(personas.a.patrol)
    client.force_login(personas.duty)

    # when
    with clock.frozen(CLOSING):
        response = client.post(
            call_command(sent.incident_id, "close"),
            {"disposition": "разобрались", "outcome_code": "warning"},
        )

    # then: A-PC1 cleared and told; A-UI1 stood down, to learn it when its phone is back
    assert said(response) == [
        f"Call {sent.incident.number} is closed (разобрались) with the outcome: Warning given; the "
        "units released from it: A-PC1 (cleared, the crew is told), A-UI1 (stood down, the "
        "crew gets the cancellation when its phone is back in contact)."
    ]


def crew_reports(personas: Any, sent: Assignment, *records: dict[str, Any]) -> None:
    """What A-PC1's phone pushes (at 09:20, before the close)."""
    device_id, _token = personas.device(personas.a.patrol_officers[0])
    device = Device.objects.select_related("officer").get(pk=device_id)
    with clock.frozen(DISPATCHED + dt.timedelta(minutes=6)):
        push_records(device=device, body_or_records=list(records), clock=None, via="ws")


@pytest.mark.parametrize("heard", ["from its phone", "by phone to the desk"])
def test_closing_names_a_crew_that_recorded_the_outcome_without_on_scene_as_cleared(
    client, personas, sent, heard
):
    # given: A-PC1 set off; its "on scene" never reached the server (the tap lost with the
    # signal), but the crew recorded what it did there — from its phone, or told the desk
    client.force_login(personas.duty)
    crew_reports(personas, sent, event("en_route", sent))
    warning = {"code": "warning", "text": "провели беседу"}
    if heard == "from its phone":
        crew_reports(personas, sent, event("outcome", sent, payload=warning))
    else:
        with clock.frozen(DISPATCHED + dt.timedelta(minutes=8)):
            client.post(
                command(sent, "record"),
                {"kind": "outcome", "channel": "phone", "outcome_code": "warning"},
            )
    in_contact(personas.a.patrol)

    # when
    with clock.frozen(CLOSING):
        response = client.post(
            call_command(sent.incident_id, "close"), {"disposition": "разобрались"}
        )

    # then: the crew handled the call — cleared, not stood down (it read "stood down, the
    # crew is told", and its phone was told the call was taken off it)
    assert said(response)[-1] == (
        f"Call {sent.incident.number} is closed (разобрались) with the outcome: Warning given; "
        "the unit released from it: A-PC1 (cleared, the crew is told)."
    )


def test_closing_stands_down_a_crew_that_only_sent_a_note(client, personas, sent):
    # given: A-PC1 set off and wrote "stuck at the ford" — it did not handle the call
    client.force_login(personas.duty)
    crew_reports(
        personas,
        sent,
        event("en_route", sent),
        event("note", sent, payload={"text": "застряли у брода"}),
    )
    in_contact(personas.a.patrol)

    with clock.frozen(CLOSING):
        response = client.post(
            call_command(sent.incident_id, "close"), {"disposition": "разобрались"}
        )

    assert said(response) == [
        f"Call {sent.incident.number} is closed (разобрались); the unit released from it: "
        "A-PC1 (stood down, the crew is told)."
    ]


def test_closing_a_call_whose_caller_is_told_names_its_one_unit_too(client, personas, sent):
    # given: a call whose channel tells the caller the outcome, a phone left; A-PC1 on its
    # way, its phone in contact
    type(sent.incident).objects.filter(pk=sent.incident_id).update(
        notify_citizen=True, caller_phone="+77011234567"
    )
    in_contact(personas.a.patrol)
    client.force_login(personas.duty)

    with clock.frozen(CLOSING):
        response = client.post(
            call_command(sent.incident_id, "close"), {"disposition": "разобрались"}
        )

    assert said(response) == [
        f"Call {sent.incident.number} is closed (разобрались); the caller is told by SMS that it "
        "is closed; the unit released from it: A-PC1 (stood down, the crew is told)."
    ]


def test_closing_a_call_whose_caller_is_told_says_the_sms_goes(client, personas):
    call = factories.incident(
        district=personas.a.district,
        settlement=personas.a.town,
        notify_citizen=True,
        caller_phone="+77011234567",
    )
    client.force_login(personas.duty)

    response = client.post(call_command(call.pk, "close"), {"disposition": "разобрались"})

    assert said(response) == [
        f"Call {call.number} is closed (разобрались); the caller is told by SMS that it is closed."
    ]


def test_closing_sent_twice_says_the_first_outcome_again(client, personas, sent):
    in_contact(personas.a.patrol)
    client.force_login(personas.duty)
    form = {"disposition": "разобрались", "idempotency_key": "e" * 32}

    with clock.frozen(CLOSING):
        first = said(client.post(call_command(sent.incident_id, "close"), form))
        again = said(client.post(call_command(sent.incident_id, "close"), form))

    assert first == [
        f"Call {sent.incident.number} is closed (разобрались); the unit released from it: "
        "A-PC1 (stood down, the crew is told)."
    ]
    assert again[-1] == f"This form was already sent; nothing was done again. {first[0]}"


def test_cancelling_names_the_unit_taken_off_the_call_and_that_its_crew_is_told(
    client, personas, sent
):
    in_contact(personas.a.patrol)
    client.force_login(personas.duty)

    with clock.frozen(CLOSING):
        response = client.post(call_command(sent.incident_id, "cancel"), {"reason": "ложный"})

    assert said(response) == [
        f"Call {sent.incident.number} is cancelled (ложный); the unit taken off it: A-PC1 (the "
        "crew is told)."
    ]


def test_cancelling_names_each_unit_taken_off_and_whether_its_crew_knows(
    client, personas, sent, two_on_it
):
    in_contact(personas.a.patrol)
    client.force_login(personas.duty)

    with clock.frozen(CLOSING):
        response = client.post(call_command(sent.incident_id, "cancel"), {"reason": "ложный"})

    assert said(response) == [
        f"Call {sent.incident.number} is cancelled (ложный); the units taken off it: A-PC1 (the "
        "crew is told), A-UI1 (the crew gets the cancellation when its phone is back in "
        "contact)."
    ]


@pytest.mark.parametrize(
    ("name", "form", "expected"),
    [
        (
            "cancel",
            {"reason": "ложный"},
            "Call {number} is cancelled (ложный); the unit taken off it: A-UI1 (the crew gets "
            "the cancellation when its phone is back in contact).",
        ),
        (
            "close",
            {"disposition": "разобрались"},
            "Call {number} is closed (разобрались); the unit released from it: A-UI1 (stood "
            "down, the crew gets the cancellation when its phone is back in contact).",
        ),
    ],
)
def test_a_unit_its_phone_cleared_just_before_the_command_is_not_named(
    client, personas, sent, two_on_it, monkeypatch, name, form, expected
):
    # given: the call page loaded, A-PC1 and A-UI1 on the call
    client.force_login(personas.duty)
    assert client.get(f"{BASE}/{sent.incident_id}/panel/").status_code == 200
    device_id, _token = personas.device(personas.a.patrol_officers[0])
    device = Device.objects.select_related("officer").get(pk=device_id)
    run, fields, success = dispatch_panel.INCIDENT_COMMANDS[name]

    def cleared_by_the_phone_first(**given: Any) -> Any:
        # A-PC1's phone says "cleared" after the page read the call, just before the command
        push_records(device=device, body_or_records=[event("cleared", sent)], clock=None, via="ws")
        return run(**given)

    monkeypatch.setitem(
        dispatch_panel.INCIDENT_COMMANDS, name, (cleared_by_the_phone_first, fields, success)
    )

    # when
    with clock.frozen(CLOSING):
        response = client.post(call_command(sent.incident_id, name), form)

    # then: A-PC1 cleared itself; the command ended A-UI1 alone, and the notice says so
    sent.refresh_from_db()
    assert sent.status == "cleared"
    assert sent.cleared_event is not None
    assert sent.cleared_event.source == "app"
    assert "A-PC1" not in said(response)[0]
    assert said(response) == [expected.format(number=sent.incident.number)]


def test_cancelling_a_call_with_no_unit_says_none_goes(client, personas):
    call = factories.incident(district=personas.a.district, settlement=personas.a.town)
    client.force_login(personas.duty)

    response = client.post(call_command(call.pk, "cancel"), {"reason": "ложный"})

    assert said(response) == [f"Call {call.number} is cancelled (ложный); no unit goes to it."]


def test_reopening_says_the_call_waits_for_a_unit(client, personas, sent):
    client.force_login(personas.duty)
    client.post(call_command(sent.incident_id, "cancel"), {"reason": "ложный"})

    response = client.post(call_command(sent.incident_id, "reopen"), {"reason": "перезвонили"})

    assert said(response)[-1] == f"Call {sent.incident.number} is open again: send a unit to it."


def test_registry_numbers_are_named_as_saved(client, personas, sent):
    client.force_login(personas.duty)

    response = client.post(
        call_command(sent.incident_id, "registry"),
        {"registry_kui": "512", "registry_erdr": "", "registry_erap": "2026-0012"},
    )

    assert said(response) == [
        f"Registry numbers of call {sent.incident.number} are now КУИ 512, ЕРАП 2026-0012."
    ]


def test_the_lists_refusal_names_the_unit_and_the_call(client, personas, sent):
    # given: A-PC1 already stood down
    client.force_login(personas.duty)
    client.post(command(sent, "cancel"), {"reason": "отбой"})

    response = client.post(
        "/admin/dispatch/assignment/",
        {"action": "kuzet_cancel_selected", "_selected_action": [sent.pk]},
    )

    said_now = said(response)[-1]
    assert said_now.startswith(f"A-PC1 on call {sent.incident.number}: ")
    assert "→" not in said_now


def test_an_acknowledgment_after_a_reopen_says_the_new_units_deadline(
    client, personas, sent, two_on_it
):
    # given: A-PC1 was on scene at 09:20 and the call closed at 09:25; the caller rang again
    # at 09:40 and A-UI1 was sent back out at 09:41
    with clock.frozen(CLOSING):
        services.incident_close(incident=sent.incident, by=personas.duty, disposition="ушли")
    rang_again = DISPATCHED + dt.timedelta(minutes=25, seconds=30)
    with clock.frozen(rang_again):
        services.incident_reopen(incident=sent.incident, by=personas.duty, reason="звонит снова")
    with clock.frozen(rang_again + dt.timedelta(minutes=1)):
        again = incident_dispatch(
            incident=sent.incident, unit=personas.a.inspector_unit, by=personas.duty
        )
    assert again.arrive_due_at is not None
    client.force_login(personas.duty)

    # when: the desk records A-UI1's acknowledgment heard by phone
    with clock.frozen(rang_again + dt.timedelta(minutes=2)):
        response = client.post(command(again, "acknowledge"), {"channel": "phone"})

    # then: nobody is there in this visit — the first visit's crew does not count
    with translation.override("en"):
        at, due = when_text(rang_again + dt.timedelta(minutes=2)), when_text(again.arrive_due_at)
    assert said(response) == [
        f"Recorded for A-UI1: acknowledged at {at} (by phone); the crew must be on scene "
        f"by {due}, or the board raises an alert."
    ]
