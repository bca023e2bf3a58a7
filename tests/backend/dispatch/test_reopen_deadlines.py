"""A reopened call's new wait has its own deadlines (a0fe8ef made a reopened call a new wait
for the arrival rung; these are what it left): through the real sweep.

- A unit sent after a reopen has its arrival target counted from the reopen
  (``ladder.arrival_due``), as ``waiting_overdue`` counts a wait since the call came back to
  the queue: counted from the first receipt, hours gone, its rung fired at the first sweep
  after the dispatch and the board, the chief and the crew's phone read it overdue the moment
  it was sent. So does a priority raised on the reopened call. The response time and the
  call's SLA target still count from the receipt.
- The caller is texted of a delay once a visit of the call, as the chief is alerted.
- An assignment is overdue for its arrival by the arrival rung's one rule: a crew
  transporting without an "on scene" time was there; the first visit's crew stops no unit
  sent after the reopen.
- The waiting rung's "back in the queue" reads in words on the call's page.

The call (P2 in the town: arrive within 30 min) is received at T0; A-PC1 (with a phone) is
sent at 08:01, its target 08:30."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.utils import translation

from backend.common import clock
from backend.common.formatting import KEY_LABELS, when_text
from backend.dispatch import kpis
from backend.dispatch.models import (
    Assignment,
    EscalationStep,
    Incident,
    IncidentEscalationStep,
    SmsMessage,
)
from backend.dispatch.services import (
    assignment_cancel,
    escalation,
    incident_cancel,
    incident_close_ended,
    incident_dispatch,
    incident_reclassify,
    incident_reopen,
)
from tests import factories
from tests.backend.dispatch.conftest import T0, boards, dispatch_a_call, phone_says
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

SECOND = dt.timedelta(seconds=1)
CALLER = {"caller_phone": "+77017771234", "notify_citizen": True}


def arrival_rungs(incident: Incident) -> list[tuple[str, int, bool]]:
    """The call's arrival rungs, as (callsign, late by ms, alerted the chief)."""
    return [
        (callsign, details["late_ms"], details["alerted"])
        for callsign, details in EscalationStep.objects.filter(
            assignment__incident=incident, step="arrival_overdue"
        )
        .order_by("pk")
        .values_list("assignment__unit__callsign", "details")
    ]


def delay_texts() -> list[str]:
    return list(
        SmsMessage.objects.filter(purpose="citizen_delay")
        .order_by("pk")
        .values_list("phone", flat=True)
    )


def first_visit(personas: Any, device: Any, *, late: bool, **incident: Any) -> Assignment:
    """A-PC1 sent, on scene (08:20; or 08:40 when ``late``: the sweep alerted at 08:30:01),
    records a warning given and clears; the desk closes the call at 08:50 and reopens it at
    09:00 — the caller rang again."""
    sent = dispatch_a_call(personas, **incident)
    phone_says(device, at(10), event("en_route", sent))
    if late:
        sweep(TARGET + SECOND)
        assert [r[0] for r in arrival_rungs(sent.incident)] == ["A-PC1"]
    phone_says(device, at(40 if late else 20), event("on_scene", sent))
    phone_says(device, at(45), event("outcome", sent, payload=WARNING))
    phone_says(device, at(46), event("cleared", sent))
    with clock.frozen(CLOSED):
        incident_close_ended(incident=sent.incident, by=personas.duty, disposition="разобрались")
    with clock.frozen(REOPENED):
        incident_reopen(incident=sent.incident, by=personas.duty, reason="снова звонят")
    return sent


def overdue(*assignments: Assignment, now: dt.datetime) -> list[bool]:
    rows = kpis.assignments_with_kpis(
        Assignment.objects.filter(pk__in=[a.pk for a in assignments]), now=now
    ).in_bulk()
    return [bool(rows[a.pk].overdue) for a in assignments]


