"""The dispatch lifecycle: every status, every group of statuses, the milestone table, and
how an incident, an assignment and a unit move. Pure: no queries, no writes.

This is where "an assignment's status only moves forward" and "which statuses count as
open" live. Every writer (the dispatch services, the fact rules, the escalation sweep, the
seed) and every reader (selectors, KPIs, the admin, the live board, the sync scope) takes
them from here.

The sync engine (``sync/``, pure Python, no Django) carries its own copy of the milestone
table and of the assignment status order, since deployed apps speak it;
``tests/backend/dispatch/test_lifecycle.py`` holds the copies equal to this module.

Incident (DOMAIN.md): received → (duplicate) → queued → assigned → active → cleared →
closed → (reopened: queued again); or cancelled. Every new report that is not a duplicate
is ``queued`` — "waiting for a unit" — whether a duty officer typed it or an integration
sent it, and so is a reopened call or one whose units were all taken away: one status, so
that a filter on it finds every waiting call. (Calls entered by staff used to start
``queued`` and reports from intake ``received``, and a filter on "received" missed the
waiting calls typed at the ЦОУ.) ``received`` is no longer given to anything; the value
stays in the protocol's list of statuses because apps deployed before may know it, and
counts as waiting. A unit sent to a ``cleared`` call (the caller rang again before the desk
closed it) makes it ``assigned`` again: DOMAIN.md is silent on it, and a call with a unit on
its way is not one to close.

Assignment: dispatched → delivered → acknowledged → en route → on scene → (transporting) →
cleared; or cancelled / superseded by a command.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from backend.people.models import UnitStatus


class IncidentStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    DUPLICATE = "duplicate", _("Duplicate")
    QUEUED = "queued", _("Queued")
    ASSIGNED = "assigned", _("Assigned")
    ACTIVE = "active", _("Active")
    CLEARED = "cleared", _("Cleared")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class AssignmentStatus(models.TextChoices):
    DISPATCHED = "dispatched", _("Dispatched")
    DELIVERED = "delivered", _("Delivered")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    EN_ROUTE = "en_route", _("En route")
    ON_SCENE = "on_scene", _("On scene")
    TRANSPORTING = "transporting", _("Transporting")
    CLEARED = "cleared", _("Cleared")
    CANCELLED = "cancelled", _("Cancelled")
    SUPERSEDED = "superseded", _("Superseded")


class EventKind(models.TextChoices):
    # Device kinds (PROTOCOL.md §5); kinds are only ever added, never renamed.
    DELIVERED = "delivered", _("Delivered")
    ACK = "ack", _("Acknowledged")
    EN_ROUTE = "en_route", _("En route")
    ON_SCENE = "on_scene", _("On scene")
    TRANSPORTING = "transporting", _("Transporting")
    CLEARED = "cleared", _("Cleared")
    OUTCOME = "outcome", _("Outcome")
    NOTE = "note", _("Note")
    UNIT_STATUS = "unit_status", _("Unit status")
    LOCATION = "location", _("Location")
    SOS = "sos", _("SOS")
    FOLLOW_UP_VISIT = "follow_up_visit", _("Follow-up visit")
    # The officer read the desk's messages on his call up to the one named (docs/protocol.md).
    READ = "read", _("Messages read")
    # Server commands, recorded as facts on the same timeline.
    DISPATCHED = "dispatched", _("Dispatched")
    CANCELLED = "cancelled", _("Cancelled")
    REASSIGNED = "reassigned", _("Reassigned")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened")


DEVICE_EVENT_KINDS: tuple[str, ...] = (
    EventKind.DELIVERED, EventKind.ACK, EventKind.EN_ROUTE, EventKind.ON_SCENE,
    EventKind.TRANSPORTING, EventKind.CLEARED, EventKind.OUTCOME, EventKind.NOTE,
    EventKind.UNIT_STATUS, EventKind.LOCATION, EventKind.SOS, EventKind.FOLLOW_UP_VISIT,
    EventKind.READ,
)  # fmt: skip
# Facts about the unit itself, projected onto the unit (status, position, SOS).
# The cancel_reason the server gives an assignment still open when its call is closed
# (docs/protocol.md): fixed, so that every screen shows it in its reader's language.
CLOSED_WITH_THE_CALL = "incident closed"
# ... and an assignment a unit was taken off to go to a more urgent call instead.
DIVERTED = "diverted to a more urgent call"

UNIT_EVENT_KINDS = frozenset({EventKind.UNIT_STATUS, EventKind.LOCATION, EventKind.SOS})


# --- incidents -------------------------------------------------------------------------------
# Over: no dispatch, not on the board, not on anyone's list of open work.
INCIDENT_ENDED = frozenset(
    {IncidentStatus.CLOSED, IncidentStatus.CANCELLED, IncidentStatus.DUPLICATE}
)
INCIDENT_OPEN = frozenset(s for s in IncidentStatus if s not in INCIDENT_ENDED)
# Ended by a command: a milestone dated after it is ``after_close`` (PROTOCOL.md §6.2).
INCIDENT_COMMANDED_OVER = frozenset({IncidentStatus.CLOSED, IncidentStatus.CANCELLED})
# Nobody is working it yet: it waits for a unit.
INCIDENT_WAITING = frozenset({IncidentStatus.RECEIVED, IncidentStatus.QUEUED})
# What a new report that is not a duplicate starts as, from every channel.
INCIDENT_NEW = IncidentStatus.QUEUED
# A unit on its way makes these ``active``.
INCIDENT_NOT_STARTED = INCIDENT_WAITING | {IncidentStatus.ASSIGNED}
# Statuses in which someone is (or was just) sent: back to the queue when nobody is left.
INCIDENT_STAFFED = frozenset({IncidentStatus.ASSIGNED, IncidentStatus.ACTIVE})


def incident_after_dispatch(status: str) -> str:
    """A waiting incident is ``assigned`` once a unit is sent — and so is a ``cleared`` one a
    unit is sent back to (the caller rang again before the desk closed it): it has open work
    again. It stayed ``cleared`` with the unit on its way, on the desk's list of calls to
    close, whose Close would have cancelled that unit's assignment."""
    return (
        IncidentStatus.ASSIGNED if status in INCIDENT_WAITING | {IncidentStatus.CLEARED} else status
    )


