"""A district chief who reads Kazakh asks "how long did my villages wait last month?" in a real
browser at a 1280 × 800 laptop: his villages and rural okrugs are listed in Kazakh order by
their Kazakh names (they came in the order of the KATO's Russian); the villages report of a
month whose one call no handset received says why it has no chart (an empty chart frame
stood under the table), and so do the KPIs; the month's Excel file says inside what it is
of — the period, the district, the okrug, when it was made — and its durations are Excel
durations under a header naming the unit. Screenshots: ``var/chief_reports/``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from backend.reports.filters import local_midnight, local_today
from tests import factories
from tests.backend.reports.test_xlsx import sheet_heading, sheet_rows
from tests.e2e import browser as shared

from .console import chief_logged_in

pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SHOTS = shared.ROOT / "var" / "chief_reports"
LAPTOP = {"width": 1280, "height": 800}
# (Russian, Kazakh) of an okrug's villages: Kazakh order Жаңғызтөбе, Көкпекті, Қалбатау, Шар
VILLAGES = [
    ("Георгиевка", "Қалбатау"),
    ("Жангизтобе", "Жаңғызтөбе"),
    ("Кокпекты", "Көкпекті"),
    ("Чарск", "Шар"),
]


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def first_column(page: Any) -> list[str]:
    return [c.strip() for c in page.locator("#result_list tbody th").all_inner_texts()]


def test_a_kazakh_chief_reads_his_villages_last_month_in_kazakh_order_and_file(
    server: str, browser: Any, personas: Any
) -> None:
    # given: district A in Kazakh, an okrug of four villages, last month one P1 call in
    # Қалбатау: a unit sent, the assignment never on its handset, nobody came
    a = personas.a
    for place, name in ((a.district, "Аягөз ауданы"), (a.okrug, "Аягөз қаласы")):
        place.name_kk = name
        place.save(update_fields=["name_kk"])
    okrug = factories.okrug(
        district=a.district, kato="103670000", name="Георгиевский с.о.", name_kk="Қалбатау а.о."
    )
    places = [
        factories.settlement(
            okrug=okrug, kato=f"10367{i}100", name=ru, name_kk=kk, lat=47.0 + i / 10, lon=80.0
        )
        for i, (ru, kk) in enumerate(VILLAGES)
    ]
    last = local_today().replace(day=1) - dt.timedelta(days=1)
    first = last.replace(day=1)
    received = local_midnight(first) + dt.timedelta(days=2, hours=12)
    call = factories.incident(
        district=a.district, settlement=places[0], priority="P1", received_at=received
    )
    factories.assignment(
        incident=call, unit=a.inspector_unit, dispatched_at=received + dt.timedelta(minutes=2)
    )
    page, errors = chief_logged_in(browser, server, a.chief, viewport=LAPTOP, accept_downloads=True)

    # when: his okrug's villages in the console
    page.goto(f"{server}/admin/geo/settlement/?okrug__id__exact={okrug.pk}")
    villages = first_column(page)
    shot(page, "kk-settlements-in-kazakh-order")
    page.goto(f"{server}/admin/geo/okrug/")
    okrugs = first_column(page)
    shot(page, "kk-okrugs-in-kazakh-order")

    # then
    assert villages == ["Жаңғызтөбе", "Көкпекті", "Қалбатау", "Шар"]
    assert okrugs == ["Аягөз қаласы", "Қалбатау а.о."]

    # when: the villages report, the okrug picked, last month
    page.goto(f"{server}/admin/reports/villages/")
    offered = [o.strip() for o in page.locator("#id_okrug option").all_inner_texts()][1:]
    page.select_option("#id_okrug", label="Қалбатау а.о.")
    page.click(".report-submit input[type=submit]")
    page.wait_for_load_state()
    page.click(".report-periods a:nth-child(4)")
    page.wait_for_selector("#table-villages tbody tr")
    rows = page.locator("#table-villages tbody tr td:nth-child(2)").all_inner_texts()
    why = page.locator(".no-chart").inner_text()
    charts = page.locator(".charts img").count()
    shot(page, "kk-villages-no-chart")
    with page.expect_download() as download:
        page.click("#table-villages .xlsx-link")
    content = Path(download.value.path()).read_bytes()

    # then: the village, no chart frame and the line that says why; the file says its month
    assert offered == ["Аягөз қаласы", "Қалбатау а.о."]
    assert [r.strip() for r in rows] == ["Қалбатау"]
    assert charts == 0
    assert why.strip()
    heading = sheet_heading(content)
    assert f"{first:%d.%m.%Y} – {last:%d.%m.%Y}" in heading[1]
    assert "Аягөз ауданы" in heading[2]
    assert heading[3].endswith(": Қалбатау а.о.")
    assert sheet_rows(content)[1][1] == "Қалбатау"

    # when: the KPIs of the same month
    page.goto(f"{server}/admin/reports/kpis/?date_from={first}&date_to={last}")
    kpi_why = page.locator(".no-chart").inner_text()
    shot(page, "kk-kpis-no-chart")

    # then
    assert kpi_why.strip()
    assert page.locator(".charts img").count() == 0
    assert errors == []
