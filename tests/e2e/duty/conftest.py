"""What the duty officer's browser suite shares besides the ``server`` and ``browser`` fixtures
of tests/e2e/conftest.py (the live board's push runs through REDIS_URL where it is set): a
logged-in desk page.

Screenshots go to ``var/screenshots/duty/``; look at them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e import browser as shared

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
    ``language``, on a computer whose clock is set to ``timezone`` (``browser.console_login``:
    page errors in ``page.kuzet_errors``)."""
    return shared.console_login(
        browser, server, officer, password=PASSWORD, language=language, viewport=viewport,
        timezone=timezone,
    )  # fmt: skip


def open_call_form(page: Any, server: str) -> None:
    """The console's call form, its first field (the caller's name) ready for typing."""
    page.goto(f"{server}/admin/dispatch/incident/add/")
    page.wait_for_function("() => document.activeElement.id === 'id_caller_name'", timeout=5_000)


def shot(page: Any, name: str) -> Path:
    return shared.screenshot(page, SUITE, name)


@pytest.fixture
def aktogay(personas: Any) -> Any:
    """Актогай of district A, in Kazakh Ақтоғай; its inspector A-UI1 lives there."""
    village = personas.a.village
    village.name_kk = "Ақтоғай"
    village.save(update_fields=["name_kk"])
    return village
