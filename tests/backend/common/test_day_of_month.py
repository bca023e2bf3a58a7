"""A day of a month reads as each language writes a date: the consoles' date drill-down
showed "30 Ноябрь" in Russian and "Қараша 30" in Kazakh."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import formats, translation


@pytest.mark.parametrize(
    ("language", "shown"),
    [("ru", "30 ноября"), ("kk", "30 Қараша"), ("en", "30 November")],
)
def test_a_day_of_a_month_in_each_language(language, shown):
    with translation.override(language):
        assert formats.date_format(dt.date(2026, 11, 30), "MONTH_DAY_FORMAT") == shown
