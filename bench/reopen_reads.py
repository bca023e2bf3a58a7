"""Reads of a call's current visit (a0fe8ef, 62e4883, e551746): the sweep's reopen read, the
chief's overdue count, the duty desk's notice — each against a floor in the same run.

    .venv/bin/python bench/reopen_reads.py                  # all three parts (8 min at load 15)
    .venv/bin/python bench/reopen_reads.py --part home      # one part: sweep | home | notice
    .venv/bin/python bench/reopen_reads.py --history 20000 --open 5000 --due 200 --reps 10
                                                            # smoke run
    .venv/bin/python bench/reopen_reads.py --reuse --part home   # again, on the data there

Needs PostgreSQL and Redis (``--database-url``/``--redis-url`` or REDIS_URL). The database
named by ``--database-url`` is DROPPED and re-created unless ``--reuse`` (default
``kuzet_bench_reopen``, never the one you work in).

Data (ORM ``bulk_create``, one oblast of 10 districts, the chief's is the first):
``--history`` closed calls with a cleared crew, and ``--open`` open calls, a third of them
reopened (the first visit's crew cleared with an "on scene" time before the reopen, a unit
sent after it), their open units spread over the statuses from dispatched to transporting,
half of their deadlines passed; ``VACUUM ANALYZE``.

1. **sweep** — ``--due`` assignments of reopened and never-reopened calls (half each) with
   their arrival rung due now; one call in ten has another unit on scene in this visit.
   ``escalation_sweep()`` as it is, against the same sweep whose reopen read
   (``services.schedule.incidents_on_scene``'s read of the calls' reopen times) is answered
   from a dict filled before the timer starts: the same rungs fire, the difference is the
   read. Alternated, ``--repeat`` pairs, fresh due rows each. Also the read alone: the two
   statements now against the one of a0fe8ef^ (``on_scene_at`` only, reopen ignored) on the
   same ids.
2. **home** — the chief's "overdue assignments" count (``kpis.overdue_q``, its ``EXISTS``
   over the call's units, 62e4883) against the count of a0fe8ef^'s ``overdue_q`` and the
   plain count of the district's open assignments (the floor), and the whole of
   ``reports.selectors.needs_now``; ``--reps`` each, alternated.
3. **notice** — the duty desk's notice after an acknowledgment recorded on a reopened call
   (``dispatch_panel._recorded_text``, its ``EXISTS`` by ``kpis.reached_scene_q``,
   e551746) against the same notice with the old ``on_scene_at`` probe, and the incident's
   page (the panel the desk sees, the floor), ``--reps`` each.

Prints medians, ratios, statement counts and the ``EXPLAIN (ANALYZE)`` of the new statements.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from pgdb import recreate_database

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DISTRICTS = 10
RUN = f"{int(time.time()) % 100_000:05d}"  # call numbers of this run (--reuse adds calls)


def django_setup(args: argparse.Namespace) -> None:
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["REDIS_URL"] = args.redis_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings.base")
    os.environ.setdefault("SECRET_KEY", "kuzet-bench-reopen-secret-0123456789abcdef0123456789")
    os.environ["KUZET_SMS_BACKEND"] = "backend.dispatch.sms.MemoryBackend"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("KUZET_DB_POOL", "0")
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]
    settings.KUZET_CHANGE_LISTENERS = []  # the sweep's own work, as bench/escalation.py's first


# --- data -------------------------------------------------------------------------------------
def build(args: argparse.Namespace) -> None:
    from django.core.management import call_command
    from django.db import connection

    from backend.common import clock
    from backend.dispatch.services import escalation_sweep
    from backend.geo.models import District, Oblast, Okrug, Settlement
    from backend.people.models import Officer, Unit

    call_command("migrate", verbosity=0)
    t = time.perf_counter()
    oblast = Oblast.objects.create(kato="100000000", name="Абай облысы", centre="Семей")
    now = clock.now()
    for d in range(DISTRICTS):
        district = District.objects.create(
            oblast=oblast, kato=f"10{d + 1:02d}00000", name=f"Аудан {d}", seat_name=f"Аудан {d}"
        )
        okrug = Okrug.objects.create(district=district, kato=f"10{d + 1:02d}20000", name=f"О {d}")
        Settlement.objects.create(
            okrug=okrug,
            district=district,
            kato=f"10{d + 1:02d}20100",
            name=f"Ауыл {d}",
            lat=47.96 + d / 10,
            lon=80.43,
            zone="urban",
        )
        units = Unit.objects.bulk_create(
            Unit(
                callsign=f"D{d}-{i:03d}",
                type="patrol_car",
                district=district,
                lat=47.97,
                lon=80.44,
                position_at=now,
                last_contact_at=now,
                status="dispatched",
            )
            for i in range(40)
        )
        Officer.objects.bulk_create(
            Officer(
                username=f"crew{d}-{i:03d}",
                role="officer",
                district=district,
                unit=u,
                phone=f"+7702{d:02d}{i:05d}",
                password="!",
            )
            for i, u in enumerate(units)
        )
    first = District.objects.order_by("kato").first()
    Officer.objects.create(username="chief_bench", role="chief", district=first, password="!")
    Officer.objects.create(
        username="duty_bench", role="duty_officer", oblast=oblast, password="!", is_staff=True
    )
    rng = random.Random(7)
    _calls(args.history, kind="history", now=now, rng=rng)
    _calls(args.open, kind="open", now=now, rng=rng)
    # The open calls' own rungs fire (in service they fired long ago): their step rows are
    # there, and no sweep below fires a backlog.
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    drained = 0
    while (report := escalation_sweep()).fired_total:
        drained += report.fired_total
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    print(
        f"data: {args.history:,} closed and {args.open:,} open calls, their {drained:,} "
        f"rungs fired, in {time.perf_counter() - t:.0f} s"
    )


def _places() -> list[tuple[Any, Any, list[Any]]]:
    from backend.geo.models import District, Settlement
    from backend.people.models import Unit

    out = []
    for district in District.objects.order_by("kato"):
        town = Settlement.objects.get(district=district)
        out.append((district, town, list(Unit.objects.filter(district=district).order_by("pk"))))
    return out


OPEN_STATUSES = ("dispatched", "delivered", "acknowledged", "en_route", "on_scene", "transporting")


def _calls(
    n: int,
    *,
    kind: str,
    now: dt.datetime,
    rng: random.Random,
    district_index: int | None = None,
    reopened_share: float = 1 / 3,
    other_on_scene_share: float = 0.0,
    status: str | None = None,
    arrive_due: dt.timedelta | None = None,
    prefix: str = "",
) -> list[int]:
    """``n`` calls of ``kind`` ("history": closed, one cleared crew; "open": one open unit, a
    share reopened after a first visit whose crew was on scene). Returns the open units' ids."""
    from backend.dispatch.models import Assignment, Incident

    places = _places()
    H = dt.timedelta(hours=1)
    ids: list[int] = []
    for start in range(0, n, 5000):
        chunk = range(start, min(n, start + 5000))
        specs = []
        for i in chunk:
            d = district_index if district_index is not None else i % DISTRICTS
            district, town, units = places[d]
            if kind == "history":
                received = now - dt.timedelta(days=rng.uniform(1, 365))
                reopened = None
            else:
                received = now - dt.timedelta(minutes=rng.uniform(30, 300))
                reopened = received + H / 4 if rng.random() < reopened_share else None
            specs.append((i, district, town, units, received, reopened))
        incidents = Incident.objects.bulk_create(
            Incident(
                number=f"{prefix}{RUN}{kind[0].upper()}-{i:07d}",
                channel="phone_102",
                category="theft",
                priority="P2",
                status="closed" if kind == "history" else "assigned",
                district=district,
                settlement=town,
                summary="bench",
                received_at=received,
                created_at=received,
                reopened_at=reopened,
                closed_at=received + 2 * H if kind == "history" else None,
                notify_citizen=True,
                caller_phone=f"+7701{i:07d}",
            )
            for i, district, town, units, received, reopened in specs
        )
        rows = []
        for (i, _d, _t, units, received, reopened), inc in zip(specs, incidents, strict=True):
            unit = units[i % len(units)]
            if kind == "history" or reopened is not None:
                # A crew that got there and cleared (the call closed, or its first visit).
                on_scene = received + dt.timedelta(minutes=rng.uniform(5, 14))
                rows.append(
                    Assignment(
                        incident=inc,
                        unit=units[(i + 1) % len(units)],
                        status="cleared",
                        dispatched_at=received,
                        dispatch_source="duty_officer",
                        delivered_at=received,
                        acknowledged_at=received,
                        on_scene_at=on_scene,
                        cleared_at=on_scene,
                        closed_at=on_scene,
                        arrive_due_at=received + H / 4,
                    )
                )
            if kind == "history":
                continue
            sent = reopened or received
            st = status or rng.choice(OPEN_STATUSES)
            k = OPEN_STATUSES.index(st)
            due = (
                arrive_due
                if arrive_due is not None
                else dt.timedelta(minutes=rng.choice((-30, -5, 120, 360)))
            )
            rows.append(
                Assignment(
                    incident=inc,
                    unit=unit,
                    status=st,
                    dispatched_at=sent,
                    dispatch_source="duty_officer",
                    delivered_at=sent if k >= 1 else None,
                    acknowledged_at=sent if k >= 2 else None,
                    on_scene_at=sent + H / 6 if st == "on_scene" else None,
                    transporting_at=sent + H / 5 if st == "transporting" else None,
                    deliver_due_at=sent + H / 30,
                    ack_due_at=sent + H / 15,
                    arrive_due_at=now + due,
                    next_escalation_at=now + due if k < 4 else None,
                )
            )
            if rng.random() < other_on_scene_share:
                rows.append(
                    Assignment(
                        incident=inc,
                        unit=units[(i + 2) % len(units)],
                        status="on_scene",
                        dispatched_at=sent,
                        dispatch_source="duty_officer",
                        delivered_at=sent,
                        acknowledged_at=sent,
                        on_scene_at=now - H / 30,
                        arrive_due_at=sent + H / 4,
                    )
                )
        made = Assignment.objects.bulk_create(rows)
        ids += [
            a.pk for a in made if a.status == status or (status is None and a.closed_at is None)
        ]
    return ids


