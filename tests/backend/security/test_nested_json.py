"""A JSON body nested too deeply for Python's parser (sixty thousand ``[`` in a 120 KB body,
under every size limit) is refused ``400 malformed`` by the intake and the staff API, as the
sync push refuses it — it raised RecursionError, answered ``500 server_error`` ("retry with
backoff") with a traceback in the log, for anyone holding a key. Nothing is written."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from rest_framework.test import APIClient

from backend.dispatch.authentication import staff_token_issue
from backend.dispatch.services import intake_key_issue
from tests.backend.dispatch.conftest import snapshot

DEEP_ARRAY = ("[" * 60_000 + "]" * 60_000).encode()
DEEP_OBJECT = ('{"a":' * 20_000 + "1" + "}" * 20_000).encode()


@pytest.fixture
def partner(db):
    _key, raw = intake_key_issue(channel="egov", name="eGov Mobile")
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


@pytest.fixture
def desk(personas):
    _, key = staff_token_issue(user=personas.duty)
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_deeply_nested_body_is_malformed_not_a_server_error(personas, partner, desk, caplog):
    # given
    before = snapshot()
    sent = [
        (partner, "/api/v1/intake/egov/", DEEP_ARRAY),
        (partner, "/api/v1/intake/egov/", DEEP_OBJECT),
        (desk, "/api/v1/incidents/", DEEP_ARRAY),
        (desk, "/api/v1/incidents/", DEEP_OBJECT),
    ]

    # when
    with caplog.at_level(logging.ERROR, logger="django.request"):
        answers = [
            client.generic("POST", path, body, content_type="application/json")
            for client, path, body in sent
        ]

    # then
    for response in answers:
        assert response.status_code == 400
        assert response.json() == {
            "error": "malformed",
            "detail": "JSON parse error - the body nests too deeply to be parsed.",
        }
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert snapshot() == before


def test_a_report_still_parses(personas, partner):
    # when
    response = partner.post(
        "/api/v1/intake/egov/",
        {
            "external_ref": "ok-1",
            "received_at": dt.datetime.now(dt.UTC).isoformat(),
            "category": "theft",
            "settlement_kato": personas.a.village.kato,
            "caller": {"name": "Айгерим", "phone": "+77015550101"},
        },
        format="json",
    )

    # then
    assert response.status_code == 201, response.json()
