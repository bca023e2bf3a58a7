"""``manage.py seed``: Abai oblast, and with ``KUZET_DEMO`` or ``--demo`` its demo staff and units.

Idempotent: a second run finds everything by its natural key (KATO codes, callsigns,
usernames) and creates nothing — no rows, no audit entries, no change-log rows.

The territory is reference data and is always loaded. Demo staff share a published
password, so they are created only when ``KUZET_DEMO`` is on (the embedded default of ``make
run`` sets it in ``var/demo.env``) or ``--demo`` is given explicitly; ``--no-demo`` loads the
territory alone even then. DEBUG has no say: a real database with DEBUG on still gets no
published passwords unless asked. Calls are not seeded: ``manage.py history`` and
``manage.py simulate`` make them through the real interfaces.

The command lives in ``dispatch`` because its unit of work is the dispatch app's seed; the
import layers only let code look downwards.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from backend.dispatch.seeding import seed_all


class Command(BaseCommand):
    help = "Load Abai oblast (and, with KUZET_DEMO or --demo, demo staff and units). Idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        group = parser.add_mutually_exclusive_group()
        group.add_argument(
            "--demo",
            action="store_true",
            default=None,
            help="create demo staff (shared password) and units even if KUZET_DEMO is off",
        )
        group.add_argument(
            "--no-demo", dest="demo", action="store_false", help="load the territory only"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        demo = settings.KUZET_DEMO if options["demo"] is None else options["demo"]
        started = time.monotonic()
        created = seed_all(demo=demo)
        took = time.monotonic() - started
        if created:
            summary = ", ".join(f"{n} {what}" for what, n in created.items())
            self.stdout.write(f"Seeded Abai oblast in {took:.1f} s: {summary}.")
        else:
            self.stdout.write("Abai oblast already seeded: nothing to do.")
        if not demo:
            self.stdout.write("Demo staff skipped (KUZET_DEMO is off; pass --demo to add them).")
