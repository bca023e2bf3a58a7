"""The phone makes the officer notice a call, in a real browser: a call sent to his unit rang
nothing — it appeared on the list of a phone in a pocket — and a call the desk made more
urgent or domestic violence, or took off his unit, changed a row he was not looking at; the
desk could not tell the crew anything but by radio. Now the desk's messages reach the phone, and
each puts an alert over every screen (with a tone and the vibration motor; a system
notification while the app is off the screen, field/test/call-alerts.test.js) until he opens
the call.

Screenshots: var/screenshots/field/5x-*.png.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e import browser
from tests.e2e.browser import launch_phone, screenshot

from .conftest import enrolment_code
from .phone import enrol, wait_for
from .test_field_app import report_call

expect = pytest.importorskip(
    "playwright.sync_api", reason="the playwright package is missing"
).expect

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

SUITE = "field"
# The motor, as the page drives it: every pattern the app asked for.
COUNT_VIBRATIONS = """
window.__vibrations = [];
navigator.vibrate = (pattern) => { window.__vibrations.push(pattern); return true; };
"""


def vibrations(page) -> int:
    return page.evaluate("window.__vibrations.length")


def test_a_new_call_a_call_made_more_urgent_a_desk_message_and_a_call_taken_off_alert_the_officer(
    field_server, duty_api, personas, profile
):
    # given: an officer of A's patrol car, his phone enrolled, notifications allowed
    a = personas.a
    with browser.playwright() as driver:
        phone = launch_phone(driver, profile, permissions=["notifications"])
        phone.add_init_script(COUNT_VIBRATIONS)
        page = phone.pages[0]
        enrol(page, field_server, enrolment_code(a.patrol_officers[0].username))
        expect(page.locator(".alert")).to_have_count(0)

        # when: the desk sends the unit a disorder call, P2
        incident, assignment = report_call(
            duty_api, personas, a, unit=a.patrol, category="disorder", priority="P2"
        )

        # then: an alert over the list, the motor, and it rings on while nobody opens it
        alert = page.locator(".alert")
        expect(alert).to_have_count(1, timeout=30_000)
        expect(alert.locator(".alert-title")).to_have_text("Новый вызов: P2 — сообщено позже")
        expect(alert.locator(".alert-body")).to_have_text(
            "Нарушение порядка · Аягоз · ул. Абая, 12, синие ворота"
        )
        wait_for(lambda: vibrations(page) >= 1, what="the phone vibrating")
        screenshot(page, SUITE, "50-alert-new-call")

        # when: the officer taps the alert
        alert.click()

        # then: the call is open, the alert gone
        expect(page.get_by_role("heading", name="Нарушение порядка")).to_be_visible()
        expect(page.locator(".alert")).to_have_count(0)
        page.get_by_role("button", name="Принял", exact=True).click()
        rung = vibrations(page)

        # when: the caller rings back — it is her husband — and the desk makes it DV
        duty_api.post(
            f"/api/v1/incidents/{incident['id']}/classify/",
            {"category": "domestic_violence", "reason": "Заявительница: это муж"},
        )

        # then: the officer, on the call's screen, is told: P1 now, and to read the risk flags
        expect(alert.locator(".alert-title")).to_have_text(
            "Вызов стал срочнее: P1 — преступление только что, был P2", timeout=30_000
        )
        expect(alert.locator(".alert-body")).to_have_text(
            "Вызов теперь — бытовое насилие: смотрите факторы риска"
        )
        wait_for(lambda: vibrations(page) > rung, what="the phone vibrating for the change")
        screenshot(page, SUITE, "51-alert-made-dv")
        alert.click()
        expect(page.locator(".alert")).to_have_count(0)

        # when: she rings again, and the desk sends the crew what she said
        duty_api.post(
            f"/api/v1/assignments/{assignment['id']}/message/",
            {"text": "У него нож, он во дворе"},
        )

        # then: the desk's message is put before the officer, and kept on the call's screen
        expect(alert.locator(".alert-title")).to_have_text(
            "Сообщение дежурной части", timeout=30_000
        )
        expect(alert.locator(".alert-body")).to_have_text(
            "У него нож, он во дворе · Бытовое насилие"
        )
        expect(page.locator(".other-notes li.desk")).to_have_text(
            re.compile(r"^\d\d:\d\d Дежурная часть: У него нож, он во дворе$")
        )
        screenshot(page, SUITE, "53-alert-desk-message")
        alert.click()
        expect(page.locator(".alert")).to_have_count(0)

        # when: the officer reads his phone in Kazakh and the desk takes the call off his unit
        page.get_by_role("link", name="‹ Назад").click()
        page.locator("a.unit-chip").click()
        allowed = "Включены: новый вызов придёт уведомлением телефона"
        expect(page.get_by_text(allowed)).to_be_visible()
        page.get_by_role("button", name="Қазақша").click()
        duty_api.post(
            f"/api/v1/assignments/{assignment['id']}/cancel/",
            {"reason": "Заявительница уехала к родственникам"},
        )

        # then: an amber alert on the unit screen says so, with the reason
        expect(alert.locator(".alert-title")).to_have_text(
            "Шақыру сіздің нарядыңыздан алынды", timeout=30_000
        )
        expect(alert.locator(".alert-body")).to_have_text(
            "Тұрмыстық зорлық · Аягоз · Заявительница уехала к родственникам"
        )
        screenshot(page, SUITE, "52-alert-taken-off-kk")
        alert.click()
        expect(page.locator(".alert")).to_have_count(0)
        # (the call went back to the queue: taken off his unit, not cancelled)
        expect(page.locator(".banner.cancelled")).to_contain_text(
            "Шақыру сіздің нарядыңыздан алынды"
        )
        phone.close()
