"""A district chief who reads Kazakh, at a 1280 × 800 laptop in a real browser: his district
and its villages are listed by their Kazakh names and found by them (the lists showed the
KATO's Russian, "Аягозский район" and "Актогай", and "Аягөз" found nothing); the villages
report narrowed to one rural okrug and last month in two clicks (a month was typed into both
days, and the form offered no place); and its Excel file named for that month, not the day
it was taken. Screenshots: ``var/chief_walk/``."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from backend.reports.filters import local_midnight, local_today
from tests import factories
from tests.e2e import browser as shared

from .console import chief_logged_in

pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SHOTS = shared.ROOT / "var" / "chief_walk"
LAPTOP = {"width": 1280, "height": 800}


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def first_column(page: Any) -> list[str]:
    return [c.strip() for c in page.locator("#result_list tbody th").all_inner_texts()]


def test_a_kazakh_chief_reads_his_villages_last_month_by_their_kazakh_names(
    server: str, browser: Any, personas: Any
) -> None:
    # given: district A with Kazakh names, a second rural okrug, a call in each last month
    a = personas.a
    for place, name in ((a.district, "Аягөз ауданы"), (a.town, "Аягөз"), (a.village, "Ақтоғай")):
        place.name_kk = name
        place.save(update_fields=["name_kk"])
    other = factories.okrug(
        district=a.district,
        kato="103665000",
        name="Мадениетский с.о.",
        name_kk="Мәдениет ауылдық округі",
    )
    madeniet = factories.settlement(
        okrug=other, kato="103665100", name="Мадениет", name_kk="Мәдениет", lat=47.88, lon=79.15
    )
    last = local_today().replace(day=1) - dt.timedelta(days=1)
    first = last.replace(day=1)
    for place in (a.village, madeniet):
        factories.incident(
            district=a.district,
            settlement=place,
            received_at=local_midnight(first) + dt.timedelta(days=2, hours=12),
        )
    page, errors = chief_logged_in(browser, server, a.chief, viewport=LAPTOP, accept_downloads=True)

    # when: his district, found by its Kazakh name; his villages
    page.goto(f"{server}/admin/geo/district/?q=Аягөз")
    districts = first_column(page)
    seat = page.locator("#result_list tbody td.field-seat_local_name").all_inner_texts()
    shot(page, "kk-districts-search")
    page.goto(f"{server}/admin/geo/settlement/?q=Ақтоғай")
    found = first_column(page)
    page.goto(f"{server}/admin/geo/settlement/")
    villages = first_column(page)
    shot(page, "kk-settlements")

    # then
    assert districts == ["Аягөз ауданы"]
    assert seat == ["Аягөз"]
    assert found == ["Ақтоғай"]
    assert sorted(villages) == sorted(["Аягөз", "Ақтоғай", "Мәдениет"])

    # when: the villages report, one okrug, then last month (the fourth of the periods)
    page.goto(f"{server}/admin/reports/villages/")
    page.select_option("#id_okrug", label="Мәдениет ауылдық округі")
    page.click(".report-submit input[type=submit]")
    page.wait_for_load_state()
    page.click(".report-periods a:nth-child(4)")
    page.wait_for_selector("#table-villages tbody tr")
    rows = page.locator("#table-villages tbody tr td:nth-child(2)").all_inner_texts()
    shot(page, "kk-villages-okrug-last-month")
    with page.expect_download() as download:
        page.click("#table-villages .xlsx-link")

    # then: the okrug's village, last month's days in the form, the file named for them
    assert [r.strip() for r in rows] == ["Мәдениет"]
    assert page.input_value("#id_date_from") == f"{first:%d.%m.%Y}"
    assert page.input_value("#id_date_to") == f"{last:%d.%m.%Y}"
    assert page.locator("#id_okrug option:checked").inner_text() == "Мәдениет ауылдық округі"
    assert download.value.suggested_filename == f"kuzet-villages-{first}_{last}.xlsx"
    assert errors == []
