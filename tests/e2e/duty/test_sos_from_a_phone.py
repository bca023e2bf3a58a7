"""An SOS pressed on a patrol officer's phone — the reference client, over HTTP, as the field
app sends it — reaches its own district's desk board live, in Kazakh: the banner and the
alert (an exploratory run saw neither after 2.5 s). Screenshots: ``var/duty_walk/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from backend.dispatch.services import incident_dispatch
from backend.people.models import Role
from sync.client import DeviceClient
from tests import factories

from .board import board_page, units_heard_now
from .conftest import log_in
from .test_across_border import border_call

expect = pytest.importorskip(
    "playwright.sync_api", reason="the playwright package is missing"
).expect

# The board waits for its socket: uvicorn on PostgreSQL with Redis (test_board.py).
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]

SHOTS = Path(settings.BASE_DIR) / "var" / "duty_walk"
LAPTOP = {"width": 1280, "height": 800}
LIVE_WITHIN_MS = 10_000


def test_an_sos_from_a_patrols_phone_reaches_its_districts_board_in_kazakh(
    server: str, browser: Any, personas: Any
) -> None:
    # given: Ayagoz's own duty desk has its board open, in Kazakh; A-PC1's officer's phone
    units_heard_now(personas)
    desk = factories.officer(
        username="duty_ayagoz_sos", role=Role.DUTY_OFFICER, district=personas.a.district
    )
    page = board_page(browser, server, desk, language="kk", viewport=LAPTOP)
    _, token = personas.device(personas.a.patrol_officers[0])
    phone = DeviceClient(":memory:", server, token=token)

    # when: the officer holds SOS; the phone syncs
    phone.record_event(
        "sos", None, {}, lat=personas.a.town.lat, lon=personas.a.town.lon, accuracy_m=12
    )
    phone.sync()
    phone.close()

    # then: the desk's board shows the SOS banner for A-PC1 and the alert, live
    banner = page.locator("#sos .banner:not(.safety)")
    expect(banner).to_contain_text("A-PC1", timeout=LIVE_WITHIN_MS)
    expect(page.locator("#alerts li.sos")).to_have_count(1)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "80-sos-from-a-phone-kk.png"))
    assert page.kuzet_errors == []


def test_an_sos_from_a_patrol_lent_to_another_districts_call_reaches_its_own_desk(
    server: str, browser: Any, personas: Any
) -> None:
    # given: Abai's (B's) B-PC1 sent to Ayagoz's call; Abai's own desk has its board open,
    # in Kazakh; B-PC1's officer's phone
    units_heard_now(personas)
    call = border_call(personas)
    incident_dispatch(incident=call, unit=personas.b.patrol, by=personas.duty)
    desk = factories.officer(
        username="duty_abai_sos", role=Role.DUTY_OFFICER, district=personas.b.district
    )
    page = board_page(browser, server, desk, language="kk", viewport=LAPTOP)
    _, token = personas.device(personas.b.patrol_officers[0])
    phone = DeviceClient(":memory:", server, token=token)

    # when: the officer holds SOS on the other district's call; the phone syncs
    phone.record_event(
        "sos", None, {}, lat=personas.a.village.lat, lon=personas.a.village.lon, accuracy_m=12
    )
    phone.sync()
    phone.close()

    # then: the unit's own desk sees its SOS, live
    expect(page.locator("#sos .banner:not(.safety)")).to_contain_text(
        "B-PC1", timeout=LIVE_WITHIN_MS
    )
    page.screenshot(path=str(SHOTS / "81-sos-lent-patrol-kk.png"))
    assert page.kuzet_errors == []


def test_an_sos_that_arrives_while_the_board_reloads_its_snapshot_stays_on_it(
    server: str, browser: Any, personas: Any
) -> None:
    # given: Ayagoz's desk opening its board, in Kazakh; the snapshot the board loads on the
    # socket's hello is read by the server before the SOS, and reaches the board after it
    units_heard_now(personas)
    desk = factories.officer(
        username="duty_ayagoz_race", role=Role.DUTY_OFFICER, district=personas.a.district
    )
    page = log_in(browser, server, desk, language="kk", viewport=LAPTOP)
    held: list[tuple[Any, Any]] = []

    def hold_the_snapshot(route: Any) -> None:
        if held:
            route.continue_()
        else:
            held.append((route, route.fetch()))  # read now, answered later

    page.route("**/board/state/", hold_the_snapshot)
    with page.expect_request("**/board/state/", timeout=LIVE_WITHIN_MS):
        page.goto(f"{server}/board/")
    _, token = personas.device(personas.a.patrol_officers[0])
    phone = DeviceClient(":memory:", server, token=token)

    # when: the hello's snapshot is held; the officer's SOS comes live meanwhile
    while not held:  # the handler has read the snapshot
        page.wait_for_timeout(50)
    phone.record_event(
        "sos", None, {}, lat=personas.a.town.lat, lon=personas.a.town.lon, accuracy_m=12
    )
    phone.sync()
    phone.close()
    banner = page.locator("#sos .banner:not(.safety)")
    expect(banner).to_contain_text("A-PC1", timeout=LIVE_WITHIN_MS)
    route, response = held[0]
    route.fulfill(response=response)

    # then: the board goes live on the older snapshot, and the SOS is still on it
    page.wait_for_selector("body[data-live]", timeout=LIVE_WITHIN_MS)
    expect(banner).to_contain_text("A-PC1")
    expect(page.locator("#alerts li.sos")).to_have_count(1)
    # and the unit's row is in SOS, with the SOS's buttons on the banner (it read "free")
    expect(page.locator("#units tr.sos", has_text="A-PC1")).to_have_count(1)
    page.screenshot(path=str(SHOTS / "82-sos-during-reload-kk.png"))
    assert page.kuzet_errors == []
