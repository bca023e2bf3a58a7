import datetime as dt

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async

from backend.common import clock
from backend.dispatch.models import Category
from backend.dispatch.services.messages import assignment_message
from backend.ledger import uow
from backend.ledger.uow import Commit, CommittedChange, Notification
from backend.people.models import Unit
from backend.realtime import fanout
from backend.realtime.models import BoardAlert
from backend.sync_gateway.render import empty_changes, records_for
from tests import factories

from .conftest import board_socket, device_socket, receive

pytestmark = pytest.mark.django_db(transaction=True)

AT = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)


def change(seq, audience, table, record_id, deleted=False):
    return CommittedChange(seq, audience, table, str(record_id), deleted)


async def connect(token):
    socket = device_socket(token)
    await socket.connect()
    await receive(socket)  # hello
    return socket


def publish(commit):
    return database_sync_to_async(fanout.commit_listener)(commit)


def first_frame(token, commit):
    """The first frame a device connected with ``token`` gets once ``commit`` is fanned out."""

    async def scenario():
        socket = await connect(token)
        await publish(commit)
        frame = await receive(socket)
        await socket.disconnect()
        return frame

    return async_to_sync(scenario)()


def test_unit_change_reaches_the_units_devices_as_one_changes_frame(personas):
    # given
    a = personas.a
    incident = factories.incident(district=a.district, settlement=a.town)
    assignment = factories.assignment(incident=incident, unit=a.patrol)
    _, patrol_token = personas.device(a.patrol_officers[0])
    _, partner_token = personas.device(a.patrol_officers[1])
    _, inspector_token = personas.device(a.inspector)
    commit = Commit(
        [
            change(10, f"u:{a.patrol.pk}", "incidents", incident.pk),
            change(11, f"u:{a.patrol.pk}", "assignments", assignment.pk),
        ],
        [],
    )
    expected = empty_changes(1)
    expected["incidents"]["updated"] = records_for("incidents", [incident.pk])
    expected["assignments"]["updated"] = records_for("assignments", [assignment.pk])

    async def scenario():
        patrol, partner, inspector = [
            await connect(t) for t in (patrol_token, partner_token, inspector_token)
        ]
        await publish(commit)
        frames = [await receive(patrol), await receive(partner)]
        inspector_quiet = await inspector.receive_nothing(timeout=0.2)
        for socket in (patrol, partner, inspector):
            await socket.disconnect()
        return frames, inspector_quiet

    # when
    frames, inspector_quiet = async_to_sync(scenario)()

    # then
    assert frames == [{"type": "changes", "timestamp": 11, "changes": expected}] * 2
    assert inspector_quiet is True


def test_moved_out_record_travels_as_a_deleted_id(personas):
    # given
    a = personas.a
    _, token = personas.device(a.inspector)
    commit = Commit([change(5, f"u:{a.inspector_unit.pk}", "assignments", 77, deleted=True)], [])
    expected = empty_changes(1)
    expected["assignments"]["deleted"] = ["77"]

    # when
    frame = first_frame(token, commit)

    # then
    assert frame == {"type": "changes", "timestamp": 5, "changes": expected}


def test_domestic_violence_incident_is_poked_not_sent(personas):
    # given
    a = personas.a
    incident = factories.incident(
        district=a.district, category=Category.DOMESTIC_VIOLENCE, priority="P1"
    )
    assignment = factories.assignment(incident=incident, unit=a.patrol)
    _, token = personas.device(a.patrol_officers[0])
    commit = Commit(
        [
            change(20, f"u:{a.patrol.pk}", "incidents", incident.pk),
            change(21, f"u:{a.patrol.pk}", "assignments", assignment.pk),
        ],
        [],
    )

    # when
    frame = first_frame(token, commit)

    # then
    assert frame == {"type": "poke", "timestamp": 21}


def test_commit_too_large_for_a_frame_is_poked(personas, monkeypatch):
    # given
    monkeypatch.setattr(fanout, "MAX_FRAME_RECORDS", 1)
    a = personas.a
    incident = factories.incident(district=a.district)
    assignment = factories.assignment(incident=incident, unit=a.patrol)
    _, token = personas.device(a.patrol_officers[0])
    commit = Commit(
        [
            change(30, f"u:{a.patrol.pk}", "incidents", incident.pk),
            change(31, f"u:{a.patrol.pk}", "assignments", assignment.pk),
        ],
        [],
    )

    # when
    frame = first_frame(token, commit)

    # then
    assert frame == {"type": "poke", "timestamp": 31}


