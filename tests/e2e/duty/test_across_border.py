"""Units across the border on the incident page, in a real browser: a robbery in a border
village of Ayagoz district, Ayagoz's own patrol 39 minutes away, Abai district's patrol
B-PC1 six minutes away across the line. Ayagoz's own desk reads the nearer unit and whom to
ask, with no button; the oblast ЦОУ sends it with the usual Dispatch. In English, Russian
and Kazakh. Screenshots: ``var/walk-border/``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from backend.common import clock
from backend.dispatch.models import Assignment
from backend.dispatch.services import incident_dispatch
from backend.geo.models import Zone
from backend.geo.travel import destination
from backend.people.models import Role, Unit
from tests import factories

from .conftest import log_in

pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = Path(settings.BASE_DIR) / "var" / "walk-border"
LAT, LON = 48.45, 79.95
# What each reader sees: the heading, the desk's line, and the Dispatch notice.
WORDS = {
    "en": {
        "heading": "Nearer, across the border",
        "line": "Nearer, in Abai district: B-PC1 · 7 km · ~6 min — ask that district's desk "
        "or the oblast ЦОУ",
        "sooner": "32 min",
        "dispatched": "is sent to call",
    },
    "ru": {
        "heading": "Ближе — наряды соседних районов",
        "line": "Ближе, Абайский район: B-PC1 · 7 км · ~6 мин — обратитесь в дежурную часть "
        "этого района или в ЦОУ области",
        "sooner": "32 мин",
        "dispatched": "направлен на вызов",
    },
    "kk": {
        "heading": "Жақынырақ — көрші аудандардың нарядтары",
        "line": "Жақынырақ, Абай ауданы: B-PC1 · 7 км · ~6 мин — сол ауданның кезекші "
        "бөліміне немесе облыстық ЖБО-ға хабарласыңыз",
        "sooner": "32 мин",
        "dispatched": "шақыруына жіберілді",
    },
}


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def place(unit: Unit, km: float, bearing: float) -> None:
    now = clock.now()
    lat, lon = destination(LAT, LON, bearing, km)
    Unit.objects.filter(pk=unit.pk).update(
        lat=lat, lon=lon, position_at=now - dt.timedelta(minutes=2), last_contact_at=now
    )


def border_call(personas: Any) -> Any:
    a, b = personas.a, personas.b
    # English readers read the KATO's Russian name; here an English one for the English page
    b.district.name_kk = "Абай ауданы"
    b.district.save(update_fields=["name_kk"])
    village = factories.settlement(
        okrug=a.okrug, kato=a.okrug.kato[:6] + "300", name="Коктал", lat=LAT, lon=LON,
        zone=Zone.RURAL, road_km_to_seat=120,
    )  # fmt: skip
    place(a.patrol, 30, 135)  # 39 road km: 39 min
    place(a.inspector_unit, 160, 190)
    place(b.patrol, 5, 300)  # 6½ min
    place(b.inspector_unit, 38, 320)  # 49 min: slower than A's own, not offered
    return factories.incident(
        district=a.district, settlement=village, priority="P1", category="robbery",
        summary="грабёж у магазина", received_at=clock.now() - dt.timedelta(minutes=2),
    )  # fmt: skip


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_a_district_desk_reads_the_nearer_unit_and_whom_to_ask(
    server: str, browser: Any, personas: Any, language: str
) -> None:
    # given
    call = border_call(personas)
    if language == "en":
        personas.b.district.name = "Abai district"
        personas.b.district.save(update_fields=["name"])
    desk = factories.officer(
        username="duty_ayagoz", role=Role.DUTY_OFFICER, district=personas.a.district
    )
    words = WORDS[language]
    page = log_in(browser, server, desk, language=language)

    # when
    page.goto(f"{server}/admin/dispatch/incident/{call.pk}/change/")
    page.wait_for_selector("#kuzet-dispatch")

    # then: its own units with their buttons; the nearer one named, with whom to ask
    own = page.locator("#kuzet-dispatch table:not(.kuzet-across) tr.kuzet-unit")
    assert own.evaluate_all("rows => rows.map(r => r.dataset.unit)") == ["A-PC1", "A-UI1"]
    assert page.locator("#kuzet-across-border").inner_text() == words["heading"]
    lines = page.locator("#kuzet-dispatch .kuzet-across-line").all_inner_texts()
    assert lines == [words["line"]]
    assert page.locator(f"#kuzet-dispatch-{personas.b.patrol.pk}").count() == 0
    assert page.locator("#kuzet-dispatch table.kuzet-across").count() == 0
    assert page.kuzet_errors == []
    shot(page, f"desk-{language}")


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_the_oblast_desk_sends_the_nearer_unit_across_the_border(
    server: str, browser: Any, personas: Any, language: str
) -> None:
    # given
    call = border_call(personas)
    if language == "en":
        personas.b.district.name = "Abai district"
        personas.b.district.save(update_fields=["name"])
    words = WORDS[language]
    page = log_in(browser, server, personas.duty, language=language)
    page.goto(f"{server}/admin/dispatch/incident/{call.pk}/change/")
    page.wait_for_selector("#kuzet-dispatch")
    row = page.locator("#kuzet-dispatch table.kuzet-across tr.kuzet-unit")
    assert row.evaluate_all("rows => rows.map(r => r.dataset.unit)") == ["B-PC1"]
    cells = row.first.locator("td").all_inner_texts()
    district = {"en": "Abai district", "ru": "Абайский район", "kk": "Абай ауданы"}[language]
    assert (cells[1], cells[4]) == (district, words["sooner"])
    assert page.locator("#kuzet-dispatch .kuzet-across-line").count() == 0
    shot(page, f"oblast-{language}-before")

    # when
    page.locator(f"#kuzet-dispatch-{personas.b.patrol.pk}").click()
    page.wait_for_selector(
        f"#panel ul.messagelist li:has-text({words['dispatched']!r})", timeout=30_000
    )

    # then
    sent = Assignment.objects.get(incident=call)
    assert (sent.unit_id, sent.status) == (personas.b.patrol.pk, "dispatched")
    assert page.locator("#kuzet-assignments tr.kuzet-assignment[data-unit='B-PC1']").count() == 1
    assert page.kuzet_errors == []
    shot(page, f"oblast-{language}-sent")


# The board's page waits for its socket: uvicorn on PostgreSQL with Redis (test_board.py).
@pytest.mark.postgres
@pytest.mark.redis
def test_the_units_own_desk_follows_it_on_the_board_to_the_other_districts_call(
    server: str, browser: Any, personas: Any
) -> None:
    # given: the oblast ЦОУ sent Abai district's B-PC1 to the border village of Ayagoz
    call = border_call(personas)
    sent = incident_dispatch(incident=call, unit=personas.b.patrol, by=personas.duty)
    desk = factories.officer(
        username="duty_abai", role=Role.DUTY_OFFICER, district=personas.b.district
    )
    page = log_in(browser, server, desk)

    # when
    page.goto(f"{server}/board/")
    page.wait_for_selector("body[data-live]", timeout=10_000)

    # then: its row, the call linked to its read-only page (test_lent_unit.py), nothing to
    # record on it
    row = page.locator("#assignments tr", has_text="B-PC1")
    row.wait_for()
    cells = row.locator("td").all_inner_texts()
    assert cells[:2] == [call.number, "B-PC1 · on another district's call"]
    assert row.locator("a.lent-link").get_attribute("href").endswith(f"/{call.pk}/change/")
    assert row.locator("button.ack").count() == 0
    assert page.locator("#incidents tr", has_text=call.number).count() == 0
    alert = page.locator("#alerts li", has_text="B-PC1")
    assert "sent to a call of another district, in Коктал" in alert.inner_text()
    assert alert.locator("a.lent-link").inner_text() == call.number
    assert Assignment.objects.get(pk=sent.pk).status == "dispatched"
    assert page.kuzet_errors == []
    shot(page, "board-unit-desk-en")


@pytest.mark.postgres
@pytest.mark.redis
def test_on_the_board_the_nearest_unit_names_the_one_across_the_border(
    server: str, browser: Any, personas: Any
) -> None:
    # given: the border call waiting; the oblast ЦОУ's board
    call = border_call(personas)
    page = log_in(browser, server, personas.duty)
    page.goto(f"{server}/board/")
    page.wait_for_selector("body[data-live]", timeout=10_000)
    row = page.locator("#incidents tr", has_text=call.number)

    # when
    row.locator("button.recommend").click()

    # then: Send for Ayagoz's own patrol as before, and the nearer one named, to the panel
    send = row.locator("button.dispatch")
    send.wait_for()
    assert send.inner_text().startswith("Send A-PC1")
    link = row.locator("a.across-link")
    assert link.inner_text() == "nearer across the border: B-PC1 ≈6 min"
    assert link.get_attribute("href").endswith(f"/{call.pk}/change/#kuzet-across-border")
    assert page.kuzet_errors == []
    shot(page, "board-oblast-nearest-en")
