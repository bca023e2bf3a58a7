"""WebSocket push benchmark: N connected devices, R dispatches per second.

    .venv/bin/python bench/ws_push.py                      # 1,000 devices, 100/s, 30 s
    .venv/bin/python bench/ws_push.py --layer core         # the list-based RedisChannelLayer
    .venv/bin/python bench/ws_push.py --devices 100 --rate 20 --seconds 5   # smoke run

Needs PostgreSQL and Redis (``--database-url``/``--redis-url`` or DATABASE_URL/REDIS_URL;
the database named by ``--database-url`` is DROPPED and re-created). What runs:

* a uvicorn ASGI server (``--workers``) serving ``backend.config.asgi``;
* one client process holding every device socket (``websockets``), recording when each
  frame carrying an assignment arrives;
* ``--dispatchers`` processes calling the real ``incident_dispatch`` service (or, with
  ``--dispatch light``, a unit of work writing only what the realtime layer sees of a
  dispatch; with ``--dispatch layer``, a frame sent straight to the channel layer, to
  measure the layer and the ASGI server alone) on an open-loop schedule (``--rate`` per
  second in total), each commit fanned out by the real listener through the Redis channel
  layer. A probe listener placed before the fan-out records the commit time of each
  assignment.

Reported: delivery latency from commit to frame received (p50/p99/max, over every
(assignment, device of its unit) pair), frames lost (pairs with no frame), whether every
device has every assignment of its unit after a final pull from its ``hello`` cursor, and
where the CPU went while dispatching (ms per dispatch: dispatchers, their PostgreSQL
backends, server, client, and the rest of the machine — other people's work shows there).
Units are patrol cars of two officers; units are set back to ``available`` with a plain
UPDATE, a few at a time ahead of their next dispatch (a bench shortcut). The seeded tables
are ANALYZEd before the run, as autovacuum would have done on a live server.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import resource
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from pgdb import recreate_database

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"


def raise_file_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc); 0 if it cannot be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu_seconds() -> float:
    """CPU time the whole machine spent busy so far, every core (Linux /proc/stat)."""
    first = Path("/proc/stat").read_text().split("\n", 1)[0].split()
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in first[1:9])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def django_setup() -> None:
    sys.path[:0] = [str(ROOT), str(BENCH)]
    import django

    django.setup()


# --- orchestrator ---------------------------------------------------------------------------


def child_env(args: argparse.Namespace, tmp: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": f"{ROOT}:{BENCH}",
        "DJANGO_SETTINGS_MODULE": "ws_settings",
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "KUZET_CHANNEL_LAYER": args.layer,
        "KUZET_CHANNEL_PREFIX": f"kuzet-bench-{os.getpid()}",
        "KUZET_CACHE_PREFIX": f"kuzet-bench-{os.getpid()}",
        "KUZET_VAR_DIR": str(tmp),
        "KUZET_SYNC_RATE_PER_MINUTE": "100000",
        "SECRET_KEY": "bench-" + secrets.token_hex(24),
        "DEBUG": "0",
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
    }


def seed(args: argparse.Namespace) -> tuple[list[dict[str, Any]], list[tuple[int, int]]]:
    """Districts, units of two officers, their devices, and the incidents to dispatch."""
    from backend.common import clock
    from backend.devices.models import Device, digest
    from backend.dispatch.models import Incident
    from backend.geo.models import District, Oblast, Okrug, Settlement
    from backend.people.models import Officer, Role, Unit

    now = clock.now()
    oblast = Oblast.objects.create(kato="100000000", name="Абай облысы", centre="Семей")
    Officer.objects.create(
        username="bench_duty", role=Role.DUTY_OFFICER, oblast=oblast, password="!", is_staff=True
    )
    units_total = args.devices // 2
    per_district = -(-units_total // args.districts)
    devices: list[dict[str, Any]] = []
    settlements: dict[int, int] = {}
    for d in range(args.districts):
        district = District.objects.create(
            oblast=oblast, kato=f"10{d + 10:02d}00000", name=f"District {d}", seat_name=f"Seat {d}"
        )
        okrug = Okrug.objects.create(
            district=district, kato=f"10{d + 10:02d}10000", name=f"Okrug {d}"
        )
        town = Settlement.objects.create(
            okrug=okrug,
            district=district,
            kato=f"10{d + 10:02d}10100",
            name=f"Seat {d}",
            lat=48.0 + d / 10,
            lon=80.0,
            zone="urban",
            coverage="lte",
        )
        settlements[district.pk] = town.pk
        count = min(per_district, units_total - d * per_district)
        units = Unit.objects.bulk_create(
            Unit(callsign=f"D{d}-PC{i}", type="patrol_car", district=district, last_contact_at=now)
            for i in range(count)
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
                officer=o, install_id=f"bench-{o.username}", token_hash=digest(t), enrolled_at=now
            )
            for o, t in zip(officers, tokens, strict=True)
        )
        for officer, token in zip(officers, tokens, strict=True):
            devices.append({"unit": officer.unit_id, "token": token})
    units_by_district = list(Unit.objects.order_by("id").values_list("id", "district_id"))
    total = int(args.rate * args.seconds)
    incidents = Incident.objects.bulk_create(
        Incident(
            channel="phone_102",
            category="theft",
            priority="P2",
            district_id=district_id,
            settlement_id=settlements[district_id],
            summary=f"bench {i}",
            received_at=now,
            created_at=now,
        )
        for i, (_, district_id) in enumerate(
            units_by_district[i % len(units_by_district)] for i in range(total)
        )
    )
    plan = [
        (incident.pk, units_by_district[i % len(units_by_district)][0])
        for i, incident in enumerate(incidents)
    ]
    return devices, plan


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, proc: subprocess.Popen[bytes], seconds: float = 60) -> None:
    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not answer")


def orchestrate(args: argparse.Namespace) -> dict[str, Any]:
    raise_file_limit()
    tmp = Path(tempfile.mkdtemp(prefix="kuzet-ws-bench-"))
    env = child_env(args, tmp)
    os.environ.update({k: v for k, v in env.items() if k != "PYTHONPATH"})
    print(f"setting up {args.devices} devices in {args.districts} districts…", flush=True)
    recreate_database(args.database_url)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    django_setup()
    devices, plan = seed(args)
    (tmp / "devices.json").write_text(json.dumps(devices))
    (tmp / "plan.json").write_text(json.dumps(plan))
    from django.db import connection, connections

    # Planner statistics for the freshly seeded tables, as autovacuum keeps them on a
    # running server (it is off on the reference machine): without them PostgreSQL guesses,
    # and a device lookup of every dispatch walked the whole devices index (1 ms instead of
    # 0.05 ms).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    connections.close_all()

    port = free_port()
    server_cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "backend.config.asgi:application",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--lifespan",
        "off",
        "--no-access-log",
        "--log-level",
        "warning",
        "--ws-max-size",
        "1048576",
        "--workers",
        str(args.workers),
    ]
    server = subprocess.Popen(server_cmd, cwd=ROOT, env=env)
    client = None
    wsgi = None
    http_base = f"http://127.0.0.1:{port}"
    if args.http == "gunicorn":
        wsgi_port = free_port()
        wsgi = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "backend.config.wsgi:application", "--bind",
             f"127.0.0.1:{wsgi_port}", "--workers", str(args.http_workers), "--log-level",
             "warning"],
            cwd=ROOT, env=env,
        )  # fmt: skip
        http_base = f"http://127.0.0.1:{wsgi_port}"
    http_result: dict[str, Any] | None = None
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", server)
        if wsgi is not None:
            wait_http(f"{http_base}/healthz", wsgi)
        client = subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--role",
                "client",
                "--server",
                f"127.0.0.1:{port}",
                "--work",
                str(tmp),
                "--dispatch",
                args.dispatch,
            ],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert client.stdout is not None
        assert client.stdin is not None
        for line in client.stdout:
            if line.startswith("READY"):
                print(f"client: {line.strip()}", flush=True)
                break
        else:
            raise SystemExit("client failed")
        dispatchers = [
            subprocess.Popen(
                [
                    sys.executable,
                    __file__,
                    "--role",
                    "dispatch",
                    "--work",
                    str(tmp),
                    "--share",
                    f"{k}/{args.dispatchers}",
                    "--rate",
                    str(args.rate),
                    "--dispatch",
                    args.dispatch,
                    *(["--profile", str(Path(args.profile).resolve())] if args.profile else []),
                ],
                cwd=ROOT,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            for k in range(args.dispatchers)
        ]
        for proc in dispatchers:  # each has set Django up and warmed its connections
            assert proc.stdout is not None
            if not proc.stdout.readline().startswith("READY"):
                raise SystemExit("a dispatcher failed to start")
        t0 = time.time() + 0.5
        cpu_before = cpu_snapshot(server.pid, client.pid)
        print(f"dispatching {len(plan)} assignments at {args.rate}/s…", flush=True)
        for proc in dispatchers:
            assert proc.stdin is not None
            proc.stdin.write(f"{t0!r}\n")
            proc.stdin.flush()
        if args.http != "none":
            # An empty pull (at the head: nothing new), the commonest HTTP request, while
            # the sockets are pushed to. Layer mode writes nothing, so it stays empty.
            from backend.ledger.uow import current_change_seq

            head = current_change_seq()
            http_result = run_wrk(
                f"{http_base}/api/sync/v1/pull?last_pulled_at={head}&schema_version=1",
                devices[0]["token"], args.seconds, args.http_connections,
            )  # fmt: skip
        for proc in dispatchers:
            if proc.wait() != 0:
                raise SystemExit("a dispatcher failed")
        cpu_used = cpu_delta(cpu_before, cpu_snapshot(server.pid, client.pid))
        time.sleep(args.grace)
        print("final pulls…", flush=True)
        client.stdin.write("STOP\n")
        client.stdin.flush()
        if client.wait(timeout=1800) != 0:
            raise SystemExit("client failed")
        client = None
    finally:
        if client is not None:
            client.kill()
        if wsgi is not None:
            wsgi.terminate()
            wsgi.wait(timeout=15)
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
    result = analyse(args, tmp, devices, cpu_used)
    if http_result is not None:
        result["http"] = {"server": args.http, **http_result}
    return result


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (uvicorn's workers)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    tree, todo = [], [pid]
    while todo:
        tree.append(todo.pop())
        todo += children.get(tree[-1], [])
    return tree


def cpu_snapshot(server_pid: int, client_pid: int) -> dict[str, Any]:
    """CPU time so far of the server, the client, the PostgreSQL backends serving the bench
    database (the server's and the dispatchers') and the whole machine."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        backends = [pid for (pid,) in cursor.fetchall()]
    return {
        "server": sum(cpu_seconds(pid) for pid in process_tree(server_pid)),
        "client": cpu_seconds(client_pid),
        "backends": {pid: cpu_seconds(pid) for pid in backends},
        "machine": machine_cpu_seconds(),
        "at": time.monotonic(),
    }


