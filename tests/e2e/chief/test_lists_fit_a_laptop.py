"""A district chief's lists on a 1366 × 768 laptop with the menu open, in Kazakh and Russian,
on the demo's own data: the seed, a few hours of history made by the simulator through the
services, and quarantined records like the ones a tester's phone left.

Beside each list stand the menu (left) and the filters (right); the table must fit the box
between them, every column on the screen (the tester found the incident list 928–956 px wide
in a 771 px box, its channel and summary off the screen, the facts' list up to 1148 px).
Screenshots: ``var/screenshots/chief/3*-laptop-*``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from backend.people.models import Officer
from tests.e2e import browser as shared
from tests.e2e import lists

pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SUITE = "chief"
LAPTOP = {"width": 1366, "height": 768}
END = dt.datetime(2026, 11, 20, 14, 0, tzinfo=dt.UTC)

LISTS = (
    "dispatch/incident/",
    "dispatch/assignment/",
    "dispatch/event/",
    "dispatch/conflict/?state__exact=open",
    "dispatch/conflict/",
    "sync_gateway/quarantinedrecord/",
)


@pytest.fixture
def demo(server: str, tmp_path: Any) -> str:
    lists.demo_history(tmp_path, end=END)
    lists.conflicts_and_quarantine(Officer.objects.get(username="chief_semey"), at=END)
    return server


def test_a_chiefs_lists_fit_a_laptop_with_the_menu_open(demo: str, browser: Any) -> None:
    # (Both languages on the one demo: its history is built once, not once for each.)
    too_wide = {}
    errors = {}
    for language in ("kk", "ru"):
        # given: the Semey chief at a 1366 px laptop
        chief = Officer.objects.get(username="chief_semey")
        page = lists.console_page(browser, demo, chief, language=language, viewport=LAPTOP)

        for n, name in enumerate(LISTS):
            # when
            page.goto(f"{demo}/admin/{name}")

            # then: the menu is open, the list has rows, and its table fits its box
            assert page.locator("#nav-sidebar").is_visible(), (language, name)
            assert page.locator("#result_list tbody tr").count() > 0, (language, name)
            overflow = lists.table_overflow(page)
            if overflow is not None:
                too_wide[language, name] = (*overflow, lists.header_widths(page))
            label = name.split("?")[0].strip("/").replace("/", "-")
            shared.screenshot(
                page, SUITE, f"3{n}-laptop-{label}{'-open' if '?' in name else ''}-{language}"
            )
        errors[language] = page.kuzet_errors
        page.context.close()

    assert too_wide == {}
    assert errors == {"kk": [], "ru": []}
