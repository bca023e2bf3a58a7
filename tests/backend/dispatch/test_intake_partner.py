"""What a partner's developer found integrating with intake from the docs alone
(the intake walk-through): places outside the service area, a KATO and coordinates that
disagree, phone numbers, unknown fields, errors that were HTML, the wrong auth scheme."""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from backend.dispatch.models import Incident
from tests import factories

from .conftest import snapshot
from .test_intake import body

INTAKE = "/api/v1/intake/egov/"

# --- location ------------------------------------------------------------------------------------


def test_coordinates_outside_the_service_area_are_refused(personas, intake_client, settings):
    # given: Almaty's coordinates and no KATO (the nearest known settlement is 400+ km away)
    settings.KUZET_SERVICE_AREA_KM = 75
    before = snapshot()

    # when
    response = intake_client.post(
        INTAKE, body(personas, settlement_kato=None, lat=43.24, lon=76.89), format="json"
    )

    # then
    assert response.status_code == 400
    answer = response.json()
    assert answer["error"] == "outside_service_area"
    assert answer["limit_km"] == 75
    assert answer["nearest_km"] > 400
    assert snapshot() == before


def test_a_point_within_the_service_area_takes_the_nearest_settlement(personas, intake_client):
    # given: a winter camp 57 km south-west of Аягоз, nearer to it than to any other settlement
    payload = body(personas, settlement_kato=None, lat=47.60, lon=79.90)

    # when
    response = intake_client.post(INTAKE, payload, format="json")

    # then
    assert response.status_code == 201, response.content
    assert Incident.objects.get().settlement == personas.a.town


def test_the_service_area_is_a_setting(personas, intake_client, settings):
    # given: the same winter camp, 57 km from Аягоз, with the area cut to 50 km
    settings.KUZET_SERVICE_AREA_KM = 50

    # when
    response = intake_client.post(
        INTAKE, body(personas, settlement_kato=None, lat=47.60, lon=79.90), format="json"
    )

    # then
    assert (response.status_code, response.json()["error"]) == (400, "outside_service_area")
    assert Incident.objects.count() == 0


@pytest.mark.parametrize(
    ("lat", "lon", "km"),
    [
        # the walk-through's report: Аягоз's KATO with coordinates in Semey, 272 km away
        # (Semey is a known settlement, so the point itself is inside the service area)
        (50.4111, 80.2275, 270),
        # a point 5 km from Архат (district B), 106 km from Аягоз
        (48.745, 79.60, 110),
    ],
    ids=["in-semey", "near-arkhat"],
)
def test_a_kato_far_from_the_coordinates_is_refused_not_silently_chosen(
    personas, intake_client, lat, lon, km
):
    # given
    factories.settlement(
        okrug=personas.b.okrug, kato="101010000", name="Семей", lat=50.42675, lon=80.26669
    )
    before = snapshot()

    # when: Аягоз's KATO with the caller's position far from it
    response = intake_client.post(
        INTAKE,
        body(personas, settlement_kato=personas.a.town.kato, lat=lat, lon=lon),
        format="json",
    )

    # then: neither place is trusted over the other
    assert response.status_code == 400
    answer = response.json()
    assert answer["error"] == "location_mismatch"
    assert (round(answer["distance_km"], -1), answer["limit_km"]) == (km, 75)
    assert snapshot() == before


def test_a_kato_with_coordinates_near_it_keeps_both(personas, intake_client):
    # when: Аягоз's KATO and the caller's position 2 km from its centre
    response = intake_client.post(
        INTAKE,
        body(personas, settlement_kato=personas.a.town.kato, lat=47.98, lon=80.45),
        format="json",
    )

    # then
    assert response.status_code == 201, response.content
    incident = Incident.objects.get()
    assert (incident.settlement, incident.lat, incident.location_source) == (
        personas.a.town,
        47.98,
        "caller_gps",
    )


def test_an_estimated_settlement_position_is_not_held_against_the_coordinates(
    personas, intake_client
):
    # given: Актогай's position is only the seed's estimate
    village = personas.a.village
    village.coords_estimated = True
    village.save(update_fields=["coords_estimated"])

    # when: its KATO with a point by Аягоз, 127 km from the estimate
    response = intake_client.post(
        INTAKE, body(personas, settlement_kato=village.kato, lat=47.97, lon=80.44), format="json"
    )

    # then: the KATO decides, as before
    assert response.status_code == 201, response.content
    assert Incident.objects.get().settlement == village


