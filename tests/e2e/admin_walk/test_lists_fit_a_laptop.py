"""The oblast administrator's lists on a 1280 × 800 laptop with the menu open, in Kazakh and
Russian: every list the admin index offers, each with real rows — the demo's seed and a few
hours of history made through the services, conflicts and quarantined records as a tester's
phone left them, and the integrations' keys, callbacks and deliveries.

What a list is read for must be on the screen without scrolling sideways (:data:`LISTS`); the
columns after it may scroll. The partners' deliveries list was 1500 px wide: its dates, the
partner's error and the state were off the screen. No cell shows raw JSON or an epoch number,
and every time of day carries its date, in Kazakhstan's time (UTC+5). A rejected SMS reply's
entry in the audit log says why in words and names and links its SMS (it read "Причина
unknown_sender", about "1").
Screenshots: ``var/admin_lists/``.
"""

from __future__ import annotations

import datetime as dt
import importlib
import pprint
import re
from pathlib import Path
from typing import Any

import orjson
import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.utils import timezone, translation

from backend.common import clock
from backend.common.formatting import KEY_LABELS
from backend.dispatch import sms
from backend.dispatch.admin.formatting import REPLY_OUTCOMES
from backend.dispatch.models import EscalationPolicy, Incident
from backend.dispatch.services import intake_key_issue
from backend.dispatch.services.intake import intake_key_revoke
from backend.dispatch.services.sms_inbound import sms_inbound_receive
from backend.geo.models import District
from backend.ledger.models import AuditEntry
from backend.people.models import Officer
from backend.webhooks.addresses import Refused
from backend.webhooks.models import CallbackDelivery, DeliveryState
from backend.webhooks.services import callback_configure
from tests.e2e import browser as shared
from tests.e2e import lists

pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SHOTS = shared.ROOT / "var" / "admin_lists"
PASSWORD = "abai-admin-102"
LAPTOP = {"width": 1280, "height": 800}
END = dt.datetime(2026, 11, 20, 14, 0, tzinfo=dt.UTC)

# Every list the oblast administrator reaches from the admin index → the columns it is read
# for, which must be on the screen; None: every column (short lists, which fit whole).
LISTS: dict[str, tuple[str, ...] | None] = {
    "dispatch/incident": ("number", "received", "district", "place", "what", "priority_code"),
    "dispatch/assignment": ("unit", "incident_link", "status_now", "dispatched"),
    "dispatch/event": ("estimated", "what", "unit", "call"),
    "dispatch/conflict": ("opened", "kind", "state", "district", "call"),
    "dispatch/escalationpolicy": None,
    "dispatch/escalationstep": None,
    "dispatch/safetycheck": None,
    "dispatch/risksubject": ("case_number", "kind", "district", "settlement"),
    "dispatch/followuptask": None,
    "dispatch/smsmessage": (
        "created",
        "direction",
        "number",
        "purpose",
        "state_sent",
        "short_body",
    ),
    "dispatch/intakekey": None,
    "dispatch/intakepartner": None,
    "webhooks/intakecallback": None,
    "webhooks/callbackdelivery": (
        "created",
        "report",
        "partner_name",
        "outcome",
        "problem_short",
        "next_attempt",
    ),
    "ledger/auditentry": ("number", "when", "who", "action_words", "object_named"),
    "people/officer": ("username", "full_name", "role", "district", "unit", "is_active"),
    "people/unit": ("callsign", "district", "type", "okrug", "member_count", "active"),
    "devices/device": ("officer", "unit", "last_seen", "revoked"),
    "devices/enrolmentcode": None,
    "geo/oblast": None,
    "geo/district": None,
    "geo/okrug": None,
    "geo/settlement": ("local_name", "district", "okrug", "kind", "zone", "coverage"),
    "sync_gateway/quarantinedrecord": None,
}

# A list's address on the index (its menu, and the console's own links), without a filter.
CHANGELIST = re.compile(r"/admin/([a-z_]+/[a-z_]+)/")
# A time of day as the console writes it (``when_text``), and the date that must precede it.
TIME = re.compile(r"\b\d{2}:\d{2}:\d{2}\b")
DATE_TIME = re.compile(r"\b\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}:\d{2}\b")
# Raw data a person cannot read: JSON, and seconds or milliseconds since 1970.
JSON = re.compile(r"[{\[]\s*\"|\"\s*:\s*[\"{\[\d]")
EPOCH = re.compile(r"\b1\d{9}(\d{3})?\b")


def policies(district: District) -> None:
    """The default deadlines as their migration loads them (a test before this one may have
    emptied the table), and a district's own: Semey's remote villages, P0 within 45 min."""
    migration = importlib.import_module(
        "backend.dispatch.migrations.0004_default_escalation_policies"
    )
    migration.load(django_apps, None)
    EscalationPolicy.objects.get_or_create(
        district=district,
        priority="P0",
        zone="remote",
        defaults={"deliver_within_s": 30, "ack_within_s": 60, "arrive_within_s": 2700},
    )


