"""Which devices see which records. PLACEHOLDER: replaced by the sync gateway work (issue 3)."""

from __future__ import annotations

from backend.ledger.uow import ChangeRow


def resolve_changes(touched: dict[str, set[str]]) -> list[ChangeRow]:
    return []
