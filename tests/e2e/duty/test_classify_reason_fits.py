"""The incident page's "Change category or priority" says in full what its reason is, in
Kazakh, Russian and English, on a 1280 px laptop and on a phone: the hint was the field's
placeholder, and the Kazakh one ("өтініш берушінің не айтқаны, соған байланысты өзгереді
(міндетті)") was cut off after "өтініш берушінің не айт" — the duty officer could not read
what the field asks for. Screenshots: ``var/walk-polish/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests import factories

from .conftest import log_in

pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = Path(__file__).resolve().parents[3] / "var" / "walk-polish"
HINTS = {
    "kk": "өтініш берушінің не айтқаны, соған байланысты өзгереді (міндетті)",
    "ru": "что сказал заявитель, из-за чего он меняется (обязательно)",
    "en": "what the caller said that changes it (required)",
}
# What a text box shows, cut or not: the placeholder's width in the box's own font against
# the room inside it; and the hint's box against the page.
MEASURE = """(form) => {
  const field = form.querySelector('[name=reason]');
  const style = getComputedStyle(field);
  const ctx = document.createElement('canvas').getContext('2d');
  ctx.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
  const room = field.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  const hint = form.querySelector('.kuzet-reason-hint');
  const box = (hint || field).getBoundingClientRect();
  return {
    placeholder: field.placeholder,
    placeholderFits: ctx.measureText(field.placeholder).width <= room,
    hint: hint ? hint.innerText.trim() : '',
    hintCut: hint ? hint.scrollWidth > hint.clientWidth : true,
    right: Math.max(box.right, field.getBoundingClientRect().right),
    name: field.getAttribute('aria-label') || (field.labels[0] ? field.labels[0].innerText : ''),
  };
}"""


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
@pytest.mark.parametrize(
    ("screen", "size"),
    [("laptop", {"width": 1280, "height": 800}), ("phone", {"width": 390, "height": 844})],
)
def test_the_reason_for_a_change_of_category_reads_in_full(
    server: str, browser: Any, personas: Any, language: str, screen: str, size: dict[str, int]
) -> None:
    # given: a call the duty officer may change
    incident = factories.incident(
        district=personas.a.district, settlement=personas.a.town, category="noise", priority="P3"
    )
    page = log_in(browser, server, personas.duty, language=language)
    page.set_viewport_size(size)

    # when
    page.goto(f"{server}/admin/dispatch/incident/{incident.pk}/change/")
    form = page.wait_for_selector("#kuzet-classify")
    form.scroll_into_view_if_needed()
    seen = form.evaluate(MEASURE)
    SHOTS.mkdir(parents=True, exist_ok=True)
    form.screenshot(path=str(SHOTS / f"classify-reason-{screen}-{language}.png"))

    # then: the whole hint on the screen, the box's own words whole, nothing off the side
    assert seen["hint"] == HINTS[language]
    assert not seen["hintCut"]
    assert seen["placeholderFits"], seen["placeholder"]
    assert seen["right"] <= size["width"]
    assert HINTS[language] in seen["name"]
    assert page.kuzet_errors == []
