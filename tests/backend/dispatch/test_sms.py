"""SMS for white spots: texts, the outbox, the gateways and signed inbound replies."""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

import httpx
import pytest
from django.conf import settings
from rest_framework.test import APIClient

from backend.common import clock
from backend.dispatch import sms
from backend.dispatch.admin.timeline import incident_timeline
from backend.dispatch.models import Assignment, Event, SmsMessage
from backend.dispatch.services import incident_dispatch, sms_send_pending
from backend.dispatch.sms import reply_code_for
from backend.ledger.models import AuditEntry
from backend.people.models import UNREACHABLE, Unit
from tests import factories

from .conftest import signed_post, snapshot


def test_texts_are_transliterated_to_gsm7_and_fit_one_sms():
    # when
    text = sms.compose(
        [
            "KUZET",
            "1036-2026-000042",
            "P0",
            "Драка, есть раненый",
            "Ақтоғай, у мечети «Нұр»",
            "Подробности: " + "очень длинное описание " * 10,
        ],
        tail="Otvet: ACK 4821",
    )

    # then: cut to fit one 160-character SMS, never the reply instruction
    assert text == (
        'KUZET 1036-2026-000042 P0 Draka, est ranenyi Aqtogai, u mecheti "Nur" Podrobnosti: '
        "ochen dlinnoe opisanie ochen dlinnoe opisanie ochen dlinnoe+ Otvet: ACK 4821"
    )
    assert len(text) == 159
    assert all(ch in sms._GSM7 for ch in text)


def test_reply_codes_are_four_digits_and_stable():
    assert reply_code_for(42) == reply_code_for(42)
    assert len({reply_code_for(i) for i in range(1, 200)}) > 150
    assert all(1000 <= int(reply_code_for(i)) <= 9999 for i in range(1, 200))


def test_the_outbox_sends_each_message_once(personas, sms_outbox):
    # given: a unit without the app gets the dispatch by SMS
    incident = factories.incident(district=personas.a.district, settlement=personas.a.town)
    assignment = incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)

    # when
    first = sms_send_pending()
    second = sms_send_pending()

    # then
    assert (first, second) == (2, 0)
    assert [
        (m.phone, m.body.endswith(f"ACK {reply_code_for(assignment.pk)}")) for m in sms_outbox
    ] == [("+7701000101", True), ("+7701000102", True)]
    assert list(SmsMessage.objects.values_list("state", "attempts", "provider_id")) == [
        ("sent", 1, f"mem-{m.id}") for m in sms_outbox
    ]


def test_a_message_claimed_by_another_sender_is_not_sent_again(personas, sms_outbox):
    incident = factories.incident(district=personas.a.district, settlement=personas.a.town)
    incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)
    first = SmsMessage.objects.order_by("pk").first()
    SmsMessage.objects.filter(pk=first.pk).update(state="sending", claimed_at=clock.now())

    assert sms_send_pending() == 1
    assert [m.id for m in sms_outbox] == [first.pk + 1]


def test_a_message_stuck_in_sending_is_sent_again_after_the_timeout(personas, sms_outbox):
    incident = factories.incident(district=personas.a.district, settlement=personas.a.town)
    incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)
    SmsMessage.objects.update(
        state="sending", attempts=1, claimed_at=clock.now() - dt.timedelta(minutes=6)
    )

    assert sms_send_pending() == 2
    assert list(SmsMessage.objects.values_list("state", "attempts")) == [("sent", 2), ("sent", 2)]


class _Gateway:
    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.requests: list[httpx.Request] = []

    def post(self, url: str, **kw: object) -> httpx.Response:
        request = httpx.Request("POST", url, json=kw["json"], headers=kw["headers"])
        self.requests.append(request)
        return httpx.Response(self.status, json={"id": "gw-1"}, request=request)


def test_the_http_gateway_gets_json_a_bearer_token_and_an_idempotency_key(monkeypatch):
    gateway = _Gateway()
    monkeypatch.setattr(httpx, "post", gateway.post)

    provider_id = sms.HttpBackend(url="https://sms.example/send", token="t0k").send(
        sms.OutgoingSms(7, "+77010000000", "KUZET test")
    )

    (request,) = gateway.requests
    assert provider_id == "gw-1"
    assert request.headers["Authorization"] == "Bearer t0k"
    assert request.headers["Idempotency-Key"] == "kuzet-sms-7"
    assert json.loads(request.content) == {
        "to": "+77010000000",
        "text": "KUZET test",
        "reference": "kuzet-sms-7",
    }


