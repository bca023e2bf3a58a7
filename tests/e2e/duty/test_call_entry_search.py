"""The call form's village field forgives how the officer types the caller's village (Debian's
chromium driven by Playwright): in Latin letters ("aktogai", a Latin keyboard layout left on)
it finds Актогай as its Cyrillic name does; misspelt ("Актагай") it asks "Did you mean
Актогай?" — in the officer's language, read out as the option is — and ↓/Enter picks it as
any other; typed with the wrong keyboard layout on ("frnjufq", the Kazakh "f0nj5fq") it finds
Актогай under "Showing results for «актогай»". Screenshots: ``var/screenshots/duty/search-*.png``
and ``var/walk-layout/*.png``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from backend.dispatch.models import Incident
from tests.e2e import browser as shared

from .conftest import log_in, shot

sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# The village's label in each language (the reader's language first) and how a near miss
# of it is offered.
LABEL = {"en": "Актогай / Ақтоғай", "ru": "Актогай / Ақтоғай", "kk": "Ақтоғай / Актогай"}
DID_YOU_MEAN = {
    "en": "Did you mean Актогай / Ақтоғай?",
    "ru": "Возможно, Актогай / Ақтоғай?",
    "kk": "Бәлкім, Ақтоғай / Актогай?",
}


def village_field_in_focus(
    server: str, browser: Any, personas: Any, language: str
) -> tuple[Any, Any]:
    """Актогай (with its Kazakh name), and the call form of a duty officer reading
    ``language``, its village field in focus."""
    village = personas.a.village
    village.name_kk = "Ақтоғай"
    village.save(update_fields=["name_kk"])
    page = log_in(browser, server, personas.duty, language=language)
    page.goto(f"{server}/admin/dispatch/incident/add/")
    page.wait_for_selector("#call-form")
    page.focus("#id_place")
    return village, page


def offered(page: Any, typed: str) -> Any:
    """Type ``typed`` into the emptied village field; the first option of the list."""
    page.fill("#id_place", "")
    page.keyboard.type(typed)
    page.wait_for_function(
        "typed => document.getElementById('id_place').value === typed"
        " && document.querySelector('#call-place-options li[role=option]')",
        arg=typed,
    )
    # the answer to the last keystroke, not to an earlier one (the list is redrawn per answer)
    page.wait_for_timeout(400)
    return page.locator("#call-place-options li[role=option]").first


@pytest.mark.parametrize("language", ["ru", "kk", "en"])
def test_the_village_typed_in_latin_or_misspelt_is_found_and_picked(
    server: str, browser: Any, personas: Any, language: str
) -> None:
    # given: a duty officer reading ``language`` on the call form, its village field in focus
    village, page = village_field_in_focus(server, browser, personas, language)

    # when: typed in Latin letters
    option = offered(page, "aktogai")

    # then: the village itself, not a guess, active for Enter
    assert option.inner_text().split("\n")[0] == LABEL[language]
    assert option.get_attribute("class") in (None, "active")
    assert option.get_attribute("aria-selected") == "true"
    shot(page, f"search-latin-{language}")

    # when: Enter picks it
    page.keyboard.press("Enter")

    # then
    assert page.input_value("#id_place") == LABEL[language]
    assert page.input_value("#id_settlement") == str(village.pk)

    # when: typed again, misspelt as the caller said it
    option = offered(page, "Актагай")

    # then: offered as a question, and read as one: the field names the option as its
    # active one, whose text is the question; the live region says nothing over it
    assert page.input_value("#id_settlement") == ""
    assert option.inner_text().split("\n")[0] == DID_YOU_MEAN[language]
    assert "call-option-approximate" in (option.get_attribute("class") or "")
    assert page.get_attribute("#id_place", "aria-activedescendant") == option.get_attribute("id")
    assert page.get_attribute("#id_place", "aria-expanded") == "true"
    assert page.inner_text("#call-place-status") == ""
    shot(page, f"search-did-you-mean-{language}")

    # when: the officer asks the caller, and picks it with the keyboard
    page.keyboard.press("Enter")

    # then: the village is picked, and the call is saved with it
    picked_and_saved(page, village, language, lambda: shot(page, f"search-picked-{language}"))
    assert page.kuzet_errors == []


def picked_and_saved(page: Any, village: Any, language: str, picked_shot: Any) -> None:
    """The village is the form's pick (its name, id and KATO shown); the call, a theft, is
    saved with it. ``picked_shot`` takes the picked form's screenshot."""
    assert page.input_value("#id_place") == LABEL[language]
    assert page.input_value("#id_settlement") == str(village.pk)
    assert village.kato in page.inner_text("#call-picked")
    page.select_option("#id_category", "theft")
    page.fill("#id_description", "Угнали мотоцикл со двора")
    picked_shot()
    with page.expect_navigation():
        page.click("#call-save")
    assert Incident.objects.get().settlement_id == village.pk


# Актогай typed with the English layout on: by its Russian name on ЙЦУКЕН, and by its Kazakh
# name on the Kazakh layout (whose own letters are QWERTY's digits: қ on 0, ғ on 5).
WRONG_LAYOUT = {
    "en": ("frnjufq", "актогай"),
    "ru": ("frnjufq", "актогай"),
    "kk": ("f0nj5fq", "ақтоғай"),
}


def walk_shot(page: Any, name: str) -> Path:
    folder = shared.SCREENSHOTS.parent / "walk-layout"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.mark.parametrize("language", ["ru", "kk", "en"])
def test_the_village_typed_with_the_wrong_keyboard_layout_is_found_and_said_so(
    server: str, browser: Any, personas: Any, language: str
) -> None:
    # given: a duty officer reading ``language`` on the call form, its village field in focus
    village, page = village_field_in_focus(server, browser, personas, language)
    typed, read_as = WRONG_LAYOUT[language]

    # when: typed key by key with the English layout left on
    option = offered(page, typed)

    # then: the village, under a line that says what the keys were read as, in the officer's
    # language; the option is read with that line, active for Enter, not a question
    with translation.override(language):
        line = translation.gettext("Showing results for «{name}»").replace("{name}", read_as)
    said = page.locator("#call-place-options li.call-option-typed-as")
    assert said.count() == 1
    assert said.inner_text() == line
    assert option.inner_text().split("\n")[0] == LABEL[language]
    assert option.get_attribute("aria-selected") == "true"
    assert option.get_attribute("aria-describedby") == said.get_attribute("id")
    assert "call-option-approximate" not in (option.get_attribute("class") or "")
    walk_shot(page, f"offered-{language}")

    # when: Enter picks it
    page.keyboard.press("Enter")

    # then: picked, and the call is saved with it
    picked_and_saved(page, village, language, lambda: walk_shot(page, f"picked-{language}"))
    walk_shot(page, f"saved-{language}")
    assert page.kuzet_errors == []
