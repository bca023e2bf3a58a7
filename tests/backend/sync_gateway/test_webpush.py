"""Web Push wakes a phone whose app the browser froze: the phone gives its subscription
(``/api/sync/v1/webpush``), and a call sent to its unit — or re-pushed by the ladder — is
posted, encrypted to the phone (RFC 8291) and signed (VAPID, RFC 8292), to its push service.

Before, a call reached a phone in a pocket only when its officer opened the app, or by the
escalation ladder's SMS minutes later. The push service here is a real HTTP server on this
machine; the test decrypts what it received with the phone's keys, as the browser does.
"""

from __future__ import annotations

import base64
import datetime as dt
import http.server
import json
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from backend.common import clock
from backend.devices.models import Device, PushSubscription
from backend.devices.services import device_revoke
from backend.dispatch.lifecycle import EventKind
from backend.dispatch.models import Category, Priority
from backend.dispatch.services import (
    assignment_record_on_behalf,
    escalation_sweep,
    incident_dispatch,
)
from backend.dispatch.services.messages import assignment_message
from backend.ledger import uow
from backend.ledger.names import Topic
from tests import factories

WEBPUSH = "/api/sync/v1/webpush"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class PushService:
    """A push service on 127.0.0.1: keeps what it is posted and answers ``status``."""

    url: str
    received: list[dict[str, Any]] = field(default_factory=list)
    status: int = 201


@pytest.fixture
def push_service(settings: Any) -> Iterator[PushService]:
    service = PushService(url="")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            service.received.append(
                {
                    "path": self.path,
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "body": body,
                }
            )
            self.send_response(service.status)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    service.url = f"http://127.0.0.1:{server.server_address[1]}"
    settings.KUZET_WEBPUSH_PRIVATE_KEY = b64(secrets.token_bytes(32))
    settings.KUZET_WEBPUSH_SERVICES = ["127.0.0.1"]
    settings.KUZET_WEBPUSH_ALLOW_HTTP = True
    yield service
    server.shutdown()


@dataclass
class Browser:
    """The phone's browser side of a subscription: its keys, and what it sends Kuzet."""

    key: ec.EllipticCurvePrivateKey
    auth: bytes
    endpoint: str

    def subscription(self) -> dict[str, Any]:
        point = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {"endpoint": self.endpoint, "keys": {"p256dh": b64(point), "auth": b64(self.auth)}}

    def read(self, body: bytes) -> dict[str, Any]:
        """Decrypt a push as the browser does (aes128gcm)."""
        plain = http_ece.decrypt(
            body, private_key=self.key, auth_secret=self.auth, version="aes128gcm"
        )
        return json.loads(plain)


def browser_of(service: PushService, name: str = "phone-1") -> Browser:
    return Browser(
        ec.generate_private_key(ec.SECP256R1()),
        secrets.token_bytes(16),
        f"{service.url}/push/{name}",
    )


def put(client: Any, token: str, body: Any) -> Any:
    return client.put(
        WEBPUSH,
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Device {token}",
    )


def get(client: Any, token: str) -> Any:
    return client.get(WEBPUSH, HTTP_AUTHORIZATION=f"Device {token}")


@dataclass
class Phone:
    browser: Browser
    device_id: str
    token: str


def subscribed_phone(
    client: Any, personas: Any, service: PushService, officer: Any = None
) -> Phone:
    officer = officer or personas.a.patrol_officers[0]
    device_id, token = personas.device(officer)
    browser = browser_of(service, device_id)
    assert put(client, token, browser.subscription()).status_code == 200
    return Phone(browser, device_id, token)


# --- the subscription ---------------------------------------------------------------------------


