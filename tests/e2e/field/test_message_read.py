"""The desk learns that the crew read its message, in real browsers (Debian's chromium against
uvicorn on PostgreSQL): the duty officer messages A-PC1 ("he has a knife now"), the call's
page says the message is not read yet; the officer taps the message's alert on his phone,
which opens the call; the phone pushes a ``read`` fact, and the call's page says "read",
with the time in Kazakhstan's zone and the officer's name — in Russian and in Kazakh. Before,
"sent" was all the desk knew, which in a white spot means nothing.

Screenshots: var/walk-receipts/1x-*.png.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from backend.common.formatting import when_text
from backend.dispatch.authentication import staff_token_issue
from backend.dispatch.models import Assignment, Event
from tests.e2e import browser
from tests.e2e.browser import SCREENSHOTS
from tests.e2e.processes import set_server_password

from .phone import wait_for
from .test_readable_screens import dispatch_call, officer_phone

expect = pytest.importorskip(
    "playwright.sync_api", reason="the playwright package is missing"
).expect

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

WALK = SCREENSHOTS.parent / "walk-receipts"
PASSWORD = "duty-room-password-102"
KNIFE = "Заявительница перезвонила: у него нож, он во дворе"
# The phone's alert for a desk message, in the officer's language (field/src/i18n.js).
ALERT = {"kk": "Кезекші бөлімнің хабары", "ru": "Сообщение дежурной части"}
# The timeline's row of the message, in the desk's language (the catalogs' "Message to %(unit)s").
MESSAGE_TO = {"kk": "A-PC1", "ru": "A-PC1"}


def shot(page: Any, name: str) -> Path:
    WALK.mkdir(parents=True, exist_ok=True)
    path = WALK / f"{name}.png"
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(path), full_page=True)
    return path


def desk_logged_in(driver: Any, server: Any, duty: Any, lang: str) -> Any:
    """The duty officer's console, in ``lang``, on a laptop's screen."""
    duty.language = lang
    set_server_password(duty, PASSWORD)
    duty.save(update_fields=["language", "password"])
    desk = browser.launch(driver).new_context(
        locale={"kk": "kk-KZ", "ru": "ru-RU"}[lang],
        timezone_id="Asia/Almaty",
        viewport={"width": 1366, "height": 900},
    )
    page = desk.new_page()
    page.goto(f"{server.url}/admin/")
    page.fill("#id_username", duty.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_load_state()
    return page


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_the_desks_page_says_when_the_officer_read_its_message(
    field_server: Any, duty_api: Any, personas: Any, profile: Any, lang: str
) -> None:
    # given: A-PC1's officer with his phone, the duty officer at the console, a call on A-PC1
    a = personas.a
    officer = a.patrol_officers[0]
    with (
        browser.playwright() as driver,
        officer_phone(driver, profile, field_server, officer, lang) as phone,
    ):
        incident = dispatch_call(duty_api, a, a.patrol, category="violence", priority="P1")
        assignment = Assignment.objects.get(incident_id=incident["id"])
        call_page = f"{field_server.url}/admin/dispatch/incident/{incident['id']}/change/"
        card = phone.locator("a.call", has_text=incident["number"])
        expect(card).to_be_visible(timeout=30_000)
        card.click()
        # opening the call is seeing it: its "new call" alert goes (tapping it when count()
        # still saw it raced with its going: a click on a detached banner waited 30 s)
        expect(phone.locator(".alert")).to_have_count(0)
        phone.goto(f"{field_server.url}/app/#/")
        desk = desk_logged_in(driver, field_server, personas.duty, lang)
        # the console password just set ended his API tokens, as a new password does: the
        # desk's tools are given a new one
        _, key = staff_token_issue(user=personas.duty)
        duty_api.client.headers["Authorization"] = f"Token {key}"

        # when: the caller rings back and the desk messages the crew
        duty_api.post(f"/api/v1/assignments/{assignment.pk}/message/", {"text": KNIFE})

        # then: the phone puts it before the officer; the desk's page says: not read yet
        alert = phone.locator(".alert")
        expect(alert.locator(".alert-title")).to_have_text(ALERT[lang], timeout=30_000)
        desk.goto(call_page)
        row = desk.locator("tr.kuzet-messages li.kuzet-desk-message")
        expect(row).to_have_count(1)
        expect(row).to_contain_text(KNIFE)
        expect(row).not_to_have_class(re.compile("kuzet-read"))
        shot(phone, f"10-phone-message-alert-{lang}")
        shot(desk, f"11-desk-message-not-read-{lang}")

        # when: the officer taps the alert: the call opens with the message on it
        alert.click()
        expect(phone.locator(".other-notes li.desk")).to_contain_text(KNIFE)

        # then: the phone tells the desk, once; the call's page says read, when, by whom
        wait_for(
            lambda: Event.objects.filter(kind="read", assignment=assignment).exists(),
            what="the read receipt reaching the server",
        )
        receipt = Event.objects.get(kind="read", assignment=assignment)
        assert receipt.officer_id == officer.pk
        assert receipt.disposition == "recorded"
        read_at = when_text(receipt.estimated_at)
        desk.reload()
        expect(row).to_have_class(re.compile("kuzet-read"))
        expect(row.locator(".kuzet-message-state")).to_contain_text(read_at)
        expect(row.locator(".kuzet-message-state")).to_contain_text(officer.display_name)
        # the timeline's row of the message says it too
        timeline = desk.locator("tr", has_text=KNIFE).filter(has_text=read_at)
        expect(timeline.first).to_be_visible()
        shot(phone, f"12-phone-call-opened-{lang}")
        shot(desk, f"13-desk-message-read-{lang}")

        # when: the officer opens the call again — then: no second receipt
        phone.goto(f"{field_server.url}/app/#/")
        phone.locator("a.call", has_text=incident["number"]).click()
        expect(phone.locator(".other-notes li.desk")).to_be_visible()
        phone.wait_for_timeout(1500)
        assert Event.objects.filter(kind="read", assignment=assignment).count() == 1
