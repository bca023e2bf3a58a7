"""Time anchors are deleted after KUZET_ANCHOR_RETENTION_DAYS and thinned after two days to
the first and last of each hour of a boot, hourly by beat; a device's latest stays however
old, and an event pushed late is still dated within its stated uncertainty."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from backend.common import clock
from backend.devices.models import Device
from backend.dispatch.models import Event
from backend.sync_gateway import tasks
from backend.sync_gateway.anchors import (
    THIN_SPAN_MS,
    anchors_for,
    anchors_prune,
    transit_bound_ms,
)
from backend.sync_gateway.models import TimeAnchor
from sync import timing
from sync.client import SimulatedClock
from sync.protocol import EventRecord
from tests.beat import beat_entry
from tests.plans import plans_preferring_indexes

from .conftest import dispatch

pytestmark = pytest.mark.django_db

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
T0 = dt.datetime(2026, 11, 20, 6, 0, tzinfo=dt.UTC)


def _device(personas, n: int = 0) -> Device:
    return Device.objects.create(
        officer=personas.a.patrol_officers[n],
        install_id=f"retention-{n}",
        token_hash=f"{n}" * 64,
        enrolled_at=clock.now(),
    )


def _anchors(
    device: Device, boot_id: str, *, start_ms: int, elapsed: range, every_ms: int = 30_000
) -> None:
    """A boot's anchors at ``elapsed`` (ms), each received at ``start_ms`` + elapsed."""
    TimeAnchor.objects.bulk_create(
        TimeAnchor(
            device=device,
            boot_id=boot_id,
            elapsed_ms=e,
            server_ms=start_ms + e,
            transit_ms=transit_bound_ms(),
            wall_ms=start_ms + e,
        )
        for e in elapsed
    )


def _elapsed(device: Device, boot_id: str) -> list[int]:
    return list(
        TimeAnchor.objects.filter(device=device, boot_id=boot_id)
        .order_by("elapsed_ms")
        .values_list("elapsed_ms", flat=True)
    )


def test_old_anchors_go_recent_ones_stay_and_a_devices_latest_stays_however_old(personas, settings):
    # given: 30 days' retention; a phone in use, and one silent for 40 days
    settings.KUZET_ANCHOR_RETENTION_DAYS = 30
    used, silent = _device(personas, 0), _device(personas, 1)
    now_ms = clock.now_ms()
    for days, at in ((40, 1_000), (35, 2_000), (29, 3_000), (0, 4_000)):
        _anchors(used, "boot-u", start_ms=now_ms - days * DAY_MS, elapsed=range(at, at + 1))
    for days, at in ((45, 1_000), (40, 2_000)):
        _anchors(silent, "boot-s", start_ms=now_ms - days * DAY_MS, elapsed=range(at, at + 1))

    # when
    deleted = anchors_prune()

    # then: the 40 and 35 days old go, the silent phone keeps its latest (40 days old)
    assert deleted == 3
    assert _elapsed(used, "boot-u") == [3_000, 4_000]
    assert _elapsed(silent, "boot-s") == [2_000]
    # and again: nothing more to do
    assert anchors_prune() == 0


def test_older_than_two_days_a_boot_keeps_the_first_and_last_anchor_of_each_hour(personas):
    # given: 60 h ago a boot reported every 30 s for 3 h (from 10 min of elapsed time), then
    # the phone restarted and reported 20 min; the last hour a third boot reports
    device = _device(personas)
    now_ms = clock.now_ms()
    _anchors(
        device, "boot-a", start_ms=now_ms - 60 * HOUR_MS, elapsed=range(600_000, 11_400_001, 30_000)
    )
    _anchors(device, "boot-b", start_ms=now_ms - 56 * HOUR_MS, elapsed=range(0, 1_200_001, 30_000))
    _anchors(device, "boot-c", start_ms=now_ms - HOUR_MS, elapsed=range(0, 600_001, 30_000))

    # when
    deleted = anchors_prune()

    # then: per hour of elapsed time its first and last (the boot's ends among them)
    assert _elapsed(device, "boot-a") == [
        600_000, 3_570_000,
        3_600_000, 7_170_000,
        7_200_000, 10_770_000,
        10_800_000, 11_400_000,
    ]  # fmt: skip
    assert _elapsed(device, "boot-b") == [0, 1_200_000]
    # and the last two days untouched
    assert _elapsed(device, "boot-c") == list(range(0, 600_001, 30_000))
    assert deleted == (361 - 8) + (41 - 2)
    assert anchors_prune() == 0