def incident_after_milestone(status: str, kind: str, *, others_open: bool) -> str:
    """What a milestone that became the assignment's status does to its incident.

    A unit on its way, on scene or transporting makes it ``active``; the last open
    assignment cleared makes it ``cleared`` (a duty officer then closes it with a
    disposition). A closed, cancelled or duplicate incident stays as it is.
    """
    if kind in (EventKind.EN_ROUTE, EventKind.ON_SCENE, EventKind.TRANSPORTING):
        return IncidentStatus.ACTIVE if status in INCIDENT_NOT_STARTED else status
    if kind == EventKind.CLEARED and not others_open:
        return IncidentStatus.CLEARED if status in INCIDENT_NOT_STARTED | {"active"} else status
    return status


def incident_after_unstaffed(status: str) -> str:
    """Nobody is assigned any more (cancelled, reassigned away): back to the queue."""
    return IncidentStatus.QUEUED if status in INCIDENT_STAFFED else status


# --- assignments -----------------------------------------------------------------------------
ASSIGNMENT_OPEN: tuple[str, ...] = (
    AssignmentStatus.DISPATCHED,
    AssignmentStatus.DELIVERED,
    AssignmentStatus.ACKNOWLEDGED,
    AssignmentStatus.EN_ROUTE,
    AssignmentStatus.ON_SCENE,
    AssignmentStatus.TRANSPORTING,
)
ASSIGNMENT_TERMINAL: tuple[str, ...] = (
    AssignmentStatus.CLEARED,
    AssignmentStatus.CANCELLED,
    AssignmentStatus.SUPERSEDED,
)
# The order a status may only move forward in; cancelled and superseded end it by command.
ASSIGNMENT_ORDER: tuple[str, ...] = (*ASSIGNMENT_OPEN, AssignmentStatus.CLEARED)
ASSIGNMENT_ENDED_BY_COMMAND = frozenset({AssignmentStatus.CANCELLED, AssignmentStatus.SUPERSEDED})
# Statuses that say the unit acknowledged (or did more), and that it reached the scene.
ASSIGNMENT_ACKNOWLEDGED = frozenset(ASSIGNMENT_ORDER[ASSIGNMENT_ORDER.index("acknowledged") :])
ASSIGNMENT_REACHED_SCENE = frozenset(ASSIGNMENT_ORDER[ASSIGNMENT_ORDER.index("on_scene") :])


def assignment_is_open(status: str) -> bool:
    return status in ASSIGNMENT_OPEN


def assignment_acknowledged(status: str, acknowledged_at: object) -> bool:
    """Acknowledged, by its milestone or by a status past it (en route implies it)."""
    return acknowledged_at is not None or status in ASSIGNMENT_ACKNOWLEDGED


def assignment_reached_scene(status: str, on_scene_at: object) -> bool:
    """The unit got there, by its milestone or by a status past it. For an open assignment
    this is the arrival rule of the ladder and the chief's list (``kpis.reached_scene_q``):
    an "on scene" or a "transporting" time — a status past en route carries one of them."""
    return on_scene_at is not None or status in ASSIGNMENT_REACHED_SCENE


