import datetime as dt
import json

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from backend.common import clock
from backend.devices.models import Device
from backend.devices.services import device_revoke
from backend.dispatch.models import Event
from backend.ledger.models import Sequencer
from backend.people.models import Officer, Unit
from backend.realtime import consumers
from tests import factories

from .conftest import application, device_socket, group_send, receive, receive_close

pytestmark = pytest.mark.django_db(transaction=True)

AT = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)


def set_cursor(seq: int) -> None:
    Sequencer.objects.update_or_create(id=1, defaults={"change_seq": seq})


def test_device_authenticated_by_subprotocol_gets_hello_with_current_cursor(personas):
    # given
    _, token = personas.device(personas.a.patrol_officers[0])
    set_cursor(41)

    async def scenario():
        socket = device_socket(token)
        connected, subprotocol = await socket.connect()
        hello = await receive(socket)
        await socket.disconnect()
        return connected, subprotocol, hello

    # when
    with clock.frozen(AT):
        connected, subprotocol, hello = async_to_sync(scenario)()

    # then
    assert (connected, subprotocol) == (True, "kuzet.v1")
    assert hello == {"type": "hello", "timestamp": 41, "server_time": clock.to_ms(AT)}


def test_device_authenticated_by_first_auth_message_gets_hello(personas):
    # given
    _, token = personas.device(personas.a.patrol_officers[0])
    set_cursor(7)

    async def scenario():
        socket = device_socket(subprotocols=["kuzet.v1"])
        connected, subprotocol = await socket.connect()
        await socket.send_json_to({"type": "auth", "token": token})
        hello = await receive(socket)
        await socket.disconnect()
        return connected, subprotocol, hello

    # when
    with clock.frozen(AT):
        connected, subprotocol, hello = async_to_sync(scenario)()

    # then
    assert (connected, subprotocol) == (True, "kuzet.v1")
    assert hello == {"type": "hello", "timestamp": 7, "server_time": clock.to_ms(AT)}


def test_unknown_token_is_refused_with_4401(personas):
    async def scenario():
        socket = device_socket("not-a-real-token")
        await socket.connect()
        return await receive(socket), await receive_close(socket)

    # when
    error, code = async_to_sync(scenario)()

    # then
    assert error == {"type": "error", "error": "unauthenticated", "detail": "Unknown device token."}
    assert code == 4401


def test_revoked_device_is_refused_with_4401_and_told_to_wipe(personas):
    # given
    device_id, token = personas.device(personas.a.patrol_officers[0])
    device_revoke(device=Device.objects.get(pk=device_id), by=personas.a.chief)

    async def scenario():
        socket = device_socket()
        await socket.connect()
        await socket.send_json_to({"type": "auth", "token": token})
        return await receive(socket), await receive_close(socket)

    # when
    error, code = async_to_sync(scenario)()

    # then
    assert error["error"] == "device_revoked"
    assert error["wipe"] is True
    assert code == 4401


def test_socket_without_auth_within_the_deadline_is_closed_4401(personas, monkeypatch):
    # given
    monkeypatch.setattr(consumers, "AUTH_TIMEOUT_SECONDS", 0.05)

    async def scenario():
        socket = device_socket()
        await socket.connect()
        return await receive(socket), await receive_close(socket)

    # when
    error, code = async_to_sync(scenario)()

    # then
    assert error == {
        "type": "error",
        "error": "unauthenticated",
        "detail": "No auth message within 10 s.",
    }
    assert code == 4401


def test_first_message_other_than_auth_is_refused_with_4400(personas):
    async def scenario():
        socket = device_socket()
        await socket.connect()
        await socket.send_json_to({"type": "ping"})
        return await receive(socket), await receive_close(socket)

    # when
    error, code = async_to_sync(scenario)()

    # then
    assert error["error"] == "malformed"
    assert code == 4400


