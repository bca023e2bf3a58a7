"""The desk's message to a crew typed on the live board is not lost when it is refused: the
box opens again with it, to be cut short and sent — on a 1280 × 800 laptop, in Kazakh.
Screenshots: ``var/duty_walk/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from backend.common import clock
from backend.dispatch.models import Event
from backend.dispatch.services import incident_dispatch
from tests import factories

from .board import board_page, units_heard_now

expect = pytest.importorskip(
    "playwright.sync_api", reason="the playwright package is missing"
).expect

# The board waits for its socket: uvicorn on PostgreSQL with Redis (test_board.py).
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]

SHOTS = Path(settings.BASE_DIR) / "var" / "duty_walk"
LAPTOP = {"width": 1280, "height": 800}
LIVE_WITHIN_MS = 10_000
# What the caller said, at length: more than a message to the crew holds (500 characters).
LONG = "Заявительница перезвонила: у него нож, он пьян, в доме двое детей. " * 8


def test_a_refused_message_comes_back_into_the_box_to_be_cut_and_sent(
    server: str, browser: Any, personas: Any
) -> None:
    # given: A-PC1 on its way to a call; the desk's board open, in Kazakh
    units_heard_now(personas)
    call = factories.incident(
        district=personas.a.district, settlement=personas.a.village, priority="P1",
        category="violence", received_at=clock.now(),
    )  # fmt: skip
    sent = incident_dispatch(incident=call, unit=personas.a.patrol, by=personas.duty)
    page = board_page(browser, server, personas.duty, language="kk", viewport=LAPTOP)
    offered: list[str] = []  # what the box held when it opened
    typed = iter([LONG, LONG[:200]])
    page.on("dialog", lambda d: (offered.append(d.default_value), d.accept(next(typed, ""))))
    button = page.locator("#assignments button.message")

    # when: the duty officer types all the caller said and sends it
    button.click()

    # then: refused, said in Kazakh
    with translation.override("kk"):
        too_long = gettext("A message to the crew is at most 500 characters.")
    expect(page.locator("#message.error")).to_contain_text(too_long, timeout=LIVE_WITHIN_MS)
    assert not Event.objects.filter(kind="note", source="desk").exists()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "70-message-too-long-kk.png"))

    # when: the message button again
    button.click()

    # then: the box opens with what was typed, to be cut short; sent, it is the crew's
    expect(page.locator("#message:not(.error)")).to_be_visible(timeout=LIVE_WITHIN_MS)
    assert offered == ["", LONG]
    note = Event.objects.get(kind="note", source="desk")
    assert (note.assignment_id, note.payload) == (sent.pk, {"text": LONG[:200]})

    # and: the next message starts from an empty box
    page.locator("#assignments button.message").click()
    page.wait_for_function("() => document.querySelector('#assignments button.message')")
    assert offered == ["", LONG, ""]
    assert page.kuzet_errors == []
