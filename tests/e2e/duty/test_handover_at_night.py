"""The handover opened in the middle of the night shift offers the night shift, from 20:00
Kazakhstan time (UTC+5) — it offered the day shift from 08:00, the shift whose end was nearest,
eighteen hours back; opened a quarter of an hour after 08:00, still the night shift just
handed over. Screenshots: ``var/screenshots/duty/handover-at-night-{en,ru,kk}.png``."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test.testcases import LiveServerThread

from backend.common import clock
from backend.people.models import Role
from tests import factories
from tests.e2e.conftest import OneRequestAtATime

from .conftest import log_in, shot

pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

pytestmark = [pytest.mark.browser, pytest.mark.slow]

KAZAKHSTAN = ZoneInfo("Asia/Almaty")  # UTC+5
SHIFT = {"en": "Shift", "ru": "Смена", "kk": "Ауысым"}


@pytest.fixture
def server_on_this_clock(
    request: pytest.FixtureRequest, transactional_db: Any, settings: Any
) -> str:
    """Django's live server in this process on either database, so that the server's frozen
    clock (``clock.frozen``) is the page's; the suite's uvicorn (PostgreSQL) runs its own. The
    login helper hashes passwords for uvicorn there (PBKDF2): this server reads that hash too."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    LiveServerThread.server_class = OneRequestAtATime
    return str(request.getfixturevalue("live_server").url)


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_the_handover_opened_at_night_offers_the_night_shift(
    server_on_this_clock: str, browser: Any, personas: Any, language: str
) -> None:
    # given: district A's duty officer at 01:40 on 6 December, Kazakhstan time
    server = server_on_this_clock
    duty = factories.officer(
        username="duty_night", role=Role.DUTY_OFFICER, district=personas.a.district
    )
    night = dt.datetime(2026, 12, 6, 1, 40, tzinfo=KAZAKHSTAN)
    page = log_in(browser, server, duty, language=language)

    with clock.frozen(night.astimezone(dt.UTC)):
        # when: he opens the handover
        page.goto(f"{server}/admin/reports/handover/")

        # then: the night shift running since 20:00, not the day shift from 08:00
        shift = page.locator("#handover-shift").inner_text()
        assert shift.startswith(f"{SHIFT[language]}: 05.12.2026 20:00 – "), shift
        assert page.locator("#id_start").input_value() == "05.12.2026 20:00"
        shot(page, f"handover-at-night-{language}")

    # when: the morning relief opens it at 08:15
    with clock.frozen(night.replace(hour=8, minute=15).astimezone(dt.UTC)):
        page.goto(f"{server}/admin/reports/handover/")

        # then: still the night shift he takes over
        assert page.locator("#id_start").input_value() == "05.12.2026 20:00"

    # when: at 09:30, an hour and more into the day shift
    with clock.frozen(night.replace(hour=9, minute=30).astimezone(dt.UTC)):
        page.goto(f"{server}/admin/reports/handover/")

        # then: the day shift running
        assert page.locator("#id_start").input_value() == "06.12.2026 08:00"
    assert page.kuzet_errors == []
