"""Units across the border: a call in a border village of Ayagoz district (A), with Ayagoz's
own patrol 39 minutes away and patrols of Abai district (B) and Zharma district (C) a few
minutes away across the district line. The recommendation offers the neighbours' units
that would arrive clearly sooner (``policies.across_border_worth``); the oblast ЦОУ sends
one through the usual dispatch, a district desk sees it and is refused with a code that
says whom to ask."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.contrib.messages import get_messages

from backend.common import clock
from backend.common.errors import NotFound
from backend.dispatch import selectors
from backend.dispatch.models import Incident
from backend.dispatch.services import assignment_cancel, incident_dispatch
from backend.geo.models import Zone
from backend.geo.travel import destination
from backend.ledger.models import AuditEntry
from backend.people.models import Officer, Role, Unit, UnitStatus
from backend.sync_gateway.scope import age_out
from tests import factories
from tests.backend.sync_support import SyncApi, ids

from .conftest import snapshot

T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
FRESH = T0 - dt.timedelta(minutes=2)
# The border village of A, between Ayagoz and Karaul (rural: cars at 60 km/h, so a road
# km is a minute, and a great-circle km 1.3 minutes).
LAT, LON = 48.45, 79.95


def km_away(km: float, bearing: float) -> tuple[float, float]:
    """A point ``km`` (great-circle) from the village."""
    return destination(LAT, LON, bearing, km)


def place(unit: Unit, km: float, bearing: float, *, at: dt.datetime = FRESH) -> Unit:
    unit.lat, unit.lon = km_away(km, bearing)
    unit.position_at = at
    unit.last_contact_at = FRESH
    unit.status = UnitStatus.AVAILABLE
    unit.save(update_fields=["lat", "lon", "position_at", "last_contact_at", "status"])
    return unit


@dataclass
class Border:
    call: Incident
    village_b_unit: Unit  # B-PC1: the crew of two with phones, 5 km away
    desk_a: Officer  # Ayagoz district's own duty officer


@pytest.fixture
def border(personas) -> Border:
    a, b = personas.a, personas.b
    village = factories.settlement(
        okrug=a.okrug,
        kato=a.okrug.kato[:6] + "300",
        name="Коктал",
        lat=LAT,
        lon=LON,
        zone=Zone.RURAL,
        road_km_to_seat=120,
    )
    zharma = factories.district(kato="104200000", name="Жарминский район", name_kk="Жарма ауданы")
    # A's own: its patrol 30 km (39 road km, 39 min) away; its inspector far south, slower.
    place(a.patrol, 30, 135)
    place(a.inspector_unit, 160, 190)
    # Across the border
    place(b.patrol, 5, 300)  # 6.5 road km: 6½ min
    place(b.inspector_unit, 38, 320)  # Архат's way: 49 min, slower than A's own
    factories.unit(callsign="C-PC1", district=zharma, last_contact_at=FRESH)
    place(Unit.objects.get(callsign="C-PC1"), 8, 20)  # 10.4 road km
    for callsign, km, bearing, kw in [
        ("B-PC2", 23 / 1.3, 280, {}),  # 23 min: 16 min sooner than A-PC1 → offered
        ("B-PC3", 25 / 1.3, 260, {}),  # 25 min: 14 min sooner → not worth a second desk
        ("B-STALE", 2, 0, {"at": T0 - dt.timedelta(minutes=45)}),  # where is it now?
        ("B-SILENT", 3, 90, {}),  # no contact for 20 minutes
        ("B-BUSY", 1, 180, {}),
    ]:
        unit = factories.unit(callsign=callsign, district=b.district, last_contact_at=FRESH)
        place(unit, km, bearing, **kw)
    Unit.objects.filter(callsign="B-SILENT").update(last_contact_at=T0 - dt.timedelta(minutes=20))
    Unit.objects.filter(callsign="B-BUSY").update(status=UnitStatus.BUSY)
    call = factories.incident(
        district=a.district, settlement=village, priority="P1", category="robbery", received_at=T0
    )
    desk_a = factories.officer(username="duty_ayagoz", role=Role.DUTY_OFFICER, district=a.district)
    return Border(call=call, village_b_unit=b.patrol, desk_a=desk_a)


def offered(found: list[selectors.AcrossBorder]) -> list[tuple[str, str, int | None, int | None]]:
    return [
        (a.recommendation.unit.callsign, a.district.name, a.recommendation.eta_s, a.sooner_s)
        for a in found
    ]


def test_units_of_neighbouring_districts_clearly_sooner_are_offered_nearest_first(border):
    # when
    with clock.frozen(T0):
        own = selectors.units_recommended(incident=border.call)
        across = selectors.units_across_border(incident=border.call)

    # then: the own district's list is as before — its own units only
    assert [(r.unit.callsign, r.eta_s) for r in own] == [("A-PC1", 2340), ("A-UI1", 12480)]
    # and across the border, those 15 minutes or more sooner than A-PC1's 2340 s
    assert offered(across) == [
        ("B-PC1", "Абайский район", 390, 1950),
        ("C-PC1", "Жарминский район", 624, 1716),
        ("B-PC2", "Абайский район", 1380, 960),
    ]


def test_the_threshold_is_the_setting(border, settings):
    # given: a chief who wants 20 minutes at least
    settings.KUZET_ACROSS_BORDER_SOONER_MINUTES = 20

    # when
    with clock.frozen(T0):
        across = selectors.units_across_border(incident=border.call)

    # then: B-PC2 (16 min sooner) is no longer worth it
    assert [a.recommendation.unit.callsign for a in across] == ["B-PC1", "C-PC1"]


def test_with_no_own_unit_free_any_neighbour_within_the_radius_is_offered(personas, border):
    # given: A's patrol is busy, its inspector out of service; B-PC2 now 58 km away, B-PC3 62
    Unit.objects.filter(pk=personas.a.patrol.pk).update(status=UnitStatus.BUSY)
    Unit.objects.filter(pk=personas.a.inspector_unit.pk).update(status=UnitStatus.OUT_OF_SERVICE)
    Unit.objects.filter(callsign__in=["B-PC1", "C-PC1"]).update(active=False)
    place(Unit.objects.get(callsign="B-PC2"), 58, 280)
    place(Unit.objects.get(callsign="B-PC3"), 62, 260)

    # when
    with clock.frozen(T0):
        across = selectors.units_across_border(incident=border.call)

    # then: B's inspector, slower than A's patrol before, is worth it now; how much sooner
    # is unknown (nothing to compare with); B-PC3 is beyond the 60 km
    assert offered(across) == [
        ("B-UI1", "Абайский район", 2964, None),
        ("B-PC2", "Абайский район", 4524, None),
    ]


def test_an_own_unit_with_a_stale_position_does_not_hold_a_neighbour_back(personas, border):
    # given: A's patrol reported 45 minutes ago from 2 km away — nobody knows where it is
    # now — and A's inspector is out of service
    place(personas.a.patrol, 2, 135, at=T0 - dt.timedelta(minutes=45))
    Unit.objects.filter(pk=personas.a.inspector_unit.pk).update(status=UnitStatus.OUT_OF_SERVICE)
    Unit.objects.filter(callsign__in=["C-PC1", "B-PC2", "B-PC3"]).update(active=False)

    # when
    with clock.frozen(T0):
        across = selectors.units_across_border(incident=border.call)

    # then: as if A had none free
    assert offered(across) == [
        ("B-PC1", "Абайский район", 390, None),
        ("B-UI1", "Абайский район", 2964, None),
    ]


def test_the_oblast_duty_officer_sends_a_unit_across_the_border(personas, border):
    # when
    with clock.frozen(T0 + dt.timedelta(minutes=1)):
        sent = incident_dispatch(incident=border.call, unit=border.village_b_unit, by=personas.duty)

    # then
    sent.refresh_from_db()
    assert (sent.incident_id, sent.unit_id, sent.status) == (
        border.call.pk,
        personas.b.patrol.pk,
        "dispatched",
    )
    assert Unit.objects.get(pk=personas.b.patrol.pk).status == UnitStatus.DISPATCHED
    assert Incident.objects.get(pk=border.call.pk).status == "assigned"


def test_a_district_desk_cannot_send_a_unit_of_the_next_district(personas, border):
    # given
    before = snapshot()

    # when
    with pytest.raises(NotFound):
        incident_dispatch(incident=border.call, unit=border.village_b_unit, by=border.desk_a)

    # then: the service's own scope check holds (the views refuse earlier, with a code)
    assert snapshot() == before
    assert not AuditEntry.objects.filter(action="assignment.dispatched").exists()


# --- the staff API ------------------------------------------------------------------------------
def test_the_recommendations_api_marks_the_units_across_the_border_with_their_district(
    personas, border, client_for
):
    # when
    with clock.frozen(T0):
        oblast = client_for(personas.duty).get(
            f"/api/v1/incidents/{border.call.pk}/recommendations/"
        )
        desk = client_for(border.desk_a).get(f"/api/v1/incidents/{border.call.pk}/recommendations/")

    # then: the own district's units as before, the others beside them
    assert [u["callsign"] for u in oblast.json()["units"]] == ["A-PC1", "A-UI1"]
    assert oblast.json()["units"] == desk.json()["units"]
    first = oblast.json()["across_border"][0]
    assert first == {
        "unit_id": personas.b.patrol.pk,
        "callsign": "B-PC1",
        "type": "patrol_car",
        "mobility": "car",
        "presence": "available",
        "road_km": 6.5,
        "eta_s": 390,
        "position_at": "2026-03-02T12:58:00+05:00",
        "position_age_s": 120,
        "stale": False,
        "ranked_for": None,
        "passed_over": None,
        "district_id": personas.b.district.pk,
        "district_name": "Абайский район",
        "district_name_kk": "",
        "sooner_s": 1950,
        "may_dispatch": True,
    }
    assert [
        (u["callsign"], u["district_name_kk"], u["may_dispatch"])
        for u in desk.json()["across_border"]
    ] == [
        ("B-PC1", "", False),
        ("C-PC1", "Жарма ауданы", False),
        ("B-PC2", "", False),
    ]


def test_a_district_desk_is_refused_a_unit_across_the_border_with_whom_to_ask(
    personas, border, client_for
):
    # given
    before = snapshot()

    # when
    response = client_for(border.desk_a).post(
        f"/api/v1/incidents/{border.call.pk}/assignments/",
        {"unit_id": personas.b.patrol.pk},
        format="json",
    )

    # then
    assert response.status_code == 403
    assert response.json() == {
        "error": "unit_out_of_scope",
        "detail": "B-PC1 is a unit of Абайский район: ask its desk or the oblast ЦОУ to send it.",
        "unit_district_id": personas.b.district.pk,
        "unit_district": "Абайский район",
        "unit_district_kk": "",
    }
    assert snapshot() == before


def test_a_unit_of_another_oblast_stays_not_found(personas, border, client_for):
    # given
    east = factories.oblast(kato="630000000", name="Восточно-Казахстанская область")
    zaysan = factories.district(kato="634800000", name="Зайсанский район", oblast=east)
    theirs = factories.unit(callsign="Z-PC1", district=zaysan)

    # when
    response = client_for(personas.duty).post(
        f"/api/v1/incidents/{border.call.pk}/assignments/",
        {"unit_id": theirs.pk},
        format="json",
    )

    # then
    assert (response.status_code, response.json()["error"]) == (404, "not_found")


def test_the_oblast_desk_sends_the_unit_across_the_border_through_the_api(
    personas, border, client_for
):
    # when
    with clock.frozen(T0 + dt.timedelta(minutes=1)):
        response = client_for(personas.duty).post(
            f"/api/v1/incidents/{border.call.pk}/assignments/",
            {"unit_id": personas.b.patrol.pk},
            format="json",
        )

    # then
    assert response.status_code == 201
    assert (response.json()["callsign"], response.json()["status"]) == ("B-PC1", "dispatched")


# --- the incident page's panel ------------------------------------------------------------------
PAGE = "/admin/dispatch/incident"


def test_a_district_desk_reads_the_nearer_units_with_whom_to_ask_and_has_no_button(
    personas, border, client
):
    # given
    Officer.objects.update(language="en")
    client.force_login(border.desk_a)

    # when
    with clock.frozen(T0):
        response = client.get(f"{PAGE}/{border.call.pk}/change/")

    # then
    panel = response.context["kuzet_dispatch"]
    assert [r["line"] for r in panel["across_ask"]] == [
        "Nearer, in Абайский район: B-PC1 · 7 km · ~6 min — ask that district's desk or the "
        "oblast ЦОУ",
        "Nearer, in Жарминский район: C-PC1 · 10 km · ~10 min — ask that district's desk or the "
        "oblast ЦОУ",
        "Nearer, in Абайский район: B-PC2 · 23 km · ~23 min — ask that district's desk or the "
        "oblast ЦОУ",
    ]
    assert panel["across_send"] == []
    html = response.content.decode()
    assert f'name="unit_id" value="{personas.b.patrol.pk}"' not in html
    assert f'name="unit_id" value="{personas.a.patrol.pk}"' in html  # its own, as before


def test_the_oblast_desk_sends_the_nearer_unit_from_the_panel(personas, border, client):
    # given
    Officer.objects.update(language="en")
    client.force_login(personas.duty)
    with clock.frozen(T0):
        page = client.get(f"{PAGE}/{border.call.pk}/change/")

    # when
    with clock.frozen(T0 + dt.timedelta(minutes=1)):
        response = client.post(
            f"{PAGE}/{border.call.pk}/dispatch/", {"unit_id": personas.b.patrol.pk}
        )

    # then
    panel = page.context["kuzet_dispatch"]
    assert [
        (r["callsign"], r["district"], r["eta_text"], r["sooner_text"])
        for r in panel["across_send"]
    ] == [
        ("B-PC1", "Абайский район", "6 min", "32 min"),
        ("C-PC1", "Жарминский район", "10 min", "28 min"),
        ("B-PC2", "Абайский район", "23 min", "16 min"),
    ]
    assert panel["across_ask"] == []
    assert response.status_code == 302
    assert Incident.objects.get(pk=border.call.pk).assignments.get().unit_id == personas.b.patrol.pk


def test_a_district_desk_posting_the_unit_anyway_is_refused_on_the_page(personas, border, client):
    # given: a form kept from somewhere, or typed
    Officer.objects.update(language="en")
    client.force_login(border.desk_a)
    before = snapshot()

    # when
    response = client.post(f"{PAGE}/{border.call.pk}/dispatch/", {"unit_id": personas.b.patrol.pk})

    # then
    assert [m.message for m in get_messages(response.wsgi_request)] == [
        "B-PC1 is a unit of Абайский район: ask that district's desk or the oblast ЦОУ to send it."
    ]
    assert snapshot() == before


# --- the unit's phone and the boards ------------------------------------------------------------
def test_the_phone_of_the_unit_sent_across_the_border_receives_the_call(
    personas, border, client, published
):
    # given: B-PC1's officer's phone, in sync
    _device, token = personas.device(personas.b.patrol_officers[0])
    phone = SyncApi(client, token)
    phone.pull(cursor=None)

    # when
    with clock.frozen(T0 + dt.timedelta(minutes=1)):
        sent = incident_dispatch(incident=border.call, unit=border.village_b_unit, by=personas.duty)
    body = phone.pull()

    # then
    assert ids(body, "assignments", "created") + ids(body, "assignments") == [str(sent.pk)]
    incidents = body["changes"]["incidents"]["created"] + body["changes"]["incidents"]["updated"]
    assert [(i["id"], i["number"], i["district_id"], i["settlement_id"]) for i in incidents] == [
        (
            str(border.call.pk),
            border.call.number,
            str(personas.a.district.pk),
            str(border.call.settlement_id),
        )
    ]
    # and the village with it, which B's phones never had (A's district's): named on the
    # phone, with its point for the maps
    settlements = (
        body["changes"]["settlements"]["created"] + body["changes"]["settlements"]["updated"]
    )
    assert [(s["id"], s["name"], s["lat"], s["lon"]) for s in settlements] == [
        (str(border.call.settlement_id), "Коктал", LAT, LON)
    ]


def test_the_village_leaves_the_phone_with_the_call_and_only_that_units_phones_get_it(
    personas, border, client, published
):
    # given: B-PC1 sent and stood down; B's inspector's phone in sync all along
    crew = SyncApi(client, personas.device(personas.b.patrol_officers[0])[1])
    inspector = SyncApi(client, personas.device(personas.b.inspector)[1])
    crew.pull(cursor=None)
    inspector.pull(cursor=None)
    with clock.frozen(T0 + dt.timedelta(minutes=1)):
        sent = incident_dispatch(incident=border.call, unit=border.village_b_unit, by=personas.duty)
    crew.pull()
    with clock.frozen(T0 + dt.timedelta(minutes=5)):
        assignment_cancel(assignment=sent, by=personas.duty, reason="A-PC1 is there")

    # when: the closed window ends and the age-out sweep runs
    with clock.frozen(T0 + dt.timedelta(minutes=5, hours=24, seconds=1)):
        age_out()
    body = crew.pull()

    # then
    assert ids(body, "settlements", "deleted") == [str(border.call.settlement_id)]
    assert ids(body, "incidents", "deleted") == [str(border.call.pk)]
    assert ids(inspector.pull(), "settlements") == []


def test_the_boards_nearest_unit_names_the_unit_across_the_border_too(personas, border, client):
    # given
    client.force_login(personas.duty)

    # when
    with clock.frozen(T0):
        answer = client.get(f"/board/incidents/{border.call.pk}/recommend/").json()

    # then: its one-click Send stays the own district's; the nearer one is named beside it
    assert [u["callsign"] for u in answer["units"]] == ["A-PC1", "A-UI1"]
    assert answer["across_border"] == [
        {
            "unit_id": personas.b.patrol.pk,
            "callsign": "B-PC1",
            "eta_s": 390,
            "district_id": personas.b.district.pk,
        }
    ]


def test_a_district_desk_reassigning_to_a_unit_across_the_border_hears_whom_to_ask(
    personas, border, client_for
):
    # given: A-PC1 on the border call
    with clock.frozen(T0):
        sent = incident_dispatch(incident=border.call, unit=personas.a.patrol, by=border.desk_a)
    before = snapshot()

    # when: the district's desk tries to give it to the nearer unit of the next district
    response = client_for(border.desk_a).post(
        f"/api/v1/assignments/{sent.pk}/reassign/",
        {"unit_id": personas.b.patrol.pk},
        format="json",
    )

    # then: refused as a dispatch is, with whom to ask; nothing changed
    assert response.status_code == 403
    assert response.json()["error"] == "unit_out_of_scope"
    assert response.json()["unit_district"] == "Абайский район"
    assert snapshot() == before
