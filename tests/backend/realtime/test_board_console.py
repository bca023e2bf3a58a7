"""The live board that acts: new calls live from every channel, urgency order, deadlines,
kept alerts read per user, SOS acknowledged on the record, presence refreshed by a sync, and
the board's JSON commands (scoped, idempotent, audited by the services)."""

import datetime as dt
import json
import math
import re

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.test import Client
from django.urls import reverse

from backend.common import clock
from backend.dispatch.lifecycle import IncidentStatus
from backend.dispatch.models import Assignment, Category, Incident
from backend.dispatch.services import (
    IncidentInput,
    incident_create,
    intake_key_issue,
    intake_receive,
)
from backend.ledger import uow
from backend.ledger.models import AuditEntry
from backend.ledger.names import Topic
from backend.realtime import alerts as board_alerts
from backend.realtime.board import board_snapshot
from backend.realtime.models import BoardAlert, BoardAlertRead
from backend.realtime.presence import contact_record
from tests import factories

from .conftest import board_socket, receive

pytestmark = pytest.mark.django_db(transaction=True)


def report(settlement, **kw):
    return IncidentInput(
        **{"category": "theft", "received_at": clock.now(), "settlement_id": settlement.pk, **kw}
    )


def next_frame_of(user, action, *, kind):
    """The first frame of ``kind`` that ``user``'s board gets after ``action`` ran."""

    async def scenario():
        board = await board_socket(user)
        await board.connect()
        await receive(board)  # hello
        await database_sync_to_async(action)()
        for _ in range(10):
            frame = await receive(board)
            if frame["type"] == kind:
                await board.disconnect()
                return frame
        raise AssertionError(f"no {kind} frame")

    return async_to_sync(scenario)()


def sos_alert(personas):
    """An SOS of district A's patrol, as the facts service notifies it, committed."""
    with uow.unit_of_work():
        uow.notify(
            Topic.BOARD,
            district_id=personas.a.district.pk,
            kind="sos",
            chief=True,
            unit_id=personas.a.patrol.pk,
            callsign=personas.a.patrol.callsign,
            event_id="ev-sos-1",
        )
    return BoardAlert.objects.get(kind="sos")


