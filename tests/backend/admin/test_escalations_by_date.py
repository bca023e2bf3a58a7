"""The list of escalation rungs that fired filters by when they fired, on Kazakhstan's clock
(UTC+5), as the incident list does: today, the past 7 days, this month (the filter), or a
year, a month or one day (the dates above the list). A district chief could not cut it to
the month they report."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from backend.dispatch.models import EscalationStep

pytestmark = pytest.mark.django_db

URL = reverse("admin:dispatch_escalationstep_changelist")


def local(day: dt.date, hour: int, minute: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


@pytest.fixture
def firings(world):
    """In district A a rung fired at 23:30 local on 30 November (18:30 UTC) and one at 00:30
    local on 1 December (19:30 UTC on 30 November); in district B one at the same 23:30."""
    late = local(dt.date(2026, 11, 30), 23, 30)
    early = local(dt.date(2026, 12, 1), 0, 30)
    make = EscalationStep.objects.create
    return {
        "30th": make(assignment=world.a.assignment, step="sms_undelivered", due_at=late,
                     fired_at=late),
        "1st": make(assignment=world.a.assignment, step="arrival_overdue", due_at=early,
                    fired_at=early),
        "other district": make(assignment=world.b.assignment, step="arrival_overdue",
                               due_at=late, fired_at=late),
    }  # fmt: skip


def listed(response) -> set[int]:
    return {s.pk for s in response.context["cl"].result_list}


@pytest.mark.parametrize(("day", "expected"), [((2026, 11, 30), "30th"), ((2026, 12, 1), "1st")])
def test_the_dates_above_the_list_open_one_local_day_of_the_readers_district(
    client, world, firings, day, expected
):
    # given
    client.force_login(world.a.chief)
    year, month, day_of_month = day

    # when
    response = client.get(
        URL, {"fired_at__year": year, "fired_at__month": month, "fired_at__day": day_of_month}
    )

    # then: the rung fired that day on Kazakhstan's clock, none of district B's, and the
    # list offers the dates' bar and the "fired" filter
    assert response.status_code == 200
    assert listed(response) == {firings[expected].pk}
    assert '<nav class="toplinks">' in response.content.decode()
    assert any(
        getattr(spec, "field_path", None) == "fired_at"
        for spec in response.context["cl"].filter_specs
    )
