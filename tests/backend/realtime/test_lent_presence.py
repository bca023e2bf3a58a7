"""A crew whose phone is silent while a desk records its milestones heard on the radio is
heard from: the record on its behalf is contact with the crew (``Unit.last_contact_at``, via
the channel), whichever desk records it — its own district's, or the desk of another
district's call it was lent to. Its own district's board shows it busy on that call, not
"unreachable" in red (the home board read only the phone's contacts, so a lent crew recorded
by radio across the border went red at home while the other desk talked to it)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.utils import translation

from backend.common import clock
from backend.dispatch.lifecycle import EventKind
from backend.dispatch.services import assignment_record_on_behalf, incident_dispatch
from backend.people.models import Role, Unit
from backend.realtime.board import board_snapshot
from backend.realtime.presence import presence_sweep
from tests import factories

from .conftest import board_socket, receive

T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


def at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def b_patrol_dispatched(personas: Any, settings: Any, *, lent: bool) -> Any:
    """B-PC1's phone last heard at T0 - 10 min; sent at T0 to a call of Ayagoz (A), lent
    across the border, or of its own district Abai (B). Silent past 15 min at T0 + 6 min."""
    settings.KUZET_UNREACHABLE_MINUTES = 15
    Unit.objects.update(last_contact_at=at(-10), last_contact_via="pull")
    home = personas.a if lent else personas.b
    call = factories.incident(
        district=home.district, settlement=home.village, priority="P1", received_at=T0
    )
    with clock.frozen(T0):
        return incident_dispatch(incident=call, unit=personas.b.patrol, by=personas.duty)


def desk_of(personas: Any, district: Any, name: str) -> Any:
    return factories.officer(username=name, role=Role.DUTY_OFFICER, district=district)


def b_patrol_on(board: dict[str, Any]) -> dict[str, Any]:
    (row,) = [u for u in board["units"] if u["callsign"] == "B-PC1"]
    return {k: row[k] for k in ("presence", "last_contact_via")}


@pytest.mark.django_db
@pytest.mark.parametrize("lent", [True, False], ids=["other-districts-desk", "own-desk"])
def test_a_milestone_recorded_by_radio_is_contact_with_the_crew_whichever_desk_records_it(
    personas, settings, lent
):
    # given: B-PC1 on a call, its phone silent: its own board shows it unreachable, announced
    sent = b_patrol_dispatched(personas, settings, lent=lent)
    recorder = desk_of(personas, sent.incident.district, "duty_of_the_call")
    home_desk = desk_of(personas, personas.b.district, "duty_abai")
    with clock.frozen(at(6)):
        assert personas.b.patrol.pk in presence_sweep().became_unreachable
        assert b_patrol_on(board_snapshot(home_desk))["presence"] == "unreachable"

    # when: the call's desk records, by radio, that the crew is on scene
    with clock.frozen(at(8)):
        assignment_record_on_behalf(
            assignment=sent, by=recorder, kind=EventKind.ON_SCENE, channel="radio"
        )

    # then: the crew was heard at that moment, by radio; its own board shows it on scene
    unit = Unit.objects.get(pk=personas.b.patrol.pk)
    assert (unit.last_contact_at, unit.last_contact_via) == (at(8), "radio")
    with clock.frozen(at(9)):
        assert b_patrol_on(board_snapshot(home_desk)) == {
            "presence": "on_scene",
            "last_contact_via": "radio",
        }
        # and the sweep announces it heard again, once
        sweep = presence_sweep()
    assert (sweep.became_unreachable, sweep.became_reachable) == ([], [personas.b.patrol.pk])
    # and a crew that then says nothing more goes unreachable again when its time is up
    with clock.frozen(at(8 + 15.5)):
        assert b_patrol_on(board_snapshot(home_desk))["presence"] == "unreachable"


@pytest.mark.django_db
def test_a_record_dated_earlier_does_not_move_the_last_contact_back(personas, settings):
    # given: B-PC1 lent; its phone heard at T0 + 5 min
    sent = b_patrol_dispatched(personas, settings, lent=True)
    Unit.objects.filter(pk=personas.b.patrol.pk).update(last_contact_at=at(5))

    # when: a record on its behalf whose moment is earlier (the service's ``now``)
    assignment_record_on_behalf(
        assignment=sent, by=personas.duty, kind=EventKind.ACK, channel="phone", now=at(3)
    )

    # then: the phone's contact stays the last one
    unit = Unit.objects.get(pk=personas.b.patrol.pk)
    assert (unit.last_contact_at, unit.last_contact_via) == (at(5), "pull")


async def frames_until_quiet(socket: Any) -> list[dict[str, Any]]:
    got = []
    while not await socket.receive_nothing(timeout=0.5):
        got.append(await receive(socket))
    return got


@pytest.mark.django_db(transaction=True)
def test_the_home_board_hears_live_that_the_lent_crew_answered_by_radio(personas, settings):
    # given: B-PC1 lent to Ayagoz's call, its phone silent for 16 minutes; Abai's board open
    sent = b_patrol_dispatched(personas, settings, lent=True)
    desk_a = desk_of(personas, personas.a.district, "duty_ayagoz")
    desk_b = desk_of(personas, personas.b.district, "duty_abai")

    def acknowledge() -> None:
        with clock.frozen(at(6)):
            assignment_record_on_behalf(
                assignment=sent, by=desk_a, kind=EventKind.ACK, channel="radio"
            )

    async def scenario() -> list[dict[str, Any]]:
        board = await board_socket(desk_b)
        await board.connect()
        await receive(board)  # hello
        await database_sync_to_async(acknowledge)()
        got = await frames_until_quiet(board)
        await board.disconnect()
        return got

    # when: Ayagoz's desk records the crew's acknowledgement heard on the radio (the crew's
    # status does not change: nothing else brings its row)
    frames = async_to_sync(scenario)()

    # then: Abai's board gets B-PC1's row, heard from by radio, no longer unreachable
    rows = [r for f in frames if f["type"] == "rows" for r in f["tables"].get("units", [])]
    assert [(r["callsign"], r["presence"], r["last_contact_via"]) for r in rows] == [
        ("B-PC1", "dispatched", "radio")
    ]


@pytest.mark.parametrize(
    ("via", "ru", "kk"),
    [
        ("radio", "рация", "рация"),
        ("phone", "телефон", "телефон"),
        ("in_person", "лично", "жеке өзі"),
    ],
)
def test_a_contact_heard_by_a_desk_reads_in_words(via, ru, kk):
    # given: a unit last heard by a desk, by its channel (the unit's page, the audit log)
    unit = Unit(last_contact_via=via)

    # when / then: read in Russian and Kazakh, not as the stored word
    with translation.override("ru"):
        assert unit.last_contact_via_text == ru
    with translation.override("kk"):
        assert unit.last_contact_via_text == kk