def test_oversized_message_closes_the_socket_with_1009(personas):
    # given
    _, token = personas.device(personas.a.patrol_officers[0])

    async def scenario():
        socket = device_socket(token)
        await socket.connect()
        await receive(socket)  # hello
        await socket.send_to(text_data='{"type":"ping","pad":"' + "x" * (64 * 1024) + '"}')
        return await receive(socket), await receive_close(socket)

    # when
    error, code = async_to_sync(scenario)()

    # then
    assert error["error"] == "too_large"
    assert code == 1009


def test_ping_is_answered_with_pong_carrying_the_cursor(personas):
    # given
    _, token = personas.device(personas.a.patrol_officers[0])
    set_cursor(12)

    async def scenario():
        socket = device_socket(token)
        await socket.connect()
        await receive(socket)
        await socket.send_json_to({"type": "ping"})
        pong = await receive(socket)
        await socket.send_json_to({"type": "dance"})
        unknown = await receive(socket)
        await socket.disconnect()
        return pong, unknown

    # when
    with clock.frozen(AT):
        pong, unknown = async_to_sync(scenario)()

    # then
    assert pong == {"type": "pong", "timestamp": 12, "server_time": clock.to_ms(AT)}
    assert unknown == {
        "type": "error",
        "error": "malformed",
        "detail": "Unknown or unparsable message.",
    }


def test_a_message_that_is_no_json_object_is_answered_and_the_socket_stays_open(personas):
    # given: an authenticated socket
    _, token = personas.device(personas.a.patrol_officers[0])
    set_cursor(5)
    messages = ["[1]", '"ping"', "3", "null", "not json"]

    async def scenario():
        socket = device_socket(token)
        await socket.connect()
        await receive(socket)
        answers = []
        for message in messages:
            await socket.send_to(text_data=message)
            answers.append(await receive(socket))
        await socket.send_json_to({"type": "ping"})
        pong = await receive(socket)
        await socket.disconnect()
        return answers, pong

    # when
    with clock.frozen(AT):
        answers, pong = async_to_sync(scenario)()

    # then: a JSON array, string or number used to end the consumer with an AssertionError,
    # the socket dropped without a close frame
    unknown = {"type": "error", "error": "malformed", "detail": "Unknown or unparsable message."}
    assert answers == [unknown] * len(messages)
    assert pong == {"type": "pong", "timestamp": 5, "server_time": clock.to_ms(AT)}


def test_device_receives_frames_of_its_own_officer_unit_district_and_everyone_groups(personas):
    # given
    a = personas.a
    officer = a.patrol_officers[0]
    device_id, token = personas.device(officer)
    mine = [
        f"dev.{device_id}",
        f"off.{officer.pk}",
        f"aud.u.{a.patrol.pk}",
        f"aud.d.{a.district.pk}",
        "aud.all",
    ]
    others = [f"aud.u.{a.inspector_unit.pk}", f"aud.d.{personas.b.district.pk}"]

    async def scenario():
        socket = device_socket(token)
        await socket.connect()
        await receive(socket)
        for group in others + mine:
            await group_send(group, {"type": "poke", "group": group})
        received = [(await receive(socket))["group"] for _ in mine]
        nothing_else = await socket.receive_nothing(timeout=0.2)
        await socket.disconnect()
        return received, nothing_else

    # when
    received, nothing_else = async_to_sync(scenario)()

    # then
    assert received == mine
    assert nothing_else is True


def test_revoking_a_device_closes_its_open_socket_with_4401(personas):
    # given
    device_id, token = personas.device(personas.a.patrol_officers[0])
    _, other_token = personas.device(personas.a.patrol_officers[1])

    async def scenario():
        socket = device_socket(token)
        other = device_socket(other_token)
        await socket.connect()
        await other.connect()
        await receive(socket)
        await receive(other)
        await database_sync_to_async(device_revoke)(
            device=await database_sync_to_async(Device.objects.get)(pk=device_id),
            by=personas.a.chief,
        )
        error, code = await receive(socket), await receive_close(socket)
        other_untouched = await other.receive_nothing(timeout=0.2)
        await other.disconnect()
        return error, code, other_untouched

    # when
    error, code, other_untouched = async_to_sync(scenario)()

    # then
    assert (error["error"], error["wipe"], code) == ("device_revoked", True, 4401)
    assert other_untouched is True


