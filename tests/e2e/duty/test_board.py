"""The duty officer's live board in a real browser (Debian's chromium, never a download).

The oblast duty officer opens the board; a call arrives through eGov intake and appears
without a reload, most urgent first, with its category's name; they send the nearest unit
from the board and acknowledge on the officer's behalf; an officer's SOS puts a banner up
that stays until they acknowledge it — and stays acknowledged after a reload; the alerts
survive the reload and are marked read; the map shows the call and the units.
Screenshots: ``var/screenshots/duty/``.
"""

from __future__ import annotations

import base64
import datetime as dt
import http.server
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone, translation

from backend.common import clock
from backend.devices.models import Device
from backend.dispatch.lifecycle import EventKind
from backend.dispatch.models import (
    Assignment,
    Category,
    Event,
    EventSource,
    Incident,
    SafetyCheck,
)
from backend.dispatch.services import (
    assignment_record_on_behalf,
    fact_record,
    incident_dispatch,
)
from backend.dispatch.services.escalation import escalation_sweep
from backend.ledger import uow
from backend.ledger.models import AuditEntry
from backend.ledger.names import Topic
from backend.people.models import Unit
from backend.realtime.alerts import ALERTS_LISTED
from backend.realtime.models import BoardAlert, BoardAlertRead
from backend.sync_gateway.push import push_records
from tests import factories
from tests.e2e.browser import contrast
from tests.e2e.processes import web_server

from .board import board_page, intake_call, open_board, press_sos, units_heard_now
from .conftest import log_in, shot

expect = pytest.importorskip(
    "playwright.sync_api", reason="the playwright package is missing"
).expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.slow,
]

LIVE_WITHIN_MS = 5_000


def minutes_seconds(delta: dt.timedelta) -> str:
    """A duration as the board writes it under an hour: ``5:00``."""
    minutes, seconds = divmod(round(delta.total_seconds()), 60)
    return f"{minutes}:{seconds:02d}"


