"""In a real browser (Chromium, Playwright): on a slow link the answer to the chief's
"Dispatch" click does not come; the chief clicks again on the same page; the unit is
dispatched once and the page says the first click went through (issue 10)."""

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

    # when: the server does the click's work, but the answer is lost on the way (a proxy on a
    # bad link answers 502); the chief reloads, and the browser sends the form again
    held: list[int] = []

    def lose_the_first_answer(route):
        if not held:
            held.append(route.fetch(max_redirects=0).status)  # the server did the work…
            route.fulfill(status=502, body="Bad Gateway")  # …the chief sees a proxy error
        else:
            route.continue_()

    page.route("**/dispatch/", lose_the_first_answer)
    page.locator("form[action$='/dispatch/'] input[type=submit]").first.click()
    page.screenshot(path=str(shots / "issue10-dispatch-answer-lost.png"), full_page=True)
    page.reload()
    notices = page.locator("ul.messagelist li").all_inner_texts()
    page.screenshot(path=str(shots / "issue10-dispatch-sent-again.png"), full_page=True)

    # then
    assert held == [302]
    assert any(
        n.startswith("This form was already sent; nothing was done again. Dispatched:")
        for n in notices
    ), notices
    assert not any("unit_unavailable" in n for n in notices), notices
    assert Assignment.objects.filter(incident=incident).count() == 1
