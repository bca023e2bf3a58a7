"""``manage.py history [--days 60]``: build the past of the staffed districts by living it.

Built once: when the database already holds calls older than a day, it says so and does
nothing (``--force`` builds another stretch anyway). Works on any database with the demo
staff (``manage.py seed --demo``); see ``backend/simulator/history.py`` for how.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import IO, Any, cast

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from backend.common import clock
from backend.dispatch.models import Incident
from backend.simulator import history, scenario
from backend.simulator.ports import in_process_host_refused
from backend.simulator.world import Stats

# A past this short needs no advice to shorten it (README's first look).
SHORT_DAYS = 3.0


def _counted(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def summary_text(built: history.Built, took: float) -> str:
    """What the past holds, in Kazakhstan time as every screen gives it ("1 calls" and
    "UTC" read as a machine's line)."""
    s = built.stats
    zone = timezone.get_default_timezone()
    start, end = built.start.astimezone(zone), built.end.astimezone(zone)
    parts = [
        _counted(sum(s.calls.values()), "call", "calls"),
        _counted(s.dispatches, "dispatch", "dispatches"),
        f"{s.closes} closed",
        f"{s.cancels} stood down",
        f"{s.reassigns} reassigned",
        f"{s.on_behalf} acknowledged on behalf",
        _counted(s.follow_ups, "DV follow-up visit", "DV follow-up visits"),
        _counted(s.safety_checks, "crew", "crews") + " silent on scene raised by radio",
        _counted(s.reclassified, "call", "calls")
        + " changed after a call-back ("
        + _counted(s.messages, "message", "messages")
        + " to their crews)",
        _counted(s.diverts, "unit", "units") + " diverted to a P0",
        _counted(s.across_border, "unit", "units") + " sent across a district border",
        _counted(s.conflicts_resolved, "conflict", "conflicts") + " resolved by the chiefs",
        _counted(len(s.sms_replies), "SMS reply", "SMS replies"),
        _counted(s.syncs, "phone sync", "phone syncs"),
    ]
    return (
        f"History: {start:%d.%m.%Y %H:%M} → {end:%d.%m.%Y %H:%M} Kazakhstan time "
        f"in {took:.0f} s: " + ", ".join(parts) + "."
    )


def building_text(days: float) -> str:
    """The first line: what is built, and (for a long past) how to start sooner — it once
    advised ``KUZET_HISTORY_DAYS=3`` to a run started with it."""
    text = f"Building {days:g} days of calls for the staffed districts through Kuzet's own services"
    if days <= SHORT_DAYS:
        return text + "."
    return (
        text + f" — minutes for {days:g} days; a shorter past starts sooner "
        "(--days 3, or KUZET_HISTORY_DAYS=3 make run)."
    )


class Command(BaseCommand):
    help = "Build days of realistic history by running the simulator under a moved server clock."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=float, default=60.0)
        parser.add_argument("--seed", type=int, default=102)
        parser.add_argument(
            "--busy", type=float, default=1.0, help="multiply every district's call rate"
        )
        parser.add_argument("--force", action="store_true", help="build even if history exists")
        parser.add_argument(
            "--state-dir",
            type=Path,
            default=None,
            help="where the simulated phones keep their stores (default: var/simulator)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        days: float = options["days"]
        if days <= 0:
            raise CommandError("--days must be positive")
        # Before anything is built: Django's DisallowedHost deep inside, then a 400 at the
        # first phone's enrolment, named no fix.
        refused = in_process_host_refused()
        if refused:
            raise CommandError(refused)
        yesterday = clock.now() - dt.timedelta(days=1)
        if not options["force"] and Incident.objects.filter(received_at__lt=yesterday).exists():
            self.stdout.write("History already built: calls older than a day exist (--force).")
            return
        state_dir = options["state_dir"] or Path(settings.VAR_DIR) / "simulator"
        console = Console(
            file=cast("IO[str]", self.stdout._out)
        )  # the raw stream: OutputWrapper adds newlines
        self.stdout.write(building_text(days))
        started = time.monotonic()
        # On a terminal, a bar redrawn in place; elsewhere (a log, a pipe, CI) rich would show
        # nothing until the end, so a plain line is written at every tenth instead.
        plain = not console.is_terminal
        with Progress(
            TextColumn("[bold]History[/] {task.description}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=False,
            disable=plain,
        ) as bar:
            task = bar.add_task(f"{days:g} days", total=1.0)
            last = [0.0]
            tenths = [0]

            def progress(fraction: float, stats: Stats) -> None:
                calls = sum(stats.calls.values())
                if fraction - last[0] >= 0.002 or fraction >= 1.0:
                    last[0] = fraction
                    bar.update(
                        task, completed=fraction, description=f"{days:g} days · {calls} calls"
                    )
                if plain and int(fraction * 10) > tenths[0]:
                    tenths[0] = int(fraction * 10)
                    took = int(time.monotonic() - started)
                    self.stdout.write(
                        f"History: {tenths[0] * 10}% of {days:g} days · {calls} calls · "
                        f"{took // 60}:{took % 60:02d} elapsed"
                    )

            try:
                rates = {k: v * options["busy"] for k, v in scenario.DAILY_CALLS.items()}
                built = history.build(
                    rates=rates,
                    days=days,
                    state_dir=state_dir,
                    seed=options["seed"],
                    progress=progress,
                )
            except RuntimeError as exc:
                raise CommandError(str(exc)) from exc
            bar.update(task, completed=1.0)
        took = time.monotonic() - started
        self.stdout.write(summary_text(built, took))
        for line in built.check.lines():
            self.stdout.write(line)
        if not built.check.ok:
            raise CommandError("history check failed")