def test_a_phone_gets_the_key_subscribes_and_unsubscribes(client, personas, push_service):
    # given: an enrolled phone
    _device_id, token = personas.device(personas.a.patrol_officers[0])

    # when: it asks for the key
    answer = get(client, token).json()

    # then: the server's public key, a P-256 point, and not subscribed yet
    assert len(unb64(answer["public_key"])) == 65
    assert answer["subscribed"] is False

    # when: it subscribes, then turns notifications off
    browser = browser_of(push_service)
    subscribed = put(client, token, browser.subscription())
    gone = client.delete(WEBPUSH, HTTP_AUTHORIZATION=f"Device {token}")

    # then
    assert subscribed.status_code == 200
    assert subscribed.json()["subscribed"] is True
    assert gone.json()["subscribed"] is False
    assert not PushSubscription.objects.exists()


def test_a_second_subscription_replaces_the_first(client, personas, push_service):
    _device_id, token = personas.device(personas.a.patrol_officers[0])
    put(client, token, browser_of(push_service, "old").subscription())

    put(client, token, browser_of(push_service, "new").subscription())

    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [
        f"{push_service.url}/push/new"
    ]


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda s: s | {"endpoint": "https://10.0.0.5/push/1"}, "push_service_unknown"),
        (
            lambda s: s | {"endpoint": "https://fcm.googleapis.com.evil.example/x"},
            "push_service_unknown",
        ),
        (lambda s: s | {"endpoint": "ftp://127.0.0.1/x"}, "malformed"),
        (lambda s: s | {"endpoint": 7}, "malformed"),
        (lambda s: {"endpoint": s["endpoint"]}, "malformed"),
        (lambda s: s | {"keys": {"p256dh": "AAAA", "auth": s["keys"]["auth"]}}, "malformed"),
        (lambda s: s | {"keys": {"p256dh": s["keys"]["p256dh"], "auth": "!!"}}, "malformed"),
        (lambda s: [s], "malformed"),
        # Each of these was a 500: text no database stores (the NUL on PostgreSQL, the lone
        # surrogate everywhere), what urlsplit refuses, a NUL the base64 decoder skipped.
        (lambda s: s | {"endpoint": s["endpoint"] + "/\u0000"}, "malformed"),
        (lambda s: s | {"endpoint": s["endpoint"] + "/\ud800"}, "malformed"),
        (lambda s: s | {"endpoint": "https://[::1/x"}, "malformed"),
        (lambda s: s | {"endpoint": "https://127.0.0.1:99999/x"}, "malformed"),
        (
            lambda s: s | {"keys": {**s["keys"], "p256dh": s["keys"]["p256dh"] + "=\u0000"}},
            "malformed",
        ),
    ],
)
def test_a_subscription_kuzet_cannot_use_is_refused_with_its_reason(
    client, personas, push_service, change, code
):
    # given: a phone subscribed already
    phone = subscribed_phone(client, personas, push_service)

    # when: a subscription not to a push service Kuzet knows, or not one at all
    response = put(client, phone.token, change(browser_of(push_service, "other").subscription()))

    # then: refused with its code, and the subscription it had is kept
    assert response.status_code == 400
    assert response.json()["error"] == code
    assert response.json()["detail"]
    assert PushSubscription.objects.get().endpoint.endswith(f"/push/{phone.device_id}")


def test_a_subscription_naming_a_key_twice_is_refused_as_a_push_envelope_is(
    client, personas, push_service
):
    # given: a phone subscribed already, and a body with two endpoints (read as the last)
    phone = subscribed_phone(client, personas, push_service)
    mine = browser_of(push_service, "twice").subscription()
    endpoint, keys = mine["endpoint"], mine["keys"]
    body = (
        f'{{"endpoint": "{endpoint}", "endpoint": "{push_service.url}/x", '
        f'"keys": {json.dumps(keys)}}}'
    )
    keys_twice = (
        f'{{"endpoint": "{endpoint}", "keys": {{"p256dh": "{keys["p256dh"]}", '
        f'"auth": "{keys["auth"]}", "auth": "{b64(bytes(16))}"}}}}'
    )

    # when
    answers = [
        client.put(WEBPUSH, text, content_type="application/json",
                   HTTP_AUTHORIZATION=f"Device {phone.token}")
        for text in (body, keys_twice)
    ]  # fmt: skip

    # then: 400 malformed naming the key, and the subscription it had is kept
    assert [(a.status_code, a.json()["error"], a.json()["detail"]) for a in answers] == [
        (400, "malformed", "the subscription has the key 'endpoint' more than once"),
        (400, "malformed", "the subscription has the key 'keys.auth' more than once"),
    ]
    assert PushSubscription.objects.get().endpoint.endswith(f"/push/{phone.device_id}")


