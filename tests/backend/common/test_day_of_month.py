"""A day of a month reads as each language writes a date: the consoles' date drill-down
showed "30 Ноябрь" in Russian and "Қараша 30" in Kazakh, then "30 Қараша" (Django's Kazakh
month in a date has a capital; Kazakh writes it small in a date)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import formats, translation


@pytest.mark.parametrize(
    ("language", "shown"),
    [("ru", "30 ноября"), ("kk", "30 қараша"), ("en", "30 November")],
)
def test_a_day_of_a_month_in_each_language(language, shown):
    with translation.override(language):
        assert formats.date_format(dt.date(2026, 11, 30), "MONTH_DAY_FORMAT") == shown


@pytest.mark.parametrize("month", range(1, 13))
def test_every_kazakh_month_in_a_date_is_written_small(month):
    with translation.override("kk"):
        shown = formats.date_format(dt.date(2026, month, 5), "MONTH_DAY_FORMAT")
    day, name = shown.split(" ")
    assert day == "5"
    assert name == name.lower(), shown
    assert name != name.upper(), shown
