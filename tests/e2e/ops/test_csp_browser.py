"""The admin, the live board and the API docs work in a real browser under the CSP.

Debian's chromium driven by Playwright signs in at the admin as a person would, opens an
incident, the board (which must go live over its WebSocket) and Swagger UI, and collects
every console message: not one may be a Content-Security-Policy refusal. Screenshots go to
``var/screenshots/csp/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from playwright.sync_api import sync_playwright

from tests import factories
from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS
from tests.e2e.processes import web_server

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.browser]

SHOTS = SCREENSHOTS / "csp"


@pytest.fixture
def server(transactional_db, tmp_path: Path) -> Iterator[str]:
    with web_server(tmp_path, KUZET_API_DOCS_PUBLIC="0") as url:
        yield url


def test_admin_board_and_docs_run_without_csp_violations(server: str, personas):
    # given
    duty = personas.duty
    # A hash the server's own hashers read (the suite hashes with MD5 for speed).
    duty.password = PBKDF2PasswordHasher().encode("duty-room-password-102", "csp-probe-salt")
    duty.language = "en"  # the probe reads the board's English words
    duty.save(update_fields=["password", "language"])
    incident = factories.incident(
        district=personas.a.district, settlement=personas.a.town, summary="CSP probe"
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    messages: list[str] = []

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.on("console", lambda m: messages.append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: messages.append(f"pageerror: {e}"))

        # when: signing in at the admin
        page.goto(f"{server}/api/docs/")  # the docs send a stranger to the login first
        page.fill("#id_username", duty.username)
        page.fill("#id_password", "duty-room-password-102")
        page.click("input[type=submit]")

        # then: back at the docs, which render from Kuzet's own files
        page.wait_for_selector(".swagger-ui .info .title", timeout=30_000)
        page.screenshot(path=str(SHOTS / "docs.png"))
        assert "Kuzet API" in page.text_content(".swagger-ui .info .title")

        # when: the incident in the admin
        page.goto(f"{server}/admin/dispatch/incident/{incident.pk}/change/")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(SHOTS / "admin-incident.png"), full_page=True)

        # then
        assert incident.number in page.content()

        # when: the live board
        page.goto(f"{server}/board/")
        # (a selector, not wait_for_function: the CSP refuses Playwright's eval too)
        page.wait_for_selector("#status.live", timeout=30_000)
        page.screenshot(path=str(SHOTS / "board.png"))

        # then: its script ran (the rows rendered) and its socket is up
        assert page.text_content("#units").count("-PC1") == 2  # both districts: oblast duty
        assert "Escalation is not running" in page.text_content("#alarms")
        browser.close()

    refusals = [m for m in messages if "Content Security Policy" in m or "Refused to" in m]
    assert refusals == []
    assert [m for m in messages if m.startswith("pageerror")] == []
