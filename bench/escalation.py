"""Escalation benchmark: the cost of one sweep, and lateness under a real worker and beat.

    .venv/bin/python bench/escalation.py                    # both parts, full size
    .venv/bin/python bench/escalation.py --part sweep       # 100,000 open, 1,000 due
    .venv/bin/python bench/escalation.py --part lateness    # 10,000 due over 60 s
    .venv/bin/python bench/escalation.py --open 5000 --due 100 --lateness-due 500 \
        --spread 10 --interval 2                            # smoke run

Needs PostgreSQL and Redis (``--database-url``/``--redis-url`` or DATABASE_URL/REDIS_URL).
The database named by ``--database-url`` is DROPPED and re-created (default
``kuzet_bench_escalation``, never the one you work in).

1. **sweep** — ``--open`` open assignments, ``--due`` of them with their "not delivered"
   rung due now (the rest due in an hour), each unit with one phone (so each fired rung
   also writes an outbox SMS, an audit entry and a board notification). Times
   ``escalation_sweep()`` — claim with SKIP LOCKED, insert the step rows, side effects,
   advance the due times, commit, after-commit listeners — over ``--repeat`` runs, each on
   a fresh set of due rows. Target: ≤ 200 ms.
2. **lateness** — ``--lateness-due`` assignments whose rungs fall due uniformly over
   ``--spread`` seconds, with a real Celery worker (prefork, 2 processes, as in the
   Procfile) and beat sweeping every ``--interval`` seconds. Lateness = ``fired_at −
   due_at`` of each step row. Target: p99 ≤ interval + 2 s, zero duplicates (audit entries,
   outbox rows and step rows per assignment all exactly one).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pgdb import recreate_database

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def django_setup(args: argparse.Namespace) -> None:
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["REDIS_URL"] = args.redis_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings.base")
    os.environ.setdefault("SECRET_KEY", "kuzet-bench-escalation-secret-0123456789abcdef0123")
    os.environ["KUZET_SMS_BACKEND"] = "backend.dispatch.sms.MemoryBackend"
    os.environ["KUZET_ESCALATION_SWEEP_SECONDS"] = str(args.interval)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def seed_places(n_units: int):  # type: ignore[no-untyped-def]
    from backend.common import clock
    from backend.geo.models import District, Oblast, Okrug, Settlement
    from backend.people.models import Officer, Unit

    oblast = Oblast.objects.create(kato="100000000", name="Абай облысы", centre="Семей")
    district = District.objects.create(
        oblast=oblast, kato="103600000", name="Аягоз", seat_name="Аягоз"
    )
    okrug = Okrug.objects.create(district=district, kato="103620000", name="Аягоз г.а.")
    town = Settlement.objects.create(
        okrug=okrug,
        district=district,
        kato="103620100",
        name="Аягоз",
        lat=47.96447,
        lon=80.43437,
        zone="urban",
    )
    now = clock.now()
    units = Unit.objects.bulk_create(
        Unit(callsign=f"U{i:04d}", type="patrol_car", district=district, lat=47.97, lon=80.44,
             position_at=now, last_contact_at=now, status="dispatched")
        for i in range(n_units)
    )  # fmt: skip
    Officer.objects.bulk_create(
        Officer(username=f"crew{i:04d}", role="officer", district=district, unit=u,
                phone=f"+7702{i:07d}", password="!")
        for i, u in enumerate(units)
    )  # fmt: skip
    return district, town, units


def create_assignments(district, town, units, *, n: int, due_at, prefix: str) -> list[int]:  # type: ignore[no-untyped-def]
    """``n`` open assignments; ``due_at(i)`` gives the "not delivered" deadline of the i-th."""
    from backend.common import clock
    from backend.dispatch.models import Assignment, Incident

    now = clock.now()
    ids: list[int] = []
    for start in range(0, n, 5000):
        chunk = range(start, min(n, start + 5000))
        incidents = Incident.objects.bulk_create(
            Incident(number=f"{prefix}-{i:07d}", channel="phone_102", category="theft",
                     priority="P2", status="assigned", district=district, settlement=town,
                     summary="bench", received_at=now, created_at=now)
            for i in chunk
        )  # fmt: skip
        rows = Assignment.objects.bulk_create(
            Assignment(incident=inc, unit=units[i % len(units)], status="dispatched",
                       dispatched_at=now, dispatch_source="duty_officer",
                       deliver_due_at=due_at(i), ack_due_at=now + dt.timedelta(hours=2),
                       next_escalation_at=due_at(i))
            for i, inc in zip(chunk, incidents, strict=True)
        )  # fmt: skip
        ids += [a.pk for a in rows]
    return ids


def part_sweep(args: argparse.Namespace) -> dict[str, float]:
    from django.db import connection

    from backend.common import clock
    from backend.dispatch.models import Assignment
    from backend.dispatch.services import escalation_sweep

    district, town, units = seed_places(200)
    now = clock.now()
    later = now + dt.timedelta(hours=1)
    t = time.perf_counter()
    create_assignments(district, town, units, n=args.open, due_at=lambda i: later, prefix="O")
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    print(f"sweep: {args.open:,} open assignments created in {time.perf_counter() - t:.1f} s")

    from django.conf import settings

    listeners = list(settings.KUZET_CHANGE_LISTENERS)
    result: dict[str, float] = {}
    # Measured twice: the sweep's own work (claim, rungs, side effects written, commit) with
    # no after-commit listener, then with the configured listeners (the realtime fan-out
    # of one board alert per rung to Redis), which run in the same call after commit.
    for label, active in (("sweep", []), ("sweep+fanout", listeners)):
        settings.KUZET_CHANGE_LISTENERS = active
        timings: list[float] = []
        for run in range(args.repeat):
            due = create_assignments(
                district, town, units, n=args.due, due_at=lambda i: clock.now(),
                prefix=f"{label}{run}",
            )  # fmt: skip
            with connection.cursor() as cur:
                cur.execute("ANALYZE dispatch_assignment")
            t0 = time.perf_counter()
            report = escalation_sweep()
            elapsed = time.perf_counter() - t0
            timings.append(elapsed)
            assert report.fired_total == args.due, report
            # Take them off the open set so that the next run measures the same size.
            Assignment.objects.filter(pk__in=due).update(
                status="cancelled", cancelled_at=now, closed_at=now, next_escalation_at=None
            )
            print(
                f"  {label} run {run + 1}: {elapsed * 1000:7.1f} ms  ({report.batches} "
                f"batches, {report.fired_total} rungs, {report.sms} sms)"
            )
        result[f"{label}_ms_median"] = statistics.median(timings) * 1000
        result[f"{label}_ms_max"] = max(timings) * 1000
        print(
            f"{label}: median {result[f'{label}_ms_median']:.1f} ms, max "
            f"{result[f'{label}_ms_max']:.1f} ms (target ≤ 200 ms) for {args.due:,} due among "
            f"{args.open + args.due:,} open"
        )
    settings.KUZET_CHANGE_LISTENERS = listeners
    return result


def part_lateness(args: argparse.Namespace) -> dict[str, float]:
    from collections import Counter

    from backend.common import clock
    from backend.dispatch.models import Assignment, EscalationStep, SmsMessage
    from backend.ledger.models import AuditEntry

    Assignment.objects.filter(next_escalation_at__isnull=False).update(next_escalation_at=None)
    district, town, units = _existing_places() if Assignment.objects.exists() else seed_places(200)
    tmp = Path(tempfile.mkdtemp(prefix="kuzet-bench-esc-"))
    env = {**os.environ, "KUZET_VAR_DIR": str(tmp), "KUZET_DB_POOL": "0",
           "KUZET_SMS_BACKEND": "backend.dispatch.sms.FileBackend",
           "KUZET_SMS_FILE_DIR": str(tmp / "sms"), "LOG_LEVEL": "WARNING"}  # fmt: skip
    celery = str(ROOT / ".venv" / "bin" / "celery")
    worker = subprocess.Popen(
        [celery, "-A", "backend.config", "worker", "--loglevel", "WARNING", "--concurrency", "2",
         "--without-heartbeat", "--without-mingle", "--without-gossip"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    beat = subprocess.Popen(
        [celery, "-A", "backend.config", "beat", "--loglevel", "WARNING", "-s",
         str(tmp / "beat-schedule")],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    try:
        time.sleep(8)  # let them start before anything falls due
        start = clock.now() + dt.timedelta(seconds=5)
        spread = dt.timedelta(seconds=args.spread)
        n = args.lateness_due
        ids = create_assignments(
            district,
            town,
            units,
            n=n,
            prefix="L",
            due_at=lambda i: start + spread * (i / max(1, n - 1)),
        )
        print(
            f"lateness: {n:,} rungs due from now+5 s over {args.spread} s, "
            f"sweep every {args.interval} s"
        )
        deadline = time.monotonic() + 5 + args.spread + 10 * args.interval + 120
        while EscalationStep.objects.filter(assignment_id__in=ids).count() < n:
            if time.monotonic() > deadline:
                break
            time.sleep(1)
        time.sleep(2 * args.interval)  # extra sweeps over nothing: duplicates would show here
    finally:
        for proc in (beat, worker):
            proc.terminate()
        for proc in (beat, worker):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()

    steps = list(
        EscalationStep.objects.filter(assignment_id__in=ids).values_list("due_at", "fired_at")
    )
    late = [(fired - due).total_seconds() for due, fired in steps]
    audits = Counter(
        AuditEntry.objects.filter(
            action="escalation.sms_undelivered", object_id__in=[str(i) for i in ids]
        ).values_list("object_id", flat=True)
    )
    outbox = Counter(
        SmsMessage.objects.filter(
            assignment_id__in=ids, purpose="escalation_undelivered"
        ).values_list("assignment_id", flat=True)
    )
    duplicates = sum(c - 1 for c in audits.values()) + sum(c - 1 for c in outbox.values())
    result = {
        "fired": len(steps),
        "missing": n - len(steps),
        "duplicates": duplicates,
        "late_p50_s": percentile(late, 50),
        "late_p99_s": percentile(late, 99),
        "late_max_s": max(late) if late else float("nan"),
    }
    print(
        f"lateness: fired {len(steps):,}/{n:,}, duplicates {duplicates}, "
        f"p50 {result['late_p50_s']:.2f} s, p99 {result['late_p99_s']:.2f} s, "
        f"max {result['late_max_s']:.2f} s (target p99 ≤ {args.interval + 2} s)"
    )
    return result


def _existing_places():  # type: ignore[no-untyped-def]
    from backend.geo.models import District, Settlement
    from backend.people.models import Unit

    district = District.objects.get(kato="103600000")
    return district, Settlement.objects.get(kato="103620100"), list(Unit.objects.order_by("pk"))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kuzet_bench_escalation"
        ),
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/13")
    )
    parser.add_argument("--part", choices=["sweep", "lateness", "both"], default="both")
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--lateness-due", type=int, default=10_000)
    parser.add_argument("--spread", type=int, default=60, help="seconds over which rungs fall due")
    parser.add_argument("--interval", type=int, default=10, help="KUZET_ESCALATION_SWEEP_SECONDS")
    args = parser.parse_args()
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("the escalation benchmark runs on PostgreSQL")
    recreate_database(args.database_url)
    django_setup(args)
    if args.part in ("sweep", "both"):
        part_sweep(args)
    if args.part in ("lateness", "both"):
        part_lateness(args)


if __name__ == "__main__":
    main()
