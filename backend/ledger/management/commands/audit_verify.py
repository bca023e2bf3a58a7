"""``manage.py audit_verify``: walk the hash-chained audit log and report every break.

Exit status 0 with ``OK`` when the chain is intact; otherwise one line per problem (kind,
entry id, detail) and a non-zero exit. The head hash it prints can be kept outside the
database (a ticket, a log line, a printout): an attacker who rewrites the whole tail of the
chain and the sequencer row leaves it self-consistent, but it no longer ends at that hash.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from backend.ledger import uow
from backend.ledger.models import Sequencer


class Command(BaseCommand):
    help = "Verify the audit log's hash chain; exit non-zero on an edited, deleted or moved entry."

    def handle(self, *args: Any, **options: Any) -> None:
        problems = uow.verify_chain()
        head = Sequencer.objects.filter(id=1).first()
        count, digest = (head.audit_seq, head.audit_head) if head else (0, "")
        if not problems:
            self.stdout.write(f"OK: audit chain intact, {count} entries, head {digest}")
            return
        for p in problems:
            entry = "-" if p.entry_id is None else str(p.entry_id)
            self.stdout.write(f"{p.kind}\tentry {entry}\t{p.detail}")
        raise CommandError(f"audit chain broken: {len(problems)} problem(s)", returncode=2)
