"""The staff API: every operation through HTTP, scope (404) and role (403) refusals, schema."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from backend.common import clock
from backend.dispatch.models import Assignment, Incident
from tests import factories

from .conftest import snapshot


@pytest.fixture
def incidents(personas):
    """One open incident in each district."""
    return {
        "a": factories.incident(district=personas.a.district, settlement=personas.a.town),
        "b": factories.incident(district=personas.b.district, settlement=personas.b.town),
    }


def test_a_duty_officer_takes_a_call_from_entry_to_close(personas, client_for):
    # given
    personas.device(personas.a.patrol_officers[0])
    api = client_for(personas.duty)

    # when: enter the call, read it, see the recommendation, dispatch, acknowledge, close
    created = api.post(
        "/api/v1/incidents/",
        {
            "category": "robbery",
            "received_at": clock.now().isoformat(),
            "settlement_kato": personas.a.town.kato,
            "landmark": "рынок",
            "caller": {"name": "Ерлан", "phone": "+77019990000"},
        },
        format="json",
    )
    incident_id = created.json()["id"]
    detail = api.get(f"/api/v1/incidents/{incident_id}/")
    recs = api.get(f"/api/v1/incidents/{incident_id}/recommendations/")
    first_unit = recs.json()["units"][0]["unit_id"]
    dispatched = api.post(
        f"/api/v1/incidents/{incident_id}/assignments/", {"unit_id": first_unit}, format="json"
    )
    assignment_id = dispatched.json()["id"]
    acked = api.post(
        f"/api/v1/assignments/{assignment_id}/acknowledge/",
        {"channel": "phone", "note": "позвонил экипажу"},
        format="json",
    )
    closed = api.post(
        f"/api/v1/incidents/{incident_id}/close/",
        {"disposition": "задержан подозреваемый", "outcome_code": "arrest"},
        format="json",
    )

    # then
    assert [r.status_code for r in (created, detail, recs, dispatched, acked, closed)] == [
        201,
        200,
        200,
        201,
        200,
        200,
    ]
    assert (created.json()["priority"], created.json()["status"]) == ("P1", "queued")
    assert detail.json()["assignments"] == []
    assert [u["callsign"] for u in recs.json()["units"]] == ["A-PC1", "A-UI1"]
    assert first_unit == personas.a.patrol.pk
    assert (dispatched.json()["status"], dispatched.json()["callsign"]) == ("dispatched", "A-PC1")
    assert acked.json()["disposition"] == "applied"
    assert acked.json()["assignment"]["status"] == "acknowledged"
    assert (closed.json()["status"], closed.json()["outcome_code"]) == ("closed", "arrest")
    assert [a["status"] for a in closed.json()["assignments"]] == ["cancelled"]


def test_cancel_and_reassign_through_the_api(personas, client_for, incidents):
    # given
    api = client_for(personas.a.chief)
    first = api.post(
        f"/api/v1/incidents/{incidents['a'].pk}/assignments/",
        {"unit_id": personas.a.patrol.pk},
        format="json",
    ).json()

    # when
    moved = api.post(
        f"/api/v1/assignments/{first['id']}/reassign/",
        {"unit_id": personas.a.inspector_unit.pk},
        format="json",
    )
    cancelled = api.post(
        f"/api/v1/assignments/{moved.json()['id']}/cancel/",
        {"reason": "заявитель отказался"},
        format="json",
    )

    # then
    assert (moved.status_code, moved.json()["callsign"]) == (201, "A-UI1")
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")
    assert list(Assignment.objects.order_by("pk").values_list("status", "superseded_by_id")) == [
        ("superseded", moved.json()["id"]),
        ("cancelled", None),
    ]


def test_cancel_and_reopen_an_incident_through_the_api(personas, client_for, incidents):
    # given
    api = client_for(personas.duty)
    incident_id = incidents["a"].pk
    closed = api.post(
        f"/api/v1/incidents/{incident_id}/close/", {"disposition": "разобрано"}, format="json"
    )

    # when
    reopened = api.post(
        f"/api/v1/incidents/{incident_id}/reopen/", {"reason": "новые сведения"}, format="json"
    )
    cancelled = api.post(
        f"/api/v1/incidents/{incident_id}/cancel/", {"reason": "ложный вызов"}, format="json"
    )
    again = api.post(f"/api/v1/incidents/{incident_id}/cancel/", {"reason": "x"}, format="json")
    no_reason = api.post(f"/api/v1/incidents/{incident_id}/reopen/", {}, format="json")

    # then
    assert closed.status_code == 200
    assert (reopened.status_code, reopened.json()["status"]) == (200, "queued")
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")
    assert (again.status_code, again.json()["error"]) == (409, "incident_closed")
    assert no_reason.status_code == 400


def _requests(incident_id, assignment_id, unit_id):
    return [
        ("get", f"/api/v1/incidents/{incident_id}/", None),
        ("get", f"/api/v1/incidents/{incident_id}/recommendations/", None),
        ("post", f"/api/v1/incidents/{incident_id}/assignments/", {"unit_id": unit_id}),
        ("post", f"/api/v1/incidents/{incident_id}/close/", {"disposition": "x"}),
        ("post", f"/api/v1/incidents/{incident_id}/cancel/", {"reason": "x"}),
        ("post", f"/api/v1/incidents/{incident_id}/reopen/", {"reason": "x"}),
        ("post", f"/api/v1/assignments/{assignment_id}/cancel/", {}),
        ("post", f"/api/v1/assignments/{assignment_id}/reassign/", {"unit_id": unit_id}),
        ("post", f"/api/v1/assignments/{assignment_id}/acknowledge/", {"channel": "radio"}),
    ]


def test_a_chief_of_a_cannot_see_or_touch_the_incidents_of_b(personas, client_for, incidents):
    # given
    assignment_b = factories.assignment(incident=incidents["b"], unit=personas.b.patrol)
    api = client_for(personas.a.chief)
    before = snapshot()

    # when
    responses = [
        getattr(api, method)(url, body, format="json")
        for method, url, body in _requests(
            incidents["b"].pk, assignment_b.pk, personas.b.inspector_unit.pk
        )
    ]

    # then
    assert [(r.status_code, r.json()["error"]) for r in responses] == [(404, "not_found")] * 9
    assert snapshot() == before


def test_a_chief_cannot_send_a_unit_of_another_district(personas, client_for, incidents):
    api = client_for(personas.a.chief)
    before = snapshot()

    response = api.post(
        f"/api/v1/incidents/{incidents['a'].pk}/assignments/",
        {"unit_id": personas.b.patrol.pk},
        format="json",
    )

    # a unit of the same oblast: refused with whom to ask (its district's desk or the
    # oblast ЦОУ), as the recommendations may offer it across the border (test_across_border)
    assert (response.status_code, response.json()["error"]) == (403, "unit_out_of_scope")
    assert response.json()["unit_district_id"] == personas.b.district.pk
    assert snapshot() == before


def test_the_oblast_duty_officer_acts_in_every_district(personas, client_for, incidents):
    api = client_for(personas.duty)

    response = api.post(
        f"/api/v1/incidents/{incidents['b'].pk}/assignments/",
        {"unit_id": personas.b.patrol.pk},
        format="json",
    )

    assert response.status_code == 201


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("officer", [(403, "forbidden")] * 9),
        ("oblast_admin", [(200, None), (200, None)] + [(403, "forbidden")] * 7),
        ("anonymous", [(401, "unauthenticated")] * 9),
    ],
)
def test_roles_that_may_not_dispatch(personas, client_for, incidents, who, expected):
    # given
    assignment = factories.assignment(incident=incidents["a"], unit=personas.a.patrol)
    user = {
        "officer": personas.a.patrol_officers[0],
        "oblast_admin": personas.oblast_admin,
        "anonymous": None,
    }[who]
    api = client_for(user) if user is not None else APIClient()
    before = snapshot()

    # when
    responses = [
        getattr(api, method)(url, body, format="json")
        for method, url, body in _requests(
            incidents["a"].pk, assignment.pk, personas.a.inspector_unit.pk
        )
    ]

    # then
    assert [(r.status_code, r.json().get("error")) for r in responses] == expected
    assert snapshot() == before


def test_a_chief_cannot_enter_a_call_for_another_district(personas, client_for):
    response = client_for(personas.a.chief).post(
        "/api/v1/incidents/",
        {
            "category": "theft",
            "received_at": clock.now().isoformat(),
            "settlement_kato": personas.b.town.kato,
        },
        format="json",
    )
    assert (response.status_code, response.json()["error"]) == (403, "out_of_scope")
    assert Incident.objects.count() == 0


def test_conflicts_come_back_as_409_with_a_code(personas, client_for, incidents):
    api = client_for(personas.a.chief)
    api.post(
        f"/api/v1/incidents/{incidents['a'].pk}/assignments/",
        {"unit_id": personas.a.patrol.pk},
        format="json",
    )

    again = api.post(
        f"/api/v1/incidents/{incidents['a'].pk}/assignments/",
        {"unit_id": personas.a.patrol.pk},
        format="json",
    )

    assert again.status_code == 409
    assert again.json() == {
        "error": "unit_unavailable",
        "detail": "A-PC1 is dispatched.",
        "unit_status": "dispatched",
    }


def test_invalid_input_is_a_400_with_fields(personas, client_for, incidents):
    response = client_for(personas.a.chief).post(
        f"/api/v1/incidents/{incidents['a'].pk}/assignments/", {"unit_id": "x"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid"
    assert list(response.json()["fields"]) == ["unit_id"]


def test_the_schema_documents_the_dispatch_api(client_for, personas):
    response = client_for(personas.duty).get("/api/schema/", {"format": "json"})
    schema = response.json()
    paths = schema["paths"]
    assert {
        "/api/v1/intake/{channel}/": ["post"],
        "/api/v1/incidents/": ["post"],
        "/api/v1/incidents/{incident_id}/": ["get"],
        "/api/v1/incidents/{incident_id}/recommendations/": ["get"],
        "/api/v1/incidents/{incident_id}/assignments/": ["post"],
        "/api/v1/incidents/{incident_id}/close/": ["post"],
        "/api/v1/incidents/{incident_id}/cancel/": ["post"],
        "/api/v1/incidents/{incident_id}/reopen/": ["post"],
        "/api/v1/assignments/{assignment_id}/cancel/": ["post"],
        "/api/v1/assignments/{assignment_id}/reassign/": ["post"],
        "/api/v1/assignments/{assignment_id}/acknowledge/": ["post"],
        "/api/v1/sms/inbound/": ["post"],
    }.items() <= {
        p: sorted(k for k in ops if k != "parameters") for p, ops in paths.items()
    }.items()
    intake = paths["/api/v1/intake/{channel}/"]["post"]
    assert sorted(intake["responses"]) == [
        *("200", "201", "400", "401", "403", "404", "409", "413", "415", "429")
    ]
    assert intake["security"] == [{"IntakeApiKey": []}]
    assert schema["components"]["securitySchemes"]["IntakeApiKey"]["type"] == "apiKey"


def _enter_with_channel(api, personas, channel):
    """A theft in district A's town entered through the staff API, said to come by ``channel``."""
    return api.post(
        "/api/v1/incidents/",
        {
            "category": "theft",
            "channel": channel,
            "received_at": clock.now().isoformat(),
            "settlement_kato": personas.a.town.kato,
        },
        format="json",
    )


@pytest.mark.parametrize(("channel", "status"), [("walk_in", 201), ("agency_112", 201)])
def test_staff_enter_a_call_with_how_it_reached_the_desk(personas, client_for, channel, status):
    created = _enter_with_channel(client_for(personas.duty), personas, channel)

    assert created.status_code == status
    assert Incident.objects.get(pk=created.json()["id"]).channel == channel


@pytest.mark.parametrize("channel", ["egov", "kaspi", "app_102", "halyk"])
def test_an_apps_report_cannot_be_typed_in_by_staff(personas, client_for, channel):
    # given: the apps' reports come through intake, with their own reference
    before = snapshot()

    # when
    refused = _enter_with_channel(client_for(personas.duty), personas, channel)

    # then: a clear error on the channel; nothing saved
    assert refused.status_code == 400
    body = refused.json()
    assert body["error"] == "invalid"
    assert "channel" in body["fields"]
    assert snapshot() == before
