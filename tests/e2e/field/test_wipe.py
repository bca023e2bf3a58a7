"""The field app erasing a phone, in a real browser (Debian's chromium against uvicorn on
PostgreSQL): a revocation heard on a sync, and a phone handed over whose first officer's device
the duty desk revoked before the next officer typed his code (the enrolment is answered
`device_revoked`, the phone erases itself and enrols again). After either, the first officer's
call and its caller's number are gone from IndexedDB, also after a reload; and no wipe logs
IndexedDB's "Deleting database failed because it's blocked by another connection" (LokiJS's
IncrementalIndexedDBAdapter) or a delete refused while a save was under way.

The one place that message is logged is the app's very first start on a phone (a browser
profile with no database yet), before anything is stored: WatermelonDB sets an empty
database up by resetting it ("[Loki] Empty database, setting up"), and LokiJS deletes the
database it has just opened while that open's read transaction has not committed yet; the
browser reports the delete blocked by that closing connection and deletes it a moment later.
It holds no data then; the test reads the console only from the enrolment on.

Screenshots: var/screenshots/field-wipe/.
"""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from backend.devices.models import Device
from tests.e2e import browser
from tests.e2e.browser import launch_phone, screenshot

from .conftest import enrolment_code
from .phone import enrol, wait_for
from .test_field_app import IDB_DUMP, report_call

expect = pytest.importorskip(
    "playwright.sync_api", reason="the playwright package is missing"
).expect

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

SUITE = "field-wipe"
# report_call's caller, "+7 701 555 12 34", as the server keeps it (normalised)
CALLER_PHONE = "+77015551234"
# What LokiJS logs when an erase of IndexedDB did not simply go through.
WIPE_TROUBLE = (
    "blocked by another connection",
    "another operation is already in progress",
    "Error while deleting database",
    "IndexedDB open is blocked",
)


class Console:
    """Every console message of the phone's pages, in order."""

    def __init__(self, context: Any) -> None:
        self.messages: list[str] = []
        for page in context.pages:
            self.watch(page)
        context.on("page", self.watch)

    def watch(self, page: Any) -> None:
        page.on("console", lambda m: self.messages.append(f"{m.type}: {m.text}"))

    def mark(self) -> int:
        return len(self.messages)

    def trouble_since(self, mark: int) -> list[str]:
        return [m for m in self.messages[mark:] if any(t in m for t in WIPE_TROUBLE)]

    def resets_since(self, mark: int) -> int:
        return sum("[Loki] Database is now reset" in m for m in self.messages[mark:])


def case_data_in_idb(page: Any, incident: dict) -> list[str]:
    dump = page.evaluate(IDB_DUMP)
    return [text for text in (incident["number"], CALLER_PHONE) if text in dump]


def test_a_revoked_phone_keeps_nothing_of_its_officer_and_logs_no_blocked_delete(
    field_server, duty_api, personas, profile
):
    # given: A's patrol officer enrolled, a call with its caller's number on the phone
    a = personas.a
    officer = a.patrol_officers[0]
    with browser.playwright() as driver:
        phone = launch_phone(driver, profile)
        console = Console(phone)
        page = phone.pages[0]
        enrol(page, field_server, enrolment_code(officer.username))
        since_enrolled = console.mark()
        incident, _ = report_call(duty_api, personas, a, unit=a.patrol)
        expect(page.locator("a.call", has_text=incident["number"])).to_be_visible(timeout=20_000)
        wait_for(lambda: len(case_data_in_idb(page, incident)) == 2, what="the call in IndexedDB")
        screenshot(page, SUITE, "01-call-on-the-phone")

        # when: the chief revokes the phone, and it next reaches the server
        device = Device.objects.get(officer=officer, revoked_at__isnull=True)
        call_command("revoke_device", device.pk, stdout=StringIO())
        page.get_by_role("button", name="Обновить").click()

        # then: the phone says so, its database was erased once and cleanly
        expect(page.get_by_role("heading", name="Устройство отключено")).to_be_visible(
            timeout=20_000
        )
        expect(page.get_by_text("Все служебные данные на телефоне стёрты")).to_be_visible()
        screenshot(page, SUITE, "02-revoked")
        assert console.resets_since(since_enrolled) >= 1
        assert case_data_in_idb(page, incident) == []

        # and after a reload (what the app reads from IndexedDB), still nothing of the call
        page.reload()
        expect(page.get_by_role("heading", name="Устройство отключено")).to_be_visible(
            timeout=20_000
        )
        assert case_data_in_idb(page, incident) == []
        page.get_by_role("button", name="Понятно").click()
        expect(page.get_by_role("heading", name="Регистрация устройства")).to_be_visible()
        screenshot(page, SUITE, "03-enrol-again")
        assert case_data_in_idb(page, incident) == []
        assert console.trouble_since(since_enrolled) == []
        phone.close()


def test_a_phone_handed_over_after_the_desk_revoked_it_erases_the_first_officer_then_enrols(
    field_server, duty_api, personas, profile
):
    # given: A's patrol officer enrolled, a call with its caller's number on the phone
    a = personas.a
    first = a.patrol_officers[0]
    with browser.playwright() as driver:
        phone = launch_phone(driver, profile)
        console = Console(phone)
        page = phone.pages[0]
        enrol(page, field_server, enrolment_code(first.username))
        since_enrolled = console.mark()
        incident, _ = report_call(duty_api, personas, a, unit=a.patrol)
        expect(page.locator("a.call", has_text=incident["number"])).to_be_visible(timeout=20_000)
        wait_for(lambda: len(case_data_in_idb(page, incident)) == 2, what="the call in IndexedDB")

        # when: he hands the phone over (everything sent), the desk revokes his device, and the
        # district inspector types his own code
        page.goto(f"{field_server.url}/app/#/unit")
        page.locator(".handover").get_by_role("button", name="Передать телефон").click()
        expect(
            page.get_by_role("heading", name="Передача телефона: код следующего сотрудника")
        ).to_be_visible()
        screenshot(page, SUITE, "11-next-officer-code")
        device = Device.objects.get(officer=first, revoked_at__isnull=True)
        call_command("revoke_device", device.pk, stdout=StringIO())
        page.locator("#enrol-code").fill(enrolment_code(a.inspector.username))
        page.locator("form button[type=submit]").click()

        # then: the phone is the inspector's, erased of the first officer's call on the way
        expect(page.get_by_role("heading", name="Мои вызовы")).to_be_visible(timeout=20_000)
        expect(page.get_by_text("Сейчас вызовов нет.")).to_be_visible(timeout=20_000)
        screenshot(page, SUITE, "12-next-officer")
        assert Device.objects.filter(officer=a.inspector, revoked_at__isnull=True).exists()
        assert console.resets_since(since_enrolled) == 1
        assert case_data_in_idb(page, incident) == []

        # and after a reload, the inspector's phone still holds nothing of it
        page.reload()
        expect(page.get_by_role("heading", name="Мои вызовы")).to_be_visible(timeout=20_000)
        expect(page.get_by_text("Сейчас вызовов нет.")).to_be_visible(timeout=20_000)
        screenshot(page, SUITE, "13-next-officer-reloaded")
        assert case_data_in_idb(page, incident) == []
        assert console.trouble_since(since_enrolled) == []
        phone.close()
