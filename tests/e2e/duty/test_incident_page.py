"""The duty officer works an incident from its page, in a real browser (Debian's chromium
driven by Playwright; never a downloaded browser) — issue 13, points 2, 3 and 8.

Found by outside testing: the dispatch panel's forms sat inside the admin's
``<form id="incident_form">``; the browser drops the first nested form, so the TOP
recommendation's Dispatch button posted the admin form and got 403. Here the duty officer
clicks that button, then acknowledges and records the arrival on the officer's behalf (the
incident's first on-scene time is set), reassigns, cancels the assignment, saves a registry
number, closes with an outcome and reopens with a reason — every step without a reload
(the panel is replaced in place) — and sees the unreachable unit offered last, with a
warning. Screenshots: ``var/screenshots/duty/``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from backend.common import clock
from backend.common.formatting import when_text
from backend.dispatch import kpis
from backend.dispatch.models import Assignment, EventSource, Incident
from backend.dispatch.services import incident_dispatch
from backend.ledger.models import AuditEntry
from tests import factories
from tests.e2e.browser import contrast

from .conftest import log_in, shot

pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")
from playwright.sync_api import TimeoutError as PlaywrightTimeout

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _notice(page: Any, text: str) -> str:
    """Wait for the panel's notice containing ``text``; return every notice."""
    try:
        page.wait_for_selector(f"#panel ul.messagelist li:has-text({text!r})", timeout=30_000)
    except PlaywrightTimeout:
        # say what the panel shows instead: its own error when no answer came, or its notices
        shown = page.locator("#panel .kuzet-panel-error, #panel ul.messagelist").all_inner_texts()
        raise AssertionError(f"no notice {text!r}; the panel shows {shown}") from None
    return " | ".join(page.locator("#panel ul.messagelist li").all_inner_texts())


def _panel_replaced_in_place(page: Any, times: int) -> None:
    """No reload happened (the marker set before the first command survives) and the panel
    was swapped ``times`` times."""
    assert page.evaluate("window.kuzetMarker") == "still the same page"
    assert page.evaluate("document.getElementById('panel').dataset.replaced") == str(times)