def test_a_gateway_error_leaves_the_message_queued_for_the_next_run(personas, monkeypatch):
    monkeypatch.setattr(httpx, "post", _Gateway(status=503).post)
    incident = factories.incident(district=personas.a.district, settlement=personas.a.town)
    incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)

    sent = sms_send_pending(backend=sms.HttpBackend(url="https://sms.example/send", token="t"))

    assert sent == 0
    assert list(SmsMessage.objects.values_list("state", "attempts")) == [("queued", 1)] * 2
    assert SmsMessage.objects.first().error.startswith("gateway answered 503")


def test_sms_round_trip_through_the_file_backend_and_the_inbound_endpoint(
    personas, settings, tmp_path
):
    # given: dispatched to a unit without the app; the file gateway "sends" the text
    settings.KUZET_SMS_BACKEND = "backend.dispatch.sms.FileBackend"
    settings.KUZET_SMS_FILE_DIR = str(tmp_path)
    incident = factories.incident(district=personas.a.district, settlement=personas.a.town)
    assignment = incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)
    assert sms_send_pending() == 2
    files = sorted(tmp_path.glob("sms-*.json"))
    sent = json.loads(files[1].read_text())
    code = sent["body"].rsplit(" ", 1)[-1]

    # when: the second officer answers from their phone
    response = signed_post(
        APIClient(), {"id": "gw-555", "from": sent["phone"], "text": f"ack {code}"}
    )

    # then
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["reason"], body["assignment_id"]) == ("applied", "", assignment.pk)
    event = Event.objects.get(pk=body["event_id"])
    assert (event.kind, event.source, event.via, event.disposition) == (
        "ack",
        "sms",
        "sms",
        "applied",
    )
    assert event.officer == personas.a.patrol_officers[1]
    assignment.refresh_from_db()
    assert (assignment.status, assignment.acknowledged_event_id) == ("acknowledged", event.pk)
    inbound = SmsMessage.objects.get(direction="in")
    assert (inbound.state, inbound.officer, inbound.assignment) == (
        "applied",
        personas.a.patrol_officers[1],
        assignment,
    )
    assert AuditEntry.objects.filter(action="sms.inbound_applied").count() == 1


def _dispatched_by_sms(personas) -> Assignment:
    incident = factories.incident(district=personas.a.district, settlement=personas.a.town)
    return incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)


def test_a_forged_inbound_message_is_refused_and_audited(personas):
    # given
    assignment = _dispatched_by_sms(personas)
    before = snapshot()

    # when
    response = signed_post(
        APIClient(),
        {"id": "gw-1", "from": "+7701000101", "text": f"ACK {reply_code_for(assignment.pk)}"},
        secret="guessed-secret",
    )

    # then
    assert (response.status_code, response.json()["error"]) == (401, "bad_signature")
    after = snapshot()
    assert after.pop("audit") == before.pop("audit") + 1
    assert after.pop("changes") == before.pop("changes")
    assert after == before
    entry = AuditEntry.objects.latest("id")
    assert (entry.action, entry.actor_kind) == ("security.sms_inbound_forged", "anonymous")
    # a code, worded in the reader's language on display (it kept an English sentence)
    assert entry.data_dict["reason"] == "signature_mismatch"


def test_an_unsigned_inbound_message_is_refused(personas):
    response = APIClient().post(
        "/api/v1/sms/inbound/", {"id": "x", "from": "1", "text": "ACK"}, format="json"
    )
    assert (response.status_code, response.json()["error"]) == (401, "bad_signature")


def test_a_replayed_inbound_message_is_refused_and_audited(personas):
    # given
    assignment = _dispatched_by_sms(personas)
    message = {"id": "gw-9", "from": "+7701000101", "text": f"ACK {reply_code_for(assignment.pk)}"}
    assert signed_post(APIClient(), message).status_code == 200
    before = SmsMessage.objects.filter(direction="in").count()

    # when: the same message again (fresh signature), and an old signature
    again = signed_post(APIClient(), message)
    stale = signed_post(APIClient(), {**message, "id": "gw-10"}, timestamp=int(time.time()) - 600)

    # then
    assert [(r.status_code, r.json()["error"]) for r in (again, stale)] == [
        (401, "replayed"),
        (401, "replayed"),
    ]
    assert SmsMessage.objects.filter(direction="in").count() == before
    refused = AuditEntry.objects.filter(action="security.sms_inbound_replayed").order_by("id")
    assert [e.data_dict["reason"] for e in refused] == ["message_seen", "stale_timestamp"]
    assert Event.objects.filter(source="sms").count() == 1


