"""What the duty officer's browser suite shares besides the ``server`` and ``browser`` fixtures
of tests/e2e/conftest.py (the live board's push runs through REDIS_URL where it is set): a
logged-in desk page.

Screenshots go to ``var/screenshots/duty/``; look at them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.e2e import browser as shared
from tests.e2e.processes import set_server_password

SUITE = "duty"
PASSWORD = "semey-duty-102"
DESK = {"width": 1440, "height": 900}


def log_in(
    browser: Any,
    server: str,
    officer: Any,
    *,
    language: str = "en",
    timezone: str = "Asia/Almaty",
    viewport: dict[str, int] = DESK,
) -> Any:
    """A desk-sized page (unless ``viewport`` says otherwise) logged in as ``officer``, reading
    ``language``, on a computer whose clock is set to ``timezone``. Page errors are collected
    in ``page.kuzet_errors``; a test asserts they stay empty."""
    officer.language = language
    set_server_password(officer, PASSWORD)
    officer.save(update_fields=["language", "password"])
    locale = {"kk": "kk-KZ", "ru": "ru-RU"}.get(language, "en-GB")
    context = browser.new_context(viewport=viewport, locale=locale, timezone_id=timezone)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.kuzet_errors = errors
    page.goto(f"{server}/admin/login/")
    page.fill("#id_username", officer.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_load_state()
    return page


def open_call_form(page: Any, server: str) -> None:
    """The console's call form, its first field (the caller's name) ready for typing."""
    page.goto(f"{server}/admin/dispatch/incident/add/")
    page.wait_for_function("() => document.activeElement.id === 'id_caller_name'", timeout=5_000)


def shot(page: Any, name: str) -> Path:
    return shared.screenshot(page, SUITE, name)