# --- 1. a unit sent after a reopen: its target counted from the reopen -------------------------
def test_a_unit_sent_after_a_reopen_is_due_thirty_minutes_after_the_reopen(
    personas, device_a1, notifications, django_capture_on_commit_callbacks
):
    # given: the first visit in time; after the reopen A-PC1 is sent again at 09:01
    sent = first_visit(personas, device_a1, late=False)
    with django_capture_on_commit_callbacks(execute=True):
        again = send(personas, sent.incident, personas.a.patrol, at(61))

    # then: its target is 09:30 — on the board's dispatch message and the crew's phone too
    assert again.arrive_due_at == NEW_TARGET
    (dispatched,) = boards(notifications(), "assignment.dispatched")
    assert dispatched["arrive_due_at"] == clock.to_ms(NEW_TARGET)
    with clock.frozen(at(61.5)):
        pulled = device_a1.pull(cursor=None)["changes"]["assignments"]
    (row,) = [r for r in [*pulled["created"], *pulled["updated"]] if r["id"] == str(again.pk)]
    assert row["arrive_due_at"] == clock.to_ms(NEW_TARGET)
    assert escalation.next_due(at(61.5)) == NEW_TARGET

    # when: the sweeps after the dispatch, then past the new target
    sweep(at(62))
    assert arrival_rungs(sent.incident) == []
    sweep(NEW_TARGET + SECOND)

    # then: late by a second, not by an hour; the chief alerted
    assert arrival_rungs(sent.incident) == [("A-PC1", 1000, True)]


def test_the_call_page_reads_the_new_units_target_from_the_reopen(client, personas, device_a1):
    # given
    sent = first_visit(personas, device_a1, late=False)
    send(personas, sent.incident, personas.a.inspector_unit, at(61))
    client.force_login(personas.duty)

    # when: the duty officer opens the call's page
    with clock.frozen(at(62)):
        page = client.get(f"/admin/dispatch/incident/{sent.incident_id}/change/")
        due_text = when_text(NEW_TARGET)
        old_text = when_text(TARGET)

    # then: the open assignment's "arrive by" is 09:30 (local time), not 08:30
    (row,) = page.context["kuzet_dispatch"]["open_assignments"]
    assert row["arrive_due_text"] == due_text != old_text


def test_a_priority_raised_after_a_reopen_counts_its_target_from_the_reopen(personas, device_a1):
    # given: after the reopen A-UI1 is sent (P2: due 09:30)
    sent = first_visit(personas, device_a1, late=False)
    second = send(personas, sent.incident, personas.a.inspector_unit, at(61))

    # when: the caller's words make it P1 (in the town: arrive within 15 min)
    with clock.frozen(at(62)):
        incident_reclassify(incident=sent.incident, by=personas.duty, reason="драка", priority="P1")
    sweep(at(63))

    # then: due 09:15, not 08:15 — nothing fired at once, the rung fires past it
    second.refresh_from_db()
    assert second.arrive_due_at == REOPENED + dt.timedelta(minutes=15)
    assert arrival_rungs(sent.incident) == []
    sweep(REOPENED + dt.timedelta(minutes=15) + SECOND)
    assert arrival_rungs(sent.incident) == [("A-UI1", 1000, True)]


def test_the_response_time_and_the_target_still_count_from_the_receipt(personas, device_a1):
    # given: a call cancelled by mistake before anybody was sent, reopened at 09:00; A-PC1
    # sent at 09:01 reaches it at 09:20
    personas.device(personas.a.patrol_officers[0])
    call = factories.incident(
        district=personas.a.district, settlement=personas.a.town, received_at=T0
    )
    with clock.frozen(at(5)):
        incident_cancel(incident=call, by=personas.duty, reason="ошиблись")
    with clock.frozen(REOPENED):
        incident_reopen(incident=call, by=personas.duty, reason="отмена по ошибке")
    sent = send(personas, call, personas.a.patrol, at(61))
    phone_says(device_a1, at(80), event("on_scene", sent))

    # when
    row = kpis.incidents_with_sla(Incident.objects.filter(pk=call.pk), now=at(81)).get()

    # then: the caller waited 80 min for a 30 min target — a miss, though the unit came
    # within 30 min of the reopen
    assert sent.arrive_due_at == NEW_TARGET
    assert (round(row.response_s), round(row.sla_target_s), row.sla_met) == (80 * 60, 30 * 60, 0)


