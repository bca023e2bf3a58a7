"""A crew in a white spot where only SMS gets through, its phone's app silent, answers the
dispatch by SMS: its district's board shows it heard by SMS, not "unreachable" in red (the
reply was an acknowledgment but no contact). Live; in Russian and Kazakh. Screenshots:
``var/board_lent/``.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import orjson
import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from backend.common import clock
from backend.dispatch import sms
from backend.dispatch.services import incident_dispatch, sms_inbound_receive
from backend.dispatch.sms import reply_code_for
from backend.people.models import Unit
from tests import factories

from .board import board_page, units_heard_now

expect = pytest.importorskip(
    "playwright.sync_api", reason="the playwright package is missing"
).expect

# The board waits for its socket: uvicorn on PostgreSQL with Redis (test_board.py).
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]

SHOTS = Path(settings.BASE_DIR) / "var" / "board_lent"
LIVE_WITHIN_MS = 10_000


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_a_crew_that_answers_by_sms_is_heard_not_unreachable(
    server: str, browser: Any, personas: Any, language: str
) -> None:
    # given: A's patrol sent to a call; its phone's app last heard half an hour ago
    units_heard_now(personas)
    call = factories.incident(district=personas.a.district, settlement=personas.a.town)
    sent = incident_dispatch(incident=call, unit=personas.a.patrol, by=personas.duty)
    half_an_hour_ago = clock.now() - dt.timedelta(minutes=30)
    Unit.objects.filter(pk=personas.a.patrol.pk).update(
        last_contact_at=half_an_hour_ago, last_contact_via="pull", position_at=half_an_hour_ago
    )
    page = board_page(browser, server, personas.duty, language=language)
    row = page.locator("#units tr", has_text=personas.a.patrol.callsign)
    expect(row).to_have_class("unreachable", timeout=LIVE_WITHIN_MS)

    # when: one of its officers answers the dispatch's SMS through the gateway
    raw = orjson.dumps(
        {
            "id": f"gw-heard-{language}",
            "from": personas.a.patrol_officers[0].phone,
            "text": f"ACK {reply_code_for(sent.pk)}",
        }
    )
    signature = sms.sign(raw, secret=settings.KUZET_SMS_INBOUND_SECRET)
    assert sms_inbound_receive(raw=raw, signature=signature).status == "applied"

    # then: the board shows the crew heard by SMS, at once — not red, not "silent"
    with translation.override(language):
        by_sms = " · " + gettext("SMS")
    expect(row.locator("td.presence")).to_contain_text(by_sms, timeout=LIVE_WITHIN_MS)
    expect(row).not_to_have_class(re.compile("unreachable|silent"))
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"crew-heard-by-sms-{language}.png"), full_page=True)
    assert page.kuzet_errors == []