def test_the_duty_officer_works_an_incident_from_the_top_of_its_page(
    server: str, browser: Any, personas: Any
) -> None:
    # given: a theft in Ayagoz three minutes ago; near it the patrol car A-PC1 and a second
    # car A-PC2; the inspector A-UI1 in the far village; A-PC9 silent for 47 minutes
    a = personas.a
    now = clock.now()
    incident = factories.incident(
        district=a.district,
        settlement=a.town,
        summary="кража велосипеда у магазина",
        received_at=now - dt.timedelta(minutes=3),
    )
    second = factories.unit(
        callsign="A-PC2", district=a.district, lat=a.town.lat + 0.03, lon=a.town.lon + 0.03
    )
    silent_since = now - dt.timedelta(minutes=47)
    factories.unit(
        callsign="A-PC9",
        district=a.district,
        lat=a.town.lat + 0.005,
        lon=a.town.lon,
        position_at=silent_since,
        last_contact_at=silent_since,
    )
    page = log_in(browser, server, personas.duty)
    forbidden: list[str] = []
    page.on("response", lambda r: forbidden.append(r.url) if r.status in (403, 500) else None)

    # when: the duty officer opens the incident
    page.goto(f"{server}/admin/dispatch/incident/{incident.pk}/change/")
    page.wait_for_selector("#kuzet-dispatch")
    page.evaluate("window.kuzetMarker = 'still the same page'")

    # then: the actions come first — the panel is above the admin's form, not inside it
    panel_box = page.locator("#panel").bounding_box()
    form_box = page.locator("#incident_form").bounding_box()
    assert panel_box["y"] + panel_box["height"] <= form_box["y"]
    assert page.locator("#incident_form #panel, #incident_form form").count() == 0
    units = page.locator("#kuzet-dispatch tr.kuzet-unit").evaluate_all(
        "rows => rows.map(r => r.dataset.unit)"
    )
    assert units == ["A-PC1", "A-PC2", "A-UI1", "A-PC9"]
    warning = page.locator("#kuzet-dispatch tr.kuzet-unit[data-unit='A-PC9'] .kuzet-warning")
    assert "no contact for 47 min" in warning.inner_text()
    assert page.locator("#kuzet-dispatch tr.kuzet-unreachable").count() == 1
    shot(page, "10-incident-actions-first")

    # when: the TOP recommendation's Dispatch button, clicked where it is on the page
    page.evaluate("window.scrollTo(0, 120)")
    scrolled = page.evaluate("window.scrollY")
    page.locator("#kuzet-dispatch tr.kuzet-unit").first.locator("input[type=submit]").click()
    notices = _notice(page, "is sent to call")

    # then: dispatched (no 403), the page neither reloaded nor jumped to the top
    assert forbidden == []
    assert "A-PC1" in notices
    _panel_replaced_in_place(page, 1)
    assert page.evaluate("window.scrollY") == scrolled
    first = Assignment.objects.get(incident=incident)
    assert (first.unit_id, first.status) == (a.patrol.pk, "dispatched")
    assert page.locator("#kuzet-assignments tr.kuzet-assignment[data-unit='A-PC1']").count() == 1
    shot(page, "11-top-unit-dispatched")

    # when: A-PC1 acknowledges by radio; the duty officer records it
    row = page.locator("#kuzet-assignments tr.kuzet-commands").first
    row.locator("select[name=kind]").select_option("ack")
    row.locator("select[name=channel]").select_option("radio")
    row.locator("input[type=submit][value='Record']").click()
    notices = _notice(page, "Recorded for A-PC1: acknowledged at")

    # then: one sentence — for whom, when, how it was heard, and the arrival deadline ahead
    assert "(by radio); the crew must be on scene by" in notices
    _panel_replaced_in_place(page, 2)
    first.refresh_from_db()
    assert first.acknowledged_at is not None
    assert (first.acknowledged_event.source, first.acknowledged_event.via) == (
        EventSource.ON_BEHALF,
        "radio",
    )
    shot(page, "12-acknowledged-on-behalf")

    # when: a time in the future is typed for the arrival
    row = page.locator("#kuzet-assignments tr.kuzet-commands").first
    future = timezone.localtime(clock.now() + dt.timedelta(hours=1))
    row.locator("select[name=kind]").select_option("on_scene")
    row.locator("input[name=occurred_at]").fill(future.strftime("%Y-%m-%dT%H:%M"))
    row.locator("input[type=submit][value='Record']").click()
    notices = _notice(page, "in the future")

    # then: refused with a clear message, nothing recorded, the form as it was typed
    first.refresh_from_db()
    assert first.on_scene_at is None
    row = page.locator("#kuzet-assignments tr.kuzet-commands").first
    assert row.locator("input[name=occurred_at]").input_value() == future.strftime("%Y-%m-%dT%H:%M")
    assert row.locator("select[name=kind]").input_value() == "on_scene"
    shot(page, "13-arrival-in-the-future-refused")

    # when: the arrival, reported by phone just now (the time cleared), ± 2 minutes
    row.locator("input[name=occurred_at]").fill("")
    row.locator("select[name=kind]").select_option("on_scene")
    row.locator("select[name=channel]").select_option("phone")
    row.locator("input[name=uncertainty_min]").fill("2")
    row.locator("input[type=submit][value='Record']").click()
    notices = _notice(page, "Recorded for A-PC1: on scene at")
    assert "± 2 min 00 s (by phone)." in notices

    # then: the incident's first on-scene time (and so its response time) is set
    first.refresh_from_db()
    assert first.status == "on_scene"
    assert first.on_scene_event.payload["uncertainty_s"] == 120
    with_kpis = kpis.incidents_with_kpis(Incident.objects.filter(pk=incident.pk)).get()
    assert with_kpis.first_on_scene_at == first.on_scene_at
    assert with_kpis.response_s is not None
    assert with_kpis.response_s >= 180
    timeline = page.locator("#kuzet-timeline").inner_text()
    assert "± 2 min 00 s" in timeline  # the uncertainty in words, as every duration
    shot(page, "14-arrival-recorded-on-behalf")

    # when: the incident is handed to A-PC2
    row = page.locator("#kuzet-assignments tr.kuzet-commands").first
    row.locator("select[name=unit_id]").select_option(str(second.pk))
    row.locator("input[type=submit][value='Reassign']").click()
    notices = _notice(page, f"Call {incident.number} is handed to A-PC2 (A-PC1 is taken off it)")

    # then
    first.refresh_from_db()
    new = Assignment.objects.get(incident=incident, unit=second)
    assert (first.status, first.superseded_by_id, new.status) == (
        "superseded",
        new.pk,
        "dispatched",
    )
    assert f"A-PC2 must acknowledge by {when_text(new.ack_due_at)}, or the board" in notices
    shot(page, "15-reassigned")

    # when: A-PC2 is stood down with a reason
    row = page.locator("#kuzet-assignments tr.kuzet-commands").first
    row.locator("input[name=reason]").fill("отбой, справились")
    row.locator("input[type=submit][value='Cancel assignment']").click()
    notices = _notice(page, f"A-PC2 is taken off call {incident.number}")

    # then
    new.refresh_from_db()
    assert (new.status, new.cancel_reason) == ("cancelled", "отбой, справились")
    assert f"A-PC2 is taken off call {incident.number}; the crew is told." in notices
    assert page.locator("#kuzet-assignments").count() == 0
    shot(page, "16-assignment-cancelled")

    # when: the КУИ number is saved
    page.locator("#kuzet-registry input[name=registry_kui]").fill("КУИ-2026-0042")
    page.locator("#kuzet-registry input[type=submit]").click()
    _notice(page, f"Registry numbers of call {incident.number} are now КУИ-2026-0042.")

    # then
    incident.refresh_from_db()
    assert incident.registry_kui == "КУИ-2026-0042"
    assert AuditEntry.objects.filter(
        action="incident.registry_changed", object_id=str(incident.pk)
    ).exists()
    assert page.locator("#kuzet-registry input[name=registry_kui]").input_value() == (
        "КУИ-2026-0042"
    )
    shot(page, "17-registry-number-saved")

    # when: closed with an outcome
    commands = page.locator("#kuzet-incident-commands")
    commands.locator("input[name=disposition]").fill("заявление принято")
    commands.locator("select[name=outcome_code]").select_option("report_taken")
    commands.locator("input[type=submit][value='Close']").click()
    _notice(
        page,
        f"Call {incident.number} is closed (заявление принято) with the outcome: Report taken "
        "(КУИ).",
    )

    # then
    incident.refresh_from_db()
    assert (incident.status, incident.outcome_code) == ("closed", "report_taken")
    assert page.locator("#kuzet-dispatch").count() == 0
    # the call's status reads on its blue header, ended or not (grey on blue it did not)
    assert page.inner_text("#kuzet-call h2 .kuzet-status") == "Closed"
    assert contrast(page, "#kuzet-call h2 .kuzet-status") >= 4.5
    shot(page, "18-closed-with-outcome")

    # when: reopened with a reason
    commands = page.locator("#kuzet-incident-commands")
    commands.locator("input[name=reason]").fill("заявитель перезвонил: вор вернулся")
    commands.locator("input[type=submit][value='Reopen']").click()
    _notice(page, f"Call {incident.number} is open again: send a unit to it.")

    # then: back in the queue, the recommendations are offered again, all without a reload
    incident.refresh_from_db()
    assert (incident.status, incident.reopened_at is not None) == ("queued", True)
    assert AuditEntry.objects.filter(
        action="incident.reopened", object_id=str(incident.pk)
    ).exists()
    assert page.locator("#kuzet-dispatch tr.kuzet-unit").count() == 4
    _panel_replaced_in_place(page, 9)
    assert forbidden == []
    assert page.kuzet_errors == []
    shot(page, "19-reopened")


