"""A district chief away from the desk reads the console on a phone (390 × 844 CSS pixels,
Kazakh), in a real browser (Debian's chromium driven by Playwright).

Found by opening the demo's console on a phone-sized window: the KPIs' filter for an
article of the code of offences is a select as wide as its longest choice, and it made the
whole page scroll sideways (590 px on a 390 px screen); a call's page did the same with its
dispatch table (638 px), the Dispatch buttons off the screen's edge. Now the page keeps the
screen's width and only a wide table scrolls, inside its own box — the chief still reaches
every column and dispatches from the phone. Screenshots: ``var/screenshots/chief/phone-*``.
"""

from __future__ import annotations

from typing import Any

import pytest

from backend.common import clock
from backend.dispatch.models import Assignment
from backend.dispatch.services.incidents import IncidentInput, incident_create
from tests.backend.reports.dataset import PERIOD, build
from tests.e2e import browser as shared

from .console import chief_logged_in

pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

pytestmark = [pytest.mark.slow, pytest.mark.browser]

PHONE = {"width": 390, "height": 844}


def page_width(page: Any) -> tuple[int, int]:
    """How wide the page is, and how wide the screen: equal when nothing scrolls sideways."""
    return tuple(page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]"))


def test_a_chief_reads_the_kpis_and_dispatches_from_a_phone(
    server: str, browser: Any, personas: Any
) -> None:
    # given: March 2026 of Ayagoz, and a call in Ayagoz now that nobody has dispatched yet
    build(personas)
    a = personas.a
    call = incident_create(
        by=a.chief,
        data=IncidentInput(
            category="theft",
            received_at=clock.now(),
            summary="Велосипед ұрланды, дүкеннің жанында",
            settlement_id=a.town.pk,
        ),
    )
    page, errors = chief_logged_in(
        browser, server, a.chief, viewport=PHONE, is_mobile=True, has_touch=True
    )

    # when: the chief opens the KPIs of March
    page.goto(f"{server}/admin/reports/kpis/?date_from={PERIOD[0]}&date_to={PERIOD[1]}")

    # then: the page is the screen's width, the long filter included
    assert page_width(page) == (PHONE["width"], PHONE["width"])
    article = page.locator(".report-filters select").last.bounding_box()
    assert article["x"] + article["width"] <= PHONE["width"]
    # and: the table's last column is reached by scrolling the table, not the page
    box = page.locator(".report-scroll").first
    last = box.locator("thead th").last
    last.scroll_into_view_if_needed()
    seen = last.bounding_box()
    assert seen["x"] >= 0
    assert seen["x"] + seen["width"] <= PHONE["width"] + 1
    assert box.evaluate("b => b.scrollLeft") > 0
    assert page.evaluate("window.scrollX") == 0
    shared.screenshot(page, "chief", "phone-01-kpis")

    # when: the chief opens the waiting call
    page.goto(f"{server}/admin/dispatch/incident/{call.pk}/change/")
    page.wait_for_selector("#kuzet-dispatch")

    # then: the page is the screen's width; the timeline and the units stay inside it
    assert page_width(page) == (PHONE["width"], PHONE["width"])
    # and: the timeline's details read in lines of words, not a column of syllables
    details = page.locator("#kuzet-timeline tbody tr td:last-child").last.bounding_box()
    assert details["width"] >= 150, details
    shared.screenshot(page, "chief", "phone-02-call")

    # when: the nearest unit's Dispatch button, scrolled to inside its table, is tapped
    first = page.locator("#kuzet-dispatch tr.kuzet-unit").first
    assert first.get_attribute("data-unit") == "A-PC1"
    first.locator("input[type=submit]").tap()
    page.wait_for_selector("#kuzet-assignments tr.kuzet-assignment[data-unit='A-PC1']")

    # then: dispatched, and still no sideways page
    assert Assignment.objects.get(incident=call).unit_id == a.patrol.pk
    assert page.evaluate("window.scrollX") == 0
    assert page_width(page) == (PHONE["width"], PHONE["width"])
    shared.screenshot(page, "chief", "phone-03-dispatched")
    assert errors == []
