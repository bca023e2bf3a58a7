"""A report linked as a repeat of an earlier call that is another event after all: the duty
officer makes it a call of its own (service, staff API, the incident page, the timeline)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from backend.common import clock
from backend.common.errors import Conflict, NotFound, ValidationFailed
from backend.dispatch.admin.timeline import incident_timeline
from backend.dispatch.models import FollowUpTask, Incident, RiskSubject
from backend.dispatch.services import (
    incident_cancel,
    incident_create,
    incident_dispatch,
    incident_separate,
)
from backend.ledger.models import AuditEntry
from backend.people.models import Officer

from .conftest import boards, report, snapshot

T0 = dt.datetime(2026, 3, 2, 20, 0, tzinfo=dt.UTC)


@pytest.fixture
def frozen():
    with clock.frozen(T0):
        yield T0


def dv_call(personas: Any, **kw: Any) -> Incident:
    fields: dict[str, Any] = {
        "category": "domestic_violence",
        "settlement_id": personas.a.village.pk,
        "landmark": "ул. Абая 12",
        "caller_phone": "+77015550101",
        "received_at": clock.now(),
    }
    return incident_create(by=personas.duty, data=report(**{**fields, **kw}))


@pytest.fixture
def linked(personas, frozen):
    """A DV call from one house, then ten minutes later a second caller from the same
    village about another house: Kuzet links the second as a repeat of the first."""
    first = dv_call(personas)
    with clock.frozen(T0 + dt.timedelta(minutes=10)):
        second = dv_call(
            personas, landmark="ул. Ауэзова 3", caller_phone="+77015550202", summary="муж с ножом"
        )
    assert (second.status, second.duplicate_of) == ("duplicate", first)
    return first, second


@pytest.mark.django_db
def test_a_repeat_that_is_another_event_becomes_a_call_of_its_own(
    personas, linked, notifications, django_capture_on_commit_callbacks
):
    first, second = linked
    visits_before = FollowUpTask.objects.count()
    # a repeat follows its original: no unit is sent to it
    with pytest.raises(Conflict):
        incident_dispatch(incident=second, unit=personas.a.patrol, by=personas.duty)

    # when: the duty officer says it is another house
    at = T0 + dt.timedelta(minutes=12)
    with clock.frozen(at), django_capture_on_commit_callbacks(execute=True):
        separated = incident_separate(
            incident=second, by=personas.duty, reason="другой дом, муж с ножом"
        )

    # then: it waits for a unit of its own, counted from when it was received
    second.refresh_from_db()
    assert (second.status, second.duplicate_of, second.received_at) == (
        "queued",
        None,
        T0 + dt.timedelta(minutes=10),
    )
    assert separated.pk == second.pk
    with clock.frozen(at):
        sent = incident_dispatch(incident=second, unit=personas.a.patrol, by=personas.duty)
    assert sent.incident_id == second.pk
    # and, a DV call of its own, its address is registered and its follow-up visit owed
    assert RiskSubject.objects.filter(address="ул. Ауэзова 3", prior_dv_calls=1).exists()
    assert FollowUpTask.objects.count() == visits_before + 1
    assert FollowUpTask.objects.filter(incident=second).exists()
    # and the audit log and the board say who did it, why, and what it had been linked to
    entry = AuditEntry.objects.get(action="incident.separated")
    assert (entry.object_id, entry.actor, entry.data_dict["reason"]) == (
        str(second.pk),
        personas.duty,
        "другой дом, муж с ножом",
    )
    assert entry.data_dict["was_duplicate_of"] == first.pk
    [note] = boards(notifications(), "incident.separated")
    assert (note["incident_id"], note["was_duplicate_of_number"]) == (second.pk, first.number)


@pytest.mark.django_db
def test_only_a_linked_report_is_separated_with_a_reason_in_ones_districts(personas, linked):
    first, second = linked
    before = snapshot()

    with pytest.raises(ValidationFailed) as no_reason:
        incident_separate(incident=second, by=personas.duty, reason="  ")
    with pytest.raises(Conflict) as not_linked:
        incident_separate(incident=first, by=personas.duty, reason="x")
    with pytest.raises(NotFound):
        incident_separate(incident=second, by=personas.b.chief, reason="x")

    assert (no_reason.value.code, not_linked.value.code) == (
        "reason_required",
        "incident_not_duplicate",
    )
    assert snapshot() == before


@pytest.mark.django_db
def test_the_staff_api_separates_once(personas, linked, client_for):
    _first, second = linked
    api = client_for(personas.duty)
    url = f"/api/v1/incidents/{second.pk}/separate/"

    done = api.post(url, {"reason": "другой дом"}, format="json")
    again = api.post(url, {"reason": "другой дом"}, format="json")
    empty = api.post(url, {}, format="json")

    assert (done.status_code, done.json()["status"]) == (200, "queued")
    assert (again.status_code, again.json()["error"]) == (409, "incident_not_duplicate")
    assert (empty.status_code, empty.json()["error"]) == (400, "invalid")


@pytest.mark.django_db
def test_the_incident_page_of_a_repeat_names_its_call_and_separates_it(personas, linked, client):
    first, second = linked
    Officer.objects.update(language="en")
    client.force_login(personas.duty)
    page = f"/admin/dispatch/incident/{second.pk}/change/"

    # the page names the call it repeats, with a link, and offers to make it a call of its own
    html = client.get(page).content.decode()
    assert f'href="/admin/dispatch/incident/{first.pk}/change/">{first.number}</a>' in html
    assert 'id="kuzet-separate"' in html
    assert 'id="kuzet-dispatch"' not in html

    # when
    answer = client.post(
        f"/admin/dispatch/incident/{second.pk}/separate/",
        {"reason": "другой дом"},
        headers={"X-Kuzet-Panel": "1"},
    )

    # then: the panel comes back with the units to send, and says what happened
    panel = answer.content.decode()
    assert answer.status_code == 200
    assert (
        f"Call {second.number} is a call of its own, waiting in the queue: send a unit to it."
        in panel
    )
    assert 'id="kuzet-dispatch"' in panel
    assert 'id="kuzet-separate"' not in panel
    # and a call that is not linked offers no such command
    assert (
        'id="kuzet-separate"'
        not in client.get(page.replace(str(second.pk), str(first.pk))).content.decode()
    )


@pytest.mark.django_db
def test_the_timeline_names_calls_and_units_not_row_ids(personas, linked):
    first, second = linked
    Officer.objects.update(language="en")
    sent = incident_dispatch(incident=first, unit=personas.a.patrol, by=personas.duty)
    incident_cancel(incident=first, by=personas.duty, reason="ложный вызов")
    incident_separate(incident=second, by=personas.duty, reason="другой дом")

    repeat = " ".join(r.detail for r in incident_timeline(second) if r.kind == "audit")
    cancelled = " ".join(r.detail for r in incident_timeline(first) if r.kind == "audit")

    assert f"Duplicate of: {first.number}" in repeat
    assert f"Had been linked as a repeat of: {first.number}" in repeat
    assert f"Assignments stood down: {personas.a.patrol.callsign}" in cancelled
    assert f"Assignments stood down: {sent.pk}" not in cancelled
