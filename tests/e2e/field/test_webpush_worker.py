"""A pushed call reaches a phone whose app is closed, in a real browser: a push event (here
dispatched in the field app's service worker with the server's message, as the browser does
when its push service delivers one) makes the worker show the call as a system notification
— the app itself is not running. Before, nothing in the worker listened for a push
(docs/protocol.md §11; the server side: tests/backend/sync_gateway/test_webpush.py).
"""

from __future__ import annotations

import json

import pytest

from tests.e2e import browser
from tests.e2e.browser import launch_phone

from .conftest import enrolment_code
from .phone import enrol, wait_for

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

PUSHED = {
    "kind": "new",
    "assignment_id": "41",
    "title": "Новый вызов: P1 — преступление только что",
    "body": "Кража · Аягоз",
    "url": "/app/#/a/41",
    "tag": "call-41",
}
# Read in the worker itself, while the app is still closed: the worker shows nothing when the
# app is on the screen, so reading them from a reopened app raced the worker's own look at its
# windows (it saw the app back and rightly stayed quiet; the test failed one run in many).
NOTIFICATIONS = """() => self.registration.getNotifications()
    .then((ns) => ns.map((n) => (
        {title: n.title, body: n.body, tag: n.tag, url: n.data && n.data.url})))"""
# The worker's own question before it shows a call (public/notify-sw.js): is the app on the
# screen? Asked until it says no before the push. CI on a3a18c9 once timed out waiting for
# the notification (not seen here in ten runs, loaded or not); the likely cause is the push
# coming in while the worker's list of windows still held the app the tab had just left —
# the worker then rightly shows nothing. If it comes back, the failure says what it saw.
APP_ON_SCREEN = """() => self.clients.matchAll({type: 'window', includeUncontrolled: true})
    .then((ws) => ws.some((w) => w.visibilityState === 'visible'
        && new URL(w.url).pathname.startsWith('/app/')))"""
SEEN = """() => self.clients.matchAll({type: 'window', includeUncontrolled: true})
    .then((ws) => ({permission: Notification.permission,
        windows: ws.map((w) => [w.url, w.visibilityState])}))"""


def test_a_pushed_call_is_shown_by_the_service_worker_while_the_app_is_closed(
    field_server, personas, profile
):
    # given: an enrolled phone, notifications allowed, its service worker installed
    with browser.playwright() as driver:
        phone = launch_phone(driver, profile, permissions=["notifications"])
        page = phone.pages[0]
        enrol(page, field_server, enrolment_code(personas.a.patrol_officers[0].username))
        page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
        wait_for(lambda: bool(phone.service_workers), what="the service worker")
        worker = phone.service_workers[0]

        # when: the app is closed (another site in the tab) and a push comes to the worker
        page.goto("about:blank")
        wait_for(lambda: not worker.evaluate(APP_ON_SCREEN), what="the worker to see the app gone")
        worker.evaluate(
            "(data) => self.dispatchEvent(new PushEvent('push', {data}))",
            json.dumps(PUSHED, ensure_ascii=False),
        )

        # then: the worker has put the call up as a notification that opens it
        shown: list[dict] = []
        try:
            wait_for(
                lambda: bool(shown.extend(worker.evaluate(NOTIFICATIONS)) or shown),
                what="the notification",
            )
        except AssertionError as missing:
            # What the worker saw, for the next time this does not come up
            raise AssertionError(f"{missing}; the worker sees {worker.evaluate(SEEN)}") from None
        assert shown == [
            {
                "title": PUSHED["title"],
                "body": PUSHED["body"],
                "tag": "call-41",
                "url": "/app/#/a/41",
            }
        ]
        phone.close()
