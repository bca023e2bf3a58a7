"""Cursors, pull modes and audience names (PROTOCOL.md §4). Pure.

**Cursor.** ``timestamp``/``last_pulled_at`` is an opaque positive integer below 2**53 (a
JavaScript number stays exact). It is one of:

- a *change sequence number*: everything with ``seq <= cursor`` for the device's audiences
  has been served. Sequence numbers stay below :data:`SNAPSHOT_TAG` (2**52, 4.5e15 changes).
- a *snapshot continuation*: bit 52 set, then a 32-bit snapshot session id (1 and up; 0 is
  reserved for :data:`NOTHING_SERVED`) and a 20-bit page number —
  ``2**52 + session_id * 2**20 + page``. A replacement snapshot larger than one page
  is served page by page; the session (kept by the gateway) remembers the head seq read when
  the snapshot began and which records remain. Continuation values are all ≥ 2**52, so they
  never collide with sequence numbers, and all < 2**53. The last page's ``timestamp`` is the
  head read when the snapshot began, so changes committed meanwhile come next, incrementally.

**Pull mode** (:func:`plan_pull`): a null, unknown (beyond the head: another server, a
restored database) or too old (pruned from the change log) cursor, or one from before the
officer's scope was rebuilt (unit or district change, re-enrolment: the *scope epoch*), gets a
replacement snapshot; a continuation cursor gets the session's next page (a session the
gateway no longer knows → a fresh snapshot); anything else is served incrementally.

**Audiences** name who may see a change-log row: a unit's devices ``u:<unit id>``, a
district's officers ``d:<district id>``, everyone ``*`` (code tables).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from sync.protocol import MAX_SAFE_INT, ProtocolError

EVERYONE: Final = "*"

SNAPSHOT_TAG: Final = 1 << 52
PAGE_BITS: Final = 20
SESSION_BITS: Final = 32
MAX_PAGE: Final = (1 << PAGE_BITS) - 1
MAX_SESSION_ID: Final = (1 << SESSION_BITS) - 1
MAX_SEQ: Final = SNAPSHOT_TAG - 1
# Session 0 is reserved: this cursor means "nothing served yet" (the answer to a pull of an
# empty change log, since a timestamp must be > 0). Pulling with it gets a snapshot.
NOTHING_SERVED: Final = SNAPSHOT_TAG

_NULLS: Final = frozenset(("", "null", "undefined", "None"))


def unit_audience(unit_id: object) -> str:
    return f"u:{unit_id}"


def district_audience(district_id: object) -> str:
    return f"d:{district_id}"


def device_audiences(*, unit_id: object | None, district_id: object | None) -> list[str]:
    """Every audience an officer's device belongs to (officer without a unit: district and
    code tables only)."""
    audiences = [EVERYONE]
    if district_id is not None:
        audiences.append(district_audience(district_id))
    if unit_id is not None:
        audiences.append(unit_audience(unit_id))
    return audiences


@dataclass(frozen=True)
class SnapshotCursor:
    """Where a paged replacement snapshot continues: its session and the page to serve next."""

    session_id: int
    page: int

    def __post_init__(self) -> None:
        if not 0 <= self.session_id <= MAX_SESSION_ID:
            raise ValueError(f"snapshot session id must be within 0..{MAX_SESSION_ID}")
        if not 0 <= self.page <= MAX_PAGE:
            raise ValueError(f"snapshot page must be within 0..{MAX_PAGE}")

    def encode(self) -> int:
        return SNAPSHOT_TAG + (self.session_id << PAGE_BITS) + self.page

    def next(self) -> SnapshotCursor:
        return SnapshotCursor(self.session_id, self.page + 1)


Cursor = int | SnapshotCursor


def decode_cursor(value: int) -> Cursor:
    """A sequence number as is; a tagged value as its :class:`SnapshotCursor`."""
    if not 0 <= value <= MAX_SAFE_INT:
        raise ValueError("a cursor is a non-negative integer below 2**53")
    if value < SNAPSHOT_TAG:
        return value
    rest = value - SNAPSHOT_TAG
    return SnapshotCursor(session_id=rest >> PAGE_BITS, page=rest & MAX_PAGE)


def parse_last_pulled_at(text: str | None) -> Cursor | None:
    """The ``last_pulled_at`` query parameter.

    Missing, empty, ``null`` or ``undefined`` (what a JavaScript app sends before its first
    sync) → None: a replacement snapshot. A non-negative integer below 2**53 → its cursor.
    Anything else (``abc``, ``-1``, ``1.5``, too large) → ``ProtocolError("malformed")``:
    guessing would silently resend or skip data.
    """
    if text is None or text.strip() in _NULLS:
        return None
    digits = text.strip()
    if not digits.isascii() or not digits.isdigit() or len(digits) > 16:
        raise ProtocolError("malformed", "last_pulled_at must be an integer or null")
    value = int(digits)
    if value > MAX_SAFE_INT:
        raise ProtocolError("malformed", "last_pulled_at is out of range")
    return decode_cursor(value)


class PullMode(StrEnum):
    INCREMENTAL = "incremental"  # changes with since < seq <= head
    SNAPSHOT = "snapshot"  # a new replacement snapshot of the whole scope
    SNAPSHOT_CONTINUE = "snapshot_continue"  # the next page of a snapshot session


@dataclass(frozen=True)
class PullPlan:
    """What to serve. ``since``: the cursor of an incremental pull. ``session``: the
    continuation of a snapshot. ``reason`` (snapshots): ``null``, ``unknown``, ``too_old``,
    ``scope_changed``."""

    mode: PullMode
    since: int | None = None
    session: SnapshotCursor | None = None
    reason: str | None = None


def plan_pull(
    *, cursor: Cursor | None, head: int, retained_after: int, scope_epoch: int | None = None
) -> PullPlan:
    """Decide how to answer a pull.

    ``head``: the latest committed change seq (read first, before any change is selected).
    ``retained_after``: every change with ``seq > retained_after`` is still in the log (the
    highest pruned seq; 0 if nothing was pruned). ``scope_epoch``: the seq at which the
    device's officer's scope was rebuilt (None: never) — a cursor below it was served under
    the old scope, so the device needs everything of the new scope at once.
    """
    if cursor is None:
        return PullPlan(PullMode.SNAPSHOT, reason="null")
    if isinstance(cursor, SnapshotCursor):
        if cursor.session_id == 0:
            return PullPlan(PullMode.SNAPSHOT, reason="null")
        return PullPlan(PullMode.SNAPSHOT_CONTINUE, session=cursor)
    if cursor > head:
        return PullPlan(PullMode.SNAPSHOT, reason="unknown")
    if cursor < retained_after:
        return PullPlan(PullMode.SNAPSHOT, reason="too_old")
    if scope_epoch is not None and cursor < scope_epoch:
        return PullPlan(PullMode.SNAPSHOT, reason="scope_changed")
    return PullPlan(PullMode.INCREMENTAL, since=cursor)


def response_timestamp(*, head: int, last_served: int | None, has_more: bool) -> int:
    """The ``timestamp`` of a page: the last seq served when more follow (the device pulls
    again from there at once), else the head read before selecting. Never 0 — WatermelonDB
    refuses a zero timestamp: an empty change log answers :data:`NOTHING_SERVED`, which gets
    a (cheap) snapshot next time, so the first change is not skipped."""
    if has_more:
        if last_served is None:
            raise ValueError("has_more needs the last seq served")
        return last_served
    return head if head > 0 else NOTHING_SERVED
