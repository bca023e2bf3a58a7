"""The district chief's console benchmark (issue 14): the dashboard and the upward report
over 1,000,000 incidents in PostgreSQL.

    .venv/bin/python bench/reports_bench.py                 # full run: 1,000,000 calls, 3 years
    .venv/bin/python bench/reports_bench.py --incidents 50000 --reps 5    # smoke run
    .venv/bin/python bench/reports_bench.py --reuse         # measure again, keep the data

The database named by ``--database-url`` (default ``kuzet_bench_reports``) is DROPPED and
re-created unless ``--reuse``. What runs:

* the Abai oblast seed with its demo staff (``chief_ayagoz``, ``admin_abai``), then
  ``--incidents`` calls over ``--years`` ending now, written by SQL (bench/reports_history.sql:
  ``generate_series``, not the services — this measures reads), one or two assignments
  each, an event from the field app per arrival; ``VACUUM ANALYZE``;
* uvicorn (one process, as in the Procfile, ``DEBUG=0``) on that database, with the
  chief's and the oblast administrator's sessions;
* each page requested ``--reps`` times one after another (after two warm-up requests),
  timed from request to the last byte: p50, p90, max;
* the floors, in the same run and on the same data: the stock admin incident list for the
  same district and 30 days (an ordinary page of the same server), and the same summary
  figures computed in Python from loaded rows (bench/reports_urls.py) — the way the issue
  forbids.

Prints a Markdown table (paste into docs/benchmarks.md, with ``uptime``) and writes JSON to
``--json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from pgdb import recreate_database

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/kuzet_bench_reports"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def django_setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reports_settings")
    os.environ.setdefault("SECRET_KEY", "kuzet-bench-secret-key-0123456789abcdef0123456789abcd")
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("KUZET_DB_POOL", "0")
    sys.path[:0] = [str(ROOT), str(BENCH)]
    import django

    django.setup()


def seed(url: str, *, incidents: int, years: int) -> dict[str, Any]:
    from django.core.management import call_command
    from django.db import connection

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    call_command("seed", "--demo", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT greatest((SELECT coalesce(max(id), 0) FROM dispatch_incident),"
            " (SELECT coalesce(max(id), 0) FROM dispatch_assignment)) + 1000"
        )
        first_id = cursor.fetchone()[0]
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    generated = time.monotonic()
    subprocess.run(
        ["psql", url, "-q", "-v", "ON_ERROR_STOP=1", "-v", f"n={incidents}",
         "-v", f"years={years}", "-v", f"now={now}", "-v", f"first_id={first_id}",
         "-f", str(BENCH / "reports_history.sql")],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    written = time.monotonic()
    subprocess.run(["psql", url, "-q", "-c", "VACUUM ANALYZE"], check=True)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM dispatch_incident), "
            "(SELECT count(*) FROM dispatch_assignment), (SELECT count(*) FROM dispatch_event)"
        )
        counts = cursor.fetchone()
    return {
        "incidents": counts[0],
        "assignments": counts[1],
        "events": counts[2],
        "seed_s": round(generated - started, 1),
        "history_sql_s": round(written - generated, 1),
        "vacuum_s": round(time.monotonic() - written, 1),
    }


def session_cookie(username: str) -> str:
    """A logged-in session for ``username``, stored where the server reads sessions."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from backend.people.models import Officer

    user = Officer.objects.get(username=username)
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return str(store.session_key)


def server(url: str, port: int, tmp: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "reports_settings",
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(BENCH)]),
        "DATABASE_URL": url,
        "KUZET_VAR_DIR": str(tmp),
        "DEBUG": "0",
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
    }
    args = [sys.executable, "-m", "uvicorn", "backend.config.asgi:application", "--host",
            "127.0.0.1", "--port", str(port), "--lifespan", "off", "--no-access-log"]  # fmt: skip
    process = subprocess.Popen(args, cwd=ROOT, env=env)
    import httpx

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError("uvicorn did not start")


def measure(client: Any, path: str, *, reps: int) -> dict[str, Any]:
    for _ in range(2):
        warm = client.get(path)
        if warm.status_code != 200:
            raise RuntimeError(f"{path}: {warm.status_code} {warm.text[:300]}")
    times = []
    for _ in range(reps):
        started = time.perf_counter()
        response = client.get(path)
        response.read()
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, path
    times.sort()
    return {
        "p50_ms": round(statistics.median(times), 1),
        "p90_ms": round(times[min(len(times) - 1, int(0.9 * len(times)))], 1),
        "max_ms": round(times[-1], 1),
        "bytes": len(response.content),
    }