def integrations(admin: Officer) -> None:
    """The partners' keys (one used, one revoked), eGov's callback to a long URL, and its
    deliveries of every kind: delivered, waiting for a retry after a 500, given up after a
    400, refused (an address inside the network), failed on the network."""
    with clock.frozen(END - dt.timedelta(days=3)):
        egov, _ = intake_key_issue(channel="egov", name="eGov Mobile — «Закон и порядок»", by=admin)
        kaspi, _ = intake_key_issue(channel="kaspi", name="Kaspi.kz", by=admin)
        halyk, _ = intake_key_issue(channel="halyk", name="Halyk Homebank", by=admin)
        callback_configure(
            partner=egov.partner,
            url="https://integration.egov.kz/law-and-order/api/v2/partners/kuzet/status-callback",
            language="kk",
            by=admin,
        )
    with clock.frozen(END - dt.timedelta(days=1)):
        intake_key_revoke(key=halyk, by=admin)
    kaspi.last_used_at = END - dt.timedelta(hours=2)
    kaspi.save(update_fields=["last_used_at"])
    refused = Refused("private", "callback.partner.kz", "10.20.30.40").as_error()
    network = (
        "ConnectTimeout: timed out connecting to integration.egov.kz:443 after 10.0 s "
        "(connection attempt 3 of 3, TLS handshake not started)"
    )
    reports = Incident.objects.order_by("-received_at")[:6]
    assert len(reports) == 6
    for n, report in enumerate(reports):
        at = report.received_at + dt.timedelta(seconds=5)
        state, status, error = [
            (DeliveryState.DELIVERED, 200, ""),
            (DeliveryState.PENDING, 500, ""),
            (DeliveryState.FAILED, 400, ""),
            (DeliveryState.FAILED, None, refused),
            (DeliveryState.PENDING, None, network),
            (DeliveryState.SUPERSEDED, None, ""),
        ][n]
        report.external_ref = f"egov-2026-11-{1000 + n}"
        report.save(update_fields=["external_ref"])
        CallbackDelivery.objects.create(
            event_id=f"msg_{n:02d}R2d2c3PO4bb8BB8k9Lm0nOp",
            partner=egov.partner,
            incident=report,
            sequence=1 + n % 3,
            event_type="report.received" if n % 3 == 0 else "report.updated",
            data='{"status":"assigned"}',
            payload='{"type":"report.updated","data":{"status":"assigned"}}',
            created_at=at,
            state=state,
            attempts=0 if state == DeliveryState.SUPERSEDED else 1 + n % 4,
            last_attempt_at=None if state == DeliveryState.SUPERSEDED else at,
            next_attempt_at=at + dt.timedelta(minutes=5)
            if state == DeliveryState.PENDING
            else None,
            last_status_code=status,
            last_error=error,
            delivered_at=at if state == DeliveryState.DELIVERED else None,
            gave_up_at=at + dt.timedelta(hours=1) if state == DeliveryState.FAILED else None,
            finished_at=at if state not in (DeliveryState.PENDING,) else None,
        )


def sms_replies(officer: Officer) -> None:
    """Two SMS replies the gateway rejected an hour before the end: ``officer``'s with a code
    no call of his was sent, and a stranger's (whose SMS is in no district the
    administrator's list shows)."""
    for n, (phone, text) in enumerate([(officer.phone, "ACK 9999"), ("+77779991234", "hello")]):
        raw = orjson.dumps({"id": f"gw-walk-{n}", "from": phone, "text": text})
        signature = sms.sign(raw, secret=settings.KUZET_SMS_INBOUND_SECRET)
        with clock.frozen(END - dt.timedelta(hours=1)):
            assert sms_inbound_receive(raw=raw, signature=signature).status == "rejected"


@pytest.fixture
def demo(server: str, tmp_path: Any) -> str:
    lists.demo_history(tmp_path, end=END)
    chief = Officer.objects.get(username="chief_semey")
    lists.conflicts_and_quarantine(chief, at=END)
    policies(chief.district)
    integrations(Officer.objects.get(username="admin_abai"))
    sms_replies(
        Officer.objects.filter(district=chief.district, role="officer").exclude(phone="")[0]
    )
    return server


def shot(page: Any, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(path), full_page=True)
    return path


def named(page: Any) -> list[str]:
    """The records a list names in words (the audit log's "object"): an id is not a name."""
    cells = page.locator("#result_list tbody td.field-object_named").all_inner_texts()
    return [c.split("\n")[0] for c in cells]


def unreadable(cells: list[str]) -> list[str]:
    """The cells that show raw JSON, an epoch number, a time of day without its date, or an
    id for a name (``id …``)."""
    return [
        c
        for c in cells
        if c.startswith("id ")
        or JSON.search(c)
        or EPOCH.search(c)
        or len(TIME.findall(c)) > len(DATE_TIME.findall(c))
    ]


