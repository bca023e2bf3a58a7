"""Where a Kazakhstan day starts, for every app that counts "today" (backend/common/days.py)."""

from __future__ import annotations

import datetime as dt

from backend.common.days import local_midnight


def test_a_day_starts_at_midnight_in_kazakhstan_not_in_utc():
    # when
    start = local_midnight(dt.date(2026, 12, 6))

    # then: 00:00 in Almaty, 19:00 UTC the evening before
    assert start.astimezone(dt.UTC) == dt.datetime(2026, 12, 5, 19, 0, tzinfo=dt.UTC)
    assert (start.hour, start.minute, start.utcoffset()) == (0, 0, dt.timedelta(hours=5))