def test_without_script_the_top_dispatch_button_posts_its_own_form_and_returns_to_the_panel(
    server: str, browser: Any, personas: Any
) -> None:
    # given: the same page with JavaScript off (a locked-down workstation)
    incident = factories.incident(district=personas.a.district, settlement=personas.a.town)
    page = log_in(browser, server, personas.duty)
    page.context.close()
    context = browser.new_context(
        viewport={"width": 1440, "height": 900}, java_script_enabled=False
    )
    page = context.new_page()
    page.goto(f"{server}/admin/login/")
    page.fill("#id_username", personas.duty.username)
    page.fill("#id_password", "semey-duty-102")
    page.click("input[type=submit]")
    page.goto(f"{server}/admin/dispatch/incident/{incident.pk}/change/")

    # when
    page.locator("#kuzet-dispatch tr.kuzet-unit").first.locator("input[type=submit]").click()
    page.wait_for_load_state()

    # then: the dispatch went through its own form and the browser is back at #panel
    assert page.url.endswith(f"/admin/dispatch/incident/{incident.pk}/change/#panel")
    assert "is sent to call" in page.locator("ul.messagelist").inner_text()
    assert Assignment.objects.filter(incident=incident, unit=personas.a.patrol).count() == 1
    shot(page, "20-no-script-dispatch")


