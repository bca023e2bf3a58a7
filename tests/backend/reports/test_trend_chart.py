"""The weekly trend draws the arrival target however many weeks the period has: the target
was a line through the weeks' points, and a period within one week (one point) drew none
while the legend named it."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation

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


def tick_texts(svg: str) -> list[str]:
    """The x axis's label lines, in order (svg.fonttype none: text stays text, a line each)."""
    axis = svg.split('id="matplotlib.axis_1"')[1].split('id="matplotlib.axis_2"')[0]
    return [t.strip() for t in re.findall(r"<text[^>]*>([^<]*)</text>", axis)]


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
@pytest.mark.parametrize(
    ("date_from", "date_to", "expected"),
    [
        # from a Sunday: the week of 23.02 holds 01.03 alone; whole weeks by their Monday
        ("2026-03-01", "2026-03-31", ["01.03", (1,), "02.03", "09.03", "16.03", "23.03"]),
        # Monday to Friday: the week's five days
        ("2026-03-16", "2026-03-20", ["16.03–20.03", (5,)]),
        # two whole weeks: nothing marked
        ("2026-03-02", "2026-03-15", ["02.03", "09.03"]),
    ],
)
def test_a_week_the_period_cuts_says_which_days_it_holds(
    client, personas, language, date_from, date_to, expected
):
    # given: the chief reads `language`
    build(personas)
    personas.a.chief.language = language
    personas.a.chief.save(update_fields=["language"])
    client.force_login(personas.a.chief)

    # when
    svg = client.get(
        reverse("admin:reports_chart", args=["trend"]),
        {"date_from": date_from, "date_to": date_to},
    ).content.decode()

    # then: a cut week reads as its days and how many ("23.02" drawn from one Sunday read as
    # a whole week), its two points (median, 90th percentile) hollow
    with translation.override(language):
        lines = [
            f"({translation.ngettext('%(n)s day', '%(n)s days', e[0]) % {'n': e[0]}})"
            if isinstance(e, tuple)
            else e
            for e in expected
        ]
    assert tick_texts(svg) == lines
    cut = any(isinstance(e, tuple) for e in expected)
    assert svg.count('id="partial-week') == (2 if cut else 0)
