"""The duty board's arrange steps the browser suites share: a board open and live for a duty
officer, a call come in through eGov intake, the units heard from, an officer's SOS."""

from __future__ import annotations

import datetime as dt
from typing import Any

from backend.common import clock
from backend.devices.models import Device
from backend.dispatch.lifecycle import EventKind
from backend.dispatch.models import Assignment, Incident
from backend.dispatch.services import (
    IncidentInput,
    assignment_record_on_behalf,
    escalation_sweep,
    incident_dispatch,
    intake_key_issue,
    intake_receive,
)
from backend.people.models import Unit
from backend.sync_gateway.push import push_records
from tests import factories

from .conftest import log_in


def silent_on_scene(personas: Any) -> Assignment:
    """A-PC1 on scene at a P1 robbery in A's village for 25 minutes, by radio, and silent
    since: the sweep has fired its officer-safety check."""
    start = clock.now() - dt.timedelta(minutes=30)
    with clock.frozen(start):
        call = factories.incident(
            district=personas.a.district, settlement=personas.a.village, priority="P1",
            category="robbery", received_at=clock.now(),
        )  # fmt: skip
        sent = incident_dispatch(incident=call, unit=personas.a.patrol, by=personas.duty)
    with clock.frozen(start + dt.timedelta(minutes=5)):
        assignment_record_on_behalf(
            assignment=sent, by=personas.duty, kind=EventKind.ON_SCENE, channel="radio"
        )
    escalation_sweep()
    return sent


def press_sos(
    personas: Any,
    *,
    officer: Any = None,
    event_id: str = "evt-sos-board-0001",
    north: float = 0.0,
    east: float = 0.0,
    earlier_ms: int = 0,
) -> None:
    """An officer (A's first patrol officer unless named) presses SOS on the phone, ``north``
    and ``east`` degrees from the town, ``earlier_ms`` ago: the push service, as over HTTP."""
    device_id, _ = personas.device(officer or personas.a.patrol_officers[0])
    device = Device.objects.select_related("officer").get(pk=device_id)
    sos = {
        "id": event_id,
        "kind": "sos",
        "assignment_id": None,
        "device_time": clock.now_ms() - earlier_ms,
        "boot_id": "boot-1",
        "elapsed_ms": 100_000 - earlier_ms,
        "lat": personas.a.town.lat + north,
        "lon": personas.a.town.lon + east,
        "accuracy_m": 15,
        "gps_time": None,
        "payload": {},
    }
    push_records(device=device, body_or_records=[sos], clock=None, via="http")


def open_board(page: Any, server: str) -> None:
    page.goto(f"{server}/board/")
    page.wait_for_selector("body[data-live]", timeout=10_000)  # the socket said hello


def board_page(
    browser: Any, server: str, officer: Any, *, language: str = "en", **screen: Any
) -> Any:
    """A desk page logged in as ``officer`` (``conftest.log_in``, ``screen`` its viewport) with
    the board open and live."""
    page = log_in(browser, server, officer, language=language, **screen)
    open_board(page, server)
    return page


def intake_call(personas: Any, *, ref: str, category: str, **kw: Any) -> Incident:
    key, _ = intake_key_issue(channel="egov", name="eGov Mobile")
    data = IncidentInput(
        category=category,
        received_at=kw.pop("received_at", clock.now()),
        settlement_id=personas.a.town.pk,
        description=kw.pop("description", "Пропал ребёнок, 7 лет, ушёл к реке"),
        **kw,
    )
    return intake_receive(key=key, channel="egov", external_ref=ref, data=data).incident


def units_heard_now(personas: Any) -> None:
    """The patrols and A's inspector were heard just now; B's inspector an hour ago."""
    now = clock.now()
    Unit.objects.exclude(pk=personas.b.inspector_unit.pk).update(
        last_contact_at=now, last_contact_via="pull", position_at=now
    )
    Unit.objects.filter(pk=personas.b.inspector_unit.pk).update(
        last_contact_at=now - dt.timedelta(hours=1), last_contact_via="sms"
    )
