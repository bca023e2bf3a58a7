"""The KPI definitions compute in the database what DOMAIN.md says, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest

from backend.common import clock
from backend.dispatch import kpis
from backend.dispatch.models import Assignment, Incident
from tests import factories

T0 = dt.datetime(2026, 3, 2, 4, 0, tzinfo=dt.UTC)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


@pytest.fixture
def worked(personas):
    """A call received at T0; the first unit sent at +90 s reaches it at +1,290 s, a second
    unit sent later reaches it at +1,500 s."""
    incident = factories.incident(
        district=personas.a.district, settlement=personas.a.village, received_at=T0
    )
    first = factories.assignment(
        incident=incident,
        unit=personas.a.patrol,
        dispatched_at=at(90),
        delivered_at=at(95.5),
        acknowledged_at=at(130),
        en_route_at=at(150),
        on_scene_at=at(1290),
        cleared_at=at(2490),
        status="cleared",
        closed_at=at(2490),
    )
    second = factories.assignment(
        incident=incident,
        unit=personas.a.inspector_unit,
        dispatched_at=at(300),
        on_scene_at=at(1500),
        status="on_scene",
    )
    return incident, first, second


@pytest.mark.django_db
def test_incident_kpis_take_the_first_dispatch_and_the_first_arrival(worked):
    # given
    incident, _first, _second = worked

    # when
    row = kpis.incidents_with_kpis(Incident.objects.filter(pk=incident.pk)).get()

    # then
    assert (row.first_dispatched_at, row.first_on_scene_at) == (at(90), at(1290))
    assert row.call_processing_s == pytest.approx(90, abs=0.001)
    assert row.response_s == pytest.approx(1290, abs=0.001)


@pytest.mark.django_db
def test_assignment_kpis_are_the_milestone_differences_in_seconds(worked):
    # given
    _incident, first, second = worked

    # when
    rows = {
        a.pk: a
        for a in kpis.assignments_with_kpis(
            Assignment.objects.filter(pk__in=[first.pk, second.pk]), now=at(3000)
        )
    }

    # then
    got = rows[first.pk]
    assert [
        got.delivery_s,
        got.acknowledge_s,
        got.turnout_s,
        got.travel_s,
        got.on_scene_s,
        got.response_s,
    ] == pytest.approx([5.5, 40, 60, 1140, 1200, 1290], abs=0.001)
    missing = rows[second.pk]
    assert (missing.delivery_s, missing.acknowledge_s, missing.travel_s) == (None, None, None)
    assert missing.response_s == pytest.approx(1500, abs=0.001)


@pytest.mark.django_db
def test_an_incident_without_a_unit_has_no_response(personas):
    # given
    incident = factories.incident(district=personas.a.district, received_at=clock.now())

    # when
    row = kpis.incidents_with_kpis(Incident.objects.filter(pk=incident.pk)).get()

    # then
    assert (row.call_processing_s, row.response_s) == (None, None)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "now", "overdue"),
    [
        ({"ack_due_at": at(60)}, at(59), False),
        ({"ack_due_at": at(60)}, at(61), True),
        ({"ack_due_at": at(60), "acknowledged_at": at(70)}, at(61), False),
        ({"arrive_due_at": at(600), "acknowledged_at": at(10)}, at(601), True),
        ({"arrive_due_at": at(600), "on_scene_at": at(700)}, at(601), False),
        ({"ack_due_at": at(60), "status": "cancelled", "cancelled_at": at(30),
          "closed_at": at(30)}, at(61), False),
    ],
)  # fmt: skip
def test_overdue_is_past_a_deadline_fixed_at_dispatch_while_open(personas, fields, now, overdue):
    # given
    incident = factories.incident(district=personas.a.district, received_at=T0)
    a = factories.assignment(incident=incident, unit=personas.a.patrol, dispatched_at=T0, **fields)

    # when
    row = kpis.assignments_with_kpis(Assignment.objects.filter(pk=a.pk), now=now).get()
    flagged = Incident.objects.filter(kpis.incidents_overdue_q(now), pk=incident.pk).exists()

    # then
    assert (bool(row.overdue), flagged) == (overdue, overdue)
