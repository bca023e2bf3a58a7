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


def _to_anchor(row: TimeAnchor) -> Anchor:
    return Anchor(
        boot_id=row.boot_id,
        elapsed_ms=row.elapsed_ms,
        server_ms=row.server_ms,
        transit_ms=row.transit_ms,
        wall_ms=row.wall_ms,
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
    base = TimeAnchor.objects.filter(device_id=device_id)
    queries = [base.order_by("-server_ms", "-id")[:1]]
    for boot_id, values in sorted(spans.items()):
        low, high = min(values), max(values)
        boot = base.filter(boot_id=boot_id)
        queries += [
            boot.filter(elapsed_ms__lte=low).order_by("-elapsed_ms")[:1],
            boot.filter(elapsed_ms__gt=low, elapsed_ms__lt=high).order_by("elapsed_ms")[
                :MAX_ANCHORS_BETWEEN
            ],
            boot.filter(elapsed_ms__gte=high).order_by("elapsed_ms")[:1],
        ]
    rows: list[TimeAnchor] = []
    if connection.features.supports_slicing_ordering_in_compound:
        rows = list(queries[0].union(*queries[1:], all=True))
    else:
        for query in queries:
            rows.extend(query)
    seen: set[int] = set()
    found = []
    for row in rows:
        if row.pk not in seen:
            seen.add(row.pk)
            found.append(_to_anchor(row))
    return [*found, *extra]
