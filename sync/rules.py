"""How facts become state, and what counts as a conflict (PROTOCOL.md §6). Pure functions.

The gateway loads a *view* of the current state (an assignment, a unit's status and
position, an incident's outcome), builds a :class:`Fact` from a stored event and its time
estimate, asks ``decide*`` what follows, and writes the decision back (with the row locked).
Deciding is order independent: applying any permutation of a set of facts, with
duplicates, ends in the same projection — because every projection is a minimum or maximum
over the facts under a total order (time, then event id), never "last one processed wins".

Ids are the wire ids (strings) in both views and facts.

Dispositions (``Event.disposition``): ``applied`` (the fact drives the projection),
``superseded`` (an earlier/later fact of the same kind drives it instead), ``recorded`` (kept,
nothing to project: notes, outcome revisions, location history), ``after_cancel`` /
``after_reassign`` / ``after_close`` (after an authoritative server command: kept, not
projected, conflict), ``not_assignee`` (on another unit's assignment: kept, conflict).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Final, Literal

from sync.protocol import MILESTONE_KINDS, MILESTONE_STATUSES

APPLIED: Final = "applied"
SUPERSEDED: Final = "superseded"
RECORDED: Final = "recorded"
AFTER_CANCEL: Final = "after_cancel"
AFTER_REASSIGN: Final = "after_reassign"
AFTER_CLOSE: Final = "after_close"
NOT_ASSIGNEE: Final = "not_assignee"
OUTCOME_MISMATCH: Final = "outcome_mismatch"

# Assignment statuses in lifecycle order; cancelled and superseded are terminal and final.
STATUS_ORDER: Final = (
    "dispatched",
    "delivered",
    "acknowledged",
    "en_route",
    "on_scene",
    "transporting",
    "cleared",
)
FINAL_STATUSES: Final = frozenset(("cancelled", "superseded"))
# Milestone kinds the app sends by itself, not an officer's act.
RECEIPT_KINDS: Final = frozenset(("delivered",))

# Sources (mirror backend.dispatch.models.EventSource): the field side and the office side.
DEVICE_SOURCES: Final = frozenset(("app", "sms"))
OFFICE_SOURCES: Final = frozenset(("on_behalf", "backfill", "server"))

Source = Literal["app", "sms", "on_behalf", "backfill", "server"]


@dataclass(frozen=True)
class MilestoneFact:
    """The event that currently establishes a milestone, and its estimated time."""

    event_id: str
    at_ms: int


@dataclass(frozen=True)
class Fact:
    """A stored event as the rules see it.

    ``at_ms``/``uncertainty_ms`` are the time estimate (:mod:`sync.timing`), ``received_ms``
    the server receipt. ``unit_id`` is the unit on whose behalf the fact is stated — the
    sender's unit for a device or an SMS reply — and is checked against the assignee;
    ``None`` means an office actor with authority over the assignment (a duty officer acting
    on the officer's behalf, a chief's backfill), never checked. ``source`` tells the field
    side (app, sms) from the office side (on_behalf, backfill, server).
    """

    event_id: str
    kind: str
    at_ms: int
    received_ms: int
    unit_id: str | None
    uncertainty_ms: int | None = 0
    source: Source = "app"
    payload: Mapping[str, Any] = field(default_factory=dict)

    @property
    def order_key(self) -> tuple[int, str]:
        return (self.at_ms, self.event_id)


@dataclass(frozen=True)
class AssignmentView:
    """What the rules need of an assignment. Command times are server times (ms);
    ``closed_ms`` is when its *incident* was closed."""

    id: str
    unit_id: str
    status: str
    dispatched_ms: int
    milestones: Mapping[str, MilestoneFact] = field(default_factory=dict)
    cancelled_ms: int | None = None
    superseded_ms: int | None = None
    closed_ms: int | None = None


@dataclass(frozen=True)
class Decision:
    """What to do with one fact on an assignment.

    ``milestone_update`` is the milestone's new winning event (write ``<m>_at`` and
    ``<m>_event``); ``superseded_event_id`` the previous winner, whose disposition becomes
    ``superseded``; ``new_status`` the assignment's status afterwards (unchanged or further
    along, never backwards); ``conflict`` the kind of conflict to open, if any.
    """

    disposition: str
    conflict: str | None
    milestone_update: MilestoneFact | None
    superseded_event_id: str | None
    new_status: str


def status_rank(status: str) -> int:
    return STATUS_ORDER.index(status) if status in STATUS_ORDER else -1


def furthest_status(current: str, milestones: Mapping[str, MilestoneFact]) -> str:
    """The furthest of ``current`` and the milestones reached; cancelled/superseded stay."""
    if current in FINAL_STATUSES:
        return current
    best = current
    for kind in milestones:
        status = MILESTONE_STATUSES[kind]
        if status_rank(status) > status_rank(best):
            best = status
    return best


def decide(view: AssignmentView, fact: Fact) -> Decision:
    """Apply §6.1-§6.3 to one fact about ``view``.

    - §6.3: a fact stated for another unit → ``not_assignee`` + conflict, nothing projected.
    - Notes and outcomes are ``recorded`` (outcomes are projected by :func:`decide_outcome`).
    - §6.2: a milestone estimated at or after the earliest server command that ended the
      assignment (cancel, reassign, incident close) → ``after_cancel``/``after_reassign``/
      ``after_close`` + conflict, not projected; one estimated before it still counts. A late
      ``delivered`` receipt gets the disposition but no conflict.
    - §6.1: the earliest milestone of its kind by (estimated time, event id) is ``applied``;
      the one it beats becomes ``superseded``; a later one is ``superseded`` itself. Status is
      the furthest milestone reached and never moves backwards; a cancelled or superseded
      assignment keeps its status even when an earlier milestone arrives late (its time is
      still recorded).

    Re-deciding a fact that already won (same event id) changes nothing: ``applied``.
    """
    if fact.unit_id is not None and fact.unit_id != view.unit_id:
        return Decision(NOT_ASSIGNEE, NOT_ASSIGNEE, None, None, view.status)
    if fact.kind not in MILESTONE_KINDS:
        return Decision(RECORDED, None, None, None, view.status)

    command = _ending_command(view, fact.at_ms)
    if command is not None:
        # A delivery receipt is the app's automatic answer to receiving the assignment, often
        # in the same pull as its cancellation: kept with the disposition, but nothing for a
        # chief to resolve (§6.1 lists ack, en_route, on_scene, cleared as the milestones).
        conflict = None if fact.kind in RECEIPT_KINDS else command
        return Decision(command, conflict, None, None, view.status)

    current = view.milestones.get(fact.kind)
    if current is not None and current.event_id == fact.event_id:
        return Decision(APPLIED, None, None, None, view.status)
    if current is not None and (current.at_ms, current.event_id) < fact.order_key:
        return Decision(SUPERSEDED, None, None, None, view.status)

    update = MilestoneFact(fact.event_id, fact.at_ms)
    milestones = {**view.milestones, fact.kind: update}
    return Decision(
        APPLIED,
        None,
        update,
        current.event_id if current is not None else None,
        furthest_status(view.status, milestones),
    )


def _ending_command(view: AssignmentView, at_ms: int) -> str | None:
    commands = [
        (ms, order, name)
        for order, (ms, name) in enumerate(
            (
                (view.cancelled_ms, AFTER_CANCEL),
                (view.superseded_ms, AFTER_REASSIGN),
                (view.closed_ms, AFTER_CLOSE),
            )
        )
        if ms is not None and at_ms >= ms
    ]
    return min(commands)[2] if commands else None


def apply_decision(view: AssignmentView, fact: Fact, decision: Decision) -> AssignmentView:
    """The view after ``decision`` (what the gateway writes to the row, as a pure value)."""
    milestones = view.milestones
    if decision.milestone_update is not None:
        milestones = {**milestones, fact.kind: decision.milestone_update}
    return replace(view, milestones=milestones, status=decision.new_status)


# --- §6.6 unit status and position -------------------------------------------------------


@dataclass(frozen=True)
class UnitStatusView:
    """A unit's current status and the fact behind it.

    ``status_at_ms``/``status_event_id``: the effective time (:attr:`UnitDecision.at_ms`, store
    it) and event of the status in force; None when it was set outside the event log, e.g. at
    creation. ``chief_out_of_service_ms``: the server time of the latest ``out_of_service``
    set by a chief, if any.
    """

    unit_id: str
    status: str
    status_at_ms: int | None = None
    status_event_id: str | None = None
    chief_out_of_service_ms: int | None = None


@dataclass(frozen=True)
class UnitDecision:
    """``update``: make this fact the unit's status (or position), effective at ``at_ms``.
    ``superseded_event_id``: the fact it replaces, whose disposition becomes
    ``replaced_disposition`` (``superseded`` for statuses, ``recorded`` for positions)."""

    disposition: str
    update: bool
    new_status: str
    at_ms: int
    superseded_event_id: str | None = None
    replaced_disposition: str = SUPERSEDED


def fact_unit_status(fact: Fact) -> str:
    """The status a ``unit_status`` or ``sos`` fact states."""
    if fact.kind == "sos":
        return "sos"
    status = fact.payload.get("status")
    if not isinstance(status, str):
        raise ValueError("a unit_status fact needs payload['status']")
    return status


def effective_status_ms(current: UnitStatusView, fact: Fact) -> int:
    """When a status fact takes effect, for ordering.

    Its estimated time — except that a field-side status that *might* be before the chief's
    latest ``out_of_service`` (its estimate minus its uncertainty reaches back to it) ranks
    just before that command: when in doubt, the chief's command stands. (A status the server
    received before the command is estimated before it anyway: estimates never exceed
    receipt.)
    """
    oos = current.chief_out_of_service_ms
    if oos is None or fact.source not in DEVICE_SOURCES or fact.at_ms < oos:
        return fact.at_ms
    if fact.uncertainty_ms is not None and fact.at_ms - fact.uncertainty_ms > oos:
        return fact.at_ms
    return oos - 1


def decide_unit_status(current: UnitStatusView, fact: Fact) -> UnitDecision:
    """§6.6: the latest status by effective time (then event id) wins; an ``out_of_service``
    set by a chief wins over field statuses recorded before it, or possibly before it
    (:func:`effective_status_ms`). Losers are ``superseded`` (kept, not projected).

    Order independent as long as the chief's command is in the view before any field fact
    the server received after the command — true when facts are decided as they arrive.
    """
    status = fact_unit_status(fact)
    at = effective_status_ms(current, fact)
    if fact.event_id == current.status_event_id:
        return UnitDecision(APPLIED, False, current.status, at)
    current_key = (current.status_at_ms, current.status_event_id or "")
    if current.status_at_ms is not None and current_key > (at, fact.event_id):
        return UnitDecision(SUPERSEDED, False, current.status, at)
    return UnitDecision(APPLIED, True, status, at, current.status_event_id)


def apply_unit_decision(
    current: UnitStatusView, fact: Fact, decision: UnitDecision
) -> UnitStatusView:
    """The status view after ``decision`` (pure). A chief's ``out_of_service`` also moves
    ``chief_out_of_service_ms``."""
    view = current
    if fact.source in OFFICE_SOURCES and fact_unit_status(fact) == "out_of_service":
        latest = current.chief_out_of_service_ms
        if latest is None or fact.at_ms > latest:
            view = replace(view, chief_out_of_service_ms=fact.at_ms)
    if decision.update:
        view = replace(
            view,
            status=decision.new_status,
            status_at_ms=decision.at_ms,
            status_event_id=fact.event_id,
        )
    return view


@dataclass(frozen=True)
class PositionView:
    """A unit's last known position: its estimated time and event (None if unknown)."""

    unit_id: str
    position_at_ms: int | None = None
    position_event_id: str | None = None


