"""An exercise (training) call on the officer's phone, in a real browser (Debian's chromium at
a cheap phone's 360 px, against uvicorn on PostgreSQL), in Kazakh and Russian: the desk enters
a drill (``Incident.exercise``, sent as ``incidents.exercise``) and a real call for the same
unit. The drill's new-call alert and card carry the word, its screen opens under the striped
banner, readable and covering nothing; the real call shows none of it — a crew must know a
drill before it drives at speed, and never take a real emergency for one.

Screenshots: var/screenshots/field/exercise-{kk,ru}.png (the drill's screen),
exercise-list-{kk,ru}.png (the calls list), exercise-real-call-{kk,ru}.png.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e import browser
from tests.e2e.browser import PHONE, launch_phone, screenshot

from .conftest import enrolment_code
from .phone import enrol, wait_for
from .test_readable_screens import LINES_OF, dispatch_call, speak, work_to_cleared

expect = pytest.importorskip(
    "playwright.sync_api", reason="the playwright package is missing"
).expect

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

SUITE = "field"
WORD = {"kk": "Оқу-жаттығу", "ru": "Учения"}
BANNER = {"kk": "ОҚУ-ЖАТТЫҒУ", "ru": "УЧЕНИЯ"}
HINT = {
    "kk": "Бұл оқу шақыруы, нақты оқиға емес.",
    "ru": "Это учебный вызов, не настоящее происшествие.",
}
NEW_CALL = {"kk": "Жаңа шақыру", "ru": "Новый вызов"}
ACCEPT = {"kk": "Қабылдадым", "ru": "Принял"}
BACK = {"kk": "‹ Артқа", "ru": "‹ Назад"}
# The lowest WCAG contrast of an element's text against each colour of its ancestors'
# background stripes (a gradient: the shared helper sees only background-color).
STRIPES_CONTRAST = """el => {
  const rgb = c => c.match(/[\\d.]+/g).map(Number);
  const lum = ([r, g, b]) => {
    const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  let node = el, stops = [];
  while (node && node.nodeType === 1 && !stops.length) {
    stops = getComputedStyle(node).backgroundImage.match(/rgba?\\([^)]*\\)/g) || [];
    node = node.parentElement;
  }
  const text = lum(rgb(getComputedStyle(el).color));
  return Math.min(...stops.map((s) => {
    const [a, b] = [text, lum(rgb(s))].sort((x, y) => y - x);
    return (a + 0.05) / (b + 0.05);
  }));
}"""


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_an_exercise_call_says_so_and_a_real_call_does_not(
    field_server, duty_api, personas, profile, lang
):
    # given: an officer of A's patrol car, his phone (360 px) enrolled and reading ``lang``
    a = personas.a
    with browser.playwright() as driver:
        phone = launch_phone(driver, profile)
        page = phone.pages[0]
        enrol(page, field_server, enrolment_code(a.patrol_officers[0].username))
        speak(page, field_server, lang)
        back = BACK[lang]

        # when: the desk dispatches a drill to his unit
        drill = dispatch_call(
            duty_api, a, a.patrol, exercise=True, summary="Учебный вызов: шум во дворе"
        )
        assert drill["exercise"] is True

        # then: its new-call alert names it an exercise, after the priority
        alert = page.locator(".alert")
        expect(alert).to_have_count(1, timeout=30_000)
        expect(alert.locator(".alert-title")).to_have_text(
            re.compile(rf"^{NEW_CALL[lang]}: .+ · {WORD[lang]}$")
        )
        alert.click()

        # and the call opens under the banner, above its header, in the officer's language
        banner = page.locator(".banner.exercise")
        expect(banner).to_be_visible()
        expect(banner.locator(".exercise-title")).to_have_text(BANNER[lang])
        expect(banner).to_contain_text(HINT[lang])
        expect(banner).not_to_contain_text("EXERCISE")
        expect(page.locator(".detail-head")).to_contain_text(drill["number"])
        gap = page.evaluate(
            "() => document.querySelector('.detail-head').getBoundingClientRect().top"
            " - document.querySelector('.banner.exercise').getBoundingClientRect().bottom"
        )
        screenshot(page, SUITE, f"exercise-{lang}")
        assert gap >= 0, gap

        # readable: its words at WCAG AA against both stripes, the title on one line
        for part in (".exercise-title", "p:not(.exercise-title)"):
            ratio = banner.locator(part).evaluate(STRIPES_CONTRAST)
            assert ratio >= 4.5, (part, ratio)
        lines = page.locator("main").evaluate(f"(root) => ({LINES_OF})([root, {BANNER[lang]!r}])")
        assert lines == 1, lines
        # nothing wider than the phone, no button under it
        assert page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )
        assert banner.evaluate("(b) => b.scrollWidth <= b.clientWidth")
        page.get_by_role("button", name=ACCEPT[lang], exact=True).click(trial=True)
        page.get_by_role("link", name=back).click(trial=True)
        screenshot(page, SUITE, f"exercise-{lang}")

        # and its card, still open, carries the word beside its status, inside the card
        page.get_by_role("link", name=back).click()
        card = page.locator("a.call", has_text=drill["number"])
        expect(card.locator(".exercise-badge")).to_have_text(WORD[lang])
        expect(card.locator(".status")).to_be_visible()
        # (at 360 px in Kazakh it broke into "ОҚУ-" over "ЖАТТЫҒУ")
        for width in range(320, 431, 10):
            page.set_viewport_size({"width": width, "height": 740})
            lines = card.evaluate(f"(root) => ({LINES_OF})([root, {WORD[lang]!r}])")
            assert lines == 1, (width, lines)
            assert card.evaluate("(c) => c.scrollWidth <= c.clientWidth"), width
            assert card.locator(".call-top > *").evaluate_all(
                "(parts) => parts.every((p) => p.getBoundingClientRect().right"
                " <= p.closest('a.call').getBoundingClientRect().right)"
            ), width
        page.set_viewport_size(PHONE["viewport"])
        screenshot(page, SUITE, f"exercise-list-open-{lang}")
        card.click()

        # when: the crew works the drill as any call, and the desk dispatches a real call to
        # the unit, free again
        work_to_cleared(page, lang)
        page.get_by_role("link", name=back).click()
        unit = a.patrol

        def unit_free() -> bool:
            unit.refresh_from_db()
            return unit.status == "available"

        wait_for(unit_free, what="the unit free on the server")
        real = dispatch_call(duty_api, a, a.patrol, summary="Громкая музыка у соседей")
        assert real["exercise"] is False

        # then: its alert carries no exercise word
        expect(alert).to_have_count(1, timeout=30_000)
        expect(alert.locator(".alert-title")).to_have_text(re.compile(rf"^{NEW_CALL[lang]}: "))
        expect(alert.locator(".alert-title")).not_to_contain_text(WORD[lang])
        alert.click()

        # and its screen no banner
        expect(page.locator(".detail-head")).to_contain_text(real["number"])
        expect(page.get_by_role("button", name=ACCEPT[lang], exact=True)).to_be_visible()
        expect(page.locator(".banner.exercise")).to_have_count(0)
        expect(page.locator("main")).not_to_contain_text(BANNER[lang])
        screenshot(page, SUITE, f"exercise-real-call-{lang}")

        # and on the list: the drill's card says the word, readable; the real call's does not
        page.get_by_role("link", name=back).click()
        drill_card = page.locator("a.call", has_text=drill["number"])
        real_card = page.locator("a.call", has_text=real["number"])
        expect(drill_card.locator(".exercise-badge")).to_have_text(WORD[lang])
        expect(real_card).to_be_visible()
        expect(real_card.locator(".exercise-badge")).to_have_count(0)
        expect(real_card).not_to_contain_text(WORD[lang])
        assert browser.contrast(page, "a.call .exercise-badge") >= 4.5
        assert drill_card.evaluate("(c) => c.scrollWidth <= c.clientWidth")
        assert page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )
        screenshot(page, SUITE, f"exercise-list-{lang}")
        phone.close()
