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
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from backend.common import clock
from backend.common.formatting import clock_text, span_exact_text
from backend.common.terminal import in_terminal_language, number_text
from backend.dispatch.models import Incident
from backend.simulator import history, scenario
from backend.simulator.ports import in_process_host_refused
from backend.simulator.world import Stats

# A past this short needs no advice to shorten it (README's first look).
SHORT_DAYS = 3.0


def _counted(words: str, n: int) -> str:
    return words % {"n": number_text(n)}


def days_text(days: float) -> str:
    """``60 days``, ``1 day``, ``0.5 days`` (``60 сут.``, ``60 күн``)."""
    whole = int(days) if float(days).is_integer() else 2  # a fraction reads as "days"
    return ngettext("%(n)s day", "%(n)s days", whole) % {"n": number_text(days)}


def calls_text(n: int) -> str:
    return _counted(ngettext("%(n)s call", "%(n)s calls", n), n)


def summary_text(built: history.Built, took: float) -> str:
    """What the past holds, in Kazakhstan time (UTC+5) as every screen gives it, in the
    operator's language ("1 calls" and "UTC" read as a machine's line)."""
    s = built.stats
    zone = timezone.get_default_timezone()
    start, end = built.start.astimezone(zone), built.end.astimezone(zone)
    changed = ngettext(
        "%(n)s call changed after a call-back",
        "%(n)s calls changed after a call-back",
        s.reclassified,
    )
    messages = ngettext("%(n)s message to their crews", "%(n)s messages to their crews", s.messages)
    parts = [
        calls_text(sum(s.calls.values())),
        _counted(ngettext("%(n)s dispatch", "%(n)s dispatches", s.dispatches), s.dispatches),
        _counted(_("%(n)s closed"), s.closes),
        _counted(_("%(n)s stood down"), s.cancels),
        _counted(_("%(n)s reassigned"), s.reassigns),
        _counted(_("%(n)s acknowledged on behalf"), s.on_behalf),
        _counted(
            ngettext("%(n)s DV follow-up visit", "%(n)s DV follow-up visits", s.follow_ups),
            s.follow_ups,
        ),
        _counted(
            ngettext(
                "%(n)s crew silent on scene raised by radio",
                "%(n)s crews silent on scene raised by radio",
                s.safety_checks,
            ),
            s.safety_checks,
        ),
        _counted(changed, s.reclassified) + " (" + _counted(messages, s.messages) + ")",
        _counted(
            ngettext("%(n)s unit diverted to a P0", "%(n)s units diverted to a P0", s.diverts),
            s.diverts,
        ),
        _counted(
            ngettext(
                "%(n)s unit sent across a district border",
                "%(n)s units sent across a district border",
                s.across_border,
            ),
            s.across_border,
        ),
        _counted(
            ngettext(
                "%(n)s conflict resolved by the chiefs",
                "%(n)s conflicts resolved by the chiefs",
                s.conflicts_resolved,
            ),
            s.conflicts_resolved,
        ),
        _counted(
            ngettext("%(n)s SMS reply", "%(n)s SMS replies", len(s.sms_replies)),
            len(s.sms_replies),
        ),
        _counted(ngettext("%(n)s phone sync", "%(n)s phone syncs", s.syncs), s.syncs),
    ]
    return _("History: %(start)s → %(end)s Kazakhstan time in %(took)s: %(parts)s.") % {
        "start": f"{start:%d.%m.%Y %H:%M}",
        "end": f"{end:%d.%m.%Y %H:%M}",
        "took": span_exact_text(round(took)),
        "parts": ", ".join(parts),
    }


def building_text(days: float) -> str:
    """The first line: what is built, and (for a long past) how to start sooner — it once
    advised ``KUZET_HISTORY_DAYS=3`` to a run started with it."""
    if days <= SHORT_DAYS:
        text = _(
            "Building %(days)s of calls for the staffed districts through Kuzet's own services."
        )
    else:
        text = _(
            "Building %(days)s of calls for the staffed districts through Kuzet's own services"
            " — minutes for %(days)s; a shorter past starts sooner (--days 3, or "
            "KUZET_HISTORY_DAYS=3 make run)."
        )
    return text % {"days": days_text(days)}


def progress_text(days: float, calls: int) -> str:
    """The bar's words: ``60 days · 1,234 calls``."""
    return _("%(days)s · %(calls)s") % {"days": days_text(days), "calls": calls_text(calls)}


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

    @in_terminal_language
    def handle(self, *args: Any, **options: Any) -> None:
        days: float = options["days"]
        if days <= 0:
            raise CommandError(_("--days must be positive"))
        # Before anything is built: Django's DisallowedHost deep inside, then a 400 at the
        # first phone's enrolment, named no fix.
        refused = in_process_host_refused()
        if refused:
            raise CommandError(refused)
        yesterday = clock.now() - dt.timedelta(days=1)
        if not options["force"] and Incident.objects.filter(received_at__lt=yesterday).exists():
            self.stdout.write(_("History already built: calls older than a day exist (--force)."))
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
            TextColumn("[bold]" + _("History") + "[/] {task.description}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=False,
            disable=plain,
        ) as bar:
            task = bar.add_task(days_text(days), total=1.0)
            last = [0.0]
            tenths = [0]

            # (The in-process requests leave the thread's language as they found it: the
            # middleware scopes an officer's to the request, backend/people/i18n.py.)
            def progress(fraction: float, stats: Stats) -> None:
                shown(fraction, sum(stats.calls.values()))

            def shown(fraction: float, calls: int) -> None:
                if fraction - last[0] >= 0.002 or fraction >= 1.0:
                    last[0] = fraction
                    bar.update(task, completed=fraction, description=progress_text(days, calls))
                if plain and int(fraction * 10) > tenths[0]:
                    tenths[0] = int(fraction * 10)
                    took = int(time.monotonic() - started)
                    self.stdout.write(
                        _("History: %(percent)s%% of %(days)s · %(calls)s · %(took)s elapsed")
                        % {
                            "percent": tenths[0] * 10,
                            "days": days_text(days),
                            "calls": calls_text(calls),
                            "took": clock_text(took),
                        }
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
            raise CommandError(_("history check failed"))
