"""The server's time source.

Every decision about deadlines, SLAs and escalation uses this clock, never a device's.
Tests move it with :func:`frozen`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator

_offset = dt.timedelta(0)
_frozen: dt.datetime | None = None


def now() -> dt.datetime:
    """Timezone-aware UTC now."""
    if _frozen is not None:
        return _frozen
    return dt.datetime.now(dt.UTC) + _offset


def now_ms() -> int:
    return to_ms(now())


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MS = dt.timedelta(milliseconds=1)


def to_ms(value: dt.datetime) -> int:
    """Milliseconds since the epoch, floored exactly (no float rounding).

    ``int(value.timestamp() * 1000)`` can land one millisecond low (…124 ms is …123.99999 as
    a float); this is the same floor PostgreSQL computes, so SQL and Python agree.
    """
    return (value - _EPOCH) // _MS


def from_ms(value: int) -> dt.datetime:
    return _EPOCH + dt.timedelta(milliseconds=value)


def opt_ms(value: dt.datetime | None) -> int | None:
    return None if value is None else to_ms(value)


@contextlib.contextmanager
def frozen(at: dt.datetime) -> Iterator[None]:
    """Freeze the server clock for the whole process (tests only).

    The frozen time is process-wide, not per thread: freeze once around concurrent threads,
    never inside each of them (their exits would restore each other's values).
    """
    global _frozen
    previous = _frozen
    _frozen = at
    try:
        yield
    finally:
        _frozen = previous


def advance(delta: dt.timedelta) -> None:
    """Move the frozen clock forward, or offset the live clock (tests only)."""
    global _frozen, _offset
    if _frozen is not None:
        _frozen = _frozen + delta
    else:
        _offset = _offset + delta


def is_moved() -> bool:
    """True while a test has frozen or offset the clock."""
    return _frozen is not None or _offset != dt.timedelta(0)


def reset() -> None:
    """Back to the real clock (tests only)."""
    global _frozen, _offset
    _frozen = None
    _offset = dt.timedelta(0)
