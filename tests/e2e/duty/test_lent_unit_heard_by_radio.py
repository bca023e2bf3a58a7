"""A crew lent to another district's call, its phone silent, is heard on the radio by that
call's desk: its own district's board shows it busy on that call and heard by radio — not
"unreachable" in red (the home board read only the phone's contacts). Live, and after a
reload; in Russian and Kazakh. Screenshots: ``var/board_lent/``.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from backend.common import clock
from backend.dispatch.lifecycle import EventKind
from backend.dispatch.services import assignment_record_on_behalf, incident_dispatch
from backend.people.models import Role, Unit
from tests import factories

from .board import board_page, open_board, units_heard_now
from .test_across_border import border_call

expect = pytest.importorskip(
    "playwright.sync_api", reason="the playwright package is missing"
).expect

# The board waits for its socket: uvicorn on PostgreSQL with Redis (test_board.py).
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]

SHOTS = Path(settings.BASE_DIR) / "var" / "board_lent"
LIVE_WITHIN_MS = 10_000


def words(language: str, text: str) -> str:
    with translation.override(language):
        return gettext(text)


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_the_home_board_shows_its_lent_crew_heard_by_radio_not_unreachable(
    server: str, browser: Any, personas: Any, language: str
) -> None:
    # given: Abai's (B's) patrol B-PC1 sent 20 minutes ago to a robbery of Ayagoz (A) across
    # the border; its phone last heard 30 minutes ago (past the 15 minutes of presence), its
    # position as old
    units_heard_now(personas)
    call = border_call(personas)
    with clock.frozen(clock.now() - dt.timedelta(minutes=20)):
        sent = incident_dispatch(incident=call, unit=personas.b.patrol, by=personas.duty)
    half_an_hour_ago = clock.now() - dt.timedelta(minutes=30)
    Unit.objects.filter(pk=personas.b.patrol.pk).update(
        last_contact_at=half_an_hour_ago, last_contact_via="pull", position_at=half_an_hour_ago
    )
    desk_a = factories.officer(
        username="duty_ayagoz", role=Role.DUTY_OFFICER, district=personas.a.district
    )
    desk_b = factories.officer(
        username="duty_abai", role=Role.DUTY_OFFICER, district=personas.b.district
    )
    page = board_page(browser, server, desk_b, language=language)
    row = page.locator("#units tr", has_text="B-PC1")
    expect(row).to_have_class("unreachable", timeout=LIVE_WITHIN_MS)  # red, as it was

    # when: Ayagoz's desk hears the crew on the radio and records it on scene
    assignment_record_on_behalf(
        assignment=sent, by=desk_a, kind=EventKind.ON_SCENE, channel="radio"
    )

    # then: Abai's board shows its crew on scene, heard by radio, at once — not red
    on_scene_by_radio = words(language, "On scene") + " · " + words(language, "radio")
    assert words(language, "radio") != "radio"
    presence = row.locator("td.presence")
    expect(presence).to_have_text(on_scene_by_radio, timeout=LIVE_WITHIN_MS)
    # (nor "silent" for its old position: its phone is, the crew talks on the radio)
    expect(row).not_to_have_class(re.compile("unreachable|silent"))
    # and the call it is busy on, the other district's, on its assignment's row
    assignment = page.locator("#assignments tr", has_text="B-PC1")
    expect(assignment.locator("a.lent-link")).to_have_text(call.number)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"lent-crew-heard-by-radio-{language}.png"), full_page=True)

    # and after a reload, the same
    open_board(page, server)
    expect(page.locator("#units tr", has_text="B-PC1").locator("td.presence")).to_have_text(
        on_scene_by_radio
    )
    expect(page.locator("#units tr", has_text="B-PC1")).not_to_have_class(
        re.compile("unreachable|silent")
    )
    assert page.kuzet_errors == []