def test_staff_entry_is_held_to_the_service_area_too(personas, client_for):
    # when: a duty officer places a call in Almaty
    response = client_for(personas.duty).post(
        "/api/v1/incidents/",
        {
            "category": "theft",
            "received_at": body(personas)["received_at"],
            "lat": 43.24,
            "lon": 76.89,
        },
        format="json",
    )

    # then
    assert (response.status_code, response.json()["error"]) == (400, "outside_service_area")
    assert Incident.objects.count() == 0


# --- the caller's phone --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("+77015550101", "+77015550101"),
        ("8 701 555 01 01", "+77015550101"),
        ("+7 (701) 555-01-01", "+77015550101"),
        ("87015550101", "+77015550101"),
        ("", ""),
    ],
)
def test_a_kazakhstan_phone_is_stored_as_plus_7(personas, intake_client, given, stored):
    # when
    response = intake_client.post(
        INTAKE, body(personas, caller={"name": "Айгерим", "phone": given}), format="json"
    )

    # then
    assert response.status_code == 201, response.content
    assert Incident.objects.get().caller_phone == stored


@pytest.mark.parametrize(
    "phone", ["call me maybe", "+7 701 555", "+7 901 555 01 01", "+44 20 7946 0958", "7015550101x"]
)
def test_a_phone_that_is_not_a_kazakhstan_number_is_refused_naming_the_field(
    personas, intake_client, phone
):
    # given
    before = snapshot()

    # when
    response = intake_client.post(
        INTAKE, body(personas, caller={"name": "X", "phone": phone}), format="json"
    )

    # then: nothing stored, so no SMS will ever go to it
    assert response.status_code == 400
    answer = response.json()
    assert answer["error"] == "invalid"
    assert list(answer["fields"]) == ["caller"]
    assert list(answer["fields"]["caller"]) == ["phone"]
    assert "+7" in answer["fields"]["caller"]["phone"][0]
    assert snapshot() == before


def test_staff_entry_checks_the_phone_too(personas, client_for):
    # when
    response = client_for(personas.duty).post(
        "/api/v1/incidents/",
        {
            "category": "theft",
            "received_at": body(personas)["received_at"],
            "settlement_kato": personas.a.town.kato,
            "caller": {"name": "X", "phone": "call me maybe"},
        },
        format="json",
    )

    # then
    assert response.status_code == 400
    assert list(response.json()["fields"]["caller"]) == ["phone"]
    assert Incident.objects.count() == 0


# --- unknown fields ------------------------------------------------------------------------------


def test_unknown_fields_are_refused_naming_each(personas, intake_client):
    # given: the output's names for the caller at the top level, a place name, a nested extra
    payload = body(personas, caller_name="Асқар", caller_phone="+77011112233", settlement="Аягоз")
    payload["caller"] = {"name": "Асқар", "email": "a@example.kz"}
    before = snapshot()

    # when
    response = intake_client.post(INTAKE, payload, format="json")

    # then
    assert response.status_code == 400
    answer = response.json()
    assert answer["error"] == "invalid"
    assert answer["fields"] == {
        "caller_name": ["Unknown field; did you mean caller.name?"],
        "caller_phone": ["Unknown field; did you mean caller.phone?"],
        "settlement": ["Unknown field; did you mean settlement_kato?"],
        "caller": {"email": ["Unknown field."]},
    }
    assert snapshot() == before


def test_unknown_fields_are_named_beside_the_other_errors(personas, intake_client):
    # when: an unknown field and a bad phone in the same caller, and a bad category
    payload = body(personas, category="weather", caller={"phone": "nope", "mail": "x"})
    response = intake_client.post(INTAKE, payload, format="json")

    # then: every problem at once
    assert response.status_code == 400
    fields = response.json()["fields"]
    assert sorted(fields) == ["caller", "category"]
    assert sorted(fields["caller"]) == ["mail", "phone"]


