"""A partner's key replaced (after a leak, or on schedule; the old and the new key overlap while
the partner switches): the new key is the same partner's. A report sent with the old key is
replayed — not made a second emergency call — refused as a conflict, read and called back
through the new one; two partners on one channel stay apart as before."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from django.contrib.messages import get_messages
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from rest_framework.test import APIClient

from backend.common import clock
from backend.dispatch.models import Incident, IntakeKey
from backend.dispatch.services import (
    incident_cancel,
    incident_dispatch,
    intake_key_issue,
    intake_key_revoke,
)
from backend.ledger.models import AuditEntry
from backend.webhooks.models import CallbackDelivery, IntakeCallback
from backend.webhooks.services import callback_configure, callback_send, partner_callback
from tests.migrations import migrate_to_latest

from .conftest import intake_posts_at_once, snapshot
from .test_intake import body

INTAKE = "/api/v1/intake/egov/"


def client_for(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


@pytest.fixture
def replacement(egov_key: tuple[Any, str]) -> tuple[IntakeKey, APIClient]:
    """eGov Mobile's key replaced by a new one; the old one still works (the overlap)."""
    key, raw = intake_key_issue(channel="egov", name="", replaces=egov_key[0])
    return key, client_for(raw)


def test_a_retry_with_the_replacement_is_the_same_call_not_a_second_one(
    personas, intake_client, replacement
):
    # given: a report sent with the old key, its answer lost; the key is replaced meanwhile
    _new_key, new_client = replacement
    payload = body(personas)
    first = intake_client.post(INTAKE, payload, format="json")
    assert first.status_code == 201
    before = snapshot()

    # when: the partner retries the same report with the new key
    retry = new_client.post(INTAKE, payload, format="json")

    # then: answered with the same call as a replay; no duplicate emergency call
    assert (retry.status_code, retry.json()) == (200, {**first.json(), "created": False})
    assert Incident.objects.count() == 1
    assert snapshot() == before


def test_a_report_sent_with_the_replacement_is_replayed_with_the_old_key_too(
    personas, intake_client, replacement
):
    # given: during the overlap the partner's new servers send, an old one retries
    _new_key, new_client = replacement
    payload = body(personas, external_ref="egov-2002")
    first = new_client.post(INTAKE, payload, format="json")
    assert first.status_code == 201

    # when
    retry = intake_client.post(INTAKE, payload, format="json")

    # then
    assert (retry.status_code, retry.json()) == (200, {**first.json(), "created": False})
    assert Incident.objects.count() == 1


def test_other_content_across_the_replacement_is_a_conflict(personas, intake_client, replacement):
    # given
    _new_key, new_client = replacement
    first = intake_client.post(INTAKE, body(personas), format="json").json()
    before = snapshot()

    # when: the same reference with other content through the new key
    response = new_client.post(INTAKE, body(personas, description="другое"), format="json")

    # then: 409 naming the partner's report; nothing changes
    assert response.status_code == 409, response.content
    assert (response.json()["error"], response.json()["incident_id"]) == ("conflict", first["id"])
    assert snapshot() == before


def test_the_replacement_reads_the_reports_sent_with_the_old_key_also_once_it_is_revoked(
    personas, egov_key, intake_client, replacement
):
    # given: a report sent with the old key; then the old key is revoked (the switch is done)
    _new_key, new_client = replacement
    sent = intake_client.post(INTAKE, body(personas), format="json").json()
    intake_key_revoke(key=egov_key[0], by=personas.oblast_admin)

    # when
    read = new_client.get(f"{INTAKE}egov-1001/")
    with_old = intake_client.get(f"{INTAKE}egov-1001/")

    # then: the partner reads its report through its new key; the old key is refused
    assert (read.status_code, read.json()["id"], read.json()["number"]) == (
        200,
        sent["id"],
        sent["number"],
    )
    assert with_old.status_code == 401


def test_a_key_replaced_after_a_leak_and_revoked_first_still_hands_its_reports_over(
    personas, egov_key, intake_client
):
    # given: the leaked key is revoked at once, and only then a replacement is issued
    payload = body(personas)
    first = intake_client.post(INTAKE, payload, format="json").json()
    intake_key_revoke(key=egov_key[0], by=personas.oblast_admin)
    _key, raw = intake_key_issue(channel="egov", name="eGov Mobile", replaces=egov_key[0])

    # when: the partner retries the report it had no answer to
    retry = client_for(raw).post(INTAKE, payload, format="json")

    # then
    assert (retry.status_code, retry.json()["id"], retry.json()["created"]) == (
        200,
        first["id"],
        False,
    )