def test_a_subscription_names_back_the_keys_kuzet_does_not_read(client, personas, push_service):
    # given: a browser's toJSON() (expirationTime is in every one) and keys of a newer browser
    _device_id, token = personas.device(personas.a.patrol_officers[0])
    sub = browser_of(push_service).subscription()
    plain = {**sub, "expirationTime": None}
    newer = {**sub, "expirationTime": None, "contentEncodings": ["aes128gcm"],
             "keys": {**sub["keys"], "x25519": "AAAA"}}  # fmt: skip

    # when
    first = put(client, token, plain).json()
    second = put(client, token, newer).json()

    # then: both kept; the second answer says what was not read
    assert first["subscribed"] is True
    assert "ignored" not in first
    assert second["subscribed"] is True
    assert second["ignored"] == ["contentEncodings", "keys.x25519"]


def test_a_body_that_is_not_json_is_refused(client, personas, push_service):
    _device_id, token = personas.device(personas.a.patrol_officers[0])
    response = client.put(
        WEBPUSH, b"{not json", content_type="application/json", HTTP_AUTHORIZATION=f"Device {token}"
    )
    assert response.status_code == 400
    assert response.json()["error"] == "malformed"


def test_without_a_vapid_key_the_server_says_it_sends_no_push(
    client, personas, push_service, settings
):
    settings.KUZET_WEBPUSH_PRIVATE_KEY = ""
    _device_id, token = personas.device(personas.a.patrol_officers[0])

    assert get(client, token).json()["public_key"] is None
    refused = put(client, token, browser_of(push_service).subscription())
    assert (refused.status_code, refused.json()["error"]) == (400, "webpush_off")


def test_a_revoked_phone_loses_its_subscription(client, personas, push_service):
    phone = subscribed_phone(client, personas, push_service)

    device_revoke(device=Device.objects.get(pk=phone.device_id), by=personas.a.chief)

    assert not PushSubscription.objects.exists()


# --- the push -----------------------------------------------------------------------------------


def dispatch_theft(personas: Any, **incident: Any) -> Any:
    call = factories.incident(
        district=personas.a.district,
        settlement=personas.a.village,
        category=incident.pop("category", Category.THEFT),
        priority=incident.pop("priority", Priority.P2),
        **incident,
    )
    return incident_dispatch(incident=call, unit=personas.a.patrol, by=personas.duty)


