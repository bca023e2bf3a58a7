"""Why a farther unit is first, on the call's page in a real browser: a P2 theft at the seat,
the DV inspector 1 km off and a patrol car 5 km (14 min of the 30 the call allows). The
patrol is first, and says under its type which nearer unit it goes before and why.
Screenshots: ``var/screenshots/call-page-ranked-for/``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from backend.common import clock
from backend.people.models import Unit, UnitType
from tests import factories

from .conftest import log_in

pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = Path(settings.BASE_DIR) / "var" / "screenshots" / "call-page-ranked-for"
DEG = 0.01  # of latitude: 1.446 km by road


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_the_patrol_first_says_why_it_goes_before_the_nearer_dv_inspector(
    server: str, browser: Any, personas: Any, language: str
) -> None:
    # given
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
    page = log_in(browser, server, a.chief, language=language)

    # when
    page.goto(f"{server}/admin/dispatch/incident/{call.pk}/change/")
    page.wait_for_selector("#kuzet-dispatch")

    # then
    rows = page.locator("#kuzet-dispatch table:not(.kuzet-across) tr.kuzet-unit")
    assert rows.evaluate_all("rows => rows.map(r => r.dataset.unit)") == ["A-PC2", "A-DV1"]
    reasons = page.locator("#kuzet-dispatch .kuzet-ranked-for").all_inner_texts()
    assert len(reasons) == 1
    assert "A-DV1" in reasons[0]
    if language == "en":
        assert reasons == [
            "Ranked before the nearer A-DV1 (Domestic-violence inspector): this unit arrives "
            "within the call's arrival target, and the specialist stays free for its own work"
        ]
    assert page.kuzet_errors == []
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#kuzet-dispatch").screenshot(path=str(SHOTS / f"{language}.png"))
