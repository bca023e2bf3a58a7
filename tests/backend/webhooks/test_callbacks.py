"""A partner with a callback URL hears of every change to what its read of a report answers
(GET /api/v1/intake/<channel>/<ref>/): the same body, signed as Standard Webhooks says, sent
once per state, retried while the partner is down — and nothing more than the read shows."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import io
import json
import threading
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.db import connection
from rest_framework.test import APIClient

from backend.common import clock
from backend.common.errors import ValidationFailed
from backend.dispatch.models import Assignment, Incident
from backend.dispatch.services import (
    assignment_record_on_behalf,
    incident_dispatch,
    incident_registry_set,
    intake_key_issue,
    intake_key_revoke,
)
from backend.ledger import uow
from backend.ledger.models import AuditEntry
from backend.ledger.names import SyncTable
from backend.webhooks.models import CallbackDelivery, IntakeCallback
from backend.webhooks.services import _changed_reports, callback_configure, callbacks_send_due
from tests import factories
from tests.backend.sync_support import SyncApi, event

from .conftest import send_report

pytestmark = pytest.mark.django_db


def read(client: APIClient, ref: str = "egov-1001") -> dict[str, Any]:
    response = client.get(f"/api/v1/intake/egov/{ref}/", HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 200, response.content
    return response.json()


def spec_signature(secret: str, headers: dict[str, str], raw: bytes) -> str:
    """The Standard Webhooks signature, computed as the spec writes it (not with the library
    Kuzet signs with)."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + raw
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def test_a_dispatch_and_an_arrival_each_call_back_once_signed(
    personas, egov, receiver, django_capture_on_commit_callbacks
):
    # given: eGov's key sends its reports' changes to the partner's server
    key, client = egov
    _callback, secret = callback_configure(partner=key.partner, url=receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        incident = send_report(client, personas)
    assert [b["type"] for b in receiver.bodies()] == ["report.received"]

    # when: A-PC1 is sent
    with django_capture_on_commit_callbacks(execute=True):
        assignment = incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)

    # then: one more callback: the read's body, status assigned, signed with the secret
    assert len(receiver.requests) == 2
    headers, raw = receiver.requests[1]
    sent = json.loads(raw)
    assert sent == {
        "id": headers["webhook-id"],
        "type": "report.updated",
        "timestamp": sent["timestamp"],
        "sequence": 2,
        "data": read(client),
    }
    assert sent["data"]["status"] == "assigned"
    assert sent["data"]["dispatched_at"] is not None
    assert headers["webhook-signature"] == spec_signature(secret, headers, raw)
    assert abs(int(headers["webhook-timestamp"]) - clock.now().timestamp()) < 60
    assert headers["content-type"] == "application/json"
    assert CallbackDelivery.objects.get(sequence=2).state == "delivered"

    # when: the unit reports it is there
    with django_capture_on_commit_callbacks(execute=True):
        assignment_record_on_behalf(
            assignment=assignment, by=personas.duty, kind="on_scene", channel="radio"
        )

    # then: a third, active, with the arrival
    assert len(receiver.requests) == 3
    third = receiver.bodies()[2]
    assert (third["sequence"], third["data"]) == (3, read(client))
    assert third["data"]["status"] == "active"
    assert third["data"]["on_scene_at"] is not None
    assert len({h["webhook-id"] for h, _raw in receiver.requests}) == 3


