"""The 102 call-taker at 3 a.m. with the headset on and one hand on the keyboard: the desk's
home, "Take a call", the call typed and saved, the recommended unit sent, "on scene" heard by
radio — Tab, Enter, arrows and typing only, in Russian and in Kazakh, and what a screen reader
reads for each field and button. Screenshots: ``var/screenshots/duty/keyboard-*.png``.
"""

from __future__ import annotations

from typing import Any

import pytest

from backend.dispatch.models import Incident

from .conftest import log_in, shot

sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LANGUAGES = ["ru", "kk"]


def focused(page: Any, attribute: str = "id") -> str:
    return str(page.evaluate(f"document.activeElement && document.activeElement.{attribute}"))


def described_by(page: Any, selector: str) -> str:
    """What a screen reader reads after a field's name: the text of the elements its
    aria-describedby names ("" where one of them does not exist)."""
    return str(
        page.eval_on_selector(
            selector,
            """e => (e.getAttribute('aria-describedby') || '').split(/\\s+/).filter(Boolean)
                 .map(id => document.getElementById(id))
                 .map(d => d ? d.textContent.trim() : '<missing>').join(' | ')""",
        )
    )


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


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_screen_reader_reads_each_fields_hint_and_error(
    server: str, browser: Any, personas: Any, language: str
) -> None:
    # given: the call form
    page = log_in(browser, server, personas.duty, language=language)
    page.goto(f"{server}/admin/dispatch/incident/add/")
    page.wait_for_selector("#call-form")
    helped = ["channel", "caller_phone", "place", "coordinates", "landmark", "priority"]
    helped.append("description")

    # then: every hint the form shows is what its field is described by
    for name in helped:
        hint = page.locator(f"#row-{name} p.help").inner_text().strip()
        assert hint, name
        assert described_by(page, f"#id_{name}") == hint, name

    # when: a Russian mobile number and Enter
    page.keyboard.type("Болат")
    page.keyboard.press("Tab")
    page.keyboard.type("+7 916 123 45 67")
    page.keyboard.press("Tab")
    page.keyboard.type("акто")
    page.wait_for_selector("#call-place-options li[role=option]")
    page.keyboard.press("Enter")
    page.focus("#id_category")
    page.keyboard.press("ArrowDown")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    # then: the phone field is marked wrong, has the focus and reads its error, then its hint
    page.wait_for_function("() => document.activeElement.id === 'id_caller_phone'", timeout=5_000)
    assert page.get_attribute("#id_caller_phone", "aria-invalid") == "true"
    error = page.locator("#error-caller_phone").inner_text().strip()
    hint = page.locator("#row-caller_phone p.help").inner_text().strip()
    assert described_by(page, "#id_caller_phone") == f"{hint} | {error}"
    shot(page, f"keyboard-phone-error-{language}")
    assert not Incident.objects.exists()
    assert page.kuzet_errors == []