# --- timing helpers -----------------------------------------------------------------------------
def median_ms(fn: Callable[[], Any], reps: int) -> float:
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def alternate(fns: dict[str, Callable[[], Any]], reps: int) -> dict[str, float]:
    """Median ms of each, the functions run in turn (so drift of the machine hits all)."""
    times: dict[str, list[float]] = {k: [] for k in fns}
    for fn in fns.values():
        fn()  # warm
    for r in range(reps):
        order = list(fns.items()) if r % 2 == 0 else list(reversed(fns.items()))
        for name, fn in order:
            t = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t)
    return {k: statistics.median(v) * 1000 for k, v in times.items()}


def statements(fn: Callable[[], Any]) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn()
    return [q["sql"] for q in ctx.captured_queries]


def explain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, COSTS OFF, SUMMARY ON) " + sql)
        return "\n".join("    " + row[0] for row in cur.fetchall())


def db_ms(fns: dict[str, Callable[[], Any]], reps: int) -> dict[str, float]:
    """Median ms PostgreSQL spends executing each one's statements (``EXPLAIN ANALYZE``'s
    Execution Time, timing off), in turn: the database's share, without Python's."""
    from django.db import connection

    sqls = {
        k: [s for s in statements(fn) if not s.startswith(("SAVEPOINT", "RELEASE"))]
        for k, fn in fns.items()
    }
    times: dict[str, list[float]] = {k: [] for k in fns}
    with connection.cursor() as cur:
        for r in range(reps):
            order = list(sqls.items()) if r % 2 == 0 else list(reversed(sqls.items()))
            for name, batch in order:
                total = 0.0
                for sql in batch:
                    cur.execute("EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) " + sql)
                    plan = cur.fetchone()[0]
                    total += float((plan[0] if isinstance(plan, list) else plan)["Execution Time"])
                times[name].append(total)
    return {k: statistics.median(v) for k, v in times.items()}


