"""A district chief's lists on a 1366 × 768 laptop with the menu open, in Kazakh and Russian,
on the demo's own data: the seed, a few hours of history made by the simulator through the
services, and quarantined records like the ones a tester's phone left.

Beside each list stand the menu (left) and the filters (right); the table must fit the box
between them, every column on the screen (the tester found the incident list 928–956 px wide
in a 771 px box, its channel and summary off the screen, the facts' list up to 1148 px).
Screenshots: ``var/screenshots/chief/3*-laptop-*``.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
from django.core.management import call_command

from backend.devices.models import Device
from backend.dispatch.models import Conflict, ConflictKind, Event
from backend.people.models import Officer
from backend.simulator import history, scenario
from backend.sync_gateway.models import QuarantinedRecord
from tests.e2e import browser as shared
from tests.e2e.processes import set_server_password

pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SUITE = "chief"
PASSWORD = "semey-chief-102"
LAPTOP = {"width": 1366, "height": 768}
END = dt.datetime(2026, 11, 20, 14, 0, tzinfo=dt.UTC)

LISTS = (
    "dispatch/incident/",
    "dispatch/assignment/",
    "dispatch/event/",
    "dispatch/conflict/?state__exact=open",
    "dispatch/conflict/",
    "sync_gateway/quarantinedrecord/",
)


@pytest.fixture
def demo(server: str, tmp_path: Any) -> str:
    call_command("seed", "--demo", stdout=io.StringIO())
    rates = {k: v * 10 for k, v in scenario.DAILY_CALLS.items()}
    built = history.build(days=0.2, state_dir=tmp_path, seed=7, end=END, rates=rates)
    assert built.check.ok, built.check.lines()
    # Conflicts of the longest kinds, open and resolved, on the district's own facts (a few
    # hours of history rarely bring a crew back after a stand-down).
    chief = Officer.objects.get(username="chief_semey")
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
            resolved_at=END if resolved else None,
            resolved_by=chief if resolved else None,
        )
    # What the tester's phone left in quarantine: an event for no such assignment, and a
    # payload too large (their ids and texts as long as such records have).
    device = Device.objects.filter(officer__district__name__startswith="Семей").first()
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
            received_at=END,
        )
    return server


def chief_at_a_laptop(browser: Any, server: str, language: str) -> Any:
    chief = Officer.objects.get(username="chief_semey")
    chief.language = language
    set_server_password(chief, PASSWORD)
    chief.save(update_fields=["language", "password"])
    locale = {"kk": "kk-KZ", "ru": "ru-RU"}[language]
    page = browser.new_context(viewport=LAPTOP, locale=locale, timezone_id="Asia/Almaty").new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.kuzet_errors = errors
    page.goto(f"{server}/admin/login/")
    page.fill("#id_username", chief.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_load_state()
    return page


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_a_chiefs_lists_fit_a_laptop_with_the_menu_open(
    demo: str, browser: Any, language: str
) -> None:
    # given: the Semey chief at a 1366 px laptop
    page = chief_at_a_laptop(browser, demo, language)
    too_wide = {}

    for n, name in enumerate(LISTS):
        # when
        page.goto(f"{demo}/admin/{name}")

        # then: the menu is open, the list has rows, and its table fits its box
        assert page.locator("#nav-sidebar").is_visible(), name
        assert page.locator("#result_list tbody tr").count() > 0, name
        scroll, client = page.locator("#changelist .results").evaluate(
            "box => [box.scrollWidth, box.clientWidth]"
        )
        if scroll > client:
            headers = page.locator("#result_list thead th").evaluate_all(
                "hs => hs.map(h => [h.className, Math.round(h.getBoundingClientRect().width)])"
            )
            too_wide[name] = (scroll, client, headers)
        label = name.split("?")[0].strip("/").replace("/", "-")
        shared.screenshot(
            page, SUITE, f"3{n}-laptop-{label}{'-open' if '?' in name else ''}-{language}"
        )

    assert too_wide == {}
    assert page.kuzet_errors == []
