"""A phone that was out of coverage catches up: its acknowledgement, arrival and clearance
reach the server in one sync. The board's alerts name each report by what the crew reported
— "Acknowledged", "On scene", "Cleared" — not three times the assignment's status by then
("Cleared", "Cleared", "Cleared"), which hid that the crew had ever arrived; and, heard that
late, when it happened ("happened at 18:37:02"), the alert's own time being when it was heard.

Seen in an hour of ``make run`` (2026-12-07): two "Unit reported 1036-2026-000168 Parking ·
Cleared" at the same second, the first being the late on-scene. Screenshot:
``var/screenshots/duty/board-catch-up-milestones.png``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext

from backend.common import clock
from backend.devices.models import Device
from backend.dispatch.lifecycle import EventKind
from backend.dispatch.models import Event
from backend.dispatch.services import incident_dispatch
from backend.sync_gateway.push import push_records
from tests import factories

from .board import board_page, units_heard_now
from .conftest import shot

expect = pytest.importorskip(
    "playwright.sync_api", reason="the playwright package is missing"
).expect

# The board waits for its socket: uvicorn on PostgreSQL with Redis (test_board.py).
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]

LIVE_WITHIN_MS = 10_000


def _fact(kind: str, assignment_id: int, minutes_ago: int, n: int) -> dict[str, Any]:
    return {
        "id": f"evt-catch-up-{kind}-{n:04d}",
        "kind": kind,
        "assignment_id": str(assignment_id),
        "device_time": clock.now_ms() - minutes_ago * 60_000,
        "boot_id": "boot-1",
        "elapsed_ms": 10_000_000 - minutes_ago * 60_000,
        "lat": None,
        "lon": None,
        "accuracy_m": None,
        "gps_time": None,
        "payload": {},
    }


def test_a_phone_catching_up_reads_as_each_milestone_it_reported(
    server: str, browser: Any, personas: Any
) -> None:
    # given: A-PC1 sent to a robbery 40 minutes ago; its phone out of coverage since
    a = personas.a
    units_heard_now(personas)
    with clock.frozen(clock.now() - dt.timedelta(minutes=40)):
        call = factories.incident(
            district=a.district, settlement=a.town, priority="P1", category="robbery",
            received_at=clock.now(),
        )  # fmt: skip
        sent = incident_dispatch(incident=call, unit=a.patrol, by=personas.duty)
    device_id, _ = personas.device(a.patrol_officers[0])
    device = Device.objects.select_related("officer").get(pk=device_id)
    page = board_page(browser, server, personas.duty, language="en")

    # when: back in coverage, the phone syncs what it kept: ack, en route, on scene, cleared
    facts = [
        _fact(EventKind.ACK, sent.pk, 38, 1),
        _fact(EventKind.EN_ROUTE, sent.pk, 37, 2),
        _fact(EventKind.ON_SCENE, sent.pk, 20, 3),
        _fact(EventKind.CLEARED, sent.pk, 2, 4),
    ]
    push_records(device=device, body_or_records=facts, clock=None, via="http")

    # then: one alert for each, named by what the crew reported, with when it happened
    alerts = page.locator("#alerts li", has_text=call.number)
    for kind in (EventKind.ACK, EventKind.EN_ROUTE, EventKind.ON_SCENE, EventKind.CLEARED):
        event = Event.objects.get(assignment=sent, kind=kind)
        # as the board writes a time: with its date when not today's (a run just after
        # midnight in Kazakhstan, the milestones of 40 minutes ago are yesterday's)
        local = timezone.localtime(event.estimated_at)
        today = timezone.localtime(clock.now()).date()
        happened = local.strftime("%H:%M:%S" if local.date() == today else "%d.%m.%Y %H:%M:%S")
        with translation.override("en"):
            word = str(EventKind(kind).label)
            late = gettext("happened at %(time)s") % {"time": happened}
        alert = alerts.filter(has_text=f"· {word}")
        expect(alert).to_have_count(1, timeout=LIVE_WITHIN_MS)
        expect(alert).to_contain_text(late)
    shot(page, "board-catch-up-milestones")
    assert page.kuzet_errors == []
