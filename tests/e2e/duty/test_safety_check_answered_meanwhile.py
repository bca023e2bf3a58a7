"""The desk presses "Officer OK" on its board as the crew's own word answers the check: the
board shows the check answered — by the crew's word — and "done", not "Failed: This check is
already recorded.". On a 1280 × 800 laptop, in Kazakh. Screenshots: ``var/duty_walk/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from backend.dispatch.lifecycle import EventKind
from backend.dispatch.services import (
    assignment_record_on_behalf,
    escalation_sweep,
)

from .board import open_board, silent_on_scene, units_heard_now
from .conftest import log_in

expect = pytest.importorskip(
    "playwright.sync_api", reason="the playwright package is missing"
).expect

# The board waits for its socket: uvicorn on PostgreSQL with Redis (test_board.py).
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]

SHOTS = Path(settings.BASE_DIR) / "var" / "duty_walk"
LAPTOP = {"width": 1280, "height": 800}
LIVE_WITHIN_MS = 10_000


def test_officer_ok_pressed_as_the_crews_word_answered_it_shows_it_answered(
    server: str, browser: Any, personas: Any
) -> None:
    # given: A-PC1 on scene at a P1 call for 25 minutes, silent: the check's amber banner
    units_heard_now(personas)
    sent = silent_on_scene(personas)
    page = log_in(browser, server, personas.duty, language="kk", viewport=LAPTOP)
    open_board(page, server)
    button = page.locator("#sos .banner.safety button.safety-ok")
    button.wait_for(timeout=LIVE_WITHIN_MS)

    def the_crews_word_first(route: Any) -> None:
        # the crew's outcome, heard on the radio, and the sweep that answers the check by it,
        # land just before the desk's press reaches the server
        assignment_record_on_behalf(
            assignment=sent, by=personas.duty, kind=EventKind.OUTCOME, channel="radio",
            outcome_code="resolved_on_scene",
        )  # fmt: skip
        escalation_sweep()
        route.continue_()

    page.route("**/safety-ok/", the_crews_word_first)

    # when: the desk presses "Officer OK"
    button.click()

    # then: done, not failed; the banner is green and says the crew answered it
    with translation.override("kk"):
        heard = gettext("the crew was heard from: %(what)s") % {"what": EventKind.OUTCOME.label}
        failed = gettext("Not done:")
    banner = page.locator("#sos .banner.safety.acknowledged")
    expect(banner).to_contain_text(heard, timeout=LIVE_WITHIN_MS)
    expect(page.locator("#message")).not_to_have_class("error")
    expect(page.locator("#message")).not_to_contain_text(failed)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "53-safety-ok-answered-meanwhile-kk.png"))
    assert page.kuzet_errors == []
