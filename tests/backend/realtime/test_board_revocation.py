"""An open board closes when its staff member's access ends or changes.

A board socket is opened once, with its session's scope, and went on receiving its
district's frames after the chief was deactivated, signed out, had his password changed or
was moved to another district. Now the officer's own group is told (``access_changed`` →
``fanout.boards_recheck``) and the board checks its session again: 4401 when it opens no
board any more (board.js says "signed out" and links the login form), 4409 when its scope
changed (board.js reconnects and gets the new groups); every ping checks again too.
"""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from backend.people.models import Officer
from backend.realtime import consumers, groups

from .conftest import application, group_send, receive, receive_close

pytestmark = pytest.mark.django_db(transaction=True)


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def board_of(client: Client) -> WebsocketCommunicator:
    cookie = client.cookies["sessionid"].value
    headers = [
        (b"origin", b"http://testserver"),
        (b"host", b"testserver"),
        (b"cookie", f"sessionid={cookie}".encode()),
    ]
    return WebsocketCommunicator(application, "/ws/board/v1/", headers=headers)


def after(user, change, *, group, other_session=False):
    """Open the user's board, make ``change(officer, client)`` in a worker thread, then send
    a frame to ``group``: what the board got next — (the error, the close code) or (the
    frame's type, None)."""

    async def scenario():
        client = await database_sync_to_async(signed_in)(user)
        other = await database_sync_to_async(signed_in)(user)
        board = board_of(client)
        await board.connect()
        assert (await receive(board))["type"] == "hello"
        target = other if other_session else client
        await database_sync_to_async(lambda: change(Officer.objects.get(pk=user.pk), target))()
        await group_send(group, {"type": "alert", "kind": "sos"})
        first = await receive(board)
        if first["type"] == "error":
            return first["error"], await receive_close(board)
        await board.disconnect()
        return first["type"], None

    return async_to_sync(scenario)()


def deactivate(officer, client):
    officer.is_active = False
    officer.save()


def new_password(officer, client):
    officer.set_password("another-Password-1")
    officer.save()


def log_out(officer, client):
    client.logout()


def renamed(officer, client):
    officer.first_name = "Нурлан"
    officer.save()


@pytest.mark.parametrize("change", [deactivate, new_password, log_out])
def test_a_chiefs_board_closes_4401_when_his_access_ends(personas, change):
    # when
    frame, code = after(personas.a.chief, change, group=groups.board_chief(personas.a.district.pk))

    # then: closed before the district's next frame
    assert (frame, code) == ("unauthenticated", 4401)


@pytest.mark.parametrize("change", [deactivate, log_out])
def test_a_duty_officers_board_closes_4401_when_his_access_ends(personas, change):
    # when
    frame, code = after(personas.duty, change, group=groups.board_district(personas.a.district.pk))

    # then
    assert (frame, code) == ("unauthenticated", 4401)


def test_a_sign_out_in_another_browser_leaves_this_board_open(personas):
    # when
    frame, code = after(
        personas.a.chief,
        log_out,
        group=groups.board_chief(personas.a.district.pk),
        other_session=True,
    )

    # then
    assert (frame, code) == ("alert", None)


def test_an_unrelated_change_leaves_the_board_open(personas):
    # when
    frame, code = after(personas.a.chief, renamed, group=groups.board_chief(personas.a.district.pk))

    # then
    assert (frame, code) == ("alert", None)


def test_a_chief_moved_to_another_district_reconnects_to_its_board(personas):
    # given
    chief = personas.a.chief
    b = personas.b.district

    def move(officer, client):
        officer.district = b
        officer.save()

    async def scenario():
        client = await database_sync_to_async(signed_in)(chief)
        board = board_of(client)
        await board.connect()
        assert (await receive(board))["type"] == "hello"
        await database_sync_to_async(lambda: move(Officer.objects.get(pk=chief.pk), client))()
        error, code = await receive(board), await receive_close(board)
        # board.js reconnects on any code but 4401/4403
        again = board_of(client)
        await again.connect()
        hello = await receive(again)
        await group_send(groups.board_chief(b.pk), {"type": "alert", "kind": "sos"})
        frame = await receive(again)
        await again.disconnect()
        return error["error"], code, hello["type"], frame["type"]

    # when
    outcome = async_to_sync(scenario)()

    # then: closed, and open again on the new district's frames
    assert outcome == ("scope_changed", 4409, "hello", "alert")


def test_a_ping_closes_a_board_whose_officer_was_deactivated_without_a_signal(
    personas, monkeypatch
):
    # given: a deactivation that sends nothing (QuerySet.update), and every ping re-checking
    monkeypatch.setattr(consumers, "PING_REFRESH_SECONDS", 0.0)
    chief = personas.a.chief

    async def scenario():
        client = await database_sync_to_async(signed_in)(chief)
        board = board_of(client)
        await board.connect()
        assert (await receive(board))["type"] == "hello"
        await database_sync_to_async(Officer.objects.filter(pk=chief.pk).update)(is_active=False)
        await board.send_json_to({"type": "ping"})
        return await receive(board), await receive_close(board)

    # when
    error, code = async_to_sync(scenario)()

    # then
    assert (error["error"], code) == ("unauthenticated", 4401)


def test_a_ping_on_a_live_board_is_still_answered(personas, monkeypatch):
    # given
    monkeypatch.setattr(consumers, "PING_REFRESH_SECONDS", 0.0)

    async def scenario():
        client = await database_sync_to_async(signed_in)(personas.a.chief)
        board = board_of(client)
        await board.connect()
        assert (await receive(board))["type"] == "hello"
        await board.send_json_to({"type": "ping"})
        pong = await receive(board)
        await board.disconnect()
        return pong

    # when / then
    assert async_to_sync(scenario)()["type"] == "pong"
