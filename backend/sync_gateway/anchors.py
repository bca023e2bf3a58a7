"""Time anchors: what the device's monotonic clock read when the server received a request.

Every device request carries ``X-Device-Clock: <wall_ms>;<boot_id>;<elapsed_ms>``. A push
stores its anchor in the same transaction as its events; a pull stores one at most every
:data:`PULL_ANCHOR_SECONDS` per device and boot (an anchor a minute bounds the monotonic
drift between two anchors to ~12 ms; a row per poll would only fill the table).
:func:`anchors_prune` thins the anchors older than two days and deletes those older than
``KUZET_ANCHOR_RETENTION_DAYS``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import BigIntegerField, ExpressionWrapper, F, OuterRef, QuerySet, Subquery
from django.db.models.expressions import BaseExpression, Window
from django.db.models.functions import RowNumber

from backend.common import clock
from backend.common.sql import insert_rows
from backend.devices.models import Device
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
        # Composed by insert_rows, not create(): every push writes one, its id is never read
        # back, and the ORM's compilation cost more than the insert.
        row = TimeAnchor(
            device_id=device_id,
            boot_id=clock.boot_id,
            elapsed_ms=clock.elapsed_ms,
            server_ms=server_ms,
            transit_ms=anchor.transit_ms,
            wall_ms=clock.wall_ms,
        )
        insert_rows([row], _ANCHOR_COLUMNS)
    return anchor


_ANCHOR_COLUMNS = ("device", "boot_id", "elapsed_ms", "server_ms", "transit_ms", "wall_ms")


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


# --- retention -----------------------------------------------------------------------------

# Anchors younger than this are all kept: a phone back from a white spot within two days
# has its offline events dated as closely as on the day it recorded them.
THIN_AFTER = dt.timedelta(hours=48)
# Older, a boot keeps the first and the last anchor of every hour of its elapsed time.
THIN_SPAN_MS = 3_600_000
# How far behind THIN_AFTER a run thins: an hourly run re-reads a day of anchors already
# thinned (≈ 46 a boot), so beat stopped for less than a day leaves nothing unthinned.
THIN_LOOKBACK = dt.timedelta(days=1)
# Anchors read per statement when thinning: a day of a chunk of devices (≈ 4,300 rows a phone
# at worst, a push every 30 s and a pull a minute; ≈ 230 once thinned up to the day before).
THIN_SLICE_MS = 86_400_000
PRUNE_BATCH = 5_000
# Devices per statement: each statement reads their anchors by ``anchor_latest_idx``
# (``device_id IN (…) AND server_ms < …``); the table has no index led by ``server_ms``.
DEVICE_CHUNK = 100
_DAY_MS = 86_400_000
_MS = dt.timedelta(milliseconds=1)


def anchors_prune(
    *,
    now: dt.datetime | None = None,
    batch: int = PRUNE_BATCH,
    lookback: dt.timedelta = THIN_LOOKBACK,
) -> int:
    """Delete anchors older than ``KUZET_ANCHOR_RETENTION_DAYS``, thin those older than
    :data:`THIN_AFTER`, never a device's latest; ``batch`` rows per statement, each its own
    transaction. Returns how many rows went. Idempotent.

    Retention: an event whose boot has no anchor left is dated by the push's own anchor if
    the phone has not restarted since (200 ppm of the time in between: 17 s a day), else by
    its GPS time or its wall clock, like an event of a boot never anchored
    (:func:`sync.timing.estimate`). At the default 30 days that only concerns events already
    flagged ``too_old`` (``KUZET_TIME_PAST_DAYS``, 7). The latest anchor stays however old:
    its wall-clock offset corrects the device's unanchored times.

    Thinning: an anchored estimate's uncertainty is the nearest anchor's transit bound +
    200 ppm of the elapsed time between it and the event + 1 s (``sync.timing``). With the
    first and the last anchor of each hour of a boot kept, the nearest anchor on either side
    of an event is the one it had, or one less than an hour away: at most 720 ms more on
    ±11 s, and only for an event pushed over two days after it happened. An event recorded
    in a white spot loses nothing — the last anchor before the phone fell silent is the last
    of its hour. The ends of a boot are the first and last of their hours.

    ``lookback``: how far behind :data:`THIN_AFTER` to thin; a longer one thins a backlog
    once (the first run after deployment, or beat stopped for over a day), a day at a time.
    """
    now_ms = clock.to_ms(now or clock.now())
    expired_ms = now_ms - settings.KUZET_ANCHOR_RETENTION_DAYS * _DAY_MS
    thin_ms = now_ms - THIN_AFTER // _MS
    since_ms = max(expired_ms, thin_ms - lookback // _MS)
    deleted = 0
    for devices in _device_chunks():
        anchors = TimeAnchor.objects.filter(device_id__in=devices).exclude(
            pk__in=_latest_ids(devices)
        )
        deleted += _delete_batches(anchors.filter(server_ms__lt=expired_ms), batch)
        for start_ms in range(since_ms, thin_ms, THIN_SLICE_MS):
            day = anchors.filter(
                server_ms__gte=start_ms, server_ms__lt=min(start_ms + THIN_SLICE_MS, thin_ms)
            )
            ids = list(_inside_their_hour(day).values_list("pk", flat=True))
            for n in range(0, len(ids), batch):
                deleted += TimeAnchor.objects.filter(pk__in=ids[n : n + batch]).delete()[0]
    return deleted


def _device_chunks() -> Iterator[list[str]]:
    after = ""
    while True:
        chunk = list(
            Device.objects.filter(pk__gt=after)
            .order_by("pk")
            .values_list("pk", flat=True)[:DEVICE_CHUNK]
        )
        if not chunk:
            return
        yield chunk
        after = chunk[-1]


def _latest_ids(devices: list[str]) -> list[int]:
    """Each device's latest anchor (one read of ``anchor_latest_idx`` from its end)."""
    latest = (
        TimeAnchor.objects.filter(device_id=OuterRef("pk"))
        .order_by("-server_ms", "-id")
        .values("pk")[:1]
    )
    ids = (
        Device.objects.filter(pk__in=devices)
        .annotate(latest=Subquery(latest))
        .values_list("latest", flat=True)
    )
    return [pk for pk in ids if pk is not None]


def _inside_their_hour(anchors: QuerySet[TimeAnchor]) -> QuerySet[TimeAnchor]:
    """The anchors that are neither the first nor the last of their boot's elapsed hour.

    The first and last are taken among ``anchors`` only: an hour cut by a slice's edge
    keeps a neighbour too, which a later run thins once the whole hour is in its slice."""
    hour = ExpressionWrapper(F("elapsed_ms") / THIN_SPAN_MS, output_field=BigIntegerField())
    partition: list[BaseExpression | F] = [F("device_id"), F("boot_id"), hour]
    return anchors.annotate(
        from_first=Window(
            RowNumber(), partition_by=partition, order_by=[F("elapsed_ms").asc(), F("id").asc()]
        ),
        from_last=Window(
            RowNumber(), partition_by=partition, order_by=[F("elapsed_ms").desc(), F("id").desc()]
        ),
    ).filter(from_first__gt=1, from_last__gt=1)


def _delete_batches(anchors: QuerySet[TimeAnchor], batch: int) -> int:
    deleted = 0
    while True:
        ids = list(anchors.values_list("pk", flat=True)[:batch])
        if not ids:
            return deleted
        deleted += TimeAnchor.objects.filter(pk__in=ids).delete()[0]
        if len(ids) < batch:
            return deleted
