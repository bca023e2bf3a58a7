"""What the field app's browser tests share: the clock, waiting, and a phone enrolled."""

from __future__ import annotations

import time
from typing import Any


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def wait_for(predicate: Any, timeout: float = 20.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def enrol(page: Any, server: Any, code: str) -> None:
    """Type the one-time code on the enrol screen; wait for the calls and the offline shell."""
    from playwright.sync_api import expect

    page.goto(f"{server.url}/app/")
    page.get_by_label("Код регистрации").fill(code)
    page.get_by_role("button", name="Зарегистрировать").click()
    expect(page.get_by_role("heading", name="Мои вызовы")).to_be_visible(timeout=20_000)
    # The service worker holds the shell before the phone leaves coverage.
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    wait_for(
        lambda: page.evaluate("caches.keys().then((k) => k.length > 0)"),
        what="the service worker's precache",
    )
