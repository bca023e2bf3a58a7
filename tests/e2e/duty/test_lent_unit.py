"""A district's duty desk follows its own unit lent across the border, in a real browser: the
oblast ЦОУ sent Abai district's patrol B-PC1 to a robbery in a border village of Ayagoz
district. On Abai's board the unit's row links the call; the link opens the call's console
page read-only — whose call it is and that Ayagoz's desk runs it, the call, B-PC1's
assignment with its times, the timeline, and no command. In Russian and Kazakh.
Screenshots: ``var/walk-lent-unit/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, ngettext

from backend.dispatch.models import Assignment
from backend.dispatch.services import incident_dispatch
from backend.people.models import Role
from tests import factories

from .conftest import log_in
from .test_across_border import border_call

pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

# The board's page waits for its socket: uvicorn on PostgreSQL with Redis (test_board.py).
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]

SHOTS = Path(settings.BASE_DIR) / "var" / "walk-lent-unit"
# Ayagoz district as each reader reads it (its Kazakh name set below).
AYAGOZ = {"ru": "Аягозский район", "kk": "Аягөз ауданы"}


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def in_language(language: str, text: str) -> str:
    with translation.override(language):
        return gettext(text)


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_the_units_desk_opens_the_other_districts_call_from_its_board_read_only(
    server: str, browser: Any, personas: Any, language: str
) -> None:
    # given: B-PC1 sent across the border to Ayagoz's call; Abai's duty officer on his board
    personas.a.district.name_kk = AYAGOZ["kk"]
    personas.a.district.save(update_fields=["name_kk"])
    call = border_call(personas)
    sent = incident_dispatch(incident=call, unit=personas.b.patrol, by=personas.duty)
    desk = factories.officer(
        username="duty_abai", role=Role.DUTY_OFFICER, district=personas.b.district
    )
    page = log_in(browser, server, desk, language=language)
    page.goto(f"{server}/board/")
    page.wait_for_selector("body[data-live]", timeout=10_000)
    row = page.locator("#assignments tr", has_text="B-PC1")
    row.wait_for()
    link = row.locator("a.lent-link")
    assert link.inner_text() == call.number
    assert row.locator("button.ack").count() == 0
    shot(page, f"board-{language}")

    # when: the call's number on the unit's row
    console_errors: list[str] = []
    page.context.on("page", lambda p: p.on("pageerror", lambda e: console_errors.append(str(e))))
    with page.context.expect_page() as opened:
        link.click()
    console = opened.value
    console.wait_for_selector("#kuzet-lent")

    # then: whose call it is, in the reader's language, at the top
    with translation.override(language):
        line = ngettext(
            "Call of another district: %(district)s. Your unit %(units)s was sent to it; "
            "that district's desk runs it.",
            "Call of another district: %(district)s. Your units %(units)s were sent to "
            "it; that district's desk runs it.",
            1,
        ) % {"district": AYAGOZ[language], "units": "B-PC1"}
    assert console.locator("#kuzet-lent .kuzet-lent-line").inner_text() == line
    top = console.evaluate(
        "() => [...document.querySelectorAll('#panel section, #kuzet-lent')].map(e => e.id)"
    )
    assert top[:3] == ["kuzet-lent", "kuzet-call", "kuzet-lent-assignments"]
    # the call, its timeline (headed in the reader's language), B-PC1's assignment
    assert console.locator("#kuzet-call").inner_text().count("грабёж у магазина") == 1
    assert console.locator("#kuzet-timeline h2").inner_text() == in_language(language, "Timeline")
    assert in_language(language, "Timeline") != "Timeline"
    unit_row = console.locator("#kuzet-lent-assignments tr.kuzet-lent-assignment")
    assert unit_row.evaluate_all("rows => rows.map(r => r.dataset.unit)") == ["B-PC1"]
    with translation.override(language):
        status = str(Assignment.objects.get(pk=sent.pk).get_status_display())
    assert unit_row.locator("td").nth(1).inner_text() == status
    # and nothing to act with: no form, no units to send, no commands
    assert console.locator("#panel form").count() == 0
    assert console.locator("#kuzet-dispatch, #kuzet-incident-commands").count() == 0
    assert console.url.endswith(f"/admin/dispatch/incident/{call.pk}/change/")
    assert console_errors == []
    assert page.kuzet_errors == []
    shot(console, f"call-{language}")
