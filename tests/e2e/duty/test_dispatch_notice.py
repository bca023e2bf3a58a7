"""After the duty officer sends a unit, the notice is one sentence naming the unit, the call
and what comes next — the deadline to acknowledge and the alert after it. It read
"Направлен: 2026-00012 → A-PC1 (Направлен)", the status twice and nothing of what the desk
waits for. Screenshots: ``var/screenshots/duty/dispatch-notice-{en,ru,kk}.png``."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from backend.common import clock
from backend.common.formatting import when_text
from tests import factories

from .conftest import log_in, shot

pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NOTICE = {
    "en": "{unit} is sent to call {number}; the crew must acknowledge by {time}, "
    "or the board raises an alert.",
    "ru": "{unit} направлен на вызов {number}; экипаж должен подтвердить до {time}, "
    "иначе на табло будет тревога.",
    "kk": "{unit} {number} шақыруына жіберілді; наряд {time} дейін растауы керек, "
    "әйтпесе таблода дабыл көтеріледі.",
}
STATUS = {"en": "Dispatched", "ru": "Направлен", "kk": "Жіберілді"}


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_the_dispatch_notice_names_the_call_the_unit_and_the_deadline_once(
    server: str, browser: Any, personas: Any, language: str
) -> None:
    # given: a call in district A's town, its patrol car nearest
    a = personas.a
    call = factories.incident(
        district=a.district, settlement=a.town, received_at=clock.now() - dt.timedelta(minutes=2)
    )
    page = log_in(browser, server, personas.duty, language=language)
    page.goto(f"{server}/admin/dispatch/incident/{call.pk}/change/")
    page.wait_for_selector("#kuzet-dispatch")

    # when: he sends the top recommendation
    page.locator("#kuzet-dispatch tr.kuzet-unit").first.locator("input[type=submit]").click()
    notice = page.locator("#panel ul.messagelist li.success")
    notice.wait_for(timeout=30_000)

    # then: one sentence, the status word not repeated
    sent = call.assignments.get()
    assert notice.inner_text() == NOTICE[language].format(
        unit=sent.unit.callsign, number=call.number, time=when_text(sent.ack_due_at)
    )
    assert STATUS[language] not in notice.inner_text()
    shot(page, f"dispatch-notice-{language}")
    assert page.kuzet_errors == []
