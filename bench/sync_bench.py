"""Sync API benchmark (issue 3): pull, empty pull, push, and pull cost against database size.

    .venv/bin/python bench/sync_bench.py                     # full run: 10k then 1M events
    .venv/bin/python bench/sync_bench.py --quick             # smoke run: small, 3 s each
    .venv/bin/python bench/sync_bench.py --server uvicorn    # measure the ASGI server instead

Needs PostgreSQL and ``wrk`` (``apt-get install -y wrk``). The database named by
``--database-url`` (default ``kuzet_s2_bench``) is DROPPED and re-created. What runs:

* the server (``--server gunicorn``: WSGI with ``--workers`` sync workers, the default;
  or ``uvicorn``: ASGI as in the Procfile) on the bench database, with
  ``KUZET_SYNC_PAGE_SIZE=100`` and no rate limit;
* ``wrk`` on the same machine with ``--connections`` (16) connections, one per device,
  each request rotating through 16 enrolled devices of 16 units;
* scenarios, each ``--seconds`` long:
  - ``pull-100``: an incremental pull returning a full page of 100 changes (events);
  - ``empty-pull``: a pull at the head (nothing new — the common case);
  - ``naive-100``: the floor to beat — DRF ``ModelSerializer`` "changed since" over the
    same events, 100 per page (bench/sync_urls.py);
  - ``floor-query``: the framework's floor — a plain Django view running one indexed query
    and answering a small JSON body; ``floor-const``: a view answering constant bytes (both
    bench/sync_urls.py, same server, middleware and pool);
  - ``push-50``: pushes of 50 new events (notes and a position), every one stored and
    applied; reported as events/s;
* the database is first seeded with ``--small`` events (10,000), measured, then grown to
  ``--large`` events (1,000,000) and the GET scenarios measured again: the pull-cost ratio
  large/small (p50) should stay ≤ 1.2;
* before all that (unless ``--no-snapshot``), a separate database gets ``manage.py seed
  --demo`` (the demo Abai oblast); every unit's scope is counted, and ``snapshot``
  (``last_pulled_at=null``: the whole scope in one response) is measured for a device of the
  unit with the largest scope, with ``--snapshot-connections`` (1) connections so that the
  latency is the request's own, not a queue's.

Targets (issue 10), as ratios within one run: pull-100 ≥ 3× naive-100 and ≥ 60 % of
floor-query with p99 ≤ 60 ms; empty-pull ≥ 85 % of floor-query; push ≥ 3,000 events/s;
snapshot of the largest seeded scope ≤ 150 ms p50. The summary prints them.

Bulk events are inserted with SQL (``generate_series``) together with their change-log rows;
they are notes on each unit's open assignment (the change log is what a pull reads).
Prints a Markdown table (paste into docs/benchmarks.md) and writes JSON to ``--json``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from pgdb import recreate_database

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
UNITS = 16
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/kuzet_s2_bench"


def load() -> str:
    """The load average, to note with every run: the machine is shared."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _database_settings(url: str) -> dict[str, Any]:
    parsed = urlparse(url)
    return {"NAME": parsed.path.lstrip("/")}


def django_setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sync_settings")
    os.environ.setdefault("SECRET_KEY", "kuzet-bench-secret-key-0123456789abcdef0123456789abcd")
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("KUZET_DB_POOL", "0")
    sys.path[:0] = [str(ROOT), str(BENCH)]
    import django

    django.setup()


# --- seeding ---------------------------------------------------------------------------------


