"""Every report page whose tables give times says how to read them: a village's 90th
percentile of 22 hours reads "22:06:25", a time of day to a chief, on the villages page and
on the report for the period, where only the KPIs page and the printable layout said
"minutes:seconds (hours:minutes:seconds from an hour)"; the data-quality page's sync lags
read "0:02" beside no word of it."""

from __future__ import annotations

import pytest

from .test_pages import get

pytestmark = pytest.mark.django_db

HOW_TO_READ = "Время указано в минутах:секундах (от часа — часы:минуты:секунды)."


@pytest.mark.parametrize(
    "name", ["reports_kpis", "reports_villages", "reports_upward", "reports_quality"]
)
def test_a_report_page_says_how_its_times_read(client, personas, name):
    # given: a chief reading Russian
    chief = personas.a.chief
    chief.language = "ru"
    chief.save(update_fields=["language"])

    # when
    page = get(client, chief, name).content.decode()

    # then: once
    assert page.count(HOW_TO_READ) == 1