def test_connecting_stamps_the_units_last_contact(personas):
    # given
    unit = personas.a.patrol
    Unit.objects.filter(pk=unit.pk).update(last_contact_at=AT - dt.timedelta(hours=1))
    _, token = personas.device(personas.a.patrol_officers[0])

    async def scenario():
        socket = device_socket(token)
        await socket.connect()
        await receive(socket)
        await socket.disconnect()

    # when
    with clock.frozen(AT):
        async_to_sync(scenario)()

    # then
    unit.refresh_from_db()
    assert (unit.last_contact_at, unit.last_contact_via) == (AT, "socket")


async def receive_type(socket, kind):
    """The next frame of ``kind``; the device's own changes echoed by the fan-out are skipped."""
    while True:
        frame = await receive(socket)
        if frame["type"] == kind:
            return frame
        assert frame["type"] in ("changes", "poke"), frame


def delivered_event(assignment_id, event_id="dlv-0123456789abcdef"):
    return {
        "id": event_id, "kind": "delivered", "assignment_id": str(assignment_id),
        "device_time": clock.to_ms(AT) + 2000, "boot_id": "boot-1", "elapsed_ms": 5_000_000,
        "lat": None, "lon": None, "accuracy_m": None, "gps_time": None, "payload": {},
    }  # fmt: skip


def test_event_over_the_socket_is_pushed_and_answered_with_result(personas):
    # given
    a = personas.a
    with clock.frozen(AT):
        incident = factories.incident(district=a.district, settlement=a.town)
        assignment = factories.assignment(incident=incident, unit=a.patrol)
    _, token = personas.device(a.patrol_officers[0])
    event = delivered_event(assignment.pk)

    async def scenario():
        socket = device_socket(token)
        await socket.connect()
        await receive(socket)
        await socket.send_json_to(
            {"type": "event", "event": event, "clock": f"{clock.to_ms(AT) + 3000};boot-1;5001000"}
        )
        result = await receive(socket)
        await socket.disconnect()
        return result

    # when
    with clock.frozen(AT + dt.timedelta(seconds=3)):
        result = async_to_sync(scenario)()

    # then
    assert result == {
        "type": "result",
        "results": [{"id": event["id"], "status": "accepted", "disposition": "applied"}],
        "server_time": clock.to_ms(AT) + 3000,
    }
    stored = Event.objects.get(pk=event["id"])
    assert (stored.kind, stored.via, stored.device_id) == (
        "delivered",
        "ws",
        Device.objects.get(officer=a.patrol_officers[0]).pk,
    )
    assignment.refresh_from_db()
    assert (assignment.status, assignment.delivered_event_id) == ("delivered", event["id"])


def test_an_event_message_names_the_keys_the_server_did_not_read(personas):
    # given: a newer app's event message, with a key in the frame and a field in the event
    a = personas.a
    with clock.frozen(AT):
        incident = factories.incident(district=a.district, settlement=a.town)
        assignment = factories.assignment(incident=incident, unit=a.patrol)
    _, token = personas.device(a.patrol_officers[0])
    event = {**delivered_event(assignment.pk), "altitude_m": 312.5}

    async def scenario():
        socket = device_socket(token)
        await socket.connect()
        await receive(socket)
        await socket.send_json_to({"type": "event", "event": event, "seq": 7})
        result = await receive_type(socket, "result")
        await socket.disconnect()
        return result

    # when
    with clock.frozen(AT + dt.timedelta(seconds=3)):
        result = async_to_sync(scenario)()

    # then: stored and applied, and both keys named back
    assert result["results"] == [
        {"id": event["id"], "status": "accepted", "disposition": "applied",
         "ignored": ["altitude_m"]},
    ]  # fmt: skip
    assert result["ignored"] == ["seq"]
    assert Event.objects.filter(pk=event["id"]).exists()


