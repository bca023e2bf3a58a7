"""What an officer reads on the field app stays readable, in a real browser (Debian's
chromium, 390 × 844 like the QA's phone, against uvicorn on PostgreSQL), in Kazakh (which
runs longest) and Russian: the calls the unit finished, the SOS button while it is held, a
call's number, the outcome form's registry number (and on the way the distance's decimal
comma and a desk call's summary said once).

Screenshots: var/screenshots/field/3x-*.png.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from backend.dispatch.models import Event
from tests.e2e import browser
from tests.e2e.browser import launch_phone, screenshot

from .conftest import enrolment_code
from .phone import enrol, wait_for

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
QA_PHONE = {"viewport": {"width": 390, "height": 844}}
MILESTONES = {
    "kk": ["Қабылдадым", "Жолдамын", "Орнындамын", "Аяқтадым"],
    "ru": ["Принял", "В пути", "На месте", "Освободился"],
}
# How much of an element is drawn: the product of its own and its ancestors' opacity (the
# contrast helper reads colours, which opacity does not change).
OPACITY = """el => {
  let seen = 1
  for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
    seen *= Number(getComputedStyle(node).opacity)
  }
  return seen
}"""


def dispatch_call(duty_api, district, unit, **fields):
    """The duty officer enters a 102 call in the district's town and dispatches ``unit``."""
    body = {
        "received_at": dt.datetime.now(dt.UTC).isoformat(),
        "category": "noise",
        "settlement_kato": district.town.kato,
        "landmark": "ул. Абая 12, у магазина «Арман»",
        "summary": "Громкая музыка у соседей после полуночи",
        "caller": {"name": "Айгуль", "phone": "+7 707 123 45 67"},
        **fields,
    }
    incident = duty_api.post("/api/v1/incidents/", body)
    duty_api.post(f"/api/v1/incidents/{incident['id']}/assignments/", {"unit_id": unit.pk})
    return incident


def speak(page, server, lang: str) -> None:
    """Switch the app's language on the unit screen (the phone enrols in Russian)."""
    if lang == "kk":
        page.locator("a.unit-chip").click()
        page.get_by_role("button", name="Қазақша").click()
    page.goto(f"{server.url}/app/#/")


@contextmanager
def officer_phone(driver, profile, server, officer, lang: str, **launch) -> Iterator[Any]:
    """The QA-sized phone of ``officer``, enrolled and reading ``lang``: its page."""
    phone = launch_phone(driver, profile, **QA_PHONE, **launch)
    page = phone.pages[0]
    enrol(page, server, enrolment_code(officer.username))
    speak(page, server, lang)
    yield page
    phone.close()


def work_to_cleared(page, lang: str) -> None:
    for name in MILESTONES[lang]:
        page.get_by_role("button", name=name, exact=True).click()
        expect(page.get_by_role("button", name=name)).to_contain_text("✓")


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_a_finished_call_reads_at_full_contrast(field_server, duty_api, personas, profile, lang):
    # given: a call the officer has worked to cleared
    a = personas.a
    with (
        browser.playwright() as driver,
        officer_phone(driver, profile, field_server, a.patrol_officers[0], lang) as page,
    ):
        incident = dispatch_call(duty_api, a, a.patrol)
        page.locator("a.call", has_text=incident["number"]).click()
        work_to_cleared(page, lang)

        # when: back on the list
        page.go_back()
        card = page.locator("ul.calls.closed a.call")
        expect(card).to_have_count(1)
        screenshot(page, SUITE, f"30-finished-call-{lang}")

        # then: its grey text is drawn whole (no opacity) at WCAG AA contrast or better
        # (no status of its own: its time line says how it ended, once)
        expect(page.locator("ul.calls.closed a.call .status")).to_have_count(0)
        for part in (".category", ".call-place", ".call-age"):
            selector = f"ul.calls.closed a.call {part}"
            assert page.locator(selector).first.evaluate(OPACITY) == 1, part
            assert browser.contrast(page, selector) >= 4.5, part


# Every element inside ``root`` that holds text of its own.
TEXT_HOLDERS = """root => [...root.querySelectorAll('*')].filter((el) =>
  [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim()))"""


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_the_sos_button_reads_while_it_is_held(field_server, duty_api, personas, profile, lang):
    # given: the SOS confirmation open
    a = personas.a
    with (
        browser.playwright() as driver,
        officer_phone(driver, profile, field_server, a.patrol_officers[0], lang) as page,
    ):
        page.get_by_role("button", name="SOS").click()
        hold = page.locator(".sos-hold")
        box = hold.bounding_box()

        # when: the officer holds it, and the red has covered half of it
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.down()
        page.evaluate("document.getAnimations().forEach((a) => { a.pause(); a.currentTime = 600 })")
        expect(hold).to_have_class("sos-hold holding")

        # then: every text in the button reads against what is behind it
        texts = hold.evaluate_handle(TEXT_HOLDERS)
        ratios = [
            texts.evaluate(f"(list) => ({browser._CONTRAST_JS})(list[{i}])")
            for i in range(texts.evaluate("(list) => list.length"))
        ]
        screenshot(page, SUITE, f"31-sos-holding-{lang}")
        page.mouse.up()
        assert ratios
        assert min(ratios) >= 4.5, ratios


