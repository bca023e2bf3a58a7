"""The board's assignment row says what became of the desk's message to the crew, live: "sent,
not read yet" once the desk has messaged A-PC1, then — the moment the officer's phone pushes
its ``read`` receipt (docs/protocol.md §4) — "read" with the time and the officer's name,
without a reload. In Russian and in Kazakh.

Screenshots: var/walk-receipts/2x-*.png.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from backend.common import clock
from backend.devices.models import Device
from backend.dispatch.models import Event
from backend.dispatch.services import assignment_message, incident_dispatch
from backend.sync_gateway.push import push_records
from tests import factories
from tests.e2e.browser import SCREENSHOTS

from .board import board_page

expect = pytest.importorskip(
    "playwright.sync_api", reason="the playwright package is missing"
).expect

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

WALK = SCREENSHOTS.parent / "walk-receipts"


def shot(page: Any, name: str) -> Path:
    WALK.mkdir(parents=True, exist_ok=True)
    path = WALK / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_the_boards_row_turns_read_when_the_phone_says_so(browser, server, personas, lang):
    # given: A-PC1 on a call, messaged by the desk; its officer's phone enrolled
    a = personas.a
    officer = a.patrol_officers[0]
    device_id, _token = personas.device(officer)
    call = factories.incident(district=a.district, settlement=a.town, summary="Драка во дворе")
    assignment = incident_dispatch(incident=call, unit=a.patrol, by=personas.duty)
    message = assignment_message(
        assignment=assignment, by=personas.duty, text="Заявительница перезвонила: у него нож"
    )
    page = board_page(browser, server, personas.duty, language=lang)
    state = page.locator("#assignments tr", has_text="A-PC1").locator(".message-state")

    # then: the row says the message went and is not read yet
    expect(state).to_be_visible(timeout=10_000)
    expect(state).not_to_have_class(re.compile(r"\bread\b"))
    shot(page, f"20-board-message-sent-{lang}")

    # when: the officer opens the call on his phone, which pushes the receipt
    device = Device.objects.select_related("officer").get(pk=device_id)
    receipt = {
        "id": f"evt-read-board-{lang}-0001",
        "kind": "read",
        "assignment_id": str(assignment.pk),
        "device_time": clock.now_ms(),
        "boot_id": "boot-1",
        "elapsed_ms": 100_000,
        "lat": None,
        "lon": None,
        "accuracy_m": None,
        "gps_time": None,
        "payload": {"event_id": message.pk},
    }
    push_records(device=device, body_or_records=[receipt], clock=None, via="http")

    # then: the row turns read by itself, with the officer's name
    expect(state).to_have_class(re.compile(r"\bread\b"), timeout=10_000)
    expect(state).to_contain_text(officer.display_name)
    assert Event.objects.filter(kind="read", assignment=assignment).count() == 1
    assert page.kuzet_errors == []
    shot(page, f"21-board-message-read-{lang}")
