"""Times from other clocks are bounded (issue 10): a report's ``received_at`` outside the
configured window is refused with a clear error; every time renders as RFC 3339; the schema
says what the server refuses."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from backend.common import clock
from backend.dispatch.models import Incident
from tests import factories

from .conftest import snapshot
from .test_intake import body

pytestmark = pytest.mark.django_db

RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


@pytest.mark.parametrize(
    ("received_at", "code"),
    [
        ("0001-01-01T00:00:00Z", "received_at_too_old"),
        ("0715-03-01T10:00:00+05:00", "received_at_too_old"),
        ("days:-8", "received_at_too_old"),
        ("days:+1", "received_at_in_future"),
    ],
)
def test_intake_refuses_a_received_at_outside_the_window(
    personas, intake_client, received_at, code
):
    # given
    if received_at.startswith("days:"):
        received_at = (clock.now() + dt.timedelta(days=int(received_at[5:]))).isoformat()
    before = snapshot()

    # when
    response = intake_client.post(
        "/api/v1/intake/egov/", body(personas, received_at=received_at), format="json"
    )

    # then
    assert response.status_code == 400
    assert response.json()["error"] == code
    assert response.json()["detail"]
    assert snapshot() == before


def test_staff_api_refuses_year_715(personas, client_for):
    # when
    response = client_for(personas.duty).post(
        "/api/v1/incidents/",
        {
            "category": "theft",
            "received_at": "0715-03-01T10:00:00+05:00",
            "settlement_kato": personas.a.town.kato,
        },
        format="json",
    )

    # then
    assert (response.status_code, response.json()["error"]) == (400, "received_at_too_old")
    assert Incident.objects.count() == 0


def test_the_window_is_configurable(personas, intake_client, settings):
    # given
    settings.KUZET_TIME_PAST_DAYS = 30
    eight_days_ago = (clock.now() - dt.timedelta(days=8)).isoformat()

    # when
    response = intake_client.post(
        "/api/v1/intake/egov/", body(personas, received_at=eight_days_ago), format="json"
    )

    # then
    assert response.status_code == 201


def test_a_time_before_1924_renders_as_rfc3339(personas, client_for):
    # given: a time stored before the bound existed (Almaty's local mean time is +05:07:48)
    incident = factories.incident(district=personas.a.district, settlement=personas.a.town)
    Incident.objects.filter(pk=incident.pk).update(
        received_at=dt.datetime(715, 3, 1, 5, 0, tzinfo=dt.UTC)
    )

    # when
    response = client_for(personas.duty).get(f"/api/v1/incidents/{incident.pk}/")

    # then
    received = response.json()["received_at"]
    assert RFC3339.match(received), received
    assert dt.datetime.fromisoformat(received) == dt.datetime(715, 3, 1, 5, 0, tzinfo=dt.UTC)
    assert RFC3339.match(response.json()["created_at"])
    assert response.json()["created_at"].endswith("+05:00")  # today's times stay in Almaty's


def test_the_schema_says_what_the_server_refuses(client_for, personas):
    # when
    schema = client_for(personas.duty).get("/api/schema/", {"format": "json"}).json()

    # then
    intake = schema["components"]["schemas"]["IntakeInput"]
    assert intake["properties"]["external_ref"]["minLength"] == 1
    assert "external_ref" in intake["required"]
    enroll = schema["paths"]["/api/sync/v1/enroll"]["post"]["requestBody"]["content"]
    device = enroll["application/json"]["schema"]["properties"]["device"]
    assert device["required"] == ["install_id"]
    assert device["properties"]["install_id"]["minLength"] == 1
    assert "enroll" not in schema["paths"]["/api/sync/v1/enroll"]["post"].get("security", [{}])
    received = schema["components"]["schemas"]["IncidentOutput"]["properties"]["received_at"]
    assert received["format"] == "date-time"