# How many lines ``needle`` takes inside ``root``'s text (0 where it is not there).
LINES_OF = """([root, needle]) => {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT)
  const nodes = []
  let text = ''
  while (walker.nextNode()) {
    nodes.push({ node: walker.currentNode, at: text.length })
    text += walker.currentNode.data
  }
  const start = text.indexOf(needle)
  if (start < 0) return 0
  const end = start + needle.length
  const range = document.createRange()
  const first = nodes.findLast((n) => n.at <= start)
  const last = nodes.findLast((n) => n.at < end)
  range.setStart(first.node, start - first.at)
  range.setEnd(last.node, end - last.at)
  const rects = [...range.getClientRects()].filter((r) => r.width > 0)
  const tops = []
  for (const r of rects) {
    if (!tops.some((top) => Math.abs(top - r.top) < r.height / 2)) tops.push(r.top)
  }
  return tops.length
}"""


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_a_call_number_is_never_broken_across_lines(
    field_server, duty_api, personas, profile, lang
):
    # given: a call on the phone
    a = personas.a
    with (
        browser.playwright() as driver,
        officer_phone(driver, profile, field_server, a.patrol_officers[0], lang) as page,
    ):
        incident = dispatch_call(duty_api, a, a.patrol)
        number = f"№ {incident['number']}"
        expect(page.locator("a.call", has_text=incident["number"])).to_be_visible()

        # then: on the list and on the call, at every phone width, "№ 1036-2026-000001"
        # stays on one line (it broke at the hyphens, or after a bare "№")
        for screen in ("list", "call"):
            if screen == "call":
                page.locator("a.call", has_text=incident["number"]).click()
                expect(page.locator(".detail-head")).to_contain_text(incident["number"])
            for width in range(300, 431, 2):
                page.set_viewport_size({"width": width, "height": 844})
                lines = page.locator("main").evaluate(f"(root) => ({LINES_OF})([root, {number!r}])")
                assert lines == 1, (screen, width, lines)
            page.set_viewport_size(QA_PHONE["viewport"])
            screenshot(page, SUITE, f"32-call-number-{screen}-{lang}")


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_the_callers_number_is_never_broken_across_lines(
    field_server, duty_api, personas, profile, lang
):
    # given: a call with the caller's phone, open on the phone
    a = personas.a
    with (
        browser.playwright() as driver,
        officer_phone(driver, profile, field_server, a.patrol_officers[0], lang) as page,
    ):
        incident = dispatch_call(duty_api, a, a.patrol)
        page.locator("a.call", has_text=incident["number"]).click()
        button = page.locator("a.call-button")
        expect(button).to_have_attribute("href", "tel:+77071234567")

        # then: at every phone width the number the officer reads out or dials from stays on
        # one line, inside its button (at 360 px in Kazakh it read "+7 707 123 45" over "67")
        for width in range(300, 431, 2):
            page.set_viewport_size({"width": width, "height": 844})
            lines = page.locator("main").evaluate(
                f"(root) => ({LINES_OF})([root, '+7 707 123 45 67'])"
            )
            assert lines == 1, (width, lines)
            assert button.evaluate("(b) => b.scrollWidth <= b.clientWidth"), width
        page.set_viewport_size(QA_PHONE["viewport"])
        screenshot(page, SUITE, f"33-caller-phone-{lang}")


SAVE = {"kk": "Нәтижені сақтау", "ru": "Сохранить результат"}
RULE = {"kk": "латын әріптері", "ru": "латинские буквы"}
KM = {"kk": "3,3 км", "ru": "3,3 км"}


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_the_outcome_form_keeps_a_registry_number_the_server_would_refuse(
    field_server, duty_api, personas, profile, lang
):
    # given: a call entered at the desk (its description repeats the summary), 3.3 km from
    # the phone, worked to cleared
    a = personas.a
    town = a.town
    near_town = {"latitude": town.lat + 0.03, "longitude": town.lon}
    with (
        browser.playwright() as driver,
        officer_phone(
            driver,
            profile,
            field_server,
            a.patrol_officers[0],
            lang,
            geolocation=near_town,
            permissions=["geolocation"],
        ) as page,
    ):
        summary = "Громкая музыка у соседей после полуночи"
        incident = dispatch_call(duty_api, a, a.patrol, description=summary)
        page.locator("a.call", has_text=incident["number"]).click()
        expect(page.locator(".facts")).to_contain_text(KM[lang])
        expect(page.locator(".facts")).not_to_contain_text(f"{summary} — {summary}")
        work_to_cleared(page, lang)

        # when: the ЕРАП number is typed on a Cyrillic keyboard, and saved
        page.locator("#outcome-code").select_option("admin_protocol")
        page.locator("#registry-kind").select_option("erap")
        page.locator("#registry-number").fill("ЕРАП-2026-5521")
        page.get_by_role("button", name=SAVE[lang]).click()

        # then: nothing is queued, and the form says which characters a number takes
        page.wait_for_timeout(500)
        expect(page.locator(".fact[data-kind=outcome]")).to_have_count(0)
        rule = page.locator("#registry-number-rule")
        expect(rule).to_have_class("rule error")
        expect(rule).to_contain_text(RULE[lang])
        expect(page.locator("#registry-number")).to_have_attribute("aria-invalid", "true")
        page.evaluate("document.activeElement.blur()")  # the browser's bubble, off the shot
        screenshot(page, SUITE, f"33-registry-number-refused-{lang}")

        # when: the number in Latin letters
        page.locator("#registry-number").fill("ERAP-2026-5521")
        page.get_by_role("button", name=SAVE[lang]).click()

        # then: the outcome goes, and the server takes it
        expect(page.locator(".fact[data-kind=outcome]")).to_have_count(1)
        outcome = wait_for(
            lambda: Event.objects.filter(kind="outcome", source="app").first(),
            what="the outcome on the server",
        )
        assert outcome.payload["registry_number"] == "ERAP-2026-5521"
        expect(page.locator("form.outcome .saved")).to_contain_text("ERAP-2026-5521")
        screenshot(page, SUITE, f"34-outcome-saved-{lang}")