def test_district_changes_are_poked_at_most_once_per_window_and_the_last_one_later(
    personas, monkeypatch
):
    # given
    monkeypatch.setattr(fanout, "_wide_pokes", fanout._WidePokes(window=0.3))
    a = personas.a
    _, token = personas.device(a.inspector)
    district = f"d:{a.district.pk}"

    async def scenario():
        socket = await connect(token)
        await publish(Commit([change(40, district, "units", a.patrol.pk)], []))
        first = await receive(socket)
        await publish(Commit([change(41, district, "units", a.patrol.pk)], []))
        await publish(Commit([change(42, district, "units", a.inspector_unit.pk)], []))
        held_back = await socket.receive_nothing(timeout=0.1)
        later = await receive(socket, timeout=5)
        await socket.disconnect()
        return first, held_back, later

    # when
    first, held_back, later = async_to_sync(scenario)()

    # then
    assert first == {"type": "poke", "timestamp": 40}
    assert held_back is True
    assert later == {"type": "poke", "timestamp": 42}


def test_unit_frame_carries_the_commits_highest_sequence(personas):
    # given: the unit status (district audience) was numbered after the assignment
    a = personas.a
    incident = factories.incident(district=a.district)
    assignment = factories.assignment(incident=incident, unit=a.patrol)
    _, token = personas.device(a.patrol_officers[0])
    commit = Commit(
        [
            change(50, f"u:{a.patrol.pk}", "assignments", assignment.pk),
            change(51, f"d:{a.district.pk}", "units", a.patrol.pk),
        ],
        [],
    )

    async def scenario():
        socket = await connect(token)
        await publish(commit)
        frames = [await receive(socket), await receive(socket)]
        await socket.disconnect()
        return frames

    # when
    poke, frame = async_to_sync(scenario)()

    # then
    assert poke == {"type": "poke", "timestamp": 51}
    assert (frame["type"], frame["timestamp"]) == ("changes", 51)
    assert [r["id"] for r in frame["changes"]["assignments"]["updated"]] == [str(assignment.pk)]


def test_committed_unit_of_work_is_fanned_out_after_commit(personas):
    # given
    a = personas.a
    incident = factories.incident(district=a.district, settlement=a.town)
    _, token = personas.device(a.patrol_officers[0])

    def dispatch():
        with uow.unit_of_work():
            assignment = factories.assignment(incident=incident, unit=a.patrol)
            uow.touch("assignments", assignment.pk)
            uow.touch("incidents", incident.pk)
        return assignment

    async def scenario():
        socket = await connect(token)
        assignment = await database_sync_to_async(dispatch)()
        frame = await receive(socket)
        await socket.disconnect()
        return assignment, frame

    # when
    assignment, frame = async_to_sync(scenario)()

    # then
    assert frame["type"] == "changes"
    assert frame["timestamp"] == uow.current_change_seq()
    assert [r["id"] for r in frame["changes"]["assignments"]["updated"]] == [str(assignment.pk)]
    assert [r["id"] for r in frame["changes"]["incidents"]["updated"]] == [str(incident.pk)]


def test_a_failing_renderer_degrades_to_pokes_without_raising(personas, monkeypatch):
    # given
    def broken(*args, **kwargs):
        raise RuntimeError("renderer down")

    monkeypatch.setattr(fanout, "records_for", broken)
    a = personas.a
    _, token = personas.device(a.patrol_officers[0])
    commit = Commit([change(60, f"u:{a.patrol.pk}", "assignments", 1)], [])

    # when
    frame = first_frame(token, commit)

    # then
    assert frame == {"type": "poke", "timestamp": 60}


def notify_in_a_unit_of_work(**data):
    with uow.unit_of_work():
        uow.notify("board", **data)


def test_board_alert_reaches_the_boards_of_its_district_only(personas):
    # given
    a, b = personas.a, personas.b

    async def scenario():
        boards = [await board_socket(u) for u in (a.chief, personas.duty, b.chief)]
        for board in boards:
            await board.connect()
            await receive(board)  # hello
        await database_sync_to_async(notify_in_a_unit_of_work)(
            district_id=a.district.pk, kind="sos", unit_id=a.patrol.pk
        )
        received = [await receive(boards[0]), await receive(boards[1])]
        b_quiet = await boards[2].receive_nothing(timeout=0.2)
        for board in boards:
            await board.disconnect()
        return received, b_quiet

    # when
    with clock.frozen(AT):
        received, b_quiet = async_to_sync(scenario)()

    # then
    stored = BoardAlert.objects.get()
    expected = {
        "type": "alert",
        "district_id": a.district.pk,
        "kind": "sos",
        "unit_id": a.patrol.pk,
        "alert_id": stored.pk,
        "server_time": clock.to_ms(AT),
    }
    assert received == [expected, expected]
    assert b_quiet is True
    assert (stored.kind, stored.district_id, stored.data) == (
        "sos",
        a.district.pk,
        {"unit_id": a.patrol.pk},
    )


