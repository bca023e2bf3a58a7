"""The Excel workbook a chief downloads reads as his screen does, and says what it is of.

Durations were whole seconds (``1920``), where the page says ``32:00`` and a chief reads
minutes: they are Excel durations now — a time value shown ``[h]:mm:ss`` (``0:32:00``), which
Excel averages and sums as times — under a header that names the unit. The CSV stays for
machines: whole seconds, its header saying ``(s)``, and nothing above the header row.

The period was only in the file's name (lost once the file is renamed, attached or printed):
the sheet now says above the table what it is of — its title, the period, the districts,
every filter beyond the period — and when, in Kazakhstan time, and by whom it was made."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.utils import translation

from backend.common import clock
from backend.geo.models import District, Okrug
from backend.reports.tables import COUNT, DURATION, Column, Table
from tests import factories

from .dataset import ALMATY, build
from .test_pages import csv_rows, get
from .test_xlsx import sheet_heading, sheet_rows

pytestmark = pytest.mark.django_db


def reading(officer, language):
    officer.language = language
    officer.save(update_fields=["language"])
    return officer


def test_a_duration_is_an_excel_duration_under_a_header_that_names_its_unit():
    # given
    table = Table("t", "T", [Column("n", "Calls", COUNT), Column("d", "Response", DURATION)])
    table.add(n=3, d=1919.6)  # 31 min 59.6 s: the page's 32:00
    table.add(n=1, d=4 * 3600 + 5)
    table.add(n=0, d=None)

    # when
    with translation.override("en"):
        content = table.xlsx_response("kpis").content

    # then
    sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    assert [c.value for c in sheet[1]] == ["Calls", "Response (h:mm:ss)"]
    assert sheet["B2"].value == dt.timedelta(minutes=32)
    assert sheet["B3"].value == dt.timedelta(hours=4, seconds=5)
    assert sheet["B2"].number_format == sheet["B3"].number_format == "[h]:mm:ss"
    assert sheet["B4"].value is None
    assert sheet["A2"].value == 3  # a count stays a plain number
    assert sheet["A2"].number_format == "General"


def test_a_negative_duration_reads_as_text_excel_would_show_hashes(settings):
    # given: a sync lag below zero (a handset's clock ahead)
    table = Table("t", "T", [Column("d", "Sync lag", DURATION)])
    table.add(d=-65)

    # when
    with translation.override("en"):
        content = table.xlsx_response("quality").content

    # then
    assert openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]["A2"].value == "−0:01:05"


@pytest.fixture
def march(personas):
    build(personas)
    a = personas.a
    District.objects.filter(pk=a.district.pk).update(name_kk="Аягөз ауданы")
    Okrug.objects.filter(pk=a.okrug.pk).update(name_kk="Аягөз қаласы")
    return a


def test_the_workbook_says_its_period_districts_filters_and_when_it_was_made(
    client, personas, march
):
    # given
    chief = reading(march.chief, "kk")
    chief.first_name, chief.last_name = "Ерлан", "Сейітов"
    chief.save(update_fields=["first_name", "last_name"])
    made = dt.datetime(2026, 4, 2, 9, 7, 30, tzinfo=dt.UTC)  # 14:07 in Kazakhstan

    # when
    with clock.frozen(made):
        book = get(client, chief, "reports_villages", okrug=march.okrug.pk, xlsx="villages")
    with translation.override("kk"):
        title = translation.gettext("Villages by their 90th-percentile response")
        okrug = translation.gettext("Rural okrug")
        period = translation.gettext("Period: %(period)s") % {"period": "01.03.2026 – 31.03.2026"}
        district = translation.ngettext(
            "District: %(districts)s", "Districts: %(districts)s", 1
        ) % {"districts": "Аягөз ауданы"}
        prepared = translation.gettext(
            "Prepared in Kuzet on %(when)s (Kazakhstan time) by %(who)s."
        ) % {"when": "02.04.2026 14:07", "who": "Ерлан Сейітов"}

    # then: above the table, its title, the period, the district, the okrug, when and by whom
    heading = sheet_heading(book.content)
    assert heading == [
        title,
        period,
        district,
        f"{okrug}: Аягөз қаласы",
        prepared,
    ]
    assert [row[1] for row in sheet_rows(book.content)[1:]] == ["Актогай", "Аягоз"]
    sheet = openpyxl.load_workbook(io.BytesIO(book.content)).worksheets[0]
    assert sheet["A1"].font.bold
    assert sheet.freeze_panes == f"A{len(heading) + 3}"  # the table's header stays in view


def test_the_heading_of_an_oblast_workbook_names_every_district(client, personas, march):
    # given
    admin = reading(personas.oblast_admin, "en")
    District.objects.filter(pk=personas.b.district.pk).update(name_kk="Абай ауданы")

    # when
    with clock.frozen(dt.datetime(2026, 4, 2, 9, 7, tzinfo=dt.UTC)):
        book = get(client, admin, "reports_kpis", xlsx="summary")

    # then
    assert sheet_heading(book.content)[1:3] == [
        "Period: 01.03.2026 – 31.03.2026",
        "Districts: Абайский район, Аягозский район",
    ]


def test_a_drilldown_of_domestic_violence_names_no_place_above_its_table(client, personas):
    # given: a DV call in Актогай, its village's list
    a = personas.a
    factories.incident(district=a.district, settlement=a.village,
                       category="domestic_violence", priority="P1", received_at=dt.datetime(
                           2026, 3, 18, 22, tzinfo=ALMATY))  # fmt: skip

    # when
    book = get(client, reading(a.chief, "en"), "reports_incidents", settlement=a.village.pk,
               xlsx="incidents")  # fmt: skip

    # then
    heading = " ".join(sheet_heading(book.content))
    assert "Актогай" not in heading
    assert "Settlement: hidden (domestic-violence calls on the list)" in heading


def test_the_csv_keeps_whole_seconds_its_header_naming_them_and_no_heading(client, personas, march):
    # when
    rows = csv_rows(get(client, reading(march.chief, "en"), "reports_kpis", csv="summary"))

    # then: the header first; the response's median in seconds, as the CSV always had it
    assert rows[0][:5] == ["KPI", "Definition", "Count", "Median (s)", "90th percentile (s)"]
    by_kpi = {r[0]: r for r in rows[1:]}
    assert by_kpi["Response time"][3:5] == ["900", "1920"]
