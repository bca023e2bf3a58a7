"""Time anchors: what the device's monotonic clock read when the server received a request.

Every device request carries ``X-Device-Clock: <wall_ms>;<boot_id>;<elapsed_ms>``. A push
stores its anchor in the same transaction as its events; a pull stores one at most every
:data:`PULL_ANCHOR_SECONDS` per device and boot (an anchor a minute bounds the monotonic
drift between two anchors to ~12 ms; a row per poll would only fill the table).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.core.cache import cache
from django.db import connection

from sync.protocol import ClockHeader, EventRecord
from sync.timing import DEFAULT_TRANSIT_MS, Anchor

from .models import TimeAnchor

PULL_ANCHOR_SECONDS = 60
# Anchors read around an event's elapsed time; more than this in between is never needed.
MAX_ANCHORS_BETWEEN = 200


def transit_bound_ms() -> int:
    return int(getattr(settings, "KUZET_SYNC_TRANSIT_MS", DEFAULT_TRANSIT_MS))


def anchor_record(
    *, device_id: str, clock: ClockHeader, server_ms: int, force: bool = False
) -> Anchor:
    """Keep the request's anchor (always when ``force``; on pulls at most once a minute)."""
    anchor = Anchor.from_clock(clock, server_ms=server_ms, transit_ms=transit_bound_ms())
    if force or _first_in_a_while(f"sync:anchor:{device_id}:{clock.boot_id}"):
        TimeAnchor.objects.create(
            device_id=device_id,
            boot_id=clock.boot_id,
            elapsed_ms=clock.elapsed_ms,
            server_ms=server_ms,
            transit_ms=anchor.transit_ms,
            wall_ms=clock.wall_ms,
        )
    return anchor


def _first_in_a_while(key: str) -> bool:
    try:
        return bool(cache.add(key, 1, PULL_ANCHOR_SECONDS))
    except Exception:
        return True


# One statement for all of a push's anchors, composed here rather than by the ORM: Django
# built this four-part UNION anew for every push, ≈ 8 % of a one-position push's profile
# (docs/benchmarks.md, "Server CPU per sync request"). Each part is a derived table, so its
# ORDER BY and LIMIT hold on SQLite as on PostgreSQL.
_ANCHOR = "SELECT id, boot_id, elapsed_ms, server_ms, transit_ms, wall_ms FROM {table} WHERE "
_LATEST = "device_id = %s ORDER BY server_ms DESC, id DESC LIMIT 1"
_BOOT = (
    "device_id = %s AND boot_id = %s AND elapsed_ms <= %s ORDER BY elapsed_ms DESC LIMIT 1",
    "device_id = %s AND boot_id = %s AND elapsed_ms > %s AND elapsed_ms < %s"
    f" ORDER BY elapsed_ms LIMIT {MAX_ANCHORS_BETWEEN}",
    "device_id = %s AND boot_id = %s AND elapsed_ms >= %s ORDER BY elapsed_ms LIMIT 1",
)


def anchors_for(
    *, device_id: str, records: Iterable[EventRecord], extra: Sequence[Anchor] = ()
) -> list[Anchor]:
    """The anchors that can date ``records``: per boot, the nearest anchor before the
    earliest event, those in between, and the nearest after the latest; plus the device's
    latest anchor (its wall-clock offset corrects unanchored device times)."""
    spans: dict[str, list[int]] = defaultdict(list)
    for record in records:
        if record.boot_id is not None and record.elapsed_ms is not None:
            spans[record.boot_id].append(record.elapsed_ms)
    parts = [_LATEST]
    params: list[str | int] = [device_id]
    for boot_id, values in sorted(spans.items()):
        low, high = min(values), max(values)
        parts += _BOOT
        params += [device_id, boot_id, low, device_id, boot_id, low, high, device_id, boot_id, high]
    select = _ANCHOR.format(table=connection.ops.quote_name(TimeAnchor._meta.db_table))
    # Only constants are formatted in; every value is a parameter.
    sql = " UNION ALL ".join(
        f"SELECT * FROM ({select}{part}) AS a{n}"  # noqa: S608
        for n, part in enumerate(parts)
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    seen: set[int] = set()
    found = []
    for pk, boot_id, elapsed_ms, server_ms, transit_ms, wall_ms in rows:
        if pk not in seen:
            seen.add(pk)
            found.append(
                Anchor(
                    boot_id=boot_id,
                    elapsed_ms=elapsed_ms,
                    server_ms=server_ms,
                    transit_ms=transit_ms,
                    wall_ms=wall_ms,
                )
            )
    return [*found, *extra]