def test_a_dispatch_whose_answer_was_lost_is_not_repeated_by_the_second_click(
    server: str, browser: Any, personas: Any
) -> None:
    # given: the incident page; the first answer to a dispatch is lost on the way (the
    # server does the work, a proxy on a bad link answers 502)
    incident = factories.incident(district=personas.a.district, settlement=personas.a.town)
    page = log_in(browser, server, personas.duty)
    page.goto(f"{server}/admin/dispatch/incident/{incident.pk}/change/")
    held: list[int] = []

    def lose_the_first_answer(route: Any) -> None:
        if not held:
            held.append(route.fetch(max_redirects=0).status)
            route.fulfill(status=502, body="Bad Gateway")
        else:
            route.continue_()

    page.route("**/dispatch/", lose_the_first_answer)
    top = page.locator("#kuzet-dispatch tr.kuzet-unit").first.locator("input[type=submit]")

    # when: the officer clicks, is told no answer came, and clicks the same button again
    top.click()
    page.wait_for_selector("#panel .kuzet-panel-error:not([hidden])")
    error = page.locator("#panel .kuzet-panel-error").inner_text()
    shot(page, "21-dispatch-answer-lost")
    top.click()
    notices = _notice(page, "already sent")

    # then: one dispatch, and the page says the first click went through
    assert held == [200]
    assert "No answer from the server (502)" in error
    assert notices.startswith(
        "This form was already sent; nothing was done again. A-PC1 is sent to call"
    )
    assert Assignment.objects.filter(incident=incident).count() == 1
    assert page.kuzet_errors == []
    shot(page, "22-dispatch-sent-again")


def test_a_dv_calls_reads_are_folded_in_its_timeline_until_asked_for(
    server: str, browser: Any, personas: Any
) -> None:
    # given: a DV call; every opening of its page is audited as a read (Law 214-IV), and on a
    # DV call these reads were a third of the timeline's rows, between the facts
    incident = factories.incident(
        district=personas.a.district,
        settlement=personas.a.town,
        category="domestic_violence",
        priority="P1",
    )
    page = log_in(browser, server, personas.duty)
    page.goto(f"{server}/admin/dispatch/incident/{incident.pk}/change/")
    page.reload()
    page.reload()
    reads = page.locator("#kuzet-timeline tr.kuzet-read")
    # three openings, three reads, this one included
    assert reads.count() == 3
    assert AuditEntry.objects.filter(action="incident.read").count() == 3

    # then: folded; the box says how many and by whom they can be seen
    assert not reads.first.is_visible()
    assert page.locator("#kuzet-timeline tr:not(.kuzet-read)").first.is_visible()
    toggle = page.get_by_text("Show who read this DV record (3)")
    shot(page, "30-dv-reads-folded")

    # when: the duty officer asks for them
    toggle.click()

    # then: the reads are shown, each with who read it
    assert reads.first.is_visible()
    assert reads.nth(1).locator("td").nth(3).inner_text() == personas.duty.username
    shot(page, "31-dv-reads-shown")

    # when: the duty officer dispatches from the page (the panel is replaced in place)
    page.evaluate("window.kuzetMarker = 'still the same page'")
    page.locator("#kuzet-dispatch tr.kuzet-unit").first.locator("input[type=submit]").click()
    _notice(page, "is sent to call")

    # then: what they unfolded stays unfolded
    _panel_replaced_in_place(page, 1)
    assert page.locator("#kuzet-show-reads").is_checked()
    assert page.locator("#kuzet-timeline tr.kuzet-read").first.is_visible()
    assert page.kuzet_errors == []


