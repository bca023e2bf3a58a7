"""The calls behind a figure show their durations in words, in the chief's language: the
list said "3:00:53" beside the received time "05.03.2026 09:00:00", and a chief read it as
one more clock time. The CSV keeps whole seconds, what a program sums; the workbook holds
Excel durations (``[h]:mm:ss``) of those seconds, which Excel sums as time."""

from __future__ import annotations

import pytest

from tests import factories

from .dataset import local
from .test_pages import csv_rows, get, table_cells
from .test_xlsx import sheet_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_hours(personas):
    """One call of district A reached 3 h 0 min 53 s after it was received, one 4 min 5 s."""
    for minutes, seconds in ((180, 53), (4, 5)):
        incident = factories.incident(
            district=personas.a.district, settlement=personas.a.town, received_at=local(5, 9)
        )
        factories.assignment(
            incident=incident,
            unit=personas.a.patrol,
            dispatched_at=local(5, 9, 1),
            on_scene_at=local(5, 9 + minutes // 60, minutes % 60, seconds),
        )


@pytest.mark.parametrize(
    ("language", "slowest"),
    [("en", "3 h 00 min"), ("ru", "3 ч 00 мин"), ("kk", "3 сағ 00 мин")],
)
def test_a_drilldown_shows_a_duration_in_words_in_the_chiefs_language(
    client, personas, three_hours, language, slowest
):
    # given
    chief = personas.a.chief
    chief.language = language
    chief.save(update_fields=["language"])

    # when
    page = get(client, chief, "reports_incidents", kpi="response").content.decode()

    # then: the received time beside it, and the exact seconds on hover
    cells = table_cells(page, "incidents")
    assert [(r[1], r[-1]) for r in cells] == [
        ("05.03.2026 09:00:00", slowest),
        ("05.03.2026 09:00:00", cells[1][-1]),
    ]
    assert ":00:53" not in page
    assert 'title="10853 ' in page


def test_a_drilldown_keeps_seconds_under_the_hour(client, personas, three_hours):
    # given
    chief = personas.a.chief
    chief.language = "en"
    chief.save(update_fields=["language"])

    # when
    page = get(client, chief, "reports_incidents", kpi="response").content.decode()

    # then
    assert [r[-1] for r in table_cells(page, "incidents")] == ["3 h 00 min", "4 min 05 s"]


def test_a_drilldowns_files_keep_whole_seconds_the_workbook_as_excel_durations(
    client, personas, three_hours
):
    # given
    chief = personas.a.chief
    chief.language = "en"
    chief.save(update_fields=["language"])

    # when
    rows = csv_rows(get(client, chief, "reports_incidents", kpi="response", csv="incidents"))
    book = sheet_rows(
        get(client, chief, "reports_incidents", kpi="response", xlsx="incidents").content
    )

    # then
    assert rows[0][-1] == "Response time (s)"
    assert [r[-1] for r in rows[1:]] == ["10853", "245"]
    # the workbook: Excel durations (3:00:53, 0:04:05), the same whole seconds
    assert book[0][-1] == "Response time (h:mm:ss)"
    assert [r[-1] for r in book[1:]] == [10853.0, 245.0]