def test_nothing_is_sent_when_nothing_the_partner_sees_changed(
    personas, egov, receiver, django_capture_on_commit_callbacks
):
    # given: a report whose receipt was called back
    key, client = egov
    callback_configure(partner=key.partner, url=receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        incident = send_report(client, personas)
    assert len(receiver.requests) == 1

    # when: the desk writes the report's registry number (the partner's read has none)
    with django_capture_on_commit_callbacks(execute=True):
        incident_registry_set(incident=incident, by=personas.duty, numbers={"kui": "2026-0042"})

    # then
    assert len(receiver.requests) == 1
    assert CallbackDelivery.objects.count() == 1


def test_a_domestic_violence_report_calls_back_only_what_its_read_shows(
    personas, egov, receiver, django_capture_on_commit_callbacks
):
    # given: a DV report through eGov with a callback
    key, client = egov
    callback_configure(partner=key.partner, url=receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        incident = send_report(client, personas, category="domestic_violence")

    # when: a unit is sent
    with django_capture_on_commit_callbacks(execute=True):
        incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)

    # then: the dispatch changed nothing the read shows, so nothing more was sent; what was
    # sent is the read, word for word: open, no unit, no times but the receipt
    assert [b["data"] for b in receiver.bodies()] == [read(client)]
    sent = receiver.bodies()[0]["data"]
    assert (sent["status"], sent["dispatched_at"], sent["discreet"]) == ("open", None, True)
    # and the partner's learning of it is kept as a read of a DV record
    assert (
        AuditEntry.objects.filter(
            action="incident.read", object_id=str(incident.pk), data__contains="intake.callback"
        ).count()
        == 1
    )


def test_a_partner_down_gets_the_body_again_later_and_once(
    personas, egov, receiver, django_capture_on_commit_callbacks
):
    # given: the partner's server answers 500 once, then 200
    key, client = egov
    callback_configure(partner=key.partner, url=receiver.url)
    receiver.answers = [500]
    t0 = clock.now()

    # when
    with clock.frozen(t0), django_capture_on_commit_callbacks(execute=True):
        send_report(client, personas)

    # then: kept for a retry in 30 s
    delivery = CallbackDelivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
    assert delivery.next_attempt_at == t0 + dt.timedelta(seconds=30)
    with clock.frozen(t0 + dt.timedelta(seconds=29)):
        assert callbacks_send_due() == 0
    assert len(receiver.requests) == 1

    # when: the sweep runs after the wait, and again
    with clock.frozen(t0 + dt.timedelta(seconds=31)):
        delivered = callbacks_send_due()
    with clock.frozen(t0 + dt.timedelta(hours=30)):
        again = callbacks_send_due()

    # then: the same event, delivered once more and never again
    assert (delivered, again) == (1, 0)
    (first_headers, first), (second_headers, second) = receiver.requests
    assert first == second
    assert first_headers["webhook-id"] == second_headers["webhook-id"]
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.next_attempt_at) == ("delivered", 2, None)


def test_a_partner_that_refuses_the_body_is_not_asked_again(
    personas, egov, receiver, django_capture_on_commit_callbacks
):
    # given: the partner's server answers 400
    key, client = egov
    callback_configure(partner=key.partner, url=receiver.url)
    receiver.answers = [400]
    t0 = clock.now()

    # when
    with clock.frozen(t0), django_capture_on_commit_callbacks(execute=True):
        send_report(client, personas)
    with clock.frozen(t0 + dt.timedelta(hours=1)):
        later = callbacks_send_due()

    # then: given up at once, recorded
    delivery = CallbackDelivery.objects.get()
    assert (later, len(receiver.requests)) == (0, 1)
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == ("failed", 1, 400)
    assert (delivery.gave_up_at, delivery.next_attempt_at) == (t0, None)


def test_a_partner_down_for_a_day_is_given_up(
    personas, egov, receiver, django_capture_on_commit_callbacks
):
    # given: the partner's server answers 503 to everything
    key, client = egov
    callback_configure(partner=key.partner, url=receiver.url)
    receiver.answers = [503] * 20
    t0 = clock.now()
    with clock.frozen(t0), django_capture_on_commit_callbacks(execute=True):
        send_report(client, personas)

    # when: the sweep runs every ten minutes for a day and a half
    for minutes in range(10, 36 * 60, 10):
        with clock.frozen(t0 + dt.timedelta(minutes=minutes)):
            callbacks_send_due()

    # then: ten attempts over ≈ 24 h, then given up
    delivery = CallbackDelivery.objects.get()
    assert (delivery.state, delivery.attempts, len(receiver.requests)) == ("failed", 10, 10)
    assert dt.timedelta(hours=23) < delivery.gave_up_at - t0 < dt.timedelta(hours=25)


def test_a_key_without_a_callback_sends_nothing(
    personas, egov, receiver, django_capture_on_commit_callbacks
):
    # given: eGov's key has no callback
    _key, client = egov

    # when: a report is sent and dispatched
    with django_capture_on_commit_callbacks(execute=True):
        incident = send_report(client, personas)
        incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)

    # then
    assert receiver.requests == []
    assert CallbackDelivery.objects.count() == 0


