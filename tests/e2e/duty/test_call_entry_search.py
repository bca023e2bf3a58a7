"""The call form's village field forgives how the officer types the caller's village (Debian's
chromium driven by Playwright): in Latin letters ("aktogai", a Latin keyboard layout left on)
it finds Актогай as its Cyrillic name does; misspelt ("Актагай") it asks "Did you mean
Актогай?" — in the officer's language, read out as the option is — and ↓/Enter picks it as
any other. Screenshots: ``var/screenshots/duty/search-*.png``.
"""

from __future__ import annotations

from typing import Any

import pytest

from backend.dispatch.models import Incident

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
    village = personas.a.village
    village.name_kk = "Ақтоғай"
    village.save(update_fields=["name_kk"])
    page = log_in(browser, server, personas.duty, language=language)
    page.goto(f"{server}/admin/dispatch/incident/add/")
    page.wait_for_selector("#call-form")
    page.focus("#id_place")

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
    assert page.input_value("#id_place") == LABEL[language]
    assert page.input_value("#id_settlement") == str(village.pk)
    assert village.kato in page.inner_text("#call-picked")
    page.select_option("#id_category", "theft")
    page.fill("#id_description", "Угнали мотоцикл со двора")
    shot(page, f"search-picked-{language}")
    with page.expect_navigation():
        page.click("#call-save")
    assert Incident.objects.get().settlement_id == village.pk
    assert page.kuzet_errors == []