def decide_location(current: PositionView, fact: Fact) -> UnitDecision:
    """§6.6 for positions: the latest by estimated time (then event id) becomes the unit's
    position (``applied``); older ones are history (``recorded``). Position facts are
    ``location`` events and any other event carrying coordinates; ``new_status`` is unused."""
    if fact.event_id == current.position_event_id:
        return UnitDecision(APPLIED, False, "", fact.at_ms)
    if current.position_at_ms is not None:
        current_key = (current.position_at_ms, current.position_event_id or "")
        if current_key > fact.order_key:
            return UnitDecision(RECORDED, False, "", fact.at_ms)
    return UnitDecision(APPLIED, True, "", fact.at_ms, current.position_event_id, RECORDED)


# --- §6.4 outcomes -----------------------------------------------------------------------


@dataclass(frozen=True)
class OutcomeRevision:
    event_id: str
    code: str
    received_ms: int
    source: Source


@dataclass(frozen=True)
class OutcomeView:
    """An incident's outcome revisions that matter: the one shown (latest by receipt) and the
    latest of each side (field: app/SMS; office: chief/duty officer)."""

    shown: OutcomeRevision | None = None
    latest_field: OutcomeRevision | None = None
    latest_office: OutcomeRevision | None = None


@dataclass(frozen=True)
class OutcomeDecision:
    """``show``: this revision becomes the incident's outcome. ``conflict``:
    ``outcome_mismatch`` when the other side's latest revision has a different code."""

    disposition: str
    show: bool
    conflict: str | None


