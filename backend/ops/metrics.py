"""Prometheus metrics (prometheus-client), and the middleware that times every request.

Kuzet runs as several processes (gunicorn workers, uvicorn, Celery workers). With
``PROMETHEUS_MULTIPROC_DIR`` set — to an empty directory, the same for every process of the
host, before they start — each process writes its samples there and ``/metrics`` adds them
up (prometheus-client's multiprocess mode); gunicorn marks dead workers through
``backend/config/gunicorn.py``. Without it (tests, a single process) each process has its own.

Two kinds of metric:

* events, counted where they happen: request latency by view, sync pulls and pushes and their
  records by result, WebSocket connections, escalation sweep duration and lateness;
* state, read from the database when Prometheus scrapes (:func:`scrape_gauge`): the apps
  that own the data register them (quarantine, SMS outbox backlog, overdue rungs, the age
  of the last sweep), so they are right whichever process answers.
"""

from __future__ import annotations

import glob
import logging
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from prometheus_client import REGISTRY as PROCESS_REGISTRY
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

REQUEST_LATENCY = Histogram(
    "kuzet_http_request_duration_seconds",
    "Time from the first middleware to the response, by URL name, method and status class.",
    ["view", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
SYNC_REQUESTS = Counter(
    "kuzet_sync_requests_total",
    "Device pulls and pushes (and enrolments), by result: ok or the error code.",
    ["endpoint", "result"],
)
SYNC_RECORDS = Counter(
    "kuzet_sync_records_total",
    "Records served by pulls (result: incremental, snapshot, continuation) and records "
    "pushed by devices (result: accepted, duplicate, rejected).",
    ["direction", "result"],
)
WEBSOCKET_CONNECTIONS = Gauge(
    "kuzet_websocket_connections",
    "Open WebSocket connections, by kind (device, board).",
    ["kind"],
    multiprocess_mode="livesum",
)
SWEEP_DURATION = Histogram(
    "kuzet_escalation_sweep_duration_seconds",
    "Wall time of one escalation sweep task (including the SMS outbox drain).",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
ESCALATION_LATENESS = Histogram(
    "kuzet_escalation_lateness_seconds",
    "How long after its due time each rung of the escalation ladder fired, by rung.",
    ["step"],
    buckets=(1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 1800),
)

_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})


class RequestMetricsMiddleware:
    """Observe every request's latency, labelled by its URL name (bounded cardinality)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = request.resolver_match
        view = (match.view_name or match._func_path) if match else "unmatched"
        method = request.method if request.method in _METHODS else "other"
        REQUEST_LATENCY.labels(view, method, f"{response.status_code // 100}xx").observe(
            time.perf_counter() - started
        )
        return response


# --- state read at scrape time --------------------------------------------------------------
_SCRAPE_GAUGES: dict[str, tuple[str, Callable[[], float]]] = {}


def scrape_gauge(name: str, documentation: str, read: Callable[[], float]) -> None:
    """Register a gauge whose value ``read()`` computes when Prometheus scrapes."""
    _SCRAPE_GAUGES[name] = (documentation, read)


class _ScrapeCollector(Collector):
    """The scrape gauges, then ``kuzet_database_up``. Every scrape gauge reads the database:
    when one cannot (the pool waits its timeout for a connection), the others are not tried
    — one wait, not one per gauge (a scrape during an outage took 31 s and gunicorn killed
    the worker) — and the process metrics still go out."""

    def collect(self) -> Iterator[Metric]:
        database_up = 1.0
        for name, (documentation, read) in sorted(_SCRAPE_GAUGES.items()):
            try:
                value = float(read())
            except DatabaseError:
                logger.warning("metric %s: the database could not be read", name, exc_info=True)
                database_up = 0.0
                break
            except Exception:
                logger.warning("metric %s could not be read", name, exc_info=True)
                continue
            yield GaugeMetricFamily(name, documentation, value=value)
        yield GaugeMetricFamily(
            "kuzet_database_up",
            "1 when the scrape read the database; 0 when it could not (the state gauges are "
            "then missing).",
            value=database_up,
        )


def forget_dead_processes(path: str) -> None:
    """Drop the live gauges (open WebSockets) of processes that are gone.

    gunicorn marks its dead workers (``backend/config/gunicorn.py``); nothing marks a uvicorn
    or Celery process that was killed (OOM, ``kill -9``) and started again by systemd alone,
    and its last value was added to the living ones until the next ``restart kuzet.target``.
    Counters and histograms of the dead stay: they are history, and Prometheus wants them."""
    for file in glob.glob(os.path.join(path, "gauge_live*_*.db")):
        pid_text = os.path.basename(file).rsplit("_", 1)[-1].removesuffix(".db")
        if not pid_text.isdigit():
            continue
        pid = int(pid_text)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            multiprocess.mark_process_dead(pid, path)  # type: ignore[no-untyped-call]
        except PermissionError:
            continue  # alive, as another user


def exposition() -> bytes:
    """The text exposition of every metric: this host's processes, then the scrape gauges."""
    if path := os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        forget_dead_processes(path)
        events = CollectorRegistry()
        multiprocess.MultiProcessCollector(events)  # type: ignore[no-untyped-call]
    else:
        events = PROCESS_REGISTRY
    state = CollectorRegistry(auto_describe=False)
    state.register(_ScrapeCollector())
    return generate_latest(events) + generate_latest(state)


def observe_many(histogram: Histogram, values: list[tuple[Any, float]]) -> None:
    """Observe ``(label, value)`` pairs on a one-label histogram."""
    for label, value in values:
        histogram.labels(label).observe(value)
