"""The weekly trend draws the arrival target however many weeks the period has: the target
was a line through the weeks' points, and a period within one week (one point) drew none
while the legend named it."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from .dataset import build

pytestmark = pytest.mark.django_db

RED = "#c53030"  # charts.RED: the target's colour


def target_segments(svg: str) -> int:
    """Red dashed strokes that draw a segment (the legend's sample is one of them)."""
    paths = re.findall(r'<path d="([^"]*)"[^>]*style="([^"]*)"', svg)
    return sum(
        1 for d, style in paths if f"stroke: {RED}" in style and "dasharray" in style and "L" in d
    )


@pytest.mark.parametrize(
    ("date_from", "date_to", "weeks"),
    [
        ("2026-03-16", "2026-03-20", 1),  # I8 and I9: one week, one point
        ("2026-03-01", "2026-03-31", 5),  # the weeks of 23.02, 02.03, 09.03, 16.03 and 23.03
    ],
)
def test_the_trend_draws_the_target_of_every_week(client, personas, date_from, date_to, weeks):
    # given
    build(personas)
    client.force_login(personas.a.chief)

    # when
    svg = client.get(
        reverse("admin:reports_chart", args=["trend"]),
        {"date_from": date_from, "date_to": date_to},
    ).content.decode()

    # then: a target level per week, and the legend's sample
    assert target_segments(svg) == weeks + 1