def test_a_call_from_intake_appears_live_and_is_dispatched_from_the_board(
    server: str, browser: Any, personas: Any
) -> None:
    # given: the board is open, an older P2 call waits, the patrols were heard just now
    units_heard_now(personas)
    older = intake_call(
        personas,
        ref="eg-old",
        category="theft",
        received_at=clock.now() - dt.timedelta(hours=26),
        description="Украли велосипед",
    )
    fight = intake_call(personas, ref="eg-fight", category=Category.VIOLENCE)  # P0 → P1 (app)
    page = board_page(browser, server, personas.duty)
    shot(page, "01-board-open")

    # when: a missing-child report arrives through eGov (no reload)
    incident = intake_call(personas, ref="eg-new", category=Category.MISSING_PERSON)

    # then: it appears within seconds, named, linked, and above the older P2 call
    row = page.locator("#incidents tr", has_text=incident.number)
    row.wait_for(timeout=LIVE_WITHIN_MS)
    assert incident.priority < older.priority  # egov missing person: P2 → P1 after the floor
    numbers = page.locator("#incidents tr td:first-child").all_inner_texts()
    assert numbers.index(incident.number) < numbers.index(older.number)
    category = row.locator("td.category").inner_text()
    assert category == str(Category.MISSING_PERSON.label)
    # an urgent call's priority, and "Take a call", read at a glance (WCAG AA: 4.5)
    assert page.locator("#incidents tr", has_text=fight.number).locator("td.P1").count() == 1
    assert contrast(page, f"#incidents tr:has-text('{fight.number}') td.P1") >= 4.5
    assert contrast(page, "#take-call") >= 4.5
    assert "missing_person" not in page.locator("#incidents").inner_text()
    assert row.locator("a.incident-link").get_attribute("href") == (
        f"/admin/dispatch/incident/{incident.pk}/change/"
    )
    assert re.fullmatch(r"\d+:\d\d", row.locator("td.timer").inner_text())
    # the call of yesterday: its date shown, its wait in words (past an hour "26:05:12" read
    # like a time of day), overdue (P3: 30 min)
    older_row = page.locator("#incidents tr", has_text=older.number)
    received = older_row.locator("td").nth(5).inner_text()
    assert re.fullmatch(r"\d\d\.\d\d\.\d{4} \d\d:\d\d:\d\d", received)
    # (each number held to its unit by a no-break space: two lines on a laptop, never "26" over "h")
    assert re.fullmatch(r"26\xa0h 0\d\xa0min", older_row.locator("td.timer").inner_text())
    assert "overdue" in (older_row.locator("td.timer").get_attribute("class") or "")
    assert "overdue-row" in (older_row.get_attribute("class") or "")
    assert "overdue" not in (row.locator("td.timer").get_attribute("class") or "")
    assert "eGov Mobile" in page.locator("#alerts").inner_text()
    # the header's clock names the day (a night shift crosses midnight), in local time
    local_today = timezone.localtime(clock.now()).strftime("%d.%m.%Y")
    assert re.fullmatch(local_today + r" \d\d:\d\d:\d\d", page.locator("#clock").inner_text())
    # the map shows the call and both districts' units
    page.locator(f"#map-incidents g[data-id='{incident.pk}']").wait_for()
    assert page.locator("#map-units g.unit").count() == 4
    # the unit not heard for an hour is marked unreachable, in the list and on the map
    inspector_b = personas.b.inspector_unit
    assert (
        page.locator("#units tr.unreachable").all_inner_texts()[0].startswith(inspector_b.callsign)
    )
    assert page.locator(f"#map-units g.unit.unreachable[data-id='{inspector_b.pk}']").count() == 1
    # how long ago each was heard, in words ("1:00:00" read like a time of day)
    heard = page.locator("#units tr", has_text=inspector_b.callsign).locator("td.timer")
    assert heard.first.inner_text() == "1\xa0h 00\xa0min"
    patrol = page.locator("#units tr", has_text=personas.a.patrol.callsign).locator("td.timer")
    assert all(re.fullmatch(r"\d+\xa0s", t) for t in patrol.all_inner_texts())
    # the alert list says so
    page.locator("#alerts li.unread", has_text=incident.number).wait_for()
    shot(page, "02-call-appeared-live")

    # when: the duty officer asks for the nearest unit and sends it
    row.locator("button.recommend").click()
    send = row.locator("button.dispatch")
    send.wait_for()
    assert personas.a.patrol.callsign in send.inner_text()
    shot(page, "03-nearest-unit-offered")
    send.click()

    # then: the assignment is on the board, its acknowledgement clock running
    assignment_row = page.locator("#assignments tr", has_text=personas.a.patrol.callsign)
    assignment_row.wait_for(timeout=LIVE_WITHIN_MS)
    # the call's own row names the unit on it, and offers a second one as a second one
    expect(row.locator("td.status")).to_contain_text(" · " + personas.a.patrol.callsign)
    expect(row.locator("button.recommend")).to_have_text("Send another unit")
    assignment = Assignment.objects.get(incident=incident)
    assert assignment.unit_id == personas.a.patrol.pk
    assert assignment.dispatched_by_id == personas.duty.pk
    # its clocks read time taken against time allowed (a bare "0:03" read as a countdown)
    ack_clock, scene_clock = assignment_row.locator("td.timer").all()
    assert re.fullmatch(r"\d+:\d\d / \d+:\d\d", ack_clock.inner_text())
    assert ack_clock.inner_text().endswith(
        " / " + minutes_seconds(assignment.ack_due_at - assignment.dispatched_at)
    )
    assert scene_clock.inner_text().endswith(
        " / " + minutes_seconds(assignment.arrive_due_at - assignment.dispatched_at)
    )
    assert ack_clock.get_attribute("title") == "Time taken since dispatch / the time allowed"

    # when: the officer answers on the radio; the duty officer records it on their behalf
    assignment_row.locator("button.ack[data-channel=radio]").click()

    # then
    page.locator("#assignments tr button.ack").first.wait_for(state="detached", timeout=5_000)
    assignment.refresh_from_db()
    assert assignment.acknowledged_at is not None
    assert AuditEntry.objects.filter(action="assignment.acknowledged_on_behalf").count() == 1
    assert assignment.acknowledged_event.via == "radio"
    # the acknowledgement's clock stopped and says so; the clock to the scene runs on
    expect(ack_clock).to_have_text(re.compile(r"✓ \d+:\d\d / \d+:\d\d"))
    assert not scene_clock.inner_text().startswith("✓")
    shot(page, "04-dispatched-and-acknowledged")
    assert page.kuzet_errors == []


def test_an_sos_stays_until_acknowledged_and_alerts_survive_a_reload(
    server: str, browser: Any, personas: Any
) -> None:
    # given
    units_heard_now(personas)
    page = board_page(browser, server, personas.duty)

    # when: the officer presses SOS on the phone (the push service, as over HTTP)
    press_sos(personas)

    # then: the banner is up without a reload
    banner = page.locator("#sos .banner")
    banner.wait_for(timeout=LIVE_WITHIN_MS)
    assert personas.a.patrol.callsign in banner.inner_text()
    assert page.locator("#units tr.sos", has_text=personas.a.patrol.callsign).count() == 1
    shot(page, "05-sos-banner")

    # when: the page is reloaded before anyone acknowledged
    page.reload()
    page.wait_for_selector("body[data-live]")

    # then: the banner and the alert are still there
    banner.wait_for()
    assert page.locator("#alerts li.sos.unread").count() == 1

    # when: the duty officer acknowledges it while the district chief's board is open too
    chief_page = log_in(browser, server, personas.a.chief)
    open_board(chief_page, server)
    chief_page.locator("#sos .banner button.ack-sos").wait_for()
    banner.locator("button.ack-sos").click()

    # then: recorded and audited, and the chief's board shows it taken, without a reload
    page.locator("#sos .banner.acknowledged").wait_for(timeout=5_000)
    chief_banner = chief_page.locator("#sos .banner.acknowledged")
    chief_banner.wait_for(timeout=LIVE_WITHIN_MS)
    assert personas.duty.username in chief_banner.inner_text()
    assert chief_page.locator("#sos .banner button.ack-sos").count() == 0
    alert = BoardAlert.objects.get(kind="sos")
    assert alert.acknowledged_by_id == personas.duty.pk
    assert AuditEntry.objects.filter(action="board_alert.sos_acknowledged").count() == 1
    shot(page, "06-sos-acknowledged")
    page.reload()
    page.wait_for_selector("body[data-live]")
    assert page.locator("#sos .banner:not(.acknowledged)").count() == 0
    assert "acknowledged by" in page.locator("#alerts li.sos").inner_text()

    # when: they mark every alert read and reload
    assert page.locator("#alerts li.unread").count() >= 1
    page.click("#mark-read")
    page.wait_for_selector("#alerts li.unread", state="detached")
    page.reload()
    page.wait_for_selector("body[data-live]")

    # then: still read, for this duty officer
    assert page.locator("#alerts li").count() >= 2
    assert page.locator("#alerts li.unread").count() == 0
    assert page.locator("#unread").inner_text() == ""
    shot(page, "07-alerts-read-after-reload")
    assert page.kuzet_errors == []
    assert chief_page.kuzet_errors == []


