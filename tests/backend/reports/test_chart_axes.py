"""The villages page's chart of waiting for coverage (a log scale of seconds) reads its values
off numbers on its axis: with every delivery between 1 and 4 s — a district on LTE and 3G —
the axis, scaled to the boxes alone, lay between the ticks 0:01 and 0:10 and had no number."""

from __future__ import annotations

import re

import pytest

from backend.reports import charts
from backend.reports.percentiles import Group, Stat

BOX = (0.1, 0.25, 0.5, 0.75, 0.9)


def group(*quantiles: float) -> Group:
    return Group(
        rows=9, stats={"delivery": Stat(9, None, None, dict(zip(BOX, quantiles, strict=True)))}
    )


def texts(svg: str) -> list[str]:
    return re.findall(r"<text[^>]*>([^<]*)</text>", svg)


@pytest.mark.parametrize(
    ("groups", "ticks"),
    [
        # LTE and 3G: every delivery within 1.5–4.2 s
        ({"lte": group(1.5, 2, 2.5, 3, 4), "3g": group(1.8, 2.2, 3, 3.5, 4.2)}, ["0:01", "0:10"]),
        # 2G/SMS: 20 s to 50 s, between the ticks of 10 s and a minute
        ({"2g_sms": group(20, 25, 30, 40, 50)}, ["0:10", "1:00"]),
    ],
)
def test_the_delivery_chart_has_numbers_on_its_axis(groups, ticks):
    # when
    svg = charts.box_chart(
        groups,
        value="delivery",
        order=["lte", "3g", "2g_sms"],
        names={"lte": "LTE", "3g": "3G", "2g_sms": "2G / SMS"},
        title="Waiting for coverage",
        log_seconds=True,
    )

    # then
    shown = texts(svg)
    for tick in ticks:
        assert tick in shown, shown
