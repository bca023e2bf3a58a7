"""``manage.py check --deploy``: what Django's own checks do not know — a deployment whose
SMS never leave, whose metrics are open, or which cannot verify the gateway's replies.
Each passes ``check --deploy`` with no word unless it is caught here (an operator's run)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register

# Backends that keep the texts on this machine: right for the demo and the tests only.
LOCAL_SMS_BACKENDS = ("backend.dispatch.sms.FileBackend", "backend.dispatch.sms.MemoryBackend")


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
    if not settings.KUZET_SMS_INBOUND_SECRET:
        found.append(
            Warning(
                "KUZET_SMS_INBOUND_SECRET is not set: officers' SMS replies cannot be "
                "verified and are refused.",
                hint="Set it to the secret the SMS gateway signs its callbacks with.",
                id="kuzet.W004",
            )
        )
    return found
