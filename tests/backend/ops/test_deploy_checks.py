"""``check --deploy`` names what would make a deployment fail its users without an error:
SMS kept on the machine, /metrics open to anyone, the gateway's replies unverifiable (an
operator's production-like run passed ``check --deploy`` with all three), no Web Push key or
one that cannot sign (a frozen phone's calls then wait for the SMS ladder)."""

from __future__ import annotations

import secrets

import pytest
from django.core import checks

WEBPUSH_KEY = secrets.token_urlsafe(32)


@pytest.fixture(autouse=True)
def webpush_key(settings):
    """A deployment with its VAPID key, unless a test takes it away."""
    settings.KUZET_WEBPUSH_PRIVATE_KEY = WEBPUSH_KEY


def kuzet_warnings() -> list[str]:
    found = checks.run_checks(include_deployment_checks=True, tags=[checks.Tags.security])
    return sorted(m.id for m in found if m.id and m.id.startswith("kuzet."))


def test_a_deployment_that_keeps_its_sms_and_opens_its_metrics_is_warned(settings):
    settings.KUZET_SMS_BACKEND = "backend.dispatch.sms.FileBackend"
    settings.KUZET_METRICS_TOKEN = ""
    settings.KUZET_SMS_INBOUND_SECRET = ""

    assert kuzet_warnings() == ["kuzet.W001", "kuzet.W003", "kuzet.W004"]


def test_a_gateway_without_its_address_is_warned(settings):
    settings.KUZET_SMS_BACKEND = "backend.dispatch.sms.HttpBackend"
    settings.KUZET_SMS_GATEWAY_URL = ""
    settings.KUZET_METRICS_TOKEN = "m" * 32
    settings.KUZET_SMS_INBOUND_SECRET = "s" * 32

    assert kuzet_warnings() == ["kuzet.W002"]


def test_a_deployment_set_up_as_the_docs_say_passes(settings):
    settings.KUZET_SMS_BACKEND = "backend.dispatch.sms.HttpBackend"
    settings.KUZET_SMS_GATEWAY_URL = "https://sms-gateway.example.kz/send"
    settings.KUZET_METRICS_TOKEN = "m" * 32
    settings.KUZET_SMS_INBOUND_SECRET = "s" * 32

    assert kuzet_warnings() == []


def production(settings) -> None:
    settings.KUZET_SMS_BACKEND = "backend.dispatch.sms.HttpBackend"
    settings.KUZET_SMS_GATEWAY_URL = "https://sms-gateway.example.kz/send"
    settings.KUZET_METRICS_TOKEN = "m" * 32
    settings.KUZET_SMS_INBOUND_SECRET = "s" * 32


def test_a_deployment_without_a_web_push_key_is_warned(settings):
    production(settings)
    settings.KUZET_WEBPUSH_PRIVATE_KEY = ""

    found = checks.run_checks(include_deployment_checks=True, tags=[checks.Tags.security])

    assert kuzet_warnings() == ["kuzet.W006"]
    warning = next(m for m in found if m.id == "kuzet.W006")
    assert "SMS" in warning.msg
    assert "vapid --gen" in (warning.hint or "")


@pytest.mark.parametrize("key", ["not-a-key", "AAAA", "-----BEGIN PRIVATE KEY-----"])
def test_a_web_push_key_that_cannot_sign_is_warned(settings, key):
    production(settings)
    settings.KUZET_WEBPUSH_PRIVATE_KEY = key

    assert kuzet_warnings() == ["kuzet.W007"]


def test_a_supervisor_on_the_loopback_reaches_health_over_plain_http(client, settings, db):
    # given: production's redirect of plain HTTP to https
    settings.SECURE_SSL_REDIRECT = True

    # when: a process supervisor asks the app directly, with no proxy header
    health = client.get("/healthz")
    console = client.get("/admin/login/")

    # then: health answers; a person's page still goes to https
    assert (health.status_code, health.json()["ok"]) == (200, True)
    assert console.status_code == 301
    assert console["Location"].startswith("https://")


def test_a_log_line_carries_its_offset():
    import logging
    import re

    from django.conf import settings

    plain = settings.LOGGING["formatters"]["plain"]
    formatter = logging.Formatter(plain["format"], plain["datefmt"])
    record = logging.LogRecord("kuzet", logging.INFO, __file__, 1, "started", None, None)

    assert re.match(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d[+-]\d{4} INFO kuzet started$", formatter.format(record)
    )


def test_a_scrape_during_a_database_outage_waits_once_and_says_so(monkeypatch):
    from django.db import OperationalError

    from backend.ops import metrics

    # given: the database does not answer (each read would wait the pool's timeout)
    tried: list[str] = []

    def down(name: str):
        def read() -> float:
            tried.append(name)
            raise OperationalError("couldn't get a connection after 10.00 sec")

        return read

    gauges = {name: (doc, down(name)) for name, (doc, _read) in metrics._SCRAPE_GAUGES.items()}
    assert len(gauges) >= 4
    monkeypatch.setattr(metrics, "_SCRAPE_GAUGES", gauges)

    # when
    text = metrics.exposition().decode()

    # then: one gauge tried, the outage named, the process metrics still there
    assert len(tried) == 1
    assert "kuzet_database_up 0.0" in text
    assert "kuzet_sms_outbox_backlog " not in text
    assert "process_" in text or "python_info" in text
