"""A message to the crew whose answer was lost, sent again from the live board, reaches the
crew once: the draft keeps its idempotency key until the server answers it (each click had
its own, and the resent message was recorded twice). On a 1280 × 800 laptop, in Kazakh.
Screenshots: ``var/duty_walk/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

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
TEXT = "Заявитель перезвонил: у него нож."


def test_a_message_resent_after_its_answer_was_lost_is_recorded_once(
    server: str, browser: Any, personas: Any
) -> None:
    # given: A-PC1 on its way to a call; the desk's board open, in Kazakh; the first answer
    # to a message is lost on the way back (the server did record it)
    units_heard_now(personas)
    call = factories.incident(
        district=personas.a.district, settlement=personas.a.village, priority="P1",
        category="violence", received_at=clock.now(),
    )  # fmt: skip
    sent = incident_dispatch(incident=call, unit=personas.a.patrol, by=personas.duty)
    page = board_page(browser, server, personas.duty, language="kk", viewport=LAPTOP)
    offered: list[str] = []
    page.on("dialog", lambda d: (offered.append(d.default_value), d.accept(TEXT)))
    keys: list[str | None] = []

    def lose_the_first_answer(route: Any) -> None:
        keys.append(route.request.headers.get("idempotency-key"))
        if len(keys) == 1:
            route.fetch()  # the server records it...
            route.abort("connectionreset")  # ...and its answer never comes back
        else:
            route.continue_()

    page.route("**/message/", lose_the_first_answer)
    button = page.locator("#assignments button.message")

    # when: the duty officer sends the message; no answer; sends it again
    button.click()
    expect(page.locator("#message.error")).to_be_visible(timeout=LIVE_WITHIN_MS)
    button.click()

    # then: the box came back with the message; it went with the same key, and the crew has
    # it once
    expect(page.locator("#message:not(.error)")).to_be_visible(timeout=LIVE_WITHIN_MS)
    assert offered == ["", TEXT]
    assert len(keys) == 2
    assert keys[0]
    assert keys[0] == keys[1]
    [note] = Event.objects.filter(kind="note", source="desk")
    assert (note.assignment_id, note.payload) == (sent.pk, {"text": TEXT})
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "71-message-resent-once-kk.png"))

    # and: a next message is another message, with a key of its own
    with page.expect_response("**/message/", timeout=LIVE_WITHIN_MS) as answered:
        page.locator("#assignments button.message").click()
    assert answered.value.ok
    assert len(keys) == 3
    assert keys[2] != keys[0]
    assert Event.objects.filter(kind="note", source="desk").count() == 2
    assert page.kuzet_errors == []
