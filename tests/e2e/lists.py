"""How the browser suites measure a console list against its screen (tests/e2e/duty,
tests/e2e/chief, tests/e2e/admin_walk): beside a list stand the menu and the filters, and what
a list is read for must be on the screen without scrolling sideways.

The lists are read on the demo's own data (:func:`demo_history`, :func:`conflicts_and_quarantine`).

Two measures: :func:`table_overflow` (the table is wider than its box: some column can only be
scrolled to) and :func:`columns_off_screen` (which of the named columns end right of the box).
:func:`header_widths` says where the width went, for an assertion's message.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.core.management import call_command

from backend.devices.models import Device
from backend.dispatch.models import Conflict, ConflictKind, Event
from backend.people.models import Officer
from backend.simulator import history, scenario
from backend.sync_gateway.models import QuarantinedRecord
from tests.e2e import browser as shared

RESULTS = "#changelist .results"


def console_page(
    browser: Any, server: str, officer: Officer, *, language: str, viewport: dict[str, int]
) -> Any:
    """A page of ``viewport`` logged in to the console as ``officer``, reading ``language``,
    on a computer in Kazakhstan's time zone (``browser.console_login``)."""
    return shared.console_login(
        browser, server, officer, password=f"{officer.username}-lists-102", language=language,
        viewport=viewport,
    )  # fmt: skip


def table_overflow(page: Any) -> tuple[int, int] | None:
    """``(scrollWidth, clientWidth)`` of the list's box when its table is wider than the box,
    else None."""
    scroll, client = page.locator(RESULTS).evaluate("box => [box.scrollWidth, box.clientWidth]")
    return (scroll, client) if scroll > client else None


def columns_off_screen(page: Any, columns: Iterable[str]) -> list[str]:
    """The ``columns`` (``field-…`` names of ``list_display``) whose header ends right of the
    list's box, or is missing: they cannot be read without scrolling sideways."""
    box = page.locator(RESULTS).bounding_box()
    right = box["x"] + box["width"] + 1
    off = []
    for column in columns:
        found = page.locator(f"#result_list thead th.column-{column}")
        header = found.bounding_box() if found.count() else None
        if header is None or header["x"] + header["width"] > right:
            off.append(column)
    return off


def header_widths(page: Any) -> list[tuple[str, int]]:
    """Every header's class and width in px: where a too-wide list's width went."""
    return [
        (name, width)
        for name, width in page.locator("#result_list thead th").evaluate_all(
            "hs => hs.map(h => [h.className, Math.round(h.getBoundingClientRect().width)])"
        )
    ]


def header_texts(page: Any) -> list[str]:
    return [h.strip() for h in page.locator("#result_list thead th").all_inner_texts()]


# --- the data the lists are read on ------------------------------------------------------------
def demo_history(state_dir: Path, *, end: dt.datetime) -> None:
    """The demo's seed and a few hours of history up to ``end``, made by the simulator through
    the services (ten times the daily calls, so that every list has pages)."""
    call_command("seed", "--demo", stdout=io.StringIO())
    rates = {k: v * 10 for k, v in scenario.DAILY_CALLS.items()}
    built = history.build(days=0.2, state_dir=state_dir, seed=7, end=end, rates=rates)
    assert built.check.ok, built.check.lines()


def conflicts_and_quarantine(chief: Officer, *, at: dt.datetime) -> None:
    """Conflicts of the longest kinds, open and resolved, on ``chief``'s district's own facts
    (a few hours of history rarely bring a crew back after a stand-down); and what a tester's
    phone left in quarantine: an event for no such assignment, and a payload too large (their
    ids and texts as long as such records have)."""
    facts = Event.objects.filter(
        incident__district=chief.district, assignment__isnull=False, unit__isnull=False
    ).select_related("assignment")[:8]
    assert len(facts) == 8
    for n, fact in enumerate(facts):
        resolved = n % 2 == 1
        Conflict.objects.create(
            kind=[ConflictKind.AFTER_CLOSE, ConflictKind.NOT_ASSIGNEE][n % 2],
            district=chief.district,
            incident_id=fact.incident_id,
            assignment=fact.assignment,
            event=fact,
            unit_id=fact.unit_id,
            opened_at=fact.server_received_at,
            state="resolved" if resolved else "open",
            resolution=Conflict.Resolution.UPHOLD_SERVER if resolved else "",
            resolution_note="связи не было" if resolved else "",
            resolved_at=at if resolved else None,
            resolved_by=chief if resolved else None,
        )
    device = Device.objects.filter(officer__district=chief.district).first()
    assert device is not None
    for n, (reason, detail) in enumerate(
        [
            ("unknown_assignment", "no assignment 999999"),
            ("invalid_payload", "payload is larger than 16384 bytes"),
        ]
    ):
        record_id = f"sec0b62eb509b4a75102f3{n}"
        QuarantinedRecord.objects.create(
            device=device,
            officer=device.officer,
            district=device.officer.district,
            table="events",
            operation="ws_event" if n else "created",
            record_id=record_id,
            raw=json.dumps({"id": record_id, "kind": "on_scene", "assignment_id": 999999}),
            reason=reason,
            detail=detail,
            received_at=at,
        )
