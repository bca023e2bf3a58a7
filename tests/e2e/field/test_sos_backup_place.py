"""An officer's SOS backup call away from its village, on a crew's phone (Debian's chromium,
390 × 844, against uvicorn on PostgreSQL): the call screen and the list say how far and which
way from the village in the officer's language, then the coordinates the server stores (they
showed the bare "47.98400, 80.46400").

Screenshots: var/walk-sos-words/1x-*.png.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from backend.geo.models import Settlement
from tests.e2e import browser
from tests.e2e.browser import SCREENSHOTS

from .test_readable_screens import dispatch_call, officer_phone

expect = pytest.importorskip(
    "playwright.sync_api", reason="the playwright package is missing"
).expect

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

WALK = SCREENSHOTS.parent / "walk-sos-words"
WORDS = {
    "kk": r"Аягөз — солтүстік-шығысқа қарай \d,\d км",
    "ru": r"\d,\d км к северо-востоку от Аягоз",
}


def shot(page: Any, name: str) -> Path:
    WALK.mkdir(parents=True, exist_ok=True)
    path = WALK / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_a_backup_call_on_the_phone_says_how_far_and_which_way_from_the_village(
    field_server: Any, duty_api: Any, personas: Any, profile: Any, lang: str
) -> None:
    # given: the backup call of an officer about 3 km north-east of the town (Аягөз in
    # Kazakh): its landmark the point's coordinates, as services.sos.backup_landmark stores it
    a = personas.a
    Settlement.objects.filter(pk=a.town.pk).update(name_kk="Аягөз")
    lat, lon = a.town.lat + 0.02, a.town.lon + 0.03
    coordinates = f"{lat:.5f}, {lon:.5f}"
    with (
        browser.playwright() as driver,
        officer_phone(driver, profile, field_server, a.inspector, lang) as page,
    ):
        # when: the desk sends the inspector's unit to it
        incident = dispatch_call(
            duty_api,
            a,
            a.inspector_unit,
            category="officer_sos",
            lat=lat,
            lon=lon,
            landmark=coordinates,
            summary="Асхат Нурланов (A-PC1)",
            caller={},
        )

        # then: the list and the call screen say the way, the village and the coordinates
        card = page.locator("a.call", has_text=incident["number"])
        expect(card).to_be_visible()
        where = re.compile(WORDS[lang] + re.escape(f" ({coordinates})"))
        expect(card.locator(".call-place")).to_have_text(where)
        shot(page, f"10-phone-call-list-{lang}")
        card.click()
        expect(page.locator("dl.facts dd.landmark")).to_have_text(where)
        shot(page, f"11-phone-call-screen-{lang}")
