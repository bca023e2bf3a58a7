"""A 102 call taken on the headset at a 1366 × 768 laptop, with the keyboard only — sign in,
"Take a call", the call typed while the caller talks, saved, the recommended unit sent — in
Russian and in Kazakh; every key counted. Where the keyboard used to get stuck:

* Enter pressed right after the village's name, before its list came, saved the half-typed
  call (the page came back with the category in error): now it picks the village;
* the address (landmark) sat after the coordinates, one Tab more on every call;
* the call's page opened on the Dispatch list's heading, one Tab from the recommended unit's
  Dispatch: now on that button, Enter sends it — and an Enter still held from the save does
  not;
* the focus was a hairline, dark on the dark Dispatch button: now a 3 px ring with a gap,
  and the unit's row marked.

Screenshots (the screen as the officer sees it, not the whole page):
``var/call_entry_kbd/*.png``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from backend.dispatch.models import Assignment, Incident
from tests.e2e.browser import LOCALES, ROOT
from tests.e2e.processes import set_server_password

sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")
expect = sync_api.expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LAPTOP = {"width": 1366, "height": 768}
PASSWORD = "semey-duty-102"
SHOTS = ROOT / "var" / "call_entry_kbd"
# The words the page shows, from the catalogs (backend/locale/*/django.po).
DISPATCH = {"ru": "Направить", "kk": "Жіберу"}
DISPATCHED = {
    "ru": "{unit} направлен на вызов {number};",
    "kk": "{unit} {number} шақыруына жіберілді;",
}
VILLAGE = {"ru": "Актогай", "kk": "Ақтоғай"}
# What the officer types, field by field (the Tab order of the form).
TAB_ORDER = [
    "id_caller_name",
    "id_caller_phone",
    "id_place",
    "id_landmark",
    "id_coordinates",
    "id_category",
    "id_priority",
    "id_description",
    "call-save",
]


class Keyboard:
    """The officer's hands: every key pressed is counted (a typed word counts as one)."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.keys = 0

    def press(self, key: str, times: int = 1) -> None:
        for _ in range(times):
            self.keys += 1
            self.page.keyboard.press(key)

    def type(self, text: str) -> None:
        self.keys += 1
        self.page.keyboard.type(text)

    def focused(self) -> str:
        return str(self.page.evaluate("document.activeElement ? document.activeElement.id : ''"))

    def wait_focus(self, element_id: str) -> None:
        self.page.wait_for_function(
            "id => document.activeElement && document.activeElement.id === id",
            arg=element_id,
            timeout=10_000,
        )


