"""The live summary's escalations are the rungs the worker fired during the run, as the
operator reads them beside the worker's log ("Escalations: …"): they were counted by the
assignment's dispatch, and the summary read "escalations 0" right after the start while the
log showed rungs firing on the calls the history or an earlier run left open."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from backend.dispatch.models import EscalationStep, IncidentEscalationStep
from backend.simulator.report import snapshot, summary_line
from backend.simulator.world import Stats
from tests import factories

pytestmark = pytest.mark.django_db

STARTED = dt.datetime(2026, 12, 7, 6, 0, tzinfo=dt.UTC)  # the run's start


def minutes(n: float) -> dt.datetime:
    return STARTED + dt.timedelta(minutes=n)


def no_phones() -> SimpleNamespace:
    """The simulated world as the summary reads it, without crews: only the database counts."""
    return SimpleNamespace(crews={}, stats=Stats())


def test_the_rungs_fired_since_the_start_count_on_whatever_call_and_none_fired_before(personas):
    # given: a call the history left open, its unit sent an hour before the run started
    left = factories.incident(
        district=personas.a.district, settlement=personas.a.town, received_at=minutes(-65)
    )
    assignment = factories.assignment(
        incident=left, unit=personas.a.patrol, dispatched_at=minutes(-60)
    )
    # ... its acknowledgment rung fired before the start, its arrival rung after it
    EscalationStep.objects.create(
        assignment=assignment, step="ack_overdue", due_at=minutes(-58), fired_at=minutes(-58)
    )
    EscalationStep.objects.create(
        assignment=assignment, step="arrival_overdue", due_at=minutes(2), fired_at=minutes(2)
    )
    # ... and a call nobody was sent to, alerted once before the start and once (a new wait)
    # after it: the worker's log names that rung among its escalations too
    waiting = factories.incident(
        district=personas.b.district, settlement=personas.b.village, received_at=minutes(-30)
    )
    for fired in (minutes(-28), minutes(5)):
        IncidentEscalationStep.objects.create(
            incident=waiting, step="waiting_overdue", due_at=fired, fired_at=fired
        )

    # when
    snap = snapshot(no_phones(), STARTED)

    # then: the two fired during the run, none of the two fired before it
    assert snap.escalations == 2
    assert "escalations 2 ·" in summary_line(snap)
