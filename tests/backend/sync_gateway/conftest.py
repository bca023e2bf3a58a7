"""Helpers for the sync gateway tests: dispatching without the dispatch services (they are
another engineer's, tested there), a Django-test-client transport for the reference client,
and request helpers for the sync endpoints."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from backend.common import clock
from backend.dispatch.models import Assignment, AssignmentStatus, Incident
from backend.ledger import uow
from backend.people.models import Unit
from tests import factories


def dispatch(
    *, incident: Incident, unit: Unit, at: dt.datetime | None = None, **kw: Any
) -> Assignment:
    """An assignment, touched like dispatch does, so the resolver publishes it."""
    with uow.unit_of_work():
        assignment = factories.assignment(
            incident=incident, unit=unit, dispatched_at=at or clock.now(), **kw
        )
        uow.touch("assignments", assignment.pk)
        uow.touch("incidents", incident.pk)
    return assignment


def cancel(assignment: Assignment, *, at: dt.datetime | None = None, by: Any = None) -> None:
    at = at or clock.now()
    with uow.unit_of_work():
        assignment.status = AssignmentStatus.CANCELLED
        assignment.cancelled_at = at
        assignment.cancelled_by = by
        assignment.closed_at = at
        assignment.save(update_fields=["status", "cancelled_at", "cancelled_by", "closed_at"])
        uow.touch("assignments", assignment.pk)


def reassign(assignment: Assignment, *, to: Unit, at: dt.datetime | None = None) -> Assignment:
    at = at or clock.now()
    with uow.unit_of_work():
        new = factories.assignment(incident=assignment.incident, unit=to, dispatched_at=at)
        assignment.status = AssignmentStatus.SUPERSEDED
        assignment.superseded_at = at
        assignment.superseded_by = new
        assignment.closed_at = at
        assignment.save(update_fields=["status", "superseded_at", "superseded_by", "closed_at"])
        uow.touch("assignments", assignment.pk, new.pk)
        uow.touch("incidents", assignment.incident_id)
    return new


@pytest.fixture
def incident_a(personas: Any) -> Incident:
    return factories.incident(district=personas.a.district, settlement=personas.a.village)


@pytest.fixture
def assignment_a(personas: Any, incident_a: Incident) -> Assignment:
    """A theft in district A dispatched to A's patrol car a minute ago."""
    return dispatch(
        incident=incident_a, unit=personas.a.patrol, at=clock.now() - dt.timedelta(minutes=1)
    )
