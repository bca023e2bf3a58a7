"""In-process A/B of the push: the same Django test client against a bench database, for one
checkout or another (before/after a change), with no server or load generator in between.

    .venv/bin/python bench/push_inprocess.py /work/bench-base --database-url …/kuzet_bench_sync_a
    .venv/bin/python bench/push_inprocess.py .                --database-url …/kuzet_bench_sync_b
    # run them alternately a few times: the machine is shared

Needs a database filled by that checkout's ``bench/sync_bench.py``. Each request is the
sync benchmark's ``push-50`` (49 notes on an open assignment of the device's unit and one
position), every event new, so each goes through the whole fact path: parse, time estimate,
the rules, the change log, the audit chain; ``--events 1`` pushes the position alone (the
scale run's request: a phone's position every 30 s). Prints wall and this process's CPU
milliseconds per event and per push, and the CPU of the database's PostgreSQL backends per
push (``inprocess.database_cpu_s``: a local server); ``--profile N`` prints the N costliest
functions instead (cProfile, by own and by cumulative time).
"""

from __future__ import annotations

import json
import os
import time

from inprocess import TOKEN, database_cpu_s, load, parse_args, setup


def main() -> None:
    args = parse_args(__doc__.split("\n")[0], pushes=(int, 60), profile=(int, 0), events=(int, 50))
    _root, device = setup(args.checkout, args.database_url)
    from django.test import Client

    from backend.dispatch.models import Assignment

    token = TOKEN
    assignment = Assignment.objects.filter(unit_id=device.officer.unit_id).order_by("pk").first()
    assert assignment is not None
    client = Client()
    run = f"{os.getpid() % 100000:05d}{int(time.time()) % 100000:05d}"
    # A boot of its own per run: the elapsed times restart at 0, and under the same boot id
    # the server would rightly take the phone's clock for suspect (a question to the chief).
    boot = f"bench-{run}"

    size = args.events
    assert 1 <= size <= 50, "--events is 1 to 50"

    def body(n: int) -> bytes:
        now = int(time.time() * 1000)
        last = size - 1  # the position
        events = [
            {
                "id": f"ab{run}{n:06d}{i:02d}",
                "kind": "location" if i == last else "note",
                "assignment_id": None if i == last else str(assignment.pk),
                "device_time": now,
                "boot_id": boot,
                "elapsed_ms": n * 100 + i,
                "lat": 47.96 if i == last else None,
                "lon": 80.43 if i == last else None,
                "accuracy_m": 10 if i == last else None,
                "gps_time": None,
                "payload": {} if i == last else json.dumps({"text": "bench"}),
            }
            for i in range(size)
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
            HTTP_X_DEVICE_CLOCK=f"{int(time.time() * 1000)};{boot};{n * 100 + 60}",
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
    database = database_cpu_s()
    wall, cpu = time.perf_counter(), time.process_time()
    for n in range(5, 5 + args.pushes):
        push(n)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    database = database_cpu_s() - database
    events = args.pushes * size
    print(
        args.checkout,
        f"wall {wall / events * 1000:.3f} ms/event,",
        f"cpu {cpu / events * 1000:.3f} ms/event,",
        f"per push: wall {wall / args.pushes * 1000:.2f} ms, cpu {cpu / args.pushes * 1000:.2f} ms",
        f"+ PostgreSQL {database / args.pushes * 1000:.2f} ms,",
        "load",
        load(),
    )


if __name__ == "__main__":
    main()