def test_intake_takes_json_only(personas, intake_client):
    # given: the form encoding a partner tried (caller.name worked, caller[phone] was dropped)
    payload = {k: v for k, v in body(personas).items() if k not in ("caller", "media")}
    payload["caller[phone]"] = "+77015550101"

    # when
    response = intake_client.post(INTAKE, payload)  # multipart, the test client's default

    # then
    assert response.status_code == 415
    assert response.json()["error"] == "unsupported_media_type"
    assert Incident.objects.count() == 0


# --- errors that were HTML -----------------------------------------------------------------------


@pytest.mark.parametrize("debug", [False, True])
def test_a_body_over_djangos_limit_is_a_413_in_json(personas, intake_client, settings, debug):
    # given: a 3 MB description (Django's DATA_UPLOAD_MAX_MEMORY_SIZE is 2.5 MB); with DEBUG
    # on, the demo's setting, Django answered with its HTML debug page
    settings.DEBUG = debug
    payload = json.dumps(body(personas, description="а" * 3_000_000))

    # when
    response = intake_client.post(INTAKE, payload, content_type="application/json")

    # then
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "error": "too_large",
        "detail": "An intake request is at most 131072 bytes.",
        "max_bytes": 131072,
    }
    assert Incident.objects.count() == 0


def test_a_report_body_over_the_intake_limit_is_a_413(personas, intake_client):
    # given: 200 KB, well under Django's limit and far over any real report
    payload = json.dumps(body(personas, landmark="x" * 200_000))

    # when
    response = intake_client.post(INTAKE, payload, content_type="application/json")

    # then
    assert (response.status_code, response.json()["error"]) == (413, "too_large")
    assert Incident.objects.count() == 0


def test_a_staff_body_over_djangos_limit_is_a_413_in_json(personas, client_for, settings):
    # given
    settings.DEBUG = True
    payload = json.dumps({"category": "theft", "description": "а" * 3_000_000})

    # when
    response = client_for(personas.duty).post(
        "/api/v1/incidents/", payload, content_type="application/json"
    )

    # then
    assert response.status_code == 413
    assert response.json()["error"] == "too_large"
    assert Incident.objects.count() == 0


def test_a_post_without_the_trailing_slash_is_a_json_404_naming_the_path(personas, egov_key):
    # given: a client that does not send a CSRF cookie, as no partner does
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {egov_key[1]}")

    # when
    response = client.post("/api/v1/intake/egov", body(personas), format="json")

    # then: not Django's HTML "CSRF verification failed"
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "error": "not_found",
        "detail": "No such resource; the path ends with a slash: /api/v1/intake/egov/",
    }
    assert Incident.objects.count() == 0


def test_an_unknown_api_path_stays_a_plain_json_404(db):
    response = APIClient(enforce_csrf_checks=True).post("/api/v1/nothing-here", {})
    assert (response.status_code, response.json()) == (
        404,
        {"error": "not_found", "detail": "No such resource."},
    )


# --- the auth scheme -----------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["Bearer", "Token", "ApiKey"])
def test_a_key_under_another_scheme_is_told_to_use_api_key(personas, egov_key, scheme):
    # given: a valid key, sent under another scheme
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{scheme} {egov_key[1]}")

    # when
    response = client.post(INTAKE, body(personas), format="json")

    # then: not "Authentication credentials were not provided."
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Api-Key"
    assert response.json() == {
        "error": "unauthenticated",
        "detail": f"Intake takes `Authorization: Api-Key <key>`, not {scheme}.",
    }
    assert Incident.objects.count() == 0


def test_a_bare_key_without_a_scheme_is_never_echoed(personas, egov_key):
    # given
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=egov_key[1])

    # when
    response = client.post(INTAKE, body(personas), format="json")

    # then
    assert response.status_code == 401
    assert response.json()["detail"] == "Intake takes `Authorization: Api-Key <key>`."
    assert egov_key[1] not in response.content.decode()


def test_a_key_on_another_channels_path_is_told_so_before_its_body_is_read(personas, intake_client):
    # when: the eGov key on Kaspi's path, with a body that would not validate
    response = intake_client.post("/api/v1/intake/kaspi/", {}, format="json")

    # then: the key's channel, not the body's faults
    assert response.status_code == 403
    assert response.json() == {"error": "forbidden", "detail": "This key is for the egov channel."}
