"""What the chief's browser tests share: a chief who reads Kazakh, logged in to the console."""

from __future__ import annotations

from typing import Any

from tests.e2e.processes import set_server_password

PASSWORD = "ayagoz-chief-102"


def chief_logged_in(browser: Any, server: str, chief: Any, **context: Any) -> tuple[Any, list[str]]:
    """A page of a new browser context (``context``: its viewport and the like) where
    ``chief``, reading Kazakh, has logged in; and the list that collects its page errors."""
    chief.language = "kk"
    set_server_password(chief, PASSWORD)
    chief.save(update_fields=["language", "password"])
    page = browser.new_context(locale="kk-KZ", timezone_id="Asia/Almaty", **context).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{server}/admin/")
    page.fill("#id_username", chief.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_load_state()
    return page, errors