def test_an_event_message_naming_event_twice_is_refused_not_half_read(personas):
    # given: {"event": A, "event": B} — B was stored, A dropped without a word
    a = personas.a
    with clock.frozen(AT):
        incident = factories.incident(district=a.district, settlement=a.town)
        assignment = factories.assignment(incident=incident, unit=a.patrol)
    _, token = personas.device(a.patrol_officers[0])
    first = delivered_event(assignment.pk, "dlv-aaaaaaaaaaaaaaaa")
    second = delivered_event(assignment.pk, "dlv-bbbbbbbbbbbbbbbb")
    text = f'{{"type": "event", "event": {json.dumps(first)}, "event": {json.dumps(second)}}}'

    async def scenario():
        socket = device_socket(token)
        await socket.connect()
        await receive(socket)
        await socket.send_to(text_data=text)
        frame = await receive_type(socket, "error")
        await socket.disconnect()
        return frame

    # when
    with clock.frozen(AT + dt.timedelta(seconds=3)):
        frame = async_to_sync(scenario)()

    # then
    assert (frame["error"], frame["detail"]) == (
        "malformed",
        "The message has the key 'event' more than once.",
    )
    assert not Event.objects.filter(kind="delivered").exists()


def test_delivered_receipt_sent_twice_over_the_socket_is_stored_once(personas):
    # given
    a = personas.a
    with clock.frozen(AT):
        incident = factories.incident(district=a.district, settlement=a.town)
        assignment = factories.assignment(incident=incident, unit=a.patrol)
    _, token = personas.device(a.patrol_officers[0])
    event = delivered_event(assignment.pk)

    async def scenario():
        socket = device_socket(token)
        await socket.connect()
        await receive(socket)
        results = []
        for _ in range(2):
            await socket.send_json_to({"type": "event", "event": event})
            results.append((await receive_type(socket, "result"))["results"])
        await socket.disconnect()
        return results

    # when
    with clock.frozen(AT + dt.timedelta(seconds=3)):
        first, second = async_to_sync(scenario)()

    # then
    assert first == [{"id": event["id"], "status": "accepted", "disposition": "applied"}]
    assert second == [{"id": event["id"], "status": "duplicate", "disposition": "applied"}]
    assert Event.objects.filter(kind="delivered").count() == 1
    assignment.refresh_from_db()
    assert assignment.delivered_event_id == event["id"]


def test_invalid_event_is_rejected_in_its_result(personas):
    # given
    _, token = personas.device(personas.a.patrol_officers[0])

    async def scenario():
        socket = device_socket(token)
        await socket.connect()
        await receive(socket)
        await socket.send_json_to({"type": "event", "event": {"id": "short", "kind": "ack"}})
        result = await receive_type(socket, "result")
        others = []
        for message in ({"type": "event"}, {"type": "event", "event": [{"kind": "ack"}]}):
            await socket.send_json_to(message)
            others.append(await receive_type(socket, "result"))
        await socket.disconnect()
        return result, others

    # when
    result, others = async_to_sync(scenario)()

    # then
    assert [(r["id"], r["status"], r["reason"]) for r in result["results"]] == [
        ("short", "rejected", "invalid_id")
    ]
    # docs/realtime.md, *Device → server*, word for word
    assert [o["results"] for o in others] == [
        [
            {
                "id": None,
                "status": "rejected",
                "reason": "invalid_field",
                "detail": "an event must be a JSON object",
            }
        ]
    ] * 2
    assert Event.objects.count() == 0


def test_event_from_a_device_revoked_meanwhile_is_refused_and_not_stored(personas):
    # given
    a = personas.a
    with clock.frozen(AT):
        incident = factories.incident(district=a.district, settlement=a.town)
        assignment = factories.assignment(incident=incident, unit=a.patrol)
    device_id, token = personas.device(a.patrol_officers[0])

    async def scenario():
        socket = device_socket(token)
        await socket.connect()
        await receive(socket)
        # revoked behind the consumer's back: the revocation frame is lost
        await database_sync_to_async(Device.objects.filter(pk=device_id).update)(revoked_at=AT)
        await socket.send_json_to({"type": "event", "event": delivered_event(assignment.pk)})
        return await receive(socket), await receive_close(socket)

    # when
    error, code = async_to_sync(scenario)()

    # then
    assert (error["error"], code) == ("device_revoked", 4401)
    assert Event.objects.count() == 0


