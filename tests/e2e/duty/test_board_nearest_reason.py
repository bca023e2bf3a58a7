"""Why a farther unit is first, on the duty board in a real browser: a P2 theft at the seat,
the DV inspector 1 km off and a patrol car 5 km (14 min of the 30 the call allows). "Nearest
unit" offers the patrol, and says under its Send — muted, the call page's full sentence on
hover — which nearer unit it goes before and why: an officer who sees a farther unit first
with no word takes the board for wrong and sends the nearer one by hand.
Screenshots: ``var/screenshots/duty/nearest-reason-*.png``."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from backend.common import clock
from backend.people.models import Unit, UnitType
from tests import factories

from .board import board_page
from .conftest import shot

pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]

DEG = 0.01  # of latitude: 1.446 km by road
# The call page's sentence, in each language (the catalogs have it): the row's tooltip.
SENTENCE = {
    "en": "Ranked before the nearer A-DV1 (Domestic-violence inspector): this unit arrives "
    "within the call's arrival target, and the specialist stays free for its own work",
    "ru": "Выше более близкого A-DV1",
    "kk": "Жақынырақ A-DV1",
}


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_the_boards_nearest_unit_says_why_the_patrol_goes_before_the_nearer_dv_inspector(
    server: str, browser: Any, personas: Any, language: str
) -> None:
    # given: district A's only units the DV inspector 1 km off and a patrol car 5 km off
    a = personas.a
    Unit.objects.filter(district=a.district).update(active=False)
    now = clock.now()
    lat, lon = a.town.lat or 0.0, a.town.lon or 0.0
    for callsign, north, kind in (("A-DV1", 1, UnitType.DV_INSPECTOR), ("A-PC2", 5, "patrol_car")):
        factories.unit(
            callsign=callsign, district=a.district, type=kind, lat=lat + north * DEG, lon=lon,
            position_at=now - dt.timedelta(minutes=2), last_contact_at=now,
        )  # fmt: skip
    call = factories.incident(
        district=a.district, settlement=a.town, category="theft", priority="P2",
        summary="кража из дома", received_at=now - dt.timedelta(minutes=1),
    )  # fmt: skip
    page = board_page(browser, server, personas.duty, language=language)
    row = page.locator("#incidents tr", has_text=call.number)

    # when
    row.locator("button.recommend").click()

    # then: Send for the patrol, and the reason under it naming the nearer inspector
    send = row.locator("button.dispatch")
    send.wait_for()
    assert "A-PC2" in send.inner_text()
    reason = row.locator(".ranked-for")
    assert "A-DV1" in reason.inner_text()
    assert (reason.get_attribute("title") or "").startswith(SENTENCE[language])
    if language == "en":
        assert reason.inner_text() == (
            "Before the nearer A-DV1 (Domestic-violence inspector): the specialist kept free"
        )
    # muted (the .warn beside it is red)
    assert reason.evaluate("e => getComputedStyle(e).color") == "rgb(102, 102, 119)"
    assert page.kuzet_errors == []
    full = shot(page, f"nearest-reason-{language}")
    row.screenshot(path=str(full.with_name(f"nearest-reason-{language}-row.png")))
