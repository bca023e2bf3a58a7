"""Taking a unit off a less urgent call for a more urgent one (``incident_dispatch(divert=
True)``): a district of three crews, all of them on P3 calls, when a P0 comes in — an
officer's SOS, a knife in a house. Before, the desk had to open the other call, stand the
unit down there, come back and dispatch: two pages, two clicks, and a moment in which the
unit was "available" to anyone else's dispatch."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages

from backend.common import clock
from backend.common.errors import Conflict
from backend.common.formatting import when_text
from backend.dispatch import lifecycle, selectors
from backend.dispatch.lifecycle import EventKind
from backend.dispatch.models import Assignment, Event, Incident
from backend.dispatch.services import (
    assignment_record_on_behalf,
    escalation_sweep,
    incident_dispatch,
)
from backend.ledger.models import AuditEntry
from backend.people.models import Officer, UnitStatus
from backend.realtime.models import BoardAlert
from tests import factories

from .conftest import snapshot

T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


def at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def call(personas, priority: str, category: str, minutes: float = 0) -> Incident:
    with clock.frozen(at(minutes)):
        return factories.incident(
            district=personas.a.district,
            settlement=personas.a.town,
            priority=priority,
            category=category,
            received_at=at(minutes),
        )


@pytest.fixture
def noise(personas) -> Assignment:
    """A-PC1 on its way to a P3 noise complaint in Ayagoz, A-UI1 on a P3 too: nobody free."""
    a = call(personas, "P3", "noise")
    with clock.frozen(at(1)):
        sent = incident_dispatch(incident=a, unit=personas.a.patrol, by=personas.duty)
        assignment_record_on_behalf(
            assignment=sent, by=personas.duty, kind=EventKind.EN_ROUTE, channel="radio"
        )
        other = call(personas, "P3", "information", minutes=1)
        incident_dispatch(incident=other, unit=personas.a.inspector_unit, by=personas.duty)
    sent.refresh_from_db()
    return sent


def test_a_unit_on_a_p3_call_is_sent_to_a_p0_and_its_call_goes_back_to_the_queue(personas, noise):
    knife = call(personas, "P0", "domestic_violence", minutes=5)

    with clock.frozen(at(6)):
        sent = incident_dispatch(
            incident=knife, unit=personas.a.patrol, by=personas.duty, divert=True
        )

    noise.refresh_from_db()
    assert (noise.status, noise.cancel_reason, noise.cancelled_at) == (
        "cancelled",
        lifecycle.DIVERTED,
        at(6),
    )
    assert Incident.objects.get(pk=noise.incident_id).status == "queued"
    assert (sent.incident_id, sent.unit_id, sent.status) == (
        knife.pk,
        personas.a.patrol.pk,
        "dispatched",
    )
    personas.a.patrol.refresh_from_db()
    assert personas.a.patrol.status == UnitStatus.DISPATCHED
    # Each call's history says where the unit went and where it came from, by number.
    stood_down = Event.objects.get(assignment=noise, kind=EventKind.CANCELLED)
    assert stood_down.payload["diverted_to"] == knife.number
    dispatched = Event.objects.get(assignment=sent, kind=EventKind.DISPATCHED)
    assert dispatched.payload["diverted_from"] == noise.incident.number
    audited = [e.data_dict for e in AuditEntry.objects.filter(action="assignment.cancelled")]
    assert [d.get("diverted_to") for d in audited] == [knife.number]


def test_without_divert_a_busy_unit_is_refused_as_before(personas, noise):
    knife = call(personas, "P0", "domestic_violence", minutes=5)
    before = snapshot()

    with pytest.raises(Conflict) as refused:
        incident_dispatch(incident=knife, unit=personas.a.patrol, by=personas.duty)

    assert refused.value.code == "unit_unavailable"
    assert snapshot() == before


@pytest.mark.parametrize("priority", ["P3", "P2"])
def test_a_unit_is_never_taken_off_a_call_as_urgent_or_more(personas, priority):
    robbery = call(personas, "P2", "robbery")
    with clock.frozen(at(1)):
        incident_dispatch(incident=robbery, unit=personas.a.patrol, by=personas.duty)
    other = call(personas, priority, "disorder", minutes=3)
    before = snapshot()

    with pytest.raises(Conflict) as refused:
        incident_dispatch(incident=other, unit=personas.a.patrol, by=personas.duty, divert=True)

    assert refused.value.code == "not_more_urgent"
    assert refused.value.extra["incident_number"] == robbery.number
    assert snapshot() == before


def test_a_unit_transporting_someone_is_not_diverted(personas, noise):
    with clock.frozen(at(3)):
        assignment_record_on_behalf(
            assignment=noise, by=personas.duty, kind=EventKind.ON_SCENE, channel="radio"
        )
    personas.a.patrol.refresh_from_db()
    personas.a.patrol.status = UnitStatus.TRANSPORTING
    personas.a.patrol.save(update_fields=["status"])
    knife = call(personas, "P0", "domestic_violence", minutes=5)
    before = snapshot()

    with pytest.raises(Conflict) as refused:
        incident_dispatch(incident=knife, unit=personas.a.patrol, by=personas.duty, divert=True)

    assert (refused.value.code, refused.value.extra["unit_status"]) == (
        "unit_unavailable",
        "transporting",
    )
    assert snapshot() == before


def test_divert_on_an_available_unit_is_an_ordinary_dispatch(personas):
    knife = call(personas, "P0", "domestic_violence")

    with clock.frozen(at(1)):
        sent = incident_dispatch(
            incident=knife, unit=personas.a.patrol, by=personas.duty, divert=True
        )

    assert sent.status == "dispatched"
    assert "diverted_from" not in Event.objects.get(assignment=sent).payload
    assert Assignment.objects.count() == 1


def test_the_call_left_behind_is_alerted_as_waiting_again(personas):
    burglary = call(personas, "P2", "livestock_theft")
    with clock.frozen(at(1)):
        incident_dispatch(incident=burglary, unit=personas.a.patrol, by=personas.duty)
    knife = call(personas, "P0", "domestic_violence", minutes=5)
    with clock.frozen(at(6)):
        incident_dispatch(incident=knife, unit=personas.a.patrol, by=personas.duty, divert=True)

    # A P2 is to have its unit within 5 minutes: it has waited 6 and has nobody now.
    with clock.frozen(at(7)):
        escalation_sweep()

    assert BoardAlert.objects.filter(
        kind="incident.waiting_overdue", incident_id=burglary.pk
    ).exists()


def test_the_units_offered_for_a_p0_are_those_on_less_urgent_calls(personas, noise):
    knife = call(personas, "P0", "domestic_violence", minutes=5)
    theft = call(personas, "P3", "theft", minutes=5)
    # Another district's unit on a P3 is not offered.
    b_call = factories.incident(
        district=personas.b.district, settlement=personas.b.town, priority="P3"
    )
    incident_dispatch(incident=b_call, unit=personas.b.patrol, by=personas.duty)

    offered = selectors.units_divertible(incident=knife, at=at(6))

    assert [d.recommendation.unit.callsign for d in offered] == ["A-PC1", "A-UI1"]
    assert [a.incident_id for a in offered[0].leaving] == [noise.incident_id]
    assert selectors.units_divertible(incident=theft, at=at(6)) == []


BASE = "/admin/dispatch/incident"


@pytest.fixture
def english(personas):
    Officer.objects.update(language="en")


def test_the_p0_calls_panel_offers_to_divert_and_does_it(personas, noise, client, english):
    knife = call(personas, "P0", "domestic_violence", minutes=5)
    client.force_login(personas.duty)

    page = client.get(f"{BASE}/{knife.pk}/change/").content.decode()

    assert "Or take a unit off a less urgent call" in page
    assert f"A-PC1 leaves {noise.incident.number}, which goes back to the queue." in page
    assert "Divert here" in page

    response = client.post(
        f"{BASE}/{knife.pk}/dispatch/", {"unit_id": personas.a.patrol.pk, "divert": "1"}
    )

    assert response.status_code == 302
    messages = [m.message for m in get_messages(response.wsgi_request)]
    sent = knife.assignments.get()
    assert messages == [
        f"A-PC1 is sent to call {knife.number}; the crew must acknowledge by "
        f"{when_text(sent.ack_due_at)}, or the board raises an alert."
    ]
    noise.refresh_from_db()
    assert noise.status == "cancelled"
    history = client.get(f"{BASE}/{noise.incident_id}/change/").content.decode()
    assert "sent to a more urgent call" in history
    assert knife.number in history


def test_a_p3_calls_panel_offers_no_unit_to_divert(personas, noise, client, english):
    theft = call(personas, "P3", "theft", minutes=5)
    client.force_login(personas.duty)

    page = client.get(f"{BASE}/{theft.pk}/change/").content.decode()

    assert "Divert here" not in page


def test_the_panel_says_why_a_unit_stays_on_an_equally_urgent_call(personas, client, english):
    robbery = call(personas, "P1", "robbery")
    with clock.frozen(at(1)):
        incident_dispatch(incident=robbery, unit=personas.a.patrol, by=personas.duty)
    other = call(personas, "P1", "robbery", minutes=2)
    client.force_login(personas.duty)

    response = client.post(
        f"{BASE}/{other.pk}/dispatch/", {"unit_id": personas.a.patrol.pk, "divert": "1"}
    )

    assert [m.message for m in get_messages(response.wsgi_request)] == [
        f"A-PC1 is on {robbery.number} (P1), as urgent as this call: it stays there."
    ]


def test_the_api_diverts_on_request(personas, noise, client_for):
    knife = call(personas, "P0", "domestic_violence", minutes=5)
    api = client_for(personas.duty)
    url = f"/api/v1/incidents/{knife.pk}/assignments/"

    refused = api.post(url, {"unit_id": personas.a.patrol.pk}, format="json")
    sent = api.post(url, {"unit_id": personas.a.patrol.pk, "divert": True}, format="json")

    assert (refused.status_code, refused.json()["error"]) == (409, "unit_unavailable")
    assert (sent.status_code, sent.json()["callsign"]) == (201, "A-PC1")
    noise.refresh_from_db()
    assert noise.cancel_reason == "diverted to a more urgent call"


def test_the_panel_offers_it_in_russian_and_kazakh(personas, noise, client):
    knife = call(personas, "P0", "domestic_violence", minutes=5)
    client.force_login(personas.duty)
    pages = {}
    for language in ("ru", "kk"):
        Officer.objects.filter(pk=personas.duty.pk).update(language=language)
        pages[language] = client.get(f"{BASE}/{knife.pk}/change/").content.decode()

    assert "Или снять наряд с менее срочного вызова" in pages["ru"]
    assert "Перенаправить сюда" in pages["ru"]
    assert f"A-PC1 оставит вызов {noise.incident.number}, вызов вернётся в очередь." in pages["ru"]
    assert "Немесе нарядты шұғылдығы төмен шақырудан алу" in pages["kk"]
    assert "Осында бұру" in pages["kk"]


def test_the_boards_nearest_unit_says_how_many_could_be_diverted(personas, noise, client):
    knife = call(personas, "P0", "domestic_violence", minutes=5)
    theft = call(personas, "P3", "theft", minutes=5)
    client.force_login(personas.duty)

    for_knife = client.get(f"/board/incidents/{knife.pk}/recommend/").json()
    for_theft = client.get(f"/board/incidents/{theft.pk}/recommend/").json()

    assert (for_knife["units"], for_knife["divertible"]) == ([], 2)
    assert (for_theft["units"], for_theft["divertible"]) == ([], 0)


def test_the_api_recommendations_list_the_units_that_could_be_diverted(personas, noise, client_for):
    knife = call(personas, "P0", "domestic_violence", minutes=5)

    body = client_for(personas.duty).get(f"/api/v1/incidents/{knife.pk}/recommendations/").json()

    assert body["units"] == []
    assert [u["callsign"] for u in body["divertible"]] == ["A-PC1", "A-UI1"]
    assert body["divertible"][0]["leaving"] == [
        {
            "incident_id": noise.incident_id,
            "number": noise.incident.number,
            "priority": "P3",
            "assignment_id": noise.pk,
            "status": "en_route",
        }
    ]
