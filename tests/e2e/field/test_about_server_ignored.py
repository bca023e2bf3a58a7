"""Keys the server did not read, on a real server: the push answers them, and a pull serves
them on the phone's own events (docs/protocol.md §2 *events*, §4 *Keys the server does not
read*). The field app dropped both without a word. Here a phone's push carries a key this
server does not know (``altitude_m``, as a newer app would send it): the unit screen's folded
"About the app" names it, with the event and its time, for the mobile team and support; his
list says nothing of it and nothing on the phone raises an alarm. Its pulls carry a query
parameter the server does not know (``floor``): the pull's answer names it at its top, and
"About the app" says so too, as a line of the request, not of a fact.

Screenshots: ``var/screenshots/field/about-ignored-*.png``.
"""

from __future__ import annotations

import gzip
import json
import re
from typing import Any

import pytest

from backend.dispatch.models import Event
from tests.e2e import browser
from tests.e2e.browser import ROOT

from .test_shift_walk import small_phone

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
BUSY = {"kk": "Бос емес", "ru": "Занят", "en": "Busy"}
ABOUT = {"kk": "Қолданба туралы", "ru": "О приложении", "en": "About the app"}
IGNORED_LINE = {
    "kk": r"^Сервер altitude_m өрістерін оқымады: «Наряд күйі» \(unit_status\) оқиғасы, \d\d:\d\d$",
    "ru": r"^Сервер не прочитал altitude_m в событии «Статус наряда» \(unit_status\), \d\d:\d\d$",
    "en": r"^Server ignored altitude_m in event “Unit status” \(unit_status\), \d\d:\d\d$",
}
PULL_LINE = {
    "kk": r"^Сервер телефонның «Серверден жаңартуларды алу» \(pull\) сұрауындағы floor өрістерін "
    r"оқымады, \d\d:\d\d$",
    "ru": r"^Сервер не прочитал floor в запросе телефона «Получение обновлений с сервера» "
    r"\(pull\), \d\d:\d\d$",
    "en": r"^Server ignored floor in the phone’s “Get updates from the server” request \(pull\), "
    r"\d\d:\d\d$",
}


def with_a_parameter_the_server_does_not_read(route: Any, request: Any) -> None:
    """The phone's pull as a newer app's: a query parameter this server does not know."""
    route.continue_(url=f"{request.url}&floor=2")


def with_a_key_the_server_does_not_read(route: Any, request: Any) -> None:
    """The phone's push as a newer app's: each event with an ``altitude_m`` of its own."""
    body = request.post_data_buffer
    # a push of 512 bytes or more is gzipped (field/src/api.js); its magic, not its header:
    # Playwright's request.headers may leave Content-Encoding out
    if body[:2] == b"\x1f\x8b":
        body = gzip.decompress(body)
    data = json.loads(body)
    for record in data["changes"]["events"]["created"]:
        record["altitude_m"] = 512
    dropped = ("content-encoding", "content-length")
    headers = {k: v for k, v in request.all_headers().items() if k.lower() not in dropped}
    route.continue_(post_data=json.dumps(data), headers=headers)


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_what_the_server_did_not_read_is_under_about_the_app_not_on_his_list(
    field_server: Any, duty_api: Any, personas: Any, profile: Any, lang: str
) -> None:
    # given: an officer's phone whose pushes carry a key this server does not read
    a = personas.a
    with (
        browser.playwright() as driver,
        small_phone(driver, profile, field_server, a.patrol_officers[0], lang) as page,
    ):
        page.route("**/api/sync/v1/push*", with_a_key_the_server_does_not_read)
        page.route("**/api/sync/v1/pull*", with_a_parameter_the_server_does_not_read)

        # when: he sets his unit busy, and it is sent
        page.locator("a.unit-chip").click()
        if lang == "en":  # small_phone speaks Kazakh or Russian: English is on this screen
            page.get_by_role("button", name="English").click()
        page.get_by_role("button", name=BUSY[lang], exact=True).click()

        # then: "About the app", folded at the foot of his unit screen, names the key, the
        # event and its time (Playwright's waiting, not a sleep: the route above runs only
        # while Playwright is called)
        about = page.locator("main.unit details.about")
        about.locator("summary").click()
        expect(about.locator("summary")).to_have_text(ABOUT[lang])
        expect(about.locator("ul.ignored li[data-event]")).to_have_text(
            [re.compile(IGNORED_LINE[lang])], timeout=30_000
        )
        # and the pull's parameter, a line of the request itself
        expect(about.locator("ul.ignored li[data-request]")).to_have_text(
            [re.compile(PULL_LINE[lang])]
        )
        # as the server has it: the status, with the key it did not read kept beside it
        sent = Event.objects.get(kind="unit_status", source="app")
        assert "altitude_m" in sent.unread
        about.scroll_into_view_if_needed()
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"about-ignored-1-unit-screen-{lang}.png"))

        # and: his list says nothing of it, and nothing on the phone is an alarm
        page.goto(f"{field_server.url}/app/#/")
        expect(page.locator("section.sync")).to_be_visible()
        assert "altitude_m" not in page.locator("body").inner_text()
        expect(page.locator(".banner, [role=alert]")).to_have_count(0)
        page.screenshot(path=str(SHOTS / f"about-ignored-2-list-{lang}.png"))
