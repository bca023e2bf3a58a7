import pytest
from asgiref.sync import async_to_sync

from .conftest import board_socket, receive, receive_close

pytestmark = pytest.mark.django_db(transaction=True)


def open_board(user, origin="http://testserver"):
    async def scenario():
        board = await board_socket(user, origin)
        connected, _ = await board.connect()
        if not connected:
            return connected, None, None
        first = await receive(board)
        if first["type"] == "hello":
            await board.disconnect()
            return connected, first, None
        return connected, first, await receive_close(board)

    return async_to_sync(scenario)()


def test_chief_opens_a_board(personas):
    # when
    connected, first, code = open_board(personas.a.chief)

    # then
    assert (connected, first["type"], code) == (True, "hello", None)


def test_board_without_a_session_is_closed_4401(personas):
    # when
    connected, first, code = open_board(None)

    # then
    assert (connected, first["error"], code) == (True, "unauthenticated", 4401)


def test_patrol_officer_cannot_open_a_board(personas):
    # when
    connected, first, code = open_board(personas.a.patrol_officers[0])

    # then
    assert (connected, first["error"], code) == (True, "forbidden", 4403)


def test_board_from_a_foreign_origin_is_refused(personas):
    # when
    connected, first, code = open_board(personas.a.chief, origin="https://evil.example")

    # then
    assert (connected, first, code) == (False, None, None)


def ping_board(user):
    """A ping on an open board: what comes back (a frame, or the close)."""

    async def scenario():
        board = await board_socket(user, "http://testserver")
        await board.connect()
        assert (await receive(board))["type"] == "hello"
        await board.send_json_to({"type": "ping"})
        output = await board.receive_output(timeout=2)
        await board.disconnect()
        return output

    return async_to_sync(scenario)()


def test_a_boards_pong_comes_round_through_the_channel_layer(personas, monkeypatch):
    # given: the layer carries what the board's socket sends itself
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    sent = []
    original = layer.send

    async def counting(channel, message):
        sent.append(message["type"])
        return await original(channel, message)

    monkeypatch.setattr(layer, "send", counting)

    # when
    output = ping_board(personas.a.chief)

    # then: the pong, having gone through the layer
    assert output["type"] == "websocket.send"
    assert '"pong"' in output["text"]
    assert sent == ["kuzet.pong"]


def test_a_board_whose_channel_layer_is_down_gets_no_pong_but_a_close(personas, monkeypatch):
    # given: Redis gone (the layer raises on every send)
    from channels.layers import get_channel_layer

    layer = get_channel_layer()

    async def down(channel, message):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(layer, "send", down)

    # when
    output = ping_board(personas.a.chief)

    # then: closed (board.js reconnects and reloads), not a pong that said all was well
    assert output == {"type": "websocket.close", "code": 1011}
