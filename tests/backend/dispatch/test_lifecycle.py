"""The lifecycle is the one definition of statuses and milestones; sync/ carries copies for
the apps, held equal here."""

from __future__ import annotations

import pytest

from backend.dispatch import lifecycle
from backend.dispatch.lifecycle import AssignmentStatus, EventKind, IncidentStatus
from backend.dispatch.models import Assignment
from backend.ledger.names import SyncTable
from backend.people.models import UnitStatus
from sync import protocol, rules


def test_sync_copies_of_the_milestone_table_equal_the_lifecycle():
    # then
    assert protocol.MILESTONE_KINDS == lifecycle.MILESTONE_KINDS
    assert dict(protocol.MILESTONE_FIELDS) == {m.kind: m.field for m in lifecycle.MILESTONES}
    assert dict(protocol.MILESTONE_STATUSES) == {m.kind: m.status for m in lifecycle.MILESTONES}
    assert rules.STATUS_ORDER == lifecycle.ASSIGNMENT_ORDER
    assert rules.FINAL_STATUSES == lifecycle.ASSIGNMENT_ENDED_BY_COMMAND
    assert protocol.DEVICE_EVENT_KINDS == lifecycle.DEVICE_EVENT_KINDS
    assert protocol.UNIT_KINDS == lifecycle.UNIT_EVENT_KINDS
    assert tuple(UnitStatus.values) == protocol.UNIT_STATUSES
    assert set(protocol.SYNCED_TABLES) == set(SyncTable)


def test_every_milestone_names_real_assignment_fields():
    # given
    fields = {f.name for f in Assignment._meta.get_fields()}

    # then
    for m in lifecycle.MILESTONES:
        assert {m.field, m.event_field} <= fields, m
        assert m.status in AssignmentStatus.values
        assert m.kind in EventKind.values


def test_the_status_groups_partition_the_statuses():
    # then
    assert set(lifecycle.ASSIGNMENT_OPEN) | set(lifecycle.ASSIGNMENT_TERMINAL) == set(
        AssignmentStatus.values
    )
    assert not set(lifecycle.ASSIGNMENT_OPEN) & set(lifecycle.ASSIGNMENT_TERMINAL)
    assert set(IncidentStatus.values) == lifecycle.INCIDENT_OPEN | lifecycle.INCIDENT_ENDED
    assert not lifecycle.INCIDENT_OPEN & lifecycle.INCIDENT_ENDED


@pytest.mark.parametrize(
    ("status", "after"),
    [
        ("received", "assigned"),
        ("queued", "assigned"),
        ("assigned", "assigned"),
        ("active", "active"),
        ("cleared", "assigned"),
        ("closed", "closed"),
    ],
)
def test_a_dispatch_assigns_only_a_waiting_incident(status, after):
    assert lifecycle.incident_after_dispatch(status) == after


@pytest.mark.parametrize(
    ("status", "kind", "others_open", "after"),
    [
        ("assigned", "ack", False, "assigned"),
        ("assigned", "en_route", False, "active"),
        ("queued", "on_scene", False, "active"),
        ("active", "transporting", False, "active"),
        ("active", "cleared", True, "active"),
        ("active", "cleared", False, "cleared"),
        ("assigned", "cleared", False, "cleared"),
        ("closed", "on_scene", False, "closed"),
        ("cancelled", "cleared", False, "cancelled"),
        ("duplicate", "en_route", False, "duplicate"),
    ],
)
def test_a_milestone_moves_the_incident_forward_only_while_it_is_worked(
    status, kind, others_open, after
):
    assert lifecycle.incident_after_milestone(status, kind, others_open=others_open) == after


@pytest.mark.parametrize(
    ("status", "after"),
    [("assigned", "queued"), ("active", "queued"), ("cleared", "cleared"), ("closed", "closed")],
)
def test_an_incident_nobody_works_goes_back_to_the_queue(status, after):
    assert lifecycle.incident_after_unstaffed(status) == after


@pytest.mark.parametrize(
    ("status", "others_open", "after"),
    [
        ("on_scene", False, "available"),
        ("dispatched", False, "available"),
        ("on_scene", True, "on_scene"),
        ("busy", False, "busy"),
        ("out_of_service", False, "out_of_service"),
        ("sos", False, "sos"),
    ],
)
def test_a_unit_is_released_only_from_statuses_its_work_gave_it(status, others_open, after):
    assert lifecycle.unit_after_assignment_ended(status, others_open=others_open) == after


@pytest.mark.parametrize(
    ("status", "acknowledged_at", "acked", "reached"),
    [
        ("dispatched", None, False, False),
        ("delivered", None, False, False),
        ("acknowledged", None, True, False),
        ("en_route", None, True, False),
        ("on_scene", None, True, True),
        ("cleared", None, True, True),
        ("cancelled", "2026-01-01", True, False),
    ],
)
def test_acknowledged_and_on_scene_follow_the_status_order(status, acknowledged_at, acked, reached):
    assert lifecycle.assignment_acknowledged(status, acknowledged_at) is acked
    assert lifecycle.assignment_reached_scene(status, None) is reached