def test_pong_carries_the_cursor_read_at_the_ping(personas, monkeypatch):
    # given
    monkeypatch.setattr(consumers, "PING_REFRESH_SECONDS", 0)
    _, token = personas.device(personas.a.patrol_officers[0])
    set_cursor(3)

    async def scenario():
        socket = device_socket(token)
        await socket.connect()
        hello = await receive(socket)
        await database_sync_to_async(set_cursor)(9)
        await socket.send_json_to({"type": "ping"})
        pong = await receive(socket)
        await socket.disconnect()
        return hello["timestamp"], pong["timestamp"]

    # when
    at_hello, at_ping = async_to_sync(scenario)()

    # then
    assert (at_hello, at_ping) == (3, 9)


def test_officer_moved_to_another_unit_follows_it_after_a_ping(personas, monkeypatch):
    # given
    monkeypatch.setattr(consumers, "PING_REFRESH_SECONDS", 0)
    a = personas.a
    officer = a.patrol_officers[0]
    _, token = personas.device(officer)
    old, new = f"aud.u.{a.patrol.pk}", f"aud.u.{a.inspector_unit.pk}"

    async def scenario():
        socket = device_socket(token)
        await socket.connect()
        await receive(socket)
        await database_sync_to_async(Officer.objects.filter(pk=officer.pk).update)(
            unit=a.inspector_unit
        )
        await socket.send_json_to({"type": "ping"})
        await receive(socket)  # pong
        await group_send(old, {"type": "poke", "group": old})
        await group_send(new, {"type": "poke", "group": new})
        received = await receive(socket)
        nothing_else = await socket.receive_nothing(timeout=0.2)
        await socket.disconnect()
        return received, nothing_else

    # when
    received, nothing_else = async_to_sync(scenario)()

    # then
    assert received == {"type": "poke", "group": new}
    assert nothing_else is True


def test_device_revoked_while_the_frame_was_lost_is_closed_at_its_next_ping(personas, monkeypatch):
    # given
    monkeypatch.setattr(consumers, "PING_REFRESH_SECONDS", 0)
    device_id, token = personas.device(personas.a.patrol_officers[0])

    async def scenario():
        socket = device_socket(token)
        await socket.connect()
        await receive(socket)
        await database_sync_to_async(Device.objects.filter(pk=device_id).update)(revoked_at=AT)
        await socket.send_json_to({"type": "ping"})
        return await receive(socket), await receive_close(socket)

    # when
    error, code = async_to_sync(scenario)()

    # then
    assert (error["error"], error["wipe"], code) == ("device_revoked", True, 4401)


@pytest.mark.parametrize(
    ("path", "detail"),
    [
        ("/ws/device/", "No such resource."),
        ("/ws/sync/v2/", "No such resource."),
        ("/ws/sync/v1", "No such resource; the path ends with a slash: /ws/sync/v1/"),
    ],
)
def test_socket_on_a_path_with_no_route_is_told_not_found_and_closed_4404(path, detail):
    # given: a client team's socket on a mistyped path (the handshake used to fail with an
    # HTTP 500, which a phone takes for a transient server error and retries for ever)
    async def scenario():
        socket = WebsocketCommunicator(
            application, path, subprotocols=["kuzet.v1", "token.whatever"]
        )
        connected, subprotocol = await socket.connect()
        return connected, subprotocol, await receive(socket), await receive_close(socket)

    # when
    connected, subprotocol, error, code = async_to_sync(scenario)()

    # then
    assert (connected, subprotocol) == (True, "kuzet.v1")
    assert error == {"type": "error", "error": "not_found", "detail": detail}
    assert code == 4404


