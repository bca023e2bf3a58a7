"""A board button's body naming a key twice is refused ``400 malformed``, naming the key, as the
sync endpoints and the APIs refuse it: ``{"unit_id": 7, "unit_id": 9}`` sent unit 9 — the
board's parser kept the last value and dropped the other without a word."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from backend.dispatch.models import Assignment
from tests import factories
from tests.backend.dispatch.conftest import snapshot


@pytest.mark.django_db
def test_a_board_dispatch_naming_the_unit_twice_is_refused_and_the_key_stays_unused(personas):
    # given: a call of district A on the duty officer's board
    a = personas.a
    incident = factories.incident(district=a.district, settlement=a.town)
    client = Client()
    client.force_login(personas.duty)
    path = reverse("realtime:incident-dispatch", args=[incident.pk])
    before = snapshot()

    # when: unit_id twice, under an Idempotency-Key
    twice = client.post(
        path,
        data=f'{{"unit_id": {a.inspector_unit.pk}, "unit_id": {a.patrol.pk}}}',
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k-twice",
    )

    # then: 400 malformed naming the key; nobody sent
    assert twice.status_code == 400
    assert twice.json()["error"] == "malformed"
    assert twice.json()["detail"] == "The request body has the key 'unit_id' more than once."
    assert snapshot() == before
    # and the same key with the unit named once sends it (the key was not used up)
    once = client.post(
        path,
        data=f'{{"unit_id": {a.patrol.pk}}}',
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k-twice",
    )
    assert once.status_code == 200, once.json()
    assert Assignment.objects.get().unit == a.patrol


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("inner", "detail"),
    [
        pytest.param(
            '"note": {"text": "a", "text": "b"}',
            "The request body has the key 'note.text' more than once.",
            id="nested",
        ),
        pytest.param(
            '"units": [{"id": 1}, {"id": 2, "id": 3}]',
            "The request body has the key 'units[1].id' more than once.",
            id="list-item",
        ),
    ],
)
def test_a_board_body_naming_a_key_twice_inside_it_is_refused_naming_where(personas, inner, detail):
    # given: a call of district A on the duty officer's board
    a = personas.a
    incident = factories.incident(district=a.district, settlement=a.town)
    client = Client()
    client.force_login(personas.duty)
    before = snapshot()

    # when: the unit named once, and a key twice deeper in the body
    response = client.post(
        reverse("realtime:incident-dispatch", args=[incident.pk]),
        data=f'{{"unit_id": {a.patrol.pk}, {inner}}}',
        content_type="application/json",
    )

    # then: 400 malformed naming the key by its path from the body's root; nobody sent
    assert response.status_code == 400
    assert response.json()["error"] == "malformed"
    assert response.json()["detail"] == detail
    assert snapshot() == before