def seed_base() -> list[dict[str, Any]]:
    """A district with UNITS patrol cars, one officer and one device each, one open
    assignment per unit. Returns the devices (token, device id, unit, assignment)."""
    from django.core.management import call_command

    from backend.common import clock
    from backend.devices.services import device_enroll, enrolment_code_issue
    from backend.dispatch.models import Assignment, Incident
    from backend.geo.models import District, Oblast, Okrug, Settlement
    from backend.ledger import uow
    from backend.people.models import Officer, Unit

    call_command("migrate", verbosity=0)
    oblast = Oblast.objects.create(kato="100000000", name="Абай облысы", centre="Семей")
    district = District.objects.create(
        oblast=oblast, kato="103600000", name="Аягозский район", seat_name="Аягоз"
    )
    okrug = Okrug.objects.create(district=district, kato="103620000", name="Аягоз г.а.")
    Settlement.objects.create(
        okrug=okrug, district=district, kato="103620100", name="Аягоз", lat=47.96, lon=80.43
    )
    devices = []
    now = clock.now()
    for n in range(UNITS):
        unit = Unit.objects.create(
            callsign=f"B-PC{n:02d}", district=district, type="patrol_car", last_contact_at=now
        )
        officer = Officer.objects.create_user(
            username=f"bench{n:02d}", password="x", district=district, unit=unit
        )
        enrolment = device_enroll(
            code=enrolment_code_issue(officer=officer),
            device_info={"platform": "bench", "install_id": f"bench-install-{n}"},
        )
        with uow.unit_of_work():
            incident = Incident.objects.create(
                channel="phone_102", category="theft", priority="P2", district=district,
                summary=f"bench incident {n}", received_at=now, created_at=now,
            )  # fmt: skip
            incident.assign_number()
            assignment = Assignment.objects.create(
                incident=incident, unit=unit, dispatched_at=now, dispatch_source="duty_officer"
            )
            uow.touch("incidents", incident.pk)
            uow.touch("assignments", assignment.pk)
            uow.touch("units", unit.pk)
        devices.append(
            {
                "token": enrolment.token,
                "device_id": enrolment.device.pk,
                "unit_id": unit.pk,
                "assignment_id": assignment.pk,
                "officer_id": officer.pk,
            }
        )
    from backend.devices.models import Device
    from backend.sync_gateway.pull import scope_epoch
    from backend.sync_gateway.scope import reference_reconcile

    reference_reconcile()
    # Each device's scope is built before the bulk changes: their first pull would do it,
    # and a cursor from before it would get a snapshot, not the 100-change page we measure.
    for device in Device.objects.select_related("officer"):
        scope_epoch(device)
    return devices


def grow_events(total: int) -> int:
    """Insert notes (and their change rows) until the database holds ``total`` bulk events."""
    from django.db import connection, transaction

    from backend.ledger.uow import lock_sequencer

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM dispatch_event WHERE id LIKE 'bulk%%'")
        have = cursor.fetchone()[0]
    if have >= total:
        return have
    step = 200_000
    start = have
    while start < total:
        end = min(total, start + step)
        with transaction.atomic(), connection.cursor() as cursor:
            sequencer = lock_sequencer()
            base = sequencer.change_seq
            cursor.execute(
                """
                WITH a AS (
                    SELECT row_number() OVER (ORDER BY a.id) - 1 AS k, a.id, a.incident_id,
                           a.unit_id, o.id AS officer_id, d.id AS device_id
                    FROM dispatch_assignment a
                    JOIN people_officer o ON o.unit_id = a.unit_id
                    JOIN devices_device d ON d.officer_id = o.id AND d.revoked_at IS NULL
                )
                INSERT INTO dispatch_event (
                    id, kind, source, via, assignment_id, incident_id, unit_id, officer_id,
                    device_id, device_time, boot_id, elapsed_ms, payload, content_hash,
                    server_received_at, estimated_at, estimate_uncertainty_ms,
                    estimate_method, clock_suspect, disposition
                )
                SELECT 'bulk' || lpad(g::text, 12, '0'), 'note', 'app', 'http', a.id,
                       a.incident_id, a.unit_id, a.officer_id, a.device_id,
                       1700000000000 + g, 'bulk-boot', g, '{"text": "bulk note"}'::jsonb,
                       md5(g::text), to_timestamp(1700000000 + g / 1000.0),
                       to_timestamp(1700000000 + g / 1000.0), 1000, 'anchor', false,
                       'recorded'
                FROM generate_series(%s, %s) AS g
                JOIN a ON a.k = g %% %s
                """,
                [start, end - 1, UNITS],
            )
            cursor.execute(
                """
                INSERT INTO ledger_change (seq, audience, "table", record_id, deleted, at)
                SELECT %s + (g - %s) + 1, 'u:' || e.unit_id, 'events', e.id, false, now()
                FROM generate_series(%s, %s) AS g
                JOIN dispatch_event e ON e.id = 'bulk' || lpad(g::text, 12, '0')
                """,
                [base, start, start, end - 1],
            )
            sequencer.change_seq = base + (end - start)
            sequencer.save(update_fields=["change_seq"])
        start = end
        print(f"  … {end:,} bulk events", flush=True)
    return total


