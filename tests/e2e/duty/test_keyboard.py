"""The 102 call-taker at 3 a.m. with the headset on and one hand on the keyboard: the desk's
home, "Take a call", the call typed and saved, the recommended unit sent, "on scene" heard by
radio — Tab, Enter, arrows and typing only, in Russian and in Kazakh, and what a screen reader
reads for each field and button. Screenshots: ``var/screenshots/duty/keyboard-*.png``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from backend.common import clock
from backend.dispatch.models import Assignment, Incident
from backend.dispatch.services import incident_dispatch
from backend.people.models import Unit
from tests import factories
from tests.e2e.browser import contrast

from .conftest import log_in, open_call_form, shot

sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")
expect = sync_api.expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LANGUAGES = ["ru", "kk"]
# The words the page shows, from the catalogs (backend/locale/*/django.po).
DISPATCHED = {"ru": "направлен на вызов", "kk": "шақыруына жіберілді"}
DISPATCH = {"ru": "Направить", "kk": "Жіберу"}
NO_MATCH = {
    "ru": "В ваших районах нет подходящего населённого пункта.",
    "kk": "Сіздің аудандарыңызда сәйкес елді мекен жоқ.",
}


def focused(page: Any, attribute: str = "id") -> str:
    return str(page.evaluate(f"document.activeElement && document.activeElement.{attribute}"))


def described_by(page: Any, selector: str) -> str:
    """What a screen reader reads after a field's name: the text of the elements its
    aria-describedby names, empty ones left out ("<missing>" for an id not on the page)."""
    return str(
        page.eval_on_selector(
            selector,
            """e => (e.getAttribute('aria-describedby') || '').split(/\\s+/).filter(Boolean)
                 .map(id => document.getElementById(id))
                 .map(d => d ? d.textContent.trim() : '<missing>')
                 .filter(t => t !== '').join(' | ')""",
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


@pytest.mark.parametrize("language", LANGUAGES)
def test_from_the_desk_to_a_unit_on_scene_with_the_keyboard_only(
    server: str, browser: Any, personas: Any, language: str
) -> None:
    # given: a duty officer on the desk's home; the village's inspector lives in Aktogay
    village = personas.a.village
    village.name_kk = "Ақтоғай"
    village.save(update_fields=["name_kk"])
    unit = personas.a.inspector_unit
    page = log_in(browser, server, personas.duty, language=language)
    keys = 0

    def press(key: str) -> None:
        nonlocal keys
        keys += 1
        page.keyboard.press(key)

    # when: "Take a call", a DV call in Aktogay typed field by field, Enter saves
    open_call_form(page, server)
    page.keyboard.type("Айгерим")
    press("Tab")
    page.keyboard.type("8 777 123 45 67")
    press("Tab")
    page.keyboard.type("Ақтоғай" if language == "kk" else "Актогай")
    page.wait_for_selector("#call-place-options li[role=option]")
    press("Enter")
    for _ in range(3):
        press("Tab")
    assert focused(page) == "id_category"
    press("ArrowDown")  # the first category: domestic violence
    assert page.input_value("#id_category") == "domestic_violence"
    press("Tab")
    press("Tab")
    page.keyboard.type("муж бьёт жену")
    with page.expect_navigation():
        press("Enter")
    incident = Incident.objects.get()

    # then: the incident's page opens with the focus on the recommended unit's Dispatch,
    # whose name says which unit it sends
    page.wait_for_function(
        "() => document.activeElement && document.activeElement.id.startsWith('kuzet-dispatch-')",
        timeout=5_000,
    )
    button = page.locator(":focus")
    expect(button).to_have_accessible_name(f"{DISPATCH[language]} {unit.callsign}")
    assert button.evaluate("e => e.closest('tr').dataset.unit") == unit.callsign
    shot(page, f"keyboard-dispatch-{language}")

    # when: Enter sends it
    press("Enter")

    # then: the unit is sent, and the focus is on what the panel says about it, not lost
    # at the top of the page
    notice = page.locator("#panel ul.messagelist")
    notice.wait_for(timeout=15_000)
    assert DISPATCHED[language] in notice.inner_text()
    assert incident.assignments.get().unit == unit
    page.wait_for_function(
        "() => document.activeElement && document.activeElement.closest('#panel') !== null",
        timeout=5_000,
    )
    assert page.evaluate("document.activeElement.matches('ul.messagelist')")

    # when: "on scene" heard by radio: Tab to the unit's report, pick "on scene", the radio,
    # Tab to Record, Enter
    press("Tab")
    assert page.evaluate("document.activeElement.name") == "kind"
    page.select_option("#panel form.kuzet-record select[name=kind]", "on_scene")
    press("Tab")
    page.select_option("#panel form.kuzet-record select[name=channel]", "radio")
    while page.evaluate("document.activeElement.type") != "submit":
        press("Tab")
        assert keys < 60
    press("Enter")

    # then: recorded, and the focus is again on the panel's notice
    page.wait_for_function(
        "() => document.activeElement && document.activeElement.matches('#panel ul.messagelist')",
        timeout=15_000,
    )
    assignment = incident.assignments.get()
    assert assignment.status == "on_scene"
    shot(page, f"keyboard-on-scene-{language}")
    assert page.kuzet_errors == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_p0_with_every_unit_busy_is_diverted_to_with_the_keyboard(
    server: str, browser: Any, personas: Any, language: str
) -> None:
    # given: both units of district A on P3 calls, then a P0 fight in Ayagoz
    a = personas.a
    noise = factories.incident(
        district=a.district, settlement=a.town, category="noise", priority="P3"
    )
    information = factories.incident(
        district=a.district, settlement=a.village, category="information", priority="P3"
    )
    incident_dispatch(incident=noise, unit=a.patrol, by=personas.duty)
    incident_dispatch(incident=information, unit=a.inspector_unit, by=personas.duty)
    fight = factories.incident(
        district=a.district, settlement=a.town, category="violence", priority="P0"
    )
    page = log_in(browser, server, personas.duty, language=language)
    asked: list[str] = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))

    # when: the fight's page
    page.goto(f"{server}/admin/dispatch/incident/{fight.pk}/change/")
    rows = page.locator("table.kuzet-divertible tr.kuzet-unit")
    rows.first.wait_for()

    # then: each "Divert here" names the unit it takes off its call
    assert rows.evaluate_all("rows => rows.map(r => r.dataset.unit)") == ["A-PC1", "A-UI1"]
    for i in range(rows.count()):
        callsign = rows.nth(i).get_attribute("data-unit")
        button = rows.nth(i).locator("input[type=submit]")
        expect(button).to_have_accessible_name(f"{button.evaluate('e => e.value')} {callsign}")

    # when: Tab to the first one, Enter, and the question answered
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate(
            "document.activeElement.closest('table.kuzet-divertible') !== null"
            " && document.activeElement.type === 'submit'"
        ):
            break
    page.keyboard.press("Enter")

    # then: asked once, the unit diverted, the focus on the panel's notice
    page.wait_for_function(
        "() => document.activeElement && document.activeElement.matches('#panel ul.messagelist')",
        timeout=15_000,
    )
    assert len(asked) == 1
    assert noise.number in asked[0]
    assert Assignment.objects.get(incident=fight).unit == a.patrol
    shot(page, f"keyboard-diverted-{language}")
    assert page.kuzet_errors == []


def test_when_the_server_does_not_answer_the_focus_goes_to_the_panels_error(
    server: str, browser: Any, personas: Any
) -> None:
    # given: a call waiting for a unit, its page open, the link to the server lost
    incident = factories.incident(
        district=personas.a.district, settlement=personas.a.village, category="violence"
    )
    page = log_in(browser, server, personas.duty, language="ru")
    page.goto(f"{server}/admin/dispatch/incident/{incident.pk}/change/")
    page.wait_for_selector("#kuzet-dispatch")
    page.route(f"**/incident/{incident.pk}/dispatch/", lambda route: route.abort())

    # when: Enter on the recommended unit's Dispatch, which has the focus
    page.wait_for_function(
        "() => document.activeElement && document.activeElement.id.startsWith('kuzet-dispatch-')",
        timeout=5_000,
    )
    page.keyboard.press("Enter")

    # then: nothing sent, and the focus is on the panel's "No answer from the server"
    error = page.locator("#panel .kuzet-panel-error")
    error.wait_for()
    page.wait_for_function(
        "() => document.activeElement && document.activeElement.matches('.kuzet-panel-error')",
        timeout=5_000,
    )
    assert error.inner_text().strip() != ""
    assert not Assignment.objects.exists()


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_phone_number_short_of_a_digit_is_said_under_the_field_when_tabbing_on(
    server: str, browser: Any, personas: Any, language: str
) -> None:
    # given: the call form
    page = log_in(browser, server, personas.duty, language=language)
    open_call_form(page, server)

    # when: a number one digit short, Tab on to the settlement
    page.keyboard.press("Tab")
    page.keyboard.type("8 777 123 45 6")
    page.keyboard.press("Tab")

    # then: the warning is shown under the phone in the officer's language and read with it,
    # while the caller is still on the line to say the number again
    warning = page.locator("#row-caller_phone .call-warning-text")
    expect(warning).to_be_visible()
    words = {
        "ru": "Пока не казахстанский номер: +7 7XX XXX XX XX",
        "kk": "Әзірге Қазақстан нөмірі емес: +7 7XX XXX XX XX",
    }[language]
    assert warning.inner_text() == f"⚠ {words}"
    assert words in described_by(page, "#id_caller_phone")
    assert contrast(page, "#row-caller_phone .call-warning-text") >= 4.5
    shot(page, f"keyboard-phone-short-{language}")

    # when: back to it, the missing digit typed, Tab
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("End")
    page.keyboard.type("7")
    page.keyboard.press("Tab")

    # then: the warning is gone
    expect(warning).to_be_hidden()
    assert page.kuzet_errors == []


# What the eye gets of an element: the product of its own and its ancestors' opacity. The
# contrast helper reads colours only; a row faded to 75 % passes it and is not read at 3 a.m.
_OPACITY_JS = """e => { let o = 1; for (let n = e; n && n.nodeType === 1; n = n.parentElement)
    o *= Number(getComputedStyle(n).opacity); return o; }"""


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_stale_or_unreachable_units_row_and_its_dispatch_are_read_at_full_contrast(
    server: str, browser: Any, personas: Any, language: str
) -> None:
    # given: A-PC1 heard just now but its position an hour old (stale); A-UI1 silent for an
    # hour (unreachable); a fight in Aktogay waiting
    a = personas.a
    now = clock.now()
    Unit.objects.filter(pk=a.patrol.pk).update(
        last_contact_at=now, last_contact_via="pull", position_at=now - dt.timedelta(hours=1)
    )
    Unit.objects.filter(pk=a.inspector_unit.pk).update(
        last_contact_at=now - dt.timedelta(hours=1), last_contact_via="sms"
    )
    fight = factories.incident(district=a.district, settlement=a.village, category="violence")
    page = log_in(browser, server, personas.duty, language=language)

    # when: its page
    page.goto(f"{server}/admin/dispatch/incident/{fight.pk}/change/")
    page.wait_for_selector("#kuzet-dispatch")
    stale = page.locator(f"#kuzet-dispatch tr.kuzet-stale[data-unit='{a.patrol.callsign}']")
    silent_row = f"#kuzet-dispatch tr.kuzet-unreachable[data-unit='{a.inspector_unit.callsign}']"
    silent = page.locator(silent_row)
    shot(page, f"keyboard-stale-rows-{language}")

    # then: both rows say so in words, and every word and button is drawn at full strength
    # and at WCAG AA contrast
    assert stale.count() == 1
    assert silent.count() == 1
    for unit in (a.patrol, a.inspector_unit):
        row = f"#kuzet-dispatch tr[data-unit='{unit.callsign}']"
        for part in ("strong", "td:nth-child(3)", "input[type=submit]"):
            element = page.locator(f"{row} {part}").first
            assert element.evaluate(_OPACITY_JS) == 1, (unit.callsign, part)
            assert contrast(page, f"{row} {part}") >= 4.5, (unit.callsign, part)
    assert contrast(page, f"{silent_row} .kuzet-warning") >= 4.5
    assert page.kuzet_errors == []


def test_a_more_urgent_repeat_call_raises_its_original_and_says_so(
    server: str, browser: Any, personas: Any
) -> None:
    # given: a DV call from Aktogay 10 minutes ago, P1, its unit on the way
    a = personas.a
    earlier = factories.incident(
        district=a.district,
        settlement=a.village,
        category="domestic_violence",
        priority="P1",
        status="assigned",
        received_at=clock.now() - dt.timedelta(minutes=10),
    )
    page = log_in(browser, server, personas.duty)
    open_call_form(page, server)

    # when: the neighbour calls: he is beating her now — the same house, typed as P0
    page.keyboard.type("Сосед")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.type("акто")
    page.wait_for_selector("#call-place-options li[role=option]")
    page.keyboard.press("Enter")
    page.select_option("#id_category", "domestic_violence")
    page.select_option("#id_priority", "P0")
    page.fill("#id_description", "бьёт её прямо сейчас")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    # then: linked to the earlier call, which is raised to P0 (its unit on P0 deadlines),
    # and the page says so
    repeat = Incident.objects.exclude(pk=earlier.pk).get()
    assert (repeat.duplicate_of_id, repeat.priority) == (earlier.pk, "P0")
    earlier.refresh_from_db()
    assert earlier.priority == "P0"
    notices = page.locator("ul.messagelist").inner_text()
    assert (
        f"This repeat call is P0: {earlier.number}, which it follows, was P1 and is now P0 "
        "too, its unit on P0 deadlines."
    ) in notices
    shot(page, "keyboard-urgent-repeat")
    assert page.kuzet_errors == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_misspelt_village_with_no_match_is_said_to_a_screen_reader(
    server: str, browser: Any, personas: Any, language: str
) -> None:
    # given: the call form
    page = log_in(browser, server, personas.duty, language=language)
    open_call_form(page, server)

    # when: the village as the caller said it, which no settlement is called
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.type("Актагайск")
    page.locator("#call-place-options .call-option-none").wait_for()

    # then: what the list shows is also said in a live region (a list with no option in it
    # is read as nothing), in the officer's language
    shown = page.locator("#call-place-options .call-option-none").inner_text()
    assert shown == NO_MATCH[language]
    status = page.locator("#call-place-status")
    assert status.get_attribute("aria-live") == "polite"
    expect(status).to_have_text(shown)

    # when: a name that matches
    page.keyboard.press("Control+A")
    page.keyboard.type("акто")
    page.wait_for_selector("#call-place-options li[role=option]")

    # then: the status is quiet again (the active option is read instead)
    expect(status).to_have_text("")
    assert page.kuzet_errors == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_call_with_its_unit_on_the_way_opens_at_what_the_unit_reported(
    server: str, browser: Any, personas: Any, language: str
) -> None:
    # given: a fight in Aktogay, A-UI1 sent to it; the radio says it is on scene
    a = personas.a
    fight = factories.incident(district=a.district, settlement=a.village, category="violence")
    sent = incident_dispatch(incident=fight, unit=a.inspector_unit, by=personas.duty)
    page = log_in(browser, server, personas.duty, language=language)

    # when: the call's page (from the board or the list), then Tab
    page.goto(f"{server}/admin/dispatch/incident/{fight.pk}/change/")
    page.wait_for_selector("#kuzet-assignments")
    page.keyboard.press("Tab")

    # then: one Tab, not forty past the menu, reaches what the unit reported
    assert page.evaluate("document.activeElement.name") == "kind"
    assert page.evaluate("document.activeElement.closest('tr').dataset.assignment") == str(sent.pk)
    assert page.kuzet_errors == []
