"""The duty desk's officer-safety check reaches the officer's phone, in real browsers (Debian's
chromium against uvicorn on PostgreSQL): A-PC1's crew on scene falls silent past its call's
interval, the escalation sweep puts it before the desk — and now on the officer's phone too
("The duty desk is checking on you", ringing, in his language). He taps "I'm OK"; the phone
records a note in his words and sends it; the next sweep answers the check by that note, as
the board's green "the crew was heard from: Note" says. Before, the desk could only radio, and
in the field a radio call is often missed while a phone with coverage would have been seen.

Screenshots: var/safety_phone/*.png.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from backend.dispatch.models import Assignment, Event, SafetyCheck
from backend.dispatch.services import escalation_sweep
from tests.e2e import browser
from tests.e2e.browser import SCREENSHOTS

from .phone import wait_for
from .test_readable_screens import MILESTONES, dispatch_call, officer_phone

expect = pytest.importorskip(
    "playwright.sync_api", reason="the playwright package is missing"
).expect

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

WALK = SCREENSHOTS.parent / "safety_phone"
# What the phone says and records, in the officer's language (field/src/i18n.js).
CHECKING = {
    "kk": "Кезекші бөлім сіздің жағдайыңызды тексеруде",
    "ru": "Дежурная часть проверяет, всё ли у вас в порядке",
}
IM_OK = {"kk": "Менде бәрі жақсы", "ru": "Я в порядке"}


def shot(page: Any, name: str) -> Path:
    WALK.mkdir(parents=True, exist_ok=True)
    path = WALK / f"{name}.png"
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(path), full_page=True)
    return path


def looked_at(phone: Any) -> None:
    """The officer takes the phone out of his pocket: the app syncs (its visibilitychange).
    The sweep runs in this test's process, whose fan-out does not reach the server's
    in-memory channel layer, so the phone learns it by its pull, as it would after a sleep."""
    phone.evaluate("document.dispatchEvent(new Event('visibilitychange'))")


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_the_officer_answers_the_desks_safety_check_with_one_tap(
    field_server: Any, duty_api: Any, personas: Any, profile: Any, settings: Any, lang: str
) -> None:
    # given: A-PC1's officer on scene at a call, worked from his phone
    a = personas.a
    officer = a.patrol_officers[0]
    with (
        browser.playwright() as driver,
        officer_phone(driver, profile, field_server, officer, lang) as phone,
    ):
        incident = dispatch_call(duty_api, a, a.patrol, category="violence", priority="P1")
        assignment = Assignment.objects.get(incident_id=incident["id"])
        phone.locator("a.call", has_text=incident["number"]).click()
        for name in MILESTONES[lang][:3]:  # acknowledged, on the way, on scene
            phone.get_by_role("button", name=name, exact=True).click()
            expect(phone.get_by_role("button", name=name)).to_contain_text("✓")
        wait_for(
            lambda: Assignment.objects.get(pk=assignment.pk).status == "on_scene",
            what="the crew on scene on the server",
        )
        phone.goto(f"{field_server.url}/app/#/")

        # when: silent past the interval (none here, so that the sweep fires now)
        settings.KUZET_SAFETY_CHECK_MINUTES = dict.fromkeys(("P0", "P1", "P2", "P3"), 0)
        escalation_sweep()
        [check] = SafetyCheck.objects.filter(assignment=assignment)
        assert check.checked_at is None
        looked_at(phone)

        # then: the phone puts it before the officer, over the list, with its big button
        alert = phone.locator(".alert-safety")
        expect(alert.locator(".alert-title")).to_have_text(CHECKING[lang], timeout=30_000)
        button = alert.get_by_role("button", name=IM_OK[lang])
        expect(button).to_be_visible()
        shot(phone, f"1-phone-checked-on-{lang}")

        # when: a reload (the phone restarted) — then: still there
        phone.reload()
        expect(phone.locator(".alert-safety .alert-title")).to_have_text(
            CHECKING[lang], timeout=30_000
        )

        # when: the officer taps "I'm OK"
        phone.locator(".alert-safety").get_by_role("button", name=IM_OK[lang]).click()

        # then: the alert goes at once; his note, in his words, reaches the server
        expect(phone.locator(".alert-safety")).to_have_count(0)
        note = wait_for(
            lambda: (
                Event.objects.filter(kind="note", assignment=assignment, source="app")
                .order_by("server_received_at")
                .first()
            ),
            what="the officer's note reaching the server",
        )
        assert note.officer_id == officer.pk
        payload = note.payload if isinstance(note.payload, dict) else json.loads(note.payload)
        assert payload == {"text": IM_OK[lang]}
        shot(phone, f"2-phone-answered-{lang}")

        # when: the next sweep (the usual interval again: no new silence yet)
        del settings.KUZET_SAFETY_CHECK_MINUTES
        escalation_sweep()

        # then: the check is answered by the officer's note: no duty officer's name on it
        check.refresh_from_db()
        assert (check.word_id, check.checked_by_id) == (note.pk, None)
        assert check.checked_at == note.server_received_at
        assert not SafetyCheck.objects.filter(assignment=assignment, checked_at__isnull=True)

        # and the phone shows nothing more of it
        looked_at(phone)
        phone.reload()
        expect(phone.locator("a.call", has_text=incident["number"])).to_be_visible(timeout=30_000)
        expect(phone.locator(".alert-safety")).to_have_count(0)
        shot(phone, f"3-phone-after-the-sweep-{lang}")
