"""A crew sent across the border and silent on scene: the officer-safety check is the call's
district's alert (``services/safety.py``), answered by that district's desk; the crew's own
district's desk follows it on its board too (``alerts.lent_safety_checks``), read-only."""

from __future__ import annotations

import datetime as dt

import pytest

from backend.common import clock
from backend.dispatch.lifecycle import EventKind
from backend.dispatch.models import SafetyCheck
from backend.dispatch.services import (
    assignment_record_on_behalf,
    escalation_sweep,
    incident_dispatch,
    safety_check_record,
)
from backend.people.models import Role
from backend.realtime.alerts import alerts_listed
from backend.realtime.models import BoardAlert
from tests import factories

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


def at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def lent_and_silent(personas):
    """Abai's (B's) patrol B-PC1 sent to a P1 call of Ayagoz (A) at T0, on scene at T0 + 5 min
    by radio, silent since: the sweep at T0 + 26 min puts the check up."""
    a = personas.a
    with clock.frozen(T0):
        call = factories.incident(
            district=a.district, settlement=a.village, priority="P1", category="robbery",
            received_at=T0,
        )  # fmt: skip
        sent = incident_dispatch(incident=call, unit=personas.b.patrol, by=personas.duty)
    with clock.frozen(at(5)):
        assignment_record_on_behalf(
            assignment=sent, by=personas.duty, kind=EventKind.ON_SCENE, channel="radio"
        )
    with clock.frozen(at(26)):
        escalation_sweep()
    return call, sent


def desk(personas, name: str, district) -> object:
    return factories.officer(username=name, role=Role.DUTY_OFFICER, district=district)


def test_the_crews_own_desk_lists_its_check_on_the_other_districts_call(personas):
    # given: the check up on B-PC1 at Ayagoz's call; a desk of each district
    call, _sent = lent_and_silent(personas)
    alert = BoardAlert.objects.get(kind="unit.safety_check")
    desk_a = desk(personas, "duty_ayagoz", personas.a.district)
    desk_b = desk(personas, "duty_abai", personas.b.district)

    # when
    with clock.frozen(at(27)):
        on_b = alerts_listed(desk_b)["safety_checks"]
        on_a = alerts_listed(desk_a)["safety_checks"]
        on_oblast = alerts_listed(personas.duty)["safety_checks"]

    # then: Abai's desk has it, marked lent, with both districts to link the call read-only,
    # read (not one of its own alerts to mark)
    assert [
        {k: f[k] for k in ("alert_id", "kind", "callsign", "incident_number", "lent", "read")}
        for f in on_b
    ] == [
        {
            "alert_id": alert.pk,
            "kind": "unit.safety_check",
            "callsign": "B-PC1",
            "incident_number": call.number,
            "lent": True,
            "read": True,
        }
    ]
    assert (on_b[0]["incident_district_id"], on_b[0]["unit_district_id"]) == (
        personas.a.district.pk,
        personas.b.district.pk,
    )
    assert on_b[0]["silent_since"] == clock.to_ms(at(5))
    # and the call's desk and the oblast ЦОУ have it once, as their own
    assert [(f["alert_id"], f.get("lent")) for f in on_a] == [(alert.pk, None)]
    assert [(f["alert_id"], f.get("lent")) for f in on_oblast] == [(alert.pk, None)]


def test_the_crews_own_desk_no_longer_lists_it_once_the_calls_desk_answered(personas):
    # given
    _call, _sent = lent_and_silent(personas)
    desk_a = desk(personas, "duty_ayagoz", personas.a.district)
    desk_b = desk(personas, "duty_abai", personas.b.district)
    check = SafetyCheck.objects.get()

    # when: Ayagoz's desk raised the crew by radio
    with clock.frozen(at(28)):
        safety_check_record(check_id=check.pk, by=desk_a)
        listed = alerts_listed(desk_b)

    # then
    assert listed["safety_checks"] == []


def test_a_chief_and_the_desk_of_a_third_district_do_not_list_it(personas):
    # given: B's chief; a desk of a district with no unit on the call
    lent_and_silent(personas)
    chief_b = factories.officer(
        username="chief_abai", role=Role.CHIEF, district=personas.b.district
    )
    third = factories.district(
        kato="105000000", name="Бескарагайский район", oblast=personas.a.district.oblast
    )
    desk_c = desk(personas, "duty_beskaragai", third)

    # when
    with clock.frozen(at(27)):
        on_chief = alerts_listed(chief_b)["safety_checks"]
        on_c = alerts_listed(desk_c)["safety_checks"]

    # then
    assert on_chief == []
    assert on_c == []
