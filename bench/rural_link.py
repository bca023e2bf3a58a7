"""Rural link benchmark (issue 12): an officer's phone on a 2G link.

    .venv/bin/python bench/rural_link.py [--runs 3] [--json var/bench/rural_link.json]

Needs PostgreSQL; the database named by ``--database-url`` (default ``kuzet_sim_bench``) is
DROPPED and re-created, migrated and seeded with the demo staff. A real server (uvicorn, as
in the Procfile) serves it; the phone is the reference client (``sync/client.py``).

The link: 64 kbit/s each way, 600 ms round trip, 3 % loss, and one cut of every connection
two seconds into the sync. The kernel's own shaping is tried first (``tc qdisc … netem`` on a
veth pair into a network namespace ``ksim-…``); where the kernel has no ``netem`` the
measurement goes through ``bench/shaping_proxy.py`` on loopback, and the output says which.

Scenarios, each ``--runs`` times:

* ``offline-shift``: the district inspector of Тарбагатай (a white spot) takes a call while
  in coverage, works the shift offline — 300 events: the call's milestones, outcome and
  notes and a position every minute — and comes into 2G coverage. Measured: time
  until the outbox is empty and the phone's assignments, incidents and events equal a fresh
  snapshot from the server; bytes each way (payload, and estimated on the wire); HTTP round
  trips and connections. Then: every one of the 300 events is stored exactly once.
* ``assignment-on-reconnect``: while the phone is out of coverage the duty officer
  dispatches a new call to it; coverage returns (2G) and the app pulls, as it does on every
  connectivity change. Measured: time from the link coming back to the assignment in the
  phone's store (on screen).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from pgdb import recreate_database  # noqa: E402
from shaping_proxy import Link, ShapingProxy  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/kuzet_sim_bench"
OFFICER = "ayg_ui1_1"  # AYG-UI1, on horseback in Тарбагатай: no coverage
EVENTS = 300
CUT_AFTER_S = 2.0
_CALLS = itertools.count()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(url: str, var_dir: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backend.config.settings.base",
        "DATABASE_URL": url,
        "SECRET_KEY": "kuzet-bench-secret-key-0123456789abcdef0123456789abcd",
        "DEBUG": "0",
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "KUZET_SYNC_RATE_PER_MINUTE": "100000",
        "KUZET_VAR_DIR": var_dir,
        "LOG_LEVEL": "WARNING",
    }


def kernel_shaping_available() -> tuple[bool, str]:
    """Can this machine put a veth pair into a namespace and shape it with netem?"""
    ns, host_if, dev_if = "ksim-probe", "ksim-ph", "ksim-pd"
    steps = [
        ["ip", "netns", "add", ns],
        ["ip", "link", "add", host_if, "type", "veth", "peer", "name", dev_if],
        ["ip", "link", "set", dev_if, "netns", ns],
        ["tc", "qdisc", "add", "dev", host_if, "root", "netem", "delay", "300ms", "loss", "3%",
         "rate", "64kbit"],
    ]  # fmt: skip
    try:
        for step in steps:
            done = subprocess.run(step, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                return False, f"`{' '.join(step[:4])} …`: {done.stderr.strip()}"
        return True, "tc netem on a veth pair into a network namespace"
    except FileNotFoundError as exc:
        return False, f"{exc.filename} is not installed"
    finally:
        subprocess.run(["ip", "link", "del", host_if], capture_output=True, check=False)
        subprocess.run(["ip", "netns", "del", ns], capture_output=True, check=False)


class CountingTransport:
    """The reference client's transport, counting HTTP requests (round trips)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.requests = 0

    def __call__(self, method: str, path: str, headers: Any, body: bytes | None) -> Any:
        self.requests += 1
        return self.inner(method, path, headers, body)


def django_setup(url: str, var_dir: str) -> None:
    os.environ.update(server_env(url, var_dir))
    import django

    django.setup()


def seed() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("seed", "--demo", verbosity=0)


