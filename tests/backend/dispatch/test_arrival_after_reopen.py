"""The arrival rung (DOMAIN.md ladder, step 5: "Arrival target passed without on-scene:
alert the board and the chief") and the chief's list of its rungs read one rule of "somebody
reached the scene", through the real sweep:

- a reopened call is a new wait for a unit (as ``waiting_overdue`` reads it): the crew that
  was on scene before the call was closed does not stop the arrival rung of a unit sent
  after the caller rang again, nor take it off the chief's list — only an arrival at or
  after the reopen does;
- the chief is alerted of a late arrival once a visit of the call: a late unit after a
  reopen alerts him again, though he was alerted before the close; within one visit still
  once;
- a crew transporting someone from the call was there, though its "on scene" never reached
  the server: as for its own rung, so for the rung of another unit of the call and on the
  chief's list (``kpis.reached_scene_q``). A crew "cleared" without "on scene" still is no
  arrival (test_kpis_chief_arrival_overdue.py).

The call is received at T0; A-PC1 (with a phone) is sent at 08:01. Its arrival target (P2
in the town: 30 min from the call) is 08:30; the call is closed at 08:50 and reopened at
09:00, and a unit sent after the reopen has its target counted from the reopen, 09:30
(``ladder.arrival_due``, test_reopen_deadlines.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from backend.common import clock
from backend.dispatch import kpis
from backend.dispatch.models import Assignment, EscalationStep, Incident
from backend.dispatch.services import (
    escalation,
    incident_close_ended,
    incident_reopen,
)
from tests.backend.dispatch.conftest import boards, dispatch_a_call, phone_says
from tests.backend.dispatch.reopen_support import (
    CLOSED,
    NEW_TARGET,
    REOPENED,
    TARGET,
    WARNING,
    at,
    send,
    sweep,
)
from tests.backend.sync_support import event

pytestmark = pytest.mark.django_db

PAST_NEW_TARGET = NEW_TARGET + dt.timedelta(seconds=1)


def arrival_rungs(incident: Incident) -> list[tuple[str, bool]]:
    """The call's arrival rungs, as (callsign, whether it alerted the chief)."""
    return [
        (callsign, details["alerted"])
        for callsign, details in EscalationStep.objects.filter(
            assignment__incident=incident, step="arrival_overdue"
        )
        .order_by("pk")
        .values_list("assignment__unit__callsign", "details")
    ]


def awaiting_chief() -> list[tuple[str, int]]:
    """The rungs on the chief's list, as (callsign, assignment)."""
    return list(
        EscalationStep.objects.filter(kpis.escalations_awaiting_chief_q())
        .order_by("pk")
        .values_list("assignment__unit__callsign", "assignment_id")
    )


def first_visit(personas: Any, device: Any, *, late: bool) -> Assignment:
    """A-PC1 sent, on scene (at 08:20, or after the target at 08:40 when ``late``: then the
    sweep alerted the chief at the target), records a warning given and clears; the desk
    closes the call at 08:50 and reopens it at 09:00 — the caller rang again."""
    sent = dispatch_a_call(personas)
    phone_says(device, at(10), event("en_route", sent))
    if late:
        sweep(TARGET + dt.timedelta(seconds=1))
        assert arrival_rungs(sent.incident) == [("A-PC1", True)]
    phone_says(device, at(40 if late else 20), event("on_scene", sent))
    phone_says(device, at(45), event("outcome", sent, payload=WARNING))
    phone_says(device, at(46), event("cleared", sent))
    with clock.frozen(CLOSED):
        incident_close_ended(incident=sent.incident, by=personas.duty, disposition="разобрались")
    with clock.frozen(REOPENED):
        incident_reopen(incident=sent.incident, by=personas.duty, reason="снова звонят")
    sent.refresh_from_db()
    assert sent.status == "cleared"
    assert sent.on_scene_at is not None
    return sent


# --- a reopened call: a new wait for a unit ----------------------------------------------------
def test_a_unit_sent_after_a_reopen_is_overdue_though_the_first_crew_was_on_scene(
    personas, device_a1
):
    # given: A-PC1 was there in time before the close; after the reopen A-UI1 is sent (its
    # target 09:30)
    sent = first_visit(personas, device_a1, late=False)
    second = send(personas, sent.incident, personas.a.inspector_unit, at(61))
    # ... due at its target, as the history builder's next sweep time reads it too
    assert escalation.next_due(at(61.5)) == NEW_TARGET

    # when: it is not there by then
    sweep(PAST_NEW_TARGET)

    # then: the rung fires for A-UI1 and alerts the chief, whose list has it
    assert arrival_rungs(sent.incident) == [("A-UI1", True)]
    assert awaiting_chief() == [("A-UI1", second.pk)]


