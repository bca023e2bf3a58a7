"""The oblast administrator opens the intake partners from the console's menu, in Kazakh and in
Russian: eGov Mobile with its old (revoked) and new key, its reports of today and of the last
30 days, and the partner's callback (no key named with it); opens the partner, renames it,
and finds it renamed in the list. Screenshots: ``var/intake_partners/``."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from backend.common import clock
from backend.dispatch.models import Incident, IntakePartner
from backend.dispatch.services import intake_key_issue, intake_key_revoke
from backend.webhooks.services import callback_configure
from tests.backend.dispatch.test_intake import body
from tests.e2e.browser import screenshot
from tests.e2e.processes import set_server_password

pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

pytestmark = [pytest.mark.slow, pytest.mark.browser]

PASSWORD = "partners-admin-102"


def shot(page: Any, name: str) -> None:
    screenshot(page, "intake_partners", name)


def local(value: dt.datetime) -> str:
    return f"{timezone.localtime(value):%d.%m.%Y %H:%M:%S}"


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_administrator_reads_and_renames_a_partner(
    server, browser, personas, settings, language
):
    # given: eGov Mobile's key replaced and the old one revoked; three reports, one of them
    # 40 days old; its callback, set once the new key was issued
    settings.KUZET_CALLBACK_ALLOW_HTTP = True
    settings.KUZET_CALLBACK_ALLOW_PRIVATE = True
    old, old_raw = intake_key_issue(channel="egov", name="eGov Mobile")
    new, new_raw = intake_key_issue(channel="egov", name="", replaces=old)
    times = []
    for n, (raw, age) in enumerate(
        [(old_raw, dt.timedelta(days=40)), (old_raw, dt.timedelta()), (new_raw, dt.timedelta())]
    ):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
        sent = client.post(
            "/api/v1/intake/egov/", body(personas, external_ref=f"egov-{n}"), format="json"
        )
        assert sent.status_code == 201, sent.content
        at = clock.now() - age
        Incident.objects.filter(pk=sent.json()["id"]).update(received_at=at)
        times.append(at)
    intake_key_revoke(key=old, by=personas.oblast_admin)
    callback_configure(partner=new.partner, url="http://127.0.0.1:9/kuzet/callback")
    partner = new.partner
    admin_user = personas.oblast_admin
    admin_user.language = language
    set_server_password(admin_user, PASSWORD)
    admin_user.save(update_fields=["language", "password"])
    page = browser.new_context(timezone_id="Asia/Almaty").new_page()
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{server}/admin/login/")
    page.fill("#id_username", admin_user.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_load_state()

    # when: the partners, from the console's menu
    page.locator("a[href='/admin/dispatch/intakepartner/']").first.click()
    page.wait_for_load_state()
    shot(page, f"01-partners-{language}")

    # then: eGov Mobile's row: its keys, today's reports and the last 30 days', the last one
    row = page.locator("#result_list tbody tr", has_text="eGov Mobile")
    today = sum(1 for t in times if timezone.localtime(t).date() == timezone.localdate())
    assert row.locator("td.field-reports_today").inner_text() == str(today)
    assert row.locator("td.field-reports_month").inner_text() == "2"
    assert row.locator("td.field-last_report").inner_text() == local(max(times))
    assert row.locator("td.field-callback_short").inner_text() == "127.0.0.1"
    assert "{" not in row.inner_text()  # words, no raw data

    # when: the partner is opened
    page.click("#result_list a:text('eGov Mobile')")
    page.wait_for_load_state()
    shot(page, f"02-partner-{language}")

    # then: both keys by name and prefix, and the partner's callback, which names no key
    keys = page.locator("table.kuzet-partner-keys").inner_text()
    assert f"{old.prefix}…" in keys
    assert f"{new.prefix}…" in keys
    assert local(old.created_at) in keys
    callback = page.locator(".field-callback_in_effect").inner_text()
    assert "http://127.0.0.1:9/kuzet/callback" in callback
    assert old.prefix not in callback
    assert new.prefix not in callback
    link = page.locator(".field-callback_in_effect a")
    assert link.get_attribute("href") == (
        f"/admin/webhooks/intakecallback/add/?partner={partner.pk}"
    )
    assert new.key_hash not in page.content()

    # when: renamed
    page.fill("#id_name", "eGov (ЦОН)")
    page.click("input[name=_save]")
    page.wait_for_load_state()
    shot(page, f"03-renamed-{language}")

    # then
    assert IntakePartner.objects.get(pk=partner.pk).name == "eGov (ЦОН)"
    assert page.locator("#result_list a:text('eGov (ЦОН)')").count() == 1