# One grey 1×1 PNG: the tile server's answer for every tile (the <image> stretches it).
TILE_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNoAAAAggCBd81ytgAAAABJRU5ErkJggg=="
)


@pytest.fixture
def tile_server() -> Iterator[tuple[str, list[str]]]:
    """A deployment's tile server on loopback: answers every tile, remembers what was asked."""
    asked: list[str] = []

    class Tiles(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(TILE_PNG)))
            self.end_headers()
            self.wfile.write(TILE_PNG)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Tiles)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}", asked
    finally:
        httpd.shutdown()


def test_a_shift_of_alerts_says_more_than_the_list_holds_and_mark_all_reads_them_all(
    server: str, browser: Any, personas: Any
) -> None:
    # given: more alerts of the district than the board lists (a night's calls and
    # milestones) since the duty officer signed in
    page = log_in(browser, server, personas.duty)
    with uow.unit_of_work():
        for i in range(ALERTS_LISTED + 3):
            uow.notify(
                Topic.BOARD, district_id=personas.a.district.pk, kind="incident.created", at=i
            )
    open_board(page, server)

    # then: the list holds its hundred, and the count says there are more
    assert page.locator("#alerts li.unread").count() == ALERTS_LISTED
    assert page.locator("#unread").inner_text() == f"{ALERTS_LISTED}+ unread"
    shot(page, "08-alerts-beyond-the-list")

    # when: "mark all read", then a reload
    page.click("#mark-read")
    page.wait_for_selector("#alerts li.unread", state="detached")
    page.reload()
    page.wait_for_selector("body[data-live]")

    # then: every alert read, those beyond the list too
    assert page.locator("#unread").inner_text() == ""
    assert BoardAlertRead.objects.filter(user=personas.duty).count() == ALERTS_LISTED + 3
    assert page.kuzet_errors == []


def test_the_board_sounds_an_sos_until_it_is_acknowledged_and_shows_it_in_the_tab(
    server: str, browser: Any, personas: Any
) -> None:
    # given: the duty officer opens the board and turns the sound on (a browser lets a page
    # sound only after a click on it; here the click is on the header's button)
    units_heard_now(personas)
    page = board_page(browser, server, personas.duty)
    sound = page.locator("#sound")
    if sound.get_attribute("aria-pressed") != "true":
        sound.click()
    page.wait_for_selector("#sound[aria-pressed=true]")
    assert sound.inner_text() == "Sound on"
    title = page.title()

    # when: an officer presses SOS on the phone
    press_sos(personas)

    # then: the board rings, and the tab says SOS where another window hides the board
    page.wait_for_selector("body[data-sounded=sos]", timeout=LIVE_WITHIN_MS)
    assert page.title().startswith("SOS · (1) ")
    shot(page, "09-sos-ringing")
    # ... and rings again while nobody has acknowledged it
    page.evaluate("delete document.body.dataset.sounded")
    page.wait_for_selector("body[data-sounded=sos]", timeout=8_000)

    # when: acknowledged
    page.locator("#sos .banner button.ack-sos").click()
    page.locator("#sos .banner.acknowledged").wait_for(timeout=5_000)
    page.evaluate("delete document.body.dataset.sounded")

    # then: quiet, and the tab no longer says SOS
    page.wait_for_timeout(6_000)
    assert page.evaluate("document.body.dataset.sounded") is None
    assert not page.title().startswith("SOS")

    # when: a P1 call arrives (a fight reported through eGov)
    fight = intake_call(personas, ref="eg-sound", category=Category.VIOLENCE)

    # then: two tones for an urgent call
    page.wait_for_selector("body[data-sounded=urgent]", timeout=LIVE_WITHIN_MS)

    # when: nobody is sent to it past its deadline
    page.evaluate("delete document.body.dataset.sounded")
    escalation_sweep(now=clock.now() + dt.timedelta(minutes=5))

    # then: the board sounds it and says how long the call has waited
    page.wait_for_selector("body[data-sounded=escalation]", timeout=LIVE_WITHIN_MS)
    waiting = page.locator("#alerts li", has_text="Waiting for a unit")
    expect(waiting).to_contain_text(fight.number)
    expect(waiting).to_contain_text("waited 5 min")

    # when: the unit sent to it (the inspector: the patrol is in SOS) lets its
    # acknowledgement deadline pass
    inspector = personas.a.inspector_unit
    incident_dispatch(incident=fight, unit=inspector, by=personas.duty)
    page.locator("#assignments tr", has_text=inspector.callsign).wait_for()
    page.evaluate("delete document.body.dataset.sounded")
    escalation_sweep(now=clock.now() + dt.timedelta(minutes=30))

    # then: the board sounds the escalation (it had been silent: only calls and SOS rang)
    page.wait_for_selector("body[data-sounded=escalation]", timeout=LIVE_WITHIN_MS)
    assert "Not acknowledged in time" in page.locator("#alerts").inner_text()

    # when: the officer turns the sound off, and reloads
    sound.click()
    assert sound.inner_text() == "Sound off"
    page.reload()
    page.wait_for_selector("body[data-live]")

    # then: it stays off
    assert page.locator("#sound").inner_text() == "Sound off"
    assert title.endswith("Kuzet — live board")
    assert page.kuzet_errors == []