@pytest.mark.parametrize(
    ("sender", "text", "reason"),
    [
        ("+7701000101", "когда приедете?", "unknown_command"),
        ("+77779999999", "ACK 1234", "unknown_sender"),
        ("+7701000101", "ACK 0000", "unknown_code"),
    ],
)
def test_a_reply_that_matches_no_assignment_is_kept_and_rejected(personas, sender, text, reason):
    _dispatched_by_sms(personas)

    response = signed_post(APIClient(), {"id": "gw-x", "from": sender, "text": text})

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["reason"]) == ("rejected", reason)
    assert list(SmsMessage.objects.filter(direction="in").values_list("state", "error")) == [
        ("rejected", reason)
    ]
    assert Event.objects.filter(source="sms").count() == 0


def test_a_reply_holding_a_nul_is_kept_with_it_escaped_not_a_500(personas):
    # given: a reply whose text holds U+0000 (valid JSON; PostgreSQL refuses it in text)
    _dispatched_by_sms(personas)

    # when
    response = signed_post(APIClient(), {"id": "gw-nul\u0000", "from": "+7701000101",
                                         "text": "когда\u0000 приедете?"})  # fmt: skip

    # then: answered as any reply that matches nothing, and kept as sent, the NUL escaped
    assert response.status_code == 200
    assert response.json()["reason"] == "unknown_command"
    kept = SmsMessage.objects.get(direction="in")
    assert (kept.provider_id, kept.body) == ("gw-nul\\u0000", "когда\\u0000 приедете?")


def test_a_rejected_reply_is_audited_with_the_senders_last_four_digits_only(personas):
    # given: a stranger who got the number wrong texts the gateway
    _dispatched_by_sms(personas)
    stranger = "+77779991234"

    # when
    response = signed_post(APIClient(), {"id": "gw-y", "from": stranger, "text": "ACK 1234"})

    # then: the audit entry (append-only: never erased) names the SMS row, which keeps the
    # whole number, and the number's last four digits only
    assert response.json()["reason"] == "unknown_sender"
    message = SmsMessage.objects.get(direction="in")
    entry = AuditEntry.objects.get(action="sms.inbound_rejected")
    assert (entry.object_type, entry.object_id, message.phone) == ("sms", str(message.pk), stranger)
    assert entry.data_dict == {"reason": "unknown_sender", "phone": "…1234"}


def test_a_reply_by_sms_is_contact_with_the_crew(personas, sms_outbox):
    # given: a crew in an SMS-only white spot, its phone's app silent for an hour
    assignment = _dispatched_by_sms(personas)
    sms_send_pending()
    officer = personas.a.patrol_officers[0]
    an_hour_ago = clock.now() - dt.timedelta(hours=1)
    Unit.objects.filter(pk=personas.a.patrol.pk).update(
        last_contact_at=an_hour_ago, last_contact_via="pull"
    )
    assert Unit.objects.get(pk=personas.a.patrol.pk).presence() == UNREACHABLE

    # when: the officer answers the dispatch by SMS
    response = signed_post(
        APIClient(),
        {"id": "gw-contact", "from": officer.phone, "text": f"ACK {reply_code_for(assignment.pk)}"},
    )

    # then: the crew was heard from, by SMS, when the gateway received it
    assert response.json()["status"] == "applied"
    unit = Unit.objects.get(pk=personas.a.patrol.pk)
    assert (unit.last_contact_via, unit.presence()) == ("sms", unit.status)
    assert unit.status != UNREACHABLE
    assert unit.last_contact_at > an_hour_ago