def analyze(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def cursors_for(devices: list[dict[str, Any]], behind: int) -> dict[str, int]:
    """Per device: a cursor with at least ``behind`` changes of its unit after it."""
    from backend.ledger.models import Change

    out = {}
    for device in devices:
        seqs = Change.objects.filter(audience=f"u:{device['unit_id']}").order_by("-seq")
        row = seqs.values_list("seq", flat=True)[behind : behind + 1]
        out[device["device_id"]] = row[0] if row else 0
    return out


# --- server and load -------------------------------------------------------------------------


def start_server(
    args: argparse.Namespace, url: str, tmp: Path
) -> tuple[subprocess.Popen[bytes], str]:
    import httpx

    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": f"{ROOT}:{BENCH}",
        "DJANGO_SETTINGS_MODULE": "sync_settings",
        "DATABASE_URL": url,
        "KUZET_SYNC_PAGE_SIZE": "100",
        "KUZET_SYNC_RATE_PER_MINUTE": "0",
        # The seeding process runs without the pool; the server must not inherit that:
        # without it every request would open a new PostgreSQL connection.
        "KUZET_DB_POOL": "1",
        "KUZET_VAR_DIR": str(tmp),
        "SECRET_KEY": "kuzet-bench-secret-key-0123456789abcdef0123456789abcd",
        "DEBUG": "0",
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
    }
    if args.server == "gunicorn":
        # Sync workers keep their connection (no pool needed): CONN_MAX_AGE is per request
        # in the base settings, the pool keeps connections warm.
        command = [sys.executable, "-m", "gunicorn", "backend.config.wsgi:application",
                   "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers),
                   "--timeout", "120", "--log-level", "warning"]  # fmt: skip
    else:
        command = [sys.executable, "-m", "uvicorn", "backend.config.asgi:application",
                   "--host", "127.0.0.1", "--port", str(port), "--workers", str(args.workers),
                   "--lifespan", "off", "--no-access-log", "--log-level", "warning"]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        if server.poll() is not None:
            raise RuntimeError(f"{args.server} exited with {server.returncode}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return server, base
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            server.kill()
            raise RuntimeError("the server did not start")
        time.sleep(0.2)


LUA_GET = """
local paths = {%(paths)s}
local tokens = {%(tokens)s}
local n = 0
request = function()
  n = n + 1
  local k = (n %% #paths) + 1
  return wrk.format("GET", paths[k], {
    ["Authorization"] = "Device " .. tokens[k],
    ["X-Device-Clock"] = tostring(os.time() * 1000) .. ";bench-boot;" .. tostring(n),
    ["Accept-Encoding"] = "gzip",
  })
end
"""

LUA_PUSH = """
local tokens = {%(tokens)s}
local assignments = {%(assignments)s}
local counter = 0
local thread_id = 0
local prefix = ""
function setup(thread)
  thread:set("tid", %(salt)d + math.random(1, 1000000))
end
function init(args)
  prefix = string.format("p%%07d", tid)
end
request = function()
  counter = counter + 1
  local k = (counter %% #tokens) + 1
  local now = os.time() * 1000
  local events = {}
  for i = 1, 50 do
    local id = string.format("%%s%%09d%%02d", prefix, counter, i)
    if i == 50 then
      events[i] = string.format('{"id":"%%s","kind":"location","assignment_id":null,' ..
        '"device_time":%%d,"boot_id":"bench-boot","elapsed_ms":%%d,"lat":47.96,' ..
        '"lon":80.43,"accuracy_m":10,"gps_time":null,"payload":{}}', id, now, counter * 100 + i)
    else
      events[i] = string.format('{"id":"%%s","kind":"note","assignment_id":"%%s",' ..
        '"device_time":%%d,"boot_id":"bench-boot","elapsed_ms":%%d,"lat":null,"lon":null,' ..
        '"accuracy_m":null,"gps_time":null,"payload":"{\\\\"text\\\\":\\\\"bench\\\\"}"}',
        id, assignments[k], now, counter * 100 + i)
    end
  end
  local body = '{"changes":{"events":{"created":[' .. table.concat(events, ",") ..
    '],"updated":[],"deleted":[]}},"lastPulledAt":null}'
  return wrk.format("POST", "/api/sync/v1/push", {
    ["Authorization"] = "Device " .. tokens[k],
    ["X-Device-Clock"] = tostring(now) .. ";bench-boot;" .. tostring(counter * 100 + 60),
    ["Content-Type"] = "application/json",
  }, body)
end
"""


def lua_list(values: list[Any]) -> str:
    return ", ".join(json.dumps(str(v)) for v in values)


def probe(base: str, script_paths: str, token: str) -> str:
    """One request of a scenario, to show what a failing scenario answers."""
    import httpx

    path = json.loads(f"[{script_paths}]")[0]
    response = httpx.get(
        base + path, headers={"Authorization": f"Device {token}", "X-Device-Clock": "1;probe;1"}
    )
    return f"{response.status_code} {response.text[:200]}"


def run_wrk(
    args: argparse.Namespace, base: str, script: str, tmp: Path, name: str
) -> dict[str, Any]:
    path = tmp / f"{name}.lua"
    path.write_text(script)
    threads = str(min(2, args.connections))  # wrk needs a connection per thread
    command = ["wrk", "-t", threads, "-c", str(args.connections), "-d", f"{args.seconds}s",
               "--timeout", "10s", "--latency", "-s", str(path), base]  # fmt: skip
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]

    def pct(p: str) -> float:
        match = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if match is None:
            return float("nan")
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    return {
        "scenario": name,
        "rps": rps,
        "p50_ms": pct("50"),
        "p99_ms": pct("99"),
        "non_2xx": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(1) if socket_errors else "",
    }


