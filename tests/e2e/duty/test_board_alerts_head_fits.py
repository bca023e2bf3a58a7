"""The alerts' heading after a busy shift on a desk's 1366 px laptop (Debian's chromium driven by
Playwright): "Тревоги", "100+ непрочитано" and "Отметить все прочитанными" were 3 px wider than
the right column, and the alerts' section scrolled sideways with the button's edge cut off. The
button goes under the heading instead. Screenshots: ``var/screenshots/duty/board-alerts-head-*``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from backend.people.models import Officer
from backend.realtime.models import BoardAlert

from .board import open_board, units_heard_now
from .conftest import log_in, shot

pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

# The alerts' section, its heading's button and how far each sticks out (0: nothing).
HEAD_JS = """() => {
  const section = document.getElementById('alerts-section');
  const button = document.getElementById('mark-read').getBoundingClientRect();
  return {
    unread: document.getElementById('unread').innerText,
    sideways: section.scrollWidth - section.clientWidth,
    button_out: Math.max(0, Math.round(button.right - section.getBoundingClientRect().right)),
  };
}"""


def test_after_a_busy_shift_the_alerts_heading_fits_the_laptops_column(
    server: str, browser: Any, personas: Any
) -> None:
    # given: a shift's 101 unread lines — units heard from again — in district A, since the
    # desk signed in (in Russian, the longest words; a 1366 px laptop)
    units_heard_now(personas)
    page = log_in(
        browser, server, personas.duty, language="ru", viewport={"width": 1366, "height": 768}
    )
    signed_in = Officer.objects.get(pk=personas.duty.pk).last_login
    assert signed_in is not None
    BoardAlert.objects.bulk_create(
        BoardAlert(
            created_at=signed_in + dt.timedelta(milliseconds=101 - n),
            kind="unit_reachable",
            district=personas.a.district,
            data={"unit_id": personas.a.patrol.pk, "callsign": personas.a.patrol.callsign},
        )
        for n in range(101)
    )

    # when: the desk opens the board on a 1366 and a 1280 px laptop
    open_board(page, server)
    page.wait_for_selector("#alerts li.unread")
    heads = {}
    for width in (1366, 1280):
        page.set_viewport_size({"width": width, "height": 768})
        shot(page, f"board-alerts-head-ru-{width}")
        heads[width] = page.evaluate(HEAD_JS)

    # then: "100+ непрочитано" and "Отметить все прочитанными" stay inside the column on both,
    # nothing scrolls sideways
    unread = {"unread": "100+ непрочитано", "sideways": 0, "button_out": 0}
    assert heads == {1366: unread, 1280: unread}
    assert page.kuzet_errors == []
