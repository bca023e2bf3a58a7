"""Fixtures of the sync gateway tests; the shared ones live in tests/backend/sync_support.py."""

from __future__ import annotations

from typing import Any

import pytest

from tests.backend.sync_support import (
    SyncApi,
    assignment_a,
    cancel,
    device_a1,
    device_b1,
    dispatch,
    event,
    ids,
    incident_a,
    published,
    reassign,
)

__all__ = [
    "SyncApi",
    "assignment_a",
    "cancel",
    "device_a1",
    "device_b1",
    "dispatch",
    "event",
    "ids",
    "incident_a",
    "published",
    "reassign",
]


@pytest.fixture(autouse=True)
def _published(request: Any) -> None:
    """Units and settlements made by the factories (no touches) are published, as the
    reconcile sweep does in production."""
    if "personas" in request.fixturenames:
        request.getfixturevalue("published")


def server_view(
    device_id: str, *, schema_version: int | None = None
) -> dict[str, dict[str, dict[str, Any]]]:
    """What the server says the device should hold now: every record of its scope (of the
    tables an app on ``schema_version`` has; None: the newest)."""
    from backend.devices.models import Device
    from backend.sync_gateway.models import Membership
    from backend.sync_gateway.render import TABLE_ORDER, records_for
    from backend.sync_gateway.scope import device_audiences
    from sync.protocol import tables_unknown_to

    unknown = tables_unknown_to(schema_version) if schema_version is not None else frozenset()
    device = Device.objects.select_related("officer").get(pk=device_id)
    wanted: dict[str, set[str]] = {t: set() for t in TABLE_ORDER if t not in unknown}
    for table, record_id in Membership.objects.filter(
        audience__in=device_audiences(device)
    ).values_list("table", "record_id"):
        if table in wanted:
            wanted[table].add(record_id)
    return {t: {r["id"]: r for r in records_for(t, ids)} for t, ids in wanted.items()}


def device_view(device: Any) -> dict[str, dict[str, dict[str, Any]]]:
    from backend.sync_gateway.render import TABLE_ORDER

    return {t: device.records(t) for t in TABLE_ORDER}


@pytest.fixture
def make_device(personas: Any, tmp_path: Any) -> Any:
    """A reference-client device for an officer, enrolled through the real endpoint."""
    from backend.common import clock as server_clock
    from backend.devices.services import enrolment_code_issue
    from sync.client import DeviceClient, Retry, SimulatedClock

    from .transport import DjangoTransport, Faulty

    made: list[Any] = []

    def make(officer: Any, *, clock: Any = None, name: str | None = None) -> Any:
        transport = Faulty(DjangoTransport())
        device = DeviceClient(
            tmp_path / f"{name or officer.username}-{len(made)}.sqlite3",
            transport,
            clock=clock or SimulatedClock(server_clock.now_ms),
            retry=Retry(attempts=3, base_s=0.0, cap_s=0.0),
            sleep=lambda _s: None,
        )
        device.enroll(enrolment_code_issue(officer=officer))
        device.faults = transport
        made.append(device)
        return device

    yield make
    for device in made:
        device.close()
