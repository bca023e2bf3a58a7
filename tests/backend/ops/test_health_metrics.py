"""/healthz, /readyz and /metrics in-process; the real processes are in tests/e2e/ops/."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from backend.common import clock
from backend.dispatch.models import SmsMessage
from backend.dispatch.tasks import escalation_sweep
from backend.ops import views
from backend.ops.heartbeat import ESCALATION_SWEEP, heartbeat_record
from backend.ops.models import Heartbeat


@pytest.fixture
def worker_answers(monkeypatch):
    # No Celery worker runs in unit tests; the real ping is held by the e2e test.
    monkeypatch.setattr(views, "check_worker", lambda: {"ok": True, "detail": "stub worker"})


def test_healthz_answers_without_the_database(client):
    # when
    response = client.get("/healthz")

    # then
    assert response.status_code == 200
    assert response.json()["ok"] is True


def test_readyz_fails_until_the_escalation_sweep_has_run(db, worker_answers):
    # when
    response = Client().get("/readyz")

    # then
    assert response.status_code == 503
    body = response.json()
    assert body["ok"] is False
    assert body["checks"]["escalation_sweep"]["ok"] is False
    assert body["checks"]["escalation_sweep"]["detail"] == "the escalation sweep has never run"
    assert {n: c["ok"] for n, c in body["checks"].items() if n != "escalation_sweep"} == {
        "database": True,
        "migrations": True,
        "redis": True,
        "worker": True,
    }


def test_readyz_passes_after_a_sweep_and_fails_three_intervals_later(db, worker_answers, settings):
    # given
    settings.KUZET_ESCALATION_SWEEP_SECONDS = 10
    escalation_sweep.delay()

    # when
    fresh = Client().get("/readyz")
    Heartbeat.objects.filter(name=ESCALATION_SWEEP).update(
        at=clock.now() - dt.timedelta(seconds=31)
    )
    stale = Client().get("/readyz")

    # then
    assert fresh.status_code == 200, fresh.json()
    assert fresh.json()["checks"]["escalation_sweep"]["ok"] is True
    assert stale.status_code == 503
    assert re.fullmatch(
        r"the escalation sweep last ran 3[12] s ago \(alarm after 30 s\)",
        stale.json()["checks"]["escalation_sweep"]["detail"],
    )


def test_a_failing_check_is_a_failed_check_not_an_error(db, monkeypatch):
    # given
    def broken():
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(views, "check_worker", broken)
    heartbeat_record(ESCALATION_SWEEP)

    # when
    response = Client().get("/readyz")

    # then
    assert response.status_code == 503
    assert response.json()["checks"]["worker"]["ok"] is False
    assert response.json()["checks"]["worker"]["detail"] == "ConnectionError: broker unreachable"


def test_the_board_shows_the_dead_man_alarm(personas, settings):
    # given
    client = Client()
    client.force_login(personas.duty)

    # when: the sweep never ran
    page = client.get("/board/")
    alarms = client.get("/board/alarms/").json()["alarms"]

    # then: in the duty officer's language (Russian unless told otherwise)
    assert (
        "Эскалация не работает: проверка эскалации ещё ни разу не запускалась."
        in page.content.decode()
    )
    assert [a["kind"] for a in alarms] == ["escalation_stopped"]

    # when: it ran
    heartbeat_record(ESCALATION_SWEEP)

    # then
    assert client.get("/board/alarms/").json()["alarms"] == []
    assert "Escalation is not running" not in client.get("/board/").content.decode()


def metric(text: str, name: str) -> float:
    match = re.search(rf"^{re.escape(name)} ([0-9.e+-]+)$", text, re.MULTILINE)
    assert match, f"{name} not exposed"
    return float(match.group(1))


def test_metrics_expose_what_operators_watch(personas, client):
    # given
    SmsMessage.objects.create(
        direction=SmsMessage.Direction.OUT,
        phone="+77010001001",
        body="x",
        state=SmsMessage.State.QUEUED,
        created_at=clock.now(),
    )
    escalation_sweep.delay()
    client.get("/healthz")

    # when
    text = client.get("/metrics").content.decode()

    # then
    assert metric(text, "kuzet_sms_outbox_backlog") == 0  # the sweep drained the outbox
    assert metric(text, "kuzet_quarantine_unreviewed") == 0
    assert metric(text, "kuzet_escalation_overdue_seconds") == 0
    assert 0 <= metric(text, "kuzet_escalation_sweep_age_seconds") < 5
    assert metric(text, "kuzet_escalation_sweep_duration_seconds_count") >= 1
    assert (
        'kuzet_http_request_duration_seconds_count{method="GET",status="2xx",view="health"}' in text
    )
    for name in (
        "kuzet_sync_requests_total",
        "kuzet_sync_records_total",
        "kuzet_websocket_connections",
        "kuzet_escalation_lateness_seconds",
    ):
        assert f"# TYPE {name.removesuffix('_total')}" in text


def test_metrics_want_the_token_when_one_is_set(db, client, settings):
    # given
    settings.KUZET_METRICS_TOKEN = "metrics-secret"

    # when
    refused = client.get("/metrics")
    allowed = client.get("/metrics", HTTP_AUTHORIZATION="Bearer metrics-secret")

    # then
    assert refused.status_code == 401
    assert refused.json()["error"] == "unauthenticated"
    assert allowed.status_code == 200


def sample(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    match = re.search(rf"^{re.escape(name)}\{{{re.escape(wanted)}\}} ([0-9.e+-]+)$", text, re.M)
    return float(match.group(1)) if match else 0.0


def test_pulls_and_their_records_are_counted_by_result(personas, client):
    # given
    _device_id, token = personas.device(personas.a.patrol_officers[0])
    before = client.get("/metrics").content.decode()

    # when: a first pull (a snapshot) and a request with a bad token
    pulled = client.get(
        "/api/sync/v1/pull",
        {"last_pulled_at": "null", "schema_version": 1},
        HTTP_AUTHORIZATION=f"Device {token}",
    )
    refused = client.get(
        "/api/sync/v1/pull", {"schema_version": 1}, HTTP_AUTHORIZATION="Device nonsense"
    )
    after = client.get("/metrics").content.decode()

    # then
    assert (pulled.status_code, refused.status_code) == (200, 401)
    requests = "kuzet_sync_requests_total"
    assert (
        sample(after, requests, endpoint="pull", result="ok")
        - sample(before, requests, endpoint="pull", result="ok")
        == 1
    )
    assert (
        sample(after, requests, endpoint="pull", result="unauthenticated")
        - sample(before, requests, endpoint="pull", result="unauthenticated")
        == 1
    )
    records = "kuzet_sync_records_total"
    served = sum(len(t["updated"]) for t in pulled.json()["changes"].values())
    assert served > 0
    assert (
        sample(after, records, direction="pull", result="snapshot")
        - sample(before, records, direction="pull", result="snapshot")
        == served
    )
