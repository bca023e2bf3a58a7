"""A district chief reads the KPI page on a phone (360 and 412 CSS pixels wide, Kazakh and
Russian), in a real browser (Debian's chromium driven by Playwright).

Two things found on the demo's console at 360 px: the headline figures had nothing to say
whether the month was better or worse than the one before (the chief's first question), and
the slice's table scrolled sideways with no cue — and once scrolled, the zone's name was off
the screen, so "41:00" belonged to no row the chief could see. Now the figures stand beside
the period before, the table's first column stays pinned at the left while the figures
scroll under it, and a shadow at the right edge says there is more to swipe to.
Screenshots: ``var/screenshots/chief/phone-*``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import translation

from backend.reports import compare
from tests.backend.reports.dataset import PERIOD, build
from tests.e2e import browser as shared

from .console import chief_logged_in

pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SHOTS = shared.SCREENSHOTS / "chief"


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


@pytest.mark.parametrize(("language", "width"), [("kk", 360), ("ru", 412)])
def test_a_chief_on_a_phone_sees_the_month_against_the_last_and_keeps_the_row_in_view(
    server: str, browser: Any, personas: Any, language: str, width: int
) -> None:
    # given: March 2026 of Ayagoz (February has one call, reached in 5 s)
    build(personas)
    chief = personas.a.chief
    page, errors = chief_logged_in(
        browser,
        server,
        chief,
        viewport={"width": width, "height": 800},
        is_mobile=True,
        has_touch=True,
    )
    chief.language = language
    chief.save(update_fields=["language"])

    # when: the chief opens March's KPIs by settlement
    page.goto(
        f"{server}/admin/reports/kpis/?date_from={PERIOD[0]}&date_to={PERIOD[1]}&by=settlement"
    )

    # then: each headline figure stands beside February's, on the screen's width
    with translation.override(language):
        february = compare.period_words(dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    calls = page.locator("#compare-calls")
    assert calls.locator(".card-value").inner_text() == "11"
    assert calls.locator(".compare-before").inner_text() == f"{february}: 1"
    assert calls.locator(".compare-change").inner_text() == "↑ 10"
    median = page.locator("#compare-response_p50 .compare-change")
    assert median.inner_text().startswith("↑ 14 ")  # 15 min against 5 s: slower
    assert "worse" in median.get_attribute("class")
    assert page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]") == [
        width,
        width,
    ]
    page.locator("#compare").scroll_into_view_if_needed()
    shot(page, f"phone-{language}-{width}-01-compare")

    # and: the slice's table is wider than the screen and says so with a shadow at its edge
    box = page.locator("#table-slice .report-scroll")
    wide, seen = box.evaluate("b => [b.scrollWidth, b.clientWidth]")
    assert wide > seen
    assert "radial-gradient" in box.evaluate("b => getComputedStyle(b).backgroundImage")
    box.scroll_into_view_if_needed()
    shot(page, f"phone-{language}-{width}-02-table")

    # when: the chief swipes the table to its last column
    first_row = box.locator("tbody tr").first
    name = first_row.locator("td").first
    before = name.bounding_box()
    figure_before = first_row.locator("td").nth(3).bounding_box()
    box.evaluate("b => { b.scrollLeft = b.scrollWidth }")
    page.wait_for_function(
        "() => document.querySelector('#table-slice .report-scroll').scrollLeft > 0"
    )

    # then: the figures moved under it; the village's name stayed where it was, readable
    after = name.bounding_box()
    assert first_row.locator("td").nth(3).bounding_box()["x"] < figure_before["x"] - 50
    assert after["x"] == pytest.approx(before["x"], abs=1)
    assert after["x"] >= 0
    assert after["x"] + after["width"] <= width / 2
    # and no group's heading ("Travel") slid over it either: the blank above it is pinned too
    above = box.locator("thead tr.groups th").first.bounding_box()
    assert above["x"] == pytest.approx(after["x"], abs=1)
    # nothing scrolled under a pinned name shows through it, on a striped row either
    for row in (0, 1):
        pinned = box.locator("tbody tr").nth(row).locator("td").first
        colour = pinned.evaluate("c => getComputedStyle(c).backgroundColor")
        assert colour.startswith("rgb("), (row, colour)  # not rgba(…) nor color(srgb … / a)
        assert colour.count(",") == 2, (row, colour)
    assert page.evaluate("window.scrollX") == 0
    shot(page, f"phone-{language}-{width}-03-swiped")
    assert errors == []
