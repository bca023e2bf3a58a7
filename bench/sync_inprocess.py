"""In-process A/B of the sync hot paths: the same Django test client against an existing
bench database, for one checkout or another (before/after a change), with no server or load
generator in between — the numbers docs/benchmarks.md's "before/after" table comes from.

    .venv/bin/python bench/sync_inprocess.py /work/main      # before (another checkout)
    .venv/bin/python bench/sync_inprocess.py .               # after
    # run them alternately a few times: the machine is shared

Needs a database filled by ``bench/sync_bench.py`` (``--database-url``, default
``kuzet_sync_bench``). It re-keys the first device's token (to a fixed one) and times, per
request, an empty pull at the head, a pull of 100 changes and — when the checkout has it —
the one-query floor view.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("checkout", help="the source tree to measure")
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/kuzet_sync_bench"
    )
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    root = str(Path(args.checkout).resolve())
    sys.path[:0] = [root, os.path.join(root, "bench")]
    os.environ.update(
        DJANGO_SETTINGS_MODULE="sync_settings",
        DATABASE_URL=args.database_url,
        SECRET_KEY="kuzet-bench-secret-key-0123456789abcdef0123456789abcd",
        DEBUG="0",
        KUZET_SYNC_RATE_PER_MINUTE="0",
        KUZET_SYNC_PAGE_SIZE="100",
        ALLOWED_HOSTS="*",
        SECURE_SSL_REDIRECT="0",
        LOG_LEVEL="WARNING",
    )
    import django

    django.setup()
    import backend

    assert str(backend.__file__).startswith(root), backend.__file__
    from django.test import Client

    from backend.devices.models import Device, digest
    from backend.ledger.models import Change
    from backend.ledger.uow import current_change_seq

    device = Device.objects.filter(revoked_at__isnull=True).order_by("pk").first()
    assert device is not None, "fill the database with bench/sync_bench.py first"
    token = "bench-inprocess-token-0123456789"
    Device.objects.filter(pk=device.pk).update(token_hash=digest(token))
    client = Client()
    headers = {
        "HTTP_AUTHORIZATION": f"Device {token}",
        "HTTP_X_DEVICE_CLOCK": "1;bench;1",
        "HTTP_ACCEPT_ENCODING": "gzip",
    }
    unit = device.officer.unit_id
    seqs = Change.objects.filter(audience=f"u:{unit}").order_by("-seq")
    behind = list(seqs.values_list("seq", flat=True)[:200])[150]
    paths = {
        "empty-pull": f"/api/sync/v1/pull?last_pulled_at={current_change_seq()}&schema_version=1",
        "pull-100": f"/api/sync/v1/pull?last_pulled_at={behind}&schema_version=1",
    }
    if "floor_query" in Path(root, "bench", "sync_urls.py").read_text():
        paths["floor-query"] = f"/bench/floor/query?device={device.pk}"

    def per_request_ms(path: str, n: int) -> float:
        started = time.perf_counter()
        for _ in range(n):
            response = client.get(path, **headers)
            assert response.status_code == 200, response.content[:200]
        return (time.perf_counter() - started) / n * 1000

    for path in paths.values():
        per_request_ms(path, 30)
    timings = {name: round(per_request_ms(path, args.requests), 2) for name, path in paths.items()}
    print(root, timings, "load", " ".join(Path("/proc/loadavg").read_text().split()[:3]))


if __name__ == "__main__":
    main()