def test_the_console_opens_beside_the_board_which_stays_live(
    server: str, browser: Any, personas: Any
) -> None:
    # given: the board on the duty officer's screen, a call on it
    incident = intake_call(personas, ref="eg-beside", category="theft")
    page = board_page(browser, server, personas.duty)
    board_url = page.url

    # when: "Take a call"
    with page.expect_popup() as opened:
        page.click("#take-call")
    console = opened.value
    console.wait_for_selector("#call-form")

    # then: the form in a window of its own; the board where it was, still live
    assert page.url == board_url
    assert page.locator("body[data-live]").count() == 1

    # when: the call's number on the board
    page.locator("#incidents a.incident-link", has_text=incident.number).click()
    console.wait_for_url(f"**/admin/dispatch/incident/{incident.pk}/change/")

    # then: the same console window shows it: one board, one console
    assert len(page.context.pages) == 2
    assert page.url == board_url
    assert page.kuzet_errors == []


def test_a_deployment_with_a_tile_server_sees_its_tiles_under_the_map(
    transactional_db: Any, tmp_path: Path, browser: Any, personas: Any, tile_server: Any
) -> None:
    # given: Kuzet told of the tile server (the policy lets the page load its images)
    tiles, asked = tile_server
    with web_server(tmp_path, KUZET_MAP_TILE_URL=f"{tiles}/{{z}}/{{x}}/{{y}}.png") as server:
        page = log_in(browser, server, personas.duty)
        violations: list[str] = []
        page.on(
            "console", lambda m: violations.append(m.text) if "Content Security" in m.text else None
        )

        # when: the board opens
        open_board(page, server)

        # then: the tiles under the settlements were asked of the tile server, none refused
        images = page.locator("#map-tiles image")
        assert images.count() >= 1
        hrefs = {
            h.removeprefix(tiles)
            for h in images.evaluate_all("els => els.map(e => e.getAttribute('href'))")
        }
        for _ in range(50):  # the browser fetches them after the page is drawn
            if set(asked) >= hrefs:
                break
            page.wait_for_timeout(100)
        assert set(asked) == hrefs
        assert violations == []
        assert page.locator("#map-settlements circle, #map-settlements rect").count() >= 1
        shot(page, "08-map-over-tiles")


# Every visible label of the map as the page lays it out: its text and its box on screen.
VISIBLE_LABELS_JS = """() => [...document.querySelectorAll('#map text')]
  .filter((t) => getComputedStyle(t).visibility !== 'hidden')
  .map((t) => { const r = t.getBoundingClientRect();
                return {text: t.textContent, x: r.x, y: r.y, w: r.width, h: r.height}; })"""


