"""``manage.py check --deploy``: what Django's own checks do not know — a deployment whose
SMS never leave, whose metrics are open, or which cannot verify the gateway's replies, or
verifies them with a secret anyone could know, or which cannot wake a phone by Web Push.
Each passes ``check --deploy`` with no word unless it is caught here (an operator's run)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register

# Backends that keep the texts on this machine: right for the demo and the tests only.
LOCAL_SMS_BACKENDS = ("backend.dispatch.sms.FileBackend", "backend.dispatch.sms.MemoryBackend")
# The demo's SMS gateway secret of old, a constant published in the Makefile: whoever knows it
# signs officers' replies and may try their reply codes.
PUBLISHED_SMS_SECRETS = frozenset({"kuzet-demo-sms-gateway-secret"})
# secrets.token_urlsafe(32), as docs/deployment.md makes it, is 43 characters; a secret much
# shorter than 32 was typed by hand.
SMS_SECRET_MIN_LENGTH = 32


@register(Tags.security, deploy=True)
def deployment_checks(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    found: list[Warning] = []
    backend = settings.KUZET_SMS_BACKEND
    if backend in LOCAL_SMS_BACKENDS:
        found.append(
            Warning(
                f"KUZET_SMS_BACKEND is {backend}: SMS are kept on this machine and counted "
                "as sent, so assignments never reach a phone without data and no alert fires.",
                hint="Set KUZET_SMS_BACKEND=backend.dispatch.sms.HttpBackend with "
                "KUZET_SMS_GATEWAY_URL and KUZET_SMS_GATEWAY_TOKEN (docs/deployment.md).",
                id="kuzet.W001",
            )
        )
    elif backend == "backend.dispatch.sms.HttpBackend" and not settings.KUZET_SMS_GATEWAY_URL:
        found.append(
            Warning(
                "KUZET_SMS_GATEWAY_URL is not set: every SMS fails and waits in the outbox.",
                hint="Set KUZET_SMS_GATEWAY_URL (and KUZET_SMS_GATEWAY_TOKEN).",
                id="kuzet.W002",
            )
        )
    if not settings.KUZET_METRICS_TOKEN:
        found.append(
            Warning(
                "KUZET_METRICS_TOKEN is not set: /metrics answers anyone who reaches it.",
                hint="Set KUZET_METRICS_TOKEN and give it to Prometheus as a bearer token.",
                id="kuzet.W003",
            )
        )
    secret = settings.KUZET_SMS_INBOUND_SECRET
    if not secret:
        found.append(
            Warning(
                "KUZET_SMS_INBOUND_SECRET is not set: officers' SMS replies cannot be "
                "verified and are refused.",
                hint="Set it to the secret the SMS gateway signs its callbacks with.",
                id="kuzet.W004",
            )
        )
    elif secret in PUBLISHED_SMS_SECRETS or len(secret) < SMS_SECRET_MIN_LENGTH:
        why = (
            "is the demo's published value"
            if secret in PUBLISHED_SMS_SECRETS
            else f"is {len(secret)} characters long (fewer than {SMS_SECRET_MIN_LENGTH})"
        )
        found.append(
            Warning(
                f"KUZET_SMS_INBOUND_SECRET {why}: whoever knows or guesses it can sign SMS "
                "replies in an officer's name and try the reply codes.",
                hint="Make one with python3 -c 'import secrets; print(secrets.token_urlsafe(32))' "
                "and give the SMS gateway the same value (docs/deployment.md, Secrets).",
                id="kuzet.W005",
            )
        )
    found.extend(_webpush_checks())
    return found


def _webpush_checks() -> list[Warning]:
    key = settings.KUZET_WEBPUSH_PRIVATE_KEY
    if not key:
        return [
            Warning(
                "KUZET_WEBPUSH_PRIVATE_KEY is not set: a phone whose browser froze the field "
                "app gets a new call only when it is opened, or by the escalation ladder's SMS.",
                hint="Make one with .venv/bin/vapid --gen (or 32 random bytes, base64url) and "
                "keep it: a new key ends every phone's subscription (docs/deployment.md).",
                id="kuzet.W006",
            )
        ]
    from py_vapid import Vapid

    try:
        Vapid.from_raw(key.encode())
    except Exception:
        return [
            Warning(
                "KUZET_WEBPUSH_PRIVATE_KEY is not a raw P-256 private key in base64url: "
                "no Web Push can be signed, and no phone can subscribe.",
                hint="Use the private key of .venv/bin/vapid --gen as base64url of its 32 raw "
                "bytes (docs/deployment.md).",
                id="kuzet.W007",
            )
        ]
    return []
