"""Web Push to officers' phones (RFC 8030, with VAPID, RFC 8292, and message encryption,
RFC 8291 — by ``pywebpush``).

A phone in a pocket, its screen off: the browser freezes the field app within minutes, its
socket goes with it, and a new call reached the phone only when the officer opened the app
or when the escalation ladder's SMS came (docs/field-app.md). A push service (the phone
maker's: Google's, Mozilla's, Apple's) wakes the app's service worker, which puts the call
up as a notification even with the app closed.

What a push carries is only what the lock screen may show: "New call: P1 — urgent",
the category and the village. Never the address, the caller or the summary — the app
fetches those by sync when opened. A DV call is named "Call" with its priority alone.

The push service's address is one the phone's browser chose; Kuzet posts only to the push
services it knows (``KUZET_WEBPUSH_SERVICES``: the hosts and their subdomains), over https —
never to an address of its own network a forged subscription could name.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
from functools import cache
from typing import Any
from urllib.parse import SplitResult, urlsplit

from django.conf import settings

from backend.common import clock
from backend.common.errors import ValidationFailed

from .models import Device, PushSubscription

logger = logging.getLogger(__name__)

# How long a push service keeps a push for a phone it cannot reach: a call not on the phone
# within this is on the SMS ladder anyway, and an old "new call" would only mislead.
TTL_SECONDS = 15 * 60
SEND_TIMEOUT_SECONDS = 10


def _unpadded(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


# base64url as a browser writes it (padding or none). The decoder skips any other character,
# so "<key>\u0000" decoded to the key and the NUL reached the database: a 500 on PostgreSQL.
_B64URL_RE = re.compile(r"^[A-Za-z0-9_-]+={0,2}$")


def _b64_bytes(value: Any) -> bytes | None:
    if not isinstance(value, str) or not _B64URL_RE.match(value) or len(value) > 200:
        return None
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return None


@cache
def _vapid(private_key: str) -> Any:
    from py_vapid import Vapid

    return Vapid.from_raw(private_key.encode())


def webpush_public_key() -> str | None:
    """The application server key the phone subscribes with (base64url, an uncompressed P-256
    point), or None when Kuzet has no VAPID key (Web Push off)."""
    private = settings.KUZET_WEBPUSH_PRIVATE_KEY
    if not private:
        return None
    from cryptography.hazmat.primitives import serialization

    point = _vapid(private).public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return _unpadded(point)


def _known_service(host: str) -> bool:
    host = host.lower().rstrip(".")
    return any(
        host == known or host.endswith(f".{known}") for known in settings.KUZET_WEBPUSH_SERVICES
    )


def _url(endpoint: object) -> SplitResult | None:
    """The endpoint's parts, or None when it is no URL a push can be posted to: not a string
    of at most 1000 characters, not printable ASCII (a push service's URL is: U+0000 and a
    lone surrogate, which no database stores, are not), or what ``urlsplit`` refuses
    ("https://[::1", a port above 65535) — each was a 500."""
    if not isinstance(endpoint, str) or len(endpoint) > 1000:
        return None
    if not (endpoint.isascii() and endpoint.isprintable()):
        return None
    try:
        parts = urlsplit(endpoint)
        _ = parts.port  # raises for a port that is not one
    except ValueError:
        return None
    return parts


def subscription_save(*, device: Device, info: Any) -> PushSubscription:
    """Keep the phone's push subscription (``PushSubscription.toJSON()`` of its browser),
    replacing the one it had. Refused, with nothing written: Web Push off
    (``webpush_off``), not the subscription's shape, a push service Kuzet does not post to
    (``push_service_unknown``), keys that are not a P-256 point and a 16-byte secret."""
    if not settings.KUZET_WEBPUSH_PRIVATE_KEY:
        raise ValidationFailed("This server sends no Web Push.", code="webpush_off")
    if not isinstance(info, dict) or not isinstance(info.get("keys"), dict):
        raise ValidationFailed(
            'Expected {"endpoint": "https://…", "keys": {"p256dh": "…", "auth": "…"}}.',
            code="malformed",
        )
    endpoint = info.get("endpoint")
    parts = _url(endpoint)
    scheme_ok = parts is not None and (
        parts.scheme == "https" or (parts.scheme == "http" and settings.KUZET_WEBPUSH_ALLOW_HTTP)
    )
    if parts is None or not scheme_ok or not parts.hostname:
        raise ValidationFailed(
            "The endpoint must be an https URL of at most 1000 characters.", code="malformed"
        )
    if not _known_service(parts.hostname):
        raise ValidationFailed(
            f"Kuzet does not send to the push service at {parts.hostname}.",
            code="push_service_unknown",
        )
    p256dh, auth = info["keys"].get("p256dh"), info["keys"].get("auth")
    point, secret = _b64_bytes(p256dh), _b64_bytes(auth)
    if point is None or len(point) != 65 or point[0] != 4 or secret is None or len(secret) != 16:
        raise ValidationFailed(
            "keys.p256dh must be an uncompressed P-256 point and keys.auth 16 bytes, "
            "both base64url.",
            code="malformed",
        )
    subscription, _ = PushSubscription.objects.update_or_create(
        device=device,
        defaults={
            "endpoint": endpoint,
            "p256dh": p256dh,
            "auth": auth,
            "created_at": clock.now(),
        },
    )
    return subscription


def subscription_delete(*, device: Device) -> bool:
    """Forget the phone's subscription (notifications turned off); False if it had none."""
    deleted, _ = PushSubscription.objects.filter(device=device).delete()
    return bool(deleted)


def webpush_send(
    subscription: PushSubscription, message: dict[str, Any], *, topic: str | None = None
) -> str:
    """Post ``message`` (JSON, encrypted to the phone) to the subscription's push service:
    ``sent``; ``gone`` when the service says the subscription has ended (404, 410: it is
    deleted); ``failed`` otherwise (logged; the SMS ladder is the fallback, nothing retries).

    High urgency (a phone saving its battery still wakes for it), kept ``TTL_SECONDS``, and a
    ``topic`` that makes a newer push replace one still waiting for the phone."""
    from pywebpush import WebPushException, webpush

    private = settings.KUZET_WEBPUSH_PRIVATE_KEY
    if not private:
        return "failed"
    headers = {"Urgency": "high"}
    if topic:
        headers["Topic"] = topic[:32]
    try:
        webpush(
            subscription.info,
            data=json.dumps(message, ensure_ascii=False),
            vapid_private_key=_vapid(private),
            vapid_claims={"sub": settings.KUZET_WEBPUSH_SUBJECT},
            ttl=TTL_SECONDS,
            timeout=SEND_TIMEOUT_SECONDS,
            headers=headers,
        )
    except WebPushException as error:
        status = getattr(error.response, "status_code", None)
        if status in (404, 410):
            PushSubscription.objects.filter(pk=subscription.pk).delete()
            return "gone"
        logger.warning("web push to %s failed: %s", subscription.device_id, error)
        return "failed"
    except Exception as error:  # a push service unreachable: the SMS ladder is the fallback
        logger.warning("web push to %s failed: %s", subscription.device_id, error)
        return "failed"
    return "sent"
