"""A district chief at the console, in a real browser (Debian's chromium driven by
Playwright; never a downloaded browser).

The chief of Ayagoz logs in, reads in Kazakh what needs them now, opens the KPIs for March
2026 (the hand-computed month of tests/backend/reports/dataset.py), reads the median and the
90th percentile of response, downloads the CSV and finds the same numbers, opens the calls
behind a figure, the villages ranked by their worst tenth and the report for the period in
its printable layout — and never sees district B, not even by writing its id into the
address. Then the same console in Russian. Screenshots: ``var/screenshots/chief/``.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from tests.backend.reports.dataset import PERIOD, build, build_protocols
from tests.e2e import browser as shared

from .console import chief_logged_in

# Skipped plainly (not a collection error) where the playwright package is missing.
pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SUITE = "chief"


KK_ART73 = (
    "ӘҚБтК 73-бабы бойынша әкімшілік хаттамалар "
    "(отбасылық-тұрмыстық қатынастар саласындағы құқыққа қайшы әрекеттер)"
)
KK_ART461 = "ӘҚБтК 461-бабы бойынша әкімшілік хаттамалар (қорғау нұсқамасының талаптарын орындамау)"
KK_OTHER_ARTICLE = (
    "Тұрмыстық зорлық-зомбылық шақырулары бойынша басқа бапқа сәйкес "
    "немесе бабы көрсетілмеген әкімшілік хаттамалар"
)


def shot(page: Any, name: str) -> None:
    page.wait_for_load_state("networkidle")  # the charts are images of their own
    shared.screenshot(page, SUITE, name)


def row_cells(page: Any, table: str, first_cell: str) -> list[str]:
    """The cells of the row of ``table`` whose first cell reads ``first_cell``."""
    for row in page.locator(f"#table-{table} tbody tr").all():
        cells = [c.strip() for c in row.locator("td").all_inner_texts()]
        if cells and cells[0] == first_cell:
            return cells
    raise AssertionError(f"no row {first_cell!r} in {table}")


def test_a_chief_reads_the_month_in_kazakh_downloads_it_and_sees_only_their_district(
    server: str, browser: Any, personas: Any
) -> None:
    # given: March 2026 of district A by hand, one call of district B; the chief reads Kazakh
    build(personas)
    chief = personas.a.chief
    other = personas.b.district.name

    # when: the chief logs in
    page, errors = chief_logged_in(
        browser, server, chief, viewport={"width": 1440, "height": 900}, accept_downloads=True
    )

    # then: what needs me now, in Kazakh, with the tiles of the last 30 days
    page.wait_for_selector("#needs-title")
    assert page.inner_text("#needs-title") == "Қазір назар аударуды қажет ететіні"
    assert page.inner_text("#need-open_conflicts .card-label") == "Ашық қайшылықтар"
    assert "Келу уақыты" in page.inner_text("#tile-response")
    shot(page, "01-home-kk")

    # when: the KPIs of March
    page.click(".report-nav >> text=Көрсеткіштер")
    page.fill("#id_date_from", f"{PERIOD[0]:%d.%m.%Y}")
    page.fill("#id_date_to", f"{PERIOD[1]:%d.%m.%Y}")
    page.click(".report-filters input[type=submit]")
    page.wait_for_selector("#table-summary")

    # then: 7 calls reached, median 15:00, worst tenth 32:00; 75 % within the target
    assert page.inner_text(".report-period") == "01.03.2026 – 31.03.2026"
    assert row_cells(page, "summary", "Келу уақыты")[2:5] == ["7", "15:00", "32:00"]
    assert row_cells(page, "summary", "Келу нормативі орындалды")[5] == "75,0 %"
    remote = row_cells(page, "slice", "Шалғай")
    assert remote[1] == "6"
    assert "20:00" in remote
    assert "41:00" in remote
    assert page.locator(".chart img").count() == 2
    page.wait_for_load_state("networkidle")
    for image in page.locator(".chart img").all():
        assert image.evaluate("i => i.complete && i.naturalWidth > 0")
    assert_every_column_fits(page)
    shot(page, "02-kpis-march-kk")

    # when: the CSV of the table
    with page.expect_download() as download:
        page.click("#table-summary .csv-link")
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text("utf-8-sig"))))

    # then: the same numbers, durations in seconds
    by_kpi = {r[0]: r for r in rows[1:]}
    assert by_kpi["Келу уақыты"][2:5] == ["7", "900", "1920"]  # 15:00, 32:00
    assert by_kpi["Келу нормативі орындалды"][5] == "75.0"

    # when: the calls behind the 90th percentile
    response_row = page.locator("#table-summary tbody tr", has_text="Келу уақыты").first
    response_row.locator("td.duration a").nth(1).click()
    page.wait_for_selector("#drilldown-count")

    # then: the seven calls, slowest first
    assert page.inner_text("#drilldown-count").startswith("7 шақыру")
    assert page.locator("#table-incidents tbody tr").count() == 7
    # in words: "50:00" beside the received times read as one more clock time
    slowest = page.locator("#table-incidents tbody tr").first.locator("td").last
    assert slowest.inner_text() == "50 мин 00 с"
    assert_every_column_fits(page)
    shot(page, "03-incidents-behind-response-kk")

    # when: the villages
    page.click(".report-nav >> text=Ауылдар")
    page.wait_for_selector("#table-villages")

    # then: the remote 2G/SMS village 140 km out waits longest
    first = page.locator("#table-villages tbody tr").first.locator("td").all_inner_texts()
    assert first[1:7] == ["Актогай", personas.a.okrug.name, "Шалғай", "тек 2G / SMS", "140 км", "6"]
    assert "41:00" in first
    assert_every_column_fits(page)
    shot(page, "04-villages-kk")

    # when: the report for the period, with March's administrative protocols by CoAO article
    # (dataset.PROTOCOLS: walk-ins with no unit sent, so no figure read above moves)
    build_protocols(personas)
    page.click(".report-nav >> text=Кезеңдегі есеп")
    page.wait_for_selector("#table-channels")
    assert row_cells(page, "channels", "102 желісі")[1] == "7"

    # then: protocols under article 73, under 461, and on DV calls under another or none
    assert row_cells(page, "domestic_violence", KK_ART73)[1] == "3"
    assert row_cells(page, "domestic_violence", KK_ART461)[1] == "2"
    assert row_cells(page, "domestic_violence", KK_OTHER_ARTICLE)[1] == "3"
    assert_every_column_fits(page)
    shot(page, "05a-report-protocols-kk")

    # when: the calls behind article 73
    page.locator("#table-domestic_violence tbody tr", has_text=KK_ART73).locator("a").click()
    page.wait_for_selector("#drilldown-count")

    # then: P1, P2 (73-1) and P3 (a disorder call)
    assert page.inner_text("#drilldown-count").startswith("3 шақыру")
    assert page.locator("#table-incidents tbody tr").count() == 3
    page.go_back()
    page.wait_for_selector("#table-channels")

    # when: printable
    page.click("#print-layout")
    page.wait_for_selector("#print-app_reports")
    page.emulate_media(media="print")

    # then
    assert "66,7 %" in page.inner_text("#print-app_reports")
    assert page.locator("#header").count() == 0
    shot(page, "05-report-print-kk")
    page.emulate_media(media="screen")

    # when: district B's id written into the address
    page.goto(f"{server}/admin/reports/kpis/?district={personas.b.district.pk}")

    # then: refused, and nothing of B anywhere the chief went
    assert page.inner_text(".errorlist") == "Сіздің аудандарыңызда мұндай аудан жоқ."
    assert other not in page.content()
    shot(page, "06-another-district-refused-kk")
    for path in ("/admin/", "/admin/reports/kpis/?by=district", "/admin/reports/villages/"):
        page.goto(
            server
            + path
            + ("&" if "?" in path else "?")
            + "date_from=2026-03-01&date_to=2026-03-31"
        )
        assert other not in page.content(), path
        assert "district b" not in page.content(), path

    # when: the district's calls, as a list (the menu and the filters beside it)
    page.goto(f"{server}/admin/dispatch/incident/")

    # then: where, what, how urgent, who went and how long it took are on the screen at
    # 1440 px without scrolling sideways (the category with the summary under it)
    table = page.locator("#changelist .results").bounding_box()
    for column in ("number", "place", "what", "priority_code", "status", "response"):
        header = page.locator(f"#result_list thead th.column-{column}").bounding_box()
        assert header["x"] + header["width"] <= table["x"] + table["width"] + 1, column
    shot(page, "06b-incident-list-kk")

    # when: the chief prefers Russian
    chief.language = "ru"
    chief.save(update_fields=["language"])
    page.goto(f"{server}/admin/reports/kpis/?date_from=2026-03-01&date_to=2026-03-31")

    # then
    assert row_cells(page, "summary", "Время прибытия")[2:5] == ["7", "15:00", "32:00"]
    assert_every_column_fits(page)
    shot(page, "07-kpis-march-ru")
    page.goto(f"{server}/admin/")
    assert page.inner_text("#needs-title") == "Что требует внимания сейчас"
    shot(page, "08-home-ru")
    assert errors == []
    page.context.close()


def assert_every_column_fits(page: Any) -> None:
    """Every report table shows all its columns (in Kazakh, whose headers are the longest):
    none scrolls sideways. The reports give their width to the tables: no list of models
    beside them."""
    assert page.locator("#nav-sidebar").count() == 0
    widths = page.evaluate(
        "[...document.querySelectorAll('.report-scroll')].map(s => [s.scrollWidth, s.clientWidth])"
    )
    assert widths
    assert all(scroll <= client + 1 for scroll, client in widths), widths


@pytest.mark.parametrize(
    "report", ["kpis/?by=zone", "kpis/?by=unit", "villages/", "quality/", "upward/"]
)
def test_a_report_fits_a_laptop_screen_without_scrolling_sideways(
    server: str, browser: Any, personas: Any, report: str
) -> None:
    # given: the chief's month on a 1366 px laptop, the most common screen at a district desk
    build(personas)
    page, errors = chief_logged_in(
        browser, server, personas.a.chief, viewport={"width": 1366, "height": 768}
    )

    # when
    period = f"date_from={PERIOD[0]:%Y-%m-%d}&date_to={PERIOD[1]:%Y-%m-%d}"
    page.goto(f"{server}/admin/reports/{report}{'&' if '?' in report else '?'}{period}")
    page.wait_for_selector(".report-table")

    # then: every table is whole on the screen — its last column (the target met, the
    # travel) not hidden past the right edge
    assert_every_column_fits(page)
    shot(page, "09-fits-" + report.replace("/?by=", "-").rstrip("/"))
    assert errors == []
