"""A call reopened after its first visit, for the tests of the ladder's new wait
(``test_arrival_after_reopen``, ``test_reopen_deadlines``): the times of its story and the
steps the tests take — a sweep at a moment, a unit sent and acknowledged by radio."""

from __future__ import annotations

import datetime as dt
from typing import Any

from backend.common import clock
from backend.dispatch.models import Assignment, Incident
from backend.dispatch.services import (
    assignment_acknowledge_on_behalf,
    escalation_sweep,
    incident_dispatch,
)
from tests.backend.dispatch.conftest import T0

TARGET = T0 + dt.timedelta(minutes=30)  # the first visit's P2 arrival target
CLOSED = T0 + dt.timedelta(minutes=50)
REOPENED = T0 + dt.timedelta(minutes=60)
NEW_TARGET = REOPENED + dt.timedelta(minutes=30)  # 09:30: the reopened call's P2 target
WARNING = {"code": "warning", "text": "провели беседу"}


def at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def sweep(when: dt.datetime) -> None:
    with clock.frozen(when):
        escalation_sweep()


def send(personas: Any, incident: Incident, unit: Any, when: dt.datetime) -> Assignment:
    """``unit`` sent to the call and acknowledged by radio on its behalf (no acknowledgement
    rungs: only the arrival rung is left to fire)."""
    with clock.frozen(when):
        a = incident_dispatch(incident=incident, unit=unit, by=personas.duty)
        assignment_acknowledge_on_behalf(assignment=a, by=personas.duty, channel="radio")
    a.refresh_from_db()
    return a
