"""In-process A/B of the push: the same Django test client against a bench database, for one
checkout or another (before/after a change), with no server or load generator in between.

    .venv/bin/python bench/push_inprocess.py /work/bench-base --database-url …/kuzet_bench_sync_a
    .venv/bin/python bench/push_inprocess.py .                --database-url …/kuzet_bench_sync_b
    # run them alternately a few times: the machine is shared

Needs a database filled by that checkout's ``bench/sync_bench.py``. Each request is the
sync benchmark's ``push-50`` (49 notes on an open assignment of the device's unit and one
position), every event new, so each goes through the whole fact path: parse, time estimate,
the rules, the change log, the audit chain. Prints wall and this process's CPU milliseconds
per event (PostgreSQL's own time is in the wall figure only); ``--profile N`` prints the N
costliest functions instead (cProfile, by own and by cumulative time).
"""

from __future__ import annotations

import json
import os
import time

from inprocess import TOKEN, load, parse_args, setup


def main() -> None:
    args = parse_args(__doc__.split("\n")[0], pushes=(int, 60), profile=(int, 0))
    _root, device = setup(args.checkout, args.database_url)
    from django.test import Client

    from backend.dispatch.models import Assignment

    token = TOKEN
    assignment = Assignment.objects.filter(unit_id=device.officer.unit_id).order_by("pk").first()
    assert assignment is not None
    client = Client()
    run = f"{os.getpid() % 100000:05d}{int(time.time()) % 100000:05d}"

    def body(n: int) -> bytes:
        now = int(time.time() * 1000)
        events = [
            {
                "id": f"ab{run}{n:06d}{i:02d}",
                "kind": "location" if i == 49 else "note",
                "assignment_id": None if i == 49 else str(assignment.pk),
                "device_time": now,
                "boot_id": "bench-boot",
                "elapsed_ms": n * 100 + i,
                "lat": 47.96 if i == 49 else None,
                "lon": 80.43 if i == 49 else None,
                "accuracy_m": 10 if i == 49 else None,
                "gps_time": None,
                "payload": {} if i == 49 else json.dumps({"text": "bench"}),
            }
            for i in range(50)
        ]
        doc = {"changes": {"events": {"created": events, "updated": [], "deleted": []}}}
        return json.dumps({**doc, "lastPulledAt": None}).encode()

    def push(n: int) -> None:
        response = client.generic(
            "POST",
            "/api/sync/v1/push",
            body(n),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Device {token}",
            HTTP_X_DEVICE_CLOCK=f"{int(time.time() * 1000)};bench-boot;{n * 100 + 60}",
        )
        assert response.status_code == 200, response.content[:300]
        results = json.loads(response.content)["results"]
        assert all(r["status"] == "accepted" for r in results), results[:2]

    for n in range(5):  # warm up
        push(n)
    if args.profile:
        # --profile N: where this process's time goes, by function (own and cumulative
        # time); PostgreSQL's side shows as time waiting in psycopg.
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        for n in range(5, 5 + args.pushes):
            push(n)
        profiler.disable()
        stats = pstats.Stats(profiler).strip_dirs()
        stats.sort_stats("tottime").print_stats(args.profile)
        stats.sort_stats("cumulative").print_stats(args.profile)
        stats.print_stats(r"rules|timing|estimate|_decide|render|protocol")
        return
    wall, cpu = time.perf_counter(), time.process_time()
    for n in range(5, 5 + args.pushes):
        push(n)
    events = args.pushes * 50
    print(
        args.checkout,
        f"wall {(time.perf_counter() - wall) / events * 1000:.3f} ms/event,",
        f"cpu {(time.process_time() - cpu) / events * 1000:.3f} ms/event,",
        "load",
        load(),
    )


if __name__ == "__main__":
    main()
