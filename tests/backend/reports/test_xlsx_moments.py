"""A list's times in the workbook are Excel dates and times in Kazakhstan time, shown as the
page shows them (``03.03.2026 21:00:00``): they were text, and Excel sorted and filtered a
list's "Received" by the day of the month — 01.12 before 29.11. The page and the CSV keep the
text."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from backend.common.days import local_zone
from backend.reports.tables import WHEN, Cell, Column, Table

from .dataset import build
from .test_pages import csv_rows, get

pytestmark = pytest.mark.django_db


def test_a_moment_is_an_excel_date_and_time_in_local_time_as_the_page_writes_it():
    # given: 29 November 20:00 UTC is 30 November 01:00 in Kazakhstan
    table = Table("t", "T", [Column("received", "Received", WHEN)])
    table.add(received=Cell(dt.datetime(2026, 11, 29, 20, 0, 5, 400_000, tzinfo=dt.UTC)))
    table.add(received=Cell(None))

    # when
    shown = [row[0]["text"] for row in table.display_rows()]
    csv = table.csv_response("t").content.decode("utf-8")
    sheet = openpyxl.load_workbook(io.BytesIO(table.xlsx_response("t").content)).worksheets[0]

    # then
    assert shown == ["30.11.2026 01:00:05", "—"]
    assert csv.splitlines()[1] == "30.11.2026 01:00:05"
    cell = sheet.cell(row=2, column=1)
    assert cell.value == dt.datetime(2026, 11, 30, 1, 0, 5)
    assert cell.number_format == "dd.mm.yyyy hh:mm:ss"
    assert sheet.cell(row=3, column=1).value is None


def test_a_drill_downs_received_and_dispatched_sort_as_times_in_the_workbook(client, personas):
    # given: March by hand; the chief opens the acknowledgement list's workbook
    march = build(personas)
    call = march.incidents["I1"]

    # when
    content = get(
        client, personas.a.chief, "reports_incidents", kpi="acknowledge", xlsx="incidents"
    ).content
    sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r and r[0] == "Происшествие")
    header, body = rows[start], rows[start + 1 :]

    # then: dispatched and received are times; I1's received is its local moment
    dispatched, received = header.index("Направлено"), header.index("Поступило")
    assert all(isinstance(r[dispatched], dt.datetime) for r in body)
    assert all(isinstance(r[received], dt.datetime) for r in body)
    local = call.received_at.astimezone(local_zone()).replace(tzinfo=None, microsecond=0)
    assert local in [r[received] for r in body if r[0] == call.number]
    # and the CSV keeps the page's text
    listed = csv_rows(
        get(client, personas.a.chief, "reports_incidents", kpi="acknowledge", csv="incidents")
    )
    assert f"{local:%d.%m.%Y %H:%M:%S}" in [r[received] for r in listed[1:]]
