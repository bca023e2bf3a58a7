"""A training call (``Incident.exercise``: a drill, the live demo's ×30 simulator) on the duty
officer's screens, in Russian and in Kazakh: its row on the live board, its crew's row and its
alert carry the "Exercise" badge, and its page's header says so; the real call beside it
carries none — nobody may take a drill for an emergency, nor an emergency for the demo's.
Screenshots: ``var/screenshots/exercise/board-<lang>.png`` and ``call-page-<lang>.png``.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext

from backend.dispatch.services import incident_dispatch
from tests import factories
from tests.e2e import browser as shared
from tests.e2e.browser import contrast

from .board import board_page, units_heard_now
from .conftest import log_in

expect = pytest.importorskip(
    "playwright.sync_api", reason="the playwright package is missing"
).expect

# The board waits for its socket: uvicorn on PostgreSQL with Redis (test_board.py).
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]

SUITE = "exercise"


def _calls(personas: Any) -> tuple[Any, Any]:
    """A drill sent to A-PC1 and a real theft waiting, both in A's town."""
    a = personas.a
    units_heard_now(personas)
    drill = factories.incident(
        district=a.district, settlement=a.town, category="robbery", priority="P1",
        summary="Учения: нападение на магазин", exercise=True,
    )  # fmt: skip
    real = factories.incident(
        district=a.district, settlement=a.town, category="theft", priority="P2",
        summary="Кража из дома",
    )  # fmt: skip
    incident_dispatch(incident=drill, unit=a.patrol, by=personas.duty)
    return drill, real


def _word(language: str) -> str:
    with translation.override(language):
        return gettext("Exercise")


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_the_board_marks_the_drill_its_crew_and_its_alert(
    server: str, browser: Any, personas: Any, language: str
) -> None:
    # given
    drill, real = _calls(personas)

    # when: the desk opens its board
    page = board_page(browser, server, personas.duty, language=language)

    # then: the drill's row, its crew's row and its alert carry the badge; the real call none
    word = _word(language)
    drill_row = page.locator("#incidents tr", has_text=drill.number)
    expect(drill_row.locator(".exercise-badge")).to_have_text(word)
    expect(drill_row).to_have_class("incident exercise")
    expect(
        page.locator("#assignments tr", has_text=drill.number).locator(".exercise-badge")
    ).to_have_text(word)
    expect(
        page.locator("#alerts li", has_text=drill.number).first.locator(".exercise-badge")
    ).to_have_text(word)
    real_row = page.locator("#incidents tr", has_text=real.number)
    expect(real_row).to_be_visible()
    expect(real_row.locator(".exercise-badge")).to_have_count(0)
    expect(page.locator(".exercise-badge")).to_have_count(3)
    assert contrast(page, "#incidents .exercise-badge") >= 4.5
    shared.screenshot(page, SUITE, f"board-{language}")
    assert page.kuzet_errors == []


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_the_drills_page_says_so_in_its_header(
    server: str, browser: Any, personas: Any, language: str
) -> None:
    # given
    drill, real = _calls(personas)
    page = log_in(browser, server, personas.duty, language=language)

    # when: the desk opens the drill's page, then the real call's
    page.goto(f"{server}/admin/dispatch/incident/{drill.pk}/change/")

    # then
    word = _word(language)
    expect(page.locator("#content h1 .kuzet-exercise-badge")).to_have_text(word)
    expect(page.locator("#kuzet-exercise")).to_be_visible()
    assert contrast(page, "#content h1 .kuzet-exercise-badge") >= 4.5
    shared.screenshot(page, SUITE, f"call-page-{language}")
    page.goto(f"{server}/admin/dispatch/incident/{real.pk}/change/")
    expect(page.locator("#content h1")).to_be_visible()
    expect(page.locator(".kuzet-exercise-badge")).to_have_count(0)
    expect(page.locator("#kuzet-exercise")).to_have_count(0)
    assert page.kuzet_errors == []
