"""The escalation ladder's rules (DOMAIN.md, "Escalation ladder"), pure: when each rung of an
assignment falls due and whether it still has a reason to fire. No queries, no writes — the
dispatch command computes the first due time with them, the sweep
(``services/escalation.py``) the rungs due now and the next one.

Rungs, per assignment, with deadlines fixed at dispatch from the escalation policy:

1. ``sms_undelivered`` — not delivered by ``deliver_due_at``.
2. ``ack_overdue`` — not acknowledged by ``ack_due_at``.
3. ``ack_overdue_twice`` — still not acknowledged at twice the acknowledgment deadline.
4. ``arrival_overdue`` — ``arrive_due_at`` passed with nobody of the incident on scene: its
   own unit not on scene or transporting, and no unit of the call with an "on scene" or a
   "transporting" time since the call was last reopened (``incident_on_scene``, read by
   ``services.schedule.incidents_on_scene`` with ``lifecycle.reached_in_visit``; the
   chief's list reads the same, ``kpis.reached_scene_q``). A crew transporting someone from
   the call was there; a crew of the call's visit before its reopen stops no unit sent
   after the caller rang again. The target is counted from when the call's current visit
   began (:func:`arrival_due`): its receipt, or its last reopen.

And one rung per call, for a call nobody was sent to (no assignment, so none of the above):

* ``waiting_overdue`` — still waiting for a unit (``lifecycle.INCIDENT_WAITING``) when its
  dispatch window (``policies.dispatch_within_s``) has passed since it was received — or,
  once alerted, since it came back to the queue (unit stood down, call reopened): once a wait.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

from django.utils.translation import gettext_lazy as _

from . import lifecycle
from .models import EscalationStep, IncidentEscalationStep

Step = EscalationStep.Step
STEPS: tuple[str, ...] = (
    Step.SMS_UNDELIVERED,
    Step.ACK_OVERDUE,
    Step.ACK_OVERDUE_TWICE,
    Step.ARRIVAL_OVERDUE,
)


class LadderState(Protocol):
    """What the rules read of an assignment: a model instance, or a row the sweep claimed."""

    @property
    def status(self) -> str: ...
    @property
    def dispatched_at(self) -> dt.datetime: ...
    @property
    def deliver_due_at(self) -> dt.datetime | None: ...
    @property
    def ack_due_at(self) -> dt.datetime | None: ...
    @property
    def arrive_due_at(self) -> dt.datetime | None: ...
    @property
    def delivered_at(self) -> dt.datetime | None: ...
    @property
    def acknowledged_at(self) -> dt.datetime | None: ...
    @property
    def on_scene_at(self) -> dt.datetime | None: ...


def step_due(a: LadderState, step: str) -> dt.datetime | None:
    if step == Step.SMS_UNDELIVERED:
        return a.deliver_due_at
    if step == Step.ACK_OVERDUE:
        return a.ack_due_at
    if step == Step.ACK_OVERDUE_TWICE:
        if a.ack_due_at is None:
            return None
        return a.dispatched_at + 2 * (a.ack_due_at - a.dispatched_at)
    if step == Step.ARRIVAL_OVERDUE:
        return a.arrive_due_at
    raise ValueError(step)


def step_applies(a: LadderState, step: str, *, incident_on_scene: bool) -> bool:
    """Whether a rung still has a reason to fire, from the assignment's current state.

    ``incident_on_scene``: another unit of the call reached the scene in the call's current
    visit (``services.schedule.incidents_on_scene``: an "on scene" or a "transporting" time
    since it was last reopened)."""
    if not lifecycle.assignment_is_open(a.status):
        return False
    acked = lifecycle.assignment_acknowledged(a.status, a.acknowledged_at)
    if step == Step.SMS_UNDELIVERED:
        return a.delivered_at is None and not acked
    if step in (Step.ACK_OVERDUE, Step.ACK_OVERDUE_TWICE):
        return not acked
    if step == Step.ARRIVAL_OVERDUE:
        return not (
            incident_on_scene or lifecycle.assignment_reached_scene(a.status, a.on_scene_at)
        )
    raise ValueError(step)


def plan(
    a: LadderState, *, fired: set[str], incident_on_scene: bool, now: dt.datetime
) -> tuple[list[str], dt.datetime | None]:
    """The rungs due now (in ladder order) and when the next one falls due (None: never)."""
    due_now: list[str] = []
    later: list[dt.datetime] = []
    for step in STEPS:
        due = step_due(a, step)
        if (
            due is None
            or step in fired
            or not step_applies(a, step, incident_on_scene=incident_on_scene)
        ):
            continue
        if due <= now:
            due_now.append(step)
        else:
            later.append(due)
    return due_now, (min(later) if later else None)


def next_due(a: LadderState, *, fired: set[str], incident_on_scene: bool) -> dt.datetime | None:
    """The earliest due time of the rungs still to fire (for a new or changed assignment)."""
    dues = [
        due
        for step in STEPS
        if (due := step_due(a, step)) is not None
        and step not in fired
        and step_applies(a, step, incident_on_scene=incident_on_scene)
    ]
    return min(dues) if dues else None


# --- the rung of a call nobody was sent to ---------------------------------------------------
WAITING_OVERDUE = IncidentEscalationStep.Step.WAITING_OVERDUE


# What a fired rung is called where people read that it fired: the board's alerts
# (``realtime.board``) and the worker's log line of a sweep (``tasks.sweep_text``).
FIRED_LABELS: dict[str, Any] = {
    Step.SMS_UNDELIVERED: _("Not delivered: SMS sent"),
    Step.ACK_OVERDUE: _("Not acknowledged in time"),
    Step.ACK_OVERDUE_TWICE: _("Still not acknowledged: next unit"),
    Step.ARRIVAL_OVERDUE: _("Arrival overdue"),
    WAITING_OVERDUE: _("Waiting for a unit"),
}


def waiting_due(*, received_at: dt.datetime, within_s: int) -> dt.datetime:
    """When a call still without a unit falls due for ``waiting_overdue``."""
    return received_at + dt.timedelta(seconds=within_s)


def arrival_due(
    *, received_at: dt.datetime, reopened_at: dt.datetime | None, within_s: int | None
) -> dt.datetime | None:
    """An assignment's ``arrive_due_at``: the policy's arrival target counted from when the
    call's current visit began — its receipt, or its last reopen (None: no target, P3).

    A reopened call is a new wait for a unit, as ``waiting_overdue`` counts its wait since the
    call came back to the queue: a unit sent after the caller rang again had its target
    counted from the first receipt, hours gone, so its rung fired at the first sweep after
    the dispatch and the board, the chief and the crew's phone read it overdue the moment it
    was sent. The response time (first "on scene" − receipt) and the call's SLA target
    (``kpis.incidents_with_sla``) still count from the receipt."""
    if within_s is None:
        return None
    return (reopened_at or received_at) + dt.timedelta(seconds=within_s)
