"""A JSON body naming a key twice is refused ``400 malformed`` by the intake and the staff API,
naming the key, as the sync endpoints, the SMS callback and the board's buttons refuse it —
DRF's parser kept the last value and dropped the others without a word: a partner's report
with ``category`` twice was filed as whichever came last, a staff dispatch with ``unit_id``
twice sent the last unit. Nothing is stored, and the same request said once goes through."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import URLPattern, get_resolver
from rest_framework.test import APIClient
from rest_framework.views import APIView

from backend.dispatch.authentication import staff_token_issue
from backend.dispatch.models import Assignment, Incident
from backend.dispatch.parsers import JsonParser
from backend.dispatch.services import intake_key_issue
from tests import factories
from tests.backend.dispatch.conftest import snapshot


@pytest.fixture
def partner(db):
    _key, raw = intake_key_issue(channel="egov", name="eGov Mobile")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


@pytest.fixture
def desk(personas):
    _, key = staff_token_issue(user=personas.duty)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _members(pairs: list[tuple[str, object]]) -> str:
    """A JSON object of these members as written, a key twice if it is there twice."""
    return "{" + ", ".join(f"{json.dumps(k)}: {_value(v)}" for k, v in pairs) + "}"


def _value(value: object) -> str:
    if isinstance(value, list) and all(isinstance(item, dict | str) for item in value):
        # a JSON list of objects ("KIND_TWICE": one naming "kind" twice)
        return "[" + ", ".join(_item(item) for item in value) + "]"
    return _members(value) if isinstance(value, list) else json.dumps(value)


def _item(item: object) -> str:
    return '{"kind": "a", "kind": "b"}' if item == "KIND_TWICE" else json.dumps(item)


def _report(personas, *, category=(("category", "noise"),), phone=(("phone", "+77015550101"),)):
    return [
        ("external_ref", "egov-2026-0099001"),
        ("received_at", dt.datetime.now(dt.UTC).isoformat()),
        *category,
        ("settlement_kato", personas.a.village.kato),
        ("caller", [("name", "Айгерим"), *phone]),
    ]


@pytest.mark.parametrize(
    ("repeated", "detail"),
    [
        pytest.param(
            {"category": (("category", "noise"), ("category", "domestic_violence"))},
            "The body has the key 'category' more than once.",
            id="category-twice",
        ),
        pytest.param(
            {"phone": (("phone", "+77015550101"), ("phone", "+77015550199"))},
            "The body has the key 'caller.phone' more than once.",
            id="caller-phone-twice",
        ),
        pytest.param(
            # a key the intake does not read: its list's second item names "kind" twice
            {"phone": (("phone", "+77015550101"), ("notes", [{"kind": "a"}, "KIND_TWICE"]))},
            "The body has the key 'caller.notes[1].kind' more than once.",
            id="list-item-key-twice",
        ),
    ],
)
def test_a_report_naming_a_key_twice_is_refused_and_nothing_is_stored(
    personas, partner, repeated, detail
):
    # given: a report whose repeated key was read as its last value (a noise complaint filed
    # as domestic violence, the citizen's SMS sent to the second number)
    before = snapshot()

    # when
    response = partner.generic(
        "POST",
        "/api/v1/intake/egov/",
        _members(_report(personas, **repeated)),
        content_type="application/json",
    )

    # then: 400 malformed naming the key, in the intake's error shape; nothing stored
    assert response.status_code == 400
    assert response.json() == {"error": "malformed", "detail": detail}
    assert snapshot() == before
    # and the report said once is taken (its external_ref was not used up)
    once = partner.generic(
        "POST", "/api/v1/intake/egov/", _members(_report(personas)), content_type="application/json"
    )
    assert once.status_code == 201, once.json()
    assert Incident.objects.get().category == "noise"


def test_a_staff_dispatch_naming_the_unit_twice_is_refused_and_the_key_stays_unused(personas, desk):
    # given: a call of district A; its patrol and its inspector's unit
    a = personas.a
    incident = factories.incident(district=a.district, settlement=a.town)
    before = snapshot()
    path = f"/api/v1/incidents/{incident.pk}/assignments/"

    # when: unit_id twice, under an Idempotency-Key
    twice = desk.generic(
        "POST",
        path,
        _members([("unit_id", a.inspector_unit.pk), ("unit_id", a.patrol.pk)]),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k-twice",
    )

    # then: 400 malformed naming the key; nobody sent
    assert twice.status_code == 400
    assert twice.json() == {
        "error": "malformed",
        "detail": "The body has the key 'unit_id' more than once.",
    }
    assert snapshot() == before
    # and the same key with the unit named once sends it (the key was not used up)
    once = desk.post(path, {"unit_id": a.patrol.pk}, format="json", HTTP_IDEMPOTENCY_KEY="k-twice")
    assert once.status_code == 201, once.json()
    assert Assignment.objects.get().unit == a.patrol


def test_every_api_view_reads_json_with_the_parser_that_refuses_a_key_named_twice():
    # given: every view under /api/v1/ (the intake's, the staff API's, the SMS callback's)
    views = [
        pattern.callback.view_class
        for resolver in get_resolver().url_patterns
        if str(getattr(resolver, "pattern", "")) == "api/v1/"
        for pattern in resolver.url_patterns
        if isinstance(pattern, URLPattern)
    ]
    assert len(views) > 20

    # then: each reads application/json with Kuzet's parser (none set DRF's own)
    for view in views:
        assert issubclass(view, APIView)
        json_parsers = [p for p in view().get_parsers() if p.media_type == "application/json"]
        assert [type(p) for p in json_parsers] == [JsonParser], view