def test_another_partner_on_the_channel_stays_apart_from_a_replaced_key(
    personas, intake_client, replacement
):
    # given: eGov Mobile's report sent with its old key; another partner on eGov's channel
    _new_key, new_client = replacement
    mine = intake_client.post(INTAKE, body(personas), format="json").json()
    _other_key, other_raw = intake_key_issue(channel="egov", name="eGov Business")
    other = client_for(other_raw)

    # when: the other partner reads the reference and sends one of its own by that name
    guessed = other.get(f"{INTAKE}egov-1001/")
    theirs = other.post(INTAKE, body(personas, description="другое"), format="json")

    # then: not shown, not a conflict — its own report; the replacement reads only mine
    assert (guessed.status_code, guessed.json()["error"]) == (404, "not_found")
    assert theirs.status_code == 201, theirs.content
    assert theirs.json()["id"] != mine["id"]
    assert new_client.get(f"{INTAKE}egov-1001/").json()["id"] == mine["id"]


def test_a_key_cannot_replace_another_channels_key(personas, egov_key):
    # when / then
    with pytest.raises(Exception, match="egov channel") as refused:
        intake_key_issue(channel="kaspi", name="Kaspi", replaces=egov_key[0])
    assert refused.value.code == "replaces_other_channel"  # type: ignore[attr-defined]
    assert IntakeKey.objects.count() == 1


def test_the_replacement_is_audited_with_the_key_it_replaces(personas, egov_key):
    # when
    key, raw = intake_key_issue(
        channel="egov", name="", by=personas.oblast_admin, replaces=egov_key[0]
    )

    # then: one entry, the new key's, naming the old; the partner and the name are the old's
    entry = AuditEntry.objects.get(action="intake_key.replaced")
    assert (entry.actor_id, entry.object_type, entry.object_id) == (
        personas.oblast_admin.pk,
        "intake_key",
        str(key.pk),
    )
    assert json.loads(entry.data) == {
        "channel": "egov",
        "name": "eGov Mobile",
        "prefix": key.prefix,
        "replaces": egov_key[0].pk,
        "replaces_prefix": egov_key[0].prefix,
        "replaces_revoked": False,
        "partner": egov_key[0].partner_id,
    }
    assert (key.partner_id, key.replaces_id, key.name) == (
        egov_key[0].partner_id,
        egov_key[0].pk,
        "eGov Mobile",
    )
    assert raw not in str(entry.data)
    assert not AuditEntry.objects.filter(action="intake_key.issued", object_id=str(key.pk))


# --- callbacks --------------------------------------------------------------------------------


def test_the_partners_callback_survives_a_key_rotation(personas, egov_key, intake_client, settings):
    # given: the partner's callback; a report sent with its key, its receipt sent; the key
    # then replaced and revoked
    settings.KUZET_CALLBACK_ALLOW_HTTP = True
    settings.KUZET_CALLBACK_ALLOW_PRIVATE = True
    old_key = egov_key[0]
    callback, secret = callback_configure(partner=old_key.partner, url="http://127.0.0.1:9/cb")
    posted: list[str] = []

    def partner(request: httpx.Request) -> httpx.Response:
        posted.append(request.url.path)
        return httpx.Response(204)

    transport = httpx.MockTransport(partner)

    def send_pending() -> list[str]:
        pending = CallbackDelivery.objects.filter(state="pending").order_by("pk")
        return [callback_send(d.pk, transport=transport) for d in pending]

    sent = intake_client.post(INTAKE, body(personas), format="json").json()
    states = send_pending()
    new_key, _raw = intake_key_issue(channel="egov", name="", replaces=old_key)
    intake_key_revoke(key=old_key, by=personas.oblast_admin)

    # when: a unit is sent to the report the old key sent
    incident_dispatch(
        incident=Incident.objects.get(pk=sent["id"]), unit=personas.a.patrol, by=personas.duty
    )
    states += send_pending()

    # then: the callback is the partner's as it was set (URL and secret), nothing to set again
    # for the new key, and both bodies went there
    kept = IntakeCallback.objects.get()
    assert (kept.pk, kept.partner_id, kept.url, kept.secret) == (
        callback.pk,
        new_key.partner_id,
        "http://127.0.0.1:9/cb",
        secret,
    )
    assert partner_callback(new_key.partner_id) == kept
    assert (states, posted) == (["delivered", "delivered"], ["/cb", "/cb"])