def test_only_an_arrival_after_the_reopen_takes_the_rung_off_the_chiefs_list(personas, device_a1):
    # given: after the reopen, A-PC1 is sent again and is late; the chief has it
    sent = first_visit(personas, device_a1, late=False)
    again = send(personas, sent.incident, personas.a.patrol, at(61))
    sweep(PAST_NEW_TARGET)
    assert awaiting_chief() == [("A-PC1", again.pk)]

    # when: it gets there
    phone_says(device_a1, at(95), event("on_scene", again))

    # then
    assert awaiting_chief() == []


def test_a_late_arrival_after_a_reopen_alerts_the_chief_again_once_a_visit(
    personas, device_a1, notifications, django_capture_on_commit_callbacks
):
    # given: A-PC1 was late before the close (the chief alerted at 08:30); after the reopen
    # A-PC1 and A-UI1 are sent, and neither is there
    sent = first_visit(personas, device_a1, late=True)
    again = send(personas, sent.incident, personas.a.patrol, at(61))
    send(personas, sent.incident, personas.a.inspector_unit, at(61))

    # when
    with django_capture_on_commit_callbacks(execute=True):
        sweep(PAST_NEW_TARGET)

    # then: the chief hears of this wait once — one of the two new rungs alerts him
    assert arrival_rungs(sent.incident) == [("A-PC1", True), ("A-PC1", True), ("A-UI1", False)]
    (alert,) = boards(notifications(), "escalation.arrival_overdue")
    assert (alert["chief"], alert["assignment_id"]) == (True, again.pk)
    # ... and both units still on their way are on his list; the first visit's rung is not
    # (its unit cleared)
    assert [callsign for callsign, _ in awaiting_chief()] == ["A-PC1", "A-UI1"]


def test_a_rung_fired_after_a_reopen_reads_alerted_on_the_call_page(client, personas, device_a1):
    # given: the chief alerted before the close and again after the reopen
    sent = first_visit(personas, device_a1, late=True)
    send(personas, sent.incident, personas.a.patrol, at(61))
    sweep(PAST_NEW_TARGET)
    personas.duty.language = "ru"
    personas.duty.save(update_fields=["language"])
    client.force_login(personas.duty)

    # when: the duty officer opens the call's page
    page = client.get(f"/admin/dispatch/incident/{sent.incident_id}/change/").content.decode()

    # then: both rungs say the chief and the board were alerted; none that it was done before
    assert page.count("Эскалация: прибытие просрочено") == 2
    assert page.count("Оповещены: да") == 2
    assert "По этому вызову уже оповещали" not in page


# --- a crew transporting someone was at the scene ----------------------------------------------
def test_a_crew_transporting_without_on_scene_stops_another_units_arrival_rung(personas, device_a1):
    # given: A-PC1 and A-UI1 sent; A-PC1's crew drives off with the victim before the target,
    # its "on scene" tap never reached the server
    sent = dispatch_a_call(personas)
    second = send(personas, sent.incident, personas.a.inspector_unit, at(2))
    phone_says(device_a1, at(10), event("en_route", sent))
    phone_says(device_a1, at(25), event("transporting", sent))
    sent.refresh_from_db()
    assert (sent.status, sent.on_scene_at) == ("transporting", None)

    # when: the target passes
    sweep(TARGET + dt.timedelta(seconds=1))

    # then: nobody is late for the call — as A-PC1's own rung reads it, so A-UI1's
    assert arrival_rungs(sent.incident) == []
    assert Assignment.objects.get(pk=second.pk).next_escalation_at is None


def test_a_crew_transporting_without_on_scene_takes_the_late_unit_off_the_chiefs_list(
    personas, device_a1
):
    # given: both units late at the target, on the chief's list
    sent = dispatch_a_call(personas)
    second = send(personas, sent.incident, personas.a.inspector_unit, at(2))
    phone_says(device_a1, at(10), event("en_route", sent))
    sweep(TARGET + dt.timedelta(seconds=1))
    assert awaiting_chief() == [("A-PC1", sent.pk), ("A-UI1", second.pk)]

    # when: A-PC1's crew drives off with the victim, never having tapped "on scene"
    phone_says(device_a1, at(35), event("transporting", sent))

    # then: somebody was there — and stays so once the crew clears
    assert awaiting_chief() == []
    phone_says(device_a1, at(55), event("cleared", sent))
    assert Assignment.objects.get(pk=second.pk).status == "acknowledged"
    assert awaiting_chief() == []
