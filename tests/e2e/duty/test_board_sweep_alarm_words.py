"""The board's red bar for a stopped escalation sweep, read by a Kazakh duty officer in Debian's
chromium: how long ago the sweep ran and after how long the alarm comes, in words beside the
board's clock. It read "соңғы рет 3:00:12 бұрын … (дабыл 0:30 кейін)", a time of day beside
"07.12.2026 16:40:11". Screenshot: ``var/screenshots/duty/board-sweep-alarm-kk.png``."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from backend.common import clock
from backend.ops.heartbeat import ESCALATION_SWEEP
from backend.ops.models import Heartbeat

from .conftest import log_in, shot

pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

pytestmark = [pytest.mark.browser]

IN_WORDS = re.compile(
    r"^Эскалация жұмыс істемейді: эскалация тексерісі соңғы рет \d+ сағ \d\d мин бұрын іске "
    r"қосылды \(дабыл \d+ (с|мин|мин \d\d с) кейін\)\."
)


def test_the_stopped_sweeps_bar_says_its_age_in_words_in_kazakh(
    server: str, browser: Any, personas: Any
) -> None:
    # given: the sweep last ran three hours ago (beat stopped); the desk reads Kazakh
    Heartbeat.objects.create(
        name=ESCALATION_SWEEP, at=clock.now() - dt.timedelta(hours=3), duration_ms=0
    )
    page = log_in(browser, server, personas.duty, language="kk")

    # when
    page.goto(f"{server}/board/")
    bar = page.locator("#alarms p.escalation_stopped")
    bar.wait_for(timeout=10_000)
    shot(page, "board-sweep-alarm-kk")

    # then: hours and minutes in words, no m:ss or h:mm:ss beside the clock
    text = bar.inner_text()
    assert IN_WORDS.match(text), text
    assert not re.search(r"\d:\d\d", text), text
    assert page.kuzet_errors == []