def test_a_reply_with_a_wrong_code_is_no_contact(personas, sms_outbox):
    _dispatched_by_sms(personas)
    officer = personas.a.patrol_officers[0]
    an_hour_ago = clock.now() - dt.timedelta(hours=1)
    Unit.objects.filter(pk=personas.a.patrol.pk).update(
        last_contact_at=an_hour_ago, last_contact_via="pull"
    )

    response = signed_post(
        APIClient(), {"id": "gw-wrong", "from": officer.phone, "text": "ACK 0000"}
    )

    assert response.json()["status"] == "rejected"
    unit = Unit.objects.get(pk=personas.a.patrol.pk)
    assert (unit.last_contact_at, unit.last_contact_via) == (an_hour_ago, "pull")


@pytest.mark.django_db
def test_a_call_acknowledged_by_sms_says_on_its_timeline_why_and_by_whom(personas, sms_outbox):
    # given: the crew answered its dispatch by SMS
    assignment = _dispatched_by_sms(personas)
    sms_send_pending()
    officer = personas.a.patrol_officers[0]
    reply = {"id": "gw-w", "from": officer.phone, "text": f"ACK {reply_code_for(assignment.pk)}"}
    assert signed_post(APIClient(), reply).json()["status"] == "applied"

    # when: the call's page reads its timeline
    rows = {r.title: r.detail for r in incident_timeline(assignment.incident) if r.kind == "audit"}

    # then: the reply's outcome in words (it read "Reason: —") and the officer the fact was
    # recorded for by name (it read "Officer: 2"), as the audit log reads them
    assert "Reason: The call is acknowledged." in rows["SMS reply applied"]
    assert f"Officer: {officer.display_name}" in rows["Recorded from an SMS"]
    assert f"Officer: {officer.pk};" not in rows["Recorded from an SMS"]


def _signed_text(text: str) -> Any:
    """The gateway's callback as these bytes, signed (a body orjson.dumps cannot write)."""
    raw = text.encode()
    signature = sms.sign(raw, secret=settings.KUZET_SMS_INBOUND_SECRET)
    return APIClient().post(
        "/api/v1/sms/inbound/",
        data=raw,
        content_type="application/json",
        HTTP_X_KUZET_SIGNATURE=signature,
    )


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        pytest.param(
            '{{"id": "gw-2", "from": "+7701000101", "text": "когда?", "text": "ACK {code}"}}',
            "The body has the key 'text' more than once.",
            id="text-twice",
        ),
        pytest.param(
            '{{"id": "gw-2", "id": "gw-3", "from": "+7701000101", "text": "ACK {code}"}}',
            "The body has the key 'id' more than once.",
            id="id-twice",
        ),
        pytest.param(
            '{{"id": "gw-2", "from": "+7701009", "from": "+7701000101", "text": "ACK {code}"}}',
            "The body has the key 'from' more than once.",
            id="from-twice",
        ),
    ],
)
def test_an_inbound_message_naming_a_key_twice_is_refused_as_a_phones_body_is(
    personas, text, detail
):
    # given: a callback whose repeated key was read as its last value, the other dropped
    # without a word (a stranger's number replaced by the officer's acknowledged the call)
    assignment = _dispatched_by_sms(personas)
    before = snapshot()

    # when
    response = _signed_text(text.format(code=reply_code_for(assignment.pk)))

    # then: 400 malformed, as an enrolment's or the socket's; nothing stored or acknowledged
    assert response.status_code == 400
    assert (response.json()["error"], response.json()["detail"]) == ("malformed", detail)
    assert snapshot() == before
    assert not SmsMessage.objects.filter(direction="in").exists()
    # and the message sent once is read (the gateway's id was not used up)
    once = signed_post(
        APIClient(),
        {"id": "gw-2", "from": "+7701000101", "text": f"ACK {reply_code_for(assignment.pk)}"},
    )
    assert (once.status_code, once.json()["status"]) == (200, "applied")


def test_a_reply_holding_a_lone_surrogate_is_kept_with_it_escaped_not_refused(personas):
    # given: valid JSON orjson refused ("The body is not JSON.", which the gateway resent)
    _dispatched_by_sms(personas)

    # when
    response = _signed_text('{"id": "gw-s", "from": "+7701000101", "text": "когда \\ud800?"}')

    # then: answered as any reply that matches nothing, and kept with the escape
    assert response.status_code == 200
    assert response.json()["reason"] == "unknown_command"
    assert SmsMessage.objects.get(direction="in").body == "когда \\ud800?"
