"""What the duty officer's browser suite shares: Kuzet under uvicorn on the test database
(PostgreSQL) with the Redis channel layer, Debian's chromium, and a logged-in duty officer.

Screenshots go to ``var/screenshots/duty/``; look at them.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from tests.e2e import browser as shared
from tests.e2e.processes import database_url, free_port, http_server, server_env

SUITE = "duty"
PASSWORD = "semey-duty-102"
DESK = {"width": 1440, "height": 900}


@pytest.fixture
def server(transactional_db: Any, tmp_path: Path) -> Iterator[str]:
    """Kuzet under uvicorn on the test database; the live board's push runs through Redis."""
    import os

    port = free_port()
    # DEBUG=1 so that uvicorn serves the admin's static files itself (production has nginx).
    env = server_env(database=database_url(), var_dir=tmp_path, DEBUG="1")
    if os.environ.get("REDIS_URL"):
        env["REDIS_URL"] = os.environ["REDIS_URL"]
    args = [sys.executable, "-m", "uvicorn", "backend.config.asgi:application", "--host",
            "127.0.0.1", "--port", str(port), "--lifespan", "off", "--no-access-log"]  # fmt: skip
    with http_server(args, port=port, env=env, name="uvicorn") as host:
        yield f"http://{host}"


@pytest.fixture
def browser() -> Iterator[Any]:
    with shared.playwright() as driver:
        launched = shared.launch(driver)
        try:
            yield launched
        finally:
            launched.close()


def log_in(browser: Any, server: str, officer: Any, *, language: str = "en") -> Any:
    """A desk-sized page logged in as ``officer``, reading ``language``. Page errors are
    collected in ``page.kuzet_errors``; a test asserts they stay empty."""
    officer.language = language
    # A hash the server's own hashers read (the suite hashes with MD5 for speed).
    officer.password = PBKDF2PasswordHasher().encode(PASSWORD, "duty-e2e-salt")
    officer.save(update_fields=["language", "password"])
    locale = {"kk": "kk-KZ", "ru": "ru-RU"}.get(language, "en-GB")
    context = browser.new_context(viewport=DESK, locale=locale, timezone_id="Asia/Almaty")
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


def shot(page: Any, name: str) -> Path:
    return shared.screenshot(page, SUITE, name)
