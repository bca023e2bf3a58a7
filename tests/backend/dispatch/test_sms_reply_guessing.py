"""Nobody walks through the 9,000 SMS reply codes: wrong codes are counted per sender's
phone number, and past the limit that number's ACKs are refused until the cool-off ends.

(An outside security test found that a sender who could sign callbacks was answered
``200 rejected unknown_code`` as often as it liked, at the anonymous throttle's pace.)
Every test texts from a phone number of its own, so counters of one test never meet
another's; the limit is set small here (the suite's is large).
"""

from __future__ import annotations

import itertools
import logging
import random
import types

import django_ratelimit.core
import pytest
from rest_framework.test import APIClient

from backend.dispatch.models import Assignment, Event, SmsMessage
from backend.dispatch.services import incident_dispatch
from backend.dispatch.sms import reply_code_for
from backend.ledger.models import AuditEntry
from backend.people.models import Officer
from tests import factories

from .conftest import signed_post

LIMIT = 3
# Ten-digit numbers no other test uses (the counters live in the cache, across tests).
_numbers = itertools.count(random.randrange(10**6, 9 * 10**6, 1000))
_messages = itertools.count(1)


@pytest.fixture(autouse=True)
def small_limits(settings):
    settings.KUZET_AUTH_FAILURE_LIMIT = LIMIT
    settings.KUZET_AUTH_COOLOFF_MINUTES = 15


def later(monkeypatch, minutes: int) -> None:
    """Move django-ratelimit's clock (its windows are wall-clock based) ``minutes`` ahead."""
    real = django_ratelimit.core.time.time
    fake = types.SimpleNamespace(time=lambda: real() + minutes * 60)
    monkeypatch.setattr(django_ratelimit.core, "time", fake)


def fresh_phone(officer: Officer) -> str:
    officer.phone = f"+7705{next(_numbers):07d}"
    officer.save(update_fields=["phone"])
    return officer.phone


def dispatched_by_sms(personas) -> Assignment:
    incident = factories.incident(district=personas.a.district, settlement=personas.a.town)
    return incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)


def wrong_codes(assignment: Assignment) -> list[str]:
    right = reply_code_for(assignment.pk)
    return [code for code in ("1000", "1001", "1002", "1003", "1004", "1005") if code != right]


def reply(phone: str, text: str):
    return signed_post(
        APIClient(), {"id": f"gw-guess-{next(_messages)}", "from": phone, "text": text}
    )


def outcome(response) -> tuple[int, str, str]:
    body = response.json()
    return response.status_code, body["status"], body["reason"]


def test_wrong_codes_from_one_phone_lock_its_acks_out_even_with_the_right_code(personas, caplog):
    # given: an officer's phone sends the limit of wrong codes
    officer = personas.a.patrol_officers[0]
    phone = fresh_phone(officer)
    assignment = dispatched_by_sms(personas)
    guesses = [outcome(reply(phone, f"ACK {code}")) for code in wrong_codes(assignment)[:LIMIT]]

    # when: the right code from the same phone
    with caplog.at_level(logging.WARNING, logger="backend.dispatch.services.sms_inbound"):
        response = reply(phone, f"ACK {reply_code_for(assignment.pk)}")

    # then: refused with its reason, stored, audited and logged; nothing acknowledged
    assert guesses == [(200, "rejected", "unknown_code")] * LIMIT
    assert outcome(response) == (200, "rejected", "too_many_wrong_codes")
    assert response.json()["assignment_id"] is None
    stored = SmsMessage.objects.get(pk=response.json()["sms_id"])
    assert (stored.direction, stored.state, stored.error, stored.officer_id) == (
        "in",
        "rejected",
        "too_many_wrong_codes",
        officer.pk,
    )
    entry = AuditEntry.objects.filter(action="sms.inbound_rejected").latest("id")
    assert (entry.object_id, entry.data_dict) == (
        str(stored.pk),
        {"reason": "too_many_wrong_codes", "phone": f"…{phone[-4:]}"},
    )
    # the log names the officer and the number's last four digits, never the whole number
    # (an officer's phone is personal data; the journal is read by more people than the audit)
    logged = [r.getMessage() for r in caplog.records]
    [line] = [m for m in logged if "too many wrong reply codes" in m]
    assert line.startswith(
        f"SMS reply refused: too many wrong reply codes from …{phone[-4:]} "
        f"(officer {officer.username}); ACKs from this number are refused for "
    )
    assert not [m for m in logged if phone[-7:] in m]
    assignment.refresh_from_db()
    assert (assignment.status, assignment.acknowledged_event_id) == ("dispatched", None)
    assert Event.objects.filter(source="sms").count() == 0


def test_the_count_is_per_phone_number_however_it_is_written(personas):
    # given: wrong codes from one number, written the ways gateways write it
    officer, other = personas.a.patrol_officers
    phone = fresh_phone(officer)
    fresh_phone(other)
    assignment = dispatched_by_sms(personas)
    digits = phone.removeprefix("+7")
    spellings = [phone, f"8{digits}", f"+7 {digits[:3]} {digits[3:6]} {digits[6:]}"]
    for spelling, code in zip(spellings, wrong_codes(assignment), strict=False):
        assert outcome(reply(spelling, f"ACK {code}"))[2] == "unknown_code"

    # when: the right code from that number, and from the crew's other officer
    locked = reply(phone, f"ACK {reply_code_for(assignment.pk)}")
    crewmate = reply(other.phone, f"ACK {reply_code_for(assignment.pk)}")

    # then: only the guessing number is refused
    assert outcome(locked) == (200, "rejected", "too_many_wrong_codes")
    assert outcome(crewmate) == (200, "applied", "")
    assert Event.objects.get(source="sms").officer == other


def test_other_rejected_replies_are_not_counted_as_wrong_codes(personas):
    # given: chatter and unknown senders, well past the limit
    phone = fresh_phone(personas.a.patrol_officers[0])
    assignment = dispatched_by_sms(personas)
    for _ in range(LIMIT + 1):
        assert outcome(reply(phone, "когда приедете?"))[2] == "unknown_command"

    # when
    response = reply(phone, f"ACK {reply_code_for(assignment.pk)}")

    # then
    assert outcome(response) == (200, "applied", "")


def test_the_lock_cools_off(personas, monkeypatch):
    # given: a phone locked out by wrong codes
    phone = fresh_phone(personas.a.patrol_officers[0])
    assignment = dispatched_by_sms(personas)
    for code in wrong_codes(assignment)[:LIMIT]:
        reply(phone, f"ACK {code}")
    assert outcome(reply(phone, f"ACK {reply_code_for(assignment.pk)}"))[2] == (
        "too_many_wrong_codes"
    )

    # when: the cool-off is over
    later(monkeypatch, 16)
    response = reply(phone, f"ACK {reply_code_for(assignment.pk)}")

    # then
    assert outcome(response) == (200, "applied", "")
    assignment.refresh_from_db()
    assert assignment.status == "acknowledged"
