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
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from backend.common.terminal import in_terminal_language, number_text, took_text
from backend.dispatch.seeding import seed_all

# What the seed counts (``seed_all``'s keys), each with its count in the reader's words.
CREATED: dict[str, Callable[[int], str]] = {
    "oblasts": lambda n: ngettext("%(n)s oblast", "%(n)s oblasts", n),
    "districts": lambda n: ngettext("%(n)s district", "%(n)s districts", n),
    "okrugs": lambda n: ngettext("%(n)s rural okrug", "%(n)s rural okrugs", n),
    "settlements": lambda n: ngettext("%(n)s settlement", "%(n)s settlements", n),
    "kazakh_names": lambda n: ngettext("%(n)s Kazakh name", "%(n)s Kazakh names", n),
    "units": lambda n: ngettext("%(n)s unit", "%(n)s units", n),
    "officers": lambda n: ngettext("%(n)s officer", "%(n)s officers", n),
}


def created_text(what: str, n: int) -> str:
    """``12 settlements``; a count the seed learns to make later reads ``12 <its key>``."""
    words = CREATED.get(what)
    text = words(n) if words else f"%(n)s {what.replace('_', ' ')}"
    return text % {"n": number_text(n)}


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

    @in_terminal_language
    def handle(self, *args: Any, **options: Any) -> None:
        demo = settings.KUZET_DEMO if options["demo"] is None else options["demo"]
        started = time.monotonic()
        created = seed_all(demo=demo)
        took = time.monotonic() - started
        if created:
            summary = ", ".join(created_text(what, n) for what, n in created.items())
            self.stdout.write(
                _("Seeded Abai oblast in %(took)s: %(summary)s.")
                % {"took": took_text(took), "summary": summary}
            )
        else:
            self.stdout.write(_("Abai oblast already seeded: nothing to do."))
        if not demo:
            self.stdout.write(_("Demo staff skipped (KUZET_DEMO is off; pass --demo to add them)."))
