"""The officer-safety check's banner on the live board, in a real browser on a 1280 × 800
laptop: the silence it reads stops when the crew is raised, and a district's desk sees the
check on its own crew lent to another district's call, live, read-only (the call's desk
answers it), and a check the crew's own word answered stays answered after a reload.
Screenshots: ``var/duty_walk/``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from backend.common import clock
from backend.devices.models import Device
from backend.dispatch.lifecycle import EventKind
from backend.dispatch.models import SafetyCheck
from backend.dispatch.services import (
    assignment_record_on_behalf,
    escalation_sweep,
    incident_dispatch,
)
from backend.people.models import Role
from backend.realtime.alerts import safety_check_ok
from backend.realtime.models import BoardAlert
from backend.sync_gateway.push import push_records
from tests import factories

from .board import open_board, silent_on_scene, units_heard_now
from .conftest import log_in
from .test_across_border import border_call

pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

# The board waits for its socket: uvicorn on PostgreSQL with Redis (test_board.py).
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]

SHOTS = Path(settings.BASE_DIR) / "var" / "duty_walk"
LAPTOP = {"width": 1280, "height": 800}
LIVE_WITHIN_MS = 10_000


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def in_language(language: str, text: str) -> str:
    with translation.override(language):
        return gettext(text)


def test_a_checked_crews_banner_reads_the_silence_up_to_the_answer(
    server: str, browser: Any, personas: Any
) -> None:
    # given: A-PC1 on scene at a P1 call, silent 20 min 59 s until the desk raised it by radio
    # two seconds ago (the check fired at 20 min 30 s)
    units_heard_now(personas)
    answered = clock.now() - dt.timedelta(seconds=2)
    on_scene = answered - dt.timedelta(minutes=20, seconds=59)
    with clock.frozen(on_scene - dt.timedelta(minutes=5)):
        call = factories.incident(
            district=personas.a.district, settlement=personas.a.village, priority="P1",
            category="robbery", received_at=clock.now(),
        )  # fmt: skip
        sent = incident_dispatch(incident=call, unit=personas.a.patrol, by=personas.duty)
    with clock.frozen(on_scene):
        assignment_record_on_behalf(
            assignment=sent, by=personas.duty, kind=EventKind.ON_SCENE, channel="radio"
        )
    with clock.frozen(on_scene + dt.timedelta(minutes=20, seconds=30)):
        escalation_sweep()
    with clock.frozen(answered):  # the board's "Officer OK"
        safety_check_ok(
            alert_id=BoardAlert.objects.get(kind="unit.safety_check").pk, by=personas.duty
        )

    # when: the desk's board, a moment later
    page = log_in(browser, server, personas.duty, language="ru", viewport=LAPTOP)
    open_board(page, server)

    # then: the green banner says how long the crew was silent — until it was raised, not
    # until now (it read "без связи 21 мин" of a crew just heard on the radio, and counted on)
    banner = page.locator("#sos .banner.safety.acknowledged")
    banner.wait_for(timeout=LIVE_WITHIN_MS)
    text = banner.inner_text()
    assert "A-PC1" in text
    assert "без связи 20 мин" in text, text
    shot(page, "50-safety-checked-silence-stops-ru")
    assert page.kuzet_errors == []


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_the_crews_own_desk_sees_its_check_on_the_other_districts_call_live(
    server: str, browser: Any, personas: Any, language: str
) -> None:
    # given: Abai's (B's) B-PC1 sent to Ayagoz's robbery 40 minutes ago, on scene by radio 35
    # minutes ago and silent since; Abai's desk has its board open
    personas.a.district.name_kk = "Аягөз ауданы"
    personas.a.district.save(update_fields=["name_kk"])
    start = clock.now() - dt.timedelta(minutes=40)
    with clock.frozen(start):
        call = border_call(personas)
        sent = incident_dispatch(incident=call, unit=personas.b.patrol, by=personas.duty)
    with clock.frozen(start + dt.timedelta(minutes=5)):
        assignment_record_on_behalf(
            assignment=sent, by=personas.duty, kind=EventKind.ON_SCENE, channel="radio"
        )
    desk_a = factories.officer(
        username="duty_ayagoz", role=Role.DUTY_OFFICER, district=personas.a.district
    )
    desk_b = factories.officer(
        username="duty_abai", role=Role.DUTY_OFFICER, district=personas.b.district
    )
    page = log_in(browser, server, desk_b, language=language, viewport=LAPTOP)
    open_board(page, server)

    # when: the sweep finds the crew silent past its P1 interval
    escalation_sweep()

    # then: Abai's board puts the check on its own crew before the desk, live: which call,
    # that it is another district's (the number opens that call's page read-only), how long
    # silent, and no "Officer OK" — the call's desk answers it
    banner = page.locator("#sos .banner.safety.lent")
    banner.wait_for(timeout=LIVE_WITHIN_MS)
    text = banner.inner_text()
    assert in_language(language, "Check on") + " B-PC1" in text
    assert in_language(language, "on another district's call") in text
    assert banner.locator("a.lent-link").inner_text() == call.number
    assert banner.locator("button").count() == 0
    assert {"ru": "без связи 35 мин", "kk": "35 мин бойы хабар жоқ"}[language] in text, text
    shot(page, f"51-lent-crew-check-{language}")

    # when: Ayagoz's desk raises the crew on the radio and answers the check
    safety_check_ok(alert_id=BoardAlert.objects.get(kind="unit.safety_check").pk, by=desk_a)

    # then: the banner leaves Abai's board too
    banner.wait_for(state="detached", timeout=LIVE_WITHIN_MS)
    assert page.locator("#sos .banner.safety").count() == 0
    assert page.kuzet_errors == []


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_a_check_the_crews_word_answered_stays_answered_after_a_reload(
    server: str, browser: Any, personas: Any, language: str
) -> None:
    # given: A-PC1 on scene at a P1 call since 25 minutes ago, silent; the check fires, then
    # its officer writes a note on the call from his phone and the next sweep answers it
    units_heard_now(personas)
    sent = silent_on_scene(personas)
    device_id, _ = personas.device(personas.a.patrol_officers[0])
    note = {
        "id": f"evt-note-reload-{language}", "kind": "note", "assignment_id": str(sent.pk),
        "device_time": clock.now_ms(), "boot_id": "boot-1", "elapsed_ms": 100_000,
        "lat": None, "lon": None, "accuracy_m": None, "gps_time": None,
        "payload": {"text": "Всё спокойно, составляем протокол"},
    }  # fmt: skip
    push_records(
        device=Device.objects.get(pk=device_id), body_or_records=[note], clock=None, via="http"
    )
    escalation_sweep()
    assert SafetyCheck.objects.get().checked_at is not None

    # when: the desk opens its board (a reload, the next shift's first look)
    page = log_in(browser, server, personas.duty, language=language, viewport=LAPTOP)
    open_board(page, server)

    # then: the check reads answered by the crew's note — not amber again, with an "Officer
    # OK" the server would refuse as already answered
    banner = page.locator("#sos .banner.safety")
    banner.wait_for(timeout=LIVE_WITHIN_MS)
    assert banner.count() == 1
    assert "acknowledged" in (banner.get_attribute("class") or "")
    with translation.override(language):
        heard = gettext("the crew was heard from: %(what)s") % {"what": EventKind.NOTE.label}
    assert heard in banner.inner_text()
    assert page.locator("#sos button.safety-ok").count() == 0
    shot(page, f"52-safety-heard-after-reload-{language}")
    assert page.kuzet_errors == []
