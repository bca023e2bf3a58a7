"""Out of coverage on a small phone (360 × 740), in Kazakh and Russian: the officer on scene
presses SOS. Three amber banners stood one over the other under the header — no signal, the
SOS kept on the phone, the facts waiting — and the call he was on began below the fold. Now
one box says it, the SOS first and in red, and the call's heading is on the first screen;
back in coverage the box goes and the desk having his SOS is said in green.

Off duty, his list says his position is not sent, with the switch, in that same box — it was
an amber box of its own beside it. Offline, the box says when the phone last reached the
server ("Последняя связь с сервером: 14:05"), never "just now".

Out of coverage the box offered "Обновить" (Sync now), which could reach no server: instead it
says the phone sends and updates by itself once there is signal, under the last contact; back
in coverage the button is there and pulls.

Screenshots: ``var/screenshots/field/status-*.png``.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from backend.dispatch.models import Event
from tests.e2e import browser
from tests.e2e.browser import ROOT

from .phone import wait_for
from .test_readable_screens import MILESTONES, dispatch_call
from .test_shift_walk import ALL_SENT, SMALL_PHONE, all_sent, milestone, small_phone

expect = pytest.importorskip(
    "playwright.sync_api", reason="the playwright package is missing"
).expect

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

SHOTS = ROOT / "var" / "screenshots" / "field"
SOS_UNSENT = {
    "kk": "Кезекші бөлім SOS-ты әлі алған жоқ: байланыс болғанда бірден жіберіледі. "
    "Мүмкін болса, рациямен хабарласыңыз.",
    "ru": "Дежурная часть ещё не получила SOS: уйдёт, как только будет связь. "
    "Если можете — свяжитесь по рации.",
}
OFFLINE = {
    "kk": "Желі жоқ: бәрі телефонда сақталады.",
    "ru": "Нет сети: всё сохраняется в телефоне.",
}
WAITING = {"kk": "Жіберуді күтуде: 2", "ru": "Ждут отправки: 2"}
# Offline, when the phone last reached the server, at the local time — not "Синхронизация:
# 14:05 (только что)", which read as if it were in touch
LAST_CONTACT = {
    "kk": re.compile(r"^Сервермен соңғы байланыс: \d\d:\d\d$"),
    "ru": re.compile(r"^Последняя связь с сервером: \d\d:\d\d$"),
}
ON_DUTY_PROMPT = {
    "kk": "Орныңыз кезекші бөлімге жіберілмейді: ең жақын наряд ретінде сізді көрмейді",
    "ru": "Ваше местоположение не передаётся в дежурную часть: ближайшим нарядом вас не увидят",
}
SOS_RECEIVED = {"kk": "Кезекші бөлім SOS-ыңызды алды", "ru": "Дежурная часть получила ваш SOS"}


def shot(page: Any, name: str, lang: str) -> None:
    """The first screen as the officer sees it, from the top."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / f"status-{name}-{lang}.png"))


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_offline_the_sos_and_what_waits_are_one_box_over_the_call(
    field_server: Any, duty_api: Any, personas: Any, profile: Any, lang: str
) -> None:
    # given: on a call, on scene, out of coverage
    a = personas.a
    with (
        browser.playwright() as driver,
        small_phone(driver, profile, field_server, a.patrol_officers[0], lang) as page,
    ):
        incident = dispatch_call(duty_api, a, a.patrol)
        page.locator("a.call", has_text=incident["number"]).click()
        # what the phone says on its own about the call (delivered, seen) has left it before
        # the signal goes: offline, only his two facts wait
        all_sent(page, lang)
        page.context.set_offline(True)
        milestone(page, MILESTONES[lang][0]).click()
        expect(milestone(page, MILESTONES[lang][0])).to_contain_text("✓")

        # when: he presses SOS and holds it
        page.locator("button.sos-open").click()
        hold = page.locator("button.sos-hold")
        box = hold.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.down()
        expect(hold).to_have_count(0, timeout=10_000)
        page.mouse.up()

        # then: one box under the header, red for the SOS, which it says first; no banner of
        # its own for each fact
        status = page.locator("section.sync")
        expect(status).to_have_class("sync status status-sos")
        expect(status.locator(".sync-state")).to_have_text([SOS_UNSENT[lang], OFFLINE[lang]])
        expect(status.locator(".waiting")).to_have_text(WAITING[lang])
        expect(status.locator(".last-sync")).to_have_text(LAST_CONTACT[lang])
        expect(page.locator(".banner")).to_have_count(0)
        # and the call's heading is on the first screen, under the box
        shot(page, "1-offline-sos", lang)
        head = page.locator(".detail-head").bounding_box()
        assert head["y"] + head["height"] <= SMALL_PHONE["viewport"]["height"], head
        assert page.locator("section.sync").bounding_box()["y"] < head["y"]

        # when: he goes to his list, still offline
        page.goto(f"{field_server.url}/app/#/")
        # then: the SOS still leads the box on the list; his being off duty is said in the box
        # too, last, and there is no amber box of its own for it
        states = page.locator("section.sync .sync-state")
        expect(states.first).to_have_text(SOS_UNSENT[lang])
        expect(states.last.locator("p")).to_have_text(ON_DUTY_PROMPT[lang])
        expect(page.locator(".banner")).to_have_count(0)
        expect(page.locator("section.sync .last-sync")).to_have_text(LAST_CONTACT[lang])
        shot(page, "2-offline-list", lang)

        # when: back in coverage
        page.context.set_offline(False)

        # then: the desk has the SOS, the box is gone, and the notice says so in green
        wait_for(
            lambda: Event.objects.filter(kind="sos", source="app").exists(),
            timeout=30,
            what="the SOS on the server",
        )
        # (on his list, off duty, the box keeps saying that alone)
        expect(page.locator("section.sync .sync-state")).to_have_count(1, timeout=30_000)
        expect(page.locator("section.sync .sync-state")).to_have_class("sync-state on-duty-prompt")
        expect(page.locator("section.sync")).to_have_class("sync status status-warn")
        expect(page.locator("section.sync .last-sync")).not_to_have_text(LAST_CONTACT[lang])
        expect(page.locator(".sos-notice.sent")).to_contain_text(SOS_RECEIVED[lang])
        shot(page, "3-back-in-coverage", lang)


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_off_duty_his_list_says_so_in_the_status_box_not_a_second_amber_box(
    field_server: Any, duty_api: Any, personas: Any, profile: Any, lang: str
) -> None:
    # given: an officer who has not said he is on duty, on his list, everything sent
    a = personas.a
    with (
        browser.playwright() as driver,
        small_phone(driver, profile, field_server, a.patrol_officers[0], lang) as page,
    ):
        all_sent(page, lang)

        # then: one amber box under the header says it, with the switch, above the sync line
        status = page.locator("section.sync")
        expect(status).to_have_class("sync status status-warn")
        prompt = status.locator(".sync-state.on-duty-prompt")
        expect(prompt.locator("p")).to_have_text(ON_DUTY_PROMPT[lang])
        expect(page.locator(".banner")).to_have_count(0)
        expect(page.locator(".on-duty-prompt")).to_have_count(1)
        shot(page, "4-off-duty-list", lang)

        # when: he goes out of coverage
        page.context.set_offline(True)
        # then: the box says that first, and when the phone last reached the server
        expect(status.locator(".sync-state").first).to_have_text(OFFLINE[lang])
        expect(status.locator(".last-sync")).to_have_text(LAST_CONTACT[lang])
        shot(page, "5-off-duty-offline-list", lang)

        # when: back in coverage, he taps the switch
        page.context.set_offline(False)
        all_sent(page, lang)
        prompt.get_by_role("button").click()

        # then: the box is the sync line alone
        expect(status).to_have_class("sync status")
        expect(page.locator(".on-duty-prompt")).to_have_count(0)
        shot(page, "6-on-duty-list", lang)


