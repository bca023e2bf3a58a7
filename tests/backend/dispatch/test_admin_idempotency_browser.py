"""In a real browser (Chromium, Playwright): the answer to the chief's "Dispatch" click is
lost on a bad link; the chief clicks again on the same page; the unit is dispatched once and
the page says the first click went through (issue 10)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from backend.dispatch.models import Assignment
from tests import factories

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[3]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@pytest.fixture
def browser_page():
    playwright = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing (Debian's chromium package)")
    # Playwright's sync API runs an event loop in this thread; the test touches the database
    # only before and after the browser acts.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1000}, locale="ru-RU")
        yield page
        browser.close()


def test_a_dispatch_whose_answer_was_lost_is_not_repeated_by_the_second_click(
    personas, live_server, browser_page
):
    # given: the chief of Ayagoz on an incident's page
    incident = factories.incident(district=personas.a.district, settlement=personas.a.town)
    page = browser_page
    page.goto(f"{live_server.url}/admin/login/?next=/admin/dispatch/incident/{incident.pk}/change/")
    page.fill("#id_username", personas.a.chief.username)
    page.fill("#id_password", f"pw-{personas.a.chief.username}")
    page.click("input[type=submit]")
    page.wait_for_selector("text=Dispatch — nearest available units")
    shots = ROOT / "var" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)

    # when: the first click's answer is lost (the server did the work), the chief clicks again
    lost: list[int] = []

    def lose_the_first_answer(route):
        if not lost:
            response = route.fetch()  # the server receives and answers the POST…
            lost.append(response.status)
            route.abort("connectionreset")  # …and the answer never reaches the browser
        else:
            route.continue_()

    page.route("**/dispatch/", lose_the_first_answer)
    dispatch_button = page.locator("form[action$='/dispatch/'] input[type=submit]").first
    dispatch_button.click()
    page.wait_for_timeout(500)
    page.screenshot(path=str(shots / "issue10-dispatch-answer-lost.png"), full_page=True)
    page.locator("form[action$='/dispatch/'] input[type=submit]").first.click()
    page.wait_for_load_state()
    notice = page.locator("ul.messagelist li").last.inner_text()
    page.screenshot(path=str(shots / "issue10-dispatch-clicked-again.png"), full_page=True)

    # then
    assert lost == [302]
    assert notice.startswith("This form was already sent; nothing was done again. Dispatched:")
    assert Assignment.objects.filter(incident=incident).count() == 1
