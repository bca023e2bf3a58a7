"""Open sockets are counted in ``kuzet_websocket_connections`` from connect to disconnect."""

import pytest
from asgiref.sync import async_to_sync

from backend.ops.metrics import WEBSOCKET_CONNECTIONS

from .conftest import board_socket, receive

pytestmark = pytest.mark.django_db(transaction=True)


def boards_open() -> float:
    return WEBSOCKET_CONNECTIONS.labels("board")._value.get()


def test_a_board_socket_counts_while_it_is_open(personas):
    # given
    before = boards_open()

    async def scenario() -> tuple[float, float]:
        board = await board_socket(personas.a.chief, "http://testserver")
        await board.connect()
        assert (await receive(board))["type"] == "hello"
        during = boards_open()
        await board.disconnect()
        return during, boards_open()

    # when
    during, after = async_to_sync(scenario)()

    # then
    assert (during - before, after - before) == (1, 0)