def test_a_call_sent_to_the_unit_wakes_each_phone_of_its_crew_in_its_officers_language(
    client, personas, push_service, django_capture_on_commit_callbacks
):
    # given: both officers of A's patrol car subscribed, one reading Kazakh; a phone of
    # district B subscribed too
    first, second = personas.a.patrol_officers[:2]
    second.language = "kk"
    second.save(update_fields=["language"])
    phone_1 = subscribed_phone(client, personas, push_service, first).browser
    phone_2 = subscribed_phone(client, personas, push_service, second).browser
    subscribed_phone(client, personas, push_service, personas.b.patrol_officers[0])

    # when: the desk sends the patrol car to a theft in the village
    with django_capture_on_commit_callbacks(execute=True):
        assignment = dispatch_theft(personas)

    # then: one push to each of the crew's phones, none to B's, encrypted to each phone
    assert sorted(r["path"] for r in push_service.received) == sorted(
        f"/push/{d.pk}" for d in Device.objects.filter(officer__in=[first, second])
    )
    by_path = {r["path"]: r for r in push_service.received}
    device_1 = Device.objects.get(officer=first)
    device_2 = Device.objects.get(officer=second)
    ru = phone_1.read(by_path[f"/push/{device_1.pk}"]["body"])
    kk = phone_2.read(by_path[f"/push/{device_2.pk}"]["body"])
    village = personas.a.village
    assert ru == {
        "kind": "new",
        "assignment_id": str(assignment.pk),
        "title": "Новый вызов: P2 — сообщено позже, нарушение порядка",
        "body": f"Кража · {village.name}",
        "url": f"/app/#/a/{assignment.pk}",
        "tag": f"call-{assignment.pk}",
    }
    assert kk["title"].startswith("Жаңа шақыру: P2")
    assert kk["body"].endswith(village.name_kk or village.name)
    # urgent, kept 15 minutes, replacing an older push of the same call still waiting
    headers = by_path[f"/push/{device_1.pk}"]["headers"]
    assert (headers["urgency"], headers["ttl"], headers["topic"]) == (
        "high",
        "900",
        f"call-{assignment.pk}",
    )
    assert headers["content-encoding"] == "aes128gcm"


def test_the_push_is_signed_with_the_key_the_phone_subscribed_with(
    client, personas, push_service, django_capture_on_commit_callbacks
):
    phone = subscribed_phone(client, personas, push_service)
    key = get(client, phone.token).json()["public_key"]

    with django_capture_on_commit_callbacks(execute=True):
        dispatch_theft(personas)

    # VAPID: "vapid t=<JWT>, k=<the server's public key>"; the JWT names this push service
    scheme, _, params = push_service.received[0]["headers"]["authorization"].partition(" ")
    fields = dict(p.strip().split("=", 1) for p in params.split(","))
    assert scheme == "vapid"
    assert fields["k"] == key
    claims = json.loads(unb64(fields["t"].split(".")[1]))
    assert claims["aud"] == push_service.url
    assert claims["sub"].startswith("mailto:")
    from py_vapid import Vapid

    signed, _, signature = fields["t"].rpartition(".")
    assert Vapid.from_raw_public(key.encode()).verify_token(signed.encode(), signature)


def test_a_dv_call_tells_the_lock_screen_nothing_but_its_urgency(
    client, personas, push_service, django_capture_on_commit_callbacks
):
    phone = subscribed_phone(client, personas, push_service).browser

    with django_capture_on_commit_callbacks(execute=True):
        dispatch_theft(personas, category=Category.DOMESTIC_VIOLENCE, priority=Priority.P1)

    message = phone.read(push_service.received[0]["body"])
    assert message["title"] == "Новый вызов: P1 — преступление только что"
    assert message["body"] == "Откройте Kuzet"


def repush(assignment: Any) -> None:
    """The escalation ladder's re-push of an assignment not acknowledged in time."""
    with uow.unit_of_work():
        uow.notify(
            Topic.ASSIGNMENT_REPUSH,
            district_id=assignment.incident.district_id,
            assignment_id=assignment.pk,
            unit_id=assignment.unit_id,
            incident_id=assignment.incident_id,
        )


def test_the_ladders_re_push_wakes_the_phone_again_until_the_crew_answers(
    client, personas, push_service, django_capture_on_commit_callbacks
):
    # given: a call sent and pushed
    phone = subscribed_phone(client, personas, push_service).browser
    with django_capture_on_commit_callbacks(execute=True):
        assignment = dispatch_theft(personas)

    # when: the ladder re-pushes it (not acknowledged in time)
    with django_capture_on_commit_callbacks(execute=True):
        repush(assignment)

    # then: a second push, saying so
    again = phone.read(push_service.received[1]["body"])
    assert again["kind"] == "again"
    assert again["title"] == "Не принят: P2 — сообщено позже, нарушение порядка"

    # when: the crew acknowledges, and a late re-push comes
    assignment.status = "acknowledged"
    assignment.save(update_fields=["status"])
    with django_capture_on_commit_callbacks(execute=True):
        repush(assignment)

    # then: nothing more is pushed
    assert len(push_service.received) == 2