def report(label: str, r: dict[str, Any]) -> None:
    extra = f" = {r['events_per_s']:.0f} events/s" if "events_per_s" in r else ""
    print(
        f"  {label:>6} {r['scenario']:<11} {r['rps']:8.1f} req/s{extra}  "
        f"p50 {r['p50_ms']:6.1f} ms  p99 {r['p99_ms']:6.1f} ms  non-2xx {r['non_2xx']}  "
        f"load {r.get('load', '?')}",
        flush=True,
    )


def measure(args: argparse.Namespace, base: str, devices: list[dict[str, Any]], tmp: Path,
            label: str, *, push: bool) -> list[dict[str, Any]]:  # fmt: skip
    from backend.ledger.uow import current_change_seq

    behind = cursors_for(devices, 150)
    head = current_change_seq()
    tokens = lua_list([d["token"] for d in devices])
    pull_paths = lua_list(
        [f"/api/sync/v1/pull?last_pulled_at={behind[d['device_id']]}&schema_version=1"
         for d in devices]
    )  # fmt: skip
    empty_paths = lua_list(
        [f"/api/sync/v1/pull?last_pulled_at={head}&schema_version=1" for _ in devices]
    )
    naive_paths = lua_list(
        [f"/bench/naive/events?device={d['device_id']}&since=0" for d in devices]
    )
    query_paths = lua_list([f"/bench/floor/query?device={d['device_id']}" for d in devices])
    const_paths = lua_list(["/bench/floor/const" for _ in devices])
    scenarios = (("pull-100", pull_paths), ("empty-pull", empty_paths),
                 ("naive-100", naive_paths), ("floor-query", query_paths),
                 ("floor-const", const_paths))  # fmt: skip
    # Rounds interleave the scenarios (A B C … A B C …) and each scenario keeps its median
    # round: on a shared machine the load moves within minutes, and ratios between
    # scenarios measured seconds apart are what the targets are about.
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name, _ in scenarios}
    for round_number in range(args.rounds):
        for name, paths in scenarios:
            result = run_wrk(args, base, LUA_GET % {"paths": paths, "tokens": tokens}, tmp, name)
            result["size"] = label
            result["load"] = load()
            result["round"] = round_number + 1
            if result["non_2xx"]:
                result["probe"] = probe(base, paths, devices[0]["token"])
                print(f"  probe of {name}: {result['probe']}", flush=True)
            runs[name].append(result)
            report(label, result)
    results = []
    for name, _ in scenarios:
        ordered = sorted(runs[name], key=lambda r: r["rps"])
        median = dict(ordered[len(ordered) // 2])
        median["rounds_rps"] = [round(r["rps"], 1) for r in runs[name]]
        results.append(median)
    if push:
        script = LUA_PUSH % {
            "tokens": tokens,
            "assignments": lua_list([d["assignment_id"] for d in devices]),
            "salt": os.getpid() % 1000,
        }
        result = run_wrk(args, base, script, tmp, "push-50")
        result["size"] = label
        result["load"] = load()
        result["events_per_s"] = result["rps"] * 50
        results.append(result)
        report(label, result)
    return results


def scope_sizes() -> list[dict[str, Any]]:
    """Every unit's scope (what a device of it holds), largest first."""
    from collections import Counter

    from backend.people.models import Unit
    from backend.sync_gateway.models import Membership
    from sync.scope import device_audiences

    sizes = []
    for unit in Unit.objects.all():
        audiences = device_audiences(unit_id=unit.pk, district_id=unit.district_id)
        tables = Counter(
            Membership.objects.filter(audience__in=audiences).values_list("table", flat=True)
        )
        sizes.append(
            {
                "unit_id": unit.pk,
                "callsign": unit.callsign,
                "type": unit.type,
                "records": sum(tables.values()),
                "tables": dict(tables),
            }
        )
    return sorted(sizes, key=lambda s: (-s["records"], s["callsign"]))


def measure_snapshot(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    """The demo oblast's largest scope as one replacement snapshot, per request."""
    import gzip

    import httpx
    from django.core.management import call_command
    from django.db import connections

    from backend.devices.services import device_enroll, enrolment_code_issue
    from backend.people.models import Officer

    call_command("migrate", verbosity=0)
    call_command("seed", demo=True, verbosity=0)
    sizes = scope_sizes()
    largest = sizes[0]
    inspectors = [s for s in sizes if s["type"] == "district_inspector"]
    officer = Officer.objects.filter(unit_id=largest["unit_id"], is_active=True).first()
    assert officer is not None
    token = device_enroll(
        code=enrolment_code_issue(officer=officer),
        device_info={"platform": "bench", "install_id": "bench-snapshot"},
    ).token
    connections.close_all()
    print(
        f"largest scope: {largest['callsign']} {largest['records']} records {largest['tables']}; "
        f"a district inspector's: {inspectors[0]['records'] if inspectors else '—'}",
        flush=True,
    )
    server, base = start_server(args, args.snapshot_database_url, tmp)
    try:
        path = "/api/sync/v1/pull?last_pulled_at=null&schema_version=2"
        answer = httpx.get(
            base + path,
            headers={"Authorization": f"Device {token}", "Accept-Encoding": "gzip"},
        )
        body = answer.json()
        assert body.get("experimentalStrategy") == "replacement", body
        assert body["has_more"] is False
        raw = len(answer.content)
        wire = len(gzip.compress(answer.content, 1))
        connections_before = args.connections
        args.connections = args.snapshot_connections
        try:
            result = run_wrk(
                args, base, LUA_GET % {"paths": lua_list([path]), "tokens": lua_list([token])},
                tmp, "snapshot",
            )  # fmt: skip
        finally:
            args.connections = connections_before
    finally:
        server.terminate()
        server.wait(30)
    result.update(
        size="demo", load=load(), records=largest["records"], bytes=raw, gzip_bytes=wire,
        unit=largest["callsign"], tables=largest["tables"],
        inspector_records=inspectors[0]["records"] if inspectors else None,
        connections=args.snapshot_connections,
    )  # fmt: skip
    report("demo", result)
    return result


def serve_and_measure(
    args: argparse.Namespace, devices: list[dict[str, Any]], tmp: Path, label: str, *, push: bool
) -> list[dict[str, Any]]:
    server, base = start_server(args, args.database_url, tmp)
    try:
        return measure(args, base, devices, tmp, label, push=push)
    finally:
        server.terminate()
        server.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("KUZET_BENCH_DATABASE_URL", DEFAULT_DATABASE_URL),
    )
    parser.add_argument("--server", choices=["gunicorn", "uvicorn"], default="gunicorn")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="smoke run: 3 s, 2k/20k events")
    parser.add_argument("--json", default="var/bench-sync.json")
    parser.add_argument("--no-snapshot", dest="snapshot", action="store_false")
    parser.add_argument(
        "--rounds", type=int, default=1, help="interleaved rounds of the GET scenarios (median)"
    )
    parser.add_argument("--snapshot-connections", type=int, default=1)
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.small, args.large = 3, 2_000, 20_000
    args.snapshot_database_url = args.database_url + "_demo"

    print(f"load before the run: {load()}", flush=True)
    results: list[dict[str, Any]] = []
    if args.snapshot:
        recreate_database(args.snapshot_database_url)
        django_setup(args.snapshot_database_url)
        print("seeding the demo oblast for the snapshot …", flush=True)
        with tempfile.TemporaryDirectory() as tmp_name:
            results.append(measure_snapshot(args, Path(tmp_name)))
        from django.db import connections

        connections.close_all()
        connections["default"].settings_dict.update(_database_settings(args.database_url))
    recreate_database(args.database_url)
    if not args.snapshot:
        django_setup(args.database_url)
    print(f"seeding {UNITS} units and devices …", flush=True)
    devices = seed_base()
    grow_events(args.small)
    analyze(args.database_url)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        print(
            f"measuring at {args.small:,} events ({args.server}, {args.workers} workers, "
            f"{args.connections} connections, {args.seconds} s each)",
            flush=True,
        )
        results += serve_and_measure(args, devices, tmp, f"{args.small // 1000}k", push=True)
        # The server is stopped while the database grows: requests still queued when wrk
        # stops would otherwise race the bulk insert (whose deferred foreign-key checks lock
        # rows in no particular order).
        print(f"growing to {args.large:,} events …", flush=True)
        grow_events(args.large)
        analyze(args.database_url)
        results += serve_and_measure(args, devices, tmp, f"{args.large // 1000}k", push=False)

    by = {(r["size"], r["scenario"]): r for r in results}
    small, large = f"{args.small // 1000}k", f"{args.large // 1000}k"
    ratio = by[(large, "pull-100")]["p50_ms"] / by[(small, "pull-100")]["p50_ms"]
    print()
    print("| scenario | events in DB | req/s | p50 ms | p99 ms | note |")
    print("|---|---|---|---|---|---|")
    for r in results:
        note = f"{r['events_per_s']:.0f} events/s" if "events_per_s" in r else ""
        if r["non_2xx"]:
            note += f" {r['non_2xx']} non-2xx"
        print(f"| {r['scenario']} | {r['size']} | {r['rps']:.0f} | {r['p50_ms']:.1f} |"
              f" {r['p99_ms']:.1f} | {note} |")  # fmt: skip
    print(f"\npull-100 p50 ratio {large}/{small}: {ratio:.2f}")
    targets = []
    for size in (small, large):
        pull, empty, naive, floor = (
            by.get((size, name)) for name in ("pull-100", "empty-pull", "naive-100", "floor-query")
        )
        if not (pull and empty and naive and floor):
            continue
        targets += [
            (f"{size} pull-100 / naive-100 ≥ 3", pull["rps"] / naive["rps"], 3.0),
            (f"{size} pull-100 / floor-query ≥ 0.60", pull["rps"] / floor["rps"], 0.60),
            (f"{size} pull-100 p99 ≤ 60 ms", pull["p99_ms"], 60.0),
            (f"{size} empty-pull / floor-query ≥ 0.85", empty["rps"] / floor["rps"], 0.85),
        ]
    if (small, "push-50") in by:
        targets.append(("push ≥ 3,000 events/s", by[(small, "push-50")]["events_per_s"], 3000.0))
    if ("demo", "snapshot") in by:
        targets.append(("snapshot of the largest scope p50 ≤ 150 ms",
                        by[("demo", "snapshot")]["p50_ms"], 150.0))  # fmt: skip
    print("\n| target | measured | met |\n|---|---|---|")
    for name, value, bound in targets:
        met = value <= bound if ("≤" in name) else value >= bound
        print(f"| {name} | {value:.2f} | {'yes' if met else 'NO'} |")
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(
        {"server": args.server, "workers": args.workers, "connections": args.connections,
         "seconds": args.seconds, "results": results, "pull_ratio": ratio}, indent=1))  # fmt: skip


if __name__ == "__main__":
    main()