def test_where_calls_and_crews_crowd_one_town_the_map_keeps_its_labels_apart(
    server: str, browser: Any, personas: Any
) -> None:
    # given: an oblast board where a district's crews and three calls are all in one town
    town = personas.a.town
    for i in range(6):
        factories.unit(
            callsign=f"A-PC{i + 2}",
            district=personas.a.district,
            lat=town.lat + 0.002 * i,
            lon=town.lon + 0.003 * i,
            last_contact_at=clock.now(),
        )
    units_heard_now(personas)
    Unit.objects.filter(district=personas.a.district).update(lat=town.lat, lon=town.lon)
    urgent = intake_call(personas, ref="eg-dv", category=Category.DOMESTIC_VIOLENCE)
    calls = [
        urgent,
        intake_call(personas, ref="eg-theft", category="theft", description="Украли велосипед"),
        intake_call(personas, ref="eg-fraud", category="fraud", description="Звонок из «банка»"),
    ]
    assert len({c.pk for c in calls}) == 3

    # when
    page = board_page(browser, server, personas.duty)
    page.wait_for_function("document.querySelectorAll('#map-incidents g.incident').length == 3")
    shot(page, "09-crowded-town-map")

    # then: no visible label covers another
    labels = page.evaluate(VISIBLE_LABELS_JS)
    for i, a in enumerate(labels):
        for b in labels[i + 1 :]:
            apart = (
                a["x"] + a["w"] <= b["x"] + 0.5
                or b["x"] + b["w"] <= a["x"] + 0.5
                or a["y"] + a["h"] <= b["y"] + 0.5
                or b["y"] + b["h"] <= a["y"] + 0.5
            )
            assert apart, (a, b)
    # …and none runs past the map's edge
    frame = page.locator("#map").bounding_box()
    for label in labels:
        assert frame["x"] - 0.5 <= label["x"], label
        assert label["x"] + label["w"] <= frame["x"] + frame["width"] + 0.5, label
    shown = {label["text"] for label in labels}
    # the most urgent call keeps its label; the crowd cost some labels, not the markers: every
    # call and unit is on the map and names itself on hover
    assert urgent.number in shown
    assert (
        len(
            shown & {c.number for c in calls}
            | shown & set(Unit.objects.values_list("callsign", flat=True))
        )
        < len(calls) + Unit.objects.count()
    )
    assert page.locator("#map-incidents g.incident").count() == len(calls)
    assert page.locator("#map-units g.unit").count() == Unit.objects.count()
    hidden = page.locator(
        "#map-units text[visibility=hidden], #map-incidents text[visibility=hidden]"
    )
    for i in range(hidden.count()):
        marker = hidden.nth(i).locator("xpath=..")
        assert hidden.nth(i).inner_html() in marker.locator("title").inner_html()
    assert page.kuzet_errors == []


def test_on_a_phone_the_board_is_one_column_with_the_calls_first(
    server: str, browser: Any, personas: Any
) -> None:
    # given: a call waits; the duty officer opens the board in a phone-sized window (before:
    # two columns side by side, the page 596 px wide on a 390 px screen, the admin link off
    # its edge and the calls squeezed behind the map)
    units_heard_now(personas)
    incident = intake_call(personas, ref="eg-phone", category="theft", description="Украли скот")
    page = log_in(browser, server, personas.duty)
    page.set_viewport_size({"width": 390, "height": 844})

    # when
    open_board(page, server)
    row = page.locator("#incidents tr", has_text=incident.number)
    row.wait_for(timeout=LIVE_WITHIN_MS)

    # then: the page is the screen's width; the header's links are on the screen
    assert page.evaluate("[document.documentElement.scrollWidth, innerWidth]") == [390, 390]
    for link in ("#take-call", "header a[href='/admin/']", "#clock"):
        box = page.locator(link).bounding_box()
        assert box["x"] >= 0, link
        assert box["x"] + box["width"] <= 390, link
    # and: one column, the calls above the map, the call's number on the screen
    calls = page.locator("#incidents").bounding_box()
    board_map = page.locator("#map-section").bounding_box()
    assert calls["y"] < board_map["y"]
    assert board_map["x"] < 50
    number = row.locator("a.incident-link").bounding_box()
    assert number["x"] + number["width"] <= 390
    shot(page, "05-board-on-a-phone")
    assert page.kuzet_errors == []


