"""A report the automatic link missed (another caller about the same fight, another phone, 40
minutes later): the duty officer links it by hand as a repeat of the earlier call (service,
staff API, the incident page, the timeline) — the inverse of ``incident_separate``."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from backend.common import clock
from backend.common.errors import Conflict, NotFound, ValidationFailed
from backend.dispatch.admin.timeline import incident_timeline
from backend.dispatch.models import Incident
from backend.dispatch.services import (
    assignment_cancel,
    incident_cancel,
    incident_close,
    incident_create,
    incident_dispatch,
    incident_link,
    incident_separate,
)
from backend.ledger.models import AuditEntry
from backend.people.models import Officer

from .conftest import boards, report, snapshot

T0 = dt.datetime(2026, 3, 2, 20, 0, tzinfo=dt.UTC)
LATER = T0 + dt.timedelta(minutes=40)


@pytest.fixture
def frozen():
    with clock.frozen(LATER):
        yield LATER


def fight(personas: Any, *, at: dt.datetime, phone: str, **kw: Any) -> Incident:
    fields: dict[str, Any] = {
        "category": "violence",
        "priority": "P2",
        "settlement_id": personas.a.village.pk,
        "landmark": "у магазина",
        "caller_phone": phone,
        "received_at": at,
    }
    with clock.frozen(at):
        return incident_create(by=personas.duty, data=report(**{**fields, **kw}))


@pytest.fixture
def calls(personas, frozen):
    """A fight by the shop; 40 minutes later another caller, from another phone, about the
    same fight: outside the automatic window, so it waits as a call of its own."""
    first = fight(personas, at=T0, phone="+77015550101")
    second = fight(personas, at=LATER, phone="+77015550202")
    assert (second.status, second.duplicate_of) == ("queued", None)
    return first, second


@pytest.mark.django_db
def test_a_missed_repeat_is_linked_by_number_and_closed_with_its_call(
    personas, calls, notifications, django_capture_on_commit_callbacks
):
    first, second = calls

    # when: the duty officer types the earlier call's last digits and says why
    with django_capture_on_commit_callbacks(execute=True):
        linked = incident_link(
            incident=second,
            by=personas.duty,
            original_number=f"{first.pk:06d}",
            reason="та же драка у магазина",
        )

    # then: it follows the earlier call — no unit is sent to it
    second.refresh_from_db()
    assert (linked.pk, second.status, second.duplicate_of_id) == (second.pk, "duplicate", first.pk)
    with pytest.raises(Conflict):
        incident_dispatch(incident=second, unit=personas.a.patrol, by=personas.duty)
    # and the audit log and the board say who linked it, to what and why
    entry = AuditEntry.objects.get(action="incident.linked")
    assert (entry.object_id, entry.actor, entry.data_dict) == (
        str(second.pk),
        personas.duty,
        {"reason": "та же драка у магазина", "duplicate_of": first.pk},
    )
    [note] = boards(notifications(), "incident.linked")
    assert (note["incident_id"], note["duplicate_of_number"]) == (second.pk, first.number)

    # and it is closed with its call, as an automatic repeat is
    incident_close(incident=first, by=personas.duty, disposition="разняли, доставлены")
    second.refresh_from_db()
    assert (second.status, second.disposition) == ("duplicate", "разняли, доставлены")
    assert second.closed_at is not None


@pytest.mark.django_db
def test_the_whole_number_links_too_and_a_more_urgent_report_raises_the_call(personas, calls):
    first, second = calls
    Incident.objects.filter(pk=second.pk).update(priority="P1")
    second.refresh_from_db()

    incident_link(incident=second, by=personas.duty, original_number=first.number, reason="та же")

    first.refresh_from_db()
    assert first.priority == "P1"
    raised = AuditEntry.objects.get(action="incident.reclassified", object_id=str(first.pk))
    assert raised.data_dict == {"priority": ["P2", "P1"], "repeat_call": second.number}


@pytest.mark.django_db
def test_naming_a_repeat_links_to_the_call_it_repeats(personas, calls):
    first, second = calls
    # a third report, linked automatically to the second's minute
    third = fight(personas, at=LATER, phone="+77015550202")
    assert third.duplicate_of_id == second.pk
    incident_link(incident=second, by=personas.duty, original_number=first.number, reason="та же")
    fourth = fight(
        personas, at=LATER + dt.timedelta(minutes=45), phone="+77015550303", landmark="клуб"
    )
    # when: the officer names the second call, itself a repeat of the first
    incident_link(incident=fourth, by=personas.duty, original_number=second.number, reason="та же")
    # then
    fourth.refresh_from_db()
    assert fourth.duplicate_of_id == first.pk


@pytest.mark.django_db
def test_refusals_write_nothing(personas, calls):
    first, second = calls
    other = fight(personas, at=LATER, phone="+77015550909", settlement_id=personas.b.village.pk)
    before = snapshot()

    def refused(incident: Incident, number: str, reason: str = "та же") -> str:
        with pytest.raises((ValidationFailed, Conflict)) as err:
            incident_link(
                incident=incident, by=personas.duty, original_number=number, reason=reason
            )
        return err.value.code

    assert refused(second, first.number, reason="  ") == "reason_required"
    assert refused(second, " ") == "original_required"
    assert refused(second, "999999") == "original_not_found"
    # a call of another district is not found from this one, even for an officer of both
    assert refused(second, other.number) == "original_not_found"
    assert refused(second, second.number) == "original_is_itself"
    with pytest.raises(NotFound):
        incident_link(
            incident=second, by=personas.b.chief, original_number=first.number, reason="та же"
        )
    assert snapshot() == before


@pytest.mark.django_db
def test_a_call_a_unit_was_sent_to_is_not_linked_even_after_the_unit_was_stood_down(
    personas, calls
):
    first, second = calls
    with clock.frozen(LATER):
        sent = incident_dispatch(incident=second, unit=personas.a.patrol, by=personas.duty)
    with pytest.raises(Conflict) as on_its_way:
        incident_link(incident=second, by=personas.duty, original_number=first.number, reason="x")
    with clock.frozen(LATER):
        assignment_cancel(assignment=sent, by=personas.duty, reason="ошибка")
    second.refresh_from_db()
    assert second.status == "queued"
    before = snapshot()

    with pytest.raises(Conflict) as stood_down:
        incident_link(incident=second, by=personas.duty, original_number=first.number, reason="x")

    assert (on_its_way.value.code, stood_down.value.code) == (
        "incident_unit_sent",
        "incident_unit_sent",
    )
    assert snapshot() == before


@pytest.mark.django_db
def test_a_linked_closed_or_dv_call_is_not_linked(personas, calls):
    first, _second = calls
    repeat = fight(personas, at=LATER, phone="+77015550202")  # linked to the second
    dv = fight(
        personas,
        at=LATER + dt.timedelta(hours=2),
        phone="+77015550404",
        category="domestic_violence",
        landmark="ул. Абая 12",
    )
    closed = fight(personas, at=LATER + dt.timedelta(hours=3), phone="+77015550505")
    incident_cancel(incident=closed, by=personas.duty, reason="ложный")
    before = snapshot()

    codes = []
    for incident in (repeat, closed, dv):
        with pytest.raises(Conflict) as err:
            incident_link(
                incident=incident, by=personas.duty, original_number=first.number, reason="x"
            )
        codes.append(err.value.code)

    assert codes == ["incident_already_linked", "incident_closed", "incident_dv_not_linked"]
    assert snapshot() == before


@pytest.mark.django_db
def test_a_closed_or_cancelled_call_is_no_original(personas, calls):
    first, second = calls
    cancelled = fight(personas, at=T0 - dt.timedelta(hours=2), phone="+77015550606")
    incident_cancel(incident=cancelled, by=personas.duty, reason="ложный")
    incident_close(incident=first, by=personas.duty, disposition="разняли")
    before = snapshot()

    codes = []
    for original in (first, cancelled):
        with pytest.raises(Conflict) as err:
            incident_link(
                incident=second, by=personas.duty, original_number=original.number, reason="x"
            )
        codes.append(err.value.code)

    assert codes == ["original_closed", "original_cancelled"]
    assert snapshot() == before


@pytest.mark.django_db
def test_the_staff_api_links_once_and_says_why_not(personas, calls, client_for):
    first, second = calls
    Officer.objects.update(language="en")
    api = client_for(personas.duty)
    url = f"/api/v1/incidents/{second.pk}/link/"
    body = {"original_number": first.number, "reason": "та же драка"}

    done = api.post(url, body, format="json")
    again = api.post(url, body, format="json")
    empty = api.post(url, {"reason": "x"}, format="json")
    itself = api.post(
        f"/api/v1/incidents/{first.pk}/link/",
        {"original_number": first.number, "reason": "x"},
        format="json",
    )

    assert (done.status_code, done.json()["status"]) == (200, "duplicate")
    assert (again.status_code, again.json()["error"]) == (409, "incident_already_linked")
    assert again.json()["detail"] == "This report is already linked as a repeat of another call."
    assert (empty.status_code, empty.json()["error"]) == (400, "invalid")
    assert (itself.status_code, itself.json()["error"]) == (400, "original_is_itself")


@pytest.mark.django_db
def test_the_incident_page_links_a_call_and_the_timeline_says_so(personas, calls, client):
    first, second = calls
    Officer.objects.update(language="en")
    client.force_login(personas.duty)
    page = f"/admin/dispatch/incident/{second.pk}/change/"
    assert 'id="kuzet-link"' in client.get(page).content.decode()

    refused = client.post(
        f"/admin/dispatch/incident/{second.pk}/link/",
        {"original_number": "999999", "reason": "та же"},
        headers={"X-Kuzet-Panel": "1"},
    ).content.decode()
    answer = client.post(
        f"/admin/dispatch/incident/{second.pk}/link/",
        {"original_number": str(first.pk), "reason": "та же драка"},
        headers={"X-Kuzet-Panel": "1"},
    )

    assert "No call with this number in this call&#x27;s district." in refused
    panel = answer.content.decode()
    assert answer.status_code == 200
    assert (
        f"Call {second.number} is linked as a repeat of call {first.number}: nobody is sent to "
        "it, and it is closed with that call." in panel
    )
    assert 'id="kuzet-link"' not in panel
    assert 'id="kuzet-separate"' in panel
    assert 'id="kuzet-dispatch"' not in panel
    words = " ".join(r.detail for r in incident_timeline(second) if r.kind == "audit")
    labels = " ".join(r.title for r in incident_timeline(second) if r.kind == "audit")
    assert f"Duplicate of: {first.number}" in words
    assert "та же драка" in words
    assert "Linked as a repeat of an earlier call" in labels


@pytest.mark.django_db
def test_a_linked_call_can_be_separated_again(personas, calls):
    first, second = calls
    incident_link(incident=second, by=personas.duty, original_number=first.number, reason="та же")
    incident_separate(incident=second, by=personas.duty, reason="другая драка")
    second.refresh_from_db()
    assert (second.status, second.duplicate_of) == ("queued", None)
