"""``/healthz`` (the process answers), ``/readyz`` (it can do its job), ``/metrics``.

``/readyz`` checks what a dispatch depends on, each with a short timeout, and answers 200
only when every check passes (503 otherwise), with the detail as JSON:

* ``database`` — a ``SELECT 1``;
* ``migrations`` — none unapplied (remembered once true: migrations are not unapplied);
* ``redis`` — ``PING`` (when ``REDIS_URL`` is set; the embedded default has none);
* ``worker`` — a Celery worker answers a control ping;
* ``escalation_sweep`` — the sweep finished within three intervals (the dead-man alarm).

The load balancer asks ``/healthz``; monitoring asks ``/readyz`` and alerts on it.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import kombu.exceptions
import redis
from celery import current_app
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache

from backend.common import clock

from .heartbeat import sweep_state
from .metrics import exposition

Check = dict[str, Any]
_migrations_seen_applied = False


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True, "server_time": clock.now_ms()})


def _failed(exc: BaseException) -> Check:
    # The class and message only: never a URL with a password in it.
    text = str(exc).split("\n")[0][:200]
    return {"ok": False, "detail": f"{type(exc).__name__}: {text}"}


def check_database() -> Check:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True, "detail": connection.vendor}


def check_migrations() -> Check:
    global _migrations_seen_applied
    if not _migrations_seen_applied:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if plan:
            names = [f"{m.app_label}.{m.name}" for m, _backwards in plan[:5]]
            return {"ok": False, "detail": f"{len(plan)} unapplied: {', '.join(names)}"}
        _migrations_seen_applied = True
    return {"ok": True, "detail": "all applied"}


def check_redis() -> Check:
    if not settings.REDIS_URL:
        return {"ok": True, "detail": "not configured (embedded default)"}
    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1, retry_on_timeout=False
    )
    try:
        client.ping()
    finally:
        client.close()
    return {"ok": True, "detail": "PONG"}


def check_worker() -> Check:
    timeout = settings.KUZET_READY_WORKER_TIMEOUT_S
    try:
        replies = current_app.control.ping(timeout=timeout, limit=1)
    except (redis.ConnectionError, OSError, kombu.exceptions.OperationalError):
        # A Redis restart closes the broker connection this process keeps in its pool; the
        # first ping after it meets the closed one ("Connection closed by server.") and
        # drops it. Ask once more on a fresh connection: a broker still down fails again.
        replies = current_app.control.ping(timeout=timeout, limit=1)
    if not replies:
        detail = f"no Celery worker answered within {settings.KUZET_READY_WORKER_TIMEOUT_S} s"
        if settings.REDIS_URL:
            # Workers that run but listen on another Redis database answer nobody here: name
            # the one this process asks (never its password) so it can be compared.
            detail += f" on {_broker_where(settings.REDIS_URL)} (workers must have this REDIS_URL)"
        return {"ok": False, "detail": detail}
    return {"ok": True, "detail": f"{next(iter(replies[0]))} answered"}


def _broker_where(url: str) -> str:
    """``redis://:pw@host:6379/6`` → ``redis://host:6379/6``: where, without credentials."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    where = f"{host}:{parts.port}" if parts.port else host
    return f"{parts.scheme}://{where}{parts.path or '/0'}"


def check_escalation_sweep() -> Check:
    state = sweep_state()
    check: Check = {"ok": not state.overdue, "detail": state.describe()}
    if state.last_at is not None:
        check["last_at"] = state.last_at.isoformat()
    return check


def readiness() -> dict[str, Check]:
    """Every check, in order; a check that raises is a failed check."""
    checks: dict[str, Check] = {}
    steps: list[tuple[str, Callable[[], Check]]] = [
        ("database", check_database),
        ("migrations", check_migrations),
        ("redis", check_redis),
        ("worker", check_worker),
        ("escalation_sweep", check_escalation_sweep),
    ]
    for name, check in steps:
        if name == "worker" and settings.REDIS_URL and not checks["redis"]["ok"]:
            # The broker is that Redis: a ping would wait out the broker's retries.
            checks[name] = {"ok": False, "detail": "not checked: the broker (Redis) is down"}
            continue
        if name in {"migrations", "escalation_sweep"} and not checks["database"]["ok"]:
            checks[name] = {"ok": False, "detail": "not checked: the database is down"}
            continue
        started = time.perf_counter()
        try:
            checks[name] = check()
        except Exception as exc:
            checks[name] = _failed(exc)
        checks[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return checks


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    checks = readiness()
    ok = all(c["ok"] for c in checks.values())
    return JsonResponse(
        {"ok": ok, "checks": checks, "server_time": clock.now_ms()}, status=200 if ok else 503
    )


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    token = settings.KUZET_METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), token.encode()):
            return JsonResponse(
                {"error": "unauthenticated", "detail": "Authorization: Bearer <metrics token>."},
                status=401,
            )
    return HttpResponse(exposition(), content_type="text/plain; version=0.0.4; charset=utf-8")
