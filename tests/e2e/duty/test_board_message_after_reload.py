"""A message to the crew whose answer was lost, sent again after the board was reloaded,
reaches the crew once: the draft and its idempotency key outlive the reload (they lived in
the page's memory, the resend after a reload went with a new key and the crew got the message
twice), and the box opens with the text typed before. On a 1280 × 800 laptop, in Russian and
Kazakh. Screenshots: ``var/board_lent/``.
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

from .board import board_page, open_board, units_heard_now

expect = pytest.importorskip(
    "playwright.sync_api", reason="the playwright package is missing"
).expect

# The board waits for its socket: uvicorn on PostgreSQL with Redis (test_board.py).
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]

SHOTS = Path(settings.BASE_DIR) / "var" / "board_lent"
LAPTOP = {"width": 1280, "height": 800}
LIVE_WITHIN_MS = 10_000
TEXT = "Заявитель перезвонил: у него нож, во дворе собака."


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_a_message_whose_answer_was_lost_resent_after_a_reload_reaches_the_crew_once(
    server: str, browser: Any, personas: Any, language: str
) -> None:
    # given: A-PC1 on its way to a call; the desk's board open; the first answer to a message
    # is lost on the way back (the server did record it)
    units_heard_now(personas)
    call = factories.incident(
        district=personas.a.district, settlement=personas.a.village, priority="P1",
        category="violence", received_at=clock.now(),
    )  # fmt: skip
    sent = incident_dispatch(incident=call, unit=personas.a.patrol, by=personas.duty)
    page = board_page(browser, server, personas.duty, language=language, viewport=LAPTOP)
    offered: list[str] = []  # what the box held when it opened
    typed = iter([TEXT])

    def answer(dialog: Any) -> None:
        offered.append(dialog.default_value)
        dialog.accept(next(typed, dialog.default_value))  # the second time: sent as it is

    page.on("dialog", answer)
    keys: list[str | None] = []

    def lose_the_first_answer(route: Any) -> None:
        keys.append(route.request.headers.get("idempotency-key"))
        if len(keys) == 1:
            route.fetch()  # the server records it...
            route.abort("connectionreset")  # ...and its answer never comes back
        else:
            route.continue_()

    page.route("**/message/", lose_the_first_answer)
    page.locator("#assignments button.message").click()
    expect(page.locator("#message.error")).to_be_visible(timeout=LIVE_WITHIN_MS)

    # when: the duty officer reloads the board and sends the message again
    open_board(page, server)
    with page.expect_response("**/message/", timeout=LIVE_WITHIN_MS) as answered:
        page.locator("#assignments button.message").click()

    # then: the box opened with the text typed before the reload; it went with the same key,
    # and the crew has it once
    assert answered.value.ok
    assert offered == ["", TEXT]
    assert len(keys) == 2
    assert keys[0]
    assert keys[1] == keys[0]
    [note] = Event.objects.filter(kind="note", source="desk")
    assert (note.assignment_id, note.payload) == (sent.pk, {"text": TEXT})
    expect(page.locator("#message:not(.error)")).to_be_visible(timeout=LIVE_WITHIN_MS)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"message-resent-after-reload-{language}.png"))

    # and: accepted, the draft is gone — after another reload the box opens empty
    open_board(page, server)
    typed = iter([""])  # opened, looked at, left empty
    page.locator("#assignments button.message").click()
    assert offered == ["", TEXT, ""]
    assert Event.objects.filter(kind="note", source="desk").count() == 1
    assert page.kuzet_errors == []