def dispatch_new_calls(n: int) -> list[int]:
    """``n`` calls in Тарбагатай dispatched to AYG-UI1 by a duty officer (setup, through the
    services)."""
    from backend.common import clock
    from backend.dispatch.services import IncidentInput, incident_create, incident_dispatch
    from backend.geo.models import Settlement
    from backend.people.models import Officer, Unit

    duty = Officer.objects.get(username="duty_semey1")
    unit = Unit.objects.get(callsign="AYG-UI1")
    place = Settlement.objects.get(kato=settlement_kato())
    ids = []
    for _ in range(n):
        i = next(_CALLS)
        incident = incident_create(
            by=duty,
            channel="phone_102",
            data=IncidentInput(
                category="livestock_theft",
                received_at=clock.now(),
                summary=f"Угнали овец с точки ({i + 1})",
                settlement_kato=settlement_kato(),
                # 2 km apart: separate reports, not duplicates of one another
                lat=(place.lat or 47.0) + 0.02 * i,
                lon=place.lon,
            ),
        )
        ids.append(incident_dispatch(incident=incident, unit=unit, by=duty).pk)
    return ids


def settlement_kato() -> str:
    from backend.geo.models import Settlement

    return Settlement.objects.get(district__kato="103600000", name="Тарбагатай").kato


def record_shift(client: Any, assignment_ids: list[int], lat: float, lon: float) -> list[str]:
    """300 events of an offline shift: the call's milestones, outcome and notes; the rest
    positions, one a minute (five hours)."""
    ids: list[str] = []
    for a in assignment_ids:
        for kind in ("ack", "en_route", "on_scene"):
            ids.append(client.record_event(kind, str(a), lat=lat, lon=lon, accuracy_m=9.0))
        ids.append(client.record_event("outcome", str(a), {"code": "report_taken", "text": ""}))
        for text in (
            "Опрошен владелец точки",
            "Следы ведут к трассе",
            "Опрошены соседи по зимовке",
            "Осмотрен загон, замок сломан",
            "Передано в ЦОУ",
        ):
            ids.append(client.record_event("note", str(a), {"text": text}))
        ids.append(client.record_event("cleared", str(a), lat=lat, lon=lon, accuracy_m=9.0))
        ids.append(client.record_event("note", str(a), {"text": "Составлен рапорт"}))
    minute = 0
    while len(ids) < EVENTS:
        minute += 1
        ids.append(
            client.record_event(
                "location", lat=lat + minute * 0.0004, lon=lon - minute * 0.0003, accuracy_m=15.0
            )
        )
    return ids


TABLES = ("assignments", "incidents", "events", "units", "settlements")


def state_equals_server(client: Any, direct: str) -> bool:
    """The phone's records equal a fresh snapshot of its scope from the server."""
    from sync.client import DeviceClient

    fresh = DeviceClient(":memory:", direct, token=client.token)
    fresh.pull()
    same = all(client.records(t) == fresh.records(t) for t in TABLES)
    fresh.close()
    return same


def stored_once(event_ids: list[str], device_id: str) -> int:
    from backend.dispatch.models import Event

    return Event.objects.filter(pk__in=event_ids, device_id=device_id).count()


def offline_shift(proxy: ShapingProxy, direct: str, store: Path, token: str) -> dict[str, Any]:
    from backend.geo.models import Settlement
    from sync.client import DeviceClient, HttpxTransport

    place = Settlement.objects.get(kato=settlement_kato())
    assignments = dispatch_new_calls(1)
    client = DeviceClient(store, direct, token=token)
    client.pull()  # in coverage at the start of the shift: the three calls are on the phone
    events = record_shift(client, assignments, place.lat or 47.0, place.lon or 80.0)
    counting = CountingTransport(HttpxTransport(f"http://127.0.0.1:{proxy.port}", timeout=30))
    client.transport = counting
    proxy.reset_counters()
    cutter = threading.Timer(CUT_AFTER_S, proxy.cut)
    started = time.perf_counter()
    cutter.start()
    rounds = 0
    while client.outbox() and rounds < 20:
        rounds += 1
        client.sync()
    took = time.perf_counter() - started
    cutter.cancel()
    counters = proxy.counters.as_dict()
    same = state_equals_server(client, direct)
    device_id = client.device_id or ""
    once = stored_once(events, device_id)
    left = len(client.outbox())
    client.close()
    wire = counters["up_wire"] + counters["down_wire"]
    return {
        "seconds": round(took, 2),
        "events": len(events),
        "stored_once": once,
        "outbox_left": left,
        "state_equal": same,
        "requests": counting.requests,
        "sync_rounds": rounds,
        **counters,
        "wire_bytes_per_event": round(wire / len(events), 1),
        "payload_bytes_per_event": round(
            (counters["up_payload"] + counters["down_payload"]) / len(events), 1
        ),
        # The push goes up, then the confirming pull comes down: one after the other.
        "floor_seconds": round(wire * 8 / 64_000, 2),
    }


