"""In a real browser (Chromium, Playwright): on a slow link the answer to the chief's
"Dispatch" click does not come; the chief clicks again on the same page; the unit is
dispatched once and the page says the first click went through (issue 10)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from backend.dispatch.models import Assignment
from tests import factories
from tests.e2e.processes import database_url, free_port, http_server, server_env

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[3]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@pytest.fixture(scope="module")
def admin_server(django_db_setup, django_db_blocker, tmp_path_factory):
    """gunicorn serving the test database, as the admin is served in production."""
    with django_db_blocker.unblock():
        url = database_url()
    port = free_port()
    env = server_env(
        database=url,
        var_dir=tmp_path_factory.mktemp("var"),
        KUZET_CACHE_PREFIX=f"kuzet-e2e-admin-{os.getpid()}-{port}",
    )
    args = [
        sys.executable, "-m", "gunicorn", "backend.config.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", "2", "--timeout", "60",
    ]  # fmt: skip
    with http_server(args, port=port, env=env, name="gunicorn") as host:
        # localhost: a secure context for Chrome, so the Secure session cookie of a
        # production-like server (DEBUG off) is kept over plain HTTP.
        yield f"http://{host}".replace("127.0.0.1", "localhost")


@contextmanager
def chromium_page() -> Iterator[Any]:
    """A page of Debian's chromium. Playwright's sync API runs an event loop in this thread
    while it is open, so the test touches the database only before and after it."""
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing (Debian's chromium package)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser.new_page(viewport={"width": 1280, "height": 1000}, locale="ru-RU")
        finally:
            browser.close()


def test_a_dispatch_whose_answer_was_lost_is_not_repeated_by_the_second_click(
    personas, admin_server
):
    # given: an incident of Ayagoz; its chief's password hashed as the production server
    # hashes (the test settings use MD5, which the server does not accept)
    incident = factories.incident(district=personas.a.district, settlement=personas.a.town)
    chief = personas.a.chief
    chief.password = PBKDF2PasswordHasher().encode(f"pw-{chief.username}", "e2e-salt", 1000)
    chief.language = "en"  # the test reads the page's English words
    chief.save(update_fields=["password", "language"])

    # when: its chief dispatches, the answer is lost, the chief reloads (see the helper)
    with chromium_page() as page:
        notices, held = _lose_and_reload(page, admin_server, incident, chief.username)

    # then
    assert held == [302]
    assert any(
        n.startswith("This form was already sent; nothing was done again. A-PC1 is sent to call")
        for n in notices
    ), notices
    assert not any("unit_unavailable" in n for n in notices), notices
    assert Assignment.objects.filter(incident=incident).count() == 1


def _lose_and_reload(
    page: Any, base: str, incident: Any, username: str
) -> tuple[list[str], list[int]]:
    """Sign in, open the incident, click Dispatch — the server does the work, but the answer
    is lost on the way (a proxy on a bad link answers 502) — and reload, which makes the
    browser send the form again. Returns the page's notices and the held answer's status."""
    page.goto(f"{base}/admin/login/?next=/admin/dispatch/incident/{incident.pk}/change/")
    page.fill("#id_username", username)
    page.fill("#id_password", f"pw-{username}")
    page.click("input[type=submit]")
    page.wait_for_selector("text=Dispatch — nearest available units")
    shots = ROOT / "var" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)

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
    return notices, held
