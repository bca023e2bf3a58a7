"""A shift changes hands at the desk: the outgoing duty officer opens the handover from the
desk's home, sees what the next shift inherits, writes his note and saves it; the incoming
officer opens it, reads the note and receives it ("received by … at …"); the page prints on
A4. On a 1366 px laptop nothing runs off the screen. Screenshots:
``var/screenshots/duty/handover-*-{en,ru,kk}.png``."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from backend.common import clock
from backend.people.models import Role
from backend.reports.models import Handover
from tests import factories

from .conftest import log_in, shot

pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LAPTOP = {"width": 1366, "height": 768}
NOTE = "A-PC1: SOS в 18:40, связь есть, не снимать. Актогай — перезвонить заявителю."


def _fits(page: Any) -> tuple[int, int]:
    return page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_the_outgoing_officer_hands_over_and_the_incoming_officer_receives(
    server: str, browser: Any, personas: Any, language: str
) -> None:
    # given: district A's two duty officers; a call with a crew acknowledged, a call waiting
    # for a unit, a domestic-violence call; a crew in SOS, a unit out of service
    a, now = personas.a, clock.now()
    outgoing = factories.officer(
        username="duty_ayagoz", role=Role.DUTY_OFFICER, district=a.district,
        first_name="Нурлан", last_name="Сапаров",
    )  # fmt: skip
    incoming = factories.officer(
        username="duty_ayagoz2", role=Role.DUTY_OFFICER, district=a.district,
        first_name="Айгуль", last_name="Бекова",
    )  # fmt: skip
    worked = factories.incident(
        district=a.district, settlement=a.village, status="assigned",
        received_at=now - dt.timedelta(minutes=95),
    )  # fmt: skip
    factories.assignment(
        incident=worked, unit=a.inspector_unit, status="acknowledged",
        dispatched_at=now - dt.timedelta(minutes=90),
        acknowledged_at=now - dt.timedelta(minutes=89),
    )  # fmt: skip
    waiting = factories.incident(
        district=a.district, settlement=a.town, received_at=now - dt.timedelta(minutes=20)
    )
    dv = factories.incident(
        district=a.district, settlement=a.village, category="domestic_violence", priority="P1",
        summary="муж угрожает", received_at=now - dt.timedelta(minutes=7),
    )  # fmt: skip
    a.inspector_unit.status, a.inspector_unit.status_at = "dispatched", worked.received_at
    a.inspector_unit.save(update_fields=["status", "status_at"])
    a.patrol.status, a.patrol.status_at = "sos", now - dt.timedelta(minutes=12)
    a.patrol.save(update_fields=["status", "status_at"])
    factories.unit(
        callsign="A-PC2", district=a.district, status="out_of_service",
        status_at=now - dt.timedelta(hours=6),
    )  # fmt: skip

    # when: the outgoing officer opens the handover from the desk's home
    page = log_in(browser, server, outgoing, language=language)
    page.set_viewport_size(LAPTOP)
    page.click("#desk-handover")
    page.wait_for_load_state()

    # then: the calls still open, oldest first, the DV call without its place; the units
    assert page.url.startswith(f"{server}/admin/reports/handover/")
    rows = page.locator("#open-calls tbody tr")
    assert rows.count() == 3
    assert [rows.nth(i).locator("td").first.inner_text() for i in range(3)] == [
        worked.number,
        waiting.number,
        dv.number,
    ]
    assert "A-UI1" in rows.nth(0).inner_text()
    assert "муж угрожает" not in page.content()
    units = page.locator("#units tbody tr")
    assert units.nth(0).locator("td").first.inner_text() == "A-PC1"  # the SOS first
    assert worked.number in units.nth(1).inner_text()  # A-UI1 on its call
    assert page.locator("#need-sos_units .card-value").inner_text() == "1"
    scroll, client = _fits(page)
    assert scroll <= client, (scroll, client)
    shot(page, f"handover-outgoing-{language}")

    # when: he writes his note and saves it
    page.fill("#handover-note", NOTE)
    page.click("#handover-save")
    page.wait_for_load_state()

    # then: it waits for the next shift, his to correct until received
    waiting_note = page.locator("#handover-waiting-1")
    assert NOTE in waiting_note.inner_text()
    assert page.locator("#handover-receive").count() == 0  # not his own
    assert page.locator("#handover-note").input_value() == NOTE
    assert Handover.objects.get().written_by == outgoing
    shot(page, f"handover-written-{language}")

    # when: the print view
    page.goto(server + page.locator("#handover-print").get_attribute("href"))
    page.emulate_media(media="print")

    # then: the paper: the note, the calls, the units, no console
    assert NOTE in page.locator("#print-notes").inner_text()
    assert page.locator("#print-calls tbody tr").count() == 3
    assert page.locator("#nav-sidebar").count() == 0
    assert page.locator("#header").count() == 0
    shot(page, f"handover-print-{language}")
    assert page.kuzet_errors == []
    page.context.close()

    # when: the incoming officer signs in, opens the handover and receives it
    page = log_in(browser, server, incoming, language=language)
    page.set_viewport_size(LAPTOP)
    page.click("#desk-handover")
    page.wait_for_load_state()
    assert NOTE in page.locator("#handover-waiting-1").inner_text()
    shot(page, f"handover-incoming-{language}")
    page.click("#handover-receive")
    page.wait_for_load_state()

    # then: received by her, now; the note stays on the page as the last handover
    assert page.locator("#handover-waiting-1").count() == 0
    last = page.locator("#handover-last")
    assert NOTE in last.inner_text()
    assert "Айгуль Бекова" in page.locator("#handover-last-received").inner_text()
    handover = Handover.objects.get()
    assert handover.acknowledged_by == incoming
    shot(page, f"handover-received-{language}")

    # when: the list of past handovers
    page.click("#handover-list")
    page.wait_for_load_state()

    # then
    assert page.locator("#handovers tbody tr").count() == 1
    assert "Нурлан Сапаров" in page.locator("#handovers tbody tr").inner_text()
    scroll, client = _fits(page)
    assert scroll <= client, (scroll, client)
    shot(page, f"handover-list-{language}")

    # when: the handover opened from the list, after the shift has moved on
    page.locator("#handovers tbody tr a").first.click()
    page.wait_for_load_state()

    # then: the desk as it was handed over — the three calls, A-PC1 in SOS
    assert page.locator("#as-written-calls tbody tr").count() == 3
    assert page.locator("#as-written-units tbody tr").first.locator("td").first.inner_text() == (
        "A-PC1"
    )
    assert "муж угрожает" not in page.content()  # the DV call's details stay out here too
    scroll, client = _fits(page)
    assert scroll <= client, (scroll, client)
    shot(page, f"handover-as-written-{language}")
    assert page.kuzet_errors == []