def scenarios(district_id: int, today: dt.date) -> list[tuple[str, str, str, str]]:
    """(name, who, path, what it is) — 30 days for the dashboard, a year for the report."""
    month = {"date_from": (today - dt.timedelta(days=29)).isoformat(), "date_to": today.isoformat()}
    year = {"date_from": (today - dt.timedelta(days=364)).isoformat(), "date_to": today.isoformat()}
    start = dt.datetime.combine(today - dt.timedelta(days=29), dt.time.min).isoformat() + "+05:00"
    stock = urlencode({"district__id__exact": district_id, "received_at__gte": start})

    def q(params: dict[str, str], **extra: str) -> str:
        return "?" + urlencode({**params, **extra})

    reports = "/admin/reports"
    return [
        ("floor: stock admin incident list, 30 days", "chief",
         f"/admin/dispatch/incident/?{stock}", "floor"),
        ("floor: the summary in Python from loaded rows, 30 days", "chief",
         f"/bench/naive-kpis/{q(month)}", "floor"),
        ("home: what needs me now + 30-day tiles", "chief", "/admin/", "page"),
        ("duty desk's home: what waits for the desk + my last actions, whole oblast", "duty",
         "/admin/", "page"),
        ("dashboard: every KPI + by zone, 30 days", "chief",
         f"{reports}/kpis/{q(month)}", "target"),
        ("dashboard chart: response by zone", "chief",
         f"{reports}/charts/response-by-zone.svg{q(month)}", "page"),
        ("dashboard chart: weekly trend", "chief", f"{reports}/charts/trend.svg{q(month)}", "page"),
        ("dashboard: by settlement, 30 days", "chief",
         f"{reports}/kpis/{q(month, by='settlement')}", "page"),
        ("villages, 30 days", "chief", f"{reports}/villages/{q(month)}", "page"),
        ("data quality, 30 days", "chief", f"{reports}/quality/{q(month)}", "page"),
        ("incidents behind response, 30 days", "chief",
         f"{reports}/incidents/{q(month, kpi='response')}", "page"),
        ("upward report, one district, a year", "chief", f"{reports}/upward/{q(year)}", "target"),
        ("upward report, whole oblast, a year", "oblast", f"{reports}/upward/{q(year)}", "page"),
        ("dashboard, whole oblast, 30 days", "oblast", f"{reports}/kpis/{q(month)}", "page"),
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--reps", type=int, default=15)
    parser.add_argument("--reuse", action="store_true", help="keep the database and its data")
    parser.add_argument("--json", default=str(ROOT / "var" / "bench-reports.json"))
    args = parser.parse_args()

    if not args.reuse:
        recreate_database(args.database_url)
    django_setup(args.database_url)
    data = {} if args.reuse else seed(args.database_url, incidents=args.incidents, years=args.years)

    from backend.geo.models import District
    from backend.reports.filters import local_today

    district = District.objects.get(name="Аягозский район")
    cookies = {
        "chief": session_cookie("chief_ayagoz"),
        "oblast": session_cookie("admin_abai"),
        "duty": session_cookie("duty_semey1"),  # the oblast's ЦОУ: every district
    }
    port = free_port()
    tmp = ROOT / "var" / "bench-reports"
    tmp.mkdir(parents=True, exist_ok=True)
    process = server(args.database_url, port, tmp)
    results = []
    try:
        import httpx

        clients = {
            who: httpx.Client(
                base_url=f"http://127.0.0.1:{port}", cookies={"sessionid": c}, timeout=60
            )
            for who, c in cookies.items()
        }
        for name, who, path, kind in scenarios(district.pk, local_today()):
            figures = measure(clients[who], path, reps=args.reps)
            results.append({"name": name, "kind": kind, "path": path, **figures})
            print(f"{name}: p50 {figures['p50_ms']} ms, p90 {figures['p90_ms']} ms", flush=True)
    finally:
        process.terminate()
        process.wait(15)

    floor = {r["name"]: r for r in results if r["kind"] == "floor"}
    stock = floor["floor: stock admin incident list, 30 days"]["p50_ms"]
    naive = floor["floor: the summary in Python from loaded rows, 30 days"]["p50_ms"]
    uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(f"\n{data}\nuptime: {uptime}\n")
    print("| page | p50 | p90 | max | p50 ÷ stock list | p50 ÷ Python floor |")
    print("|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['name']} | {r['p50_ms']:.0f} ms | {r['p90_ms']:.0f} ms | {r['max_ms']:.0f} ms "
            f"| {r['p50_ms'] / stock:.2f} | {r['p50_ms'] / naive:.2f} |"
        )
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(
        json.dumps({"data": data, "uptime": uptime, "results": results}, indent=2)
    )


if __name__ == "__main__":
    main()
