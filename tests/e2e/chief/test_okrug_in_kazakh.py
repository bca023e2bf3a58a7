"""A chief who reads Kazakh opens the villages report (how long each village waited) in a real
browser and reads each village's rural okrug in Kazakh: the column said "Аягоз г.а." (the KATO
extract's Russian) beside the Kazakh column heading and village names. Screenshot:
``var/okrug_kk/villages-kk.png``."""

from __future__ import annotations

from typing import Any

import pytest

from tests.backend.reports.dataset import PERIOD, build
from tests.e2e import browser as shared

from .console import chief_logged_in

pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SHOTS = shared.SCREENSHOTS.parent / "okrug_kk"


def test_a_kazakh_chief_reads_the_villages_okrug_in_kazakh(
    server: str, browser: Any, personas: Any
) -> None:
    # given: March 2026 of district A by hand; its okrug has a Kazakh name; the chief reads Kazakh
    build(personas)
    okrug = personas.a.okrug
    okrug.name_kk = "Аягөз қаласы"
    okrug.save(update_fields=["name_kk"])
    page, errors = chief_logged_in(browser, server, personas.a.chief)

    # when
    query = f"date_from={PERIOD[0]:%d.%m.%Y}&date_to={PERIOD[1]:%d.%m.%Y}"
    page.goto(f"{server}/admin/reports/villages/?{query}")
    page.wait_for_selector("#table-villages tbody tr")
    page.wait_for_load_state("networkidle")  # the chart is an image of its own
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / "villages-kk.png"), full_page=True)

    # then: the third column (rank, settlement, okrug) is headed and filled in Kazakh
    # (text_content: the headings' letters as written, before the style capitalises them)
    headings = [h.strip() for h in page.locator("#table-villages thead th").all_text_contents()]
    assert "Ауылдық округ" in headings
    rows = page.locator("#table-villages tbody tr").all()
    okrugs = [row.locator("td").nth(2).text_content().strip() for row in rows]
    assert okrugs == ["Аягөз қаласы", "Аягөз қаласы"]
    assert "Аягоз г.а." not in page.locator("#table-villages").inner_text()
    assert errors == []