def reached_in_visit(
    on_scene_at: dt.datetime | None,
    transporting_at: dt.datetime | None,
    *,
    reopened_at: dt.datetime | None,
) -> bool:
    """Whether a unit of a call reached its scene in the call's current visit — what stops
    the arrival rung of the call's other units and takes them off the chief's list (the
    database's form: ``kpis.reached_scene_q``).

    An "on scene" time, or a "transporting" one: a crew carrying someone away from the call
    was there though its "on scene" never reached the server, as the rung's own unit is read
    (:func:`assignment_reached_scene`); a crew "cleared" with neither did not reach it. The
    current visit: a reopened call is a new wait for a unit, so only a time at or after
    ``reopened_at`` counts — the crew there before the close stops no unit sent after it."""
    times = [t for t in (on_scene_at, transporting_at) if t is not None]
    if reopened_at is None:
        return bool(times)
    return any(t >= reopened_at for t in times)


# --- milestones ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Milestone:
    """One step of an assignment, established by the earliest accepted event of ``kind``."""

    kind: str  # the event kind that establishes it
    field: str  # the assignment's time field (estimated time of the winning event)
    status: str  # the assignment status it reaches
    # The unit status it puts the unit in; None: the unit's status does not change (cleared
    # releases the unit through :func:`unit_after_assignment_ended`).
    unit_status: str | None

    @property
    def event_field(self) -> str:
        """The assignment's foreign key to the winning event, e.g. ``acknowledged_event``."""
        return self.field.removesuffix("_at") + "_event"


MILESTONES: tuple[Milestone, ...] = (
    Milestone(EventKind.DELIVERED, "delivered_at", AssignmentStatus.DELIVERED, None),
    Milestone(EventKind.ACK, "acknowledged_at", AssignmentStatus.ACKNOWLEDGED, None),
    Milestone(EventKind.EN_ROUTE, "en_route_at", AssignmentStatus.EN_ROUTE, UnitStatus.EN_ROUTE),
    Milestone(EventKind.ON_SCENE, "on_scene_at", AssignmentStatus.ON_SCENE, UnitStatus.ON_SCENE),
    Milestone(
        EventKind.TRANSPORTING,
        "transporting_at",
        AssignmentStatus.TRANSPORTING,
        UnitStatus.TRANSPORTING,
    ),
    Milestone(EventKind.CLEARED, "cleared_at", AssignmentStatus.CLEARED, None),
)
MILESTONE_BY_KIND: dict[str, Milestone] = {m.kind: m for m in MILESTONES}
MILESTONE_KINDS: tuple[str, ...] = tuple(m.kind for m in MILESTONES)


# --- units -----------------------------------------------------------------------------------
# Unit statuses that come from working an assignment: when the unit's last open assignment
# ends, it is available again. The others (busy, out of service, SOS) are the officer's or
# the chief's and stay.
UNIT_ASSIGNMENT_DRIVEN = frozenset(
    {UnitStatus.DISPATCHED, UnitStatus.EN_ROUTE, UnitStatus.ON_SCENE, UnitStatus.TRANSPORTING}
)
# Who can be sent.
UNIT_DISPATCHABLE = frozenset({UnitStatus.AVAILABLE})
# Who can be taken off a less urgent call and sent to a more urgent one (a P0 with every unit
# busy: an officer's SOS in a district of three crews). Not a unit transporting someone.
UNIT_DIVERTIBLE = frozenset({UnitStatus.DISPATCHED, UnitStatus.EN_ROUTE, UnitStatus.ON_SCENE})


def more_urgent(priority: str, than: str) -> bool:
    """Whether ``priority`` ("P0" … "P3") is more urgent than ``than``."""
    return priority < than


def unit_after_assignment_ended(status: str, *, others_open: bool) -> str:
    """A unit whose assignment ended (cleared, cancelled, superseded, closed with its
    incident) is available when nothing else is open and its status came from the work."""
    if others_open or status not in UNIT_ASSIGNMENT_DRIVEN:
        return status
    return UnitStatus.AVAILABLE


# The unit status each open assignment status means for its unit (the milestones' unit
# statuses; before en route the unit is still "dispatched").
_UNIT_STATUS_OF_ASSIGNMENT: dict[str, str] = {
    AssignmentStatus.DISPATCHED: UnitStatus.DISPATCHED,
    AssignmentStatus.DELIVERED: UnitStatus.DISPATCHED,
    AssignmentStatus.ACKNOWLEDGED: UnitStatus.DISPATCHED,
    AssignmentStatus.EN_ROUTE: UnitStatus.EN_ROUTE,
    AssignmentStatus.ON_SCENE: UnitStatus.ON_SCENE,
    AssignmentStatus.TRANSPORTING: UnitStatus.TRANSPORTING,
}


def unit_after_sos(open_assignment_statuses: Iterable[str]) -> str:
    """The status a unit returns to when the desk clears its SOS (the officer is safe): the
    work it is on — the furthest of its open assignments (on scene before en route before
    dispatched) — else available. Busy or out of service is the officer's to set again
    from the phone; guessing it would leave a safe crew unsendable."""
    present = set(open_assignment_statuses)
    order = [s for s in ASSIGNMENT_OPEN if s in present]
    return _UNIT_STATUS_OF_ASSIGNMENT[order[-1]] if order else UnitStatus.AVAILABLE