def test_a_board_alert_is_kept_with_the_commit_or_not_at_all(personas, settings):
    # given: no listener after commit at all (a process that dies right after committing)
    settings.KUZET_CHANGE_LISTENERS = []
    a = personas.a

    # when: one unit of work commits its alert, another fails after notifying
    notify_in_a_unit_of_work(district_id=a.district.pk, kind="sos", unit_id=a.patrol.pk)

    def failing_command():
        with uow.unit_of_work():
            uow.notify("board", district_id=a.district.pk, kind="escalation.ack_overdue")
            uow.flush()  # the alert row is written…
            raise RuntimeError("…and the command fails before its commit")

    with pytest.raises(RuntimeError):
        failing_command()

    # then: the committed alert is on the boards' list, the failed one is not
    assert list(BoardAlert.objects.values_list("kind", flat=True)) == ["sos"]


def test_board_gets_current_rows_of_changed_assignments_and_units(personas):
    # given
    a = personas.a
    with clock.frozen(AT):
        incident = factories.incident(
            district=a.district, settlement=a.town, summary="fight at the market"
        )
        assignment = factories.assignment(incident=incident, unit=a.patrol)
    commit = Commit(
        [
            change(70, f"u:{a.patrol.pk}", "assignments", assignment.pk),
            change(71, f"d:{a.district.pk}", "units", a.patrol.pk),
        ],
        [],
    )

    async def scenario():
        board = await board_socket(a.chief)
        await board.connect()
        await receive(board)
        await publish(commit)
        frame = await receive(board)
        await board.disconnect()
        return frame

    # when
    with clock.frozen(AT):
        frame = async_to_sync(scenario)()

    # then
    a.patrol.refresh_from_db()
    assert frame["type"] == "rows"
    assert frame["tables"]["assignments"] == [
        {
            "id": assignment.pk, "incident_id": incident.pk, "unit_id": a.patrol.pk,
            "status": "dispatched", "dispatched_at": clock.to_ms(AT), "delivered_at": None,
            "acknowledged_at": None, "en_route_at": None, "on_scene_at": None, "cleared_at": None,
            "ack_due_at": None, "arrive_due_at": None, "escalation_level": 0,
            "district_id": a.district.pk, "incident_number": incident.number, "priority": "P2",
            "callsign": "A-PC1", "unit_district_id": a.district.pk, "exercise": False,
            "message": None,
        }
    ]  # fmt: skip
    assert [(u["id"], u["presence"]) for u in frame["tables"]["units"]] == [
        (a.patrol.pk, "available")
    ]


def test_board_rows_hide_the_details_of_domestic_violence_incidents(personas):
    # given
    a = personas.a
    incident = factories.incident(
        district=a.district,
        category=Category.DOMESTIC_VIOLENCE,
        priority="P1",
        summary="husband threatens",
        landmark="house 4",
    )

    # when
    rows = fanout.board_rows({"incidents": {str(incident.pk)}})

    # then
    assert [(r["summary"], r["landmark"], r["category"]) for r in rows["incidents"]] == [
        ("", "", "domestic_violence")
    ]


def test_board_rows_mark_an_exercise_call_and_its_crew(personas):
    # given: a drill (Incident.exercise) and a real call, a unit on each
    a = personas.a
    drill = factories.incident(district=a.district, exercise=True)
    real = factories.incident(district=a.district)
    on_drill = factories.assignment(incident=drill, unit=a.patrol)
    on_real = factories.assignment(incident=real, unit=a.inspector_unit)

    # when
    rows = fanout.board_rows(
        {
            "incidents": {str(drill.pk), str(real.pk)},
            "assignments": {str(on_drill.pk), str(on_real.pk)},
        }
    )

    # then: the board can say which is the drill (board.js: the "Exercise" badge)
    assert {r["id"]: r["exercise"] for r in rows["incidents"]} == {drill.pk: True, real.pk: False}
    assert {r["id"]: r["exercise"] for r in rows["assignments"]} == {
        on_drill.pk: True,
        on_real.pk: False,
    }


