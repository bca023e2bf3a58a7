"""How the consoles write times and durations: one clock (the district's local time, with
the date when it is not today), durations in minutes and seconds, uncertainty as ±."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from backend.common import clock


def when_text(value: dt.datetime | None, *, today: dt.date | None = None) -> str:
    """A time in the district's time zone (Kazakhstan, UTC+5): ``09:06:45`` today,
    ``02.12.2026 09:06:45`` on another day."""
    if value is None:
        return "—"
    local = timezone.localtime(value)
    today = today or timezone.localdate()
    if local.date() == today:
        return f"{local:%H:%M:%S}"
    return f"{local:%d.%m.%Y %H:%M:%S}"


def ms_text(value: int | None) -> str:
    """A device's raw millisecond time (wall clock, GPS) in local time; the raw value is kept
    on the event, not shown."""
    if value is None:
        return "—"
    try:
        return when_text(clock.from_ms(value))
    except (OverflowError, OSError, ValueError):
        return "unreadable"


def uncertainty_text(ms: int | None) -> str:
    if ms is None:
        return "± ?"
    if ms < 10_000:
        return f"± {ms / 1000:.1f} s"
    if ms < 3_600_000:
        return f"± {ms // 60_000} min {ms // 1000 % 60} s"
    return f"± {ms / 3_600_000:.1f} h"


def duration_text(value: int | None) -> str:
    if value is None:
        return "—"
    sign, value = ("−", -value) if value < 0 else ("", value)
    if value < 60:
        return f"{sign}{value} s"
    if value < 3600:
        return f"{sign}{value // 60} min {value % 60:02d} s"
    return f"{sign}{value // 3600} h {value // 60 % 60:02d} min"


def seconds_text(value: float | None) -> str:
    """A KPI in seconds (``kpis``: a float, or None when a milestone is missing)."""
    return duration_text(None if value is None else round(value))
