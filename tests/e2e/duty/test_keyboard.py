"""The 102 call-taker at 3 a.m. with the headset on and one hand on the keyboard: the desk's
home, "Take a call", the call typed and saved, the recommended unit sent, "on scene" heard by
radio — Tab, Enter, arrows and typing only, in Russian and in Kazakh, and what a screen reader
reads for each field and button. Screenshots: ``var/screenshots/duty/keyboard-*.png``.
"""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import log_in, shot

sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LANGUAGES = ["ru", "kk"]


def focused(page: Any, attribute: str = "id") -> str:
    return str(page.evaluate(f"document.activeElement && document.activeElement.{attribute}"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_enter_on_the_desks_home_opens_take_a_call(
    server: str, browser: Any, personas: Any, language: str
) -> None:
    # given: the duty officer signed in, on the desk's home
    page = log_in(browser, server, personas.duty, language=language)
    assert page.url == f"{server}/admin/"
    shot(page, f"keyboard-desk-{language}")

    # when: Enter, nothing else
    with page.expect_navigation(timeout=10_000):
        page.keyboard.press("Enter")

    # then: the call form, the caller's field ready for typing
    assert page.url == f"{server}/admin/dispatch/incident/add/"
    page.wait_for_function("() => document.activeElement.id === 'id_caller_name'", timeout=5_000)
    assert page.kuzet_errors == []