def test_a_second_caller_about_another_house_gets_a_unit_of_their_own(
    server: str, browser: Any, personas: Any
) -> None:
    # given: a DV call from one house in Ayagoz; ten minutes later another caller from the same
    # town about another house, which Kuzet linked as a repeat of the first; the duty officer
    # reads Kazakh
    a = personas.a
    now = clock.now()
    first = factories.incident(
        district=a.district,
        settlement=a.town,
        category="domestic_violence",
        priority="P1",
        summary="шум у соседей, крики",
        received_at=now - dt.timedelta(minutes=12),
    )
    second = factories.incident(
        district=a.district,
        settlement=a.town,
        category="domestic_violence",
        priority="P1",
        summary="муж с ножом, ул. Ауэзова 3",
        received_at=now - dt.timedelta(minutes=2),
        status="duplicate",
        duplicate_of=first,
    )
    page = log_in(browser, server, personas.duty, language="kk")

    # when: the duty officer opens the second call
    page.goto(f"{server}/admin/dispatch/incident/{second.pk}/change/")
    page.wait_for_selector("#kuzet-separate")

    # then: it names the call it repeats, with a link, and sends no unit yet
    repeat = page.locator("#kuzet-call dd a", has_text=first.number)
    assert repeat.get_attribute("href") == f"/admin/dispatch/incident/{first.pk}/change/"
    assert page.locator("#kuzet-dispatch").count() == 0
    shot(page, "40-repeat-linked-kk")

    # when: it is another house — the duty officer says so and makes it a call of its own
    page.locator("#kuzet-separate input[name=reason]").fill("басқа үй, пышақпен")
    page.locator("#kuzet-separate input[type=submit]").click()
    # (the Kazakh words are the catalog's)
    _notice(
        page,
        f"{second.number} шақыруы енді жеке шақыру, кезекте нарядты күтуде: оған наряд жіберіңіз.",
    )

    # then: the panel offers the nearest units, and one click sends the nearest
    page.wait_for_selector("#kuzet-dispatch tr.kuzet-unit")
    page.locator("#kuzet-dispatch tr.kuzet-unit").first.locator("input[type=submit]").click()
    _notice(page, "A-PC1")
    second.refresh_from_db()
    assert (second.status, second.duplicate_of) == ("assigned", None)
    assert Assignment.objects.get(incident=second).unit == a.patrol
    assert AuditEntry.objects.filter(action="incident.separated", object_id=str(second.pk)).exists()
    shot(page, "41-repeat-separated-and-dispatched-kk")


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_a_p0_with_every_unit_busy_takes_one_off_a_p3_call(
    server: str, browser: Any, personas: Any, language: str
) -> None:
    # given: A-PC1 on its way to a noise complaint, A-UI1 on an information call (both P3);
    # then a knife in a house in Ayagoz (P0): nobody is free
    a = personas.a
    now = clock.now()
    noise = factories.incident(
        district=a.district, settlement=a.town, priority="P3", category="noise",
        summary="громкая музыка", received_at=now - dt.timedelta(minutes=20),
    )  # fmt: skip
    information = factories.incident(
        district=a.district, settlement=a.village, priority="P3", category="information",
        received_at=now - dt.timedelta(minutes=15),
    )  # fmt: skip
    incident_dispatch(incident=noise, unit=a.patrol, by=personas.duty)
    incident_dispatch(incident=information, unit=a.inspector_unit, by=personas.duty)
    knife = factories.incident(
        district=a.district, settlement=a.town, priority="P0", category="violence",
        summary="угрожает ножом", received_at=now - dt.timedelta(minutes=1),
    )  # fmt: skip
    page = log_in(browser, server, personas.duty, language=language)
    asked: list[str] = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))

    # when: the duty officer opens the P0: no unit is available, the busy ones are offered
    page.goto(f"{server}/admin/dispatch/incident/{knife.pk}/change/")
    page.wait_for_selector("#kuzet-divert")
    rows = page.locator("table.kuzet-divertible tr.kuzet-unit")
    assert rows.evaluate_all("rows => rows.map(r => r.dataset.unit)") == ["A-PC1", "A-UI1"]
    assert noise.number in rows.first.inner_text()
    shot(page, f"30-divert-offered-{language}")

    # when: Divert here on the nearest, confirmed
    rows.first.locator("input[type=submit]").click()
    _notice(page, "A-PC1")

    # then: it asked first, naming the call the unit leaves; the unit is on the P0 and the
    # noise complaint is back in the queue
    assert len(asked) == 1
    assert noise.number in asked[0]
    sent = Assignment.objects.get(incident=knife)
    assert (sent.unit_id, sent.status) == (a.patrol.pk, "dispatched")
    noise.refresh_from_db()
    assert noise.status == "queued"
    assert page.locator("#kuzet-assignments tr.kuzet-assignment[data-unit='A-PC1']").count() == 1
    assert page.kuzet_errors == []
    shot(page, f"31-diverted-{language}")
