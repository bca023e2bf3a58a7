"""What the console's pages share: the things that need district A now (and the same in
district B, which must not count)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from backend.common import clock
from backend.devices.models import Device
from backend.dispatch.models import (
    Conflict,
    EscalationStep,
    FollowUpTask,
    IncidentEscalationStep,
)
from backend.sync_gateway.models import QuarantinedRecord
from tests import factories


@pytest.fixture
def needs(personas) -> dict[str, set[Any]]:
    """What needs district A now, by home-page key (the chief's and the duty desk's): the
    records expected on each list."""
    now = clock.now()

    def ago(**kw: Any) -> dt.datetime:
        return now - dt.timedelta(**kw)

    expected: dict[str, set[Any]] = {}
    for side in ("a", "b"):
        p = getattr(personas, side)
        incident = factories.incident(
            district=p.district, settlement=p.village, received_at=ago(hours=1)
        )
        overdue = factories.assignment(
            incident=incident, unit=p.patrol, dispatched_at=ago(hours=1), ack_due_at=ago(minutes=58)
        )
        fine = factories.assignment(
            incident=incident,
            unit=p.inspector_unit,
            dispatched_at=ago(hours=1),
            ack_due_at=ago(minutes=58),
            acknowledged_at=ago(minutes=59),
            status="acknowledged",
        )
        step = EscalationStep.objects.create(
            assignment=overdue,
            step="ack_overdue_twice",
            due_at=ago(minutes=56),
            fired_at=ago(minutes=56),
        )
        EscalationStep.objects.create(
            assignment=fine,
            step="ack_overdue_twice",
            due_at=ago(minutes=56),
            fired_at=ago(minutes=56),
        )
        device_id, _ = personas.device(p.patrol_officers[0])
        Device.objects.filter(pk=device_id).update(last_seen_at=ago(hours=13))
        fresh_id, _ = personas.device(p.patrol_officers[1])
        Device.objects.filter(pk=fresh_id).update(last_seen_at=ago(minutes=5))
        event = factories.event(
            id=f"ev-needs-{side}",
            source="server",
            assignment=overdue,
            incident=incident,
            unit=p.patrol,
            disposition="not_assignee",
            at=now,
        )
        conflict = Conflict.objects.create(
            kind="not_assignee", district=p.district, incident=incident, event=event, opened_at=now
        )
        Conflict.objects.create(
            kind="clock_suspect",
            district=p.district,
            incident=incident,
            event=event,
            opened_at=now,
            state="resolved",
            resolution="noted",
            resolved_at=now,
        )
        p.inspector_unit.status = "sos"
        p.inspector_unit.save(update_fields=["status"])
        late = FollowUpTask.objects.create(
            incident=incident, district=p.district, due_at=ago(days=1)
        )
        FollowUpTask.objects.create(
            incident=incident, district=p.district, due_at=ago(days=1), done_at=ago(days=2)
        )
        FollowUpTask.objects.create(
            incident=incident, district=p.district, due_at=now + dt.timedelta(days=1)
        )
        waiting = QuarantinedRecord.objects.create(
            district=p.district,
            table="events",
            operation="created",
            raw="{}",
            reason="invalid",
            received_at=now,
        )
        QuarantinedRecord.objects.create(
            district=p.district,
            table="events",
            operation="created",
            raw="{}",
            reason="invalid",
            received_at=now,
            reviewed_at=now,
        )
        # The desk's calls: one waiting in the queue (the call above, received, waits too),
        # one cleared and waiting to be closed, one closed that waits for nobody.
        queued = factories.incident(district=p.district, settlement=p.village, status="queued")
        cleared = factories.incident(district=p.district, settlement=p.village, status="cleared")
        factories.incident(
            district=p.district,
            settlement=p.village,
            status="closed",
            received_at=ago(hours=2),
            closed_at=ago(hours=1),
        )
        # The queued call waited past its dispatch deadline (the sweep alerted the chief);
        # so did the cleared one, which has since had its unit and waits for nobody.
        # A third was alerted too, then sent a unit that was stood down a minute ago: back in
        # the queue, its new wait is not overdue yet.
        requeued = factories.incident(district=p.district, settlement=p.village, status="queued")
        for late_call in (queued, cleared, requeued):
            IncidentEscalationStep.objects.create(
                incident=late_call,
                step="waiting_overdue",
                due_at=ago(minutes=30),
                fired_at=ago(minutes=30),
            )
        factories.assignment(
            incident=requeued,
            unit=p.patrol,
            dispatched_at=ago(minutes=20),
            status="cancelled",
            cancelled_at=ago(minutes=1),
            closed_at=ago(minutes=1),
        )
        if side == "a":
            expected = {
                "calls_waiting": {incident.pk, queued.pk, requeued.pk},
                "calls_to_close": {cleared.pk},
                "calls_waiting_overdue": {queued.pk},
                "open_conflicts": {conflict.pk},
                "overdue_assignments": {overdue.pk},
                "sos_units": {p.inspector_unit.pk},
                "escalations": {step.pk},
                "silent_devices": {device_id},
                "overdue_follow_ups": {late.pk},
                "quarantined": {waiting.pk},
            }  # fmt: skip
    return expected
