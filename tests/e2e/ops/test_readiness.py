"""/readyz and /metrics of real processes: gunicorn, a Celery worker and beat, a private Redis.

Everything runs on the test database and on a ``redis-server`` of this test alone (stopping
it disturbs nobody). The sweep interval is one second, so the dead-man alarm fires after
three.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import httpx
import pytest

from tests.e2e.escalation.conftest import (  # noqa: F401  (fixtures)
    SWEEP_SECONDS,
    Celery,
    celery,
    private_redis,
    wait_for,
)
from tests.e2e.processes import free_port, http_server, server_env

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def ready(host: str) -> httpx.Response:
    return httpx.get(f"http://{host}/readyz", timeout=15)


def test_readyz_follows_redis_and_beat_and_metrics_add_up_processes(
    celery: Celery,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
):
    # given: a worker and beat, and gunicorn, all writing metrics to one directory
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    with monkeypatch.context() as patch:
        patch.setenv("PROMETHEUS_MULTIPROC_DIR", str(metrics_dir))  # Celery.env() copies it
        celery.worker("w1")
        beat = celery.beat()
    port = free_port()
    env = server_env(
        database=celery.db_url,
        var_dir=tmp_path,
        REDIS_URL=celery.redis.url,
        KUZET_ESCALATION_SWEEP_SECONDS=str(SWEEP_SECONDS),
        KUZET_DB_POOL="0",
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
    )
    args = [sys.executable, "-m", "gunicorn", "backend.config.wsgi:application",
            "-c", "python:backend.config.gunicorn",
            "--bind", f"127.0.0.1:{port}", "--workers", "2"]  # fmt: skip
    with http_server(args, port=port, env=env, name="gunicorn") as host:
        # when: everything runs
        wait_for(lambda: ready(host).status_code == 200, timeout=90, what="/readyz 200", every=0.5)
        body = ready(host).json()

        # then
        assert body["ok"] is True
        assert body["checks"]["worker"]["detail"].endswith("answered")
        assert body["checks"]["redis"]["detail"] == "PONG"
        text = httpx.get(f"http://{host}/metrics", timeout=15).text
        swept = re.search(r"^kuzet_escalation_sweep_duration_seconds_count ([0-9.]+)$", text, re.M)
        assert swept is not None
        assert float(swept.group(1)) >= 1  # observed in the worker, served by gunicorn
        assert 'view="ready"' in text

        # when: beat dies
        beat.kill()
        failed = wait_for(
            lambda: (r := ready(host)).status_code == 503 and r.json(),
            timeout=30,
            what="/readyz 503 after beat stopped",
            every=0.5,
        )

        # then
        assert failed["checks"]["escalation_sweep"]["ok"] is False
        assert "alarm after 3 s" in failed["checks"]["escalation_sweep"]["detail"]
        assert failed["checks"]["redis"]["ok"] is True

        # when: beat is back, then Redis stops
        celery.beat("beat2")
        wait_for(lambda: ready(host).status_code == 200, timeout=60, what="/readyz 200 again")
        celery.redis.stop()
        down = wait_for(
            lambda: (r := ready(host)).status_code == 503 and r.json(),
            timeout=30,
            what="/readyz 503 after Redis stopped",
        )

        # then
        assert down["checks"]["redis"]["ok"] is False
        assert down["checks"]["redis"]["detail"].startswith("ConnectionError")
        assert down["checks"]["worker"] == {
            "ok": False,
            "detail": "not checked: the broker (Redis) is down",
        }
        assert down["checks"]["database"]["ok"] is True
