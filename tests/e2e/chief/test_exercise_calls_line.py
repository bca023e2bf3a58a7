"""The chief's KPI page says, under its period, how many exercise calls its figures left out —
one muted line opening them in the console's list (a drill, the ×30 live demo of make run).
Screenshots: ``var/screenshots/chief/exercise-*``."""

from __future__ import annotations

from typing import Any

import pytest

from tests.backend.reports.test_exercise_calls import a_call, at
from tests.e2e import browser as shared

from .console import chief_logged_in

pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SHOTS = shared.SCREENSHOTS / "chief"


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_the_kpi_page_says_how_many_exercise_calls_it_left_out(
    server: str, browser: Any, personas: Any, language: str
) -> None:
    # given: a real call of 16 min 50 s and a 30-second drill on 05.12
    a_call(personas, start=at(10), arrived_s=16 * 60 + 50, exercise=False)
    a_call(personas, start=at(11), arrived_s=30, exercise=True)
    chief = personas.a.chief
    page, errors = chief_logged_in(browser, server, chief, viewport={"width": 1280, "height": 800})
    chief.language = language
    chief.save(update_fields=["language"])

    # when
    page.goto(f"{server}/admin/reports/kpis/?date_from=2026-12-05&date_to=2026-12-05")

    # then: one line under the period, and its link opens the exercise calls of the period
    line = page.locator(".report-exercises")
    assert line.count() == 1
    assert "1" in line.inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"exercise-{language}-kpis.png"), full_page=False)
    line.locator("a").click()
    page.wait_for_load_state()
    assert "exercise__exact=1" in page.url
    page.screenshot(path=str(SHOTS / f"exercise-{language}-list.png"), full_page=False)
    assert errors == []
