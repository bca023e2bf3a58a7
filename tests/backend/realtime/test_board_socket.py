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
