"""The history builder sweeps when something comes due, as beat would: the officer-safety
checks and the alerts about calls nobody was sent to fire on time in the past it builds,
not at whichever dispatch deadline happens to come next (they had fired minutes late, or
not at all before the crew spoke or a unit was sent)."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from backend.common import clock
from backend.dispatch.ladder import WAITING_OVERDUE
from backend.dispatch.lifecycle import AssignmentStatus
from backend.dispatch.models import Assignment, IncidentEscalationStep, SafetyCheck
from backend.dispatch.services import incident_dispatch
from backend.ledger.actions import AuditAction
from backend.ledger.models import AuditEntry
from backend.simulator import history, scenario
from backend.simulator.engine import Engine
from backend.simulator.ports import InProcessPort
from tests import factories

END = dt.datetime(2026, 11, 20, 14, 0, tzinfo=dt.UTC)


def _late_s(fired_at: dt.datetime, due_at: dt.datetime, *learned: dt.datetime | None) -> float:
    """How long after it could first be known to be due a check or an alert fired: its
    deadline, or later when the server learned of it late (a crew's "on scene" pushed after
    a spell out of coverage, a call raised to an alerted priority or put back in the queue
    past its window) — then a sweep fires it within beat's interval of that moment."""
    return (fired_at - max([due_at, *(t for t in learned if t and t <= fired_at)])).total_seconds()


@pytest.fixture
def built(tmp_path: Path) -> history.Built:
    # A busy evening (ten times the calls): crews stay on scene past their interval, and
    # calls wait with every unit of their district out.
    call_command("seed", "--demo", stdout=io.StringIO())
    rates = {k: v * 10 for k, v in scenario.DAILY_CALLS.items()}
    return history.build(days=0.2, state_dir=tmp_path, seed=11, end=END, rates=rates)


@pytest.mark.django_db(transaction=True)
def test_a_crew_silent_on_scene_past_its_interval_is_checked_on_when_it_falls_due(
    built: history.Built,
) -> None:
    # then: every silence was checked on within beat's interval of its deadline
    checks = SafetyCheck.objects.select_related("assignment__on_scene_event")
    late = []
    for check in checks:
        heard = check.assignment.on_scene_event
        late.append(
            _late_s(check.fired_at, check.due_at, heard.server_received_at if heard else None)
        )
    assert late, "no crew stayed silent on scene past its interval"
    assert all(0 <= s <= settings.KUZET_ESCALATION_SWEEP_SECONDS for s in late), late


@pytest.mark.django_db(transaction=True)
def test_a_call_with_no_free_unit_is_alerted_when_its_dispatch_window_passes(
    built: history.Built,
) -> None:
    # then: each call left waiting past its window was alerted within beat's interval of it
    late = []
    for step in IncidentEscalationStep.objects.filter(step=WAITING_OVERDUE):
        raised = AuditEntry.objects.filter(
            action=AuditAction.INCIDENT_RECLASSIFIED,
            object_type="incident",
            object_id=str(step.incident_id),
        ).values_list("at", flat=True)
        stood_down = Assignment.objects.filter(incident_id=step.incident_id).values_list(
            "cancelled_at", flat=True
        )
        late.append(_late_s(step.fired_at, step.due_at, *raised, *stood_down))
    assert late, "no call waited past its dispatch window"
    assert all(0 <= s <= settings.KUZET_ESCALATION_SWEEP_SECONDS for s in late), late


@pytest.mark.django_db
def test_the_port_leaves_the_ladder_moved_on_as_beat_leaves_it(personas, tmp_path: Path) -> None:
    # given: a P1 in the town dispatched at 12:00; its phone acknowledged, the crew went and
    # cleared (facts from a phone leave the ladder's fields as dispatch wrote them: the first
    # rung, at 12:00:30)
    start = END - dt.timedelta(hours=2)
    with clock.frozen(start):
        call = factories.incident(
            district=personas.a.district, settlement=personas.a.town, priority="P1"
        )
        sent = incident_dispatch(incident=call, unit=personas.a.patrol, by=personas.duty)
    Assignment.objects.filter(pk=sent.pk).update(
        status=AssignmentStatus.CLEARED,
        delivered_at=start,
        acknowledged_at=start,
        on_scene_at=start + dt.timedelta(minutes=5),
        closed_at=start + dt.timedelta(minutes=30),
    )

    # when: the history port lives the two hours (nothing is due: no sweep comes)
    with clock.frozen(start):
        port = InProcessPort(start=start, sms_dir=tmp_path)
        port.run(Engine(port.now), END, lambda _at: None)

    # then: the row is moved on, as beat's next sweep would have left it
    assert Assignment.objects.get().next_escalation_at is None
