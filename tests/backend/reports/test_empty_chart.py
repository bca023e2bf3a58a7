"""A box chart of a period without calls says so, and only so: the boxes' key ("box: 25–75 %,
line: median…") lay across its axis line, explaining boxes that were not there."""

from __future__ import annotations

import re

import pytest
from django.utils import translation

from backend.reports import charts


def texts(svg: str) -> list[str]:
    return [t.strip() for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_a_chart_of_no_calls_says_so_and_has_no_key(language):
    # when
    with translation.override(language):
        svg = charts.box_chart({}, value="delivery", order=["lte"], names={"lte": "LTE"}, title="T")
        nothing = translation.gettext("No calls in this period.")
        key = translation.gettext("box: 25–75 %, line: median, whiskers: 10–90 %")

    # then
    assert sorted(texts(svg)) == sorted(["T", nothing])
    assert key not in svg
