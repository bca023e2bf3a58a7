"""What the audit log and the timelines name is read in words in every language: each action
has its label, and each key the dispatch services write into an entry's data or an event's
payload has its label (a key without one was shown as English words to a Kazakh reader:
"assignment: recorded on behalf", "Uncertainty: 1:00", "To assignment: 97")."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from backend.common import clock
from backend.common.formatting import KEY_LABELS
from backend.dispatch.admin.timeline import incident_timeline
from backend.dispatch.models import Event
from backend.dispatch.services import (
    assignment_reassign,
    assignment_record_on_behalf,
    incident_close,
    incident_dispatch,
    incident_reopen,
)
from backend.ledger.actions import ACTION_LABELS, AuditAction
from backend.ledger.models import AuditEntry
from tests import factories

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


def keys(data: Any) -> Iterator[str]:
    """Every key of ``data``, nested ones included."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield key
            yield from keys(value)
    elif isinstance(data, list):
        for value in data:
            yield from keys(value)


def test_every_action_of_the_audit_log_has_its_label():
    assert [a for a in AuditAction if a not in ACTION_LABELS] == []


def test_a_call_worked_by_radio_reads_in_words(personas):
    # given: a call; the unit sent reports its arrival by radio, ±1 min; it is handed to
    # another unit, closed and reopened
    with clock.frozen(T0):
        incident = factories.incident(district=personas.a.district, settlement=personas.a.town)
        sent = incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)
    with clock.frozen(T0 + dt.timedelta(minutes=20)):
        assignment_record_on_behalf(
            assignment=sent,
            by=personas.duty,
            kind="on_scene",
            channel="radio",
            occurred_at=T0 + dt.timedelta(minutes=15),
            uncertainty_s=60,
        )
        assignment_reassign(assignment=sent, unit=personas.a.inspector_unit, by=personas.duty)
        incident_close(incident=incident, by=personas.duty, disposition="разобрано")
        incident_reopen(incident=incident, by=personas.duty, reason="перезвонили")

    # then: every action and every key written has its words
    entries = list(AuditEntry.objects.all())
    assert {e.action for e in entries} >= {
        "assignment.recorded_on_behalf",
        "assignment.reassigned",
        "incident.reopened",
    }
    assert {e.action for e in entries if e.action not in ACTION_LABELS} == set()
    written = {k for e in entries for k in keys(e.data_dict)}
    written |= {k for e in Event.objects.all() for k in keys(e.payload)}
    assert {"uncertainty_s", "to_assignment_id", "was"} <= written
    assert written - set(KEY_LABELS) == set()
    # and the call's timeline names its units, not the assignments' row ids
    rows = {r.title: r.detail for r in incident_timeline(incident) if r.kind == "assignment"}
    patrol, inspector = personas.a.patrol.callsign, personas.a.inspector_unit.callsign
    assert rows[f"{patrol} superseded"] == f"replaced by {inspector}"
    assert rows[f"{patrol} dispatched"].startswith("now Superseded, acknowledgement due ")
    assert rows[f"{inspector} dispatched"].startswith("now Cancelled")  # by the close
    assert "#" not in " ".join(rows.values())
    # the arrival the crew gave by radio is their time, not "estimated by server receipt"
    (arrival,) = [
        r.detail for r in incident_timeline(incident) if r.kind == "event" and "On scene" in r.title
    ]
    assert "time as reported, ±" in arrival
    assert "Server receipt time" not in arrival
    # and no audit entry reads by its row id
    assert not any(r.detail.startswith("#") for r in incident_timeline(incident))
