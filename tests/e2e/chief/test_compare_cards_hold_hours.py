"""A Kazakh chief's period report on a 1366 px laptop, a month whose villages waited over an
hour: the headline figures against the period before ("Келу, медиана 1 сағ 05 мин") stay
inside their cards. In an hour of ``make run`` (2026-12-07) '1 сағ 05 мин' and '1 сағ 30 мин'
ran 15 px past their cards' right edge onto the border (the figures do not wrap, e6ba81e,
and the cards were as narrow as 170 px). Screenshot:
``var/screenshots/chief/compare-cards-hours-kk.png``.
"""

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

LAPTOP = {"width": 1366, "height": 800}

# Each headline value's overhang past its card's inner right edge (the padding's), in px.
OVERHANG_JS = """
() => [...document.querySelectorAll('.compare .card')].map(card => {
  const value = card.querySelector('.card-value');
  const padding = parseFloat(getComputedStyle(card).paddingRight);
  const inner = card.getBoundingClientRect().right - padding;
  const right = value.getBoundingClientRect().left + value.scrollWidth;
  return [value.innerText, Math.round(right - inner)];
})
"""


def test_the_period_reports_figures_of_over_an_hour_stay_inside_their_cards(
    server: str, browser: Any, personas: Any
) -> None:
    # given: last month, three calls in A's village reached after 65, 90 and 100 minutes
    a = personas.a
    last = local_today().replace(day=1) - dt.timedelta(days=1)
    for day, minutes in ((3, 65), (10, 90), (17, 100)):
        received = local_midnight(last.replace(day=day)) + dt.timedelta(hours=12)
        call = factories.incident(
            district=a.district, settlement=a.village, priority="P1", received_at=received
        )
        factories.assignment(
            incident=call, unit=a.inspector_unit, status="cleared",
            dispatched_at=received + dt.timedelta(minutes=1),
            acknowledged_at=received + dt.timedelta(minutes=2),
            en_route_at=received + dt.timedelta(minutes=3),
            on_scene_at=received + dt.timedelta(minutes=minutes),
            cleared_at=received + dt.timedelta(minutes=minutes + 20),
            closed_at=received + dt.timedelta(minutes=minutes + 20),
        )  # fmt: skip
    page, errors = chief_logged_in(browser, server, a.chief, viewport=LAPTOP)

    # when: the chief opens the report for last month, in Kazakh
    page.goto(f"{server}/admin/reports/upward/")
    page.locator(".compare .card").first.wait_for()

    # then: an hour's figure is there, and no figure runs past its card
    overhang = page.evaluate(OVERHANG_JS)
    assert any("сағ" in text for text, _ in overhang), overhang
    assert [(text, px) for text, px in overhang if px > 0] == []
    shared.screenshot(page, "chief", "compare-cards-hours-kk")
    assert errors == []
