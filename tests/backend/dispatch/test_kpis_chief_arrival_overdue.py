"""The chief's "arrival overdue" rungs still waiting for him (``kpis.escalations_awaiting_chief_q``:
the home page's "Escalations waiting for the chief" and the escalations' "waiting for the
chief" filter) follow the ladder's rule — DOMAIN.md: "Arrival target passed without
on-scene: alert the board and the chief" — and an arrival is an on-scene time, as the
response time (first ``on_scene_at`` − ``received_at``) reads it.

A crew that cleared without "on scene" — its own "cleared", or closing the call cleared it
for the outcome it recorded (``services.incidents.close_clears``, which makes up no arrival
time) — proves nobody reached the place. Its "cleared" counted as an arrival here and hid a
late unit of the call from the chief, whom the sweep had alerted: a second unit still on its
way, or the unit sent when the call was reopened.

Unchanged and pinned: a unit that was on scene and then cleared is an arrival; and a rung
whose own assignment ended leaves the list (there is no unit on its way left to wait for —
the ladder's reason is gone), while the call stays a missed target with no response time."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from backend.common import clock
from backend.dispatch import kpis
from backend.dispatch.models import Assignment, EscalationStep, Incident
from backend.dispatch.services import (
    assignment_acknowledge_on_behalf,
    escalation_sweep,
    incident_close_ended,
    incident_dispatch,
    incident_reopen,
)
from tests.backend.dispatch.conftest import T0, dispatch_a_call, phone_says
from tests.backend.sync_support import event

pytestmark = pytest.mark.django_db

# The call is received at T0 and A-PC1 sent at 08:01; its crew sets off at 08:10 and
# reports again at 08:20. The arrival target (P2 in the town: 30 min) is 08:30.
SET_OFF = T0 + dt.timedelta(minutes=10)
REPORTED = T0 + dt.timedelta(minutes=20)
TARGET = T0 + dt.timedelta(minutes=30)
WARNING = {"code": "warning", "text": "провели беседу"}


def send_the_inspector(personas: Any, incident: Incident, at: dt.datetime) -> Assignment:
    """A-UI1 sent to the call, acknowledged by radio on its behalf (no acknowledgement rungs)."""
    with clock.frozen(at):
        second = incident_dispatch(
            incident=incident, unit=personas.a.inspector_unit, by=personas.duty
        )
        assignment_acknowledge_on_behalf(assignment=second, by=personas.duty, channel="radio")
    return second


def sweep(at: dt.datetime) -> None:
    with clock.frozen(at):
        escalation_sweep()


def awaiting_chief() -> list[tuple[str, str]]:
    """The rungs on the chief's list, as (callsign, step)."""
    return list(
        EscalationStep.objects.filter(kpis.escalations_awaiting_chief_q())
        .order_by("pk")
        .values_list("assignment__unit__callsign", "step")
    )


def fired(assignment: Assignment) -> list[str]:
    return list(
        EscalationStep.objects.filter(assignment=assignment)
        .order_by("pk")
        .values_list("step", flat=True)
    )


def test_a_crew_that_cleared_without_on_scene_does_not_hide_a_late_unit(personas, device_a1):
    # given: A-PC1 and A-UI1 sent; A-PC1's crew set off and cleared without "on scene"
    sent = dispatch_a_call(personas)
    assert sent.arrive_due_at == TARGET
    second = send_the_inspector(personas, sent.incident, T0 + dt.timedelta(minutes=2))
    phone_says(device_a1, SET_OFF, event("en_route", sent))
    phone_says(device_a1, REPORTED, event("cleared", sent))
    sent.refresh_from_db()
    assert (sent.status, sent.on_scene_at) == ("cleared", None)

    # when: the target passes with A-UI1 still not there — the sweep alerts the chief
    sweep(TARGET + dt.timedelta(seconds=1))
    assert fired(second) == ["arrival_overdue"]

    # then: the rung waits for the chief (A-PC1's "cleared" hid it: nobody is on scene)
    assert awaiting_chief() == [("A-UI1", "arrival_overdue")]


