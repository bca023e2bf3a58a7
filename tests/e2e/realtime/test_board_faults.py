"""The duty officer's board while the parts under it fail, in a real browser.

The board is "live" only while frames can reach it. Redis (the channel layer every frame comes
through) lost, or the link to the board's socket dead without a close (a laptop asleep, a Wi-Fi
gone): the board says it is not live, in a bar a wall screen shows from across the room, and
once the link is back it reconnects and shows what came meanwhile. Screenshots:
``var/screenshots/realtime/``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from backend.dispatch.models import Assignment, Category
from tests.e2e import browser as shared
from tests.e2e.duty.board import board_page, intake_call, open_board, units_heard_now
from tests.e2e.duty.conftest import log_in
from tests.e2e.processes import database_url, web_server

from .faults import Proxy, proxy

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

STALE_TEXT = "No connection to the server since"


def shot(page: Any, name: str) -> Path:
    return shared.screenshot(page, "realtime", name)


@pytest.fixture
def redis_link() -> Iterator[Proxy]:
    """The server's way to Redis, which the test can cut; the test process's own stays."""
    redis = urlsplit(os.environ["REDIS_URL"])
    with proxy(redis.port or 6379) as link:
        yield link


@pytest.fixture
def server_via(redis_link: Proxy, transactional_db: Any, tmp_path: Path) -> Iterator[str]:
    redis = urlsplit(os.environ["REDIS_URL"])
    through = urlunsplit(redis._replace(netloc=f"127.0.0.1:{redis_link.port}"))
    with web_server(tmp_path, REDIS_URL=through) as url:
        yield url


def wake(page: Any) -> None:
    """What the browser does when the laptop wakes or the network comes back."""
    page.evaluate("window.dispatchEvent(new Event('online'))")


def test_with_redis_lost_the_board_says_it_is_not_live_and_catches_up_when_it_is_back(
    server_via: str, redis_link: Proxy, browser: Any, personas: Any
) -> None:
    # given: the board open and live, its sound on
    units_heard_now(personas)
    page = board_page(browser, server_via, personas.duty)
    assert page.locator("#stale").is_hidden()
    if page.locator("#sound").get_attribute("aria-pressed") != "true":
        page.locator("#sound").click()
    page.wait_for_selector("#sound[aria-pressed=true]")

    # when: the server loses Redis (restarting); a call comes in meanwhile
    redis_link.drop()
    wake(page)

    # then: within seconds the board no longer says live, and says since when in a bar
    page.wait_for_selector("body:not([data-live])", timeout=15_000)
    stale = page.locator("#stale")
    stale.wait_for(state="visible", timeout=10_000)
    assert re.search(STALE_TEXT + r" \d\d:\d\d:\d\d", stale.inner_text())
    assert page.locator("#status").inner_text() != "live"
    incident = intake_call(personas, ref="eg-outage", category=Category.VIOLENCE)
    shot(page, "board-redis-down")

    # when: Redis is back
    redis_link.restore()

    # then: the board reconnects, shows the call of the outage, and says live again
    page.locator("#incidents tr", has_text=incident.number).wait_for(timeout=45_000)
    page.wait_for_selector("body[data-live]", timeout=10_000)
    # ... and sounds it as it sounds a call that comes live: a P1 (a fight) twice (it came
    # onto the board in silence, and a duty officer looking elsewhere missed it)
    assert incident.priority == "P1"
    page.wait_for_selector("body[data-sounded=urgent]", timeout=5_000)
    assert stale.is_hidden()
    assert page.locator("#status").inner_text() == "live"
    shot(page, "board-redis-back")
    assert page.kuzet_errors == []


def test_a_board_whose_link_died_silently_says_so_and_reconnects(
    server: str, browser: Any, personas: Any
) -> None:
    # given: the board reaches the server through a link that can die without a close
    units_heard_now(personas)
    port = int(urlsplit(server).port or 80)
    with proxy(port) as link:
        through = f"http://127.0.0.1:{link.port}"
        page = board_page(browser, through, personas.duty)

        # when: the link goes dead (the laptop slept, the Wi-Fi went) and the page wakes
        link.hang()
        wake(page)

        # then: the unanswered ping says it: not live, the bar up
        page.wait_for_selector("body:not([data-live])", timeout=15_000)
        page.locator("#stale").wait_for(state="visible", timeout=10_000)
        incident = intake_call(personas, ref="eg-asleep", category=Category.THEFT)
        shot(page, "board-link-dead")

        # when: the link is back
        link.drop()  # the dead connections are gone for good
        link.restore()

        # then: a new socket, the call that came meanwhile on the board
        page.locator("#incidents tr", has_text=incident.number).wait_for(timeout=45_000)
        page.wait_for_selector("body[data-live]", timeout=10_000)
        assert page.locator("#stale").is_hidden()
        assert page.kuzet_errors == []


def test_a_command_whose_answer_was_lost_says_so_in_words(
    server: str, browser: Any, personas: Any
) -> None:
    # given: a call on the board, the nearest unit offered
    units_heard_now(personas)
    incident = intake_call(personas, ref="eg-lost-answer", category=Category.VIOLENCE)
    page = board_page(browser, server, personas.duty)
    row = page.locator("#incidents tr", has_text=incident.number)
    row.locator("button.recommend").click()
    send = row.locator("button.dispatch")
    send.wait_for()

    # when: the dispatch reaches the server but its answer is lost (a proxy's 502 while the
    # server restarts)
    def lose_answer(route: Any) -> None:
        route.fetch()  # the server does it
        route.fulfill(status=502, body="<html>Bad Gateway</html>", content_type="text/html")

    page.route("**/dispatch/", lose_answer)
    send.click()

    # then: the desk reads that the server did not answer, in words, not the proxy's English
    message = page.locator("#message")
    message.wait_for(state="visible")
    assert "the server did not answer" in message.inner_text()
    assert "Bad Gateway" not in message.inner_text()
    # and the board shows what did happen: the unit on the call
    page.locator("#assignments tr", has_text=personas.a.patrol.callsign).wait_for(timeout=5_000)
    shot(page, "board-answer-lost")

    # when: the network is gone altogether
    page.unroute("**/dispatch/")
    page.route("**/cancel/", lambda route: route.abort("internetdisconnected"))
    page.once("dialog", lambda dialog: dialog.accept("ложный вызов"))
    row.locator("button.cancel").click()

    # then: said in words too ("TypeError: Failed to fetch" was shown as it was)
    page.locator("#message.error", has_text="the server did not answer").wait_for()
    assert "TypeError" not in message.inner_text()
    assert Assignment.objects.filter(incident=incident).count() == 1
    assert page.kuzet_errors == []


@pytest.fixture
def database_link(transactional_db: Any) -> Iterator[Proxy]:
    """The server's way to PostgreSQL, which the test can cut (a failover, a restart)."""
    from django.db import connection

    with proxy(int(connection.settings_dict.get("PORT") or 5432)) as link:
        yield link


