"""Intake from integrations: idempotency, conflicts, duplicates, validation, DV rules."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from backend.common import clock
from backend.dispatch.models import FollowUpTask, Incident, IntakeKey, RiskSubject, SmsMessage
from backend.dispatch.services import incident_close, incident_separate, intake_key_revoke
from backend.ledger.models import AuditEntry

from .conftest import intake_posts_at_once, snapshot


def body(personas: Any, **kw: Any) -> dict[str, Any]:
    data = {
        "external_ref": "egov-1001",
        "received_at": clock.now().isoformat(),
        "category": "theft",
        "description": "Украли велосипед у подъезда",
        "settlement_kato": personas.a.town.kato,
        "landmark": "ул. Абая 12",
        "caller": {"name": "Айгерим", "phone": "+77015550101"},
        "media": ["https://egov.kz/media/abc.jpg"],
    }
    data.update(kw)
    return data


def test_intake_creates_incident_with_the_channels_defaults(personas, intake_client):
    # when
    response = intake_client.post("/api/v1/intake/egov/", body(personas), format="json")

    # then
    assert response.status_code == 201
    incident = Incident.objects.get()
    assert response.json() == {
        "id": incident.pk,
        "number": incident.number,
        "status": "queued",  # waiting for a unit, like a call typed at the ЦОУ
        "priority": "P3",  # theft is P2 on the 102 line, one lower from an app report
        "duplicate_of": None,
        "created": True,
    }
    assert incident.number.startswith("1036-")
    assert (incident.channel, incident.external_ref) == ("egov", "egov-1001")
    assert incident.district == personas.a.district
    assert incident.settlement == personas.a.town
    assert incident.location_source == "settlement"
    assert incident.notify_citizen is True
    assert (incident.caller_name, incident.caller_phone) == ("Айгерим", "+77015550101")
    assert incident.media_links == ["https://egov.kz/media/abc.jpg"]
    entry = AuditEntry.objects.get(action="incident.created")
    assert (entry.actor_kind, entry.actor_label) == ("integration", "intake:eGov Mobile")
    assert entry.district_id == personas.a.district.pk


def test_intake_replay_returns_the_same_incident_with_200(personas, intake_client):
    # given
    payload = body(personas)
    first = intake_client.post("/api/v1/intake/egov/", payload, format="json")
    before = snapshot()

    # when
    replay = intake_client.post("/api/v1/intake/egov/", payload, format="json")

    # then
    assert replay.status_code == 200
    assert replay.json() == {**first.json(), "created": False}
    assert snapshot() == before


def test_intake_same_ref_with_other_content_is_a_409_and_changes_nothing(personas, intake_client):
    # given
    payload = body(personas)
    intake_client.post("/api/v1/intake/egov/", payload, format="json")
    before = snapshot()

    # when
    response = intake_client.post(
        "/api/v1/intake/egov/", {**payload, "description": "Другой текст"}, format="json"
    )

    # then
    assert response.status_code == 409
    assert response.json()["error"] == "conflict"
    assert response.json()["incident_id"] == Incident.objects.get().pk
    assert snapshot() == before


def test_the_same_ref_on_another_channel_is_another_incident(personas, intake_client):
    # given
    from backend.dispatch.services import intake_key_issue

    _, kaspi = intake_key_issue(channel="kaspi", name="Kaspi")
    kaspi_client = APIClient()
    kaspi_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {kaspi}")
    intake_client.post("/api/v1/intake/egov/", body(personas), format="json")

    # when
    response = kaspi_client.post(
        "/api/v1/intake/kaspi/",
        body(personas, settlement_kato=personas.b.town.kato),
        format="json",
    )

    # then
    assert response.status_code == 201
    assert sorted(Incident.objects.values_list("channel", "external_ref")) == [
        ("egov", "egov-1001"),
        ("kaspi", "egov-1001"),
    ]


@pytest.mark.postgres
def test_concurrent_identical_intake_requests_create_one_incident(
    transactional_db, personas, egov_key
):
    # given
    payload = body(personas)
    clients = [APIClient() for _ in range(4)]
    for client in clients:
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {egov_key[1]}")

    # when
    results = intake_posts_at_once(clients, payload)

    # then
    incident = Incident.objects.get()
    assert sorted(results) == [(200, incident.pk)] * 3 + [(201, incident.pk)]
    assert AuditEntry.objects.filter(action="incident.created").count() == 1


def test_intake_from_coordinates_takes_the_district_of_the_nearest_settlement(
    personas, intake_client
):
    # given: a pasture point 5 km from Архат (district B), nothing given but coordinates
    payload = body(personas, settlement_kato=None, lat=48.745, lon=79.60, landmark="зимовка")

    # when
    response = intake_client.post("/api/v1/intake/egov/", payload, format="json")

    # then
    assert response.status_code == 201
    incident = Incident.objects.get()
    assert incident.district == personas.b.district
    assert incident.settlement == personas.b.village
    assert (incident.lat, incident.lon, incident.location_source) == (48.745, 79.60, "caller_gps")


def test_a_report_near_an_earlier_one_is_linked_as_a_probable_duplicate(personas, intake_client):
    # given: a report at a point, then another 150 m away ten minutes later
    t0 = clock.now() - dt.timedelta(minutes=20)
    first = intake_client.post(
        "/api/v1/intake/egov/",
        body(personas, settlement_kato=None, lat=47.9650, lon=80.4340, received_at=t0.isoformat()),
        format="json",
    ).json()

    # when
    second = intake_client.post(
        "/api/v1/intake/egov/",
        body(
            personas,
            external_ref="egov-1002",
            settlement_kato=None,
            lat=47.9663,
            lon=80.4345,
            received_at=(t0 + dt.timedelta(minutes=10)).isoformat(),
        ),
        format="json",
    )
    far = intake_client.post(
        "/api/v1/intake/egov/",
        body(
            personas,
            external_ref="egov-1003",
            settlement_kato=None,
            lat=47.99,
            lon=80.47,
            received_at=(t0 + dt.timedelta(minutes=10)).isoformat(),
        ),
        format="json",
    )
    other_category = intake_client.post(
        "/api/v1/intake/egov/",
        body(
            personas,
            external_ref="egov-1004",
            category="fraud",
            settlement_kato=None,
            lat=47.9663,
            lon=80.4345,
            received_at=(t0 + dt.timedelta(minutes=10)).isoformat(),
        ),
        format="json",
    )

    # then
    assert second.status_code == 201
    assert (second.json()["status"], second.json()["duplicate_of"]) == ("duplicate", first["id"])
    assert (far.json()["status"], far.json()["duplicate_of"]) == ("queued", None)
    assert (other_category.json()["status"], other_category.json()["duplicate_of"]) == (
        "queued",
        None,
    )
    assert Incident.objects.count() == 4


def test_a_report_outside_the_time_window_is_not_a_duplicate(personas, intake_client):
    # given: a report from a village (no coordinates) two hours ago
    village = personas.a.village.kato
    t0 = clock.now() - dt.timedelta(hours=2)
    intake_client.post(
        "/api/v1/intake/egov/",
        body(personas, settlement_kato=village, received_at=t0.isoformat()),
        format="json",
    )

    # when
    later = intake_client.post(
        "/api/v1/intake/egov/",
        body(personas, external_ref="egov-2", settlement_kato=village),
        format="json",
    )

    # then
    assert (later.json()["status"], later.json()["duplicate_of"]) == ("queued", None)


def post(intake_client: APIClient, payload: dict[str, Any]) -> dict[str, Any]:
    response = intake_client.post("/api/v1/intake/egov/", payload, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_a_second_report_from_the_same_village_is_linked_but_not_from_the_same_town(
    personas, intake_client
):
    # given: a theft reported from a village and one from the district's town, no coordinates
    village, town = personas.a.village.kato, personas.a.town.kato
    post(intake_client, body(personas, external_ref="v-1", settlement_kato=village))
    post(intake_client, body(personas, external_ref="t-1", settlement_kato=town))

    # when: a second theft from each, minutes later
    in_village = post(intake_client, body(personas, external_ref="v-2", settlement_kato=village))
    in_town = post(intake_client, body(personas, external_ref="t-2", settlement_kato=town))

    # then: a village is one place; a town's name says nothing of the street — a linked
    # report waits for nobody, so the town's second theft is a call of its own
    assert in_village["status"] == "duplicate"
    assert (in_town["status"], in_town["duplicate_of"]) == ("queued", None)


def test_a_report_after_the_call_was_closed_is_a_call_of_its_own(personas, intake_client):
    # given: a theft in a village, dealt with and closed
    village = personas.a.village.kato
    first = post(intake_client, body(personas, external_ref="v-1", settlement_kato=village))
    incident_close(
        incident=Incident.objects.get(pk=first["id"]), by=personas.duty, disposition="разобрано"
    )

    # when: another theft is reported there minutes later
    second = post(intake_client, body(personas, external_ref="v-2", settlement_kato=village))

    # then: nobody is coming to a closed call — it waits for a unit of its own
    assert (second["status"], second["duplicate_of"]) == ("queued", None)


def test_closing_a_call_closes_its_repeats_and_tells_their_callers(personas, intake_client):
    # given: a report from a village and a second caller's report of it, linked
    village = personas.a.village.kato
    first = post(intake_client, body(personas, external_ref="v-1", settlement_kato=village))
    second = post(
        intake_client,
        body(
            personas,
            external_ref="v-2",
            settlement_kato=village,
            caller={"name": "Болат", "phone": "+77015550202"},
        ),
    )
    assert second["duplicate_of"] == first["id"]

    # when
    incident_close(
        incident=Incident.objects.get(pk=first["id"]), by=personas.duty, disposition="разобрано"
    )

    # then: the repeat is dated closed with the call, and its own caller is told too
    repeat = Incident.objects.get(pk=second["id"])
    assert repeat.status == "duplicate"
    assert repeat.closed_at is not None
    assert repeat.closed_by == personas.duty
    assert repeat.disposition == "разобрано"
    assert repeat.citizen_notified_at is not None
    told = SmsMessage.objects.filter(purpose="citizen_outcome")
    assert sorted(told.values_list("phone", flat=True)) == ["+77015550101", "+77015550202"]
    closed = AuditEntry.objects.get(action="incident.closed")
    assert closed.data_dict["repeats_closed"] == [repeat.pk]

    # when: it turns out to have been another theft after all
    incident_separate(incident=repeat, by=personas.duty, reason="другой дом")

    # then: it waits for a unit again, not closed
    repeat.refresh_from_db()
    assert (repeat.status, repeat.closed_at, repeat.disposition) == ("queued", None, "")


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"category": "unknown"}, 400, "invalid"),
        ({"received_at": "yesterday"}, 400, "invalid"),
        ({"external_ref": ""}, 400, "invalid"),
        ({"settlement_kato": "999999999"}, 400, "unknown_settlement"),
        ({"settlement_kato": None}, 400, "location_required"),
        ({"settlement_kato": None, "lat": 47.96}, 400, "invalid"),
        ({"settlement_kato": None, "lat": 10.0, "lon": 10.0}, 400, "invalid"),
        ({"media": ["not a url"]}, 400, "invalid"),
    ],
)
def test_invalid_reports_are_refused_with_a_code(personas, intake_client, change, status, code):
    # given
    before = snapshot()

    # when
    response = intake_client.post("/api/v1/intake/egov/", body(personas, **change), format="json")

    # then
    assert response.status_code == status
    assert response.json()["error"] == code
    assert snapshot() == before


def test_a_report_dated_in_the_future_is_refused(personas, intake_client):
    future = (clock.now() + dt.timedelta(hours=1)).isoformat()
    response = intake_client.post(
        "/api/v1/intake/egov/", body(personas, received_at=future), format="json"
    )
    assert (response.status_code, response.json()["error"]) == (400, "received_at_in_future")
    assert Incident.objects.count() == 0


def test_intake_refusals_for_keys_and_channels(personas, egov_key):
    # given
    payload = body(personas)
    no_key = APIClient()
    wrong = APIClient()
    wrong.credentials(HTTP_AUTHORIZATION="Api-Key kzi_not-a-key")
    good = APIClient()
    good.credentials(HTTP_AUTHORIZATION=f"Api-Key {egov_key[1]}")

    # when
    responses = {
        "no key": no_key.post("/api/v1/intake/egov/", payload, format="json"),
        "unknown key": wrong.post("/api/v1/intake/egov/", payload, format="json"),
        "other channel": good.post("/api/v1/intake/kaspi/", payload, format="json"),
        "no such channel": good.post("/api/v1/intake/telegram/", payload, format="json"),
    }

    # then
    assert {k: (r.status_code, r.json()["error"]) for k, r in responses.items()} == {
        "no key": (401, "unauthenticated"),
        "unknown key": (401, "unauthenticated"),
        "other channel": (403, "forbidden"),
        "no such channel": (404, "not_found"),
    }
    assert Incident.objects.count() == 0


def test_a_revoked_key_is_refused(personas, egov_key, intake_client):
    # given
    intake_key_revoke(key=egov_key[0], by=None)

    # when
    response = intake_client.post("/api/v1/intake/egov/", body(personas), format="json")

    # then
    assert (response.status_code, response.json()["error"]) == (401, "unauthenticated")
    assert Incident.objects.count() == 0
    assert AuditEntry.objects.filter(action="intake_key.revoked").count() == 1


def test_intake_key_command_prints_the_key_alone_on_the_last_line(db, personas):
    # when
    out = io.StringIO()
    call_command("intake_key", "halyk", "Halyk bank", stdout=out)

    # then
    raw = out.getvalue().strip().splitlines()[-1]
    key = IntakeKey.objects.get()
    assert (key.channel, key.name, key.prefix) == ("halyk", "Halyk bank", raw[:12])
    assert raw.startswith("kzi_")
    assert len(raw) == 47
    assert key.key_hash != raw
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    response = client.post("/api/v1/intake/halyk/", body(personas), format="json")
    assert response.status_code == 201


# --- domestic violence --------------------------------------------------------------------------


def test_a_dv_report_gets_p1_risk_flags_and_a_follow_up_visit(personas, intake_client):
    # given: the caller is a person with an active protective order and two prior calls
    today = clock.now().date()
    subject = RiskSubject.objects.create(
        kind="person",
        district=personas.a.district,
        settlement=personas.a.village,
        person_name="Сауле К.",
        phone="+77015550101",
        protective_order_until=today + dt.timedelta(days=10),
        prior_dv_calls=2,
    )

    # when
    response = intake_client.post(
        "/api/v1/intake/egov/",
        body(personas, category="domestic_violence", settlement_kato=personas.a.village.kato),
        format="json",
    )

    # then: eGov would lower a DV report to P2; the floor keeps it at P1
    assert response.status_code == 201
    incident = Incident.objects.get()
    assert incident.priority == "P1"
    assert incident.risk_flags == [
        {"flag": "domestic_violence"},
        {
            "flag": "risk_subject",
            "subject_id": subject.pk,
            "kind": "person",
            "label": "Сауле К.",
            "settlement_id": personas.a.village.pk,
            "settlement_name": personas.a.village.name,
            "settlement_name_kk": personas.a.village.name_kk,
            "protective_order_until": (today + dt.timedelta(days=10)).isoformat(),
            "protective_order_active": True,
            "prior_dv_calls": 2,
            "last_follow_up_at": None,
        },
    ]
    task = FollowUpTask.objects.get()
    assert (task.incident, task.district, task.unit) == (
        incident,
        personas.a.district,
        personas.a.inspector_unit,
    )
    assert task.due_at == incident.received_at + dt.timedelta(days=3)
    subject.refresh_from_db()
    assert subject.prior_dv_calls == 3


def test_a_dv_report_with_an_expired_order_shows_it_inactive(personas, intake_client):
    # given
    RiskSubject.objects.create(
        kind="address",
        district=personas.a.district,
        settlement=personas.a.town,
        address="ул. Абая 12",
        protective_order_until=clock.now().date() - dt.timedelta(days=1),
    )

    # when
    intake_client.post(
        "/api/v1/intake/egov/",
        body(personas, category="domestic_violence", caller={}),
        format="json",
    )

    # then
    flags = Incident.objects.get().risk_flags
    assert [(f["flag"], f.get("protective_order_active")) for f in flags] == [
        ("domestic_violence", None),
        ("risk_subject", False),
    ]


def test_reading_a_dv_incident_through_the_api_is_audited(personas, intake_client, client_for):
    # given
    intake_client.post(
        "/api/v1/intake/egov/", body(personas, category="domestic_violence"), format="json"
    )
    incident = Incident.objects.get()
    staff = client_for(personas.a.chief)

    # when
    detail = staff.get(f"/api/v1/incidents/{incident.pk}/")
    recommendations = staff.get(f"/api/v1/incidents/{incident.pk}/recommendations/")

    # then
    assert (detail.status_code, recommendations.status_code) == (200, 200)
    reads = AuditEntry.objects.filter(action="incident.read").order_by("id")
    assert [(r.actor_id, r.object_id, r.data) for r in reads] == [
        (personas.a.chief.pk, str(incident.pk), '{"purpose":"api.incident_detail"}'),
        (personas.a.chief.pk, str(incident.pk), '{"purpose":"api.recommendations"}'),
    ]


def test_reading_an_ordinary_incident_is_not_audited(personas, intake_client, client_for):
    intake_client.post("/api/v1/intake/egov/", body(personas), format="json")
    incident = Incident.objects.get()

    client_for(personas.a.chief).get(f"/api/v1/incidents/{incident.pk}/")

    assert AuditEntry.objects.filter(action="incident.read").count() == 0
