"""A district inspector's DV follow-up visits in the field app, in a real browser (Debian's
chromium, phone-sized, against uvicorn on PostgreSQL): he enrols, sees the visits he owes
after domestic-violence calls — the overdue one first, in red — opens one, records the visit
with what he found while out of coverage, and the server has the follow-up done once the
phone is back.

Screenshots: var/screenshots/field/2x-*.png (360 px wide, Russian; one in Kazakh).
"""

from __future__ import annotations

import datetime as dt

import pytest

from backend.dispatch.models import Event, FollowUpTask
from tests.e2e import browser
from tests.e2e.browser import launch_phone, screenshot

from .conftest import enrolment_code
from .phone import enrol, now_ms, wait_for

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
LANDMARK = "зимовка Кайнар, второй дом от дороги"
FITS = "document.documentElement.scrollWidth <= window.innerWidth"


def report_dv_call(duty_api, settlement, *, received_at, **fields):
    """The duty officer enters a domestic-violence call (no dispatch): the server owes the
    okrug's district inspector a follow-up visit."""
    body = {
        "received_at": received_at.isoformat(),
        "category": "domestic_violence",
        "settlement_kato": settlement.kato,
        "landmark": LANDMARK,
        "summary": "Муж угрожает жене, соседи слышат крики",
        "caller": {"name": "Гульнара", "phone": "+7 701 555 00 11"},
        **fields,
    }
    return duty_api.post("/api/v1/incidents/", body)


def test_inspector_sees_the_visits_he_owes_and_records_one_offline(
    field_server, duty_api, personas, profile
):
    # given: two DV calls from the same winter camp of A's okrug — one four days ago (its
    # visit overdue by a day), one today (a prior call at the address: risk flags)
    a = personas.a
    now = dt.datetime.now(dt.UTC)
    old = report_dv_call(duty_api, a.village, received_at=now - dt.timedelta(days=4))
    new = report_dv_call(duty_api, a.village, received_at=now - dt.timedelta(minutes=5))
    overdue = FollowUpTask.objects.get(incident_id=old["id"])
    owed = FollowUpTask.objects.get(incident_id=new["id"])
    assert (overdue.unit, owed.unit) == (a.inspector_unit, a.inspector_unit)
    assert overdue.due_at < now < owed.due_at

    with browser.playwright() as driver:
        phone = launch_phone(driver, profile)
        page = phone.pages[0]

        # when: the inspector enrols and opens the Visits tab
        enrol(page, field_server, enrolment_code(a.inspector.username))
        tab = page.locator(".tabs a", has_text="Посещения")
        expect(tab.locator(".badge.overdue")).to_have_text("2", timeout=20_000)
        tab.click()

        # then: both visits owed, the overdue one first and in red, with the call's details
        expect(page.get_by_role("heading", name="Контрольные посещения")).to_be_visible()
        visits = page.locator("ul.calls a.call")
        expect(visits).to_have_count(2)
        first, second = visits.nth(0), visits.nth(1)
        expect(first).to_have_class("call visit visit-overdue")
        expect(first).to_contain_text(f"№ {old['number']}")
        expect(first.locator(".overdue")).to_contain_text("Просрочено на 1 д")
        expect(second).to_contain_text(f"№ {new['number']}")
        expect(second.locator(".overdue")).to_have_count(0)
        expect(second.locator(".risk")).to_contain_text("Прежних вызовов")
        for row in (first, second):
            expect(row).to_contain_text("Бытовое насилие")
            expect(row.locator(".call-place")).to_have_text(f"{a.village.name} · {LANDMARK}")
        assert page.evaluate(FITS)
        screenshot(page, SUITE, "20-visits-owed")

        # when: he opens the overdue one
        first.click()

        # then: the call as the call screen shows it, and the form
        expect(page.get_by_role("link", name="Позвонить +7 701 555 00 11")).to_have_attribute(
            "href", "tel:+77015550011"
        )
        expect(page.get_by_role("link", name="Открыть на карте")).to_be_visible()
        expect(page.locator(".detail-head .overdue")).to_contain_text("Просрочено на 1 д")
        assert page.evaluate(FITS)
        screenshot(page, SUITE, "21-visit-detail")

        # when: out of coverage, he records the visit with what he found
        phone.set_offline(True)
        expect(page.get_by_text("Нет сети: всё сохраняется в телефоне")).to_be_visible()
        page.get_by_label("Что вы обнаружили?").fill(
            "Дома жена и двое детей, муж уехал на отгон. Жалоб нет, памятка вручена."
        )
        before = now_ms()
        page.get_by_role("button", name="Записать посещение").click()

        # then: made at once, waiting to be sent; no second visit offered
        expect(page.locator(".visit-result h2")).to_contain_text("Посещение записано в телефоне")
        expect(page.locator(".fact[data-kind=follow_up_visit] .fact-state")).to_have_text(
            "Ждёт отправки"
        )
        expect(page.get_by_role("button", name="Записать посещение")).to_have_count(0)
        after = now_ms()
        assert page.evaluate(FITS)
        screenshot(page, SUITE, "22-visit-waiting")
        assert FollowUpTask.objects.get(pk=overdue.pk).done_at is None

        # when: coverage comes back
        phone.set_offline(False)

        # then: the server took it as the visit made, and the phone says so
        expect(page.locator(".fact[data-kind=follow_up_visit] .fact-state")).to_have_text(
            "Принято: посещение записано", timeout=30_000
        )
        expect(page.locator(".visit-result h2")).to_contain_text("Посещение проведено")
        done = wait_for(
            lambda: FollowUpTask.objects.filter(pk=overdue.pk, done_at__isnull=False).first(),
            what="the follow-up done on the server",
        )
        screenshot(page, SUITE, "23-visit-recorded")
        page.get_by_role("link", name="‹ Назад").click()
        made = page.locator("ul.calls.made a.call")
        expect(made).to_have_count(1)
        expect(made).to_contain_text("Дома жена и двое детей")
        expect(tab.locator(".badge")).to_have_text("1")
        expect(tab.locator(".badge")).not_to_have_class("badge overdue")
        assert page.evaluate(FITS)
        screenshot(page, SUITE, "24-visits-after")

        # and in Kazakh, which runs longest on a narrow screen
        page.locator("a.unit-chip").click()
        page.get_by_role("button", name="Қазақша").click()
        page.goto(f"{field_server.url}/app/#/visits")
        expect(page.get_by_role("heading", name="Бақылау сапарлары")).to_be_visible()
        assert page.evaluate(FITS)
        screenshot(page, SUITE, "25-visits-kk")
        page.goto(f"{field_server.url}/app/#/v/{owed.pk}")
        expect(page.get_by_role("button", name="Сапарды тіркеу")).to_be_visible()
        assert page.evaluate(FITS)
        screenshot(page, SUITE, "26-visit-detail-kk")
        phone.close()

    # then: the visit is on the server once, as the inspector recorded it, dated when he tapped
    assert done.note == "Дома жена и двое детей, муж уехал на отгон. Жалоб нет, памятка вручена."
    visit = Event.objects.get(kind="follow_up_visit")
    assert (visit.source, visit.disposition, visit.assignment_id, visit.incident_id) == (
        "app",
        "applied",
        None,
        int(old["id"]),
    )
    assert visit.payload == {"follow_up_id": str(overdue.pk), "text": done.note}
    slack = visit.estimate_uncertainty_ms
    assert slack is not None
    assert slack < 15_000
    done_ms = int(done.done_at.timestamp() * 1000)
    assert before - slack <= done_ms <= after + slack
    assert FollowUpTask.objects.get(pk=owed.pk).done_at is None