def _revision_key(revision: OutcomeRevision) -> tuple[int, str]:
    return (revision.received_ms, revision.event_id)


def fact_outcome(fact: Fact) -> OutcomeRevision:
    code = fact.payload.get("code")
    if not isinstance(code, str):
        raise ValueError("an outcome fact needs payload['code']")
    return OutcomeRevision(fact.event_id, code, fact.received_ms, fact.source)


def decide_outcome(current: OutcomeView, fact: Fact) -> OutcomeDecision:
    """§6.4: every outcome is kept as a revision (``recorded``); the latest by server receipt
    (then event id) is shown; a revision whose code differs from the other side's latest one
    opens ``outcome_mismatch``. Outcomes from the same side correct each other silently."""
    revision = fact_outcome(fact)
    show = current.shown is None or (
        current.shown.event_id != revision.event_id
        and _revision_key(revision) > _revision_key(current.shown)
    )
    other = current.latest_office if fact.source in DEVICE_SOURCES else current.latest_field
    conflict = OUTCOME_MISMATCH if other is not None and other.code != revision.code else None
    return OutcomeDecision(RECORDED, show, conflict)


def apply_outcome(current: OutcomeView, fact: Fact, decision: OutcomeDecision) -> OutcomeView:
    """The outcome view after ``decision`` (pure; for tests and the gateway's bookkeeping)."""
    revision = fact_outcome(fact)
    shown = revision if decision.show else current.shown
    if fact.source in DEVICE_SOURCES:
        latest = current.latest_field
        if latest is None or _revision_key(revision) > _revision_key(latest):
            return replace(current, shown=shown, latest_field=revision)
    else:
        latest = current.latest_office
        if latest is None or _revision_key(revision) > _revision_key(latest):
            return replace(current, shown=shown, latest_office=revision)
    return replace(current, shown=shown)