def test_with_the_database_lost_the_board_raises_an_alarm_and_drops_it_when_back(
    database_link: Proxy, browser: Any, personas: Any, tmp_path: Path
) -> None:
    # given: the board of a server whose database can be cut
    units_heard_now(personas)
    db = urlsplit(database_url())
    password = f":{db.password}" if db.password else ""
    netloc = f"{db.username}{password}@127.0.0.1:{database_link.port}"
    url = urlunsplit(db._replace(netloc=netloc))
    with web_server(tmp_path, DATABASE_URL=url) as server:
        page = board_page(browser, server, personas.duty)

        # when: the database goes (the socket stays: Redis is up)
        database_link.drop()

        # then: the board says so within a minute, in a red bar, with since when
        alarm = page.locator("#alarms p.server_unanswered")
        alarm.wait_for(timeout=60_000)
        assert re.match(r"No answer from the server since \d\d:\d\d:\d\d", alarm.inner_text())
        shot(page, "board-database-down")

        # when: the database is back
        database_link.restore()

        # then: the alarm goes by itself (the server's own alarms stay: no escalation sweep
        # runs beside this test's server)
        alarm.wait_for(state="detached", timeout=45_000)
        assert page.locator("#alarms p.escalation_stopped").count() == 1
        assert page.kuzet_errors == []


def test_a_board_whose_session_ended_says_so_and_links_the_sign_in(
    server: str, browser: Any, personas: Any
) -> None:
    # given: the board open all shift, through a link that can drop
    from django.contrib.sessions.models import Session

    units_heard_now(personas)
    port = int(urlsplit(server).port or 80)
    with proxy(port) as link:
        through = f"http://127.0.0.1:{link.port}"
        page = board_page(browser, through, personas.duty)

        # when: the session ends (12 h after sign-in) and the socket has to reconnect
        Session.objects.all().delete()
        link.drop()
        link.restore()

        # then: not a "signed out" in the header's corner over a board frozen for good, but
        # a bar that says since when the board is not updated, with the way back
        stale = page.locator("#stale")
        stale.wait_for(state="visible", timeout=20_000)
        assert re.match(
            r"Signed out at \d\d:\d\d:\d\d: the board is no longer updated", stale.inner_text()
        )
        sign_in = stale.get_by_role("link", name="Log in")
        assert sign_in.get_attribute("href") == "/admin/login/?next=/board/"
        assert page.locator("body[data-live]").count() == 0
        shot(page, "board-signed-out")
        assert page.kuzet_errors == []


