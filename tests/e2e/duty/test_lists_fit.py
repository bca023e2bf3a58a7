"""The console's lists on a 1440 px desk screen, for a duty officer of the whole oblast (every
list then has its district column), in Kazakh and Russian, on the demo's own data: the seed
and a few hours of history made by the simulator through the services.

Beside every list stand the menu and the filters; what a list is read for must be on the
screen without scrolling sideways (the columns after it may scroll), and the short lists must
fit whole. Screenshots: ``var/screenshots/duty/7*-lists-*``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from backend.devices.models import Device
from backend.people.models import Officer
from tests.e2e import lists

from .conftest import log_in, shot

pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

pytestmark = [pytest.mark.slow, pytest.mark.browser]

END = dt.datetime(2026, 11, 20, 14, 0, tzinfo=dt.UTC)

# list → the columns that must be on the screen; None: every column.
LISTS: dict[str, tuple[str, ...] | None] = {
    "dispatch/incident": (
        "number",
        "received",
        "district",
        "place",
        "what",
        "priority_code",
        "status",
        "response",
    ),
    "dispatch/assignment": (
        "unit",
        "incident_link",
        "status_now",
        "dispatched",
        "ack_latency",
        "response",
    ),
    "dispatch/event": ("estimated", "what", "unit", "call", "disposition", "received"),
    # Every column, the call a busy unit is on among them: with it the unit's okrug ran off
    # a Russian desk's screen, until the okrug went under the district, "unreachable" under
    # the status (its own column repeated the status) and the mobility under the kind.
    "people/unit": None,
    "geo/settlement": (
        "local_name",
        "district",
        "okrug",
        "kind",
        "zone",
        "coverage",
        "road_km_to_seat",
    ),
    "devices/device": None,
    "devices/enrolmentcode": None,
    "people/officer": None,
    "dispatch/smsmessage": None,
    "ledger/auditentry": None,
}


@pytest.fixture
def demo(server: str, tmp_path: Any) -> str:
    lists.demo_history(tmp_path, end=END)
    return server


def test_every_list_shows_what_it_is_read_for_on_a_desk_screen(demo: str, browser: Any) -> None:
    # Both languages on the one demo: its history is built once, not once for each.
    for language in ("kk", "ru"):
        read_every_list(demo, browser, language)


def read_every_list(demo: str, browser: Any, language: str) -> None:
    # given: the demo's oblast duty officer, the demo's calls, phones and units
    duty = Officer.objects.get(username="duty_semey1")
    assert Device.objects.exists()
    page = log_in(browser, demo, duty, language=language)

    for name, columns in LISTS.items():
        # when
        page.goto(f"{demo}/admin/{name}/")

        # then
        assert page.locator(lists.RESULTS).is_visible(), name
        if columns is None:
            assert lists.table_overflow(page) is None, (name, lists.header_widths(page))
        else:
            assert lists.columns_off_screen(page, columns) == [], name
        headers = lists.header_texts(page)
        assert not {"PK", "ID", "Pk", "Id"} & set(headers), (name, headers)
        shot(page, f"7{list(LISTS).index(name):02d}-lists-{name.replace('/', '-')}-{language}")

    # and: codes stay whole on a squeezed list — a callsign, a call's number
    page.goto(f"{demo}/admin/dispatch/assignment/")
    one_line = page.locator("#result_list tbody tr").first
    for cell in (".field-unit", ".field-incident_link"):
        box = one_line.locator(cell).locator("a").bounding_box()
        assert box["height"] < 24, (cell, box)
    page.goto(f"{demo}/admin/dispatch/event/?kind__exact=ack")
    number = page.locator("#result_list td.field-call .kuzet-code").first
    assert number.bounding_box()["height"] < 24

    # and: a phone is named in words, not "dev_… (Samsung A05) of …"
    page.goto(f"{demo}/admin/devices/enrolmentcode/")
    phones = page.locator("#result_list td.field-phone").all_inner_texts()
    assert phones
    assert all(" of " not in p and p.count(" · ") == 1 for p in phones), phones
    assert page.kuzet_errors == []
    page.context.close()
