"""What the in-process A/B benchmarks share (``sync_inprocess.py``, ``push_inprocess.py``):
Django set up from one checkout or another against a database filled by that checkout's
``bench/sync_bench.py``, and its first device re-keyed to a known token."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

TOKEN = "bench-inprocess-token-0123456789"


def parse_args(description: str, **extra: tuple[type, Any]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("checkout", help="the source tree to measure")
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/kuzet_sync_bench"
    )
    for name, (kind, default) in extra.items():
        parser.add_argument(f"--{name}", type=kind, default=default)
    return parser.parse_args()


def setup(checkout: str, database_url: str, **env: str) -> tuple[str, Any]:
    """Set Django up from ``checkout``; returns its root and the first live device, whose
    token is now :data:`TOKEN`."""
    root = str(Path(checkout).resolve())
    sys.path[:0] = [root, os.path.join(root, "bench")]
    os.environ.update(
        DJANGO_SETTINGS_MODULE="sync_settings",
        DATABASE_URL=database_url,
        SECRET_KEY="kuzet-bench-secret-key-0123456789abcdef0123456789abcd",
        DEBUG="0",
        KUZET_SYNC_RATE_PER_MINUTE="0",
        ALLOWED_HOSTS="*",
        SECURE_SSL_REDIRECT="0",
        LOG_LEVEL="WARNING",
        **env,
    )
    import django

    django.setup()
    import backend

    assert str(backend.__file__).startswith(root), backend.__file__
    from backend.devices.models import Device, digest

    device = Device.objects.filter(revoked_at__isnull=True).order_by("pk").first()
    assert device is not None, "fill the database with bench/sync_bench.py first"
    Device.objects.filter(pk=device.pk).update(token_hash=digest(TOKEN))
    return root, device


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def database_cpu_s() -> float:
    """CPU seconds the PostgreSQL backends of this process's database have used so far (user
    and system, from ``/proc``: the server must run on this machine). With Django's pool the
    backends live across requests, so the difference over a timed loop is PostgreSQL's own
    time for it — the part the wall figure hides."""
    import os

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        pids = [row[0] for row in cursor.fetchall()]
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone, or the server is on another machine
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total
