"""Every table of the chief's pages downloads as an Excel workbook too (``?xlsx=<table id>``):
the CSV, opened in Excel on Russian or Kazakh Windows, fell into one column (Excel splits on
the system's list separator, ``;``) and read ``53.1`` as text, ``12.5`` as the 12th of May.
The workbook holds the CSV's header and numbers — as numbers —, Kazakh and Russian letters
as they are, and text that begins like a formula as text."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation

from backend.dispatch.admin.timeline import PURPOSE_LABELS
from backend.ledger.models import AuditEntry
from backend.reports import xlsx
from backend.reports.tables import COUNT, DURATION, SHARE, Column, Table
from tests import factories

from .dataset import build, local
from .test_pages import csv_rows, get

pytestmark = pytest.mark.django_db


def _cells(row) -> list[str | float]:
    """A row's values as Excel reads them: a number as a float, a duration as its whole
    seconds (the CSV's figure), text as text; the empty cells at its end dropped."""
    cells: list[str | float] = []
    for v in row:
        if isinstance(v, dt.timedelta):
            cells.append(float(round(v.total_seconds())))
        elif isinstance(v, int | float):
            cells.append(float(v))
        else:
            cells.append("" if v is None else v)
    while cells and cells[-1] == "":
        cells.pop()
    return cells


def _table_start(sheet) -> int:
    """The 0-based row of the table's header: the one above the frozen panes."""
    frozen = sheet.freeze_panes or "A2"
    return int(frozen[1:]) - 2


def sheet_rows(content: bytes) -> list[list[str | float]]:
    """The sheet's table, header first, row by row (the lines above it left out)."""
    sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    return [_cells(row) for row in rows[_table_start(sheet) :]]


def sheet_heading(content: bytes) -> list[str]:
    """The lines above the sheet's table (what the file is of), without the blank row."""
    sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))[: _table_start(sheet)]
    return [str(row[0]) for row in rows if row and row[0] is not None]


def as_number(text: str) -> str | float:
    try:
        return float(text)
    except ValueError:
        return text


@pytest.fixture
def march(personas):
    return build(personas)


def test_a_table_downloads_as_a_workbook_with_the_csv_figures(client, personas, march):
    # given
    chief = personas.a.chief

    # when
    book = get(client, chief, "reports_kpis", by="zone", xlsx="slice")
    text = csv_rows(get(client, chief, "reports_kpis", by="zone", csv="slice"))

    # then: the CSV's header and values; numbers are numbers
    assert book["Content-Type"] == xlsx.CONTENT_TYPE
    assert book["Content-Disposition"].endswith('.xlsx"')
    rows = sheet_rows(book.content)
    with translation.override("ru"):  # the chief's language
        in_seconds = translation.gettext("%(label)s (s)") % {"label": ""}
        as_duration = translation.gettext("%(label)s (h:mm:ss)") % {"label": ""}
    # the header of a duration names the workbook's unit (an Excel duration), not seconds
    assert rows[0] == [h.replace(in_seconds, as_duration) for h in text[0]]
    assert any(in_seconds in h for h in text[0])
    for got, want in zip(rows[1:], text[1:], strict=True):
        assert got == [as_number(w) for w in want][: len(got)]
        assert all(w == "" for w in want[len(got) :])  # empty cells at the end are not written
        assert isinstance(got[1], float)  # the calls: a number, not text


def test_kazakh_letters_and_a_formula_stay_text():
    # given
    table = Table(
        "t",
        "Ауылдар: байланысты күту [ауыл/село]",
        [
            Column("name", "Елді мекен"),
            Column("n", "Саны", COUNT),
            Column("d", "Күту", DURATION),
            Column("s", "Үлесі", SHARE),
        ],
    )
    table.add(name="Қайнар", n=3, d=62.5, s=6 / 96)
    table.add(name='=HYPERLINK("http://x")', n=0, d=None, s=None)

    # when
    content = table.xlsx_response("villages").content

    # then
    assert sheet_rows(content) == [
        ["Елді мекен", "Саны", "Күту (h:mm:ss)", "Үлесі (%)"],
        ["Қайнар", 3.0, 63.0, 6.3],
        ['=HYPERLINK("http://x")', 0.0],
    ]
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet  # no formula anywhere
    book = openpyxl.load_workbook(io.BytesIO(content))
    sheet_name = book.sheetnames[0]
    assert sheet_name.startswith("Ауылдар  байланысты күту")
    assert len(sheet_name) <= xlsx.SHEET_NAME_MAX
    assert not set(sheet_name) & set("[]:*?/\\")
    assert book.worksheets[0].freeze_panes == "A2"  # the header stays in view
    assert book.worksheets[0]["A1"].font.bold


def test_every_page_links_its_tables_as_workbooks(client, personas, march):
    # when
    client.force_login(personas.a.chief)
    html = client.get(reverse("admin:reports_villages")).content.decode()

    # then
    assert "xlsx=villages" in html


def test_an_unknown_table_is_refused_for_a_workbook_as_for_a_csv(client, personas, march):
    # when
    response = get(client, personas.a.chief, "reports_kpis", xlsx="bogus")

    # then
    assert response.status_code == 400
    assert "summary" in response.json()["fields"]["xlsx"][0]


def test_a_workbook_of_domestic_violence_calls_is_an_audited_read_of_them(client, personas):
    # given
    dv = factories.incident(
        district=personas.a.district,
        settlement=personas.a.village,
        category="domestic_violence",
        priority="P1",
        received_at=local(18, 22),
        summary="семья Маркеровых",
    )
    before = AuditEntry.objects.filter(action="incident.read").count()

    # when
    book = get(
        client,
        personas.a.chief,
        "reports_incidents",
        category="domestic_violence",
        xlsx="incidents",
    )

    # then: no place and no words of the call in the file; the read names the Excel file
    cells = [c for row in sheet_rows(book.content) for c in row]
    assert dv.number in cells
    assert "скрыто (бытовое насилие)" in cells
    assert not [c for c in cells if isinstance(c, str) and "Маркеров" in c]
    reads = AuditEntry.objects.filter(action="incident.read").order_by("pk")[before:]
    assert [(e.object_id, json.loads(e.data)["purpose"]) for e in reads] == [
        (str(dv.pk), "reports.xlsx")
    ]
    with translation.override("en"):
        assert str(PURPOSE_LABELS["reports.xlsx"]) == "the report's Excel file"
    with translation.override("ru"):
        assert str(PURPOSE_LABELS["reports.xlsx"]) == "файл Excel отчёта"