def cpu_delta(before: dict[str, Any], after: dict[str, Any]) -> dict[str, float]:
    """CPU seconds used between two snapshots. The dispatchers' backends have gone with
    their dispatchers (they report their own), so backends alive at the end are the
    server's."""
    return {
        "server": after["server"] - before["server"],
        "client": after["client"] - before["client"],
        "server_postgres": sum(
            cpu - before["backends"].get(pid, 0.0) for pid, cpu in after["backends"].items()
        ),
        "machine": after["machine"] - before["machine"],
        "seconds": after["at"] - before["at"],
    }


def analyse(
    args: argparse.Namespace,
    tmp: Path,
    devices: list[dict[str, Any]],
    cpu_used: dict[str, float] | None = None,
) -> dict[str, Any]:
    committed: dict[str, float] = {}
    unit_of: dict[str, int] = {}
    lags: list[float] = []
    dispatcher_cpu = dispatcher_postgres_cpu = 0.0
    for k in range(args.dispatchers):
        part = json.loads((tmp / f"dispatch-{k}.json").read_text())
        committed.update(part["committed"])
        unit_of.update(part["assignments"])
        lags += part["lags"]
        dispatcher_cpu += part["cpu_seconds"]
        dispatcher_postgres_cpu += part["postgres_cpu_seconds"]
    received = json.loads((tmp / "client.json").read_text())
    devices_of: dict[int, list[int]] = {}
    for index, device in enumerate(devices):
        devices_of.setdefault(device["unit"], []).append(index)
    first_seen: dict[tuple[int, str], float] = {}
    for index, assignment_id, at in received["frames"]:
        first_seen.setdefault((index, assignment_id), at)
    latencies, lost = [], 0
    for assignment_id, unit_id in unit_of.items():
        for index in devices_of[unit_id]:
            at = first_seen.get((index, assignment_id))
            if at is None:
                lost += 1
            else:
                latencies.append((at - committed[assignment_id]) * 1000)
    pulled = received["pulled"]
    missing_after_pull = None
    if args.dispatch != "layer":  # layer frames carry made-up ids: nothing to pull
        missing_after_pull = sum(
            1
            for assignment_id, unit_id in unit_of.items()
            for index in devices_of[unit_id]
            if assignment_id not in set(pulled[index])
        )
    span = max(committed.values()) - min(committed.values()) if committed else 0
    result = {
        "layer": args.layer,
        "dispatch": args.dispatch,
        "workers": args.workers,
        "devices": args.devices,
        "connected": received["connected"],
        "target_rate": args.rate,
        "assignments": len(unit_of),
        "achieved_rate": round(len(unit_of) / span, 1) if span else None,
        "dispatcher_lag_p99_ms": round(percentile(lags, 99) * 1000, 1),
        "frames_expected": len(latencies) + lost,
        "frames_lost": lost,
        "latency_p50_ms": round(percentile(latencies, 50), 1),
        "latency_p99_ms": round(percentile(latencies, 99), 1),
        "latency_max_ms": round(max(latencies), 1) if latencies else None,
        "missing_after_final_pull": missing_after_pull,
        "pokes_received": received["pokes"],
    }
    if cpu_used is not None and unit_of:
        # Where the two cores went while dispatching, in ms per dispatch. "rest" is every
        # other process of the machine: Redis, the kernel, and other people's work — a
        # quiet machine shows a small rest.
        ours = {
            "dispatchers": dispatcher_cpu,
            "dispatchers_postgres": dispatcher_postgres_cpu,
            "server": cpu_used["server"],
            "server_postgres": cpu_used["server_postgres"],
            "client": cpu_used["client"],
        }
        ours["rest"] = cpu_used["machine"] - sum(ours.values())
        result["cpu_ms_per_dispatch"] = {
            name: round(seconds * 1000 / len(unit_of), 2) for name, seconds in ours.items()
        }
        result["machine_busy"] = round(
            cpu_used["machine"] / (cpu_used["seconds"] * (os.cpu_count() or 1)), 2
        )
    return result