def test_an_alert_about_an_exercise_call_says_so_live_and_on_the_kept_list(personas):
    # given
    a = personas.a
    drill = factories.incident(district=a.district, exercise=True)
    real = factories.incident(district=a.district)

    async def scenario():
        board = await board_socket(personas.duty)
        await board.connect()
        await receive(board)  # hello
        await database_sync_to_async(notify_in_a_unit_of_work)(
            district_id=a.district.pk, kind="incident.created", incident_id=drill.pk
        )
        await database_sync_to_async(notify_in_a_unit_of_work)(
            district_id=a.district.pk, kind="incident.created", incident_id=real.pk
        )
        frames = [await receive(board) for _ in range(4)]
        await board.disconnect()
        return [f for f in frames if f["type"] == "alert"]

    # when
    alerts = async_to_sync(scenario)()

    # then: the drill's alert carries the mark, the real call's does not
    assert [(f["incident_id"], f.get("exercise")) for f in alerts] == [
        (drill.pk, True),
        (real.pk, None),
    ]
    kept = dict(BoardAlert.objects.values_list("incident_id", "data__exercise"))
    assert kept == {drill.pk: True, real.pk: None}


def test_alert_not_meant_for_the_chief_reaches_duty_officers_only(personas):
    # given
    a = personas.a
    alert = Notification(
        "board",
        {"district_id": a.district.pk, "kind": "escalation.sms_undelivered", "chief": False},
    )

    async def scenario():
        chief, duty = await board_socket(a.chief), await board_socket(personas.duty)
        for board in (chief, duty):
            await board.connect()
            await receive(board)
        await publish(Commit([], [alert]))
        duty_frame = await receive(duty)
        chief_quiet = await chief.receive_nothing(timeout=0.2)
        for board in (chief, duty):
            await board.disconnect()
        return duty_frame, chief_quiet

    # when
    duty_frame, chief_quiet = async_to_sync(scenario)()

    # then
    assert (duty_frame["type"], duty_frame["kind"]) == ("alert", "escalation.sms_undelivered")
    assert chief_quiet is True


def test_repush_sends_the_assignment_to_its_unit_again(personas):
    # given
    a = personas.a
    incident = factories.incident(district=a.district, settlement=a.town)
    assignment = factories.assignment(incident=incident, unit=a.patrol)
    _, token = personas.device(a.patrol_officers[0])
    repush = Notification(
        "assignment.repush",
        {
            "district_id": a.district.pk,
            "assignment_id": assignment.pk,
            "unit_id": a.patrol.pk,
            "incident_id": incident.pk,
        },
    )
    expected = empty_changes(1)
    expected["incidents"]["updated"] = records_for("incidents", [incident.pk])
    expected["assignments"]["updated"] = records_for("assignments", [assignment.pk])

    async def scenario():
        socket = await connect(token)
        await publish(Commit([], [repush]))
        frame = await receive(socket)
        await socket.disconnect()
        return frame

    # when
    frame = async_to_sync(scenario)()

    # then
    assert frame == {"type": "changes", "timestamp": uow.current_change_seq(), "changes": expected}


def test_board_unit_rows_show_silent_units_as_unreachable(personas, settings):
    # given
    settings.KUZET_UNREACHABLE_MINUTES = 15
    a = personas.a
    Unit.objects.filter(pk=a.patrol.pk).update(last_contact_at=AT - dt.timedelta(minutes=16))
    Unit.objects.filter(pk=a.inspector_unit.pk).update(
        last_contact_at=AT - dt.timedelta(minutes=15)
    )

    # when
    with clock.frozen(AT):
        rows = fanout.unit_rows(Unit.objects.filter(district=a.district).order_by("callsign"))

    # then
    assert [(r["callsign"], r["presence"]) for r in rows] == [
        ("A-PC1", "unreachable"),
        ("A-UI1", "available"),
    ]


