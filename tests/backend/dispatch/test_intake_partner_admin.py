"""The intake partners in the console: the oblast administrator sees which partners there are,
their keys (never a key itself), how many reports each sent today and in 30 days and when the
last came, and where its reports' changes are called back — the partner's callback, whichever
key sent them; renames a partner; cannot add one (a partner comes with its
first key) nor delete one that sent a report. A district chief and the duty officer do not
see the page."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from backend.common import clock
from backend.dispatch.models import Incident, IntakePartner
from backend.dispatch.services import intake_key_issue, intake_key_revoke
from backend.ledger.models import AuditEntry
from backend.people.models import Officer, Role
from backend.webhooks.services import callback_configure

from .test_intake import body

pytestmark = pytest.mark.django_db

# Noon in Almaty (UTC+5): "today" is 05.12.2026 there, whatever the machine's clock says.
NOON = dt.datetime(2026, 12, 5, 7, 0, tzinfo=dt.UTC)
LIST = "admin:dispatch_intakepartner_changelist"
CHANGE = "admin:dispatch_intakepartner_change"


@pytest.fixture(autouse=True)
def _at_noon() -> Any:
    with clock.frozen(NOON):
        yield


def post_report(raw: str, personas: Any, ref: str, received_at: dt.datetime) -> Incident:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    sent = client.post("/api/v1/intake/egov/", body(personas, external_ref=ref), format="json")
    assert sent.status_code == 201, sent.content
    Incident.objects.filter(pk=sent.json()["id"]).update(received_at=received_at)
    return Incident.objects.get(pk=sent.json()["id"])


@pytest.fixture
def egov(personas: Any) -> dict[str, Any]:
    """eGov Mobile: its first key replaced (and revoked); two reports today, one ten days ago
    and one forty days ago. A second partner on the same channel, with nothing sent."""
    old, old_raw = intake_key_issue(channel="egov", name="eGov Mobile")
    new, new_raw = intake_key_issue(channel="egov", name="", replaces=old)
    post_report(old_raw, personas, "egov-1", NOON - dt.timedelta(days=40))
    post_report(old_raw, personas, "egov-2", NOON - dt.timedelta(days=10))
    post_report(new_raw, personas, "egov-3", NOON - dt.timedelta(hours=3))
    post_report(new_raw, personas, "egov-4", NOON - dt.timedelta(minutes=30))
    intake_key_revoke(key=old, by=personas.oblast_admin)
    other, _raw = intake_key_issue(channel="egov", name="Akimat portal")
    return {"partner": old.partner, "old": old, "new": new, "other": other.partner}


def english(officer: Officer) -> Officer:
    officer.language = "en"
    officer.save(update_fields=["language"])
    return officer


def row_of(text: str, name: str) -> str:
    rows = re.findall(r"<tr.*?</tr>", text, flags=re.S)
    found = [row for row in rows if f">{name}</a></th>" in row]
    assert len(found) == 1, name
    return found[0]


def cell(row: str, field: str) -> str:
    match = re.search(rf'<td class="field-{field}[^"]*">(.*?)</td>', row, flags=re.S)
    assert match is not None, field
    return html.unescape(re.sub(r"<[^>]+>", "", match.group(1))).strip()


def test_the_list_shows_each_partner_its_keys_reports_and_callback_host(
    personas, egov, client, settings
):
    # given: eGov's callback, set on its new key
    settings.KUZET_CALLBACK_ALLOW_PRIVATE = True
    settings.KUZET_CALLBACK_ALLOW_HTTP = True
    callback_configure(partner=egov["new"].partner, url="http://127.0.0.1:9/kuzet/callback")
    client.force_login(english(personas.oblast_admin))

    # when
    page = client.get(reverse(LIST))

    # then: one row per partner, counted in Almaty's day and the last 30 days
    assert page.status_code == 200
    text = page.content.decode()
    row = row_of(text, "eGov Mobile")
    assert cell(row, "channel") == "eGov Mobile"
    assert cell(row, "keys_short") == "1 active, 1 revoked"
    assert (cell(row, "reports_today"), cell(row, "reports_month")) == ("2", "3")
    assert cell(row, "last_report") == "05.12.2026 11:30:00"
    assert cell(row, "callback_short") == "127.0.0.1"
    other = row_of(text, "Akimat portal")
    assert (cell(other, "reports_today"), cell(other, "reports_month")) == ("0", "0")
    assert (cell(other, "last_report"), cell(other, "callback_short")) == ("—", "—")
    # never a key's digest
    assert egov["new"].key_hash not in text


def test_the_partner_page_names_its_keys_and_its_callback(personas, egov, client, settings):
    # given: a callback set while the old key still worked, a key issued since, and the
    # callback set again (in Kazakh)
    settings.KUZET_CALLBACK_ALLOW_PRIVATE = True
    settings.KUZET_CALLBACK_ALLOW_HTTP = True
    with clock.frozen(NOON - dt.timedelta(days=20)):
        callback_configure(partner=egov["partner"], url="http://127.0.0.1:9/old")
    intake_key_issue(channel="egov", name="spare", replaces=egov["new"])
    callback_configure(partner=egov["partner"], url="http://127.0.0.1:9/new", language="kk")
    client.force_login(english(personas.oblast_admin))

    # when
    page = client.get(reverse(CHANGE, args=(egov["partner"].pk,)))

    # then: every key with its prefix, times and state, none of its digest
    assert page.status_code == 200
    text = html.unescape(page.content.decode())
    keys = re.search(r'<table class="kuzet-partner-keys">(.*?)</table>', text, flags=re.S)
    assert keys is not None
    rows = re.findall(r"<tr>(.*?)</tr>", keys.group(1), flags=re.S)
    read = [
        [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r)]
        for r in rows
    ]
    assert read[0] == ["name", "prefix", "created", "last used", "state"]
    assert [r[0] for r in read[1:]] == ["eGov Mobile", "eGov Mobile", "spare"]
    assert read[1][1] == f"{egov['old'].prefix}…"
    assert read[1][4] == "revoked 05.12.2026 12:00:00"
    assert read[2][4] == "active"
    assert read[2][3] == "05.12.2026 12:00:00"  # the last report sent with it
    assert egov["old"].key_hash not in text
    assert egov["new"].key_hash not in text
    # the reports
    assert "today: 2" in text
    assert "in the last 30 days: 3" in text
    # the partner's callback, once: no key named with it, nothing "in effect" or not
    callback = re.search(
        r'<div class="readonly">(<p>.*?)</div>',
        text[text.index("field-callback_in_effect") :],
        flags=re.S,
    )
    assert callback is not None
    said = re.sub(r"<[^>]+>", " ", callback.group(1))
    assert " ".join(said.split()) == (
        "http://127.0.0.1:9/new Set 05.12.2026 12:00:00; its texts in Қазақша. "
        "Set the callback again (a new secret)"
    )
    assert "http://127.0.0.1:9/old" not in text
    assert "on the key" not in text
    # and the way to set it again, for the partner
    assert f"?partner={egov['partner'].pk}" in text


def test_a_partner_whose_keys_are_all_revoked_is_told_nothing_and_the_page_says_so(
    personas, egov, client, settings
):
    settings.KUZET_CALLBACK_ALLOW_PRIVATE = True
    settings.KUZET_CALLBACK_ALLOW_HTTP = True
    callback_configure(partner=egov["new"].partner, url="http://127.0.0.1:9/new")
    intake_key_revoke(key=egov["new"], by=personas.oblast_admin)
    client.force_login(english(personas.oblast_admin))

    text = html.unescape(client.get(reverse(CHANGE, args=(egov["partner"].pk,))).content.decode())

    assert "Not sent: every key of the partner is revoked." in text
    assert "In effect" not in text
    listed = client.get(reverse(LIST)).content.decode()
    assert cell(row_of(listed, "eGov Mobile"), "callback_short") == "—"


def test_the_administrator_renames_a_partner_and_the_rename_is_audited(personas, egov, client):
    # given
    admin = english(personas.oblast_admin)
    client.force_login(admin)
    partner = egov["partner"]

    # when: a new name, and a channel sent along (it is not a field of the form)
    saved = client.post(
        reverse(CHANGE, args=(partner.pk,)), {"name": "eGov (ЦОН)", "channel": "kaspi"}
    )

    # then
    assert saved.status_code == 302
    partner.refresh_from_db()
    assert (partner.name, partner.channel) == ("eGov (ЦОН)", "egov")
    entry = AuditEntry.objects.get(action="intakepartner.changed_in_admin")
    assert (entry.actor_id, entry.object_id) == (admin.pk, str(partner.pk))


def test_a_partner_is_neither_added_here_nor_deleted_once_it_sent_a_report(personas, egov, client):
    root = Officer.objects.create_superuser(
        username="root", password="pw-root", role=Role.OBLAST_ADMIN, language="en"
    )
    for who in (english(personas.oblast_admin), root):
        client.force_login(who)
        assert client.get(reverse("admin:dispatch_intakepartner_add")).status_code == 403
        delete = reverse("admin:dispatch_intakepartner_delete", args=(egov["partner"].pk,))
        assert client.get(delete).status_code == 403
        assert client.post(delete, {"post": "yes"}).status_code == 403
        page = client.get(reverse(CHANGE, args=(egov["partner"].pk,))).content.decode()
        assert "deletelink" not in page
    assert IntakePartner.objects.filter(pk=egov["partner"].pk).exists()


@pytest.mark.parametrize("who", ["chief", "duty"])
def test_a_district_chief_and_the_duty_officer_do_not_see_the_partners(personas, egov, client, who):
    officer = personas.a.chief if who == "chief" else personas.duty
    client.force_login(officer)

    assert client.get(reverse(LIST)).status_code == 403
    assert client.get(reverse(CHANGE, args=(egov["partner"].pk,))).status_code == 403
    home = client.get(reverse("admin:index")).content.decode()
    assert "intakepartner" not in home


def test_a_partner_named_for_its_channel_is_named_once(egov: dict[str, Any]) -> None:
    # The partner's page was titled "eGov Mobile (eGov Mobile)".
    with translation.override("en"):
        assert str(egov["partner"]) == "eGov Mobile"
        assert str(egov["other"]) == "Akimat portal (eGov Mobile)"
