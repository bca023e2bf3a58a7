"""Where the sequencer lock's hold goes: one-position pushes, one at a time, through Django's
test client against the database ``bench/scale.py`` left behind, timing every statement run
between the lock and the commit.

    .venv/bin/python bench/scale.py --devices 2000 --seconds 20    # leaves kuzet_sim_scale
    .venv/bin/python bench/sequencer_hold.py [--pushes 400]

No other request runs, so nothing waits for the lock and nothing takes the CPU from its
holder: the hold printed is the uncontended floor of one commit, and one over it the most
commits per second the one sequencer can order on this machine. Uses the scale benchmark's
settings (``bench/scale_settings.py``: the production settings, the probe backend).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
sys.path[:0] = [str(ROOT), str(BENCH)]

from ws_push import percentile  # noqa: E402 - bench helpers

TOKEN = "bench-sequencer-hold-token-0123456789"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/kuzet_sim_scale"
    )
    parser.add_argument("--pushes", type=int, default=400)
    args = parser.parse_args()
    probe = Path(tempfile.mkdtemp(prefix="kuzet-sequencer-hold-"))
    os.environ.update(
        DJANGO_SETTINGS_MODULE="scale_settings",
        DATABASE_URL=args.database_url,
        KUZET_SEQUENCER_PROBE_DIR=str(probe),
        SECRET_KEY="kuzet-bench-secret-key-0123456789abcdef0123456789abcd",
        DEBUG="0",
        KUZET_SYNC_RATE_PER_MINUTE="0",
        ALLOWED_HOSTS="*",
        SECURE_SSL_REDIRECT="0",
        LOG_LEVEL="WARNING",
    )
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from backend.devices.models import Device, digest
    from backend.ledger.uow import current_change_seq

    device = Device.objects.filter(revoked_at__isnull=True).order_by("pk").first()
    assert device is not None, "run bench/scale.py first"
    Device.objects.filter(pk=device.pk).update(token_hash=digest(TOKEN))
    head = current_change_seq()
    under_lock: dict[str, list[float]] = defaultdict(list)

    def timed(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        result = execute(sql, params, many, context)
        # The probe backend sets ``_sequencer`` when the lock is granted, clears it at commit.
        if getattr(connection, "_sequencer", None) is not None and "FOR UPDATE" not in sql:
            under_lock[" ".join(sql.split())[:70]].append(time.perf_counter() - started)
        return result

    client = Client()
    run = uuid.uuid4().hex[:8]
    with connection.execute_wrapper(timed):
        for n in range(args.pushes):
            now = int(time.time() * 1000)
            record = {
                "id": f"hold{run}{n:08d}",
                "kind": "location",
                "assignment_id": None,
                "device_time": now,
                "boot_id": f"hold-{run}",
                "elapsed_ms": 1_000_000 + n * 1000,
                "lat": 47.0,
                "lon": 80.0,
                "accuracy_m": 10.0,
                "gps_time": now,
                "payload": "{}",
            }
            body = {
                "changes": {"events": {"created": [record], "updated": [], "deleted": []}},
                "lastPulledAt": head,
            }
            response = client.post(
                f"/api/sync/v1/push?last_pulled_at={head}",
                json.dumps(body),
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Device {TOKEN}",
            )
            assert response.status_code == 200, response.content[:300]
    # The first tenth warms caches and connections; the rest is measured.
    lines = [line.split() for p in probe.glob("*.txt") for line in p.read_text().splitlines()]
    rows = [[float(x) for x in line[1:]] for line in lines][args.pushes // 10 :]
    holds = [r[1] for r in rows]
    commits = [r[2] for r in rows]
    mean_hold = sum(holds) / len(holds)
    statements = {
        sql: {
            "per_push": round(len(ts) / args.pushes, 2),
            "p50_ms": round(percentile(ts, 50) * 1000, 3),
        }
        for sql, ts in sorted(under_lock.items(), key=lambda kv: -sum(kv[1]))
    }
    in_statements = sum(s["per_push"] * s["p50_ms"] for s in statements.values())
    result = {
        "pushes": len(holds),
        "hold_p50_ms": round(percentile(holds, 50), 2),
        "hold_mean_ms": round(mean_hold, 2),
        "commit_p50_ms": round(percentile(commits, 50), 2),
        "statements_ms": round(in_statements, 2),
        "python_ms": round(percentile(holds, 50) - percentile(commits, 50) - in_statements, 2),
        "ceiling_commits_per_s": round(1000 / mean_hold),
        "statements": statements,
        "load": os.getloadavg(),
    }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
