"""The desk's message to a crew in a white spot is read by SMS: the inspector of A-UI1 has no
phone with the app, so his call and the desk's message go by SMS, the message's text ending
with the call's reply code; he answers "OK 4821" and the gateway posts it, signed, to the
real endpoint — the board's row turns from "sent by SMS, not read yet" to "read … by SMS"
with his name, live. (Before, such a message said "no receipt" for ever.)

Screenshots: var/sms_read/*.png.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from backend.dispatch import sms
from backend.dispatch.models import Event, SmsMessage
from backend.dispatch.services import assignment_message, incident_dispatch
from tests import factories
from tests.e2e.browser import SCREENSHOTS
from tests.e2e.processes import web_server

from .board import board_page

expect = pytest.importorskip(
    "playwright.sync_api", reason="the playwright package is missing"
).expect

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

SHOTS = SCREENSHOTS.parent / "sms_read"
GATEWAY_SECRET = "e2e-sms-gateway-secret"


@pytest.fixture
def sms_server(transactional_db: Any, tmp_path: Path) -> Iterator[str]:
    """Kuzet under uvicorn (as ``server``) that takes the SMS gateway's signed callbacks."""
    with web_server(tmp_path, KUZET_SMS_INBOUND_SECRET=GATEWAY_SECRET) as url:
        yield url


def shot(page: Any, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def gateway_posts(server: str, body: dict[str, Any]) -> httpx.Response:
    """The SMS gateway's callback: the raw body signed with the shared secret."""
    raw = orjson.dumps(body)
    return httpx.post(
        f"{server}/api/v1/sms/inbound/",
        content=raw,
        headers={
            "Content-Type": "application/json",
            sms.SIGNATURE_HEADER: sms.sign(raw, secret=GATEWAY_SECRET),
        },
        timeout=30,
    )


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_the_boards_row_turns_read_by_sms_when_the_officer_answers(
    browser, sms_server, personas, lang
):
    # given: A-UI1 (no phone with the app) sent to a call and messaged: both by SMS
    a = personas.a
    call = factories.incident(district=a.district, settlement=a.village, summary="Драка")
    assignment = incident_dispatch(incident=call, unit=a.inspector_unit, by=personas.duty)
    assignment_message(
        assignment=assignment, by=personas.duty, text="Заявительница перезвонила: у него нож"
    )
    texted = SmsMessage.objects.get(purpose="message")
    code = texted.reply_code
    assert texted.body.endswith(f"ACK {code}")
    page = board_page(browser, sms_server, personas.duty, language=lang)
    state = page.locator("#assignments tr", has_text="A-UI1").locator(".message-state")
    expect(state).to_be_visible(timeout=10_000)
    expect(state).not_to_have_class(re.compile(r"\bread\b"))
    shot(page, f"10-board-message-sent-by-sms-{lang}")

    # when: his "OK <code>" comes back through the gateway
    answer = gateway_posts(
        sms_server, {"id": f"gw-read-{lang}", "from": a.inspector.phone, "text": f"OK {code}"}
    )

    # then: acknowledged and read; the row turns read by itself, with his name
    assert answer.status_code == 200, answer.text
    assert (answer.json()["status"], answer.json()["reason"]) == (
        "applied",
        "acknowledged_and_read",
    )
    expect(state).to_have_class(re.compile(r"\bread\b"), timeout=10_000)
    expect(state).to_contain_text(a.inspector.display_name)
    read = Event.objects.get(kind="read", assignment=assignment)
    assert (read.source, read.officer_id) == ("sms", a.inspector.pk)
    assert page.kuzet_errors == []
    shot(page, f"11-board-message-read-by-sms-{lang}")
