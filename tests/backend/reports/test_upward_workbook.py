"""The report a chief sends upward downloads as one Excel workbook, a sheet per table in the
page's order, each sheet as that table's own workbook is — what it is of above it, the
table below: the report had been seven files to download, name and attach one by one."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest

from backend.reports import xlsx

from .dataset import build
from .test_pages import get
from .test_xlsx import _cells, _table_start

pytestmark = pytest.mark.django_db


@pytest.fixture
def march(personas):
    build(personas)


def sheets(content: bytes) -> list[tuple[str, list[list[str | float]]]]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return [(s.title, [_cells(r) for r in s.iter_rows(values_only=True)]) for s in book]


def test_the_whole_report_is_one_workbook_a_sheet_per_table(client, personas, march):
    # given
    chief = personas.a.chief
    page = get(client, chief, "reports_upward").content.decode()
    ids = re.findall(r'id="table-([\w-]+)"', page)

    # when
    response = get(client, chief, "reports_upward", xlsx="all")

    # then: one file named for the report and its period
    assert response["Content-Type"] == xlsx.CONTENT_TYPE
    assert response["Content-Disposition"] == (
        'attachment; filename="kuzet-report-2026-03-01_2026-03-31.xlsx"'
    )
    # each sheet is the table's own workbook (its heading, its table), in the page's order
    book = sheets(response.content)
    assert len(book) == len(ids) >= 6
    for (title, rows), table_id in zip(book, ids, strict=True):
        [(own_title, own_rows)] = sheets(
            get(client, chief, "reports_upward", xlsx=table_id).content
        )
        assert title == own_title
        # (the line that says when it was made — in the reader's language, naming Kuzet — may
        # fall on another minute)
        assert [r for r in rows if "Kuzet" not in str(r)] == [
            r for r in own_rows if "Kuzet" not in str(r)
        ]


def test_the_report_page_offers_the_whole_workbook(client, personas, march):
    # when
    page = get(client, personas.a.chief, "reports_upward").content.decode()

    # then
    assert 'id="whole-workbook"' in page
    assert "xlsx=all" in page


def test_sheets_of_one_name_are_told_apart():
    # given: two titles Excel cuts to the same 31 characters
    long = "Administrative protocols under article"

    # when
    content = xlsx.workbook_of(
        [xlsx.Sheet(long + " 73", [["n"], [1]]), xlsx.Sheet(long + " 461", [["n"], [2]])]
    )

    # then: cut to 31 characters without the space at the cut
    names = [s.title for s in openpyxl.load_workbook(io.BytesIO(content))]
    assert names == ["Administrative protocols under", "Administrative protocols un (2)"]


def test_a_sheets_table_starts_below_its_heading():
    # when
    content = xlsx.workbook_of([xlsx.Sheet("T", [["a"], [1]], ["T", "Period: March"])])

    # then
    sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    assert _table_start(sheet) == 3