@pytest.mark.parametrize("lang", ["en", "ru", "kk"])
def test_the_desk_reads_who_and_where_of_an_sos_and_sends_backup_from_the_banner(
    server: str, browser: Any, personas: Any, lang: str
) -> None:
    # given: A's patrol crew named, a second car free in town, the board open
    units_heard_now(personas)
    first, second = personas.a.patrol_officers
    first.first_name, first.last_name = "Асхат", "Нурланов"
    first.save(update_fields=["first_name", "last_name"])
    second.first_name, second.last_name = "Ерлан", "Беков"
    second.save(update_fields=["first_name", "last_name"])
    town = personas.a.town
    factories.unit(callsign="A-PC2", district=personas.a.district, lat=town.lat, lon=town.lon)
    page = board_page(browser, server, personas.duty, language=lang)

    # when: the officer presses SOS about 3 km north-east of the town
    press_sos(personas, officer=first, event_id=f"evt-sos-backup-{lang}", north=0.02, east=0.03)

    # then: the banner names the officer, the crew and the place — never raw coordinates
    banner = page.locator("#sos .banner")
    banner.wait_for(timeout=LIVE_WITHIN_MS)
    text = banner.inner_text()
    assert "Асхат Нурланов" in text
    assert "Ерлан Беков" in text
    where = banner.locator(".sos-where").inner_text()
    assert "Аягоз" in where
    # "3.1 km north-east of Аягоз", "3,1 км …": the reader's decimal mark (the browser's
    # Intl wrote "3.2" for a Kazakh reader)
    assert re.search(r"\d\.\d km" if lang == "en" else r"\d,\d км", where), where
    assert str(round(town.lat + 0.02, 2)) not in text
    # the position's time, and its age in words ("0 s ago", "0 с назад", "0 с бұрын")
    assert re.search(r"\d\d:\d\d:\d\d", where), where
    assert re.search(r"\(\d+ (s|с) ", where), where
    shot(page, f"20-sos-who-and-where-{lang}")

    # when: the duty officer sends backup
    with page.context.expect_page() as opened:
        banner.locator("button.sos-backup").click()
    console = opened.value
    console.wait_for_selector("#kuzet-dispatch", timeout=15_000)

    # then: the new P0 call's dispatch panel ranks the available units, not the unit in SOS
    call = Incident.objects.get(category=Category.OFFICER_SOS)
    assert (call.priority, call.settlement_id) == ("P0", town.pk)
    assert console.url.endswith(f"/admin/dispatch/incident/{call.pk}/change/")
    ranked = console.locator("#kuzet-dispatch tr.kuzet-unit").evaluate_all(
        "rows => rows.map(r => r.dataset.unit)"
    )
    assert ranked[0] == "A-PC2"
    assert "A-PC1" not in ranked
    shot(console, f"21-sos-backup-call-panel-{lang}")

    # when: they dispatch the top unit
    console.locator("#kuzet-dispatch tr.kuzet-unit").first.locator("input[type=submit]").click()

    # then
    console.wait_for_selector(
        "#kuzet-assignments tr.kuzet-assignment[data-unit='A-PC2']", timeout=30_000
    )
    assignment = Assignment.objects.get(incident=call)
    assert assignment.unit.callsign == "A-PC2"
    shot(console, f"22-sos-backup-dispatched-{lang}")

    # and the board's banner links the call instead of offering a second one
    link = page.locator("#sos .banner a.sos-backup-call")
    link.wait_for(timeout=LIVE_WITHIN_MS)
    assert call.number in link.inner_text()
    assert page.locator("#sos .banner button.sos-backup").count() == 0
    assert Incident.objects.filter(category=Category.OFFICER_SOS).count() == 1

    # when: the officer is safe
    page.once("dialog", lambda dialog: dialog.accept())
    banner.locator("button.sos-clear").click()

    # then: the unit leaves SOS on the board, the SOS is taken
    page.locator("#units tr.sos").wait_for(state="detached", timeout=LIVE_WITHIN_MS)
    page.locator("#sos .banner.acknowledged").wait_for(timeout=LIVE_WITHIN_MS)
    assert Unit.objects.get(pk=personas.a.patrol.pk).status == "available"
    assert AuditEntry.objects.filter(action="unit.sos_cleared").count() == 1
    shot(page, f"23-sos-officer-safe-{lang}")
    assert page.kuzet_errors == []


def wait_until(predicate: Any, timeout: float = LIVE_WITHIN_MS / 1000) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_an_officer_who_pressed_sos_twice_is_one_banner_and_safe_means_no_backup_to_send(
    server: str, browser: Any, personas: Any
) -> None:
    # given: the board open; A's patrol presses SOS out of coverage, then again (the walk:
    # two red banners for one officer, each with its own "Send backup")
    units_heard_now(personas)
    page = board_page(browser, server, personas.duty, language="en")
    for n, earlier_ms in enumerate((10_000, 5_000)):
        press_sos(personas, event_id=f"evt-sos-pressed-twice-{n}", earlier_ms=earlier_ms)
    page.locator("#sos .banner").first.wait_for(timeout=LIVE_WITHIN_MS)
    wait_until(lambda: BoardAlert.objects.filter(kind="sos").count() == 2)
    page.wait_for_timeout(1_000)

    # then: one banner for the unit
    assert page.locator("#sos .banner").count() == 1

    # when: the duty officer acknowledges it
    page.locator("#sos .banner button.ack-sos").click()

    # then: both presses are taken (nothing left ringing)
    wait_until(
        lambda: not BoardAlert.objects.filter(kind="sos", acknowledged_at__isnull=True).exists()
    )

    # when: the officer is safe
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#sos .banner button.sos-clear").click()

    # then: the minute the banner stays, it offers no backup for a safe officer
    page.locator("#units tr.sos").wait_for(state="detached", timeout=LIVE_WITHIN_MS)
    page.locator("#sos .banner.acknowledged").wait_for(timeout=LIVE_WITHIN_MS)
    assert page.locator("#sos .banner button.sos-backup").count() == 0
    shot(page, "24-sos-twice-one-banner-safe")
    assert page.kuzet_errors == []