def show_plans(title: str, fn: Callable[[], Any], *, match: str = "") -> None:
    sqls = [s for s in statements(fn) if match in s and not s.startswith(("SAVEPOINT", "RELEASE"))]
    for sql in sqls:
        print(f"  EXPLAIN ANALYZE — {title}:\n    {sql[:300]}{' …' if len(sql) > 300 else ''}")
        print(explain(sql))


# --- 1. the sweep -----------------------------------------------------------------------------
def incidents_on_scene_before(incident_ids: Any) -> set[int]:
    """a0fe8ef^'s ``services.schedule.incidents_on_scene``: one read, the reopen ignored."""
    from backend.dispatch.models import Assignment

    return set(
        Assignment.objects.filter(incident_id__in=set(incident_ids), on_scene_at__isnull=False)
        .values_list("incident_id", flat=True)
        .distinct()
    )


def on_scene_given(reopened: dict[int, dt.datetime]) -> Callable[[Any], set[int]]:
    """Today's ``incidents_on_scene`` with the calls' reopen times already known: its second
    statement and rule alone (the floor: the same answer without the reopen read)."""
    from django.db.models import Q

    from backend.dispatch.lifecycle import reached_in_visit
    from backend.dispatch.models import Assignment

    def read(incident_ids: Any) -> set[int]:
        ids = set(incident_ids)
        if not ids:
            return set()
        arrivals = (
            Assignment.objects.filter(incident_id__in=ids)
            .filter(Q(on_scene_at__isnull=False) | Q(transporting_at__isnull=False))
            .values_list("incident_id", "on_scene_at", "transporting_at")
        )
        return {
            i
            for i, on_scene_at, transporting_at in arrivals
            if reached_in_visit(on_scene_at, transporting_at, reopened_at=reopened.get(i))
        }

    return read


