"""A chief downloads a table as an Excel workbook from the page, in a real browser: the link
beside "CSV" gives a ``.xlsx`` file holding the figures the page shows, numbers as numbers
(the CSV, opened in Excel on Kazakh or Russian Windows, fell into one column)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.backend.reports.dataset import PERIOD, build
from tests.backend.reports.test_xlsx import sheet_rows

from .console import chief_logged_in

pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def test_a_chief_downloads_the_kpis_as_an_excel_workbook(
    server: str, browser: Any, personas: Any
) -> None:
    # given: March 2026 of district A by hand; the chief reads Kazakh
    build(personas)
    page, errors = chief_logged_in(browser, server, personas.a.chief, accept_downloads=True)
    query = f"date_from={PERIOD[0]:%d.%m.%Y}&date_to={PERIOD[1]:%d.%m.%Y}"
    page.goto(f"{server}/admin/reports/kpis/?{query}")
    page.wait_for_selector("#table-summary")

    # when
    with page.expect_download() as download:
        page.click("#table-summary .xlsx-link")

    # then: the file of the table, the page's figures: 7 calls reached, 15:00 and 32:00
    assert download.value.suggested_filename.startswith("kuzet-kpis-summary-")
    assert download.value.suggested_filename.endswith(".xlsx")
    rows = sheet_rows(Path(download.value.path()).read_bytes())
    by_kpi = {r[0]: r for r in rows[1:]}
    assert rows[0][:3] == ["Көрсеткіш", "Анықтама", "Саны"]
    assert by_kpi["Келу уақыты"][2:5] == [7.0, 900.0, 1920.0]
    assert by_kpi["Келу нормативі орындалды"][5] == 75.0
    assert errors == []