def test_a_callback_url_is_https_unless_on_a_development_server(egov, settings, dns):
    # given: production, where DEBUG is off and plain http with it
    key, _client = egov
    assert (django_settings.DEBUG, django_settings.KUZET_CALLBACK_ALLOW_HTTP) == (False, False)
    dns["partner.kz"] = ["93.184.215.14"]

    # when / then: plain http is refused, even to a partner's public server
    for url in ("http://partner.kz/cb", "ftp://partner.kz/", "cb", "https:///cb"):
        with pytest.raises(ValidationFailed) as refused:
            callback_configure(partner=key.partner, url=url)
        assert refused.value.code == "invalid_callback_url"
    callback, secret = callback_configure(partner=key.partner, url="https://partner.kz/cb")
    assert (callback.url, secret.startswith("whsec_")) == ("https://partner.kz/cb", True)

    # and on a development server (DEBUG), http too
    settings.KUZET_CALLBACK_ALLOW_HTTP = True
    assert (
        callback_configure(partner=key.partner, url="http://partner.kz/cb")[0].url
        == "http://partner.kz/cb"
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_desks_sending_units_at_once_call_back_one_state_once(personas, egov, receiver):
    # given: a report waiting for a unit, its receipt called back
    key, client = egov
    callback_configure(partner=key.partner, url=receiver.url)
    incident = send_report(client, personas)
    assert [b["sequence"] for b in receiver.bodies()] == [1]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def send(unit: Any) -> None:
        try:
            barrier.wait()
            incident_dispatch(incident=incident, unit=unit, by=personas.duty)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    # when: two units are sent to it at the same moment (one instant: on a live clock the
    # later commit can carry the earlier dispatch time, and the partner rightly hears of it)
    threads = [
        threading.Thread(target=send, args=(u,))
        for u in (personas.a.patrol, personas.a.inspector_unit)
    ]
    with clock.frozen(clock.now()):
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    # then: whichever committed first made it "assigned"; the second changed nothing the
    # partner sees (the first dispatch stays the first): one callback, not two
    assert errors == []
    rows = list(CallbackDelivery.objects.order_by("sequence").values_list("sequence", "state"))
    assert rows == [(1, "delivered"), (2, "delivered")]
    assert [b["data"] for b in receiver.bodies()][-1] == read(client)
    assert len(receiver.requests) == 2


def test_the_pages_verification_snippet_accepts_a_callback_and_refuses_a_forgery(
    personas, egov, receiver, django_capture_on_commit_callbacks
):
    # given: the snippet of docs/intake.md, *Verifying the signature*, and a callback received
    page = (django_settings.BASE_DIR / "docs" / "intake.md").read_text()
    snippet = page.split("### Verifying the signature", 1)[1].split("```python\n", 1)[1]
    namespace: dict[str, Any] = {}
    exec(snippet.split("```", 1)[0], namespace)  # noqa: S102 (our own documentation)
    key, client = egov
    _callback, secret = callback_configure(partner=key.partner, url=receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        send_report(client, personas)
    headers, raw = receiver.requests[0]

    # when / then
    assert namespace["verify"](secret, headers, raw) is True
    assert namespace["verify"](secret, headers, raw.replace(b"queued", b"closed")) is False
    assert namespace["verify"]("whsec_" + "A" * 32, headers, raw) is False


def test_a_phones_arrival_calls_back_and_its_positions_ask_nothing(
    personas, egov, receiver, client, django_capture_on_commit_callbacks, django_assert_num_queries
):
    # given: a report called back, its unit sent, the unit's phone holding the call
    key, intake = egov
    callback_configure(partner=key.partner, url=receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        incident = send_report(intake, personas)
        assignment = incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)
    _device_id, token = personas.device(personas.a.patrol_officers[0])
    phone = SyncApi(client, token)
    phone.pull(None)

    # when: the officer taps "on scene" on the phone (a fact, which moves the assignment)
    with django_capture_on_commit_callbacks(execute=True):
        phone.push(event("on_scene", assignment))

    # then: the partner hears the arrival
    last = receiver.bodies()[-1]
    assert (last["data"]["status"], last["sequence"]) == ("active", 3)
    assert last["data"]["on_scene_at"] is not None

    # and a write of events alone (a phone's positions) names no report, and asks nothing
    written = uow.Written({"events": {"0b6f3c1e-5d7a-4f7e-9f51-3c2d1e0a9b88"}}, [])
    with django_assert_num_queries(0):
        assert _changed_reports(written) == set()


def test_a_revoked_keys_reports_are_no_longer_called_back(
    personas, egov, receiver, django_capture_on_commit_callbacks
):
    # given: a report whose receipt was called back, then its key revoked
    key, client = egov
    callback_configure(partner=key.partner, url=receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        incident = send_report(client, personas)
    intake_key_revoke(key=key, by=personas.oblast_admin)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)

    # then
    assert len(receiver.requests) == 1
    assert CallbackDelivery.objects.count() == 1


def test_the_command_sets_a_callback_and_prints_its_secret_last(egov, receiver):
    # given
    key, _client = egov
    out = io.StringIO()

    # when
    call_command("intake_callback", key.prefix, receiver.url, "--language", "kk", stdout=out)

    # then: the secret alone on the last line, the one kept for signing
    callback = IntakeCallback.objects.get()
    assert out.getvalue().splitlines()[-1] == callback.secret
    assert (callback.partner, callback.url, callback.language) == (key.partner, receiver.url, "kk")


def test_the_command_sets_the_partners_callback_by_any_of_its_keys_or_by_the_partner(
    egov, receiver, personas
):
    # given: eGov's key replaced and revoked (after a leak: its prefix is the one at hand)
    key, _client = egov
    new_key, _raw = intake_key_issue(channel="egov", name="", replaces=key)
    intake_key_revoke(key=key, by=personas.oblast_admin)

    # when: set by the revoked key's prefix, then by the new key's id, then by the partner
    secrets = []
    for args in ([key.prefix], [str(new_key.pk)], ["--partner", str(key.partner_id)]):
        out = io.StringIO()
        call_command("intake_callback", *args, receiver.url, stdout=out)
        secrets.append(out.getvalue().splitlines()[-1])

    # then: one callback, the partner's, with the secret printed last
    callback = IntakeCallback.objects.get()
    assert (callback.partner_id, callback.secret) == (key.partner_id, secrets[-1])
    assert len(set(secrets)) == 3


def test_the_command_wants_a_key_or_a_partner(egov, receiver):
    key, _client = egov
    for args in ([receiver.url], [key.prefix, "--partner", str(key.partner_id), receiver.url]):
        with pytest.raises(CommandError):
            call_command("intake_callback", *args, stdout=io.StringIO())
    with pytest.raises(CommandError, match="No intake partner with id 999999"):
        call_command("intake_callback", "--partner", "999999", receiver.url, stdout=io.StringIO())
    assert IntakeCallback.objects.count() == 0


def test_without_any_callback_a_write_costs_one_small_query(personas, django_assert_num_queries):
    # given: no partner has a callback; a call and its unit
    incident = factories.incident(district=personas.a.district, settlement=personas.a.town)
    assignment = factories.assignment(incident=incident, unit=personas.a.patrol)
    written = uow.Written(
        {"incidents": {str(incident.pk)}, "assignments": {str(assignment.pk)}}, []
    )

    # when / then: whether any callback exists, and nothing more
    with django_assert_num_queries(1):
        assert _changed_reports(written) == set()


def test_whether_any_callback_exists_is_asked_without_compiling_a_queryset(personas, egov, dns):
    # given: a call touched by a unit of work, no callback, then one (docs/benchmarks.md,
    # "Push CPU, 2026-12-07": exists() was compiled under the sequencer lock on every write
    # to a call)
    from tests.backend.sync_gateway.test_push_cost import compiled

    incident = factories.incident(district=personas.a.district, settlement=personas.a.town)
    written = uow.Written({"incidents": {str(incident.pk)}}, [])

    # when / then: nothing compiled, and the answer follows the table
    with compiled() as tables:
        assert _changed_reports(written) == set()
    assert tables == []
    key, _client = egov
    dns["partner.kz"] = ["93.184.215.14"]
    callback_configure(partner=key.partner, url="https://partner.kz/cb")
    assert _changed_reports(written) == {incident.pk}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_writers_changing_one_report_through_different_rows_call_back_in_turn(
    personas, egov, receiver
):
    # given: a report with a unit sent, both called back
    key, client = egov
    callback_configure(partner=key.partner, url=receiver.url)
    incident = send_report(client, personas)
    assignment = factories.assignment(
        incident=incident, unit=personas.a.patrol, dispatched_at=clock.now()
    )
    with uow.unit_of_work():
        uow.touch(SyncTable.ASSIGNMENTS, assignment.pk)
    assert [b["sequence"] for b in receiver.bodies()] == [1, 2]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def write(change: Any) -> None:
        try:
            with uow.unit_of_work():
                change()
                barrier.wait()  # both changed, neither committed: both flush at once
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    def told_of_delay() -> None:  # the report's own row
        Incident.objects.filter(pk=incident.pk).update(citizen_delay_notified_at=clock.now())
        uow.touch(SyncTable.INCIDENTS, incident.pk)

    def arrived() -> None:  # its unit's row, not the report's
        Assignment.objects.filter(pk=assignment.pk).update(on_scene_at=clock.now())
        uow.touch(SyncTable.ASSIGNMENTS, assignment.pk)

    # when: each commits a change the partner sees, through a row the other does not lock
    threads = [threading.Thread(target=write, args=(c,)) for c in (told_of_delay, arrived)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    # then: neither was refused; the second to flush saw the first's body and wrote the one
    # after it, which holds both changes and is what the read answers. (The partner keeps the
    # highest sequence: each writer posts its own delivery after its commit, and the two posts
    # may reach it in either order — a loaded CI run saw 4 arrive before 3.)
    assert errors == []
    # The first writer's body is sent unless the second's was written while it still waited:
    # the later body holds the whole state, so it supersedes it (a loaded run on two workers).
    rows = list(CallbackDelivery.objects.order_by("sequence").values_list("sequence", "state"))
    assert rows[:2] == [(1, "delivered"), (2, "delivered")]
    assert rows[2] in {(3, "delivered"), (3, "superseded")}
    assert rows[3:] == [(4, "delivered")]
    last = max(receiver.bodies(), key=lambda body: body["sequence"])["data"]
    assert last == read(client)
    assert last["on_scene_at"] is not None
    assert last["citizen_delay_notified_at"] is not None