# --- 2. the caller told of a delay once a visit ----------------------------------------------
def test_a_late_unit_after_a_reopen_tells_the_caller_again_once_a_visit(personas, device_a1):
    # given: the first visit was late (the caller texted at 08:30:01); after the reopen A-PC1
    # and A-UI1 are sent, and neither is there by 09:30
    sent = first_visit(personas, device_a1, late=True, **CALLER)
    assert delay_texts() == ["+77017771234"]
    send(personas, sent.incident, personas.a.patrol, at(61))
    send(personas, sent.incident, personas.a.inspector_unit, at(61))

    # when
    sweep(NEW_TARGET + SECOND)

    # then: the caller is told of this wait's delay — once, for the two late units
    assert delay_texts() == ["+77017771234", "+77017771234"]
    incident = Incident.objects.get(pk=sent.incident_id)
    assert incident.citizen_delay_notified_at == NEW_TARGET + SECOND
    told = [
        s.details.get("citizen_told")
        for s in EscalationStep.objects.filter(
            assignment__incident=incident, assignment__dispatched_at__gte=REOPENED
        ).order_by("pk")
    ]
    assert told == [True, None]


# --- 3. overdue: the arrival rung's one rule -------------------------------------------------
def test_a_crew_transporting_without_on_scene_is_not_overdue_nor_its_calls_other_unit(
    personas, device_a1
):
    # given: A-PC1 and A-UI1 sent; A-PC1's crew drives off with the victim at 08:25, its
    # "on scene" tap never reached the server
    sent = dispatch_a_call(personas)
    second = send(personas, sent.incident, personas.a.inspector_unit, at(2))
    phone_says(device_a1, at(10), event("en_route", sent))
    # ... en route: acknowledged though its "acknowledged" tap never came (due 08:06)
    assert overdue(sent, now=at(15)) == [False]
    phone_says(device_a1, at(25), event("transporting", sent))

    # when: the target passes (the sweep fires nothing: somebody was there)
    sweep(TARGET + SECOND)
    assert arrival_rungs(sent.incident) == []

    # then: neither is overdue, nor the call on the chief's page
    assert overdue(sent, second, now=TARGET + SECOND) == [False, False]
    flagged = Incident.objects.filter(kpis.incidents_overdue_q(TARGET + SECOND))
    assert not flagged.filter(pk=sent.incident_id).exists()


def test_after_a_reopen_a_new_unit_is_overdue_past_its_own_target_only(personas, device_a1):
    # given: the first crew was on scene before the close; A-UI1 sent after the reopen
    sent = first_visit(personas, device_a1, late=False)
    second = send(personas, sent.incident, personas.a.inspector_unit, at(61))

    # then: not overdue at once (its target is 09:30); past it, overdue — the first visit's
    # crew hides it no more than it stops its rung
    assert overdue(second, now=at(62)) == [False]
    sweep(NEW_TARGET + SECOND)
    assert [r[0] for r in arrival_rungs(sent.incident)] == ["A-UI1"]
    assert overdue(second, now=NEW_TARGET + SECOND) == [True]


# --- 4. the waiting rung's "back in the queue" in words ---------------------------------------
def test_the_waiting_rungs_back_in_the_queue_reads_in_russian_on_the_call_page(client, personas):
    # given: a P2 call nobody was sent to, alerted at 5 min; A-PC1 sent at 6 min and stood
    # down at 7 — the call is back in the queue, and its new wait alerted at 12 min
    call = factories.incident(
        district=personas.a.district, settlement=personas.a.town, received_at=T0
    )
    sweep(at(5) + SECOND)
    with clock.frozen(at(6)):
        a = incident_dispatch(incident=call, unit=personas.a.patrol, by=personas.duty)
    with clock.frozen(at(7)):
        assignment_cancel(assignment=a, by=personas.duty, reason="на другой вызов")
    sweep(at(12) + SECOND)
    rungs = IncidentEscalationStep.objects.filter(incident=call).order_by("pk")
    assert [r.step for r in rungs] == ["waiting_overdue", "waiting_overdue"]
    (audit,) = [e for e in call_audits(call) if "back_in_queue_at" in json.loads(e.data)]

    # then: every key of the rung's data has a label of its own
    assert set(json.loads(audit.data)) <= set(KEY_LABELS)

    # when: a Russian-speaking duty officer opens the call's page
    personas.duty.language = "ru"
    personas.duty.save(update_fields=["language"])
    client.force_login(personas.duty)
    with translation.override("ru"):
        page = client.get(f"/admin/dispatch/incident/{call.pk}/change/").content.decode()

    # then: in Russian (pending the lead's catalog), no English key
    assert "Back in" not in page
    assert "Вернулся в очередь" in page


def call_audits(call: Incident) -> list[Any]:
    from backend.ledger.models import AuditEntry

    return list(
        AuditEntry.objects.filter(
            action="incident.waiting_overdue", object_id=str(call.pk)
        ).order_by("id")
    )
