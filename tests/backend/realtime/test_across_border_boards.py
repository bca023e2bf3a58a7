"""A unit sent across the border (``selectors.units_across_border``) is on both districts'
boards: the call's district sees its call staffed as always, the unit's own district sees
where its unit went — an alert and the assignment's row, live and after a reload."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async

from backend.common import clock
from backend.dispatch.services import incident_dispatch
from backend.people.models import Role
from backend.realtime.board import board_snapshot
from backend.realtime.models import BoardAlert
from tests import factories

from .conftest import board_socket, receive

pytestmark = pytest.mark.django_db(transaction=True)

AT = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


async def frames_until_quiet(socket: Any) -> list[dict[str, Any]]:
    got = []
    while not await socket.receive_nothing(timeout=0.5):
        got.append(await receive(socket))
    return got


def test_the_units_own_district_board_follows_it_to_the_call_across_the_border(personas):
    # given: a call in Ayagoz district (A); the boards of both districts' desks are open
    a, b = personas.a, personas.b
    call = factories.incident(district=a.district, settlement=a.village, category="robbery")
    desks = [
        factories.officer(username=f"duty_{x}", role=Role.DUTY_OFFICER, district=d.district)
        for x, d in (("a", a), ("b", b))
    ]

    def send() -> Any:
        with clock.frozen(AT):
            return incident_dispatch(incident=call, unit=b.patrol, by=personas.duty)

    async def scenario() -> tuple[list[dict[str, Any]], list[dict[str, Any]], Any]:
        boards = [await board_socket(u) for u in desks]
        for board in boards:
            await board.connect()
            await receive(board)  # hello
        sent = await database_sync_to_async(send)()
        got = [await frames_until_quiet(board) for board in boards]
        for board in boards:
            await board.disconnect()
        return got[0], got[1], sent

    # when: the oblast ЦОУ sends Abai district's (B's) patrol
    on_a, on_b, sent = async_to_sync(scenario)()

    # then: A's board as always
    assert [f["kind"] for f in on_a if f["type"] == "alert"] == ["assignment.dispatched"]
    a_rows = [r for f in on_a if f["type"] == "rows" for r in f["tables"].get("assignments", [])]
    assert [(r["id"], r["district_id"]) for r in a_rows] == [(sent.pk, a.district.pk)]
    # and B's board hears where its unit went, with the call's place
    (alert,) = [f for f in on_b if f["type"] == "alert"]
    assert {k: alert[k] for k in ("kind", "district_id", "callsign", "incident_number")} == {
        "kind": "assignment.dispatched",
        "district_id": b.district.pk,
        "callsign": "B-PC1",
        "incident_number": call.number,
    }
    assert (alert["across_border"], alert["incident_district_id"], alert["settlement"]) == (
        True,
        a.district.pk,
        "Актогай",
    )
    b_rows = [r for f in on_b if f["type"] == "rows" for r in f["tables"].get("assignments", [])]
    assert [(r["id"], r["district_id"], r["unit_district_id"]) for r in b_rows] == [
        (sent.pk, a.district.pk, b.district.pk)
    ]
    b_incidents = [r for f in on_b if f["type"] == "rows" for r in f["tables"].get("incidents", [])]
    assert b_incidents == []  # the call itself stays A's
    assert BoardAlert.objects.filter(district_id=b.district.pk).count() == 1


def test_after_a_reload_the_units_own_board_still_shows_it_on_the_other_districts_call(
    personas,
):
    # given
    a, b = personas.a, personas.b
    call = factories.incident(district=a.district, settlement=a.village)
    with clock.frozen(AT):
        sent = incident_dispatch(incident=call, unit=b.patrol, by=personas.duty)

    # when
    with clock.frozen(AT):
        on_b = board_snapshot(b.chief)
        on_a = board_snapshot(a.chief)

    # then
    assert [(r["id"], r["callsign"]) for r in on_b["assignments"]] == [(sent.pk, "B-PC1")]
    assert on_b["incidents"] == []
    assert [r["id"] for r in on_a["assignments"]] == [sent.pk]
    assert [r["id"] for r in on_a["incidents"]] == [call.pk]
