"""What a citizen reports (through a partner's app) and what an officer writes on his phone
reach the desk's screens as text: markup in a caller's name, a report's description or
landmark, or an officer's note is shown escaped on the console's call list and call page, the
live board and the audit log — never run. The board's JSON endpoints answer JSON."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from backend.dispatch.models import Incident
from backend.dispatch.services import intake_key_issue
from tests.backend.sync_support import SyncApi, dispatch, event

MARKUP = '<img src=x onerror="alert(1)">'
SCRIPT = "</script><script>alert(2)</script>"


@pytest.fixture
def reported(personas, client):
    _key, raw = intake_key_issue(channel="egov", name="eGov Mobile")
    partner = APIClient()
    partner.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    response = partner.post(
        "/api/v1/intake/egov/",
        {
            "external_ref": "xss-1",
            "received_at": dt.datetime.now(dt.UTC).isoformat(),
            "category": "theft",
            "description": f"Украли {MARKUP} {SCRIPT}",
            "settlement_kato": personas.a.village.kato,
            "landmark": f"двор {MARKUP}",
            "caller": {"name": f"{SCRIPT}{MARKUP}", "phone": "+77015550101"},
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    incident = Incident.objects.get(pk=response.json()["id"])
    assignment = dispatch(incident=incident, unit=personas.a.patrol)
    _device, token = personas.device(personas.a.patrol_officers[0])
    phone = SyncApi(client, token)
    (result,) = phone.push(event("note", assignment, payload={"text": f"на месте {MARKUP}"}))
    assert result["status"] == "accepted"
    return incident


def test_markup_from_a_citizen_and_an_officer_is_shown_escaped(personas, client, reported):
    # given
    client.force_login(personas.a.chief)

    # when
    pages = {
        path: client.get(path)
        for path in (
            "/admin/dispatch/incident/",
            f"/admin/dispatch/incident/{reported.pk}/change/",
            "/admin/dispatch/event/",
            "/admin/ledger/auditentry/",
            "/board/",
        )
    }

    # then
    for path, response in pages.items():
        assert response.status_code == 200, path
        html = response.content.decode()
        assert "<img src=x" not in html, path
        assert "<script>alert(2)" not in html, path
    call_page = pages[f"/admin/dispatch/incident/{reported.pk}/change/"].content.decode()
    assert "&lt;img src=x onerror=" in call_page


def test_the_boards_json_is_json(personas, client, reported):
    # given
    client.force_login(personas.a.chief)

    # when
    answers = [client.get(path) for path in ("/board/state/", "/board/alarms/")]

    # then
    for response in answers:
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/json")
        assert response["X-Content-Type-Options"] == "nosniff"
