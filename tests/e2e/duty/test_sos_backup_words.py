"""An officer's SOS outside a village, backup sent from the board's banner: the backup call's
page says where the officer is as the banner does — how far, which way, from which village,
in the reader's words — and the coordinates for the navigator (it said "Аягоз — 47.98012,
80.46011").

Screenshots: ``var/walk-sos-words/``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from backend.dispatch.models import Category, Incident
from backend.geo.models import Settlement
from tests.e2e.browser import SCREENSHOTS

from .board import board_page, press_sos, units_heard_now

pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.slow,
]

LIVE_WITHIN_MS = 5_000
WALK = SCREENSHOTS.parent / "walk-sos-words"

# The way and the village as each reader says them ("3,1 км к северо-востоку от Аягоз").
WORDS = {
    "ru": r"\d,\d км к северо-востоку от Аягоз",
    "kk": r"Аягөз — солтүстік-шығысқа қарай \d,\d км",
    "en": r"\d\.\d km north-east of Аягоз",
}


def shot(page: Any, name: str) -> Path:
    WALK.mkdir(parents=True, exist_ok=True)
    path = WALK / f"{name}.png"
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.mark.parametrize("lang", ["ru", "kk", "en"])
def test_the_backup_calls_page_says_how_far_and_which_way_from_the_village(
    server: str, browser: Any, personas: Any, lang: str
) -> None:
    # given: the board open in ``lang``; the town has its Kazakh name
    units_heard_now(personas)
    town = personas.a.town
    Settlement.objects.filter(pk=town.pk).update(name_kk="Аягөз")
    first, _second = personas.a.patrol_officers
    first.first_name, first.last_name = "Асхат", "Нурланов"
    first.save(update_fields=["first_name", "last_name"])
    page = board_page(browser, server, personas.duty, language=lang)

    # when: the officer presses SOS about 3 km north-east of the town, and the duty officer
    # sends backup from the banner
    press_sos(personas, officer=first, event_id=f"evt-sos-words-{lang}", north=0.02, east=0.03)
    banner = page.locator("#sos .banner")
    banner.wait_for(timeout=LIVE_WITHIN_MS)
    shot(page, f"01-sos-banner-{lang}")
    with page.context.expect_page() as opened:
        banner.locator("button.sos-backup").click()
    console = opened.value
    console.wait_for_selector("#kuzet-call", timeout=15_000)

    # then: the call's place reads as the banner's, with the officer's coordinates
    call = Incident.objects.get(category=Category.OFFICER_SOS)
    assert call.landmark == f"{call.lat:.5f}, {call.lon:.5f}"  # names and numbers stored
    place = console.locator("#kuzet-call dd.kuzet-place").inner_text()
    assert re.match(WORDS[lang] + re.escape(f" ({call.landmark}) ("), place), place
    shot(console, f"02-sos-backup-call-page-{lang}")
    assert page.kuzet_errors == []
