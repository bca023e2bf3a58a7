"""A partner's read of a report by a reference no report can have — U+0000 in the path
(``…/abc%00/``) — is ``404 not_found``, like any reference never sent. On PostgreSQL the
lookup failed (text cannot hold U+0000): ``500 server_error``, "retry with backoff", with a
traceback in the log for every such request. The report sent stays readable."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from rest_framework.test import APIClient

from backend.dispatch.services import intake_key_issue


@pytest.fixture
def partner(db):
    _key, raw = intake_key_issue(channel="egov", name="eGov Mobile")
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


def test_a_reference_with_a_nul_is_not_found(personas, partner, caplog):
    # given: a report sent as "abc"
    sent = partner.post(
        "/api/v1/intake/egov/",
        {
            "external_ref": "abc",
            "received_at": dt.datetime.now(dt.UTC).isoformat(),
            "category": "theft",
            "settlement_kato": personas.a.village.kato,
        },
        format="json",
    )
    assert sent.status_code == 201, sent.json()

    # when
    with caplog.at_level(logging.ERROR, logger="django.request"):
        answers = [partner.get(f"/api/v1/intake/egov/{ref}/") for ref in ("abc%00", "%00abc")]
    read = partner.get("/api/v1/intake/egov/abc/")

    # then
    for response in answers:
        assert response.status_code == 404
        assert response.json() == {
            "error": "not_found",
            "detail": "No report with this external_ref on the egov channel.",
        }
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert (read.status_code, read.json()["external_ref"]) == (200, "abc")
