"""End to end: uvicorn + PostgreSQL + the Redis channel layer + a real WebSocket client."""

import json

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from backend.common import clock
from backend.devices.models import Device
from backend.devices.services import device_revoke
from backend.dispatch.models import Assignment, Event
from backend.dispatch.services.assignments import incident_dispatch
from sync.client import DeviceClient
from tests import factories

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]


def open_socket(server, token):
    return connect(
        f"ws://{server}/ws/sync/v1/", subprotocols=["kuzet.v1", f"token.{token}"], open_timeout=10
    )


def frames(ws, timeout=10):
    """Frames as they come, until ``timeout`` seconds pass without one."""
    while True:
        try:
            yield json.loads(ws.recv(timeout=timeout))
        except TimeoutError:
            return


def first_frame_with_assignment(ws, assignment_id):
    for frame in frames(ws):
        if frame["type"] == "changes":
            ids = [r["id"] for r in frame["changes"]["assignments"]["updated"]]
            if str(assignment_id) in ids:
                return frame
    raise AssertionError(f"no frame carried assignment {assignment_id}")


def delivered(assignment_id, event_id="e2e-delivered-0000000001"):
    return {
        "id": event_id, "kind": "delivered", "assignment_id": str(assignment_id),
        "device_time": clock.now_ms(), "boot_id": "e2e-boot", "elapsed_ms": 1_000_000,
        "payload": {},
    }  # fmt: skip


def result_of(ws):
    for frame in frames(ws):
        if frame["type"] == "result":
            return frame["results"]
    raise AssertionError("no result frame")


def test_dispatch_reaches_the_connected_device_and_its_receipt_is_stored_once(
    asgi_server, personas
):
    # given
    a = personas.a
    incident = factories.incident(district=a.district, settlement=a.town)
    _, token = personas.device(a.patrol_officers[0])

    with open_socket(asgi_server, token) as ws:
        hello = json.loads(ws.recv(timeout=10))

        # when: dispatched from this process; the fan-out travels through Redis
        assignment = incident_dispatch(incident=incident, unit=a.patrol, by=personas.duty)
        frame = first_frame_with_assignment(ws, assignment.pk)
        receipt = json.dumps({"type": "event", "event": delivered(assignment.pk)})
        ws.send(receipt)
        first = result_of(ws)
        ws.send(receipt)  # the result was lost, say: the device sends it again
        second = result_of(ws)

    # then
    assert hello["type"] == "hello"
    assert frame["timestamp"] > hello["timestamp"]
    assert [r["status"] for r in first + second] == ["accepted", "duplicate"]
    assert Event.objects.filter(kind="delivered", assignment=assignment).count() == 1
    stored = Assignment.objects.get(pk=assignment.pk)
    assert stored.delivered_event_id == "e2e-delivered-0000000001"
    assert stored.delivered_at is not None


def test_device_offline_at_dispatch_is_told_by_hello_and_pulls_the_assignment(
    asgi_server, personas
):
    # given: the device synced, then lost its socket
    a = personas.a
    incident = factories.incident(district=a.district, settlement=a.town)
    _, token = personas.device(a.patrol_officers[1])
    client = DeviceClient(":memory:", f"http://{asgi_server}", token=token)
    client.pull()
    cursor = client.last_pulled_at
    assignment = incident_dispatch(incident=incident, unit=a.patrol, by=personas.duty)

    # when: it reconnects
    with open_socket(asgi_server, token) as ws:
        hello = json.loads(ws.recv(timeout=10))
    behind = hello["timestamp"] > cursor
    client.pull()

    # then
    assert behind is True
    assert client.record("assignments", str(assignment.pk))["status"] == "dispatched"
    assert client.last_pulled_at == hello["timestamp"]
    client.close()


def test_revoked_device_socket_is_closed_with_4401(asgi_server, personas):
    # given
    device_id, token = personas.device(personas.a.inspector)

    with open_socket(asgi_server, token) as ws:
        ws.recv(timeout=10)  # hello

        # when
        device_revoke(device=Device.objects.get(pk=device_id), by=personas.a.chief)
        received = []
        with pytest.raises(ConnectionClosed) as closed:
            received.extend(frames(ws))

    # then
    assert [(f["type"], f["error"], f["wipe"]) for f in received if f["type"] == "error"] == [
        ("error", "device_revoked", True)
    ]
    assert closed.value.rcvd.code == 4401


def test_idle_socket_outlives_the_layers_blocking_read(asgi_server, personas):
    """redis-py 8 reads with a 5 s socket timeout by default, and channels-redis blocks for
    5 s per receive: without a longer timeout every idle consumer crashes within seconds
    (django/channels_redis#422)."""
    # given
    a = personas.a
    incident = factories.incident(district=a.district, settlement=a.town)
    _, token = personas.device(a.patrol_officers[0])

    with open_socket(asgi_server, token) as ws:
        hello = json.loads(ws.recv(timeout=10))
        # The enrolment above committed change N and published its poke; on a loaded machine
        # that poke can land after the socket joined. A poke no newer than hello's cursor
        # tells the device nothing (seen in CI: poke 87 after hello 87): not what this forbids.
        quiet = [
            f
            for f in frames(ws, timeout=12)
            if not (f["type"] == "poke" and f["timestamp"] <= hello["timestamp"])
        ]

        # when
        assignment = incident_dispatch(incident=incident, unit=a.patrol, by=personas.duty)
        frame = first_frame_with_assignment(ws, assignment.pk)

    # then
    assert quiet == []
    assert frame["type"] == "changes"