SYNC_NOW = {"kk": "Жаңарту", "ru": "Обновить", "en": "Sync now"}
SYNC_WHEN_ONLINE = {
    "kk": "Байланыс болғанда телефон бәрін өзі жібереді және жаңартады",
    "ru": "Телефон сам всё отправит и обновит, когда будет связь",
    "en": "The phone sends and updates by itself once there is signal",
}
EVERYTHING_SENT = {**ALL_SENT, "en": "Everything sent"}
LAST_CONTACT_EN = re.compile(r"^Last reached the server: \d\d:\d\d$")


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_offline_the_box_offers_no_sync_now_and_says_the_phone_will_by_itself(
    field_server: Any, duty_api: Any, personas: Any, profile: Any, lang: str
) -> None:
    # given: an officer's phone on his list, everything sent, "Sync now" offered
    a = personas.a
    with (
        browser.playwright() as driver,
        small_phone(driver, profile, field_server, a.patrol_officers[0], lang) as page,
    ):
        if lang == "en":  # small_phone speaks Kazakh or Russian: English is on his unit screen
            page.locator("a.unit-chip").click()
            page.get_by_role("button", name="English").click()
            page.goto(f"{field_server.url}/app/#/")
        line = page.locator("section.sync .sync-line")
        expect(line.locator(".waiting")).to_have_text(EVERYTHING_SENT[lang], timeout=30_000)
        expect(line.get_by_role("button", name=SYNC_NOW[lang])).to_be_enabled()
        expect(line.locator(".sync-later")).to_have_count(0)
        shot(page, "7-online-sync-now", lang)

        # when: he goes out of coverage
        page.context.set_offline(True)

        # then: no button he could press for nothing; what the phone does instead, under when
        # it last reached the server
        expect(line.locator("button")).to_have_count(0)
        expect(line.locator(".sync-later")).to_have_text(SYNC_WHEN_ONLINE[lang])
        last_contact = LAST_CONTACT_EN if lang == "en" else LAST_CONTACT[lang]
        expect(line.locator(".last-sync")).to_have_text(last_contact)
        expect(page.locator("section.sync .sync-state.offline")).to_be_visible()
        shot(page, "8-offline-no-sync-now", lang)

        # when: back in coverage, and the phone has synced by itself
        page.context.set_offline(False)
        button = line.get_by_role("button", name=SYNC_NOW[lang])
        expect(line.locator(".sync-later")).to_have_count(0, timeout=30_000)
        expect(line.locator(".last-sync")).not_to_have_text(last_contact, timeout=30_000)
        expect(button).to_be_enabled(timeout=30_000)  # not syncing any more

        # then: "Sync now" pulls from the server
        with page.expect_request(
            lambda request: "/api/sync/v1/pull" in request.url, timeout=10_000
        ) as pulled:
            button.click()
        assert pulled.value.response().status == 200
        shot(page, "9-back-sync-now", lang)
