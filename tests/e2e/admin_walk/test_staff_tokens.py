"""The superuser reads the staff API tokens in the console, in Kazakh and in Russian: when
each was issued and when it expires, in local time with the date; one issued 40 days ago is
marked expired. He adds one: its key is shown whole once, in the message over the list, and
not on the list after it (the server keeps its digest only). Screenshots: ``var/sec_tokens/``
(the list), ``var/h1/`` (the key shown once)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from backend.dispatch.authentication import staff_token_issue
from backend.dispatch.models import StaffToken
from tests.e2e.processes import server_superuser

pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SHOTS = Path(settings.BASE_DIR) / "var" / "sec_tokens"
ADDED = Path(settings.BASE_DIR) / "var" / "screenshots" / "admin"
PASSWORD = "tokens-root-417"


def local(value: dt.datetime) -> str:
    return f"{timezone.localtime(value):%d.%m.%Y %H:%M:%S}"


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_token_list_says_when_each_token_expires(server, browser, personas, language):
    # given: the duty officer's token issued now, the chief's 40 days ago
    fresh, _ = staff_token_issue(user=personas.duty)
    old, _ = staff_token_issue(user=personas.a.chief)
    StaffToken.objects.filter(pk=old.pk).update(created=old.created - dt.timedelta(days=40))
    old.refresh_from_db()
    root = server_superuser(
        "root_tokens", password=PASSWORD, oblast=personas.a.district.oblast, language=language
    )
    page = browser.new_context(timezone_id="Asia/Almaty").new_page()
    page.goto(f"{server}/admin/login/")
    page.fill("#id_username", root.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_load_state()

    # when
    page.goto(f"{server}/admin/dispatch/stafftoken/")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"tokens-{language}.png"), full_page=True)

    # then
    expires = {
        user: page.locator(f"#result_list tr:has-text('{user}') td.field-expires").inner_text()
        for user in (personas.duty.username, personas.a.chief.username)
    }
    assert expires[personas.duty.username] == local(fresh.created + dt.timedelta(days=30))
    time, warning = expires[personas.a.chief.username].splitlines()
    assert time == local(old.created + dt.timedelta(days=30))
    assert warning.startswith("⚠ ")

    # when: he adds a token for the district's inspector
    page.goto(f"{server}/admin/dispatch/stafftoken/add/")
    page.evaluate(
        """([sel, v, l]) => { const e = document.querySelector(sel);
        if (![...e.options].some(o => o.value == v)) e.add(new Option(l, v));
        e.value = v; e.dispatchEvent(new Event('change')); }""",
        ["#id_user", str(personas.a.inspector.pk), personas.a.inspector.username],
    )
    page.click("input[name=_save]")
    page.wait_for_load_state()
    ADDED.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ADDED / f"added-{language}.png"), full_page=True)

    # then: the key whole in the message over the list, once
    message = page.locator(".messagelist .success").inner_text()
    found = re.search(r"\b[0-9a-f]{64}\b", message)
    assert found is not None, message
    key = found[0]
    assert f"{key[:6]}…" in page.locator("#result_list").inner_text()
    page.reload()
    assert key not in page.content()
    assert StaffToken.objects.filter(user=personas.a.inspector).count() == 1