def silent_on_scene(personas: Any) -> tuple[Incident, Any]:
    """A-PC1 on scene at a DV call in Актогай since 25 minutes ago, heard by radio then."""
    units_heard_now(personas)
    now = clock.now()
    with clock.frozen(now - dt.timedelta(minutes=30)):
        call = factories.incident(
            district=personas.a.district, settlement=personas.a.village, priority="P1",
            category="domestic_violence", received_at=clock.now(),
        )  # fmt: skip
        sent = incident_dispatch(incident=call, unit=personas.a.patrol, by=personas.duty)
    with clock.frozen(now - dt.timedelta(minutes=25)):
        assignment_record_on_behalf(
            assignment=sent, by=personas.duty, kind=EventKind.ON_SCENE, channel="radio"
        )
    return call, sent


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_a_crew_silent_on_scene_is_put_before_the_desk_and_officer_ok_answers_it(
    server: str, browser: Any, personas: Any, lang: str
) -> None:
    # given: A-PC1 on scene at a DV call in Актогай since 25 minutes ago, heard by radio then
    call, _sent = silent_on_scene(personas)
    page = board_page(browser, server, personas.duty, language=lang)

    # when: the escalation sweep runs (P1: 20 minutes without word)
    escalation_sweep()

    # then: an amber banner names the unit and the call, live
    banner = page.locator("#sos .banner.safety")
    banner.wait_for(timeout=LIVE_WITHIN_MS)
    text = banner.inner_text()
    assert "A-PC1" in text
    assert call.number in text
    assert {"ru": "Свяжитесь с нарядом по рации", "kk": "Нарядпен рация"}[lang] in text
    assert {"ru": "без связи 25 мин", "kk": "25 мин бойы хабар жоқ"}[lang] in text
    shot(page, f"40-safety-check-{lang}")

    # when: the desk raised the crew on the radio: Officer OK
    banner.locator("button.safety-ok").click()

    # then: the banner turns green naming who checked, the check is recorded, and it does not
    # come back after a reload
    page.locator("#sos .banner.safety.acknowledged").wait_for(timeout=LIVE_WITHIN_MS)
    check = SafetyCheck.objects.get()
    assert check.checked_by_id == personas.duty.pk
    shot(page, f"41-safety-checked-{lang}")
    page.reload()
    page.wait_for_selector("body[data-live]")
    assert page.locator("#sos .banner.safety:not(.acknowledged)").count() == 0
    assert page.kuzet_errors == []


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_a_crew_heard_from_before_the_desk_raised_it_answers_its_check(
    server: str, browser: Any, personas: Any, lang: str
) -> None:
    # given: A-PC1 silent on scene for 25 minutes, its amber banner on the desk's board
    _call, sent = silent_on_scene(personas)
    page = board_page(browser, server, personas.duty, language=lang)
    escalation_sweep()
    page.locator("#sos .banner.safety").wait_for(timeout=LIVE_WITHIN_MS)

    # when: before anyone radios it, its officer writes a note on the call from his phone,
    # and the sweep runs
    device_id, _ = personas.device(personas.a.patrol_officers[0])
    note = {
        "id": "evt-note-safety-0001", "kind": "note", "assignment_id": str(sent.pk),
        "device_time": clock.now_ms(), "boot_id": "boot-1", "elapsed_ms": 100_000,
        "lat": None, "lon": None, "accuracy_m": None, "gps_time": None,
        "payload": {"text": "Всё спокойно, составляем протокол"},
    }  # fmt: skip
    push_records(
        device=Device.objects.get(pk=device_id), body_or_records=[note], clock=None, via="http"
    )
    escalation_sweep()

    # then: the banner turns green, saying the crew was heard from and how — no duty
    # officer's name on it; the check is answered by the note
    banner = page.locator("#sos .banner.safety.acknowledged")
    banner.wait_for(timeout=LIVE_WITHIN_MS)
    with translation.override(lang):
        heard = translation.gettext("the crew was heard from: %(what)s") % {
            "what": EventKind.NOTE.label
        }
    assert heard in banner.inner_text()
    assert banner.locator("button.safety-ok").count() == 0
    assert SafetyCheck.objects.get().word_id == "evt-note-safety-0001"
    shot(page, f"42-safety-heard-from-crew-{lang}")
    assert page.kuzet_errors == []


def test_a_unit_that_went_en_route_without_acknowledging_has_answered(
    server: str, browser: Any, personas: Any
) -> None:
    # given: A-PC1 sent to a P1 in Актогай ten minutes ago; a minute later it was en route
    # (the officer tapped "en route" at once, never "acknowledge"); the acknowledgement
    # deadline (2 min) is long past
    units_heard_now(personas)
    now = clock.now()
    with clock.frozen(now - dt.timedelta(minutes=10)):
        call = factories.incident(
            district=personas.a.district, settlement=personas.a.village, priority="P1",
            category="robbery", received_at=clock.now(),
        )  # fmt: skip
        sent = incident_dispatch(incident=call, unit=personas.a.patrol, by=personas.duty)
    with clock.frozen(now - dt.timedelta(minutes=9)):
        assignment_record_on_behalf(
            assignment=sent, by=personas.duty, kind=EventKind.EN_ROUTE, channel="radio"
        )

    # when
    page = board_page(browser, server, personas.duty)

    # then: its acknowledgement clock stopped at 1:00 (answered by going), nothing red, no
    # "the unit answered" buttons: the ladder too counts it answered
    row = page.locator("#assignments tr", has_text="A-PC1")
    row.wait_for()
    ack_clock = row.locator("td.timer").first
    expect(ack_clock).to_have_text(re.compile(r"^✓ 1:0\d / 2:00$"))
    assert "overdue" not in (ack_clock.get_attribute("class") or "")
    assert row.locator("button.ack").count() == 0
    call_row = page.locator("#incidents tr", has_text=call.number)
    assert "overdue-row" not in (call_row.get_attribute("class") or "")
    shot(page, "42-en-route-without-ack")