def part_sweep(args: argparse.Namespace) -> None:
    from backend.common import clock
    from backend.dispatch.models import Assignment, Incident
    from backend.dispatch.services import escalation, escalation_sweep, schedule

    real = escalation.incidents_on_scene
    timings: dict[str, list[float]] = {"now": [], "floor": []}
    fired: dict[str, list[int]] = {"now": [], "floor": []}
    ids_seen: list[int] = []
    for run in range(args.repeat):
        order = ("now", "floor") if run % 2 == 0 else ("floor", "now")
        for variant in order:
            now = clock.now()
            due = _calls(  # the same calls in both variants of a pair
                args.due,
                kind="open",
                now=now,
                rng=random.Random(run),
                district_index=0,
                reopened_share=0.5,
                other_on_scene_share=0.1,
                status="en_route",
                arrive_due=-dt.timedelta(minutes=1),
                prefix=f"S{run}{variant[0]}",
            )
            incident_ids = list(
                Assignment.objects.filter(pk__in=due).values_list("incident_id", flat=True)
            )
            reopened = dict(
                Incident.objects.filter(pk__in=incident_ids, reopened_at__isnull=False).values_list(
                    "pk", "reopened_at"
                )
            )
            escalation.incidents_on_scene = real if variant == "now" else on_scene_given(reopened)
            try:
                t0 = time.perf_counter()
                report = escalation_sweep()
                timings[variant].append((time.perf_counter() - t0) * 1000)
            finally:
                escalation.incidents_on_scene = real
            fired[variant].append(report.fired_total)
            ids_seen = incident_ids
            Assignment.objects.filter(incident_id__in=incident_ids, closed_at__isnull=True).update(
                status="cancelled", cancelled_at=now, closed_at=now, next_escalation_at=None
            )
            print(
                f"  sweep run {run + 1} {variant:>5}: {timings[variant][-1]:6.1f} ms "
                f"({report.fired_total} rungs)"
            )
    now_ms, floor_ms = statistics.median(timings["now"]), statistics.median(timings["floor"])
    print(
        f"sweep, {args.due:,} arrival rungs due: now median {now_ms:.1f} ms, floor (reopen "
        f"times given) {floor_ms:.1f} ms, ratio {now_ms / floor_ms:.3f}; rungs fired "
        f"{fired['now']} vs {fired['floor']}"
    )

    # The read alone, on the last batch's calls (now cancelled: the same index probes).
    ids = ids_seen
    reopened = dict(
        Incident.objects.filter(pk__in=ids, reopened_at__isnull=False).values_list(
            "pk", "reopened_at"
        )
    )
    given = on_scene_given(reopened)
    ms = alternate(
        {
            "now": lambda: schedule.incidents_on_scene(ids),
            "given": lambda: given(ids),
            "before": lambda: incidents_on_scene_before(ids),
        },
        args.reps,
    )
    print(
        f"incidents_on_scene over {len(ids):,} calls: now {ms['now']:.2f} ms "
        f"({len(statements(lambda: schedule.incidents_on_scene(ids)))} statements), "
        f"reopen times given {ms['given']:.2f} ms, a0fe8ef^ {ms['before']:.2f} ms "
        f"(1 statement); now ÷ a0fe8ef^ {ms['now'] / ms['before']:.2f}, "
        f"now ÷ given {ms['now'] / ms['given']:.2f}; the sweep's median {now_ms:.1f} ms"
    )
    db = db_ms(
        {
            "now": lambda: schedule.incidents_on_scene(ids),
            "before": lambda: incidents_on_scene_before(ids),
        },
        args.reps,
    )
    print(f"  in PostgreSQL: now {db['now']:.2f} ms, a0fe8ef^ {db['before']:.2f} ms")
    show_plans("incidents_on_scene", lambda: schedule.incidents_on_scene(ids))


