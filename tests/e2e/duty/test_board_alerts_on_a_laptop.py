"""An escalation reaches the duty officer's eyes on a 1366 × 768 laptop (Debian's chromium
driven by Playwright), in Russian and in Kazakh: a crew sent to a P1 call a quarter of an hour
ago has not acknowledged, the sweep fires, and the alert is on the screen as it arrives —
it used to land under the map and the units, below the screen's edge, where nobody scrolls
during a shift. Screenshots: ``var/screenshots/duty/board-alerts-laptop-*.png``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from backend.common import clock
from backend.dispatch.services import incident_dispatch
from backend.dispatch.services.escalation import escalation_sweep
from tests import factories

from .board import board_page, units_heard_now
from .conftest import shot

pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

LAPTOP = {"width": 1366, "height": 768}
# The alert's words, from the catalogs (backend/locale/*/django.po).
NOT_ACKNOWLEDGED = {"ru": "Не подтверждено вовремя", "kk": "Мерзімінде расталмады"}


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_an_escalation_arrives_on_the_laptops_screen_without_scrolling(
    server: str, browser: Any, personas: Any, language: str
) -> None:
    # given: a shift's board — two calls waiting, the district's five units heard from, and
    # A-PC1 sent to a P1 robbery 15 minutes ago, never acknowledging
    units_heard_now(personas)
    for n in (2, 3):
        factories.unit(callsign=f"A-PC{n}", district=personas.a.district)
    for summary in ("драка у магазина", "кража скота с зимовки"):
        factories.incident(
            district=personas.a.district, settlement=personas.a.village, summary=summary
        )
    with clock.frozen(clock.now() - dt.timedelta(minutes=15)):
        robbery = factories.incident(
            district=personas.a.district, settlement=personas.a.town, priority="P1",
            category="robbery", summary="нож у магазина", received_at=clock.now(),
        )  # fmt: skip
        incident_dispatch(incident=robbery, unit=personas.a.patrol, by=personas.duty)
    page = board_page(browser, server, personas.duty, language=language, viewport=LAPTOP)

    # when: the sweep fires the crew's missed acknowledgment
    escalation_sweep()

    # then: the alert arrives in the screen's first view, the page not scrolled
    alert = page.locator("#alerts li.escalation", has_text=NOT_ACKNOWLEDGED[language])
    alert.first.wait_for(timeout=10_000)
    assert page.evaluate("window.scrollY") == 0
    box = alert.first.bounding_box()
    assert box is not None
    assert box["y"] >= 0
    assert box["y"] + box["height"] <= LAPTOP["height"]
    assert robbery.number in alert.first.inner_text()
    shot(page, f"board-alerts-laptop-{language}")
    assert page.kuzet_errors == []
