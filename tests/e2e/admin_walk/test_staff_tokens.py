"""The superuser reads the staff API tokens in the console, in Kazakh and in Russian: when
each was issued and when it expires, in local time with the date; one issued 40 days ago is
marked expired. Screenshots: ``var/sec_tokens/``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework.authtoken.models import Token

from tests.e2e.processes import server_superuser

pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SHOTS = Path(settings.BASE_DIR) / "var" / "sec_tokens"
PASSWORD = "tokens-root-417"


def local(value: dt.datetime) -> str:
    return f"{timezone.localtime(value):%d.%m.%Y %H:%M:%S}"


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_token_list_says_when_each_token_expires(server, browser, personas, language):
    # given: the duty officer's token issued now, the chief's 40 days ago
    fresh = Token.objects.create(user=personas.duty)
    old = Token.objects.create(user=personas.a.chief)
    Token.objects.filter(pk=old.pk).update(created=old.created - dt.timedelta(days=40))
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
    page.goto(f"{server}/admin/authtoken/tokenproxy/")
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
