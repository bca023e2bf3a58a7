"""Changing an open call's priority or category (``services.incident_reclassify``): an eGov
"noise" report that the caller, rung back, says is a fight; a "disorder" that is a husband
beating his wife; a P1 that turns out to be a parked car. Before, nobody could change either —
the call kept the channel's guess, its unit its P3 deadlines, the ladder would not have said a
word for half an hour, and a DV call entered as a fight had no risk flags and no follow-up."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages

from backend.common import clock
from backend.common.errors import Conflict, ValidationFailed
from backend.dispatch.lifecycle import EventKind
from backend.dispatch.models import Assignment, EscalationStep, Incident, RiskSubject
from backend.dispatch.services import (
    IncidentInput,
    assignment_record_on_behalf,
    escalation_sweep,
    incident_close,
    incident_create,
    incident_dispatch,
    incident_reclassify,
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
        incident_reclassify(
            incident=sent.incident, by=personas.duty, priority="P0", reason="драка, нож"
        )

    sent.refresh_from_db()
    assert Incident.objects.get(pk=sent.incident_id).priority == "P0"
    # P0 in town: acknowledge within 60 s of the dispatch, on scene 10 min from the call
    assert (sent.ack_due_at, sent.arrive_due_at) == (at(120), at(600))
    assert sent.next_escalation_at <= at(120)
    [entry] = AuditEntry.objects.filter(action="incident.reclassified")
    assert entry.data_dict == {"priority": ["P3", "P0"], "reason": "драка, нож"}
    alert = BoardAlert.objects.get(kind="incident.reclassified")
    assert (alert.data["previous_priority"], alert.data["priority"]) == ("P3", "P0")


def test_after_the_change_the_ladder_fires_at_the_new_deadline(personas):
    sent = noise_sent(personas)
    with clock.frozen(at(90)):
        incident_reclassify(incident=sent.incident, by=personas.duty, priority="P0", reason="x")

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
        incident_reclassify(
            incident=sent.incident, by=personas.duty, priority="P3", reason="велосипед нашёлся"
        )

    sent.refresh_from_db()
    assert sent.ack_due_at == acked_due  # answered: its deadline is history
    assert sent.arrive_due_at is None  # P3: no arrival target


@pytest.mark.parametrize(
    ("priority", "reason", "code"),
    [
        ("P2", "соседи", "dv_at_least_p1"),
        ("P1", "соседи", "unchanged"),
        ("P0", "  ", "reason_required"),
        ("P7", "соседи", "invalid_priority"),
    ],
)
def test_refusals_write_nothing(personas, priority, reason, code):
    sent = noise_sent(personas, priority="P1", category="domestic_violence")
    before = snapshot()

    with pytest.raises((Conflict, ValidationFailed)) as refused:
        incident_reclassify(
            incident=sent.incident, by=personas.duty, priority=priority, reason=reason
        )

    assert refused.value.code == code
    assert snapshot() == before


def test_a_closed_call_keeps_its_priority(personas):
    sent = noise_sent(personas)
    incident_close(incident=sent.incident, by=personas.duty, disposition="тихо")

    with pytest.raises(Conflict) as refused:
        incident_reclassify(incident=sent.incident, by=personas.duty, priority="P1", reason="x")

    assert refused.value.code == "incident_closed"


BASE = "/admin/dispatch/incident"


def test_the_panel_changes_it_and_says_so(personas, client):
    Officer.objects.update(language="en")
    sent = noise_sent(personas)
    client.force_login(personas.duty)

    page = client.get(f"{BASE}/{sent.incident_id}/change/").content.decode()
    response = client.post(
        f"{BASE}/{sent.incident_id}/classify/", {"priority": "P1", "reason": "кричат"}
    )
    refused = client.post(f"{BASE}/{sent.incident_id}/classify/", {"priority": "P1", "reason": ""})

    assert 'id="kuzet-classify"' in page
    assert "Change category or priority" in page
    assert [m.message for m in get_messages(response.wsgi_request)] == [
        f"Call {sent.incident.number} is now Noise, P1."
    ]
    assert [m.message for m in get_messages(refused.wsgi_request)][-1] == (
        "Say what the caller said that changes it."
    )


def test_the_panel_reads_russian_and_kazakh(personas, client):
    sent = noise_sent(personas)
    client.force_login(personas.duty)
    pages = {}
    for language in ("ru", "kk"):
        Officer.objects.filter(pk=personas.duty.pk).update(language=language)
        pages[language] = client.get(f"{BASE}/{sent.incident_id}/change/").content.decode()

    assert "Изменить категорию или приоритет" in pages["ru"]
    assert "Санатын немесе басымдығын өзгерту" in pages["kk"]


def test_the_staff_api_changes_it(personas, client_for):
    sent = noise_sent(personas)
    api = client_for(personas.duty)

    changed = api.post(
        f"/api/v1/incidents/{sent.incident_id}/classify/",
        {"priority": "P0", "reason": "драка"},
        format="json",
    )
    bad = api.post(
        f"/api/v1/incidents/{sent.incident_id}/classify/", {"priority": "P9"}, format="json"
    )
    other = client_for(personas.b.chief).post(
        f"/api/v1/incidents/{sent.incident_id}/classify/",
        {"priority": "P1", "reason": "x"},
        format="json",
    )

    assert (changed.status_code, changed.json()["priority"]) == (200, "P0")
    assert bad.status_code == 400
    assert set(bad.json()["fields"]) == {"priority", "reason"}
    assert other.status_code == 404


# --- a call that turns out to be domestic violence ------------------------------------------------
def test_a_disorder_that_is_dv_shows_its_risk_flags_counts_and_owes_its_visit(personas):
    # given: a woman under a protective order in Актогай rings about a "disorder" (P2)
    a = personas.a
    with clock.frozen(T0):
        subject = RiskSubject.objects.create(
            kind="person", district=a.district, settlement=a.village, person_name="Сауле К.",
            phone="+77015550101", protective_order_until=dt.date(2026, 4, 1), prior_dv_calls=2,
        )  # fmt: skip
        call = factories.incident(
            district=a.district, settlement=a.village, priority="P2", category="disorder",
            caller_phone="+77015550101", received_at=T0,
        )  # fmt: skip
    prior = subject.prior_dv_calls

    # when: the caller says it is her husband
    with clock.frozen(at(120)):
        incident_reclassify(
            incident=call, by=personas.duty, category="domestic_violence", reason="бьёт муж"
        )

    # then: DV, raised to P1, the order shown to the unit, one DV call more at the address,
    # and the follow-up visit owed
    call.refresh_from_db()
    subject.refresh_from_db()
    assert (call.category, call.priority) == ("domestic_violence", "P1")
    assert any(f.get("protective_order_active") for f in call.risk_flags)
    assert subject.prior_dv_calls == prior + 1
    assert call.follow_ups.count() == 1
    [entry] = AuditEntry.objects.filter(action="incident.reclassified")
    assert entry.data_dict["category"] == ["disorder", "domestic_violence"]
    assert entry.data_dict["priority"] == ["P2", "P1"]


def test_a_call_made_dv_with_a_priority_given_keeps_it_if_p0(personas):
    sent = noise_sent(personas, priority="P3", category="disorder")

    incident_reclassify(
        incident=sent.incident, by=personas.duty, category="domestic_violence", priority="P0",
        reason="нож",
    )  # fmt: skip

    sent.incident.refresh_from_db()
    assert (sent.incident.category, sent.incident.priority) == ("domestic_violence", "P0")


def test_a_call_made_dv_below_p1_is_refused(personas):
    sent = noise_sent(personas, priority="P3", category="disorder")
    before = snapshot()

    with pytest.raises(Conflict) as refused:
        incident_reclassify(
            incident=sent.incident, by=personas.duty, category="domestic_violence",
            priority="P2", reason="муж",
        )  # fmt: skip

    assert refused.value.code == "dv_at_least_p1"
    assert snapshot() == before


def test_the_board_says_what_changed(personas):
    sent = noise_sent(personas, priority="P3", category="noise")

    incident_reclassify(
        incident=sent.incident, by=personas.duty, category="violence", priority="P0",
        reason="драка",
    )  # fmt: skip

    alert = BoardAlert.objects.get(kind="incident.reclassified")
    assert (alert.data["previous_category"], alert.data["category"]) == ("noise", "violence")
    assert (alert.data["previous_priority"], alert.data["priority"]) == ("P3", "P0")


# --- a repeat report more urgent than its original ---------------------------------------------
def test_a_more_urgent_repeat_raises_the_call_it_repeats(personas):
    # given: a P1 DV call in Ayagoz, its unit sent (P1 deadlines)
    sent = noise_sent(personas, priority="P1", category="domestic_violence")
    assert sent.arrive_due_at == at(900)

    # when: the neighbour rings: he is beating her now — the same house, entered as P0
    with clock.frozen(at(300)):
        repeat = incident_create(
            by=personas.duty,
            data=IncidentInput(
                category="domestic_violence",
                priority="P0",
                received_at=at(300),
                settlement_id=personas.a.town.pk,
                lat=personas.a.town.lat,
                lon=personas.a.town.lon,
                description="бьёт её прямо сейчас",
            ),
        )

    # then: linked as its repeat, and the call it repeats is P0 now, its unit on P0 deadlines
    sent.refresh_from_db()
    original = Incident.objects.get(pk=sent.incident_id)
    assert (repeat.duplicate_of_id, repeat.original_raised_from) == (original.pk, "P1")
    assert original.priority == "P0"
    assert sent.arrive_due_at == at(600)
    [entry] = AuditEntry.objects.filter(action="incident.reclassified")
    assert entry.data_dict == {"priority": ["P1", "P0"], "repeat_call": repeat.number}


def test_a_less_urgent_repeat_leaves_the_call_as_it_is(personas):
    sent = noise_sent(personas, priority="P1", category="domestic_violence")

    with clock.frozen(at(300)):
        repeat = incident_create(
            by=personas.duty,
            data=IncidentInput(
                category="domestic_violence", priority="P1", received_at=at(300),
                settlement_id=personas.a.town.pk, lat=personas.a.town.lat,
                lon=personas.a.town.lon,
            ),
        )  # fmt: skip

    assert repeat.duplicate_of_id == sent.incident_id
    assert repeat.original_raised_from is None
    assert not AuditEntry.objects.filter(action="incident.reclassified").exists()
