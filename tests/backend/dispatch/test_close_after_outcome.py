"""A crew that recorded the call's outcome handled the call, though its "on scene" never
reached the server (the phone's tap lost with the signal, or the officer told the desk what
was done and not when he got there): closing the call clears its assignment, as it clears one
on scene. It was stood down — cancelled "with the call", the close's notice read "stood down",
the timeline "A-PC1 cancelled", and the crew's phone said the call was taken off it.

Cleared is not on scene: no arrival time is made up — the response time and time on scene
stay empty. A note alone says nothing of the kind ("stuck at the ford"): that crew is stood
down. Cancelling a call (void: a false call) still stands every crew down."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from backend.common import clock
from backend.dispatch import kpis
from backend.dispatch.admin.timeline import incident_timeline
from backend.dispatch.lifecycle import EventKind
from backend.dispatch.models import Assignment, Event, Incident
from backend.dispatch.services import (
    incident_cancel_ended,
    incident_close_ended,
    incident_dispatch,
)
from backend.ledger.models import AuditEntry
from backend.people.models import Officer, Unit
from tests.backend.dispatch.conftest import T0, dispatch_a_call, phone_says
from tests.backend.sync_support import event

pytestmark = pytest.mark.django_db

# The crew reports at 08:10 and 08:20 (T0 is the call); the desk closes at 08:30.
SET_OFF = T0 + dt.timedelta(minutes=10)
REPORTED = T0 + dt.timedelta(minutes=20)
CLOSED = T0 + dt.timedelta(minutes=30)
WARNING = {"code": "warning", "text": "провели беседу"}


@pytest.fixture
def handled(personas: Any, device_a1: Any) -> Assignment:
    """A-PC1 sent at 08:01, set off at 08:10; at 08:20 its phone recorded a warning given —
    and no "on scene"."""
    sent = dispatch_a_call(personas)
    phone_says(device_a1, SET_OFF, event("en_route", sent))
    phone_says(device_a1, REPORTED, event("outcome", sent, payload=WARNING))
    sent.refresh_from_db()
    assert (sent.status, sent.on_scene_at) == ("en_route", None)
    return sent


def close(assignment: Assignment, by: Any) -> Any:
    with clock.frozen(CLOSED):
        return incident_close_ended(incident=assignment.incident, by=by, disposition="разобрались")


def test_closing_clears_a_crew_that_recorded_the_outcome_and_invents_no_arrival(personas, handled):
    ended = close(handled, personas.duty)

    # then: cleared by the close, not cancelled; no on-scene time
    assert ([a.pk for a in ended.cleared], ended.cancelled) == ([handled.pk], ())
    handled.refresh_from_db()
    assert (handled.status, handled.cleared_at, handled.on_scene_at) == ("cleared", CLOSED, None)
    assert (handled.cancelled_at, handled.cancel_reason) == (None, "")
    assert handled.cleared_event is not None
    assert handled.cleared_event.source == "server"
    assert not Event.objects.filter(assignment=handled, kind=EventKind.CANCELLED).exists()
    audit = AuditEntry.objects.get(action="incident.closed").data_dict
    assert (audit["cleared"], audit["cancelled"]) == ([handled.pk], [])
    unit = Unit.objects.get(pk=handled.unit_id)
    assert unit.status == "available"

    # and the KPIs: no arrival, so no response time, travel or time on scene
    row = kpis.assignments_with_kpis(Assignment.objects.filter(pk=handled.pk), now=CLOSED).get()
    assert (row.travel_s, row.on_scene_s, row.response_s) == (None, None, None)
    call = kpis.incidents_with_kpis(Incident.objects.filter(pk=handled.incident_id)).get()
    assert (call.first_on_scene_at, call.response_s) == (None, None)

    # and the timeline has no stand-down of A-PC1
    titles = [row.title for row in incident_timeline(Incident.objects.get(pk=handled.incident_id))]
    assert "A-PC1 dispatched" in titles
    assert "A-PC1 cancelled" not in titles


def test_the_crews_phone_hears_the_call_cleared_not_taken_off_it(personas, handled, device_a1):
    device_a1.pull(cursor=None)
    close(handled, personas.duty)

    with clock.frozen(CLOSED + dt.timedelta(minutes=1)):
        body = device_a1.pull()

    (row,) = [r for r in body["changes"]["assignments"]["updated"] if r["id"] == str(handled.pk)]
    assert (row["status"], row["cancel_reason"]) == ("cleared", "")


def test_the_close_warning_names_only_the_crew_that_did_not_handle_the_call(
    client, personas, handled
):
    # given: A-UI1 sent too, still on its way
    with clock.frozen(REPORTED):
        incident_dispatch(
            incident=handled.incident, unit=personas.a.inspector_unit, by=personas.duty
        )
    Officer.objects.filter(pk=personas.duty.pk).update(language="en")
    client.force_login(personas.duty)

    panel = client.get(f"/admin/dispatch/incident/{handled.incident_id}/panel/").content.decode()

    [warning] = re.findall(r'class="kuzet-warning kuzet-close-warning">([^<]*)<', panel)
    assert warning == "⚠ A-UI1 has not reached the scene: closing stands it down."


def test_a_crew_that_only_wrote_a_note_is_stood_down(personas, device_a1):
    sent = dispatch_a_call(personas)
    phone_says(device_a1, SET_OFF, event("en_route", sent))
    phone_says(device_a1, REPORTED, event("note", sent, payload={"text": "застряли у брода"}))

    ended = close(sent, personas.duty)

    assert (ended.cleared, [a.pk for a in ended.cancelled]) == ((), [sent.pk])


def test_a_crew_transporting_without_on_scene_is_cleared(personas, device_a1):
    sent = dispatch_a_call(personas)
    phone_says(device_a1, SET_OFF, event("en_route", sent))
    phone_says(device_a1, REPORTED, event("transporting", sent))

    ended = close(sent, personas.duty)

    assert ([a.pk for a in ended.cleared], ended.cancelled) == ([sent.pk], ())


def test_cancelling_the_call_still_stands_down_a_crew_that_recorded_the_outcome(personas, handled):
    with clock.frozen(CLOSED):
        ended = incident_cancel_ended(incident=handled.incident, by=personas.duty, reason="ложный")

    assert (ended.cleared, [a.pk for a in ended.cancelled]) == ((), [handled.pk])
