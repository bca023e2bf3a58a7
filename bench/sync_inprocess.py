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

import time
from pathlib import Path

from inprocess import TOKEN, load, parse_args, setup


def main() -> None:
    args = parse_args(__doc__.split("\n")[0], requests=(int, 300))
    root, device = setup(args.checkout, args.database_url, KUZET_SYNC_PAGE_SIZE="100")
    from django.test import Client

    from backend.ledger.models import Change
    from backend.ledger.uow import current_change_seq

    token = TOKEN
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
    print(root, timings, "load", load())


if __name__ == "__main__":
    main()
