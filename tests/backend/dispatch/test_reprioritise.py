"""Changing an open call's priority (``services.incident_reprioritise``): an eGov "noise"
report that the caller, rung back, says is a fight; a P1 that turns out to be a parked car.
Before, nobody could change it — the call kept the channel's guess, its unit its P3
deadlines, and the ladder would not have said a word for half an hour."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages

from backend.common import clock
from backend.common.errors import Conflict, ValidationFailed
from backend.dispatch.lifecycle import EventKind
from backend.dispatch.models import Assignment, EscalationStep, Incident
from backend.dispatch.services import (
    assignment_record_on_behalf,
    escalation_sweep,
    incident_close,
    incident_dispatch,
    incident_reprioritise,
)
from backend.ledger.models import AuditEntry
from backend.people.models import Officer
from backend.realtime.models import BoardAlert
from tests import factories

from .conftest import snapshot

T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def noise_sent(personas, *, priority: str = "P3", category: str = "noise") -> Assignment:
    """A call in Ayagoz (urban) received at T0, A-PC1 dispatched at T0 + 60 s."""
    with clock.frozen(T0):
        call = factories.incident(
            district=personas.a.district,
            settlement=personas.a.town,
            priority=priority,
            category=category,
            received_at=T0,
        )
    with clock.frozen(at(60)):
        return incident_dispatch(incident=call, unit=personas.a.patrol, by=personas.duty)


def test_a_p3_found_to_be_a_fight_becomes_p0_and_its_unit_has_p0_deadlines(personas):
    sent = noise_sent(personas)
    assert (sent.ack_due_at, sent.arrive_due_at) == (at(60 + 1800), None)

    with clock.frozen(at(90)):
        incident_reprioritise(
            incident=sent.incident, by=personas.duty, priority="P0", reason="драка, нож"
        )

    sent.refresh_from_db()
    assert Incident.objects.get(pk=sent.incident_id).priority == "P0"
    # P0 in town: acknowledge within 60 s of the dispatch, on scene 10 min from the call
    assert (sent.ack_due_at, sent.arrive_due_at) == (at(120), at(600))
    assert sent.next_escalation_at <= at(120)
    [entry] = AuditEntry.objects.filter(action="incident.reprioritised")
    assert entry.data_dict == {"from": "P3", "to": "P0", "reason": "драка, нож"}
    alert = BoardAlert.objects.get(kind="incident.reprioritised")
    assert (alert.data["previous_priority"], alert.data["priority"]) == ("P3", "P0")


def test_after_the_change_the_ladder_fires_at_the_new_deadline(personas):
    sent = noise_sent(personas)
    with clock.frozen(at(90)):
        incident_reprioritise(incident=sent.incident, by=personas.duty, priority="P0", reason="x")

    with clock.frozen(at(121)):
        escalation_sweep()

    # (it was a P3's half an hour; the push was not delivered either, a rung of its own)
    assert set(EscalationStep.objects.values_list("step", flat=True)) == {
        "sms_undelivered",
        "ack_overdue",
    }


def test_a_call_made_less_urgent_keeps_what_was_already_done(personas):
    sent = noise_sent(personas, priority="P1", category="theft")
    with clock.frozen(at(80)):
        assignment_record_on_behalf(
            assignment=sent, by=personas.duty, kind=EventKind.ACK, channel="radio"
        )
    sent.refresh_from_db()
    acked_due = sent.ack_due_at

    with clock.frozen(at(100)):
        incident_reprioritise(
            incident=sent.incident, by=personas.duty, priority="P3", reason="велосипед нашёлся"
        )

    sent.refresh_from_db()
    assert sent.ack_due_at == acked_due  # answered: its deadline is history
    assert sent.arrive_due_at is None  # P3: no arrival target


@pytest.mark.parametrize(
    ("priority", "reason", "code"),
    [
        ("P2", "соседи", "dv_at_least_p1"),
        ("P1", "соседи", "same_priority"),
        ("P0", "  ", "reason_required"),
        ("P7", "соседи", "invalid_priority"),
    ],
)
def test_refusals_write_nothing(personas, priority, reason, code):
    sent = noise_sent(personas, priority="P1", category="domestic_violence")
    before = snapshot()

    with pytest.raises((Conflict, ValidationFailed)) as refused:
        incident_reprioritise(
            incident=sent.incident, by=personas.duty, priority=priority, reason=reason
        )

    assert refused.value.code == code
    assert snapshot() == before


def test_a_closed_call_keeps_its_priority(personas):
    sent = noise_sent(personas)
    incident_close(incident=sent.incident, by=personas.duty, disposition="тихо")

    with pytest.raises(Conflict) as refused:
        incident_reprioritise(incident=sent.incident, by=personas.duty, priority="P1", reason="x")

    assert refused.value.code == "incident_closed"


BASE = "/admin/dispatch/incident"


def test_the_panel_changes_it_and_says_so(personas, client):
    Officer.objects.update(language="en")
    sent = noise_sent(personas)
    client.force_login(personas.duty)

    page = client.get(f"{BASE}/{sent.incident_id}/change/").content.decode()
    response = client.post(
        f"{BASE}/{sent.incident_id}/priority/", {"priority": "P1", "reason": "кричат"}
    )
    refused = client.post(f"{BASE}/{sent.incident_id}/priority/", {"priority": "P1", "reason": ""})

    assert 'id="kuzet-priority"' in page
    assert "Change priority" in page
    assert [m.message for m in get_messages(response.wsgi_request)] == [
        f"Priority changed: {sent.incident.number} Noise (P1)."
    ]
    assert [m.message for m in get_messages(refused.wsgi_request)][-1] == (
        "Say why the priority changes."
    )


def test_the_panel_reads_russian_and_kazakh(personas, client):
    sent = noise_sent(personas)
    client.force_login(personas.duty)
    pages = {}
    for language in ("ru", "kk"):
        Officer.objects.filter(pk=personas.duty.pk).update(language=language)
        pages[language] = client.get(f"{BASE}/{sent.incident_id}/change/").content.decode()

    assert "Изменить приоритет" in pages["ru"]
    assert "Басымдықты өзгерту" in pages["kk"]


def test_the_staff_api_changes_it(personas, client_for):
    sent = noise_sent(personas)
    api = client_for(personas.duty)

    changed = api.post(
        f"/api/v1/incidents/{sent.incident_id}/priority/",
        {"priority": "P0", "reason": "драка"},
        format="json",
    )
    bad = api.post(
        f"/api/v1/incidents/{sent.incident_id}/priority/", {"priority": "P9"}, format="json"
    )
    other = client_for(personas.b.chief).post(
        f"/api/v1/incidents/{sent.incident_id}/priority/",
        {"priority": "P1", "reason": "x"},
        format="json",
    )

    assert (changed.status_code, changed.json()["priority"]) == (200, "P0")
    assert bad.status_code == 400
    assert set(bad.json()["fields"]) == {"priority", "reason"}
    assert other.status_code == 404
