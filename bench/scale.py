"""Scale benchmark (issue 12): a national fleet on one box.

    .venv/bin/python bench/scale.py                                  # 10,000 devices, 60 s
    .venv/bin/python bench/scale.py --devices 2000 --seconds 20      # smoke run

Needs PostgreSQL and Redis (``--database-url`` is DROPPED and re-created; ``--redis-url``
default ``redis://127.0.0.1:6379/5`` with private key prefixes). What runs:

* the production shape (docs/deployment.md): gunicorn (WSGI, ``--workers`` sync workers)
  for HTTP, a Celery worker and beat (the escalation sweep every 10 s), Redis for the rate
  limit, the broker and the channel layer, PostgreSQL;
* a fleet of ``--devices`` phones (200 districts of 25 patrol cars, two officers each; a
  device per officer) that each push one position every 30 s — ``devices / 30`` pushes per
  second, spread evenly — and pull every 5 minutes from the head (incremental pulls);
* national-peak dispatching: ``--calls`` calls per second arrive through the intake API,
  and a duty officer asks for the recommendation and dispatches the first unit (the staff
  API). Nobody acknowledges, so the escalation ladder fires on every one.

The load is open-loop: every request is started at its scheduled time whatever happened to
earlier ones, and its latency is counted from that time (a server that falls behind shows
it in the latency, not in a quietly lower rate). Reported: p50/p99 per endpoint, achieved
rates, errors; the sequencer's wait (PostgreSQL backends waiting for a lock while running
the sequencer's statement, sampled every 100 ms); CPU seconds and peak memory of every
process (gunicorn, Celery worker and beat, PostgreSQL backends of the bench database,
redis-server, the load generator); escalation lateness (fired − due); events lost
(accepted but not stored). The machine is shared: the load average before the run is
printed with the results.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gzip
import itertools
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
sys.path[:0] = [str(ROOT), str(BENCH)]

from ws_push import (  # noqa: E402 - bench helpers
    cpu_seconds,
    free_port,
    machine_cpu_seconds,
    percentile,
    process_tree,
    raise_file_limit,
    recreate_database,
)

DISTRICTS = 200
PUSH_PERIOD_S = 30.0
PULL_PERIOD_S = 300.0


def env_for(args: argparse.Namespace, tmp: Path) -> dict[str, str]:
    return {
        **os.environ,
        # The production settings with a PostgreSQL backend that times the sequencer lock.
        "DJANGO_SETTINGS_MODULE": "scale_settings",
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(BENCH)]),
        "KUZET_SEQUENCER_PROBE_DIR": str(tmp / "sequencer"),
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "KUZET_CHANNEL_PREFIX": f"kuzet-scale-{os.getpid()}",
        "KUZET_CACHE_PREFIX": f"kuzet-scale-{os.getpid()}",
        "KUZET_VAR_DIR": str(tmp),
        "SECRET_KEY": "scale-" + "0123456789abcdef" * 3,
        "DEBUG": "0",
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        # A national deployment sizes its throttles; the benchmark measures capacity, so one
        # duty token and one intake key must not be refused at 600 a minute.
        "KUZET_STAFF_API_RATE": "1000000/min",
        "KUZET_INTAKE_RATE": "1000000/min",
    }


def seed(args: argparse.Namespace) -> dict[str, Any]:
    """200 districts of patrol cars with two officers and a phone each; a duty officer with
    an API token and an intake key. Bulk rows: a benchmark fixture, not a demo."""
    from django.core.management import call_command

    from backend.common import clock
    from backend.devices.models import Device, digest
    from backend.dispatch.authentication import staff_token_issue
    from backend.dispatch.services import intake_key_issue
    from backend.geo.models import District, Oblast, Okrug, Settlement
    from backend.people.models import Officer, Role, Unit

    call_command("migrate", verbosity=0)
    now = clock.now()
    oblast = Oblast.objects.create(kato="100000000", name="Республика", centre="Астана")
    duty = Officer.objects.create(
        username="scale_duty", role=Role.DUTY_OFFICER, oblast=oblast, password="!", is_staff=True
    )
    _, token = staff_token_issue(user=duty)
    _, intake_key = intake_key_issue(channel="phone_102", name="scale")
    units_per_district = max(1, args.devices // 2 // DISTRICTS)
    seats: list[dict[str, Any]] = []
    devices: list[dict[str, Any]] = []
    for d in range(DISTRICTS):
        district = District.objects.create(
            oblast=oblast, kato=f"1{d:03d}00000", name=f"District {d}", seat_name=f"Seat {d}"
        )
        okrug = Okrug.objects.create(district=district, kato=f"1{d:03d}10000", name=f"Okrug {d}")
        lat, lon = 42.0 + (d % 20) * 0.5, 52.0 + (d // 20) * 3.0
        seat = Settlement.objects.create(
            okrug=okrug,
            district=district,
            kato=f"1{d:03d}10100",
            name=f"Seat {d}",
            lat=lat,
            lon=lon,
            zone="urban",
            coverage="lte",
        )
        seats.append({"kato": seat.kato, "lat": lat, "lon": lon})
        units = Unit.objects.bulk_create(
            Unit(
                callsign=f"D{d}-PC{i}",
                type="patrol_car",
                district=district,
                last_contact_at=now,
                lat=lat + i * 0.001,
                lon=lon,
                position_at=now,
            )
            for i in range(units_per_district)
        )
        officers = Officer.objects.bulk_create(
            Officer(
                username=f"o{d}_{u.pk}_{k}",
                role=Role.OFFICER,
                district=district,
                unit=u,
                password="!",
            )
            for u in units
            for k in (1, 2)
        )
        tokens = [secrets.token_urlsafe(32) for _ in officers]
        Device.objects.bulk_create(
            Device(
                officer=o, install_id=f"scale-{o.username}", token_hash=digest(t), enrolled_at=now
            )
            for o, t in zip(officers, tokens, strict=True)
        )
        devices += [{"token": t, "lat": lat, "lon": lon} for t in tokens]
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # autovacuum would have, on a live server
    from backend.ledger.uow import current_change_seq

    return {
        "devices": devices,
        "staff_token": token,
        "intake_key": intake_key,
        "seats": seats,
        "head": current_change_seq(),
    }


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    handle = log.open("ab")
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)


def wait_http(url: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"{url} did not answer")


class Recorder:
    def __init__(self, give_up_s: float) -> None:
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        # every answer's status by endpoint: an endpoint that refused most of its requests
        # measured its refusals (the runs of 12-07 did, for the intake: 400 for 116 of 118)
        self.statuses: dict[str, Counter[int]] = defaultdict(Counter)
        self.dropped: dict[str, int] = defaultdict(int)
        self.accepted: list[str] = []
        self.give_up_s = give_up_s

    def too_late(self, name: str, scheduled: float) -> bool:
        """A request that could not even start ``give_up_s`` after its time is not sent
        (counted as dropped): the run stays bounded when the server falls behind."""
        if time.perf_counter() - scheduled > self.give_up_s:
            self.dropped[name] += 1
            return True
        return False

    def add(self, name: str, scheduled: float, status: int) -> None:
        self.latency[name].append(time.perf_counter() - scheduled)
        self.statuses[name][status] += 1
        if status >= 400 or status == 0:
            self.errors[name] += 1


def positions_per_push(args: argparse.Namespace) -> int:
    """A position is taken every 30 s; a push every ``--push-every`` s carries those since the
    last one (docs/scaling.md, step 1)."""
    return max(1, round(args.push_every / PUSH_PERIOD_S))


def clock_header(elapsed_ms: int) -> str:
    return f"{int(time.time() * 1000)};scale-boot;{elapsed_ms}"


async def fleet(url: str, seeded: dict[str, Any], args: argparse.Namespace, rec: Recorder) -> None:
    devices = seeded["devices"]
    n = len(devices)
    limits = httpx.Limits(
        max_connections=args.connections, max_keepalive_connections=args.connections
    )
    gate = asyncio.Semaphore(args.connections * 4)
    started = time.perf_counter()
    end = started + args.seconds
    serial = itertools.count()
    loop = asyncio.get_running_loop()
    batch = positions_per_push(args)

    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:

        async def push(i: int, at: float) -> None:
            # The positions taken every 30 s since the device's last push, oldest first.
            device = devices[i]
            ms = int((at - started) * 1000) + 1_000_000
            now = int(time.time() * 1000)
            records = [
                {
                    "id": f"scale{next(serial):011d}{uuid.uuid4().hex[:8]}",
                    "kind": "location",
                    "assignment_id": None,
                    "device_time": now - back,
                    "boot_id": "scale-boot",
                    "elapsed_ms": ms - back,
                    "lat": device["lat"] + 0.01,
                    "lon": device["lon"],
                    "accuracy_m": 10.0,
                    "gps_time": now - back,
                    "payload": "{}",
                }
                for back in (int(k * PUSH_PERIOD_S * 1000) for k in reversed(range(batch)))
            ]
            body = gzip.compress(
                json.dumps(
                    {
                        "changes": {"events": {"created": records, "updated": [], "deleted": []}},
                        "lastPulledAt": seeded["head"],
                    }
                ).encode()
            )
            headers = {
                "Authorization": f"Device {device['token']}",
                "Content-Type": "application/json",
                "Content-Encoding": "gzip",
                "Accept-Encoding": "gzip",
                "X-Device-Clock": clock_header(ms),
            }
            async with gate:
                if rec.too_late("push", at):
                    return
                try:
                    r = await client.post(
                        f"/api/sync/v1/push?last_pulled_at={seeded['head']}",
                        content=body,
                        headers=headers,
                    )
                    status = r.status_code
                    if status == 200:
                        rec.accepted += [
                            x["id"] for x in r.json()["results"] if x["status"] == "accepted"
                        ]
                except httpx.HTTPError:
                    status = 0
            rec.add("push", at, status)

        async def pull(i: int, at: float) -> None:
            device = devices[i]
            headers = {"Authorization": f"Device {device['token']}", "Accept-Encoding": "gzip"}
            async with gate:
                if rec.too_late("pull", at):
                    return
                try:
                    r = await client.get(
                        f"/api/sync/v1/pull?last_pulled_at={seeded['head']}&schema_version=1",
                        headers=headers,
                    )
                    status = r.status_code
                except httpx.HTTPError:
                    status = 0
            rec.add("pull", at, status)

        async def call(k: int, at: float) -> None:
            seat = seeded["seats"][k % len(seeded["seats"])]
            staff = {"Authorization": f"Token {seeded['staff_token']}"}
            async with gate:
                if rec.too_late("intake", at):
                    return
                try:
                    r = await client.post(
                        "/api/v1/intake/phone_102/",
                        json={
                            "external_ref": f"scale-{k}-{uuid.uuid4().hex[:6]}",
                            "received_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                            "category": "theft",
                            "settlement_kato": seat["kato"],
                            # in the village it names: a point tens of km from it is refused
                            # (policies: how far a report may lie from its settlement)
                            "lat": seat["lat"] + (k % 10) * 1e-4,
                            "lon": seat["lon"],
                        },
                        headers={"Authorization": f"Api-Key {seeded['intake_key']}"},
                    )
                    rec.add("intake", at, r.status_code)
                    incident = r.json()["id"]
                    t = time.perf_counter()
                    r = await client.get(
                        f"/api/v1/incidents/{incident}/recommendations/", headers=staff
                    )
                    rec.add("recommendations", t, r.status_code)
                    units = r.json()["units"]
                    if units:
                        t = time.perf_counter()
                        r = await client.post(
                            f"/api/v1/incidents/{incident}/assignments/",
                            json={"unit_id": units[0]["unit_id"]},
                            headers=staff,
                        )
                        rec.add("dispatch", t, r.status_code)
                except (httpx.HTTPError, KeyError, ValueError):
                    rec.add("intake", at, 0)

        tasks: list[asyncio.Task[None]] = []
        # Every device's pushes, pulls and the calls, on one open-loop schedule.
        schedule: list[tuple[float, str, int]] = []
        every = args.push_every
        for i in range(n):
            first = started + i * every / n
            schedule += [
                (first + k * every, "push", i) for k in range(int(args.seconds // every) + 1)
            ]
            pull_at = started + (i * PULL_PERIOD_S / n)
            if pull_at < end:
                schedule.append((pull_at, "pull", i))
        for k in range(int(args.seconds * args.calls)):
            schedule.append((started + k / args.calls, "call", k))
        schedule = sorted(s for s in schedule if s[0] < end)
        kinds = {"push": push, "pull": pull, "call": call}
        for at, kind, i in schedule:
            delay = at - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(loop.create_task(kinds[kind](i, at)))
        # Stragglers get a minute; what is still running then is cut off (and shows as
        # errors of its endpoint).
        _done, pending = await asyncio.wait(tasks, timeout=60)
        for task in pending:
            task.cancel()
        rec.errors["cut off at the end"] = len(pending)


def sample_sequencer(database_url: str, stop: threading.Event, out: dict[str, Any]) -> None:
    """Every 100 ms: how many backends of the bench database wait for a lock while running a
    statement on the sequencer, and how many are active at all."""
    import psycopg

    samples = waiting_samples = waiters = active = 0
    with psycopg.connect(database_url, autocommit=True) as conn:
        while not stop.is_set():
            row = conn.execute(
                "SELECT count(*) FILTER (WHERE wait_event_type = 'Lock' AND query ILIKE "
                "'%ledger_sequencer%'), count(*) FILTER (WHERE state = 'active') "
                "FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()"
            ).fetchone()
            samples += 1
            if row and row[0]:
                waiting_samples += 1
                waiters += row[0]
            active += row[1] if row else 0
            stop.wait(0.1)
    out.update(
        samples=samples,
        share_with_waiters=round(waiting_samples / max(1, samples), 3),
        mean_waiters=round(waiters / max(1, samples), 2),
        mean_active_backends=round(active / max(1, samples), 2),
    )


def lock_times(folder: Path, window: tuple[float, float]) -> dict[str, Any]:
    """What ``bench/sequencer_probe`` wrote for the commits of the measured window: how long
    each waited for the sequencer lock and held it. The lock serialises every commit, so
    ``held_share`` (the sum of the holds over the window) is its utilisation, and one over
    the mean hold is the ceiling of commits per second on this machine."""
    waits: list[float] = []
    holds: list[float] = []
    commits: list[float] = []
    for path in folder.glob("*.txt"):
        for line in path.read_text().splitlines():
            at, wait, hold, commit = (float(x) for x in line.split())
            if window[0] <= at <= window[1]:
                waits.append(wait / 1000)
                holds.append(hold / 1000)
                commits.append(commit / 1000)
    if not holds:
        return {"commits": 0}
    seconds = window[1] - window[0]
    mean_hold = sum(holds) / len(holds)
    return {
        "commits": len(holds),
        "commits_per_s": round(len(holds) / seconds, 1),
        "wait_p50_ms": round(percentile(waits, 50) * 1000, 2),
        "wait_p99_ms": round(percentile(waits, 99) * 1000, 2),
        "wait_max_ms": round(max(waits) * 1000, 2),
        "hold_p50_ms": round(percentile(holds, 50) * 1000, 2),
        "hold_p99_ms": round(percentile(holds, 99) * 1000, 2),
        "hold_mean_ms": round(mean_hold * 1000, 2),
        "commit_p50_ms": round(percentile(commits, 50) * 1000, 2),
        "commit_mean_ms": round(sum(commits) / len(commits) * 1000, 2),
        "held_share": round(sum(holds) / seconds, 3),
        "ceiling_commits_per_s": round(1 / mean_hold),
    }


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def pids_named(name: str) -> list[int]:
    out = subprocess.run(["pgrep", "-x", name], capture_output=True, text=True, check=False)
    return [int(p) for p in out.stdout.split()]


def postgres_backends(database_url: str) -> list[int]:
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        ).fetchall()
    return [pid for (pid,) in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/kuzet_sim_scale"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/5")
    parser.add_argument("--devices", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument(
        "--push-every",
        type=float,
        default=PUSH_PERIOD_S,
        help="seconds between a device's pushes; each carries the positions taken every 30 s "
        "since its last (default 30: a push per position)",
    )
    parser.add_argument("--calls", type=float, default=1.0, help="calls per second")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--give-up", type=float, default=10.0, help="seconds late: not sent")
    parser.add_argument("--json", type=Path, default=ROOT / "var" / "bench" / "scale.json")
    args = parser.parse_args()
    raise_file_limit()
    load_before = os.getloadavg()
    tmp = Path(tempfile.mkdtemp(prefix="kuzet-scale-"))
    (tmp / "sequencer").mkdir()
    env = env_for(args, tmp)
    os.environ.update(env)
    recreate_database(args.database_url)
    import django

    django.setup()
    seeded = seed(args)
    from django.db import connection

    connection.close()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    celery = str(ROOT / ".venv" / "bin" / "celery")
    procs = {
        "gunicorn": start(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "backend.config.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(args.workers),
                "--backlog",
                "2048",
                "--timeout",
                "120",
            ],
            env,
            tmp / "gunicorn.log",
        ),
        "celery worker": start(
            [
                celery,
                "-A",
                "backend.config",
                "worker",
                "--pool",
                "threads",
                "--concurrency",
                "2",
                "--without-heartbeat",
                "--without-mingle",
                "--without-gossip",
                "--loglevel",
                "WARNING",
            ],
            env,
            tmp / "worker.log",
        ),
        "celery beat": start(
            [
                celery,
                "-A",
                "backend.config",
                "beat",
                "--loglevel",
                "WARNING",
                "-s",
                str(tmp / "beat-schedule"),
            ],
            env,
            tmp / "beat.log",
        ),
    }
    rec = Recorder(args.give_up)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # run the finally: stop the servers
    sequencer: dict[str, Any] = {}
    try:
        wait_http(url)
        # Every worker booted and warm (imports, first queries) before the counting starts.
        warm = seeded["devices"][0]["token"]
        for _ in range(20 * args.workers):
            httpx.get(
                f"{url}/api/sync/v1/pull?last_pulled_at={seeded['head']}&schema_version=1",
                headers={"Authorization": f"Device {warm}"},
                timeout=60,
            )
        redis_pids = pids_named("redis-server")
        trees = {name: process_tree(p.pid) for name, p in procs.items()}
        before = {name: sum(cpu_seconds(p) for p in pids) for name, pids in trees.items()}
        pg_before = {pid: cpu_seconds(pid) for pid in postgres_backends(args.database_url)}
        before["redis-server"] = sum(cpu_seconds(p) for p in redis_pids)
        self_before = cpu_seconds(os.getpid())
        machine_before = machine_cpu_seconds()
        peak: dict[str, float] = defaultdict(float)
        stop = threading.Event()

        def watch_memory() -> None:
            while not stop.is_set():
                for name, p in procs.items():
                    peak[name] = max(peak[name], sum(rss_mb(x) for x in process_tree(p.pid)))
                peak["redis-server"] = max(peak["redis-server"], sum(rss_mb(p) for p in redis_pids))
                peak["load generator"] = max(peak["load generator"], rss_mb(os.getpid()))
                backends = postgres_backends(args.database_url)
                peak["postgres backends"] = max(
                    peak["postgres backends"], sum(rss_mb(p) for p in backends)
                )
                stop.wait(1.0)

        threads = [
            threading.Thread(target=sample_sequencer, args=(args.database_url, stop, sequencer)),
            threading.Thread(target=watch_memory),
        ]
        for t in threads:
            t.start()
        wall = time.perf_counter()
        window = (time.time(), 0.0)
        asyncio.run(fleet(url, seeded, args, rec))
        wall = time.perf_counter() - wall
        window = (window[0], time.time())
        stop.set()
        for t in threads:
            t.join()
        cpu = {
            name: round(
                sum(cpu_seconds(p) for p in process_tree(procs[name].pid)) - before[name], 1
            )
            for name in procs
        }
        cpu["redis-server"] = round(
            sum(cpu_seconds(p) for p in redis_pids) - before["redis-server"], 1
        )
        cpu["postgres backends"] = round(
            sum(
                cpu_seconds(p) - pg_before.get(p, 0.0) for p in postgres_backends(args.database_url)
            ),
            1,
        )
        cpu["load generator"] = round(cpu_seconds(os.getpid()) - self_before, 1)
        cpu["machine"] = round(machine_cpu_seconds() - machine_before, 1)
        time.sleep(12)  # one more sweep: the ladder catches up on what was due at the end
    finally:
        for p in procs.values():
            for pid in reversed(process_tree(p.pid)):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGTERM)
        for p in procs.values():
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
    from backend.dispatch.models import EscalationStep, Event

    stored = 0
    for k in range(0, len(rec.accepted), 5000):
        stored += Event.objects.filter(pk__in=rec.accepted[k : k + 5000]).count()
    lateness = [
        (f - d).total_seconds() for f, d in EscalationStep.objects.values_list("fired_at", "due_at")
    ]
    endpoints = {
        name: {
            "count": len(values),
            "per_s": round(len(values) / wall, 1),
            "p50_ms": round(percentile(values, 50) * 1000, 1),
            "p99_ms": round(percentile(values, 99) * 1000, 1),
            "max_ms": round(max(values) * 1000, 1),
            "errors": rec.errors.get(name, 0),
            "statuses": {str(code): n for code, n in sorted(rec.statuses[name].items())},
            "dropped_late": rec.dropped.get(name, 0),
        }
        for name, values in sorted(rec.latency.items())
    }
    result = {
        "devices": len(seeded["devices"]),
        "seconds": round(wall, 1),
        "target_push_per_s": round(len(seeded["devices"]) / args.push_every, 1),
        "positions_per_push": positions_per_push(args),
        "target_positions_per_s": round(len(seeded["devices"]) / PUSH_PERIOD_S, 1),
        "workers": args.workers,
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
        "endpoints": endpoints,
        "sequencer": {**sequencer, **lock_times(tmp / "sequencer", window)},
        "cpu_seconds": cpu,
        "peak_rss_mb": {k: round(v) for k, v in peak.items()},
        "cut_off_at_end": rec.errors.get("cut off at the end", 0),
        "accepted": len(rec.accepted),
        "stored": stored,
        "lost": len(rec.accepted) - stored,
        "escalations": {
            "fired": len(lateness),
            "lateness_p50_s": round(percentile(lateness, 50), 1) if lateness else None,
            "lateness_p99_s": round(percentile(lateness, 99), 1) if lateness else None,
            "lateness_max_s": round(max(lateness), 1) if lateness else None,
        },
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))
    for name, figures in endpoints.items():
        if figures["errors"] > figures["count"] // 100:
            print(
                f"scale: {figures['errors']} of {figures['count']} {name} requests failed "
                f"(statuses {figures['statuses']}; 0 is no answer): its latencies are mostly "
                "refusals, not the work",
                file=sys.stderr,
            )


if __name__ == "__main__":
    main()