def run_wrk(url: str, token: str, seconds: float, connections: int) -> dict[str, Any]:
    """``wrk`` on one URL with a device's headers; rps and latency percentiles."""
    import re

    command = [
        "wrk", "-t", "1", "-c", str(connections), "-d", f"{seconds:.0f}s", "--latency",
        "--timeout", "10s", "-H", f"Authorization: Device {token}",
        "-H", f"X-Device-Clock: {int(time.time() * 1000)};bench-http;1000", url,
    ]  # fmt: skip
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout

    def pct(p: str) -> float:
        match = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if match is None:
            return float("nan")
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(rps.group(1)) if rps else 0.0,
        "p50_ms": pct("50"),
        "p99_ms": pct("99"),
        "non_2xx": int(errors.group(1)) if errors else 0,
    }


# --- client process ---------------------------------------------------------------------------


async def run_client(server: str, work: Path, final_pull: bool) -> None:
    import httpx
    import orjson
    from websockets.asyncio.client import connect

    raise_file_limit()
    devices = json.loads((work / "devices.json").read_text())
    frames: list[tuple[int, str, float]] = []
    hello: dict[int, int] = {}
    pokes = 0
    sockets: dict[int, Any] = {}
    gate = asyncio.Semaphore(50)

    async def reader(index: int, ws: Any) -> None:
        nonlocal pokes
        async for text in ws:
            now = time.time()
            frame = orjson.loads(text)
            if frame["type"] == "changes":
                for record in frame["changes"].get("assignments", {}).get("updated", []):
                    frames.append((index, record["id"], now))
            elif frame["type"] == "poke":
                pokes += 1

    async def open_one(index: int, token: str) -> None:
        async with gate:
            ws = await connect(
                f"ws://{server}/ws/sync/v1/",
                subprotocols=["kuzet.v1", f"token.{token}"],
                open_timeout=60,
                ping_interval=None,
                max_size=2**20,
            )
            first = orjson.loads(await ws.recv())
            hello[index] = first["timestamp"]
            sockets[index] = ws

    started = time.monotonic()
    await asyncio.gather(*(open_one(i, d["token"]) for i, d in enumerate(devices)))
    readers = [asyncio.create_task(reader(i, ws)) for i, ws in sockets.items()]
    print(f"READY {len(sockets)} sockets in {time.monotonic() - started:.1f} s", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    for task in readers:
        task.cancel()
    await asyncio.gather(*(ws.close() for ws in sockets.values()), return_exceptions=True)

    pulled: list[list[str]] = [[] for _ in devices]
    limits = httpx.Limits(max_connections=8)
    async with httpx.AsyncClient(base_url=f"http://{server}", timeout=60, limits=limits) as http:

        async def pull(index: int, token: str) -> None:
            cursor = hello[index]
            while True:
                response = await http.get(
                    "/api/sync/v1/pull",
                    params={"last_pulled_at": cursor, "schema_version": 1},
                    headers={
                        "Authorization": f"Device {token}",
                        "X-Device-Clock": f"{int(time.time() * 1000)};bench;1000",
                    },
                )
                response.raise_for_status()
                body = response.json()
                pulled[index] += [r["id"] for r in body["changes"]["assignments"]["updated"]]
                cursor = body["timestamp"]
                if not body["has_more"]:
                    return

        if final_pull:
            await asyncio.gather(*(pull(i, d["token"]) for i, d in enumerate(devices)))
    out = {"frames": frames, "pulled": pulled, "connected": len(sockets), "pokes": pokes}
    (work / "client.json").write_text(json.dumps(out))


# --- dispatcher process -------------------------------------------------------------------------


def light_dispatch(*, incident: Any, unit: Any, by: Any) -> Any:
    """What the realtime layer sees of a dispatch, without policies, ladder or SMS: the
    assignment, the unit's status, the touches and the board notification, in one unit of
    work (resolver, change log and fan-out are the real ones)."""
    from backend.common import clock
    from backend.dispatch.models import Assignment
    from backend.ledger import uow
    from backend.people.models import Unit

    now = clock.now()
    with uow.unit_of_work():
        assignment = Assignment.objects.create(
            incident_id=incident.pk,
            unit_id=unit.pk,
            dispatched_at=now,
            dispatched_by=by,
            dispatch_source="duty_officer",
            ack_due_at=now,
        )
        Unit.objects.filter(pk=unit.pk).update(status="dispatched", status_at=now)
        uow.audit("assignment.dispatched", actor=by, obj=assignment)
        uow.touch("assignments", assignment.pk)
        uow.touch("incidents", incident.pk)
        uow.touch("units", unit.pk)
        uow.notify(
            "board",
            district_id=assignment.incident.district_id,
            kind="assignment.dispatched",
            assignment_id=assignment.pk,
            unit_id=unit.pk,
        )
    return assignment


def layer_frame(record_id: str, unit_id: int, seq: int) -> None:
    """The channel layer alone: one small ``changes`` frame to a unit, no database."""
    import ws_timing

    from backend.realtime import fanout, groups
    from backend.sync_gateway.render import empty_changes

    changes = empty_changes()
    changes["assignments"]["updated"] = [{"id": record_id, "unit_id": str(unit_id)}]
    payload = {"type": "changes", "timestamp": seq + 1, "changes": changes}
    ws_timing.COMMITTED[record_id] = time.time()
    fanout.send_all([(groups.audience(f"u:{unit_id}"), fanout.frame(payload))])


def run_dispatcher(
    work: Path, share: str, rate: float, mode: str, profile: str | None = None
) -> None:
    django_setup()
    import ws_timing
    from django.db import connection

    from backend.dispatch.models import Incident
    from backend.dispatch.services.assignments import incident_dispatch
    from backend.people.models import Officer, Unit

    dispatch = incident_dispatch if mode == "service" else light_dispatch

    from backend.realtime import fanout

    k, n = (int(x) for x in share.split("/"))
    plan = json.loads((work / "plan.json").read_text())
    mine = list(range(k, len(plan), n))
    # Units are set back to available a few at a time, ahead of their next dispatch: one
    # UPDATE per chunk instead of one per dispatch keeps the shortcut off the shared cores.
    # A chunk spans fewer plan entries than there are units, so no unit is in it twice.
    chunk = max(1, min(10, len({unit for _, unit in plan}) // n))
    duty = Officer.objects.get(username="bench_duty")
    fanout.send_all([("bench.warmup", {"type": "kuzet.frame", "text": "{}"})])
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend_pid = cursor.fetchone()[0]
    print("READY", flush=True)
    t0 = float(sys.stdin.readline())
    cpu_start, backend_start = time.process_time(), cpu_seconds(backend_pid)
    assignments: dict[str, int] = {}
    lags: list[float] = []
    profiler = cProfile.Profile(time.process_time) if profile else None
    if profiler is not None:
        profiler.enable()
    for j, i in enumerate(mine):
        incident_id, unit_id = plan[i]
        if mode != "layer" and j % chunk == 0:
            units = [plan[x][1] for x in mine[j : j + chunk]]
            Unit.objects.filter(pk__in=units).update(status="available")
        due = t0 + i / rate
        delay = due - time.time()
        if delay > 0:
            time.sleep(delay)
        lags.append(max(0.0, -delay))
        if mode == "layer":
            assignments[f"L{i}"] = unit_id
            layer_frame(f"L{i}", unit_id, i)
            continue
        assignment = dispatch(incident=Incident(pk=incident_id), unit=Unit(pk=unit_id), by=duty)
        assignments[str(assignment.pk)] = unit_id
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(str(Path(profile or ".") / f"dispatch-{k}.prof"))
    out = {
        "committed": ws_timing.COMMITTED,
        "assignments": assignments,
        "lags": lags,
        "cpu_seconds": time.process_time() - cpu_start,
        "postgres_cpu_seconds": cpu_seconds(backend_pid) - backend_start,
    }
    (work / f"dispatch-{k}.json").write_text(json.dumps(out))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--role", default="main", choices=["main", "client", "dispatch"])
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--districts", type=int, default=17)
    parser.add_argument("--rate", type=float, default=100.0, help="dispatches per second")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--layer", default="pubsub", choices=["pubsub", "core"])
    parser.add_argument(
        "--dispatch",
        default="service",
        choices=["service", "light", "layer"],
        help="service: the real incident_dispatch; light: only what the realtime layer sees "
        "of one; layer: frames straight into the channel layer (no database)",
    )
    parser.add_argument("--workers", type=int, default=1, help="uvicorn processes")
    parser.add_argument("--dispatchers", type=int, default=4, help="dispatching processes")
    parser.add_argument("--grace", type=float, default=3.0, help="seconds to wait for late frames")
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "KUZET_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kuzet_bench_ws"
        ),
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14")
    )
    parser.add_argument(
        "--http",
        default="none",
        choices=["none", "same", "gunicorn"],
        help="also load HTTP (empty pulls with wrk) during the run: on the same uvicorn "
        "server, or on a separate gunicorn (WSGI) server",
    )
    parser.add_argument("--http-workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--http-connections", type=int, default=16)
    parser.add_argument("--json", help="also write the result here")
    parser.add_argument(
        "--profile", help="directory for a cProfile dump of each dispatcher (dispatch-K.prof)"
    )
    parser.add_argument("--server")
    parser.add_argument("--work")
    parser.add_argument("--share")
    args = parser.parse_args()

    if args.role == "client":
        asyncio.run(run_client(args.server, Path(args.work), args.dispatch != "layer"))
        return
    if args.role == "dispatch":
        run_dispatcher(Path(args.work), args.share, args.rate, args.dispatch, args.profile)
        return
    result = orchestrate(args)
    print(json.dumps(result, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
