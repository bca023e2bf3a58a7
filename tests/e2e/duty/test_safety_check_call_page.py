"""The call's own page puts its crew's open officer-safety check before the desk with an
"Officer OK" (it was only audit lines in the timeline), in a real browser on a 1280 × 800
laptop, in Russian and Kazakh: pressed, the check is answered by the duty officer — named on
the page — and the board's alert with it. Screenshots: ``var/duty_walk/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from backend.dispatch.models import SafetyCheck
from backend.realtime.models import BoardAlert

from .board import silent_on_scene, units_heard_now
from .conftest import log_in

expect = pytest.importorskip(
    "playwright.sync_api", reason="the playwright package is missing"
).expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = Path(settings.BASE_DIR) / "var" / "duty_walk"
LAPTOP = {"width": 1280, "height": 800}
WITHIN_MS = 10_000


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_the_calls_desk_answers_the_check_on_the_calls_page(
    server: str, browser: Any, personas: Any, language: str
) -> None:
    # given: A-PC1 on scene at a P1 call for 25 minutes, silent: the check is open
    units_heard_now(personas)
    sent = silent_on_scene(personas)
    check = SafetyCheck.objects.get()

    # when: the desk opens the call's page
    page = log_in(browser, server, personas.duty, language=language, viewport=LAPTOP)
    page.goto(f"{server}/admin/dispatch/incident/{sent.incident_id}/change/")

    # then: the checks' section names the crew, unanswered, with "Officer OK"
    with translation.override(language):
        title = gettext("officer-safety checks")
        ok = gettext("Officer OK")
        not_answered = gettext("not answered")
    section = page.locator("#kuzet-safety")
    expect(section.locator("h2")).to_have_text(title[:1].upper() + title[1:])
    row = section.locator("tr.kuzet-safety-check.kuzet-unanswered[data-unit='A-PC1']")
    expect(row).to_contain_text(not_answered)
    button = row.locator("input[type=submit]")
    expect(button).to_have_value(ok)
    SHOTS.mkdir(parents=True, exist_ok=True)
    section.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / f"60-call-page-safety-check-{language}.png"))

    # when: the desk raised the crew on the radio and presses "Officer OK"
    button.click()

    # then: the check reads answered by the duty officer; the service recorded it and marked
    # the board's alert
    answered = page.locator("#kuzet-safety tr.kuzet-safety-check.kuzet-answered[data-unit='A-PC1']")
    expect(answered).to_contain_text(personas.duty.display_name, timeout=WITHIN_MS)
    expect(page.locator("#kuzet-safety input[type=submit]")).to_have_count(0)
    check.refresh_from_db()
    assert check.checked_by == personas.duty
    assert BoardAlert.objects.get(kind="unit.safety_check").acknowledged_by == personas.duty
    page.locator("#kuzet-safety").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / f"61-call-page-safety-checked-{language}.png"))
    assert page.kuzet_errors == []