def test_the_administrators_lists_fit_a_laptop_with_the_menu_open(demo: str, browser: Any) -> None:
    # Both languages on the one demo: its history is built once, not once for each.
    for language in ("kk", "ru"):
        walk_the_lists(demo, browser, language)


def walk_the_lists(demo: str, browser: Any, language: str) -> None:
    # given: the oblast administrator at a 1280 px laptop
    admin = Officer.objects.get(username="admin_abai")
    page = lists.console_page(browser, demo, admin, language=language, viewport=LAPTOP)
    page.goto(f"{demo}/admin/")
    links = page.locator("a").evaluate_all("as => as.map(a => a.getAttribute('href') || '')")
    offered = {m[1] for m in map(CHANGELIST.fullmatch, links) if m}
    assert sorted(offered) == sorted(LISTS)
    off_screen, bad_cells, empty = {}, {}, []

    for n, name in enumerate(LISTS):
        # when
        page.goto(f"{demo}/admin/{name}/")

        # then: the menu is open, the list has rows, what it is read for is on the screen
        assert page.locator("#nav-sidebar").is_visible(), name
        if page.locator("#result_list tbody tr").count() == 0:
            empty.append(name)
        columns = LISTS[name]
        if columns is None:
            if lists.table_overflow(page) is not None:
                off_screen[name] = (lists.table_overflow(page), lists.header_widths(page))
        elif lists.columns_off_screen(page, columns):
            off_screen[name] = (
                lists.columns_off_screen(page, columns),
                lists.header_widths(page),
            )
        cells = page.locator("#result_list tbody td, #result_list tbody th").all_inner_texts()
        cells += [f"id {c}" for c in named(page) if c.strip().isdigit()]
        if unreadable(cells):
            bad_cells[name] = unreadable(cells)[:3]
        headers = lists.header_texts(page)
        assert not {"PK", "ID", "Pk", "Id"} & set(headers), (name, headers)
        shot(page, f"{n:02d}-{name.replace('/', '-')}-{language}")

    assert (empty, off_screen, bad_cells) == ([], {}, {}), pprint.pformat(
        (empty, off_screen, bad_cells)
    )
    assert page.kuzet_errors == []

    # and: a rejected SMS reply's entry says why in the reader's words, its SMS named and
    # linked to the SMS's page
    entry = AuditEntry.objects.filter(action="sms.inbound_rejected").order_by("id").first()
    assert entry is not None
    page.goto(f"{demo}/admin/ledger/auditentry/{entry.pk}/change/")
    with translation.override(language):
        words = str(REPLY_OUTCOMES["unknown_code"])
    assert words in page.locator(".field-pretty_data").inner_text()
    link = page.locator(".field-object_name a")
    assert link.inner_text() == f"SMS № {entry.object_id}"
    shot(page, f"{len(LISTS):02d}-audit-entry-sms-rejected-{language}")
    link.click()
    assert page.url.endswith(f"/admin/dispatch/smsmessage/{entry.object_id}/change/")

    # and: a closed call's entry labels the duty officer's words as the close form does (it
    # read "Применение", an event's applied/rejected)
    closed = AuditEntry.objects.filter(action="incident.closed").order_by("id")
    entry = next(e for e in closed if e.data_dict.get("disposition"))
    page.goto(f"{demo}/admin/ledger/auditentry/{entry.pk}/change/")
    with translation.override(language):
        label = str(KEY_LABELS["call_disposition"])
    labels = page.locator(".field-pretty_data dt").all_inner_texts()
    assert label in labels
    assert "Применение" not in labels
    assert "Қолданылуы" not in labels
    shot(page, f"{len(LISTS) + 1:02d}-audit-entry-call-closed-{language}")

    # and: a delivery's time is Kazakhstan's, with its date; its partner's URL shows its host
    first = CallbackDelivery.objects.order_by("-created_at", "-pk").first()
    assert first is not None
    page.goto(f"{demo}/admin/webhooks/callbackdelivery/")
    row = page.locator("#result_list tbody tr").first
    shown = row.locator(".field-created").inner_text()
    assert row.locator("td.field-report .kuzet-code").bounding_box()["height"] < 24
    assert shown == f"{timezone.localtime(first.created_at):%d.%m.%Y %H:%M:%S}"
    assert timezone.localtime(first.created_at).utcoffset() == dt.timedelta(hours=5)
    page.goto(f"{demo}/admin/webhooks/intakecallback/")
    url = page.locator("#result_list tbody td.field-host span")
    assert url.inner_text() == "integration.egov.kz"
    assert url.get_attribute("title") == (
        "https://integration.egov.kz/law-and-order/api/v2/partners/kuzet/status-callback"
    )
    page.context.close()