# --- 2. the chief's home -----------------------------------------------------------------------
def overdue_q_before(now: dt.datetime) -> Any:
    """a0fe8ef^'s ``kpis.overdue_q``: the assignment's own milestones only."""
    from django.db.models import Q

    from backend.dispatch import lifecycle

    return Q(status__in=lifecycle.ASSIGNMENT_OPEN) & (
        Q(acknowledged_at__isnull=True, ack_due_at__lt=now)
        | Q(on_scene_at__isnull=True, arrive_due_at__lt=now)
    )


def part_home(args: argparse.Namespace) -> None:
    from backend.common import clock
    from backend.dispatch import kpis, lifecycle
    from backend.dispatch.models import Assignment
    from backend.people.access import district_scope
    from backend.people.models import Officer
    from backend.reports.selectors import needs_now

    chief = Officer.objects.get(username="chief_bench")
    scope = district_scope(chief)
    now = clock.now()
    mine = Assignment.objects.filter(scope.q("incident__district"))

    def count_now() -> int:
        return mine.filter(kpis.overdue_q(now)).count()

    def count_before() -> int:
        return mine.filter(overdue_q_before(now)).count()

    def floor() -> int:
        return mine.filter(status__in=lifecycle.ASSIGNMENT_OPEN).count()

    print(
        f"home: the chief's district — {floor():,} open assignments, overdue now "
        f"{count_now():,}, by a0fe8ef^'s rule {count_before():,}"
    )
    ms = alternate(
        {
            "floor": floor,
            "now": count_now,
            "before": count_before,
            "needs_now": lambda: needs_now(chief, now=now),
        },
        args.reps,
    )
    for k in ("floor", "before", "now", "needs_now"):
        print(f"  {k:<10} median {ms[k]:7.2f} ms  ÷ floor {ms[k] / ms['floor']:.2f}")
    print(f"  needs_now: {len(statements(lambda: needs_now(chief, now=now)))} statements")
    db = db_ms({"floor": floor, "before": count_before, "now": count_now}, args.reps)
    print(
        "  in PostgreSQL (EXPLAIN ANALYZE execution time): "
        + ", ".join(f"{k} {v:.2f} ms (÷ floor {v / db['floor']:.2f})" for k, v in db.items())
    )
    show_plans("overdue count", count_now)
    show_plans("the floor", floor)


