"""A duty officer signs in and lands on the desk's home: "Take a call" and the live board one
click away, what waits for the desk counted (each count opens its list), and what he did
last. Screenshots: ``var/screenshots/duty/desk-home*.png``."""

from __future__ import annotations

from typing import Any

import pytest

from backend.dispatch.services.incidents import incident_close
from tests import factories

from .conftest import log_in, shot

pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_duty_officer_starts_the_shift_from_the_desks_home(
    server: str, browser: Any, personas: Any
) -> None:
    # given: two calls waiting for a unit, and a call the officer closed earlier
    district, village = personas.a.district, personas.a.village
    waiting = [
        factories.incident(district=district, settlement=village, summary=f"ждёт наряда {i}")
        for i in range(2)
    ]
    closed = factories.incident(district=district, settlement=village, status="cleared")
    incident_close(incident=closed, by=personas.duty, disposition="отработано")

    # when: he signs in (Russian)
    page = log_in(browser, server, personas.duty, language="ru")

    # then: the desk's home
    assert page.url == f"{server}/admin/"
    assert page.locator("#desk-take-call").inner_text() == "Принять вызов"
    assert page.locator("#desk-board").inner_text() == "Оперативное табло"
    card = page.locator("#need-calls_waiting")
    assert card.locator(".card-value").inner_text() == "2"
    assert card.locator(".card-label").inner_text() == "Вызовы, ожидающие наряда"
    recent = page.locator("#recent-actions-module")
    assert "Происшествие закрыто" in recent.inner_text()
    assert recent.get_by_role("link", name=closed.number).count() == 1
    shot(page, "desk-home")

    # when: he opens the calls waiting
    card.click()

    # then: exactly those two, the list saying what it shows
    page.wait_for_load_state()
    chosen = page.locator("#changelist-filter li.selected", has_text="Вызовы, ожидающие наряда")
    assert chosen.count() == 1
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 2
    assert {rows.nth(i).locator("th a").inner_text() for i in range(2)} == {
        w.number for w in waiting
    }
    shot(page, "desk-home-calls-waiting")

    # when: back home, "Take a call", then home again and the board
    page.go_back()
    page.click("#desk-take-call")
    page.wait_for_load_state()
    assert page.url == f"{server}/admin/dispatch/incident/add/"
    page.go_back()
    with page.expect_popup() as opened:
        page.click("#desk-board")
    board = opened.value
    board.wait_for_load_state()

    # then: the live board in a window of its own (the board's links come back to this
    # console window), with the waiting calls on it
    assert board.url == f"{server}/board/"
    board.wait_for_selector(f"text={waiting[0].number}")
    assert page.url == f"{server}/admin/"

    # when: a call's number on the board
    board.locator("#incidents a.incident-link", has_text=waiting[0].number).click()

    # then: it opens in this console window, not in a third one
    page.wait_for_url(f"**/admin/dispatch/incident/{waiting[0].pk}/change/")
    assert len(page.context.pages) == 2
    assert page.kuzet_errors == []
