"""A crew silent in a white spot is no alarm; a crew silent in mobile data coverage is one
(``presence.unit_silence``). On the live board, in Debian's chromium: A-UI1, last heard in the
village of Актогай (SMS only), is a quiet grey line counted apart ("in white spots: 1") and
not among the unread; A-PC1, last heard by the town of Аягоз (3G), is a red alarm that says
to raise the crew. When A-UI1's phone syncs again its line is settled, live: "back … after
38 min". Screenshots: ``var/screenshots/duty/whitespot-*.png``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from backend.common import clock
from backend.people.models import Unit
from backend.realtime.presence import presence_sweep

from .board import open_board
from .conftest import log_in, shot

pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

LAPTOP = {"width": 1366, "height": 900}
LIVE_WITHIN_MS = 10_000


def both_silent(personas: Any) -> dt.datetime:
    """Every unit heard just now but A-UI1 and A-PC1, silent for 38 minutes and announced
    unreachable by the sweep. Answers when they were last heard."""
    now = clock.now()
    Unit.objects.update(last_contact_at=now, last_contact_via="pull", position_at=now)
    last = now - dt.timedelta(minutes=38)
    Unit.objects.filter(pk__in=[personas.a.inspector_unit.pk, personas.a.patrol.pk]).update(
        last_contact_at=last
    )
    swept = presence_sweep()
    assert sorted(swept.became_unreachable) == sorted(
        [personas.a.inspector_unit.pk, personas.a.patrol.pk]
    )
    return last


@pytest.mark.parametrize(
    ("language", "village", "town"), [("ru", "Актогай", "Аягоз"), ("kk", "Ақтоғай", "Аякөз")]
)
def test_a_silence_in_a_white_spot_is_quiet_and_one_in_coverage_an_alarm(
    server: str, browser: Any, personas: Any, aktogay: Any, language: str, village: str, town: str
) -> None:
    # given: A-UI1 silent in Актогай (SMS only), A-PC1 silent by Аягоз (3G), both announced
    # during the desk's shift
    seat = personas.a.town
    seat.name_kk = "Аякөз"
    seat.save(update_fields=["name_kk"])
    page = log_in(browser, server, personas.duty, language=language, viewport=LAPTOP)
    both_silent(personas)

    # when: the desk opens the board
    open_board(page, server)
    page.wait_for_selector("#alerts li.unit_unreachable")

    # then: the inspector's line is quiet and names its village, the patrol's is an alarm by
    # the town; only the alarm counts as unread, the quiet one apart
    quiet = page.locator("#alerts li.unit_unreachable.quiet")
    alarm = page.locator("#alerts li.unit_unreachable.alarm")
    assert (quiet.count(), alarm.count()) == (1, 1)
    quiet_text, alarm_text = quiet.inner_text(), alarm.inner_text()
    assert ("A-UI1" in quiet_text, village in quiet_text, town in quiet_text) == (True, True, False)
    assert ("A-PC1" in alarm_text, town in alarm_text, village in alarm_text) == (True, True, False)
    assert "1" in page.locator("#white-spots").inner_text()  # one unit, counted apart
    assert page.locator("#unread").inner_text().startswith("1 ")
    # muted and red, as the desk sees them
    colours = page.evaluate(
        """() => ['quiet', 'alarm'].map((c) => getComputedStyle(
             document.querySelector('#alerts li.unit_unreachable.' + c)).borderLeftStyle)"""
    )
    assert colours == ["none", "solid"]
    shot(page, f"whitespot-{language}")
    assert page.kuzet_errors == []


def test_the_crew_heard_again_settles_its_silence_live(
    server: str, browser: Any, personas: Any, aktogay: Any
) -> None:
    # given: both silent, the board open
    page = log_in(browser, server, personas.duty, language="ru", viewport=LAPTOP)
    last = both_silent(personas)
    open_board(page, server)
    page.wait_for_selector("#alerts li.unit_unreachable.quiet")

    # when: A-UI1's phone syncs, and the sweep announces it reachable again
    Unit.objects.filter(pk=personas.a.inspector_unit.pk).update(
        last_contact_at=last + dt.timedelta(minutes=38)
    )
    assert presence_sweep().became_reachable == [personas.a.inspector_unit.pk]

    # then: its line is settled in place (no second open line beside it), the alarm stays
    settled = page.locator("#alerts li.unit_unreachable.settled")
    settled.wait_for(timeout=LIVE_WITHIN_MS)
    assert "38" in settled.inner_text()
    assert page.locator("#alerts li.unit_reachable").count() == 0
    assert page.locator("#alerts li.unit_unreachable.quiet").count() == 0
    assert page.locator("#alerts li.unit_unreachable.alarm").count() == 1
    assert page.locator("#white-spots").inner_text() == ""
    shot(page, "whitespot-settled-ru")
    assert page.kuzet_errors == []
