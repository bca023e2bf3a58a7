"""Fixtures for the real-time tests: a clean channel layer and socket helpers.

Consumers reach the database through ``database_sync_to_async``, which closes the
connection around every call; that cannot happen inside the rollback-wrapped ``db``
fixture, so these tests use ``transactional_db`` (commits are real, ``on_commit``
listeners run as in production).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import InMemoryChannelLayer, get_channel_layer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.test import Client

from backend.realtime import fanout
from backend.realtime.routing import websocket_urlpatterns

application = URLRouter(websocket_urlpatterns)


@pytest.fixture(autouse=True)
def clean_layer() -> Iterator[None]:
    """Empty the in-memory layer and forget the poke throttle between tests.

    A Redis layer needs no flush: every consumer gets a fresh channel name, and flushing
    would close the fan-out's long-lived per-loop connections from the wrong loop.
    """
    layer = get_channel_layer()
    if isinstance(layer, InMemoryChannelLayer):
        async_to_sync(layer.flush)()
    fanout._wide_pokes.reset()
    yield
    fanout._wide_pokes.reset()


def device_socket(
    token: str | None = None, subprotocols: list[str] | None = None
) -> WebsocketCommunicator:
    if subprotocols is None:
        subprotocols = ["kuzet.v1", f"token.{token}"] if token else ["kuzet.v1"]
    return WebsocketCommunicator(application, "/ws/sync/v1/", subprotocols=subprotocols)


def session_cookie(user: Any) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


async def board_socket(
    user: Any | None, origin: str = "http://testserver"
) -> WebsocketCommunicator:
    headers = [(b"origin", origin.encode()), (b"host", b"testserver")]
    if user is not None:
        cookie = await database_sync_to_async(session_cookie)(user)
        headers.append((b"cookie", f"sessionid={cookie}".encode()))
    return WebsocketCommunicator(application, "/ws/board/v1/", headers=headers)


async def receive(socket: WebsocketCommunicator, timeout: float = 3) -> dict[str, Any]:
    return orjson.loads(await socket.receive_from(timeout=timeout))


async def receive_close(socket: WebsocketCommunicator, timeout: float = 3) -> int:
    """The close code of the next output, which must be a close."""
    message = await socket.receive_output(timeout=timeout)
    assert message["type"] == "websocket.close", message
    return message.get("code", 1000)


async def group_send(group: str, payload: dict[str, Any]) -> None:
    await get_channel_layer().group_send(group, fanout.frame(payload))
