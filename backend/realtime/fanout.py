"""After-commit fan-out to sockets and boards. PLACEHOLDER: replaced by issue 5 work."""

from __future__ import annotations

from backend.ledger.uow import Commit


def commit_listener(commit: Commit) -> None:
    return None
