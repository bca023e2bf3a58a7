"""A second caller about the same fight, from another phone, forty minutes later: the automatic
link missed it, and the duty officer links it on the call's page by the earlier call's number
(``incident_link``). Screenshots: ``var/screenshots/duty/``; look at them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from backend.common import clock
from backend.ledger.models import AuditEntry
from tests import factories

from .conftest import log_in

pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots" / "duty"
# The page's words for a linked call (the separate command's, already in both catalogs).
LINKED = {"ru": "Связан как дубликат вызова {}", "kk": "{} шақыруының қайталамасы"}


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_the_duty_officer_links_a_call_by_the_earlier_calls_number(
    server: str, browser: Any, personas: Any, language: str
) -> None:
    # given: a fight by the shop in Ayagoz; forty minutes later another caller, another phone
    a = personas.a
    now = clock.now()
    first = factories.incident(
        district=a.district, settlement=a.town, category="violence",
        summary="драка у магазина", received_at=now - dt.timedelta(minutes=41),
    )  # fmt: skip
    second = factories.incident(
        district=a.district, settlement=a.town, category="violence",
        summary="дерутся у магазина", received_at=now - dt.timedelta(minutes=1),
        status="queued",
    )  # fmt: skip
    page = log_in(browser, server, personas.duty, language=language)
    page.goto(f"{server}/admin/dispatch/incident/{second.pk}/change/")
    form = page.wait_for_selector("#kuzet-link")

    # when: the duty officer types the earlier call's last digits and why
    page.locator("#kuzet-link input[name=original_number]").fill(str(first.pk))
    page.locator("#kuzet-link input[name=reason]").fill("та же драка у магазина")
    form.scroll_into_view_if_needed()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"link-typed-{language}.png"), full_page=True)
    page.locator("#kuzet-link input[type=submit]").click()

    # then: the page says it is linked to that call, offers to undo it, and sends nobody
    page.wait_for_selector("#kuzet-separate")
    words = page.locator("#kuzet-incident-commands").inner_text()
    assert LINKED[language].format(first.number) in words
    assert page.locator("#kuzet-link").count() == 0
    assert page.locator("#kuzet-dispatch").count() == 0
    page.screenshot(path=str(SHOTS / f"link-done-{language}.png"), full_page=True)
    second.refresh_from_db()
    assert (second.status, second.duplicate_of_id) == ("duplicate", first.pk)
    assert AuditEntry.objects.filter(action="incident.linked", object_id=str(second.pk)).exists()
    assert page.kuzet_errors == []
