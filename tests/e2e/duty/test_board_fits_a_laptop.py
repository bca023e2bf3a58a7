"""The live board on a district desk's 1280 px laptop, in Kazakh, Russian and English (Debian's
chromium driven by Playwright), with the widest rows a shift brings: the longest category,
a village of two words, a call waiting for 1 h 50 min, a call with two units on it, a crew
not yet answering with the desk's message to it, a unit silent for 22 hours. Every section
keeps its columns on the screen — the calls' Cancel and Nearest unit, the assignments'
"Crew answered" and Message buttons, the units' position age — instead of scrolling them out
of sight sideways. Screenshots: ``var/screenshots/duty/board-laptop-*.png``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import translation

from backend.common import clock
from backend.dispatch.models import Category
from backend.dispatch.services import assignment_message, incident_dispatch
from backend.people.models import Unit
from tests import factories

from .board import board_page, units_heard_now
from .conftest import shot

pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LAPTOP = {"width": 1280, "height": 800}

# What sticks out: a section wider inside than on the screen, or a button right of the window.
OVERFLOW_JS = """() => ({
  page: document.documentElement.scrollWidth - innerWidth,
  sections: [...document.querySelectorAll('main section')]
    .filter((s) => s.scrollWidth > s.clientWidth + 1)
    .map((s) => s.querySelector('h2').innerText.split('\\n')[0] + ': '
      + (s.scrollWidth - s.clientWidth) + ' px'),
  buttons: [...document.querySelectorAll('main table button')]
    .filter((b) => {
      const box = b.getBoundingClientRect(), held = b.closest('section').getBoundingClientRect();
      return box.right > Math.min(innerWidth, held.right) + 1;
    })
    .map((b) => b.innerText),
})"""


def longest_category(language: str) -> str:
    with translation.override(language):
        return max(Category.values, key=lambda code: len(str(Category(code).label)))


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_on_a_laptop_the_boards_columns_and_buttons_stay_on_the_screen(
    server: str, browser: Any, personas: Any, language: str
) -> None:
    # given: district A's widest shift, its units named as the oblast names them
    units_heard_now(personas)
    for unit, callsign in (
        (personas.a.patrol, "AYG-PC12"),
        (personas.a.inspector_unit, "AYG-UI15"),
    ):
        unit.callsign = callsign
        unit.save(update_fields=["callsign"])
    now = clock.now()
    village = personas.a.village
    village.name, village.name_kk = "Большая Владимировка", "Үлкен Владимировка"
    village.save(update_fields=["name", "name_kk"])
    summary = "Соседи слышат крики, заявительница просит приехать быстрее, адрес у магазина"
    factories.incident(
        district=personas.a.district, settlement=village, priority="P2",
        category=longest_category(language), received_at=now - dt.timedelta(minutes=110),
        summary=summary,
    )  # fmt: skip
    crewed = factories.incident(
        district=personas.a.district, settlement=village, priority="P1",
        category="domestic_violence", received_at=now - dt.timedelta(minutes=12),
        summary=summary,
    )  # fmt: skip
    incident_dispatch(incident=crewed, unit=personas.a.inspector_unit, by=personas.duty)
    sent = incident_dispatch(incident=crewed, unit=personas.a.patrol, by=personas.duty)
    assignment_message(assignment=sent, by=personas.duty, text="Заявительница: у него нож")
    Unit.objects.filter(pk=personas.a.inspector_unit.pk).update(
        last_contact_at=now - dt.timedelta(hours=22, minutes=46),
        position_at=now - dt.timedelta(hours=22, minutes=53),
    )

    # when: the desk opens the board on its laptop
    page = board_page(browser, server, personas.duty, language=language, viewport=LAPTOP)
    page.wait_for_selector("#assignments tr button.message")
    page.wait_for_selector("#incidents tr button.cancel")

    # then: nothing runs off the screen or out of its section
    shot(page, f"board-laptop-{language}")
    assert page.evaluate(OVERFLOW_JS) == {"page": 0, "sections": [], "buttons": []}
    assert page.kuzet_errors == []