def assignment_on_reconnect(
    proxy: ShapingProxy, direct: str, store: Path, token: str
) -> dict[str, Any]:
    from sync.client import DeviceClient, HttpxTransport

    client = DeviceClient(store, direct, token=token)
    client.pull()
    counting = CountingTransport(HttpxTransport(f"http://127.0.0.1:{proxy.port}", timeout=30))
    client.transport = counting
    # out of coverage: the dispatch happens while the phone cannot be reached
    (assignment,) = dispatch_new_calls(1)
    proxy.reset_counters()
    started = time.perf_counter()  # coverage is back (2G)
    while client.record("assignments", str(assignment)) is None:
        client.pull()
    took = time.perf_counter() - started
    counters = proxy.counters.as_dict()
    client.close()
    stand_down(assignment)  # the unit is free for the next run
    return {"seconds": round(took, 2), "requests": counting.requests, **counters}


def stand_down(assignment_id: int) -> None:
    from backend.dispatch.models import Assignment
    from backend.dispatch.services import assignment_cancel
    from backend.people.models import Officer

    assignment_cancel(
        assignment=Assignment.objects.get(pk=assignment_id),
        by=Officer.objects.get(username="duty_semey1"),
        reason="bench: next run",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", type=Path, default=ROOT / "var" / "bench" / "rural_link.json")
    args = parser.parse_args()

    kernel, why = kernel_shaping_available()
    method = why if kernel else f"shaping proxy (bench/shaping_proxy.py); kernel netem: {why}"
    print(f"Link shaping: {method}")
    if kernel:
        # Only the proxy path is written: the reference machine has no netem to test a
        # namespace path against (docs/benchmarks.md says so).
        method = "shaping proxy (bench/shaping_proxy.py); kernel netem available but not used"

    recreate_database(args.database_url)
    var_dir = tempfile.mkdtemp(prefix="kuzet-rural-")
    django_setup(args.database_url, var_dir)
    seed()
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "backend.config.asgi:application", "--host",
         "127.0.0.1", "--port", str(port), "--lifespan", "off", "--no-access-log"],
        cwd=ROOT, env=server_env(args.database_url, var_dir),
    )  # fmt: skip
    direct = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{direct}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("the server did not start")
            time.sleep(0.2)
        proxy = ShapingProxy(("127.0.0.1", port), Link())
        from backend.devices.services import enrolment_code_issue
        from backend.people.models import Officer
        from sync.client import DeviceClient

        store = Path(var_dir) / "phone.sqlite3"
        phone = DeviceClient(store, direct)
        phone.enroll(enrolment_code_issue(officer=Officer.objects.get(username=OFFICER)))
        token = phone.token or ""
        phone.close()
        load = os.getloadavg()
        shifts = [offline_shift(proxy, direct, store, token) for _ in range(args.runs)]
        reconnects = [
            assignment_on_reconnect(proxy, direct, store, token) for _ in range(args.runs)
        ]
        proxy.close()
    finally:
        server.terminate()
        server.wait(15)
    result = {
        "shaping": method,
        "link": Link().__dict__,
        "load_before": [round(x, 2) for x in load],
        "offline_shift": shifts,
        "assignment_on_reconnect": reconnects,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=1, ensure_ascii=False))
    print(json.dumps(result, indent=1, ensure_ascii=False))
    print()
    print(
        "| run | seconds | stored once | state equal | requests | conns | up B | down B "
        "| wire B/event | retransmits |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for i, r in enumerate(shifts, 1):
        print(
            f"| shift {i} | {r['seconds']} | {r['stored_once']}/{r['events']} | {r['state_equal']} "
            f"| {r['requests']} | {r['connections']} | {r['up_wire']:,} | {r['down_wire']:,} "
            f"| {r['wire_bytes_per_event']} | {r['retransmits']} |"
        )
    times = [r["seconds"] for r in reconnects]
    print(f"assignment on reconnect: median {statistics.median(times)} s, max {max(times)} s")


if __name__ == "__main__":
    main()
