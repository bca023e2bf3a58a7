"""The incident list filters by when the call came, on Kazakhstan's clock: today, the past
7 days, this month (the filter), or a year, a month or one day (the dates above the list).
A chief who wanted last week's calls had only the reports' drill-downs."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from backend.common import clock
from tests import factories

pytestmark = pytest.mark.django_db

URL = reverse("admin:dispatch_incident_changelist")


@pytest.fixture
def calls(world):
    """Calls of district A: one at 00:30 local time today, one at 23:30 yesterday (18:30
    UTC, the same UTC day as the first on most of the day), one ten days ago."""
    today = timezone.localdate()
    midnight = timezone.make_aware(dt.datetime.combine(today, dt.time()))
    made = {
        "today": midnight + dt.timedelta(minutes=30),
        "yesterday": midnight - dt.timedelta(minutes=30),
        "ten days ago": midnight - dt.timedelta(days=10),
    }
    return {
        name: factories.incident(
            district=world.a.district, settlement=world.a.settlement, received_at=at
        )
        for name, at in made.items()
    }


def shown(response) -> set[str]:
    return {i.number for i in response.context["cl"].result_list}


@pytest.mark.parametrize(
    ("choice", "expected"),
    [("Today", {"today"}), ("Past 7 days", {"today", "yesterday"})],
)
def test_the_received_filter_lists_the_calls_of_the_local_day_and_week(
    client, world, calls, choice, expected
):
    # given
    client.force_login(world.a.chief)
    with clock.frozen(timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(9)))):
        page = client.get(URL)
        spec = next(
            s
            for s in page.context["cl"].filter_specs
            if getattr(s, "field_path", None) == "received_at"
        )
        link = next(
            c["query_string"] for c in spec.choices(page.context["cl"]) if c["display"] == choice
        )

        # when
        response = client.get(URL + link)

    # then: the calls of district A received then, and none of district B's
    numbers = {calls[name].number for name in expected}
    assert shown(response) & {c.number for c in calls.values()} == numbers
    assert world.b.incident.number not in shown(response)


def test_the_dates_above_the_list_open_one_local_day(client, world, calls):
    # given
    client.force_login(world.a.chief)
    day = timezone.localdate() - dt.timedelta(days=1)

    # when
    response = client.get(
        URL,
        {
            "received_at__year": day.year,
            "received_at__month": day.month,
            "received_at__day": day.day,
        },
    )

    # then: yesterday's call at 23:30 local time, not today's at 00:30
    assert response.status_code == 200
    assert shown(response) == {calls["yesterday"].number}
    assert '<nav class="toplinks">' in response.content.decode()  # the dates' bar