def post(client, name, *args, body=None, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(
        reverse(name, args=args),
        data=json.dumps(body or {}),
        content_type="application/json",
        **headers,
    )


# --- new incidents live -----------------------------------------------------------------------


def test_call_from_intake_reaches_the_board_as_a_row_without_a_reload(personas):
    # given: nobody was sent yet, so the new incident has no device audience
    a = personas.a
    key, _ = intake_key_issue(channel="egov", name="eGov Mobile")

    def intake():
        intake_receive(
            key=key, channel="egov", external_ref="eg-1", data=report(a.town, category="child")
        )

    # when
    frame = next_frame_of(personas.duty, intake, kind="rows")

    # then
    incident = Incident.objects.get(external_ref="eg-1")
    assert [r["id"] for r in frame["tables"]["incidents"]] == [incident.pk]
    assert frame["tables"]["incidents"][0]["number"] == incident.number


def test_call_entered_by_staff_reaches_the_board_as_a_row(personas):
    # given
    a = personas.a

    def enter():
        incident_create(by=personas.duty, data=report(a.town, category="missing_person"))

    # when
    frame = next_frame_of(a.chief, enter, kind="rows")

    # then
    row = frame["tables"]["incidents"][0]
    assert (row["category"], row["status"]) == ("missing_person", IncidentStatus.QUEUED)


# --- order and deadlines ----------------------------------------------------------------------


def test_board_lists_the_most_urgent_first(personas):
    # given
    a = personas.a
    now = clock.now()
    old_p2 = factories.incident(
        district=a.district, settlement=a.town, received_at=now - dt.timedelta(minutes=30)
    )
    new_p0 = factories.incident(
        district=a.district, settlement=a.town, priority="P0", category=Category.VIOLENCE
    )
    new_p2 = factories.incident(district=a.district, settlement=a.town, received_at=now)
    staffed_p0 = factories.incident(
        district=a.district,
        settlement=a.town,
        priority="P0",
        status=IncidentStatus.ASSIGNED,
        received_at=now - dt.timedelta(minutes=50),
    )

    # when
    rows = board_snapshot(a.chief)["incidents"]

    # then: P0 first (waiting before staffed), then P2 by longest wait
    assert [r["id"] for r in rows] == [new_p0.pk, staffed_p0.pk, old_p2.pk, new_p2.pk]


def test_waiting_call_is_due_within_the_acknowledgement_window_of_its_priority(personas):
    # given
    a = personas.a
    received = clock.now().replace(microsecond=0)
    waiting = factories.incident(
        district=a.district, settlement=a.town, priority="P0", received_at=received
    )
    staffed = factories.incident(
        district=a.district, settlement=a.town, status=IncidentStatus.ASSIGNED
    )

    # when
    rows = {r["id"]: r for r in board_snapshot(a.chief)["incidents"]}

    # then: P0 acknowledges within 60 s (policies.DEFAULT_TARGETS); a staffed call is
    # judged by its assignment's own deadlines instead
    assert rows[waiting.pk]["dispatch_due_at"] == clock.to_ms(received) + 60_000
    assert rows[staffed.pk]["dispatch_due_at"] is None


def test_domestic_violence_call_is_on_the_map_at_its_settlement_only(personas):
    # given
    a = personas.a
    factories.incident(
        district=a.district,
        settlement=a.town,
        category=Category.DOMESTIC_VIOLENCE,
        priority="P1",
        lat=a.town.lat + 0.01,
        lon=a.town.lon,
        landmark="house 4",
    )

    # when
    (row,) = board_snapshot(a.chief)["incidents"]

    # then
    assert (row["lat"], row["lon"], row["landmark"]) == (None, None, "")
    assert (row["settlement_lat"], row["settlement_lon"]) == (a.town.lat, a.town.lon)


# --- alerts -----------------------------------------------------------------------------------


def test_alerts_survive_a_reload_and_are_read_per_user(personas):
    # given: a new call alert seen by the oblast duty officer and district A's chief
    a = personas.a
    incident_create(by=personas.duty, data=report(a.town))
    incident_create(by=personas.duty, data=report(a.town, category="fraud"))
    alert_ids = sorted(BoardAlert.objects.values_list("pk", flat=True))
    duty, chief = Client(), Client()
    duty.force_login(personas.duty)
    chief.force_login(a.chief)

    # when
    marked = post(duty, "realtime:alerts-read", body={"ids": alert_ids[:1]})
    duty_state = duty.get(reverse("realtime:board-state")).json()
    chief_state = chief.get(reverse("realtime:board-state")).json()

    # then
    assert marked.json() == {"marked": 1}
    assert {a["alert_id"]: a["read"] for a in duty_state["alerts"]} == {
        alert_ids[0]: True,
        alert_ids[1]: False,
    }
    # the chief of A is told of new calls only when the notification says so (chief=False)
    assert chief_state["alerts"] == []
    assert BoardAlertRead.objects.count() == 1


def test_alerts_of_another_district_are_neither_listed_nor_marked(personas):
    # given
    b = personas.b
    incident_create(by=personas.duty, data=report(b.town))
    alert = BoardAlert.objects.get()
    client = Client()
    client.force_login(personas.a.chief)

    # when
    response = post(client, "realtime:alerts-read", body={"ids": [alert.pk]})

    # then
    assert response.json() == {"marked": 0}
    assert BoardAlertRead.objects.count() == 0


def _alerts(personas, n):
    """``n`` alerts of district A on every board of the district, committed."""
    with uow.unit_of_work():
        for i in range(n):
            uow.notify(
                Topic.BOARD, district_id=personas.a.district.pk, kind="incident.created", at=i
            )


def test_more_unread_alerts_than_listed_are_counted_beyond_and_marked_all_read(
    personas, monkeypatch
):
    # given: a shift's worth of alerts since the duty officer signed in, more than the board lists
    monkeypatch.setattr(board_alerts, "ALERTS_LISTED", 5)
    duty = Client()
    duty.force_login(personas.duty)
    _alerts(personas, 8)

    # when: the board loads
    state = duty.get(reverse("realtime:board-state")).json()

    # then: the newest five, and word that unread ones lie beyond them ("5+ unread")
    assert len(state["alerts"]) == 5
    assert state["unread_beyond"] is True

    # when: "mark all read" up to the newest shown; then one more alert comes
    newest = max(a["alert_id"] for a in state["alerts"])
    marked = post(duty, "realtime:alerts-read", body={"through": newest})
    _alerts(personas, 1)
    state = duty.get(reverse("realtime:board-state")).json()

    # then: all eight read, those beyond the list too; the new one is not
    assert marked.json() == {"marked": 8}
    assert [a["read"] for a in state["alerts"]] == [False, True, True, True, True]
    assert state["unread_beyond"] is False
    # ... and marking again reads nothing twice
    assert post(duty, "realtime:alerts-read", body={"through": newest}).json() == {"marked": 0}


def test_a_board_that_lists_every_unread_alert_says_nothing_beyond(personas, monkeypatch):
    monkeypatch.setattr(board_alerts, "ALERTS_LISTED", 5)
    # given: as many unread alerts as the board lists, no more
    duty = Client()
    duty.force_login(personas.duty)
    _alerts(personas, 5)

    # when
    state = duty.get(reverse("realtime:board-state")).json()

    # then: "5 unread", not "5+"
    assert [a["read"] for a in state["alerts"]] == [False] * 5
    assert state["unread_beyond"] is False


def test_a_shift_begins_with_what_came_since_the_sign_in_and_what_is_still_open(personas):
    # given: before the duty officer signs in, the desk got alerts of a call now closed, of one
    # still open, of no call (a unit heard from again), and an SOS nobody acknowledged
    a = personas.a
    closed = incident_create(by=personas.duty, data=report(a.town))
    Incident.objects.filter(pk=closed.pk).update(
        status=IncidentStatus.CLOSED, closed_at=clock.now()
    )
    still_open = incident_create(by=personas.duty, data=report(a.town, category="fraud"))
    _alerts(personas, 3)
    sos = sos_alert(personas)
    before = {
        "closed": BoardAlert.objects.get(incident=closed).pk,
        "open": BoardAlert.objects.get(incident=still_open).pk,
        "sos": sos.pk,
    }
    no_call = set(
        BoardAlert.objects.filter(kind="incident.created", incident=None).values_list(
            "pk", flat=True
        )
    )
    duty = Client()
    duty.force_login(personas.duty)
    # ... and after, one more
    _alerts(personas, 1)
    after = BoardAlert.objects.latest("pk").pk

    # when: the board loads
    state = duty.get(reverse("realtime:board-state")).json()

    # then: unread are the one since the sign-in, the open call's and the SOS; the rest of
    # the days before is listed, as read
    read = {a["alert_id"]: a["read"] for a in state["alerts"]}
    assert {pk for pk, r in read.items() if not r} == {after, before["open"], before["sos"]}
    assert all(read[pk] for pk in no_call | {before["closed"]})
    assert state["unread_beyond"] is False
    # "mark all read" marks what was unread, no more
    marked = post(duty, "realtime:alerts-read", body={"through": after})
    assert marked.json() == {"marked": 3}


def test_an_officer_who_never_signed_in_has_every_alert_unread(personas):
    # given: an account whose board was never opened by a sign-in (the staff API's token)
    _alerts(personas, 2)
    duty = personas.duty
    duty.last_login = None

    # then
    listed = board_alerts.alerts_listed(duty)
    assert [a["read"] for a in listed["alerts"]] == [False, False]


@pytest.mark.parametrize("body", [{"through": "newest"}, {"through": None}, {"ids": "all"}, {}])
def test_marking_read_with_bad_input_is_a_json_error(personas, body):
    duty = Client()
    duty.force_login(personas.duty)

    response = post(duty, "realtime:alerts-read", body=body)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid"


def test_alerts_are_kept_for_the_retention_only(personas):
    # given
    incident_create(by=personas.duty, data=report(personas.a.town))
    old = BoardAlert.objects.get()
    BoardAlert.objects.filter(pk=old.pk).update(
        created_at=clock.now() - board_alerts.ALERT_RETENTION - dt.timedelta(minutes=1)
    )
    incident_create(by=personas.duty, data=report(personas.a.town))

    # when
    deleted = board_alerts.alerts_prune()

    # then
    assert deleted == 1
    assert BoardAlert.objects.filter(pk=old.pk).exists() is False
    assert BoardAlert.objects.count() == 1


# --- SOS --------------------------------------------------------------------------------------


def test_sos_stays_until_a_duty_officer_acknowledges_it_and_that_is_audited(personas):
    # given
    alert = sos_alert(personas)
    duty = Client()
    duty.force_login(personas.duty)
    before = duty.get(reverse("realtime:board-state")).json()

    # when
    response = post(duty, "realtime:alert-ack", alert.pk, key="ack-sos-1")
    again = post(duty, "realtime:alert-ack", alert.pk, key="ack-sos-2")
    after = duty.get(reverse("realtime:board-state")).json()

    # then
    assert [s["alert_id"] for s in before["sos"]] == [alert.pk]
    assert response.status_code == 200
    assert again.status_code == 200
    assert after["sos"] == []
    alert.refresh_from_db()
    assert alert.acknowledged_by == personas.duty
    entries = list(AuditEntry.objects.filter(action="board_alert.sos_acknowledged"))
    assert [(e.actor_id, e.object_id, e.district_id) for e in entries] == [
        (personas.duty.pk, str(alert.pk), personas.a.district.pk)
    ]
    told = BoardAlert.objects.get(kind="sos_acknowledged")
    assert (told.data["sos_alert_id"], told.data["event_id"]) == (alert.pk, "ev-sos-1")


def test_other_boards_see_the_sos_acknowledged(personas):
    # given
    alert = sos_alert(personas)

    def acknowledge():
        board_alerts.sos_acknowledge(alert_id=alert.pk, by=personas.duty)

    # when
    frame = next_frame_of(personas.a.chief, acknowledge, kind="alert")

    # then
    assert (frame["kind"], frame["sos_alert_id"], frame["event_id"]) == (
        "sos_acknowledged",
        alert.pk,
        "ev-sos-1",
    )
    assert frame["alert_id"] == BoardAlert.objects.get(kind="sos_acknowledged").pk
    assert frame["acknowledged_by"] == personas.duty.username


def test_chief_of_another_district_cannot_acknowledge_the_sos(personas):
    # given
    alert = sos_alert(personas)
    client = Client()
    client.force_login(personas.b.chief)

    # when
    response = post(client, "realtime:alert-ack", alert.pk)

    # then
    assert response.status_code == 404
    alert.refresh_from_db()
    assert alert.acknowledged_at is None
    assert not AuditEntry.objects.filter(action="board_alert.sos_acknowledged").exists()


# --- presence -------------------------------------------------------------------------------


def test_a_sync_from_an_unreachable_unit_refreshes_its_row_on_the_board(personas):
    # given: the patrol was last heard an hour ago
    a = personas.a
    from backend.people.models import Unit

    Unit.objects.filter(pk=a.patrol.pk).update(last_contact_at=clock.now() - dt.timedelta(hours=1))
    assert Unit.objects.get(pk=a.patrol.pk).presence() == "unreachable"

    # when: its phone pulls
    frame = next_frame_of(
        a.chief, lambda: contact_record(unit_id=a.patrol.pk, via="pull"), kind="rows"
    )

    # then
    (row,) = frame["tables"]["units"]
    assert (row["id"], row["presence"], row["last_contact_via"]) == (
        a.patrol.pk,
        a.patrol.status,
        "pull",
    )


# --- commands -----------------------------------------------------------------------------


def test_board_dispatches_the_recommended_unit_once_per_key(personas):
    # given
    a = personas.a
    incident = factories.incident(district=a.district, settlement=a.town)
    client = Client()
    client.force_login(personas.duty)
    recommended = client.get(reverse("realtime:incident-recommend", args=[incident.pk])).json()
    unit_id = recommended["units"][0]["unit_id"]

    # when
    first = post(
        client, "realtime:incident-dispatch", incident.pk, body={"unit_id": unit_id}, key="k1"
    )
    second = post(
        client, "realtime:incident-dispatch", incident.pk, body={"unit_id": unit_id}, key="k1"
    )

    # then
    assignment = Assignment.objects.get(incident=incident)
    assert first.json() == {"assignment_id": assignment.pk, "callsign": assignment.unit.callsign}
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert AuditEntry.objects.filter(action="assignment.dispatched").count() == 1


def test_board_acknowledges_on_behalf_and_cancels(personas):
    # given
    a = personas.a
    incident = factories.incident(
        district=a.district, settlement=a.town, status=IncidentStatus.ASSIGNED
    )
    client = Client()
    client.force_login(a.chief)
    from backend.dispatch.services import incident_dispatch

    other = factories.incident(district=a.district, settlement=a.town)
    assignment = incident_dispatch(incident=other, unit=a.patrol, by=a.chief)

    # when
    acked = post(client, "realtime:assignment-ack", assignment.pk, body={"channel": "radio"})
    refused = post(client, "realtime:incident-cancel", incident.pk, body={"reason": " "})
    cancelled = post(client, "realtime:incident-cancel", incident.pk, body={"reason": "false call"})

    # then
    assignment.refresh_from_db()
    incident.refresh_from_db()
    assert acked.status_code == 200
    assert assignment.acknowledged_at is not None
    assert (refused.status_code, refused.json()["error"]) == (400, "reason_required")
    assert cancelled.status_code == 200
    assert incident.status == IncidentStatus.CANCELLED


def test_board_commands_are_scoped_and_for_dispatchers_only(personas):
    # given
    b = personas.b
    incident = factories.incident(district=b.district, settlement=b.town)
    chief_a, admin = Client(), Client()
    chief_a.force_login(personas.a.chief)
    admin.force_login(personas.oblast_admin)

    # when
    out_of_scope = post(
        chief_a, "realtime:incident-dispatch", incident.pk, body={"unit_id": b.patrol.pk}
    )
    not_a_dispatcher = post(
        admin, "realtime:incident-dispatch", incident.pk, body={"unit_id": b.patrol.pk}
    )
    malformed = post(chief_a, "realtime:incident-dispatch", incident.pk, body={"unit_id": "x"})

    # then
    assert out_of_scope.status_code == 404
    assert not_a_dispatcher.status_code == 403
    assert malformed.status_code in (400, 404)
    assert Assignment.objects.count() == 0


# --- the map -------------------------------------------------------------------------------


def test_map_draws_the_settlements_of_the_scope_inside_its_frame(personas):
    # given
    a = personas.a
    client = Client()
    client.force_login(a.chief)

    # when
    drawn = client.get(reverse("realtime:board")).context["map"]

    # then
    assert {s["district_id"] for s in drawn["settlements"]} == {a.district.pk}
    assert {s["name"] for s in drawn["settlements"]} >= {a.town.name}
    for s in drawn["settlements"]:
        assert 0 <= s["x"] <= drawn["width"]
        assert 0 <= s["y"] <= drawn["height"]


def test_without_a_tile_server_the_map_asks_nothing_of_any_network(personas):
    # given
    client = Client()
    client.force_login(personas.a.chief)

    # when
    response = client.get(reverse("realtime:board"))

    # then: Kuzet's own layers only
    assert response.context["map"]["tiles"] == []
    assert b"<image" not in response.content


def test_a_tile_server_puts_its_tiles_under_the_settlements(personas, settings):
    # given: a deployment with its own tile server
    settings.KUZET_MAP_TILE_URL = "https://tiles.police.kz/{z}/{x}/{y}.png"
    client = Client()
    client.force_login(personas.a.chief)

    # when
    response = client.get(reverse("realtime:board"))
    drawn = response.context["map"]

    # then: the tiles of one zoom cover the whole frame, in the frame's coordinates …
    tiles = drawn["tiles"]
    assert tiles
    zooms = {
        re.match(r"https://tiles\.police\.kz/(\d+)/\d+/\d+\.png$", t["href"])[1] for t in tiles
    }
    assert len(zooms) == 1
    assert min(t["x"] for t in tiles) <= 0
    assert min(t["y"] for t in tiles) <= 0
    assert max(t["x"] + t["size"] for t in tiles) >= drawn["width"]
    assert max(t["y"] + t["size"] for t in tiles) >= drawn["height"]
    # … and each settlement sits on the tile that holds its coordinates (Web Mercator)
    zoom = int(zooms.pop())
    town = next(s for s in drawn["settlements"] if s["id"] == personas.a.town.pk)
    n = 2**zoom
    tx = int((town["lon"] + 180) / 360 * n)
    phi = math.radians(town["lat"])
    ty = int((1 - math.log(math.tan(phi) + 1 / math.cos(phi)) / math.pi) / 2 * n)
    (tile,) = [t for t in tiles if t["href"].endswith(f"/{zoom}/{tx}/{ty}.png")]
    assert tile["x"] <= town["x"] <= tile["x"] + tile["size"]
    assert tile["y"] <= town["y"] <= tile["y"] + tile["size"]
    # the tiles are drawn first, under the settlements
    html = response.content.decode()
    assert html.index('id="map-tiles"') < html.index('id="map-settlements"')
