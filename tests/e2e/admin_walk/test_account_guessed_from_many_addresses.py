"""A duty officer's password guessed from many addresses, as the officer sees it in chromium.

The guesses come from four addresses, each far below its own limits; the fourth guards the
account. The officer, on a computer he never signed in from, is told why his right password
is not taken; at his desk in the duty room he signs in, and the console's first page tells
him the failed attempts since his last sign-in, the last one's time and address.
Screenshots: ``var/screenshots/sign-in/``.

The guesses are posted by Django's test client in this process, the browser's requests are
served by the suite's server: both count in one cache (Redis on PostgreSQL: the server is
given this process's key prefix). The browser's address is set by ``X-Forwarded-For`` behind
one proxy (``KUZET_PROXY_COUNT=1``), as nginx would send it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from backend.ledger.models import AuditEntry
from tests.e2e.processes import in_process, set_server_password, web_server

pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SHOTS = Path(settings.BASE_DIR) / "var" / "screenshots" / "sign-in"
LIMIT = 3
PASSWORD = "duty-room-password-519"
DUTY_ROOM = "192.0.2.60"
ELSEWHERE = "198.51.100.77"
BOTNET = ["203.0.113.11", "203.0.113.12", "203.0.113.13"]


@pytest.fixture
def server(
    request: pytest.FixtureRequest, transactional_db: Any, tmp_path: Path, settings: Any
) -> Iterator[str]:
    settings.KUZET_LOGIN_ACCOUNT_FAILURE_LIMIT = LIMIT
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    if in_process():
        yield request.getfixturevalue("live_server").url
        return
    with web_server(
        tmp_path,
        KUZET_PROXY_COUNT="1",
        KUZET_LOGIN_ACCOUNT_FAILURE_LIMIT=str(LIMIT),
        KUZET_CACHE_PREFIX=str(settings.CACHES["default"].get("KEY_PREFIX", "")),
    ) as url:
        yield url


def from_address(browser: Any, ip: str) -> Any:
    return browser.new_context(
        locale="en-US",
        timezone_id="Asia/Almaty",
        viewport={"width": 1280, "height": 800},
        extra_http_headers={"X-Forwarded-For": ip},
    ).new_page()


def sign_in(page: Any, server: str, username: str) -> None:
    page.goto(f"{server}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_load_state()


def test_a_guessed_at_officer_is_told_why_and_how_often(server: str, browser, personas):
    # given: the duty officer signed in from the duty room before
    duty = personas.duty
    duty.username = "duty_guessed"
    duty.language = "en"
    duty.is_staff = True
    duty.set_password(PASSWORD)  # this process's hasher, for the sign-in just below
    duty.save()
    assert (
        Client()
        .post(
            "/admin/login/",
            {"username": duty.username, "password": PASSWORD},
            REMOTE_ADDR=DUTY_ROOM,
        )
        .status_code
        == 302
    )
    set_server_password(duty, PASSWORD)
    duty.save(update_fields=["password"])
    # …and a wrong password from each of three addresses
    for n, ip in enumerate(BOTNET):
        Client().post(
            "/admin/login/", {"username": duty.username, "password": f"guess-{n}"}, REMOTE_ADDR=ip
        )
    assert AuditEntry.objects.filter(action="auth.account_guarded").count() == 1
    SHOTS.mkdir(parents=True, exist_ok=True)

    # when: the right password on a computer he never signed in from
    page = from_address(browser, ELSEWHERE)
    sign_in(page, server, duty.username)
    page.screenshot(path=str(SHOTS / "guarded-login-en.png"), full_page=True)

    # then: not in, and told why
    error = page.locator(".errornote").inner_text()
    assert error.startswith("Too many wrong passwords were typed for this account from other")
    assert "only from a computer it was signed in from before" in error
    assert page.locator("#id_password").count() == 1

    # when: at his desk in the duty room
    page = from_address(browser, DUTY_ROOM)
    sign_in(page, server, duty.username)
    page.screenshot(path=str(SHOTS / "notice-after-attack-en.png"), full_page=True)

    # then: in, and told of the four failed attempts (the last, the refusal just now)
    notice = page.locator(".messagelist .warning").inner_text()
    assert notice.startswith(
        "4 failed attempts to sign in to your account since your last sign-in (the last on "
    )
    assert notice.endswith(f"from {ELSEWHERE}). If it was not you, tell the oblast administrator.")
    assert "/admin/login/" not in page.url
