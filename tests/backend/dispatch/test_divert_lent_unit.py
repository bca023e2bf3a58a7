"""Diverting a unit lent across the border: the oblast ЦОУ sent Abai district's (B's) patrol
B-PC1 to a P1 call of Ayagoz district (A). B's own desk and chief read that call, read-only
(test_lent_unit.py); taking B-PC1 off it for a P0 of their own with **Divert here** stands
down A's call — a command on it, A's desk's to give. It is refused ``403
incident_out_of_scope`` with whose desk runs the call, and nothing is written; the oblast ЦОУ,
whose scope covers both, still diverts it."""

from __future__ import annotations

import datetime as dt

import pytest

from backend.common import clock
from backend.dispatch.models import Assignment
from backend.dispatch.services import incident_dispatch
from backend.people.models import Role
from tests import factories

from .conftest import snapshot

T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def lent(personas):
    a, b = personas.a, personas.b
    call_a = factories.incident(
        district=a.district, settlement=a.village, category="robbery", priority="P1",
        received_at=T0,
    )  # fmt: skip
    with clock.frozen(T0 + dt.timedelta(minutes=1)):
        sent = incident_dispatch(incident=call_a, unit=b.patrol, by=personas.duty)
    call_b = factories.incident(
        district=b.district, settlement=b.town, category="violence", priority="P0",
        received_at=T0 + dt.timedelta(minutes=2),
    )  # fmt: skip
    return call_a, sent, call_b


def test_the_units_own_desk_cannot_divert_it_off_the_other_districts_call(
    personas, lent, client_for
):
    # given
    call_a, sent, call_b = lent
    desk_b = factories.officer(
        username="duty_abai", role=Role.DUTY_OFFICER, district=personas.b.district
    )
    for reader in (desk_b, personas.b.chief):
        before = snapshot()

        # when
        with clock.frozen(T0 + dt.timedelta(minutes=3)):
            response = client_for(reader).post(
                f"/api/v1/incidents/{call_b.pk}/assignments/",
                {"unit_id": personas.b.patrol.pk, "divert": True},
                format="json",
            )

        # then: refused with whose call it is; A's call keeps its unit, B's call gets none
        assert response.status_code == 403
        body = response.json()
        assert body["error"] == "incident_out_of_scope"
        assert body["incident_district_id"] == personas.a.district.pk
        assert call_a.number in body["detail"]
        assert snapshot() == before
        assert Assignment.objects.get(pk=sent.pk).status == "dispatched"
        assert not Assignment.objects.filter(incident=call_b).exists()


def test_the_oblast_desk_still_diverts_it(personas, lent, client_for):
    # given
    _call_a, sent, call_b = lent

    # when
    with clock.frozen(T0 + dt.timedelta(minutes=3)):
        response = client_for(personas.duty).post(
            f"/api/v1/incidents/{call_b.pk}/assignments/",
            {"unit_id": personas.b.patrol.pk, "divert": True},
            format="json",
        )

    # then
    assert response.status_code == 201, response.json()
    assert Assignment.objects.get(pk=sent.pk).status == "cancelled"
    assert Assignment.objects.get(pk=response.json()["id"]).incident_id == call_b.pk


def test_the_units_own_desk_is_not_offered_to_divert_it(personas, lent, client_for):
    # given
    _call_a, _sent, call_b = lent
    desk_b = factories.officer(
        username="duty_abai", role=Role.DUTY_OFFICER, district=personas.b.district
    )

    # when
    with clock.frozen(T0 + dt.timedelta(minutes=3)):
        own = client_for(desk_b).get(f"/api/v1/incidents/{call_b.pk}/recommendations/")
        oblast = client_for(personas.duty).get(f"/api/v1/incidents/{call_b.pk}/recommendations/")

    # then: the oblast ЦОУ is offered B-PC1 off A's call; B's desk is not
    assert own.status_code == oblast.status_code == 200
    assert [d["callsign"] for d in oblast.json()["divertible"]] == ["B-PC1"]
    assert [d["callsign"] for d in own.json()["divertible"]] == []
