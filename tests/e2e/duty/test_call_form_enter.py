"""Enter in a one-line field of "Take a call" moves on, as Tab, and never saves half a call —
in Russian and in Kazakh, at a 1366 × 768 laptop.

The duty officer types the caller's name, Tab, the phone, Tab… while the caller talks; an Enter
in their place was the browser's implicit submission: the half-typed call went to the server
and came back with "category required" and the focus elsewhere (the officer on the phone lost
his place) — and with the category and priority already set, a call with half a phone number
or address was saved. Now Enter in the caller's name, the phone, the landmark and the
coordinates goes to the next field; Enter on the channel goes on to the caller; the
settlement's Enter picks from its list as before (tests/e2e/duty/test_call_entry_keyboard.py),
and once picked goes on to the landmark; "What happened" (and the category, the priority) still
save with Enter. Without the script the browser's implicit submission is off too: "Save the
call" saves.

Screenshots: ``var/call_form_enter/*.png``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from backend.dispatch.models import Incident
from tests.e2e.browser import ROOT

from .conftest import PASSWORD, log_in, open_call_form
from .test_call_entry_keyboard import LAPTOP, VILLAGE, Keyboard

sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = ROOT / "var" / "call_form_enter"
ADD = "/admin/dispatch/incident/add/"


def shot(page: Any, name: str) -> Path:
    """The viewport as the officer sees it, focus ring and all."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def still_typing(page: Any, server: str) -> None:
    """The same form, not sent: no call saved, no page back with errors."""
    assert page.url == f"{server}{ADD}"
    assert page.locator("#call-errors").count() == 0
    assert page.evaluate("window.kuzetSameForm") is True  # set before: the page was not reloaded
    assert not Incident.objects.exists()


def pick_village(page: Any, hands: Keyboard, language: str) -> None:
    """The village typed, Enter: picked (its list awaited)."""
    hands.type(VILLAGE[language])
    hands.press("Enter")
    page.wait_for_function("() => document.getElementById('id_settlement').value !== ''")


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_enter_in_each_one_line_field_goes_to_the_next_and_enter_on_what_happened_saves(
    server: str, browser: Any, personas: Any, aktogay: Any, language: str
) -> None:
    # given: "Take a call", the caller's name ready for typing
    page = log_in(browser, server, personas.duty, language=language, viewport=LAPTOP)
    open_call_form(page, server)
    page.evaluate("window.kuzetSameForm = true")
    hands = Keyboard(page)

    # when: the caller's name and Enter (where Tab was meant)
    hands.type("Айгерим")
    hands.press("Enter")

    # then: the focus in the phone, nothing sent
    hands.wait_focus("id_caller_phone")
    still_typing(page, server)
    assert page.input_value("#id_caller_name") == "Айгерим"
    shot(page, f"01-name-enter-{language}")

    # when: the phone and Enter
    hands.type("8 777 123 45 67")
    hands.press("Enter")

    # then: the settlement, nothing sent
    hands.wait_focus("id_place")
    still_typing(page, server)
    assert page.input_value("#id_caller_phone") == "8 777 123 45 67"

    # when: the village and Enter, as before: picked, the focus stays for a look at it
    pick_village(page, hands, language)
    assert hands.focused() == "id_place"
    assert page.input_value("#id_settlement") == str(aktogay.pk)
    still_typing(page, server)
    shot(page, f"02-village-picked-{language}")

    # when: Enter again (the village is picked): on to the landmark; the address and Enter
    hands.press("Enter")
    hands.wait_focus("id_landmark")
    hands.type("ул. Абая 5, кв. 2")
    hands.press("Enter")

    # then: the coordinates, nothing sent; Enter there goes on to the category
    hands.wait_focus("id_coordinates")
    still_typing(page, server)
    shot(page, f"03-landmark-enter-{language}")
    hands.press("Enter")
    hands.wait_focus("id_category")
    still_typing(page, server)

    # when: the category with ↓, Tab past the priority, what happened, Enter
    hands.press("ArrowDown")
    hands.press("Tab", times=2)
    assert hands.focused() == "id_description"
    hands.type("муж бьёт жену")
    shot(page, f"04-what-happened-{language}")
    with page.expect_navigation():
        hands.press("Enter")

    # then: the call saved as typed, once
    incident = Incident.objects.get()
    assert (
        incident.caller_name,
        incident.caller_phone,
        incident.settlement_id,
        incident.landmark,
        incident.category,
        incident.description,
    ) == (
        "Айгерим",
        "+77771234567",
        aktogay.pk,
        "ул. Абая 5, кв. 2",
        "domestic_violence",
        "муж бьёт жену",
    )
    assert "/change/" in page.url
    shot(page, f"05-saved-{language}")
    assert page.kuzet_errors == []