@pytest.mark.parametrize(
    ("sent", "detail"),
    [
        ("yesterday", "X-Device-Clock must be <wall_ms>;<boot_id>;<elapsed_ms>"),
        # a number was dropped without a word (the event dated without its anchor)
        (1795154460000, "clock must be a string: <wall_ms>;<boot_id>;<elapsed_ms>"),
    ],
)
def test_event_refused_for_its_clock_is_named_in_the_error_frame(personas, sent, detail):
    # given: two events in flight, the second with a clock that does not parse
    a = personas.a
    with clock.frozen(AT):
        incident = factories.incident(district=a.district, settlement=a.town)
        assignment = factories.assignment(incident=incident, unit=a.patrol)
    _, token = personas.device(a.patrol_officers[0])
    good = delivered_event(assignment.pk)
    bad = delivered_event(assignment.pk, event_id="dlv-badclock000000001")

    async def scenario():
        socket = device_socket(token)
        await socket.connect()
        await receive(socket)
        await socket.send_json_to({"type": "event", "event": bad, "clock": sent})
        error = await receive_type(socket, "error")
        await socket.send_json_to({"type": "event", "event": good})
        result = await receive_type(socket, "result")
        await socket.disconnect()
        return error, result

    # when
    with clock.frozen(AT + dt.timedelta(seconds=3)):
        error, result = async_to_sync(scenario)()

    # then: the frame names the refused event (docs/realtime.md, *Server → device*), which
    # is not stored, and the next event is taken as usual
    assert error == {
        "type": "error",
        "error": "malformed",
        "detail": detail,
        "id": bad["id"],
    }
    assert result["results"] == [{"id": good["id"], "status": "accepted", "disposition": "applied"}]
    assert list(Event.objects.values_list("id", flat=True)) == [good["id"]]


def test_event_refused_as_the_device_was_revoked_is_named_in_the_error_frame(personas):
    # given
    a = personas.a
    device_id, token = personas.device(a.patrol_officers[0])

    async def scenario():
        socket = device_socket(token)
        await socket.connect()
        await receive(socket)
        await database_sync_to_async(Device.objects.filter(pk=device_id).update)(revoked_at=AT)
        await socket.send_json_to({"type": "event", "event": {"id": 7, "kind": "ack"}})
        return await receive(socket)

    # when
    error = async_to_sync(scenario)()

    # then: an id that is no string is not echoed (the frame's "id" is a string or null)
    assert (error["error"], error["wipe"], error["id"]) == ("device_revoked", True, None)


def test_an_auth_message_naming_its_token_twice_is_refused_not_half_read(personas):
    # given: two tokens in one auth message — the last signed in, the other dropped
    _, token = personas.device(personas.a.patrol_officers[0])
    text = f'{{"type": "auth", "token": "not-mine", "token": "{token}"}}'

    async def scenario():
        socket = device_socket(subprotocols=["kuzet.v1"])
        await socket.connect()
        await socket.send_to(text_data=text)
        return await receive(socket), await receive_close(socket)

    # when
    error, code = async_to_sync(scenario)()

    # then
    assert (error["error"], error["detail"]) == (
        "malformed",
        "The message has the key 'token' more than once.",
    )
    assert code == consumers.CLOSE_MALFORMED


def test_a_ping_names_back_what_it_did_not_read_and_a_ping_typed_twice_is_refused(personas):
    # given
    _, token = personas.device(personas.a.patrol_officers[0])
    set_cursor(7)

    async def scenario():
        socket = device_socket(token)
        await socket.connect()
        await receive(socket)
        await socket.send_json_to({"type": "ping", "cursor": 5})
        newer = await receive(socket)
        await socket.send_json_to({"type": "ping"})
        plain = await receive(socket)
        await socket.send_to(text_data='{"type": "event", "type": "ping"}')
        twice = await receive(socket)
        await socket.disconnect()
        return newer, plain, twice

    # when
    with clock.frozen(AT):
        newer, plain, twice = async_to_sync(scenario)()

    # then: the pong names the key it did not read; a message typed twice is no ping
    assert newer == {"type": "pong", "timestamp": 7, "ignored": ["cursor"],
                     "server_time": clock.to_ms(AT)}  # fmt: skip
    assert "ignored" not in plain
    assert (twice["type"], twice["error"], twice["detail"]) == (
        "error",
        "malformed",
        "The message has the key 'type' more than once.",
    )
