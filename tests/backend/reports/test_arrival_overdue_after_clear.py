"""The chief's home page counts a late unit's "arrival overdue" as waiting for him while
nobody of the call has an on-scene time — a crew that cleared without "on scene" (its own
"cleared", or closing the call cleared it for the outcome it recorded) proves no arrival, as
the response time reads it. The count opened the same list and both left the rung out."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from backend.common import clock
from backend.dispatch.models import EscalationStep
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_crew_cleared_without_on_scene_leaves_the_late_units_rung_waiting_for_the_chief(
    client, personas
):
    # given: two calls in a village of district A, each with A-PC1 cleared and A-UI1 still on
    # its way past the target, the chief alerted of A-UI1; on the first A-PC1 never recorded
    # "on scene", on the second it did
    a = personas.a
    now = clock.now()

    def ago(minutes: int) -> dt.datetime:
        return now - dt.timedelta(minutes=minutes)

    rungs = {}
    for arrived in (None, ago(50)):
        call = factories.incident(district=a.district, settlement=a.village, received_at=ago(90))
        factories.assignment(
            incident=call,
            unit=a.patrol,
            dispatched_at=ago(89),
            acknowledged_at=ago(88),
            en_route_at=ago(87),
            on_scene_at=arrived,
            cleared_at=ago(40),
            closed_at=ago(40),
            status="cleared",
        )
        late = factories.assignment(
            incident=call,
            unit=a.inspector_unit,
            dispatched_at=ago(85),
            acknowledged_at=ago(84),
            en_route_at=ago(83),
            arrive_due_at=ago(60),
            status="en_route",
        )
        rungs[arrived] = EscalationStep.objects.create(
            assignment=late, step="arrival_overdue", due_at=ago(60), fired_at=ago(60)
        )
    client.force_login(a.chief)

    # when
    home = client.get(reverse("admin:index"))

    # then: the first waits for the chief, and the card opens exactly it
    (card,) = [row for row in home.context["needs"] if row["key"] == "escalations"]
    assert card["count"] == 1
    listing = client.get(card["href"])
    assert [o.pk for o in listing.context["cl"].result_list] == [rungs[None].pk]