def test_with_no_unit_free_the_board_points_to_the_units_on_less_urgent_calls(
    server: str, browser: Any, personas: Any
) -> None:
    # given: both of A's units on P3 calls, then a P0 in Ayagoz
    units_heard_now(personas)
    a = personas.a
    for unit, category in ((a.patrol, "noise"), (a.inspector_unit, "information")):
        busy = factories.incident(
            district=a.district, settlement=a.town, priority="P3", category=category
        )
        incident_dispatch(incident=busy, unit=unit, by=personas.duty)
    knife = factories.incident(
        district=a.district, settlement=a.town, priority="P0", category="violence"
    )
    page = board_page(browser, server, personas.duty, language="ru")

    # when: the duty officer asks for the nearest unit
    row = page.locator("#incidents tr", has_text=knife.number)
    row.locator("button.recommend").click()

    # then: none is free, and the board says two could be taken off less urgent calls,
    # linking the call's panel where they are offered
    link = row.locator("a.divert-link")
    expect(link).to_have_text("2 на менее срочных вызовах — снять один наряд")
    assert link.get_attribute("href").endswith(f"/{knife.pk}/change/#kuzet-divert")
    assert row.locator(".warn").inner_text() == "Нет свободного наряда"
    shot(page, "43-no-unit-divert-offer-ru")


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_a_note_the_crew_writes_on_its_call_is_put_before_the_desk(
    server: str, browser: Any, personas: Any, lang: str
) -> None:
    # given: A-PC1 on a call in Актогай; the desk's board open
    units_heard_now(personas)
    call = factories.incident(
        district=personas.a.district, settlement=personas.a.village, priority="P1",
        category="violence", received_at=clock.now(),
    )  # fmt: skip
    sent = incident_dispatch(incident=call, unit=personas.a.patrol, by=personas.duty)
    page = board_page(browser, server, personas.duty, language=lang)

    # when: the officer texts a note on the call (a phone's note comes the same way)
    fact_record(
        kind=EventKind.NOTE, assignment=sent, source=EventSource.SMS, actor=None,
        officer=personas.a.patrol_officers[0], payload={"text": "Нужна скорая, ножевое"},
    )  # fmt: skip

    # then: the alerts list says it, live, with the call and the crew, and keeps it
    item = page.locator("#alerts li.crew_note")
    item.wait_for(timeout=LIVE_WITHIN_MS)
    text = item.inner_text()
    assert {"ru": "Заметка наряда", "kk": "Нарядтың жазбасы"}[lang] in text
    assert call.number in text
    category = {"ru": "Насилие / драка", "kk": "Зорлық / төбелес"}[lang]
    assert f"A-PC1 · {category} · «Нужна скорая, ножевое»" in text
    shot(page, f"44-crew-note-{lang}")
    page.reload()
    page.wait_for_selector("body[data-live]")
    assert "«Нужна скорая, ножевое»" in page.locator("#alerts li.crew_note").inner_text()
    assert page.kuzet_errors == []


def test_the_desk_messages_a_crew_from_its_assignment_row(
    server: str, browser: Any, personas: Any
) -> None:
    # given: A-PC1 on its way to a call; the desk's board open, in Russian
    units_heard_now(personas)
    call = factories.incident(
        district=personas.a.district, settlement=personas.a.village, priority="P1",
        category="domestic_violence", received_at=clock.now(),
    )  # fmt: skip
    sent = incident_dispatch(incident=call, unit=personas.a.patrol, by=personas.duty)
    page = board_page(browser, server, personas.duty, language="ru")
    asked: list[str] = []

    def answer(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.accept("Заявительница: у него нож")

    page.on("dialog", answer)

    # when: the duty officer presses the row's button and types what the caller said
    page.get_by_role("button", name="Сообщение наряду A-PC1").click()

    # then: the crew's phones have it (a note from the desk on the assignment), the board says so
    expect(page.locator("#message")).to_have_text("Выполнено.", timeout=LIVE_WITHIN_MS)
    note = Event.objects.get(kind="note", source="desk")
    assert (note.assignment_id, note.payload) == (sent.pk, {"text": "Заявительница: у него нож"})
    assert asked == [
        f"Сообщение наряду A-PC1 по вызову {call.number} — что наряду нужно знать (уйдёт на их "
        "телефоны и по SMS, если они получают вызовы по SMS):"
    ]
    assert page.kuzet_errors == []