def test_a_subscription_the_push_service_says_has_ended_is_forgotten(
    client, personas, push_service, django_capture_on_commit_callbacks
):
    subscribed_phone(client, personas, push_service)
    push_service.status = 410

    with django_capture_on_commit_callbacks(execute=True):
        dispatch_theft(personas)

    assert len(push_service.received) == 1
    assert not PushSubscription.objects.exists()


def test_a_push_service_that_fails_loses_nothing_and_keeps_the_subscription(
    client, personas, push_service, django_capture_on_commit_callbacks
):
    subscribed_phone(client, personas, push_service)
    push_service.status = 500

    with django_capture_on_commit_callbacks(execute=True):
        assignment = dispatch_theft(personas)

    assert assignment.pk is not None
    assert PushSubscription.objects.count() == 1


def test_the_desks_message_wakes_the_crews_phones_with_its_words_while_they_are_on_the_call(
    client, personas, push_service, django_capture_on_commit_callbacks
):
    # given: a call the crew has acknowledged (no more "new call" pushes)
    phone = subscribed_phone(client, personas, push_service).browser
    with django_capture_on_commit_callbacks(execute=True):
        assignment = dispatch_theft(personas)
    assignment.status = "acknowledged"
    assignment.save(update_fields=["status"])

    # when: the caller rings back and the desk tells the crew
    with django_capture_on_commit_callbacks(execute=True):
        assignment_message(
            assignment=assignment, by=personas.duty, text="Он ушёл к реке, белая Нива"
        )

    # then: the phone is woken with the desk's words
    message = phone.read(push_service.received[-1]["body"])
    assert message["kind"] == "message"
    assert message["title"] == "Сообщение дежурной части: P2 — сообщено позже, нарушение порядка"
    assert message["body"] == "Он ушёл к реке, белая Нива"
    assert message["tag"] == f"call-{assignment.pk}"
    assert push_service.received[-1]["headers"]["topic"] == f"message-{assignment.pk}"
    assert len(push_service.received) == 2


def test_a_safety_check_wakes_the_silent_crews_phones_to_answer_im_ok(
    client, personas, push_service, django_capture_on_commit_callbacks
):
    # given: A-PC1 on scene at a theft (P2: checked after 30 min of silence) since 08:05,
    # heard by radio then; its officer's phone subscribed, reading Russian
    phone = subscribed_phone(client, personas, push_service).browser
    start = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
    with clock.frozen(start):
        assignment = dispatch_theft(personas, received_at=start)
    for minutes, kind in ((1, EventKind.ACK), (2, EventKind.EN_ROUTE), (5, EventKind.ON_SCENE)):
        with clock.frozen(start + dt.timedelta(minutes=minutes)):
            assignment_record_on_behalf(
                assignment=assignment, by=personas.duty, kind=kind, channel="radio"
            )

    # when: the sweep at 08:36 puts the silence before the desk
    with (
        clock.frozen(start + dt.timedelta(minutes=36)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        escalation_sweep()

    # then: the phone is woken to answer the desk, in its officer's language, once
    pushed = [phone.read(r["body"]) for r in push_service.received]
    assert pushed[-1] == {
        "kind": "safety",
        "assignment_id": str(assignment.pk),
        "title": "Дежурная часть проверяет, всё ли у вас в порядке",
        "body": "Нет вестей с места. Откройте Kuzet и ответьте «Я в порядке».",
        "url": f"/app/#/a/{assignment.pk}",
        "tag": f"call-{assignment.pk}",
    }
    assert [m["kind"] for m in pushed] == ["safety"]
    assert push_service.received[-1]["headers"]["topic"] == f"safety-{assignment.pk}"
