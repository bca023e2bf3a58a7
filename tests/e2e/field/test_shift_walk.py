"""A patrol officer's shift on the field app, in real browsers (Debian's chromium against
uvicorn on PostgreSQL) on a small phone, 360 × 740, in Kazakh and Russian: a call arrives,
he works it (acknowledged, on the way, on scene with no coverage, a note), comes back into
coverage, a more urgent call diverts his unit, the desk checks on him on scene, he clears and
records the outcome. Every screen on the way fits the phone, every target takes a gloved
thumb, and the Kazakh screens have no English or stray codes on them.

Screenshots: var/field_walk/*.png (``KUZET_FIELD_WALK``: another folder under var/).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from backend.devices.models import Device
from backend.dispatch.models import Assignment, Event
from backend.dispatch.services import escalation_sweep
from tests.e2e import browser
from tests.e2e.browser import ROOT, launch_phone

from .conftest import enrolment_code
from .phone import enrol, wait_for
from .test_readable_screens import MILESTONES, dispatch_call, speak

# (test_readable_screens' helper, untyped there)
dispatch: Callable[..., dict[str, Any]] = dispatch_call

expect = pytest.importorskip(
    "playwright.sync_api", reason="the playwright package is missing"
).expect

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

WALK = ROOT / "var" / os.environ.get("KUZET_FIELD_WALK", "field_walk")
SMALL_PHONE = {"viewport": {"width": 360, "height": 740}}
TRANSPORTING = {"kk": "Жеткізудемін", "ru": "Доставляю"}
ALL_SENT = {"kk": "Барлығы жіберілді", "ru": "Всё отправлено"}
BUSY = {"kk": "Бос емес", "ru": "Занят"}
# The duty desk's message on a call, as the caller rang back.
KNIFE = "Заявительница перезвонила: у него нож"

# What a screen shows that an officer could not use: the page wider than the phone, a target
# under 44 px (a checkbox counts by its label, which is what the thumb hits), text of its own
# in Latin letters (the Kazakh screens), a run of ten digits or more (an epoch, an id).
SCREEN_FAULTS = """() => {
  const faults = {wide: document.documentElement.scrollWidth, small: [], latin: []}
  for (const el of document.querySelectorAll('a, button, select, input, textarea, label.toggle')) {
    const r = el.getBoundingClientRect()
    if (r.width === 0 || el.matches('label.toggle input')) continue
    if (r.height < 44 || r.width < 44) {
      faults.small.push(`${el.className || el.tagName} ${r.width}x${r.height}`)
    }
  }
  for (const el of document.querySelectorAll('body *')) {
    if (!el.getClientRects().length) continue  // not drawn (the <noscript> note)
    for (const node of el.childNodes) {
      const text = node.nodeType === 3 ? node.textContent.trim() : ''
      if (/[A-Za-z]{2,}/.test(text)) faults.latin.push(text)
    }
  }
  faults.digits = (document.body.innerText.match(/\\d{10,}/g) || [])
  return faults
}"""
# Latin a Kazakh officer reads as it is: the unit's callsign, the SOS button, the language
# picker's "English", the test officer's login (he has no name here).
LATIN_ALLOWED = re.compile(r"\b(A-PC1|SOS|English|officer_a1)\b")


def look(page: Any, name: str, lang: str) -> None:
    """Save the screen (from the top, whole) and check what an officer could not use."""
    WALK.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(WALK / f"{name}-{lang}.png"), full_page=True)
    faults = page.evaluate(SCREEN_FAULTS)
    assert faults["wide"] <= SMALL_PHONE["viewport"]["width"], (name, faults["wide"])
    assert not faults["small"], (name, faults["small"])
    assert not faults["digits"], (name, faults["digits"])
    if lang == "kk":
        latin = [t for t in faults["latin"] if re.search("[A-Za-z]{2,}", LATIN_ALLOWED.sub("", t))]
        assert not latin, (name, latin)


@contextmanager
def small_phone(driver: Any, profile: Any, server: Any, officer: Any, lang: str) -> Iterator[Any]:
    """A 360 × 740 phone of ``officer``, enrolled and reading ``lang``: its page. As slow as
    the cheap phones a district issues (the CPU at a quarter): on a fast one a socket frame
    is always handled before the pull that follows it, and a late one put back state the pull
    had brought (the safety check's alert went as it came)."""
    phone = launch_phone(driver, profile, **SMALL_PHONE)
    page = phone.pages[0]
    page.context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": 4})
    enrol(page, server, enrolment_code(officer.username))
    speak(page, server, lang)
    yield page
    phone.close()


def milestone(page: Any, name: str) -> Any:
    return page.locator("button.milestone").filter(has=page.get_by_text(name, exact=True))


def double_tap(page: Any, name: str) -> None:
    """A gloved thumb's tap that lands twice, at the same spot, the second after the screen
    has taken the first."""
    button = milestone(page, name)
    button.evaluate("el => el.scrollIntoView({block: 'center'})")  # clear of the sticky header
    box = button.bounding_box()
    x, y = box["x"] + box["width"] * 0.75, box["y"] + box["height"] / 2
    page.mouse.click(x, y)
    expect(button).to_contain_text("✓")
    page.mouse.click(x, y)


def all_sent(page: Any, lang: str) -> None:
    expect(page.locator(".sync-line .waiting")).to_have_text(ALL_SENT[lang], timeout=30_000)


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_a_double_tap_on_a_milestone_or_a_status_records_it_once(
    field_server: Any, duty_api: Any, personas: Any, profile: Any, lang: str
) -> None:
    # given: a call on a small phone
    a = personas.a
    with (
        browser.playwright() as driver,
        small_phone(driver, profile, field_server, a.patrol_officers[0], lang) as page,
    ):
        incident = dispatch(duty_api, a, a.patrol)
        page.locator("a.call", has_text=incident["number"]).click()

        # when: each of acknowledged, on the way and on scene is tapped twice on the spot, and
        # a note after it (recorded after whatever the second tap recorded: the phone lists
        # its facts in order)
        following = [*MILESTONES[lang][1:3], TRANSPORTING[lang]]
        for step, name in enumerate(MILESTONES[lang][:3]):
            double_tap(page, name)
            page.locator("#note-text").fill(f"жазба {step}")
            page.locator("form.note button").click()
            expect(page.locator(".other-notes")).to_contain_text(f"жазба {step}")

            # then: the step after it is not taken with it
            expect(milestone(page, following[step])).not_to_contain_text("✓")
        expect(milestone(page, MILESTONES[lang][3])).not_to_contain_text("✓")
        all_sent(page, lang)
        look(page, "1-double-tapped", lang)

        # and the server has the three steps, each once
        assignment = Assignment.objects.get(incident_id=incident["id"])
        assert assignment.status == "on_scene"
        kinds = list(
            Event.objects.filter(assignment=assignment, source="app")
            .exclude(kind__in=("note", "delivered"))
            .order_by("device_time")
            .values_list("kind", flat=True)
        )
        assert kinds == ["ack", "en_route", "on_scene"]

        # when: a status on the unit screen is double-tapped, both taps at once
        page.goto(f"{field_server.url}/app/#/unit")
        busy = page.locator(".status-buttons button", has_text=BUSY[lang])
        box = busy.bounding_box()
        page.mouse.dblclick(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        expect(busy).to_have_attribute("aria-pressed", "true")
        all_sent(page, lang)
        look(page, "1-status-double-tapped", lang)

        # then: the server has one status change
        statuses = Event.objects.filter(kind="unit_status", source="app", unit=a.patrol)
        assert list(statuses.values_list("payload__status", flat=True)) == ["busy"]


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_a_shift_on_a_small_phone_reads_whole_on_every_screen(
    field_server: Any, duty_api: Any, personas: Any, profile: Any, settings: Any, lang: str
) -> None:
    a = personas.a
    with (
        browser.playwright() as driver,
        small_phone(driver, profile, field_server, a.patrol_officers[0], lang) as page,
    ):
        # the start of the shift: his list says his position is not sent, and he sends it
        prompt = page.locator(".on-duty-prompt")
        expect(prompt).to_be_visible()
        look(page, "2-no-calls", lang)
        prompt.get_by_role("button").click()
        expect(prompt).to_have_count(0)
        page.goto(f"{field_server.url}/app/#/unit")
        expect(page.locator("label.toggle input")).to_be_checked()
        page.goto(f"{field_server.url}/app/#/")
        # a call arrives while the phone is open
        first = dispatch(
            duty_api, a, a.patrol, category="violence", priority="P2",
            landmark="ул. Абая 12, у магазина «Арман», второй подъезд",
        )  # fmt: skip
        card = page.locator("a.call", has_text=first["number"])
        expect(card).to_be_visible(timeout=20_000)
        look(page, "3-call-arrived", lang)
        card.click()
        expect(page.locator(".alert-new")).to_have_count(0)
        look(page, "4-call-open", lang)
        for name in MILESTONES[lang][:2]:
            page.get_by_role("button", name=name, exact=True).click()
            expect(milestone(page, name)).to_contain_text("✓")
        all_sent(page, lang)

        # out of coverage: on scene and a note, kept on the phone
        page.context.set_offline(True)
        milestone(page, MILESTONES[lang][2]).click()
        page.locator("#note-text").fill("Задержан один, нож изъят")
        page.locator("form.note button").click()
        expect(page.locator(".sync-state.offline")).to_be_visible()
        look(page, "5-offline-on-scene-and-a-note", lang)

        # back in coverage
        page.context.set_offline(False)
        all_sent(page, lang)
        look(page, "6-back-in-coverage", lang)
        # his note once, with the call's notes: not again under "my facts"
        expect(page.locator(".other-notes")).to_contain_text("Задержан один, нож изъят")
        expect(page.locator(".timeline")).not_to_contain_text("Задержан один, нож изъят")

        # a life-threat call diverts the unit from the one it is on
        second = duty_api.post(
            "/api/v1/incidents/",
            {
                "received_at": dt.datetime.now(dt.UTC).isoformat(),
                "category": "violence",
                "priority": "P0",
                "settlement_kato": a.village.kato,
                "landmark": "у школы",
                "summary": "Стрельба у школы",
                "caller": {"name": "Ерлан", "phone": "+77051112233"},
            },
        )
        duty_api.post(
            f"/api/v1/incidents/{second['id']}/assignments/",
            {"unit_id": a.patrol.pk, "divert": True},
        )
        expect(page.locator(".alert-new")).to_be_visible(timeout=20_000)
        expect(page.locator(".banner.cancelled")).to_be_visible()
        look(page, "7-diverted", lang)
        # the call he was taken off: he has read its alert and says so, and on his list the new
        # call's card is in sight under the new call's alert (the two alerts pushed it below)
        withdrawn = page.locator(".alert-withdrawn")
        expect(withdrawn).to_be_visible()
        page.goto(f"{field_server.url}/app/#/")
        look(page, "7a-diverted-list", lang)
        withdrawn.get_by_role("button").click()
        expect(withdrawn).to_have_count(0)
        expect(page.locator(".alert-new")).to_be_visible()
        look(page, "7b-taken-off-seen", lang)
        box = page.locator("a.call", has_text=second["number"]).bounding_box()
        assert box["y"] + box["height"] <= SMALL_PHONE["viewport"]["height"], box
        page.locator(".alert-new").click()
        expect(page.locator(".detail-head")).to_contain_text(second["number"])
        for name in MILESTONES[lang][:3]:
            page.get_by_role("button", name=name, exact=True).click()
            expect(milestone(page, name)).to_contain_text("✓")
        all_sent(page, lang)
        wait_for(
            lambda: Assignment.objects.get(incident_id=second["id"]).status == "on_scene",
            what="the crew on scene on the server",
        )

        # the desk checks on the silent crew
        settings.KUZET_SAFETY_CHECK_MINUTES = dict.fromkeys(("P0", "P1", "P2", "P3"), 0)
        escalation_sweep()
        page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
        safety = page.locator(".alert-safety")
        expect(safety).to_be_visible(timeout=30_000)
        look(page, "8-safety-check", lang)
        # he answers where the signal has gone again: the phone says his answer waits on it,
        # then that the desk has it
        page.context.set_offline(True)
        safety.get_by_role("button").click()
        expect(safety).to_have_count(0)
        expect(page.locator(".sync .safety-unsent")).to_be_visible()
        look(page, "8a-safety-answered-offline", lang)
        page.context.set_offline(False)
        expect(page.locator(".safety-answer.sent")).to_be_visible(timeout=30_000)
        look(page, "8b-safety-answer-sent", lang)
        del settings.KUZET_SAFETY_CHECK_MINUTES

        # cleared, and the outcome
        page.get_by_role("button", name=MILESTONES[lang][3], exact=True).click()
        expect(page.locator("form.outcome")).to_be_visible()
        look(page, "9-cleared", lang)
        page.select_option("#outcome-code", "arrest")
        page.locator("#outcome-text").fill("Доставлен в отдел")
        page.locator("form.outcome button[type=submit]").click()
        expect(page.locator("form.outcome .saved")).to_be_visible()
        all_sent(page, lang)
        look(page, "10-outcome", lang)

        page.goto(f"{field_server.url}/app/#/")
        expect(page.locator("ul.calls.closed a.call")).to_have_count(2)
        # each finished card says once how it ended, and the alert he said "OK" to stayed gone
        expect(page.locator("ul.calls.closed a.call .status")).to_have_count(0)
        expect(page.locator("ul.calls.closed .call-age").first).to_be_visible()
        expect(page.locator(".alert-withdrawn")).to_have_count(0)
        look(page, "11-list-at-the-end", lang)
        page.goto(f"{field_server.url}/app/#/unit")
        look(page, "12-unit", lang)
        page.get_by_role("button", name="SOS").click()
        look(page, "13-sos", lang)


def test_a_phone_handed_over_at_the_end_of_a_shift_keeps_the_last_fact(
    field_server: Any, duty_api: Any, personas: Any, profile: Any
) -> None:
    # given: officer A's phone, in Kazakh, the desk's message on his call read, and a step of
    # his recorded out of coverage
    a = personas.a
    officer_a, officer_b = a.patrol_officers
    with (
        browser.playwright() as driver,
        small_phone(driver, profile, field_server, officer_a, "kk") as page,
    ):
        incident = dispatch(duty_api, a, a.patrol)
        page.locator("a.call", has_text=incident["number"]).click()
        all_sent(page, "kk")
        assignment = Assignment.objects.get(incident_id=incident["id"])
        duty_api.post(f"/api/v1/assignments/{assignment.pk}/message/", {"text": KNIFE})
        alert = page.locator(".alert")
        expect(alert.locator(".alert-title")).to_have_text(
            "Кезекші бөлімнің хабары", timeout=30_000
        )
        alert.click()
        expect(alert).to_have_count(0)
        wait_for(
            lambda: Event.objects.filter(kind="read", assignment=assignment).exists(),
            what="A's read receipt reaching the server",
        )
        page.context.set_offline(True)
        milestone(page, MILESTONES["kk"][0]).click()
        expect(milestone(page, MILESTONES["kk"][0])).to_contain_text("✓")

        # when: he hands the phone over with no coverage
        page.goto(f"{field_server.url}/app/#/unit")
        handover = page.locator(".handover")
        handover.get_by_role("button", name="Телефонды беру").click()

        # then: the phone says what is not sent and stays his
        expect(handover.get_by_role("alert")).to_have_text(
            "Әлі жіберілмеген фактілер: 1. Байланысқа шығып, қайталап көріңіз."
        )
        look(page, "h8-1-handover-unsent", "kk")

        # when: back in coverage, he tries again
        page.context.set_offline(False)
        handover.get_by_role("button", name="Қайта жіберу").click()

        # then: the step is sent under his device, and the phone asks for the next code
        expect(
            page.get_by_role("heading", name="Телефонды беру: келесі қызметкердің коды")
        ).to_be_visible()
        look(page, "h8-2-next-officer-code", "kk")
        device_a = Device.objects.get(officer=officer_a, revoked_at__isnull=True)
        ack = Event.objects.get(kind="ack", source="app", assignment__incident_id=incident["id"])
        assert ack.device_id == device_a.pk

        # when: officer B enters a code issued for him at the desk
        page.locator("#enrol-code").fill(enrolment_code(officer_b.username))
        page.locator("form button[type=submit]").click()

        # then: the phone is B's, in his own profile's language (Russian), off duty, the same
        # install, and A's device ended with the handover; the desk's message A read is put
        # before B, who has not read it
        assert officer_b.language == "ru"
        expect(page.get_by_role("heading", name="Мои вызовы")).to_be_visible(timeout=20_000)
        expect(
            page.get_by_role("button", name="Я на смене — передавать местоположение")
        ).to_be_visible()
        expect(alert.locator(".alert-title")).to_have_text("Сообщение дежурной части")
        expect(alert.locator(".alert-body")).to_contain_text(KNIFE)
        # the header says what the call card says (it read "Направлен", the unit's status on
        # the server, over a card reading "Принят")
        expect(page.locator(".unit-state")).to_have_text("Вызов принят")
        look(page, "h8-3-next-officer", "ru")
        device_b = Device.objects.get(officer=officer_b, revoked_at__isnull=True)
        assert device_b.install_id == device_a.install_id
        device_a.refresh_from_db()
        assert device_a.revoked_at is not None
        assert Event.objects.filter(kind="ack", source="app").count() == 1

        # when: B taps the alert
        alert.click()

        # then: the call opens with the message, and the desk has B's receipt beside A's
        expect(page.locator(".other-notes li.desk")).to_contain_text(KNIFE)
        expect(alert).to_have_count(0)
        look(page, "h8-4-next-officer-read", "ru")
        wait_for(
            lambda: Event.objects.filter(kind="read", device=device_b).exists(),
            what="B's read receipt reaching the server",
        )
        readers = Event.objects.filter(kind="read", assignment=assignment)
        assert sorted(readers.values_list("officer_id", flat=True)) == sorted(
            [officer_a.pk, officer_b.pk]
        )
