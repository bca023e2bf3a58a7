"""The past, built by living it: the same scenarios as the live simulator, run through the
same HTTP interfaces against the Django application in this process while the project's
server clock (``backend.common.clock``) is moved forward from one simulated moment to the
next.

Why in-process rather than a server and a faked wall clock: the server decides every time
from ``backend.common.clock`` (DOMAIN.md: escalation and SLA use server time only), so
moving that one clock is enough for every row to carry its simulated time — no process
boundary to fake time across, and no network: 60 days of calls take minutes, not days. The
requests still go through the whole stack — URL routing, authentication, serializers, the
services, the unit of work, the audit chain — via ``httpx.WSGITransport``; the phones are the
reference client with that transport.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import secrets
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import override_settings

from backend.common import clock
from backend.realtime import presence
from sync.client import Retry

from .engine import Engine
from .ports import InProcessPort, build_world
from .report import Check, check
from .world import Stats

# Phones out of coverage keep their events; in coverage, the app pulls when poked and at
# least this often when idle. History uses a long idle interval: the idle pulls change
# nothing but cost time.
HISTORY_IDLE_SYNC_S = 24 * 3600.0
# No new calls in the last hour, so that the live simulator inherits few calls in flight.
QUIET_LAST_S = 3600.0


@dataclass(frozen=True)
class Built:
    start: dt.datetime
    end: dt.datetime
    stats: Stats
    check: Check
    incidents: int


def _no_board_listens(unit_ids: Iterable[int]) -> None:
    pass


@contextmanager
def _server_in_this_process(sms_dir: Path) -> Iterator[None]:
    """Celery tasks run here (no worker while history is built); a private cache whose
    real-time expiries the port resets each simulated minute; SMS to a scratch folder that
    this process reads as the gateway."""
    # One persistent database connection instead of one per request (CONN_MAX_AGE=0 suits
    # a server's thread pool; here it cost a connect, the session PRAGMAs and, on SQLite, a
    # WAL checkpoint at every close — a fifth of the build time).
    # (PostgreSQL with Django's pool already reuses connections, and refuses the setting.)
    db = connection.settings_dict
    conn_max_age = db["CONN_MAX_AGE"]
    if not db.get("OPTIONS", {}).get("pool"):
        db["CONN_MAX_AGE"] = None
    conf = current_app.conf
    eager, propagates = conf.task_always_eager, conf.task_eager_propagates
    conf.task_always_eager, conf.task_eager_propagates = True, True
    # Its own store, empty at the start: LocMemCache keeps its entries in the process by
    # LOCATION, so with the default one ("") a build read what the process, or a build before
    # it, had left — a unit's "stamped less than a minute ago" (real-time expiry) kept the
    # next build's first pull from stamping its last contact (a second seeded build in one
    # process was not the first's past).
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "kuzet-history-build",
        }
    }
    try:
        with (
            # A contact that makes a unit reachable sends its row to the boards listening
            # (after commit, ``presence.contact_record``); none listen while history is
            # built, as for the commits' fan-out below — and the port's socket stand-in
            # stamps every unit in coverage every few minutes: rendering their rows doubled
            # the build's time.
            mock.patch.object(presence, "units_tell_boards", _no_board_listens),
            override_settings(
                # The demo runs with DEBUG; its cursor wrapper would format and keep every query.
                DEBUG=False,
                CACHES=caches,
                KUZET_SMS_BACKEND="backend.dispatch.sms.FileBackend",
                KUZET_SMS_FILE_DIR=str(sms_dir),
                # The fan-out renders every commit for the sockets and boards listening in this
                # process; while history is built there are none (measured: a fifth of a push).
                KUZET_CHANGE_LISTENERS=[],
                # This process is the server and the gateway: sign with the server's secret, or
                # with a one-off one where none is configured.
                KUZET_SMS_INBOUND_SECRET=settings.KUZET_SMS_INBOUND_SECRET
                or secrets.token_urlsafe(32),
            ),
        ):
            cache.clear()
            try:
                yield
            finally:
                cache.clear()  # nothing of this build for the next, nor kept in memory
    finally:
        conf.task_always_eager, conf.task_eager_propagates = eager, propagates
        db["CONN_MAX_AGE"] = conn_max_age
        connection.close()


def build(
    *,
    days: float,
    state_dir: Path,
    seed: int = 102,
    end: dt.datetime | None = None,
    rates: dict[str, float] | None = None,
    progress: Callable[[float, Stats], None] = lambda fraction, stats: None,
) -> Built:
    """Live ``days`` of the staffed districts up to ``end`` (now)."""
    # Each request and each eager task would log a line: a wall of text over the progress bar.
    for name in ("httpx", "celery", "backend.dispatch.tasks", "kombu"):
        logging.getLogger(name).setLevel(logging.WARNING)
    end = end or clock.now()
    start = end - dt.timedelta(days=days)
    stats = Stats()
    with (
        tempfile.TemporaryDirectory(prefix="kuzet-history-sms-") as sms,
        _server_in_this_process(Path(sms)),
        clock.frozen(start),
    ):
        port = InProcessPort(start=start, sms_dir=Path(sms))
        engine = Engine(port.now)
        world = build_world(
            engine=engine,
            port=port,
            http=port.http,
            transport=port.transport,
            state_dir=state_dir,
            rng=random.Random(seed),
            stats=stats,
            idle_sync_s=HISTORY_IDLE_SYNC_S,
            run_id=f"H{start:%Y%m%d%H%M}",
            sleep=lambda _s: None,
            retry=Retry(attempts=3, base_s=0, cap_s=0),
            rates=rates,
        )
        port.world, port.engine = world, engine
        carried = {
            p.username: {e["id"] for e in p.client.outbox()}
            for c in world.crews.values()
            for p in c.phones
        }
        world.start()
        total = (end - start).total_seconds()
        engine.at(end - dt.timedelta(seconds=QUIET_LAST_S), setattr, world, "calling", False)

        def step(at: dt.datetime) -> None:
            progress(min(1.0, (at - start).total_seconds() / total), stats)

        port.run(engine, end, step)
        progress(1.0, stats)
        for crew in world.crews.values():
            if crew.data:
                crew.sync_all()
        result = check(world, carried=carried, drained=False)
        incidents = len(world.incidents)
    return Built(start, end, stats, result, incidents)