def test_a_half_typed_address_is_not_saved_by_enter_when_the_rest_of_the_call_is_there(
    server: str, browser: Any, personas: Any, aktogay: Any
) -> None:
    # given: the call all but typed: the village picked, the category (its priority with
    # it), what happened; the officer goes back to the address as the caller says it
    page = log_in(browser, server, personas.duty, language="ru", viewport=LAPTOP)
    open_call_form(page, server)
    hands = Keyboard(page)
    hands.press("Tab", times=2)
    pick_village(page, hands, "ru")
    page.select_option("#id_category", "violence")
    page.fill("#id_description", "драка у магазина")
    page.evaluate("window.kuzetSameForm = true")
    page.focus("#id_landmark")

    # when: half the address, Enter
    hands.type("ул. Аба")
    hands.press("Enter")

    # then: the focus moved on, nothing saved; the address goes on being typed after Shift+Tab
    hands.wait_focus("id_coordinates")
    still_typing(page, server)
    shot(page, "06-half-address-enter-ru")
    hands.press("Shift+Tab")
    hands.press("End")
    hands.type("я 5")
    assert page.input_value("#id_landmark") == "ул. Абая 5"
    still_typing(page, server)
    assert page.kuzet_errors == []


def test_enter_on_the_channel_goes_on_to_the_caller_and_saves_nothing(
    server: str, browser: Any, personas: Any
) -> None:
    # given: the form; the officer Shift+Tabs up to the channel: a walk-in
    page = log_in(browser, server, personas.duty, language="kk", viewport=LAPTOP)
    open_call_form(page, server)
    page.evaluate("window.kuzetSameForm = true")
    hands = Keyboard(page)
    hands.press("Shift+Tab")
    assert hands.focused() == "id_channel"
    page.select_option("#id_channel", "walk_in")

    # when: Enter
    hands.press("Enter")

    # then: the caller's name, the channel kept, nothing sent
    hands.wait_focus("id_caller_name")
    assert page.input_value("#id_channel") == "walk_in"
    still_typing(page, server)
    shot(page, "07-channel-enter-kk")
    assert page.kuzet_errors == []


def test_without_script_enter_in_a_field_sends_nothing_and_the_save_button_saves(
    server: str, browser: Any, personas: Any, aktogay: Any
) -> None:
    # given: "Take a call" with JavaScript off (a locked-down workstation): the call typed
    # but for the address
    log_in(browser, server, personas.duty, language="ru").context.close()
    context = browser.new_context(viewport=LAPTOP, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{server}/admin/login/")
    page.fill("#id_username", personas.duty.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.goto(f"{server}{ADD}")
    page.fill("#id_caller_name", "Сауле")
    page.fill("#id_place", "Актогай")
    page.select_option("#id_category", "violence")
    page.fill("#id_description", "драка у магазина")
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url) if r.method == "POST" else None)

    # when: half the address, Enter, the rest of it, and "Save the call"
    page.focus("#id_landmark")
    page.keyboard.type("ул. Аба")
    page.keyboard.press("Enter")
    page.keyboard.type("я 5")
    with page.expect_navigation():
        page.click("#call-save")

    # then: one post, by the button, and the call saved with the whole address
    assert sent == [f"{server}{ADD}"]
    incident = Incident.objects.get()
    assert (incident.landmark, incident.settlement_id) == ("ул. Абая 5", aktogay.pk)
    shot(page, "08-no-script-saved-ru")
    context.close()
