"""``manage.py simulate``: a living district against a running Kuzet.

Calls arrive through the intake API and the staff API, the duty officer dispatches the
recommended unit through the staff API, officers' phones (the reference client, over HTTP
and WebSocket) acknowledge, travel, arrive, clear and record outcomes and notes — often
offline — and answer SMS through the signed gateway callback. ``--scale`` compresses the
world's durations for demos (30: a day in 48 minutes); what the server measures against its
own deadlines (a slow officer's acknowledgment) is not compressed, so escalations fire.

Runs until stopped (Ctrl-C, SIGTERM) or for ``--duration`` seconds, then checks and prints
that no event a phone recorded was lost or duplicated (exit code 1 if one was).
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import random
import signal
import threading
import time
from pathlib import Path
from typing import IO, Any, cast

import httpx
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rich.console import Console, Group
from rich.live import Live
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from backend.common import clock
from backend.common.terminal import in_terminal_language, number_text, took_text
from backend.people.seeding import DEMO_PASSWORD
from backend.simulator import scenario
from backend.simulator.engine import Engine
from backend.simulator.ports import LivePort, build_world
from backend.simulator.report import check, elapsed_text, snapshot, summary_line, summary_table
from backend.simulator.world import Stats, World
from sync.client import Retry

LIVE_IDLE_SYNC_S = 1800.0
# The live demo's calls follow the hour of the day but never fall below the late evening's
# rate (0.7 of the day's mean): a demo started at 3 a.m. in Kazakhstan (0.3) would show a
# call every two minutes or so. The history keeps the real night, so the KPIs do too.
LIVE_HOURLY_FLOOR = 0.7
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def live_is_exercise(scale: float, given: bool | None) -> bool:
    """Whether the live run's calls are exercise calls: as told, else when the world's clock
    runs faster than the server's. A call compressed ×30 is answered in 30 s by the server's
    clock: counted, it pulled Ayagoz's 30-day median response from 16:50 to 10:13 in an hour
    of ``make run``. The history (``manage.py history``, scale 1) is the real past."""
    return given if given is not None else scale != 1


class Command(BaseCommand):
    help = "Simulate the staffed districts against a running Kuzet through its real interfaces."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--url", default=os.environ.get("KUZET_SIM_URL", "http://127.0.0.1:8000")
        )
        parser.add_argument("--scale", type=float, default=1.0, help="world seconds per second")
        parser.add_argument("--duration", type=float, default=None, help="seconds, then stop")
        parser.add_argument("--seed", type=int, default=None)
        parser.add_argument(
            "--busy", type=float, default=1.0, help="multiply every district's call rate"
        )
        parser.add_argument("--summary-every", type=float, default=30.0, help="seconds")
        parser.add_argument(
            "--wait", type=float, default=180.0, help="seconds to wait for the server"
        )
        parser.add_argument("--state-dir", type=Path, default=None)
        parser.add_argument(
            "--exercise",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="make every call an exercise call (dispatched like any, kept out of the "
            "chiefs' figures); default: when --scale is not 1, whose times are not real",
        )

    @in_terminal_language
    def handle(self, *args: Any, **options: Any) -> None:
        logging.getLogger("httpx").setLevel(logging.WARNING)
        url: str = options["url"].rstrip("/")
        self._wait_for(url, options["wait"])
        state_dir = options["state_dir"] or Path(settings.VAR_DIR) / "simulator"
        stats = Stats()
        port = LivePort(base_url=url, sms_dir=Path(settings.KUZET_SMS_FILE_DIR), stats=stats)
        engine = Engine(port.now, scale=options["scale"])
        options["exercise"] = live_is_exercise(options["scale"], options["exercise"])
        options["seed_given"] = options["seed"] is not None
        if options["seed"] is None:
            options["seed"] = int(time.time())
        started = clock.now()
        try:
            world = build_world(
                engine=engine,
                port=port,
                http=port.http,
                transport=port.transport,
                state_dir=state_dir,
                rng=random.Random(options["seed"]),
                stats=stats,
                idle_sync_s=LIVE_IDLE_SYNC_S,
                run_id=f"L{started:%Y%m%d%H%M%S}",
                sleep=time.sleep,
                retry=Retry(attempts=4, base_s=0.5, cap_s=5.0),
                rates={k: v * options["busy"] for k, v in scenario.DAILY_CALLS.items()},
                hourly_floor=LIVE_HOURLY_FLOOR,
                exercise=options["exercise"],
            )
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        port.world, port.engine = world, engine
        carried = {
            p.username: {e["id"] for e in p.client.outbox()}
            for c in world.crews.values()
            for p in c.phones
        }
        stop = threading.Event()
        previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in STOP_SIGNALS}
        try:
            self._run(world, port, engine, options, started, stop, carried)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _run(
        self,
        world: World,
        port: LivePort,
        engine: Engine,
        options: dict[str, Any],
        started: dt.datetime,
        stop: threading.Event,
        carried: dict[str, set[str]],
    ) -> None:
        until = started + dt.timedelta(seconds=options["duration"] or 10 * 365 * 86_400)
        units = len(world.crews)
        phones = sum(len(c.phones) for c in world.crews.values())
        # The seed repeats a run's random choices. Made here, it is the start's epoch second:
        # make run's terminal read "(seed 1796641366)" among the operator's words. Said when
        # --seed chose it, or at -v 2 (a developer's figure).
        if options["seed_given"] or options["verbosity"] >= 2:
            starting = _(
                "Simulating %(units)s, %(phones)s against %(url)s at scale %(scale)s "
                "(seed %(seed)s)."
            )
        else:
            starting = _("Simulating %(units)s, %(phones)s against %(url)s at scale %(scale)s.")
        self.stdout.write(
            starting
            % {
                "units": ngettext("%(n)s unit", "%(n)s units", units) % {"n": number_text(units)},
                "phones": ngettext("%(n)s phone", "%(n)s phones", phones)
                % {"n": number_text(phones)},
                "url": port.base_url,
                "scale": number_text(options["scale"]),
                "seed": options["seed"],
            }
        )
        if options["exercise"]:
            # Said at the start: the operator who then opens the chief's figures finds the
            # live run's calls missing from them, by design.
            self.stdout.write(
                _(
                    "Its calls are exercise calls: handled like any call, marked as exercises "
                    "and kept out of the chiefs' figures."
                )
            )
        world.start()
        taken = world.duty.adopt_from_board(username=world.duty_username, password=DEMO_PASSWORD)
        if taken:
            self.stdout.write(
                ngettext(
                    "Taken over from the board: %(n)s call left waiting or cleared.",
                    "Taken over from the board: %(n)s calls left waiting or cleared.",
                    taken,
                )
                % {"n": number_text(taken)}
            )
        duration = options["duration"]

        def line() -> str:
            elapsed = (clock.now() - started).total_seconds()
            # m:ss — the summary comes every half minute, and "1 min" twice read as a stall
            done = elapsed_text(elapsed)
            if duration:
                done = _("%(elapsed)s of %(duration)s (%(percent)s%%)") % {
                    "elapsed": done,
                    "duration": elapsed_text(duration),
                    "percent": round(min(1.0, elapsed / duration) * 100),
                }
            return f"[{done}] " + summary_line(snapshot(world, started, scale=engine.scale))

        console = Console(
            file=cast("IO[str]", self.stdout._out)
        )  # the raw stream: OutputWrapper adds newlines
        every = options["summary_every"]
        last = [time.monotonic()]
        if console.is_terminal:
            bar = Progress(
                TextColumn(_("shift")), BarColumn(), TimeElapsedColumn(), TimeRemainingColumn()
            )
            shift = bar.add_task("shift", total=duration or None)

            def screen() -> Group:
                table = summary_table(
                    snapshot(world, started, scale=engine.scale), title=_("Kuzet simulator")
                )
                bar.update(shift, completed=(clock.now() - started).total_seconds())
                return Group(table, bar)

            with Live(screen(), console=console) as live:

                def tick() -> None:
                    if time.monotonic() - last[0] >= min(every, 5.0):
                        last[0] = time.monotonic()
                        live.update(screen())

                port.run(engine, until, tick, stop)
        else:

            def tick() -> None:
                if time.monotonic() - last[0] >= every:
                    last[0] = time.monotonic()
                    self.stdout.write(line())
                    self.stdout.flush()

            port.run(engine, until, tick, stop)
        drained = not stop.is_set()
        if drained:
            self.stdout.write(_("End of the shift: every phone back in coverage, syncing."))
            world.end_of_shift()
        port.close()
        self.stdout.write(line())
        if world.stats.errors:
            errors = ", ".join(f"{what}: {n}" for what, n in sorted(world.stats.errors.items()))
            self.stdout.write(
                _("API errors (answers refused by Kuzet): %(errors)s") % {"errors": errors}
            )
        if world.stats.unreachable:
            self.stdout.write(
                ngettext(
                    "Kuzet did not answer %(n)s time (each step tried again %(retry)s later; "
                    "none once stopping).",
                    "Kuzet did not answer %(n)s times (each step tried again %(retry)s later; "
                    "none once stopping).",
                    world.stats.unreachable,
                )
                % {"n": number_text(world.stats.unreachable), "retry": took_text(port.RETRY_S)}
            )
        result = check(world, carried=carried, drained=drained)
        for text in result.lines():
            self.stdout.write(text)
        if not result.ok:
            raise CommandError(_("the end-of-run check failed"))

    def _wait_for(self, url: str, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise CommandError(
                    _("no Kuzet answering at %(url)s after %(took)s")
                    % {"url": url, "took": took_text(seconds)}
                )
            time.sleep(1)
