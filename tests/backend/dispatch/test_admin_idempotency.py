"""The incident page's command forms carry one idempotency key per rendered form (issue 10): a
form sent twice (a double click, a browser resending the POST) acts once."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages

from backend.common.formatting import when_text
from backend.dispatch.models import Assignment
from backend.people.models import Officer
from tests import factories

from .conftest import snapshot


def said(a: Assignment) -> str:
    """A dispatch as the panel's notice says it: the unit, the call and the deadline to
    acknowledge, in one sentence."""
    return (
        f"{a.unit.callsign} is sent to call {a.incident.number}; the crew must acknowledge by "
        f"{when_text(a.ack_due_at)}, or the board raises an alert."
    )


@pytest.fixture(autouse=True)
def _officers_read_english(personas):
    """These tests read the pages' English words; an officer reads Russian unless told."""
    Officer.objects.update(language="en")


BASE = "/admin/dispatch/incident"
KEY_FIELD = re.compile(r'name="idempotency_key" value="([0-9a-f]{32})"')

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident_a(personas):
    return factories.incident(district=personas.a.district, settlement=personas.a.town)


def message_of(response):
    """The message this request added (earlier ones wait in the session: no redirect is
    followed here)."""
    return [m.message for m in get_messages(response.wsgi_request)][-1]


def test_every_form_on_the_page_has_its_own_key(personas, client, incident_a):
    # given
    client.force_login(personas.a.chief)
    client.post(f"{BASE}/{incident_a.pk}/dispatch/", {"unit_id": personas.a.patrol.pk})

    # when
    html = client.get(f"{BASE}/{incident_a.pk}/change/").content.decode()
    again = client.get(f"{BASE}/{incident_a.pk}/change/").content.decode()

    # then: dispatch (one per unit), acknowledge, reassign, cancel, close
    keys = KEY_FIELD.findall(html)
    assert len(keys) == html.count('<form method="post" action="/admin/dispatch/incident/')
    assert len(keys) >= 5
    assert len(set(keys)) == len(keys)
    assert not set(keys) & set(KEY_FIELD.findall(again))  # a new page, new keys


def test_a_dispatch_form_sent_twice_dispatches_once(personas, client, incident_a):
    # given: the form as rendered
    client.force_login(personas.a.chief)
    html = client.get(f"{BASE}/{incident_a.pk}/change/").content.decode()
    key = KEY_FIELD.findall(html)[0]
    form = {"unit_id": personas.a.patrol.pk, "idempotency_key": key}

    # when
    first = client.post(f"{BASE}/{incident_a.pk}/dispatch/", form)
    before = snapshot()
    second = client.post(f"{BASE}/{incident_a.pk}/dispatch/", form)

    # then
    assignment = Assignment.objects.get()
    assert message_of(first) == said(assignment)
    assert message_of(second) == (
        f"This form was already sent; nothing was done again. {said(assignment)}"
    )
    assert snapshot() == before


def test_cancel_and_close_forms_sent_twice_act_once(personas, client, incident_a):
    # given
    client.force_login(personas.a.chief)
    client.post(f"{BASE}/{incident_a.pk}/dispatch/", {"unit_id": personas.a.patrol.pk})
    assignment = Assignment.objects.get()
    cancel = f"{BASE}/{incident_a.pk}/assignments/{assignment.pk}/cancel/"

    # when
    cancelled = client.post(cancel, {"reason": "ложный", "idempotency_key": "a" * 32})
    before = snapshot()
    repeated = client.post(cancel, {"reason": "ложный", "idempotency_key": "a" * 32})
    closed = client.post(
        f"{BASE}/{incident_a.pk}/close/",
        {"disposition": "ложный вызов", "idempotency_key": "b" * 32},
    )
    after_close = snapshot()
    closed_again = client.post(
        f"{BASE}/{incident_a.pk}/close/",
        {"disposition": "ложный вызов", "idempotency_key": "b" * 32},
    )

    # then
    assert message_of(repeated).startswith("This form was already sent")
    # the first outcome, not not_open
    assert (
        message_of(cancelled) == f"A-PC1 is taken off call {incident_a.number}; the crew is told."
    )
    assert message_of(repeated).endswith(message_of(cancelled))
    assert before["assignments"][0]["status"] == "cancelled"
    assert message_of(closed) == f"Call {incident_a.number} is closed (ложный вызов)."
    assert message_of(closed_again).startswith("This form was already sent")
    assert snapshot() == after_close


def test_a_key_sent_with_another_form_is_refused(personas, client, incident_a):
    # given
    client.force_login(personas.a.chief)
    client.post(
        f"{BASE}/{incident_a.pk}/dispatch/",
        {"unit_id": personas.a.patrol.pk, "idempotency_key": "c" * 32},
    )
    before = snapshot()

    # when
    response = client.post(
        f"{BASE}/{incident_a.pk}/dispatch/",
        {"unit_id": personas.a.inspector_unit.pk, "idempotency_key": "c" * 32},
    )

    # then
    assert message_of(response) == (
        "This form was already used for another command: nothing was done. Reload the page."
    )
    assert snapshot() == before