def test_one_delivery_per_change_whichever_key_sent_the_report(
    personas, egov_key, intake_client, settings
):
    # given: the partner's old and new key both live (switching over), the callback set
    # twice (once through each key's partner), and a report sent with each key
    settings.KUZET_CALLBACK_ALLOW_HTTP = True
    settings.KUZET_CALLBACK_ALLOW_PRIVATE = True
    old_key = egov_key[0]
    new_key, new_raw = intake_key_issue(channel="egov", name="", replaces=old_key)
    callback_configure(partner=old_key.partner, url="http://127.0.0.1:9/first")
    callback_configure(partner=new_key.partner, url="http://127.0.0.1:9/second")
    with_old = intake_client.post(INTAKE, body(personas), format="json").json()
    with_new = client_for(new_raw).post(
        INTAKE, body(personas, external_ref="egov-2002"), format="json"
    )
    assert with_new.status_code == 201, with_new.content

    # when: a unit is sent to the first, the second is cancelled
    incident_dispatch(
        incident=Incident.objects.get(pk=with_old["id"]), unit=personas.a.patrol, by=personas.duty
    )
    incident_cancel(
        incident=Incident.objects.get(pk=with_new.json()["id"]), reason="test", by=personas.duty
    )

    # then: one callback, the one set last; one delivery per report and change, the partner's
    assert list(IntakeCallback.objects.values_list("partner_id", "url")) == [
        (old_key.partner_id, "http://127.0.0.1:9/second")
    ]
    rows = CallbackDelivery.objects.order_by("pk").values_list(
        "partner_id", "incident_id", "sequence", "event_type"
    )
    partner_id = old_key.partner_id
    assert list(rows) == [
        (partner_id, with_old["id"], 1, "report.received"),
        (partner_id, with_new.json()["id"], 1, "report.received"),
        (partner_id, with_old["id"], 2, "report.updated"),
        (partner_id, with_new.json()["id"], 2, "report.updated"),
    ]


def test_a_partner_whose_every_key_is_revoked_is_called_back_no_more(
    personas, egov_key, intake_client, settings
):
    # given: a report with a callback; its key replaced; both keys revoked
    settings.KUZET_CALLBACK_ALLOW_HTTP = True
    settings.KUZET_CALLBACK_ALLOW_PRIVATE = True
    callback_configure(partner=egov_key[0].partner, url="http://127.0.0.1:9/old")
    sent = intake_client.post(INTAKE, body(personas), format="json").json()
    new_key, _raw = intake_key_issue(channel="egov", name="", replaces=egov_key[0])
    intake_key_revoke(key=egov_key[0], by=personas.oblast_admin)
    intake_key_revoke(key=new_key, by=personas.oblast_admin)

    # when
    incident_dispatch(
        incident=Incident.objects.get(pk=sent["id"]), unit=personas.a.patrol, by=personas.duty
    )

    # then: only the receipt, from before
    assert list(CallbackDelivery.objects.values_list("event_type", flat=True)) == [
        "report.received"
    ]


# --- manage.py intake_key --replaces, and the console -----------------------------------------


def test_the_command_issues_a_replacement_by_the_old_keys_prefix(personas, egov_key, capsys):
    # when
    call_command("intake_key", "egov", "--replaces", egov_key[0].prefix)

    # then: a key of the same partner, named as the old one, printed on the last line
    out = capsys.readouterr().out.strip().splitlines()
    new = IntakeKey.objects.exclude(pk=egov_key[0].pk).get()
    assert (new.partner_id, new.replaces_id, new.name) == (
        egov_key[0].partner_id,
        egov_key[0].pk,
        "eGov Mobile",
    )
    assert out[-1].startswith(new.prefix)
    assert new.prefix.startswith("kzi_")
    assert f"replaces key {egov_key[0].pk} (prefix {egov_key[0].prefix})" in out[1]
    assert "still works: revoke it once the partner has switched" in out[1]


def test_the_command_refuses_an_unknown_key_or_another_channels(personas, egov_key):
    # when / then
    with pytest.raises(CommandError, match="No single intake key with id or prefix 'kzi_nope'"):
        call_command("intake_key", "egov", "--replaces", "kzi_nope")
    with pytest.raises(CommandError, match="is for the egov channel"):
        call_command("intake_key", "kaspi", "--replaces", str(egov_key[0].pk))
    assert IntakeKey.objects.count() == 1