def test_on_a_call_reopened_after_an_outcome_without_on_scene_the_new_unit_is_overdue(
    personas, device_a1
):
    # given: A-PC1 recorded a warning given, never "on scene"; closing the call cleared it
    sent = dispatch_a_call(personas)
    phone_says(device_a1, SET_OFF, event("en_route", sent))
    phone_says(device_a1, REPORTED, event("outcome", sent, payload=WARNING))
    with clock.frozen(REPORTED + dt.timedelta(minutes=2)):
        incident_close_ended(incident=sent.incident, by=personas.duty, disposition="разобрались")
    sent.refresh_from_db()
    assert (sent.status, sent.on_scene_at) == ("cleared", None)
    # the caller rings again: the call is reopened at 08:35 and A-UI1 sent, its target
    # counted from the reopen (09:05)
    reopened = TARGET + dt.timedelta(minutes=5)
    with clock.frozen(reopened):
        incident_reopen(incident=sent.incident, by=personas.duty, reason="снова звонят")
    second = send_the_inspector(personas, sent.incident, TARGET + dt.timedelta(minutes=6))
    assert second.arrive_due_at == reopened + dt.timedelta(minutes=30)

    # when: it is not there by then
    sweep(reopened + dt.timedelta(minutes=30, seconds=1))
    assert fired(second) == ["arrival_overdue"]

    # then: nobody ever reached the place — the chief's list has it
    assert awaiting_chief() == [("A-UI1", "arrival_overdue")]


def test_a_crew_that_was_on_scene_and_cleared_is_an_arrival(personas, device_a1):
    # given: both units late at the target, on the chief's list
    sent = dispatch_a_call(personas)
    second = send_the_inspector(personas, sent.incident, T0 + dt.timedelta(minutes=2))
    phone_says(device_a1, SET_OFF, event("en_route", sent))
    sweep(TARGET + dt.timedelta(seconds=1))
    assert awaiting_chief() == [("A-PC1", "arrival_overdue"), ("A-UI1", "arrival_overdue")]

    # when: A-PC1 gets there, then clears
    phone_says(device_a1, TARGET + dt.timedelta(minutes=5), event("on_scene", sent))
    assert awaiting_chief() == []
    phone_says(device_a1, TARGET + dt.timedelta(minutes=25), event("cleared", sent))

    # then: somebody reached the place — nothing waits for the chief, A-UI1 still on its way
    assert Assignment.objects.get(pk=second.pk).status == "acknowledged"
    assert awaiting_chief() == []


def test_the_only_crews_rung_leaves_the_list_when_the_call_closes_but_stays_a_miss(
    personas, device_a1
):
    # given: A-PC1 late at the target (the chief alerted), then records an outcome without
    # "on scene"
    sent = dispatch_a_call(personas)
    phone_says(device_a1, SET_OFF, event("en_route", sent))
    sweep(TARGET + dt.timedelta(seconds=1))
    assert awaiting_chief() == [("A-PC1", "arrival_overdue")]
    phone_says(device_a1, TARGET + dt.timedelta(minutes=5), event("outcome", sent, payload=WARNING))
    assert awaiting_chief() == [("A-PC1", "arrival_overdue")]

    # when: the desk closes the call (A-PC1 cleared, no arrival made up)
    closed_at = TARGET + dt.timedelta(minutes=10)
    with clock.frozen(closed_at):
        incident_close_ended(incident=sent.incident, by=personas.duty, disposition="разобрались")

    # then: no unit of the call is on its way any more — nothing for the chief to wait on —
    # but the call reads as nobody reached: no response time, the target missed
    assert awaiting_chief() == []
    call = kpis.incidents_with_sla(Incident.objects.filter(pk=sent.incident_id), now=closed_at)
    row = call.get()
    assert (row.first_on_scene_at, row.response_s, row.sla_met) == (None, None, 0)


def test_the_arrival_subquery_reads_the_calls_reopen_time_from_the_outer_row(personas):
    # given: the chief's counts, scoped to his district (reports.selectors.needs_now)
    now = TARGET
    scoped = Assignment.objects.filter(incident__district=personas.a.district)
    steps = EscalationStep.objects.filter(assignment__incident__district=personas.a.district)

    # when: the overdue assignments and the rungs awaiting him are compiled
    queries = [
        str(scoped.filter(kpis.overdue_q(now)).query),
        str(steps.filter(kpis.escalations_awaiting_chief_q()).query),
    ]

    # then: the call is joined once, by the outer query; the "somebody reached the scene"
    # subquery takes the reopen time from there. Joined again inside it, PostgreSQL ran the
    # subquery on every open assignment of the table before the district filter
    # (docs/benchmarks.md, "Reads of a call's current visit": 1.5 × the plain count, not 1.0)
    assert [q.count('JOIN "dispatch_incident"') for q in queries] == [1, 1]