def test_hourly_runs_thin_each_hour_as_one_run_would_whatever_the_edges(personas):
    # given: a boot that reported every 30 s from 50 h to 46 h ago, its hours not on the
    # runs' hours
    device = _device(personas)
    start_ms = clock.now_ms() - 50 * HOUR_MS - 1_234_567
    _anchors(device, "boot-a", start_ms=start_ms, elapsed=range(0, 4 * HOUR_MS + 1, 30_000))

    # when: pruned every hour for a day and a half, each run cutting hours at its edges
    for hour in range(36):
        anchors_prune(now=clock.now() + dt.timedelta(hours=hour))

    # then: the first and last of each hour, nothing more
    assert _elapsed(device, "boot-a") == [
        0, 3_570_000,
        3_600_000, 7_170_000,
        7_200_000, 10_770_000,
        10_800_000, 14_370_000,
        14_400_000,
    ]  # fmt: skip


def test_an_event_between_thinned_anchors_costs_at_most_an_hours_drift(personas):
    # given: 60 h ago a boot reported every 30 s for 3 h; an event of it, at 1 h 30 min 10 s
    device = _device(personas)
    start_ms = clock.now_ms() - 60 * HOUR_MS
    _anchors(device, "boot-a", start_ms=start_ms, elapsed=range(0, 3 * HOUR_MS + 1, 30_000))
    elapsed = 5_410_000
    record = EventRecord(
        id="evt-thinned",
        kind="location",
        assignment_id=None,
        device_time=start_ms + elapsed,
        boot_id="boot-a",
        elapsed_ms=elapsed,
        lat=None,
        lon=None,
        accuracy_m=None,
        gps_time=None,
    )

    def dated() -> timing.Estimate:
        return timing.estimate(
            device_time=record.device_time,
            boot_id=record.boot_id,
            elapsed_ms=record.elapsed_ms,
            gps_time=None,
            anchors=anchors_for(device_id=device.pk, records=[record]),
            received_ms=clock.now_ms(),
        )

    before = dated()

    # when
    anchors_prune()
    after = dated()

    # then: still anchored, true, unflagged; dated from the hour's last anchor (29 min 20 s
    # away) instead of one 10 s away: 350 ms more, less than an hour's 720 ms
    for estimate in (before, after):
        assert estimate.method == "anchor"
        assert estimate.covers(start_ms + elapsed)
        assert not estimate.clock_suspect
        assert estimate.flags == frozenset()
    assert before.uncertainty_ms == transit_bound_ms() + timing.drift_bound_ms(10_000) + 1_000
    assert after.uncertainty_ms == transit_bound_ms() + timing.drift_bound_ms(1_760_000) + 1_000
    assert after.uncertainty_ms - before.uncertainty_ms <= timing.drift_bound_ms(THIN_SPAN_MS)


def test_an_arrival_recorded_in_a_white_spot_and_pushed_two_days_later_keeps_its_time(
    personas, incident_a, make_device
):
    with clock.frozen(T0):
        # given: dispatched; the phone reports every 30 s for 1 h 40 min, then falls silent
        assignment = dispatch(
            incident=incident_a, unit=personas.a.patrol, at=T0 - dt.timedelta(minutes=1)
        )
        phone = make_device(
            personas.a.patrol_officers[0], clock=SimulatedClock(clock.now_ms, boot_id="boot-w")
        )
        phone.sync()
        device = Device.objects.get(pk=phone.device_id)
        _anchors(
            device, "boot-w", start_ms=clock.now_ms(), elapsed=range(30_000, 6_000_001, 30_000)
        )
        clock.advance(dt.timedelta(minutes=100))
        phone.faults.offline = True
        # and records its arrival 10 min into the white spot
        clock.advance(dt.timedelta(minutes=10))
        arrived_at = clock.now()
        arrival = phone.record_event("on_scene", str(assignment.pk))
        # and the anchors are thinned while it is away two days
        clock.advance(dt.timedelta(days=2, hours=1))
        assert anchors_prune() > 150

        # when: back in coverage
        phone.faults.offline = False
        phone.sync()

    # then: dated from the last anchor before the silence, which thinning kept (the last of
    # its hour, and the phone's latest until it came back)
    stored = Event.objects.get(pk=arrival)
    assert stored.estimate_method == "anchor"
    assert stored.clock_suspect is False
    assert stored.estimate_uncertainty_ms == (
        transit_bound_ms() + timing.drift_bound_ms(10 * 60_000) + 1_000
    )
    error_ms = abs(clock.to_ms(stored.estimated_at) - clock.to_ms(arrived_at))
    assert error_ms <= stored.estimate_uncertainty_ms


