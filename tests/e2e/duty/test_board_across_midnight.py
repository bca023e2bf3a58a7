"""The board read across midnight on a night shift (Debian's chromium driven by Playwright,
its clock moved past the district's midnight): the times the board wrote before it — a call
received at 20:48 that read "20:48:00", its waiting alert — take their date once the day
has changed, beside the new day's undated times. Written before midnight, they kept reading
"20:48:00" until something changed their row, and the alerts' list until the next alert.
Screenshot: ``var/screenshots/duty/board-midnight.png``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from backend.common import clock
from backend.dispatch.services.escalation import escalation_sweep
from tests import factories

from .board import units_heard_now
from .conftest import log_in

expect = pytest.importorskip(
    "playwright.sync_api", reason="the playwright package is missing"
).expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LAPTOP = {"width": 1366, "height": 768}
SHOTS = Path(settings.BASE_DIR) / "var" / "screenshots" / "duty"


def test_past_midnight_the_boards_earlier_times_take_their_date(
    server: str, browser: Any, personas: Any
) -> None:
    # given: a call waiting 15 minutes, its waiting alert raised two minutes ago
    units_heard_now(personas)
    now = clock.now()
    call = factories.incident(
        district=personas.a.district, settlement=personas.a.village, priority="P2",
        category="theft", received_at=now - dt.timedelta(minutes=15),
    )  # fmt: skip
    with clock.frozen(now - dt.timedelta(minutes=2)):
        escalation_sweep()
    local = ZoneInfo(settings.TIME_ZONE)
    received = call.received_at.astimezone(local)
    alerted = (now - dt.timedelta(minutes=2)).astimezone(local)
    # the board without its socket: nothing but its own clock changes what it shows
    page = log_in(browser, server, personas.duty, language="ru", viewport=LAPTOP)
    page.route_web_socket("**/ws/**", lambda socket: None)
    page.clock.install()
    page.goto(f"{server}/board/")
    today = now.astimezone(local).date()

    def written(moment: dt.datetime) -> str:  # as the board writes it today: undated
        return moment.strftime("%H:%M:%S" if moment.date() == today else "%d.%m.%Y %H:%M:%S")

    cell = page.locator(f"#incidents tr[data-id='{call.pk}'] td.received")
    expect(cell).to_have_text(written(received))
    alert = page.locator("#alerts li .when").first
    expect(alert).to_have_text(written(alerted))
    # how long the call waited in words: "ждёт 13:00" read as a time of day
    expect(page.locator("#alerts li").first).to_contain_text("ждёт 13 мин")

    # when: the night goes on past the district's midnight
    midnight = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(0, 0, 30), tzinfo=local)
    page.clock.set_system_time(midnight)

    # then: yesterday's times read with their date, the header's clock the new day
    expect(page.locator("#clock")).to_contain_text(midnight.strftime("%d.%m.%Y"))
    expect(cell).to_have_text(received.strftime("%d.%m.%Y %H:%M:%S"))
    expect(alert).to_have_text(alerted.strftime("%d.%m.%Y %H:%M:%S"))
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "board-midnight.png"))
    assert page.kuzet_errors == []
