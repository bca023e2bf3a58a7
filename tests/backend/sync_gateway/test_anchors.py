"""The anchors a push reads to date its events (``anchors_for``): the right ones, in one
statement, and the device's latest found without reading all of its anchors."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backend.common import clock
from backend.devices.models import Device
from backend.sync_gateway.anchors import anchors_for
from backend.sync_gateway.models import TimeAnchor
from sync.protocol import EventRecord
from tests.plans import plans_preferring_indexes


def _event(n: int, boot_id: str, elapsed_ms: int) -> EventRecord:
    return EventRecord(
        id=f"evt-anchor-{n}",
        kind="location",
        assignment_id=None,
        device_time=0,
        boot_id=boot_id,
        elapsed_ms=elapsed_ms,
        lat=47.96,
        lon=80.43,
        accuracy_m=10,
        gps_time=None,
    )


@pytest.fixture
def device(personas):
    return Device.objects.create(
        officer=personas.a.patrol_officers[0],
        install_id="anchors",
        token_hash="a" * 64,
        enrolled_at=clock.now(),
    )


def _anchor(device: Device, boot_id: str, elapsed_ms: int, server_ms: int) -> TimeAnchor:
    return TimeAnchor.objects.create(
        device=device,
        boot_id=boot_id,
        elapsed_ms=elapsed_ms,
        server_ms=server_ms,
        transit_ms=100,
        wall_ms=server_ms,
    )


@pytest.mark.django_db
def test_a_pushs_anchors_are_the_nearest_of_each_boot_and_the_latest_read_in_one_statement(
    device,
):
    # given: two boots; the latest anchor is of a third boot that no event names
    for elapsed in (1_000, 2_000, 3_000, 4_000, 5_000):
        _anchor(device, "boot-a", elapsed, 1_000_000 + elapsed)
    for elapsed in (100, 900):
        _anchor(device, "boot-b", elapsed, 2_000_000 + elapsed)
    _anchor(device, "boot-c", 50, 3_000_000)
    events = [_event(1, "boot-a", 2_500), _event(2, "boot-a", 4_500), _event(3, "boot-b", 500)]

    # when
    with CaptureQueriesContext(connection) as queries:
        anchors = anchors_for(device_id=device.pk, records=events)

    # then: the latest, then per boot the nearest before, those between, the nearest after
    assert [(a.boot_id, a.elapsed_ms) for a in anchors] == [
        ("boot-c", 50),
        ("boot-a", 2_000),
        ("boot-a", 3_000),
        ("boot-a", 4_000),
        ("boot-a", 5_000),
        ("boot-b", 100),
        ("boot-b", 900),
    ]
    assert anchors[0].server_ms == 3_000_000
    assert anchors[0].transit_ms == 100
    assert len(queries.captured_queries) == 1


@pytest.mark.django_db
def test_a_devices_latest_anchor_is_found_without_sorting_all_of_its_anchors(device):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's plan")
    # given: a device with a day of anchors (a push every 30 s)
    TimeAnchor.objects.bulk_create(
        TimeAnchor(
            device=device,
            boot_id="boot-a",
            elapsed_ms=n * 30_000,
            server_ms=1_000_000 + n * 30_000,
            transit_ms=100,
            wall_ms=0,
        )
        for n in range(2_880)
    )

    # when: the planner is told to prefer any index over a scan of the table
    latest = (
        "SELECT id FROM sync_gateway_timeanchor WHERE device_id = %s"
        " ORDER BY server_ms DESC, id DESC LIMIT 1"
    )
    [plan] = plans_preferring_indexes("sync_gateway_timeanchor", [(latest, [device.pk])])

    # then: an index in that order is read from its end, one row; nothing is sorted
    assert "anchor_latest_idx" in plan, plan
    assert "Sort" not in plan, plan