def test_a_backlog_is_deleted_a_batch_per_statement(personas, settings):
    # given: 25 anchors past retention, an hour of 30 anchors to thin and a recent one
    settings.KUZET_ANCHOR_RETENTION_DAYS = 30
    device = _device(personas)
    now_ms = clock.now_ms()
    _anchors(device, "boot-a", start_ms=now_ms - 40 * DAY_MS, elapsed=range(0, 25_000, 1_000))
    _anchors(device, "boot-b", start_ms=now_ms - 60 * HOUR_MS, elapsed=range(0, HOUR_MS, 120_000))
    _anchors(device, "boot-c", start_ms=now_ms, elapsed=range(0, 1))

    # when: ten at a time
    with CaptureQueriesContext(connection) as queries:
        deleted = anchors_prune(batch=10)

    # then: all 25 and the 28 between the hour's ends, in three statements each
    assert deleted == 25 + 28
    statements = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("DELETE")]
    assert len(statements) == 6
    assert _elapsed(device, "boot-a") == []
    assert _elapsed(device, "boot-b") == [0, HOUR_MS - 120_000]
    assert anchors_prune(batch=10) == 0


def test_beat_prunes_the_anchors_hourly(personas, settings):
    # when: the project's beat schedule
    entry = beat_entry(tasks.anchors_prune)

    # then: the task is scheduled hourly, and is the one that prunes
    assert entry["schedule"] == 3600.0
    device = _device(personas)
    _anchors(device, "boot-a", start_ms=clock.now_ms() - 90 * DAY_MS, elapsed=range(0, 2))
    assert tasks.anchors_prune.delay().get() == 1


def test_the_prunes_statements_read_a_devices_anchors_by_the_latest_index(personas):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's plan")
    # given: a phone's 35 days of anchors as an hourly prune leaves them, 2 an hour up to two
    # days ago, then every 30 s; 5 days past retention, an hour more to thin
    device = _device(personas)
    start_ms = clock.now_ms() - 35 * DAY_MS
    dense_ms = 35 * DAY_MS - 49 * HOUR_MS
    _anchors(device, "boot-a", start_ms=start_ms, elapsed=range(0, dense_ms, 1_800_000))
    _anchors(device, "boot-a", start_ms=start_ms, elapsed=range(dense_ms, 35 * DAY_MS, 30_000))
    # the prune's statements (undone: they are planned on the table as it was)
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        anchors_prune()
        transaction.set_rollback(True)
    selects = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT") and "sync_gateway_timeanchor" in q["sql"]
    ]

    # when: the planner is told to prefer any index over a scan of the table
    plans = plans_preferring_indexes("sync_gateway_timeanchor", selects)

    # then: the latest anchors, the expired and the thinned ones are each read by the index
    # of a device's anchors in time, bounded by device and time
    assert len(plans) == 3, selects
    for plan in plans:
        assert "anchor_latest_idx" in plan, plan
    for plan in plans[1:]:
        condition = next(line for line in plan.splitlines() if "Index Cond:" in line)
        assert "device_id" in condition, plan
        assert "server_ms <" in condition, plan


def test_a_devices_anchors_are_indexed_by_device_only_at_the_head_of_the_composites(personas):
    # when
    with connection.cursor() as cursor:
        indexes = connection.introspection.get_constraints(cursor, TimeAnchor._meta.db_table)

    # then: the two composite indexes lead with the device; none is of the device alone
    # (it only cost every push's insert)
    assert indexes["anchor_lookup_idx"]["columns"][0] == "device_id"
    assert indexes["anchor_latest_idx"]["columns"][0] == "device_id"
    alone = [n for n, c in indexes.items() if c["index"] and c["columns"] == ["device_id"]]
    assert alone == []


def test_deleting_a_device_finds_its_anchors_by_a_composite_index(personas):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's plan")
    # given: two phones with a day of anchors each
    devices = [_device(personas, n) for n in range(2)]
    for device in devices:
        _anchors(
            device, "boot-a", start_ms=clock.now_ms() - DAY_MS, elapsed=range(0, DAY_MS, 60_000)
        )
    # the cascade's statements of deleting one (undone: planned on the table as it is)
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        devices[0].delete()
        transaction.set_rollback(True)
    statements = [
        q["sql"] for q in queries.captured_queries if TimeAnchor._meta.db_table in q["sql"]
    ]

    # when: the planner is told to prefer any index over a scan of the table
    plans = plans_preferring_indexes(TimeAnchor._meta.db_table, statements, bitmap_scans=True)

    # then: the device's anchors are found by an index that starts with the device
    assert plans, queries.captured_queries
    for plan in plans:
        assert "anchor_lookup_idx" in plan or "anchor_latest_idx" in plan, plan
        assert "device_id" in next(line for line in plan.splitlines() if "Cond:" in line), plan