def test_a_click_after_the_session_ended_says_signed_out_and_puts_up_the_sign_in(
    server: str, browser: Any, personas: Any
) -> None:
    # given: the board open all shift, a call on it; the session ends (12 h after sign-in)
    # while the socket stays up
    from django.contrib.sessions.models import Session

    units_heard_now(personas)
    incident = intake_call(personas, ref="eg-session-ended", category=Category.THEFT)
    page = board_page(browser, server, personas.duty)
    Session.objects.all().delete()

    # when: the duty officer asks for the nearest unit
    page.locator("#incidents tr", has_text=incident.number).locator("button.recommend").click()

    # then: told in the board's words that they are signed out (the server's English "Sign in
    # again." was shown as it was), and the bar offers the sign-in
    page.locator("#message.error").wait_for()
    assert page.locator("#message").inner_text() == "Not done: signed out"
    stale = page.locator("#stale")
    stale.wait_for(state="visible", timeout=5_000)
    assert stale.get_by_role("link", name="Log in").get_attribute("href") == (
        "/admin/login/?next=/board/"
    )
    assert page.locator("body[data-live]").count() == 0
    assert page.kuzet_errors == []


def test_a_board_whose_snapshot_is_refused_as_signed_out_says_so_at_once(
    server: str, browser: Any, personas: Any
) -> None:
    # given: the board open and live; it reloads its snapshot every 2 s here (every 5 minutes
    # as served), while its socket checks the session only at its next ping (30 s)
    from django.contrib.sessions.models import Session

    units_heard_now(personas)
    page = log_in(browser, server, personas.duty)

    def sooner(route: Any) -> None:
        script = route.fetch().text()
        route.fulfill(
            body=script.replace("const RESYNC_MS = CONFIG.resync_ms;", "const RESYNC_MS = 2000;"),
            content_type="text/javascript",
        )

    page.route("**/realtime/board.js", sooner)
    open_board(page, server)

    # when: the session ends
    Session.objects.all().delete()

    # then: the snapshot's 401 signs the board out there and then (it failed in silence, the
    # board looking live until the next command or ping)
    stale = page.locator("#stale")
    stale.wait_for(state="visible", timeout=10_000)
    assert stale.get_by_role("link", name="Log in").get_attribute("href") == (
        "/admin/login/?next=/board/"
    )
    assert page.locator("body[data-live]").count() == 0


def test_a_call_whose_frame_was_lost_in_a_short_redis_blip_still_reaches_the_board(
    server_via: str, redis_link: Proxy, browser: Any, personas: Any
) -> None:
    # given: the board open and live; it reloads its snapshot every few seconds here (every
    # 5 minutes as served)
    units_heard_now(personas)
    page = log_in(browser, server_via, personas.duty)

    def sooner(route: Any) -> None:
        script = route.fetch().text()
        route.fulfill(
            body=script.replace("const RESYNC_MS = CONFIG.resync_ms;", "const RESYNC_MS = 3000;"),
            content_type="text/javascript",
        )

    page.route("**/realtime/board.js", sooner)
    open_board(page, server_via)

    # when: the server's link to Redis blips between two pings (a Redis restart takes a
    # second or two); a call comes in during it, its frame lost
    redis_link.drop()
    incident = intake_call(personas, ref="eg-blip", category=Category.VIOLENCE)
    page.wait_for_timeout(1_000)
    redis_link.restore()

    # then: the call is on the board all the same (it stayed off until something else about
    # it changed, the board saying live)
    page.locator("#incidents tr", has_text=incident.number).wait_for(timeout=15_000)
    assert page.kuzet_errors == []


def test_mark_all_read_without_the_server_says_it_was_not_done(
    server: str, browser: Any, personas: Any
) -> None:
    # given: an unread alert on the board (a new call)
    units_heard_now(personas)
    incident = intake_call(personas, ref="eg-unread", category=Category.THEFT)
    page = board_page(browser, server, personas.duty)
    page.locator("#alerts li.unread", has_text=incident.number).wait_for()

    # when: "Mark all read" with the network gone
    page.route("**/alerts/read/", lambda route: route.abort("internetdisconnected"))
    page.click("#mark-read")

    # then: said (nothing happened on the screen, and an error went to the console only), and
    # the alert stays unread
    page.locator("#message.error", has_text="the server did not answer").wait_for()
    assert page.locator("#alerts li.unread", has_text=incident.number).count() == 1
    assert page.kuzet_errors == []