def test_many_alerts_of_one_commit_reach_a_board_as_one_frame(personas):
    # given: an escalation sweep raised three alerts in one commit
    a = personas.a
    notes = [
        Notification("board", {"district_id": a.district.pk, "kind": kind, "chief": False})
        for kind in ("escalation.sms_undelivered", "escalation.ack_overdue", "sos")
    ]

    async def scenario():
        duty = await board_socket(personas.duty)
        await duty.connect()
        await receive(duty)  # hello
        await publish(Commit([], notes))
        first = await receive(duty)
        nothing_more = await duty.receive_nothing(timeout=0.2)
        await duty.disconnect()
        return first, nothing_more

    # when
    with clock.frozen(AT):
        first, nothing_more = async_to_sync(scenario)()

    # then
    assert first["type"] == "alerts"
    assert [item["kind"] for item in first["items"]] == [
        "escalation.sms_undelivered",
        "escalation.ack_overdue",
        "sos",
    ]
    assert {item["type"] for item in first["items"]} == {"alert"}
    assert first["server_time"] == clock.to_ms(AT)
    assert nothing_more is True


def test_board_rows_show_silent_units_as_unreachable(personas, settings):
    # given: one unit silent for just over the limit, one for exactly the limit
    settings.KUZET_UNREACHABLE_MINUTES = 15
    a = personas.a
    Unit.objects.filter(pk=a.patrol.pk).update(
        last_contact_at=AT - dt.timedelta(minutes=15, milliseconds=1)
    )
    Unit.objects.filter(pk=a.inspector_unit.pk).update(
        last_contact_at=AT - dt.timedelta(minutes=15)
    )

    # when
    with clock.frozen(AT):
        rows = fanout.board_rows({"units": {str(a.patrol.pk), str(a.inspector_unit.pk)}})

    # then
    assert [(r["callsign"], r["presence"]) for r in rows["units"]] == [
        ("A-PC1", "unreachable"),
        ("A-UI1", "available"),
    ]


class _Portable:
    vendor = "sqlite"  # anything but postgresql selects the ORM path


@pytest.mark.postgres
def test_postgres_board_rows_equal_the_orm_board_rows(personas, monkeypatch):
    # given: incidents with and without a settlement, a restricted one and a DV one;
    # assignments at every milestone, times between two milliseconds; a silent unit
    a = personas.a
    ms = dt.timedelta(microseconds=1700)
    plain = factories.incident(
        district=a.district, settlement=a.town, landmark="market", received_at=AT - 9 * ms
    )
    nowhere = factories.incident(district=a.district, received_at=AT - 7 * ms, exercise=True)
    restricted = factories.incident(
        district=a.district, summary="informant", restricted=True, received_at=AT - 5 * ms
    )
    dv = factories.incident(
        district=a.district, category=Category.DOMESTIC_VIOLENCE, priority="P1",
        summary="husband threatens", received_at=AT - 3 * ms,
    )  # fmt: skip
    first = factories.assignment(
        incident=plain, unit=a.patrol, dispatched_at=AT - 8 * ms, delivered_at=AT - 6 * ms,
        acknowledged_at=AT - 4 * ms, en_route_at=AT - 2 * ms, on_scene_at=AT - ms,
        ack_due_at=AT + 123 * ms, arrive_due_at=AT + 456 * ms, escalation_level=2,
    )  # fmt: skip
    second = factories.assignment(
        incident=nowhere, unit=a.inspector_unit, dispatched_at=AT - 2 * ms, status="cleared",
        cleared_at=AT - ms, closed_at=AT - ms,
    )  # fmt: skip
    Unit.objects.filter(pk=a.patrol.pk).update(
        lat=50.41, lon=80.25, position_at=AT - 11 * ms, last_contact_at=AT - 17 * ms,
        last_contact_via="socket",
    )  # fmt: skip
    Unit.objects.filter(pk=a.inspector_unit.pk).update(last_contact_at=None)
    # the desk messaged the first crew (the second it did not: no receipts asked for it)
    with clock.frozen(AT - ms):
        message = assignment_message(assignment=first, by=personas.duty, text="Ушёл к реке")
    ids = {
        "incidents": {str(i.pk) for i in (plain, nowhere, restricted, dv)},
        "assignments": {str(first.pk), str(second.pk)},
        "units": {str(a.patrol.pk), str(a.inspector_unit.pk)},
    }

    # when
    with clock.frozen(AT):
        fast = fanout.board_rows(ids)
        with monkeypatch.context() as patch:
            patch.setattr(fanout, "connection", _Portable)
            portable = fanout.board_rows(ids)

    # then
    assert fast == portable
    assert [len(fast[t]) for t in ("incidents", "assignments", "units")] == [4, 2, 2]
    by_id = {row["id"]: row["message"] for row in fast["assignments"]}
    assert by_id[second.pk] is None
    assert by_id[first.pk]["id"] == message.pk
