"""The oblast administrator gives eGov (the partner) a callback URL in the browser and reads its
secret once — an address inside our network is refused there with its reason; then reads what
was sent to the partner — delivered, waiting for a retry, given up, refused — in Russian and
in Kazakh. Screenshots: ``var/walk-callbacks/``."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from rest_framework.test import APIClient

from backend.dispatch.models import Incident
from backend.dispatch.services import incident_dispatch, intake_key_issue
from backend.webhooks.models import IntakeCallback
from backend.webhooks.services import callback_configure
from tests.backend.dispatch.test_intake import body
from tests.backend.webhooks.conftest import Receiver
from tests.e2e.browser import screenshot
from tests.e2e.processes import set_server_password

pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

pytestmark = [pytest.mark.slow, pytest.mark.browser]

PASSWORD = "abai-admin-102"


def shot(page: Any, name: str) -> None:
    screenshot(page, "walk-callbacks", name)


def test_the_administrator_sets_a_callback_and_reads_its_deliveries(
    server, browser, personas, settings
):
    # given: eGov's key, and the oblast administrator reading Russian
    key, raw = intake_key_issue(channel="egov", name="eGov Mobile")
    admin_user = personas.oblast_admin
    admin_user.language = "ru"
    set_server_password(admin_user, PASSWORD)
    admin_user.save(update_fields=["language", "password"])
    context = browser.new_context(locale="ru-RU", timezone_id="Asia/Almaty")
    page = context.new_page()
    page.goto(f"{server}/admin/login/")
    page.fill("#id_username", admin_user.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_load_state()

    # when: the partner is given a callback to the cloud's metadata service
    page.goto(f"{server}/admin/webhooks/intakecallback/add/")
    page.select_option("#id_partner", str(key.partner_id))
    page.fill("#id_url", "https://169.254.169.254/latest/meta-data/")
    page.click("input[name=_save]")
    page.wait_for_load_state()
    shot(page, "00-callback-refused-ru")

    # then: refused, with the reason; nothing set
    assert "169.254.169.254" in page.locator(".errorlist").inner_text()
    assert not IntakeCallback.objects.filter(partner=key.partner).exists()

    # when: the partner gets its callback in the console
    page.goto(f"{server}/admin/webhooks/intakecallback/add/")
    page.select_option("#id_partner", str(key.partner_id))
    page.fill("#id_url", "https://partner.kz/kuzet/callback")
    page.select_option("#id_language", "kk")
    shot(page, "01-callback-add-ru")
    # the address is labelled as the form's other fields are, and shown whole
    assert page.locator("label[for=id_url]").inner_text().startswith("Адрес")
    url_field = page.locator("#id_url")
    assert url_field.evaluate("e => e.scrollWidth <= e.clientWidth"), "the address is cut"
    page.click("input[name=_save]")
    page.wait_for_load_state()
    shot(page, "02-callback-secret-ru")

    # then: the secret is shown, the one kept for signing
    callback = IntakeCallback.objects.get(partner=key.partner)
    assert callback.secret in page.locator(".messagelist").inner_text()

    # given: deliveries to a partner's server on this machine (allowed here, as on a closed
    # network): one delivered, one waiting for its retry after a 500, one given up after a
    # 400; and one refused when private addresses were no longer allowed
    settings.KUZET_CALLBACK_ALLOW_HTTP = True
    settings.KUZET_CALLBACK_ALLOW_PRIVATE = True
    partner = Receiver()
    threading.Thread(target=partner.server.serve_forever, daemon=True).start()
    try:
        callback_configure(partner=key.partner, url=partner.url)
        partner.answers = [200, 500, 400]
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
        sent = client.post("/api/v1/intake/egov/", body(personas), format="json")
        incident = Incident.objects.get(pk=sent.json()["id"])
        incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)
        client.post(
            "/api/v1/intake/egov/",
            body(personas, external_ref="egov-1002", category="noise"),
            format="json",
        )
        settings.KUZET_CALLBACK_ALLOW_PRIVATE = False
        client.post(
            "/api/v1/intake/egov/",
            body(personas, external_ref="egov-1003", category="noise"),
            format="json",
        )
    finally:
        partner.server.shutdown()
        partner.server.server_close()
    assert len(partner.requests) == 3

    # when: the administrator opens the deliveries, in Russian, then in Kazakh
    page.goto(f"{server}/admin/webhooks/callbackdelivery/")
    shot(page, "03-deliveries-ru")
    ru = page.locator("#content").inner_text()
    ru_refused = page.locator("#result_list tbody tr", has_text="egov-1003").inner_text()
    admin_user.language = "kk"
    admin_user.save(update_fields=["language"])
    page.goto(f"{server}/admin/webhooks/callbackdelivery/")
    shot(page, "04-deliveries-kk")
    kk = page.locator("#content").inner_text()
    kk_refused = page.locator("#result_list tbody tr", has_text="egov-1003").inner_text()

    # then
    assert "Доставки обратных вызовов" in ru
    assert "Кері шақыру жеткізілімдері" in kk
    assert incident.number in ru
    # and the refused delivery's row says why (the address), in either language
    assert "127.0.0.1" in ru_refused
    assert "127.0.0.1" in kk_refused