def shot(page: Any, name: str) -> Path:
    """The viewport as it is, focus ring and all (not scrolled to the top)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def ring(page: Any) -> dict[str, Any]:
    """How the focused element is drawn: its outline, and the colour of its table row."""
    return dict(
        page.evaluate(
            """() => { const e = document.activeElement, s = getComputedStyle(e);
                 const cell = e.closest('td');
                 return {style: s.outlineStyle, width: parseFloat(s.outlineWidth),
                         offset: parseFloat(s.outlineOffset), visible: e.matches(':focus-visible'),
                         row: cell ? getComputedStyle(cell).backgroundColor : null}; }"""
        )
    )


def sign_in(browser: Any, server: str, officer: Any, language: str) -> tuple[Any, Keyboard]:
    """The login page typed into: user name, Tab, password, Enter."""
    officer.language = language
    set_server_password(officer, PASSWORD)
    officer.save(update_fields=["language", "password"])
    context = browser.new_context(
        viewport=LAPTOP, locale=LOCALES[language], timezone_id="Asia/Almaty"
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.kuzet_errors = errors
    page.goto(f"{server}/admin/login/")
    hands = Keyboard(page)
    hands.wait_focus("id_username")
    hands.type(officer.username)
    hands.press("Tab")
    hands.type(PASSWORD)
    with page.expect_navigation():
        hands.press("Enter")
    assert page.url == f"{server}/admin/"
    return page, hands


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_a_call_from_sign_in_to_the_unit_sent_with_the_keyboard_only(
    server: str, browser: Any, personas: Any, aktogay: Any, language: str
) -> None:
    # given: the duty officer signed in with the keyboard, on the desk's home
    unit = personas.a.inspector_unit
    page, hands = sign_in(browser, server, personas.duty, language)

    # when: Enter on the desk's home ("Take a call" has the focus)
    hands.wait_focus("desk-take-call")
    with page.expect_navigation():
        hands.press("Enter")

    # then: the form, the caller's name ready for typing, and Tab walks the fields in the
    # order the caller tells them: where in the village right after the village
    hands.wait_focus("id_caller_name")
    order = [hands.focused()]
    for _ in TAB_ORDER[1:]:
        page.keyboard.press("Tab")
        order.append(hands.focused())
    assert order == TAB_ORDER
    page.keyboard.press("Shift+Tab")
    while hands.focused() != "id_caller_name":
        page.keyboard.press("Shift+Tab")
    shot(page, f"01-form-{language}")

    # when: the caller's name, the phone, the village — and Enter at once, before its list
    # came: the officer typed it whole
    hands.type("Айгерим")
    hands.press("Tab")
    hands.type("8 777 123 45 67")
    hands.press("Tab")
    hands.type(VILLAGE[language])
    hands.press("Enter")

    # then: the village is picked, not the half-typed call saved
    page.wait_for_function("() => document.getElementById('id_settlement').value !== ''")
    assert page.input_value("#id_settlement") == str(aktogay.pk)
    assert page.url == f"{server}/admin/dispatch/incident/add/"
    assert hands.focused() == "id_place"
    assert "Аягоз" in page.inner_text("#call-picked")
    assert not Incident.objects.exists()
    assert ring(page)["width"] >= 3
    shot(page, f"02-village-picked-{language}")

    # when: Tab to the address, Tab past the coordinates, the category (the first one,
    # domestic violence, with ↓), its priority kept, what happened, Enter
    hands.press("Tab")
    assert hands.focused() == "id_landmark"
    hands.type("ул. Абая 5, кв. 2")
    hands.press("Tab", times=2)
    assert hands.focused() == "id_category"
    hands.press("ArrowDown")
    assert page.input_value("#id_category") == "domestic_violence"
    assert page.input_value("#id_priority") == "P1"
    focus = ring(page)
    assert (focus["style"], focus["width"] >= 3, focus["offset"] >= 2) == ("solid", True, True)
    shot(page, f"03-category-{language}")
    hands.press("Tab", times=2)
    assert hands.focused() == "id_description"
    hands.type("муж бьёт жену")
    with page.expect_navigation():
        hands.press("Enter")

    # then: the call's page, the focus on the recommended unit's Dispatch, read as
    # "Dispatch A-UI1", its ring and row seen at once, in the first screen of a laptop
    incident = Incident.objects.get()
    assert (incident.settlement_id, incident.landmark) == (aktogay.pk, "ул. Абая 5, кв. 2")
    button = f"kuzet-dispatch-{unit.pk}"
    hands.wait_focus(button)
    focused = page.locator(":focus")
    expect(focused).to_have_accessible_name(f"{DISPATCH[language]} {unit.callsign}")
    assert focused.evaluate("e => e.closest('tr').dataset.unit") == unit.callsign
    focus = ring(page)
    assert focus["visible"]
    assert (focus["style"], focus["width"] >= 3, focus["offset"] >= 2) == ("solid", True, True)
    other = page.locator("#kuzet-dispatch tr.kuzet-unit td").last.evaluate(
        "e => getComputedStyle(e).backgroundColor"
    )
    assert focus["row"] != other  # the row whose unit Enter sends is marked
    box = focused.bounding_box()
    assert box is not None
    assert box["y"] + box["height"] <= LAPTOP["height"]
    shot(page, f"04-recommended-unit-{language}")

    # when: Enter sends it
    hands.press("Enter")

    # then: sent; the focus on what the panel says about it (read out: the confirmation)
    notice = page.locator("#panel ul.messagelist")
    notice.wait_for(timeout=15_000)
    sent = DISPATCHED[language].format(unit=unit.callsign, number=incident.number)
    assert sent in notice.inner_text()
    page.wait_for_function("() => document.activeElement.matches('#panel ul.messagelist')")
    assert Assignment.objects.get().unit == unit
    shot(page, f"05-dispatched-{language}")

    # and: from the login page to a unit on its way in 21 keys, a word typed counting as one
    # (sign-in 4, "Take a call" 1, the call 15, Dispatch 1): 23 before, the list of the
    # village awaited, the coordinates and the list's heading Tabbed past
    assert hands.keys == 21
    assert page.kuzet_errors == []


def test_an_enter_still_held_from_the_save_does_not_send_the_unit(
    server: str, browser: Any, personas: Any, aktogay: Any
) -> None:
    # given: a call typed on the form
    page, hands = sign_in(browser, server, personas.duty, "ru")
    page.goto(f"{server}/admin/dispatch/incident/add/")
    hands.wait_focus("id_caller_name")
    hands.press("Tab", times=2)
    hands.type("Актогай")
    hands.press("Enter")
    page.wait_for_function("() => document.getElementById('id_settlement').value !== ''")
    hands.press("Tab", times=3)
    hands.press("ArrowDown")
    hands.press("Tab", times=2)
    hands.type("драка у магазина")

    # when: Enter goes down, saves, and is still down when the call's page opens on the
    # recommended unit's Dispatch (the key repeats)
    with page.expect_navigation():
        page.keyboard.down("Enter")
    hands.wait_focus(f"kuzet-dispatch-{personas.a.inspector_unit.pk}")
    page.keyboard.down("Enter")  # a repeat: the key was never let go
    page.keyboard.up("Enter")

    # then: nothing sent
    assert page.evaluate("document.activeElement.id") == (
        f"kuzet-dispatch-{personas.a.inspector_unit.pk}"
    )
    assert not Assignment.objects.exists()

    # when: a fresh Enter
    page.keyboard.press("Enter")

    # then: the unit is sent
    page.locator("#panel ul.messagelist").wait_for(timeout=15_000)
    assert Assignment.objects.get().unit == personas.a.inspector_unit
    assert page.kuzet_errors == []


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("А", "Актогай / Ақтоғай"),  # several villages start so: which one?
        ("Актагай", "Актогай / Ақтоғай"),  # a near miss: asked, never taken unseen
    ],
)
def test_an_early_enter_on_a_name_that_is_not_sure_yet_opens_the_list_and_saves_nothing(
    server: str, browser: Any, personas: Any, aktogay: Any, typed: str, shown: str
) -> None:
    # given: the form, the caller's village being typed
    page, hands = sign_in(browser, server, personas.duty, "ru")
    page.goto(f"{server}/admin/dispatch/incident/add/")
    hands.wait_focus("id_caller_name")
    hands.press("Tab", times=2)

    # when: Enter at once
    hands.type(typed)
    hands.press("Enter")

    # then: the list opens with it for ↓ and Enter; nothing is picked, nothing saved
    options = page.locator("#call-place-options li[role=option]")
    options.first.wait_for()
    assert shown in options.all_inner_texts()[0]
    assert page.input_value("#id_settlement") == ""
    assert page.url == f"{server}/admin/dispatch/incident/add/"
    assert hands.focused() == "id_place"

    # when: Esc
    hands.press("Escape")

    # then: the list closes, the name stays as typed, the focus in the field, nothing saved
    expect(page.locator("#call-place-options")).to_be_hidden()
    assert page.input_value("#id_place") == typed
    assert hands.focused() == "id_place"

    # when: ↓ brings the list back, Enter picks what it offers first
    hands.press("ArrowDown")
    options.first.wait_for()
    hands.press("Enter")

    # then: picked
    assert page.input_value("#id_settlement") != ""
    assert page.input_value("#id_place").startswith(shown.split(" / ")[0])
    assert not Incident.objects.exists()
    assert page.kuzet_errors == []
