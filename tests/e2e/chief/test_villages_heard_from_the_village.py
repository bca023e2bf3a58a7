"""The villages report in a real browser, in Kazakh and in Russian, on a 1280 × 800 laptop:
beside the delivery to the crew (reached at the district seat in seconds) each village says
how late it was heard — its crew's "on scene" tap held 40 minutes by the white spot of a
village with no coverage — and the figure opens the assignment behind it; the chart of the
white spot by coverage level is drawn first. Screenshots: ``var/screenshots/villages/``."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from backend.common import clock
from backend.dispatch.models import Event
from backend.geo.models import Coverage, Zone
from tests import factories
from tests.e2e import browser as shared

from .console import chief_logged_in

pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SHOTS = shared.ROOT / "var" / "screenshots" / "villages"
LAPTOP = {"width": 1280, "height": 800}


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _week_of_calls(personas: Any) -> None:
    """Calls of the last days: Шолпан (no coverage), its crews' taps 35–45 min late; Ақтоғай
    (2G/SMS) 8–12 min; Аягөз (LTE) seconds. Every crew's phone was reached at the seat in 4 s."""
    a = personas.a
    a.town.coverage = Coverage.LTE
    a.town.save(update_fields=["coverage"])
    sholpan = factories.settlement(
        okrug=a.village.okrug, kato="103611999", name="Шолпан", lat=47.5, lon=80.5,
        zone=Zone.REMOTE, coverage=Coverage.NONE, road_km_to_seat=96,
    )  # fmt: skip
    device_id, _ = personas.device(a.patrol_officers[0])
    now = clock.now()
    lags = {sholpan: (2100, 2400, 2700), a.village: (480, 600, 720), a.town: (2, 3, 5)}
    arrival = {sholpan: 70, a.village: 55, a.town: 15}  # minutes after dispatch
    for place, seconds in lags.items():
        for day, lag in enumerate(seconds, start=1):
            received = now - dt.timedelta(days=day, hours=2)
            asg = factories.assignment(
                incident=factories.incident(
                    district=a.district, settlement=place, received_at=received
                ),
                unit=a.patrol,
                dispatched_at=received + dt.timedelta(minutes=1),
                delivered_at=received + dt.timedelta(minutes=1, seconds=4),
                en_route_at=received + dt.timedelta(minutes=2),
                on_scene_at=received + dt.timedelta(minutes=1 + arrival[place]),
                status="on_scene",
            )
            Event.objects.create(
                id=f"ev-e2e-heard-{asg.pk}",
                kind="on_scene",
                source="app",
                assignment=asg,
                incident=asg.incident,
                unit=asg.unit,
                device_id=device_id,
                content_hash="0" * 64,
                server_received_at=asg.on_scene_at + dt.timedelta(seconds=lag),
                estimated_at=asg.on_scene_at,
                estimate_method="anchor",
                disposition="applied",
            )


def test_a_chief_reads_how_late_each_village_was_heard_in_kazakh_and_russian(
    server: str, browser: Any, personas: Any
) -> None:
    # given
    _week_of_calls(personas)
    chief = personas.a.chief
    page, errors = chief_logged_in(browser, server, chief, viewport=LAPTOP)

    for language in ("kk", "ru"):
        chief.language = language
        chief.save(update_fields=["language"])

        # when
        page.goto(f"{server}/admin/reports/villages/")
        page.wait_for_selector("#table-villages tbody tr")
        page.wait_for_function("[...document.images].every(i => i.complete && i.naturalWidth > 0)")
        shot(page, f"{language}-villages")
        groups = page.locator("#table-villages thead tr.groups th").all_inner_texts()
        header = [g.strip() for g in groups if g.strip()]
        first = page.locator("#table-villages tbody tr").first.locator("td")
        cells = [c.strip() for c in first.all_inner_texts()]
        charts = page.locator(".charts img").evaluate_all("els => els.map(e => e.src)")
        # every column on the laptop's screen, none cut off under a scroll bar
        table_width = page.locator("#table-villages table").evaluate("t => t.scrollWidth")

        # then: Шолпан first (its response the longest), delivered in 4 s, heard 40 min late
        assert cells[1] == "Шолпан"
        assert cells[-2:] == ["40:00", "44:00"]
        assert cells[-6:-4] == ["0:04", "0:04"]
        assert len(header) == 4  # response, delivery, travel, heard from the village
        assert "heard-by-coverage" in charts[0]
        assert table_width <= LAPTOP["width"]

    # when: the median opens the assignments behind it
    page.locator("#table-villages tbody tr").first.locator("td").nth(-2).locator("a").click()
    page.wait_for_selector("#table-incidents tbody tr")
    shot(page, "ru-heard-drilldown")
    listed = page.locator("#table-incidents tbody tr").count()

    # then: Шолпан's three assignments, the slowest first
    assert listed == 3
    assert "45 мин 00 с" in page.locator("#table-incidents tbody tr").first.inner_text()
    assert errors == []
