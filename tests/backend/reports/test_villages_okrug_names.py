"""The villages report names each village's rural okrug as the reader's language writes it:
a Kazakh chief read "Аягоз г.а." (the KATO's Russian) beside "Ақтоғай" on his own screen,
in the CSV and in the Excel workbook. A Russian or English reader keeps the KATO's name, and
an okrug with no Kazakh name known keeps its Russian one."""

from __future__ import annotations

import pytest
from django.utils import translation

from backend.reports import selectors

from .dataset import NOW, build
from .test_kpi_figures import district_filter
from .test_pages import csv_rows, get, table_cells
from .test_xlsx import sheet_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def march(personas):
    build(personas)
    okrug = personas.a.okrug
    okrug.name_kk = "Аягөз қаласы"
    okrug.save(update_fields=["name_kk"])
    return okrug


def reading(officer, language):
    officer.language = language
    officer.save(update_fields=["language"])
    return officer


@pytest.mark.parametrize(
    ("language", "okrug"),
    [("kk", "Аягөз қаласы"), ("ru", "Аягоз г.а."), ("en", "Аягоз г.а.")],
)
def test_the_villages_selector_names_the_okrug_in_the_readers_language(
    personas, march, language, okrug
):
    # when
    with translation.override(language):
        rows = selectors.villages(district_filter(personas), now=NOW)

    # then: both of district A's villages lie in its one okrug
    assert [(v.name, v.okrug) for v in rows] == [
        ("Актогай", okrug),
        ("Аягоз", okrug),
    ]


def test_an_okrug_without_a_kazakh_name_keeps_the_katos(personas, march):
    # given
    type(march).objects.filter(pk=march.pk).update(name_kk="")

    # when
    with translation.override("kk"):
        rows = selectors.villages(district_filter(personas), now=NOW)

    # then
    assert {v.okrug for v in rows} == {"Аягоз г.а."}


def test_a_kazakh_chief_reads_the_okrug_in_kazakh_on_the_page_and_in_both_downloads(
    client, personas, march
):
    # given
    chief = reading(personas.a.chief, "kk")

    # when
    page = get(client, chief, "reports_villages").content.decode()
    export = csv_rows(get(client, chief, "reports_villages", csv="villages"))
    book = sheet_rows(get(client, chief, "reports_villages", xlsx="villages").content)

    # then: the okrug is the third column (rank, settlement, okrug) for a district's chief
    assert [row[2] for row in table_cells(page, "villages")] == ["Аягөз қаласы"] * 2
    assert [row[2] for row in export[1:]] == ["Аягөз қаласы"] * 2
    assert [row[2] for row in book[1:]] == ["Аягөз қаласы"] * 2
    assert "Аягоз г.а." not in page


def test_a_russian_chief_keeps_the_katos_okrug_name(client, personas, march):
    # given
    chief = reading(personas.a.chief, "ru")

    # when
    export = csv_rows(get(client, chief, "reports_villages", csv="villages"))

    # then
    assert export[0][2] == "Сельский округ"
    assert [row[2] for row in export[1:]] == ["Аягоз г.а."] * 2
