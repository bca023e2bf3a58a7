"""A district's duty desk follows its own unit lent across the border, in a real browser: the
oblast ЦОУ sent Abai district's patrol B-PC1 to a robbery in a border village of Ayagoz
district. On Abai's board the unit's row links the call; the link opens the call's console
page read-only — whose call it is and that Ayagoz's desk runs it, the call, B-PC1's
assignment with its times, the timeline, and no command. In Russian and Kazakh.
Screenshots: ``var/walk-lent-unit/``.

Then the crew's parts of that call, read-only: Ayagoz's desk messages B-PC1 from its own page
of the call, B-PC1 falls silent on scene past its check interval, and Abai's desk reads on the
read-only page the message with "not read yet" and the officer-safety check not answered —
with nothing to send or answer with. Screenshots: ``var/lent_read/``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, ngettext

from backend.common import clock
from backend.dispatch.lifecycle import EventKind
from backend.dispatch.models import Assignment, SafetyCheck
from backend.dispatch.services import (
    assignment_record_on_behalf,
    escalation_sweep,
    incident_dispatch,
)
from backend.people.models import Role
from tests import factories

from .conftest import log_in
from .test_across_border import border_call

pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

# The board's page waits for its socket: uvicorn on PostgreSQL with Redis (test_board.py).
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]

SHOTS = Path(settings.BASE_DIR) / "var" / "walk-lent-unit"
READ_SHOTS = Path(settings.BASE_DIR) / "var" / "lent_read"
# Ayagoz district as each reader reads it (its Kazakh name set below).
AYAGOZ = {"ru": "Аягозский район", "kk": "Аягөз ауданы"}


def shot(page: Any, name: str, folder: Path = SHOTS) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def in_language(language: str, text: str) -> str:
    with translation.override(language):
        return gettext(text)


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_the_units_desk_opens_the_other_districts_call_from_its_board_read_only(
    server: str, browser: Any, personas: Any, language: str
) -> None:
    # given: B-PC1 sent across the border to Ayagoz's call; Abai's duty officer on his board
    personas.a.district.name_kk = AYAGOZ["kk"]
    personas.a.district.save(update_fields=["name_kk"])
    call = border_call(personas)
    sent = incident_dispatch(incident=call, unit=personas.b.patrol, by=personas.duty)
    desk = factories.officer(
        username="duty_abai", role=Role.DUTY_OFFICER, district=personas.b.district
    )
    page = log_in(browser, server, desk, language=language)
    page.goto(f"{server}/board/")
    page.wait_for_selector("body[data-live]", timeout=10_000)
    row = page.locator("#assignments tr", has_text="B-PC1")
    row.wait_for()
    link = row.locator("a.lent-link")
    assert link.inner_text() == call.number
    assert row.locator("button.ack").count() == 0
    shot(page, f"board-{language}")

    # when: the call's number on the unit's row
    console_errors: list[str] = []
    page.context.on("page", lambda p: p.on("pageerror", lambda e: console_errors.append(str(e))))
    with page.context.expect_page() as opened:
        link.click()
    console = opened.value
    console.wait_for_selector("#kuzet-lent")

    # then: whose call it is, in the reader's language, at the top
    with translation.override(language):
        line = ngettext(
            "Call of another district: %(district)s. Your unit %(units)s was sent to it; "
            "that district's desk runs it.",
            "Call of another district: %(district)s. Your units %(units)s were sent to "
            "it; that district's desk runs it.",
            1,
        ) % {"district": AYAGOZ[language], "units": "B-PC1"}
    assert console.locator("#kuzet-lent .kuzet-lent-line").inner_text() == line
    top = console.evaluate(
        "() => [...document.querySelectorAll('#panel section, #kuzet-lent')].map(e => e.id)"
    )
    assert top[:3] == ["kuzet-lent", "kuzet-call", "kuzet-lent-assignments"]
    # the call, its timeline (headed in the reader's language), B-PC1's assignment
    assert console.locator("#kuzet-call").inner_text().count("грабёж у магазина") == 1
    assert console.locator("#kuzet-timeline h2").inner_text() == in_language(language, "Timeline")
    assert in_language(language, "Timeline") != "Timeline"
    unit_row = console.locator("#kuzet-lent-assignments tr.kuzet-lent-assignment")
    assert unit_row.evaluate_all("rows => rows.map(r => r.dataset.unit)") == ["B-PC1"]
    with translation.override(language):
        status = str(Assignment.objects.get(pk=sent.pk).get_status_display())
    assert unit_row.locator("td").nth(1).inner_text() == status
    # and nothing to act with: no form, no units to send, no commands
    assert console.locator("#panel form").count() == 0
    assert console.locator("#kuzet-dispatch, #kuzet-incident-commands").count() == 0
    assert console.url.endswith(f"/admin/dispatch/incident/{call.pk}/change/")
    assert console_errors == []
    assert page.kuzet_errors == []
    shot(console, f"call-{language}")


KNIFE = "Заявитель перезвонил: у него нож, ждите второй наряд"


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_the_units_desk_reads_the_other_desks_message_and_the_safety_check_on_its_crew(
    server: str, browser: Any, personas: Any, language: str
) -> None:
    # given: B-PC1 sent across the border 40 minutes ago, on scene by radio 35 minutes ago,
    # silent since: past its P1 interval (20 min), the sweep puts the check up
    personas.a.district.name_kk = AYAGOZ["kk"]
    personas.a.district.save(update_fields=["name_kk"])
    personas.device(personas.b.patrol_officers[0])  # the crew reads its calls on a phone
    start = clock.now() - dt.timedelta(minutes=40)
    with clock.frozen(start):
        call = border_call(personas)
        sent = incident_dispatch(incident=call, unit=personas.b.patrol, by=personas.duty)
    with clock.frozen(start + dt.timedelta(minutes=5)):
        assignment_record_on_behalf(
            assignment=sent, by=personas.duty, kind=EventKind.ON_SCENE, channel="radio"
        )
    with clock.frozen(start + dt.timedelta(minutes=26)):
        escalation_sweep()
    assert SafetyCheck.objects.filter(assignment=sent, checked_at=None).count() == 1
    desk_a = factories.officer(
        username="duty_ayagoz", role=Role.DUTY_OFFICER, district=personas.a.district
    )
    desk_b = factories.officer(
        username="duty_abai", role=Role.DUTY_OFFICER, district=personas.b.district
    )

    # when: Ayagoz's desk messages the crew from its page of the call
    page_a = log_in(browser, server, desk_a, language=language)
    page_a.goto(f"{server}/admin/dispatch/incident/{call.pk}/change/")
    form = page_a.locator("form.kuzet-message")
    form.locator("input[name=text]").fill(KNIFE)
    form.locator("input[type=submit]").click()
    page_a.locator("#panel .messagelist li.success").wait_for()
    shot(page_a, f"1-their-desk-sent-{language}", READ_SHOTS)

    # and: Abai's desk opens the call, read-only
    page_b = log_in(browser, server, desk_b, language=language)
    page_b.goto(f"{server}/admin/dispatch/incident/{call.pk}/change/")
    page_b.wait_for_selector("#kuzet-lent")

    # then: on B-PC1's row, the message and that the crew has not read it yet
    message = page_b.locator("#kuzet-lent-assignments tr.kuzet-messages li.kuzet-desk-message")
    assert message.count() == 1
    assert f"«{KNIFE}»" in message.inner_text()
    assert message.locator(".kuzet-message-state").inner_text() == in_language(
        language, "not read yet"
    )
    # the safety check on the crew, not answered
    check = page_b.locator("#kuzet-lent-safety tr.kuzet-safety-check")
    assert check.evaluate_all("rows => rows.map(r => r.dataset.unit)") == ["B-PC1"]
    assert check.locator("td").nth(3).inner_text() == "⚠ " + in_language(language, "not answered")
    heading = in_language(language, "officer-safety checks")
    assert page_b.locator("#kuzet-lent-safety h2").inner_text() == heading[:1].upper() + heading[1:]
    # and nothing to send, answer or record with
    assert page_b.locator("#panel form, #panel input, #panel button").count() == 0
    assert page_a.kuzet_errors == []
    assert page_b.kuzet_errors == []
    shot(page_b, f"2-own-desk-reads-{language}", READ_SHOTS)
