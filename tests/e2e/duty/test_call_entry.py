"""A duty officer of the Semey ЦОУ takes a 102 call in a real browser (Debian's chromium
driven by Playwright), with the keyboard only after one click on "Take a call": caller,
phone, the village picked from the type-ahead with ↓/Enter, the open call already reported
in that village shown while typing, the category (its priority follows), what happened,
Enter — and the incident's page opens with the call saved and the nearest unit on top; one
click sends it. At most five actions from the incident list to a dispatched unit.
Screenshots: ``var/screenshots/duty/``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from typing import Any

import pytest

from backend.common import clock
from backend.dispatch.models import Incident
from tests import factories

from .conftest import log_in, shot

sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")
PlaywrightTimeout = sync_api.TimeoutError

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def has_focus(page: Any, element_id: str) -> bool:
    """Whether the field gets the focus once the page has loaded. A page's autofocus, and the
    script that moves it to the first wrong field, run when the page is drawn — in a headless
    browser on a busy machine that can be after the form is in the DOM."""
    try:
        page.wait_for_function(
            "id => document.activeElement && document.activeElement.id === id",
            arg=element_id,
            timeout=5_000,
        )
    except PlaywrightTimeout:
        return False
    return True


def test_a_duty_officer_takes_a_call_and_sends_the_nearest_unit_in_five_actions(
    server: str, browser: Any, personas: Any
) -> None:
    # given: a fight reported from Aktogay 12 minutes ago, a unit already sent
    village = personas.a.village
    village.name_kk = "Ақтоғай"
    village.save(update_fields=["name_kk"])
    earlier = factories.incident(
        district=personas.a.district,
        settlement=village,
        category="violence",
        priority="P0",
        status="assigned",
        summary="драка у магазина",
        received_at=clock.now() - dt.timedelta(minutes=12),
    )
    page = log_in(browser, server, personas.duty)
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    actions: list[str] = []  # what the officer does beyond typing into the field in focus
    page.goto(f"{server}/admin/dispatch/incident/")
    shot(page, "01-incident-list")

    # when: "Take a call"
    page.click("#take-a-call")
    actions.append("click Take a call")
    page.wait_for_selector("#call-form")

    # then: the caller's field has the focus (autofocus lands when the page is first drawn)
    assert has_focus(page, "id_caller_name")
    assert page.inner_text("h1") == "Take a call"
    shot(page, "02-call-form")

    # when: caller and phone, Tab between them, then the start of the village's name
    page.keyboard.type("Айгерим Сапарова")
    page.keyboard.press("Tab")
    page.keyboard.type("8 701 234 56 78")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_place"
    page.keyboard.type("акто")
    page.wait_for_selector("#call-place-options li[role=option]")

    # then: the type-ahead offers the village under its Russian and Kazakh names
    option = page.locator("#call-place-options li[role=option]").first
    assert option.inner_text().startswith("Актогай / Ақтоғай")
    assert option.get_attribute("aria-selected") == "true"
    shot(page, "03-settlement-type-ahead")

    # when: Enter picks it
    page.keyboard.press("Enter")
    actions.append("Enter: pick the settlement")

    # then: picked, and the open call of that village is shown as a probable duplicate
    assert page.input_value("#id_place") == "Актогай / Ақтоғай"
    assert "Аягозский район" in page.inner_text("#call-picked")
    warning = page.locator("#call-nearby-list li").first
    warning.wait_for()
    assert earlier.number in warning.inner_text()
    assert "same settlement" in warning.inner_text()
    assert warning.locator("a").get_attribute("href") == (
        f"/admin/dispatch/incident/{earlier.pk}/change/"
    )
    shot(page, "04-probable-duplicate")

    # when: Tab to the landmark, right after the village; past the coordinates; the
    # category chosen by typing its name
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_landmark"
    page.keyboard.type("двор за школой")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_coordinates"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_category"
    page.keyboard.type("Theft")
    actions.append("type: choose the category")

    # then: the priority follows the category, and says so
    assert page.input_value("#id_category") == "theft"
    assert page.input_value("#id_priority") == "P2"
    assert page.inner_text("#call-priority-note") == "(default for this category)"

    # when: what happened, and Enter saves
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_description"
    page.keyboard.type("Угнали мотоцикл со двора")
    shot(page, "05-call-filled")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    actions.append("Enter: save")

    # then: the incident's page, the call saved as typed
    incident = Incident.objects.exclude(pk=earlier.pk).get()
    assert re.search(rf"/admin/dispatch/incident/{incident.pk}/change/(\?call=\w+)?$", page.url)
    assert f"Call {incident.number} saved." in page.inner_text("ul.messagelist")
    assert (
        incident.channel,
        incident.status,
        incident.category,
        incident.priority,
        incident.settlement_id,
        incident.caller_name,
        incident.caller_phone,
        incident.landmark,
        incident.description,
        incident.created_by_id,
    ) == (
        "phone_102",
        "queued",
        "theft",
        "P2",
        village.pk,
        "Айгерим Сапарова",
        "+77012345678",
        "двор за школой",
        "Угнали мотоцикл со двора",
        personas.duty.pk,
    )
    assert incident.duplicate_of_id is None  # another category: shown, not linked
    shot(page, "06-incident-page")

    # when: the top recommendation's Dispatch, where the call landed
    page.locator("#kuzet-dispatch tr.kuzet-unit").first.locator("input[type=submit]").click()
    actions.append("click Dispatch")
    page.wait_for_selector("#panel ul.messagelist li:has-text('is sent to call')", timeout=15_000)

    # then: the nearest unit is on its way; call to dispatch in at most five actions
    assignment = incident.assignments.get()
    assert assignment.unit == personas.a.inspector_unit  # lives in the village
    assert len(actions) <= 5, actions
    shot(page, "07-nearest-unit-dispatched")
    assert page.kuzet_errors == []
    assert [e for e in console_errors if "Content Security Policy" in e] == []


def test_a_wrong_phone_is_shown_at_the_field_and_nothing_typed_is_lost(
    server: str, browser: Any, personas: Any
) -> None:
    # given
    page = log_in(browser, server, personas.duty)
    page.goto(f"{server}/admin/dispatch/incident/add/")
    page.wait_for_selector("#call-form")

    # when: a Russian mobile number, the settlement typed but not picked, Enter
    page.keyboard.type("Болат")
    page.keyboard.press("Tab")
    page.keyboard.type("+7 916 123 45 67")
    page.keyboard.press("Tab")
    page.keyboard.type("Карааул")
    page.keyboard.press("Escape")
    page.select_option("#id_category", "noise")
    page.fill("#id_description", "шум ночью")
    with page.expect_navigation():
        page.click("#call-save")

    # then: the form again with the phone's error (and the focus there), every value kept,
    # the settlement resolved from what was typed, nothing saved
    assert "Not a Kazakhstan number" in page.inner_text("#error-caller_phone")
    assert has_focus(page, "id_caller_phone")
    assert page.input_value("#id_settlement") == str(personas.b.town.pk)
    assert page.input_value("#id_caller_name") == "Болат"
    assert page.input_value("#id_place") == "Карааул"
    assert page.input_value("#id_description") == "шум ночью"
    assert page.input_value("#id_category") == "noise"
    assert not Incident.objects.exists()
    shot(page, "08-phone-refused")
    assert page.kuzet_errors == []


def test_a_walk_in_is_entered_as_one_and_its_priority_follows(
    server: str, browser: Any, personas: Any
) -> None:
    # given: a woman at the district station's desk, in Russian
    page = log_in(browser, server, personas.duty, language="ru")
    page.goto(f"{server}/admin/dispatch/incident/add/")
    page.wait_for_selector("#call-form")
    assert has_focus(page, "id_caller_name")  # the channel does not take the caller's focus
    assert page.locator("#id_channel option:checked").inner_text() == "линия 102"

    # when: the officer says how she came, then types the call
    page.select_option("#id_channel", label="Личное обращение")
    page.fill("#id_caller_name", "Гульнара")
    page.fill("#id_place", "акто")
    page.wait_for_selector("#call-place-options li[role=option]")
    page.keyboard.press("Enter")
    page.select_option("#id_category", "domestic_violence")

    # then: the priority is the walk-in's default for domestic violence
    assert page.input_value("#id_priority") == "P1"
    shot(page, "09-walk-in")
    with page.expect_navigation():
        page.click("#call-save")

    # then: saved as a walk-in, and its page says so
    incident = Incident.objects.get()
    assert (incident.channel, incident.priority, incident.settlement_id) == (
        "walk_in",
        "P1",
        personas.a.village.pk,
    )
    assert "Личное обращение" in page.inner_text("#content")
    shot(page, "10-walk-in-saved")
    assert page.kuzet_errors == []


def test_a_call_whose_save_got_no_answer_comes_back_into_the_form_and_is_saved_once(
    server: str, browser: Any, personas: Any
) -> None:
    # given: the duty officer types a call
    page = log_in(browser, server, personas.duty, language="ru", timezone="UTC")
    page.goto(f"{server}/admin/dispatch/incident/add/")
    page.wait_for_selector("#call-save")
    page.fill("#id_caller_name", "Сауле")
    page.fill("#id_caller_phone", "+7 701 555 01 02")
    page.fill("#id_place", "Актогай")
    page.locator("#call-place-options li[role=option]").first.wait_for()
    page.keyboard.press("Enter")
    page.select_option("#id_category", "domestic_violence")
    page.fill("#id_description", "кричит соседка, слышны удары")

    # when: the save gets no answer (the server down, a failover): the browser's error page
    page.route("**/admin/dispatch/incident/add/", lambda route: route.abort("connectionreset"))
    with contextlib.suppress(sync_api.Error):  # the browser's own error page
        page.click("#call-save")
    page.wait_for_timeout(500)
    page.unroute("**/admin/dispatch/incident/add/")
    assert Incident.objects.count() == 0

    # then: back on "Take a call", the call is in the form again, and the page says so
    page.goto(f"{server}/admin/dispatch/incident/add/")
    notice = page.locator("#call-draft")
    notice.wait_for()
    assert "не сохранён" in notice.inner_text()
    # typed at a time on Kazakhstan's clock (the browser's own zone here is UTC)
    local = clock.now().astimezone(dt.timezone(dt.timedelta(hours=5)))
    assert re.search(r"набранный в (\d\d:\d\d)", notice.inner_text())[1] in {
        f"{local:%H:%M}",
        f"{(local - dt.timedelta(minutes=1)):%H:%M}",
    }
    assert page.input_value("#id_caller_name") == "Сауле"
    assert page.input_value("#id_description") == "кричит соседка, слышны удары"
    assert page.input_value("#id_category") == "domestic_violence"
    shot(page, "call-draft-restored-ru")

    # when: saved now
    with page.expect_navigation():
        page.click("#call-save")

    # then: one call, and the draft is gone: a new call's form is empty
    saved = Incident.objects.get()
    assert (saved.caller_name, saved.category) == ("Сауле", "domestic_violence")
    page.goto(f"{server}/admin/dispatch/incident/add/")
    page.wait_for_selector("#call-save")
    assert page.locator("#call-draft").is_hidden()
    assert page.input_value("#id_caller_name") == ""
    assert page.kuzet_errors == []
