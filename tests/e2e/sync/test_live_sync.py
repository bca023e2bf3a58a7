"""The protocol end to end: the reference client against a real server process on
PostgreSQL (gunicorn and uvicorn), with a response lost after the server committed."""

from __future__ import annotations

import pytest

from backend.devices.services import enrolment_code_issue
from backend.dispatch.models import Event
from sync.client import DeviceClient, HttpxTransport, Retry
from tests import factories
from tests.backend.sync_gateway.conftest import device_view, dispatch, reassign, server_view
from tests.backend.sync_gateway.transport import Faulty

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def phone(sync_server, officer, tmp_path, name):
    transport = Faulty(HttpxTransport(sync_server, timeout=30))
    device = DeviceClient(
        tmp_path / f"{name}.sqlite3", transport, retry=Retry(attempts=4, base_s=0.05, cap_s=0.5)
    )
    device.enroll(enrolment_code_issue(officer=officer))
    return device, transport


def test_devices_converge_through_a_real_server(personas, sync_server, tmp_path):
    # given: two officers of A's patrol car and the inspector, each with a phone
    from backend.sync_gateway.scope import reference_reconcile

    reference_reconcile()
    incident = factories.incident(district=personas.a.district, settlement=personas.a.village)
    assignment = dispatch(incident=incident, unit=personas.a.patrol)
    first, first_net = phone(sync_server, personas.a.patrol_officers[0], tmp_path, "first")
    second, _ = phone(sync_server, personas.a.patrol_officers[1], tmp_path, "second")
    inspector, _ = phone(sync_server, personas.a.inspector, tmp_path, "inspector")
    for device in (first, second, inspector):
        device.sync()

    # when: the first phone works offline, then syncs; its push answer is lost once
    first_net.offline = True
    recorded = [
        first.record_event("ack", str(assignment.pk)),
        first.record_event("en_route", str(assignment.pk)),
        first.record_event("on_scene", str(assignment.pk), lat=46.95, lon=79.67),
        first.record_event("note", str(assignment.pk), {"text": "двери закрыты"}),
    ]
    first_net.offline = False
    first_net.lose_response = [False, True]  # the pull answers; the push commits, answer lost
    first.sync()
    moved = reassign(assignment, to=personas.a.inspector_unit)
    for device in (first, second, inspector):
        device.sync()

    # then
    assert sorted(
        Event.objects.filter(device__isnull=False).values_list("id", flat=True)
    ) == sorted(recorded)
    assert first.outbox() == []
    assert first.record("assignments", str(assignment.pk)) is None
    assert inspector.record("assignments", str(moved.pk))["status"] == "dispatched"
    assert sorted(inspector.records("events")) == sorted(recorded)  # moved in with the incident
    for device in (first, second, inspector):
        assert device_view(device) == server_view(device.device_id)
    first.close()
    second.close()
    inspector.close()