# --- 3. the duty desk's notice -------------------------------------------------------------------
def part_notice(args: argparse.Namespace) -> None:
    from django.db.models import Q
    from django.test import Client
    from django.urls import reverse

    from backend.common import clock
    from backend.dispatch import kpis
    from backend.dispatch.admin import dispatch_panel
    from backend.dispatch.lifecycle import EventKind
    from backend.dispatch.models import Assignment, Incident
    from backend.people.models import Officer

    rng = random.Random(13)
    [pk] = _calls(
        1,
        kind="open",
        now=clock.now(),
        rng=rng,
        district_index=0,
        reopened_share=1.0,
        status="acknowledged",
        arrive_due=dt.timedelta(minutes=20),
        prefix="N",
    )
    incident_id = Assignment.objects.get(pk=pk).incident_id
    event = SimpleNamespace(estimated_at=clock.now(), payload={}, via="radio")

    def load() -> Assignment:
        # As the panel's view has it: the incident, then its assignment through it.
        incident = Incident.objects.get(pk=incident_id)
        return incident.assignments.select_related("unit").get(pk=pk)

    def notice() -> str:
        return dispatch_panel._recorded_text(load(), event, EventKind.ACK)

    def notice_before() -> str:
        # e551746^'s probe: any "on scene" time of the call (the first visit's crew hides
        # the deadline, so the text is the shorter one).
        rule = kpis.reached_scene_q
        kpis.reached_scene_q = lambda: Q(on_scene_at__isnull=False)  # type: ignore[assignment]
        try:
            return notice()
        finally:
            kpis.reached_scene_q = rule

    client = Client()
    client.force_login(Officer.objects.get(username="duty_bench"))
    url = reverse("admin:dispatch_incident_change", args=[incident_id])

    def page() -> int:
        response = client.get(url, secure=True)  # DEBUG off: plain http is redirected
        assert response.status_code == 200, response.status_code
        return len(response.content)

    print(f"notice: '{notice()}'\n  e551746^: '{notice_before()}'")
    ms = alternate({"page": page, "notice": notice, "before": notice_before}, args.reps)
    print(
        f"  the incident's page (floor) median {ms['page']:.1f} ms "
        f"({len(statements(page))} statements)"
    )
    print(
        f"  the notice (load + text) {ms['notice']:.2f} ms ({len(statements(notice))} "
        f"statements) ÷ page {ms['notice'] / ms['page']:.3f}"
    )
    print(
        f"  the notice with e551746^'s probe {ms['before']:.2f} ms "
        f"({len(statements(notice_before))} statements); notice ÷ it "
        f"{ms['notice'] / ms['before']:.2f}"
    )
    db = db_ms({"notice": notice, "before": notice_before, "page": page}, args.reps)
    print("  in PostgreSQL: " + ", ".join(f"{k} {v:.2f} ms" for k, v in db.items()))
    show_plans("the notice's probe", notice, match="LIMIT 1")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kuzet_bench_reopen"
        ),
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/13")
    )
    parser.add_argument("--part", choices=["sweep", "home", "notice", "all"], default="all")
    parser.add_argument("--history", type=int, default=100_000, help="closed calls")
    parser.add_argument("--open", type=int, default=5_000, help="open calls, oblast-wide")
    parser.add_argument("--due", type=int, default=1_000, help="arrival rungs due per sweep")
    parser.add_argument("--repeat", type=int, default=4, help="sweep pairs")
    parser.add_argument("--reps", type=int, default=30, help="timed reads of each")
    parser.add_argument("--reuse", action="store_true", help="keep the data already there")
    args = parser.parse_args()
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("this benchmark runs on PostgreSQL")
    if not args.reuse:
        recreate_database(args.database_url)
    django_setup(args)
    if not args.reuse:
        build(args)
    if args.part in ("home", "all"):
        part_home(args)
    if args.part in ("notice", "all"):
        part_notice(args)
    if args.part in ("sweep", "all"):
        part_sweep(args)


if __name__ == "__main__":
    main()
