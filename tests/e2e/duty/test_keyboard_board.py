"""The live board with the keyboard only: Tab to a call's "Send a unit", Enter, Tab to the
nearest unit's "Send", Enter; Tab to an SOS banner's "Acknowledge", Enter. Screenshots:
``var/screenshots/duty/keyboard-board-*.png``.

The board re-renders its tables on every change and its banners every 15 s; a button pressed
with Enter was replaced by a new one and the focus fell to <body>: a keyboard user started
again from the header. The board now gives the focus back to the same control or what took its
place in the row.
"""

from __future__ import annotations

from typing import Any

import pytest

from backend.dispatch.models import Assignment, Category
from backend.realtime.models import BoardAlert
from tests.e2e.duty.board import board_page, intake_call, press_sos, units_heard_now

from .conftest import shot

pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.slow,
]


def tab_to(page: Any, selector: str, limit: int = 60) -> int:
    """Tab until ``selector`` has the focus; how many Tabs it took."""
    for n in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return n
    raise AssertionError(f"{selector} not reached in {limit} Tabs")


def test_a_keyboard_user_sends_the_nearest_unit_and_acknowledges_an_sos_on_the_board(
    server: str, browser: Any, personas: Any
) -> None:
    # given: a fight reported through eGov, the board open in Russian
    units_heard_now(personas)
    fight = intake_call(personas, ref="eg-kb-fight", category=Category.VIOLENCE)
    page = board_page(browser, server, personas.duty, language="ru")
    row = page.locator("#incidents tr", has_text=fight.number)
    row.wait_for()

    # when: Tab to the call's "Send a unit", Enter; Tab to the nearest unit's "Send", Enter
    tab_to(page, "#incidents button.recommend")
    page.keyboard.press("Enter")
    row.locator("button.dispatch").first.wait_for()
    tab_to(page, "#incidents button.dispatch", limit=10)
    assert personas.a.patrol.callsign in page.evaluate("document.activeElement.textContent")
    page.keyboard.press("Enter")

    # then: sent
    page.locator("#assignments tr", has_text=personas.a.patrol.callsign).wait_for()
    assert Assignment.objects.get(incident=fight).unit == personas.a.patrol

    # when: the patrol's officer presses SOS; Tab to the banner's acknowledgement, Enter
    press_sos(personas)
    page.locator("#sos .banner button.ack-sos").wait_for()
    page.evaluate("document.activeElement.blur()")
    tab_to(page, "#sos button.ack-sos")
    shot(page, "keyboard-board-sos")
    page.keyboard.press("Enter")

    # then: acknowledged by this duty officer
    page.locator("#sos .banner.acknowledged").wait_for()
    assert BoardAlert.objects.get(kind="sos").acknowledged_by_id == personas.duty.pk
    assert page.kuzet_errors == []


def test_after_send_a_unit_with_enter_the_focus_stays_on_the_calls_row(
    server: str, browser: Any, personas: Any
) -> None:
    # given
    units_heard_now(personas)
    fight = intake_call(personas, ref="eg-kb-focus", category=Category.VIOLENCE)
    page = board_page(browser, server, personas.duty, language="kk")
    row = page.locator("#incidents tr", has_text=fight.number)
    row.wait_for()

    # when: "Send a unit" with Enter
    tab_to(page, "#incidents button.recommend")
    page.keyboard.press("Enter")
    row.locator("button.dispatch").first.wait_for()

    # then: the focus is on the first unit offered, ready for Enter
    assert page.evaluate("document.activeElement.matches('#incidents button.dispatch')")

    # when: Enter sends it
    page.keyboard.press("Enter")
    page.locator("#assignments tr", has_text=personas.a.patrol.callsign).wait_for()

    # then: the focus is still in the call's row (its "Send another unit"), not on <body>
    shot(page, "keyboard-board-after-send")
    assert page.evaluate("document.activeElement.closest('#incidents tr') !== null")


def test_the_focus_on_an_sos_acknowledgement_survives_the_banners_redraw(
    server: str, browser: Any, personas: Any
) -> None:
    # given: an SOS on the board, the duty officer tabbed to "Acknowledge" and, radio in
    # hand, has not pressed it yet
    units_heard_now(personas)
    page = board_page(browser, server, personas.duty, language="ru")
    press_sos(personas)
    page.locator("#sos .banner button.ack-sos").wait_for()
    page.evaluate("document.activeElement.blur()")
    tab_to(page, "#sos button.ack-sos")

    # when: the banner's 15-second redraw passes
    page.wait_for_timeout(16_000)

    # then: Enter still acknowledges it: the focus is on the button
    assert page.evaluate("document.activeElement.matches('#sos button.ack-sos')")
