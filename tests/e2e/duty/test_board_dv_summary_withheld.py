"""A domestic-violence call on the live board: its summary is kept off the board (every read
of it goes through the audited call page), and its summary cell says so — "на странице
вызова", as the console's list of calls does — instead of standing blank, which in an hour
of ``make run`` (2026-12-07) read as P1 calls whose caller had said nothing. A plain call
beside it shows what the caller said. In Russian.
Screenshot: ``var/screenshots/duty/board-dv-summary-withheld-ru.png``.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext

from backend.dispatch.models import Category
from tests import factories
from tests.e2e.browser import contrast

from .board import board_page, units_heard_now
from .conftest import shot

expect = pytest.importorskip(
    "playwright.sync_api", reason="the playwright package is missing"
).expect

# The board waits for its socket: uvicorn on PostgreSQL with Redis (test_board.py).
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]


def test_a_dv_calls_summary_cell_says_it_is_on_the_calls_page(
    server: str, browser: Any, personas: Any
) -> None:
    # given: a DV call and a theft waiting in A's town
    a = personas.a
    units_heard_now(personas)
    dv = factories.incident(
        district=a.district, settlement=a.town, category=Category.DOMESTIC_VIOLENCE,
        priority="P1", summary="Муж угрожает ножом",
    )  # fmt: skip
    theft = factories.incident(
        district=a.district, settlement=a.town, category="theft", priority="P2",
        summary="Кража из дома",
    )  # fmt: skip

    # when: the desk opens its board, in Russian
    page = board_page(browser, server, personas.duty, language="ru")

    # then: the DV row says where its details are, and shows none of them
    with translation.override("ru"):
        withheld = gettext("on the call's page")
    dv_summary = page.locator("#incidents tr", has_text=dv.number).locator("td.summary")
    expect(dv_summary).to_have_text(withheld)
    expect(page.locator("#incidents")).not_to_contain_text("Муж угрожает")
    theft_summary = page.locator("#incidents tr", has_text=theft.number).locator("td.summary")
    expect(theft_summary).to_have_text("Кража из дома")
    assert contrast(page, "#incidents td.summary.withheld") >= 4.5
    shot(page, "board-dv-summary-withheld-ru")
    assert page.kuzet_errors == []