def test_the_oblast_admin_issues_a_replacement_in_the_console(client, personas, egov_key):
    # given
    personas.oblast_admin.language = "en"  # the messages asserted in English
    personas.oblast_admin.save(update_fields=["language"])
    client.force_login(personas.oblast_admin)

    # when: the add form, the old key chosen, no name given
    response = client.post(
        reverse("admin:dispatch_intakekey_add"),
        {"name": "", "channel": "egov", "replaces": egov_key[0].pk},
        follow=True,
    )

    # then: the same partner's key, shown once
    new = IntakeKey.objects.exclude(pk=egov_key[0].pk).get()
    (message,) = [
        str(m) for m in get_messages(response.wsgi_request) if str(m).startswith("Intake key for")
    ]
    raw = message.split(": ", 1)[1].split(" — ")[0]
    assert message.startswith(
        f"Intake key for eGov Mobile (eGov Mobile) replacing the key {egov_key[0].prefix}…: kzi_"
    )
    assert (new.partner_id, new.replaces_id) == (egov_key[0].partner_id, egov_key[0].pk)
    assert client_for(raw).get(f"{INTAKE}egov-1001/").status_code == 404  # a live key


def test_the_console_refuses_a_replacement_on_another_channel(client, personas, egov_key):
    # given
    personas.oblast_admin.language = "en"  # the messages asserted in English
    personas.oblast_admin.save(update_fields=["language"])
    client.force_login(personas.oblast_admin)

    # when
    response = client.post(
        reverse("admin:dispatch_intakekey_add"),
        {"name": "Kaspi", "channel": "kaspi", "replaces": egov_key[0].pk},
    )

    # then: the form again, saying why; no key
    assert response.status_code == 200
    assert "A key&#x27;s replacement is for its channel: eGov Mobile." in response.text
    assert IntakeKey.objects.count() == 1


# --- at once, and the migration -----------------------------------------------------------------


@pytest.mark.postgres
def test_the_old_and_the_new_key_sending_one_report_at_once_make_one_call(
    transactional_db, personas, egov_key
):
    # given: the partner's old and new servers, the same report body
    _key, raw = intake_key_issue(channel="egov", name="", replaces=egov_key[0])
    clients = [client_for(egov_key[1]), client_for(raw)]
    payload = body(personas)

    # when
    results = intake_posts_at_once(clients, payload, url=INTAKE)

    # then: one call, created once and replayed once
    assert sorted(code for code, _id in results) == [200, 201]
    assert Incident.objects.count() == 1
    assert len({pk for _code, pk in results}) == 1


BEFORE = [("dispatch", "0024_external_ref_unique_per_key")]


@pytest.mark.django_db(transaction=True)
def test_existing_keys_and_reports_migrate_to_partners(personas):
    # given: the schema before partners, two keys of eGov's channel with a report each by
    # one reference, and a call with no key
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    state = executor.loader.project_state(BEFORE).apps
    old_key = state.get_model("dispatch", "IntakeKey")
    old_incident = state.get_model("dispatch", "Incident")
    common = {
        "category": "theft",
        "priority": "P2",
        "district_id": personas.a.district.pk,
        "settlement_id": personas.a.town.pk,
        "summary": "before",
        "received_at": clock.now(),
        "created_at": clock.now(),
    }
    try:
        keys = [
            old_key.objects.create(
                name=name, channel="egov", key_hash=f"{n}" * 64, prefix=f"kzi_{n}", created_at=now
            )
            for n, name, now in ((1, "eGov Mobile", clock.now()), (2, "eGov Business", clock.now()))
        ]
        reports = [
            old_incident.objects.create(
                number=f"t-{k.pk}",
                channel="egov",
                external_ref="egov-1001",
                intake_key_id=k.pk,
                **common,
            )
            for k in keys
        ]
        typed = old_incident.objects.create(number="t-9", channel="phone_102", **common)
    finally:
        # when: migrated (also when the arrangement failed: the next tests need the schema)
        migrate_to_latest()

    # then: each key is a partner of its own, named and dated as it; each report its key's
    migrated = {k.pk: k for k in IntakeKey.objects.select_related("partner")}
    assert len({k.partner_id for k in migrated.values()}) == 2
    for old in keys:
        key = migrated[old.pk]
        assert (key.partner.name, key.partner.channel, key.partner.created_at) == (
            old.name,
            "egov",
            old.created_at,
        )
        assert key.replaces_id is None
    rows = Incident.objects.order_by("pk").values_list("pk", "intake_key_id", "intake_partner_id")
    assert list(rows) == [
        (reports[0].pk, keys[0].pk, migrated[keys[0].pk].partner_id),
        (reports[1].pk, keys[1].pk, migrated[keys[1].pk].partner_id),
        (typed.pk, None, None),
    ]
    # ... and a replacement of the first key reads the first key's report, not the second's
    _new, raw = intake_key_issue(channel="egov", name="", replaces=migrated[keys[0].pk])
    read = client_for(raw).get(f"{INTAKE}egov-1001/")
    assert (read.status_code, read.json()["id"]) == (200, reports[0].pk)
