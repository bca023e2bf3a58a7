"""Row locks, always in one order.

The order, everywhere in dispatch (commands, facts, the escalation sweep): incidents, then
assignments, then units, each in primary-key order. Two transactions that follow it cannot
deadlock each other. The escalation sweep, which holds assignment locks when it finds it
needs an incident or a unit, takes those with ``skip_locked`` and tries again at a later
sweep instead of waiting (see ``services/escalation.py``).

The locks are ``FOR NO KEY UPDATE`` (what PostgreSQL's own UPDATE of a non-key column takes),
not ``FOR UPDATE``: they keep out every other writer of the row but not the ``FOR KEY SHARE``
a foreign-key check takes on it. A transaction that inserts a row referring to an incident it
did not lock (a board alert, an escalation rung) checks that reference at COMMIT, holding the
sequencer (``ledger.uow``) or the assignments it swept; under ``FOR UPDATE`` that check waited
for a crew's push holding the incident, which waited for those — a deadlock, and the push
answered 500.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from django.db import connection
from django.db.models import Model
from django.db.transaction import TransactionManagementError

M = TypeVar("M", bound=Model)

# The statement of a lock, compiled once per (model, number of rows, skip_locked, vendor):
# every push and command locks one to a few rows of the same three tables, and Django's
# compilation of a model's SELECT … FOR NO KEY UPDATE cost more than running it
# (docs/benchmarks.md, "Server CPU per device push"). Bigger locks compile as before.
_STATEMENTS: dict[tuple[type[Model], int, bool, str], str] = {}
_CACHED_UP_TO = 16


def lock_rows(model: type[M], ids: Iterable[int], *, skip_locked: bool = False) -> dict[int, M]:
    """Lock rows by primary key in pk order; returns them by pk (missing ones are absent).

    With ``skip_locked`` (PostgreSQL) rows locked by another transaction are left out. No ids,
    no statement (a push without assignments compiled two locks of nothing).
    """
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    skip = skip_locked and connection.features.has_select_for_update_skip_locked
    key = (model, len(wanted), skip, connection.vendor)
    sql = _STATEMENTS.get(key)
    if sql is None:
        qs = model._default_manager.filter(pk__in=wanted).order_by("pk")
        qs = qs.select_for_update(skip_locked=skip, no_key=True)
        if len(wanted) > _CACHED_UP_TO:
            return {obj.pk: obj for obj in qs}
        sql, _params = qs.query.sql_with_params()
        _STATEMENTS[key] = sql
    elif connection.features.has_select_for_update and connection.get_autocommit():
        # What the compiler says of a lock outside a transaction (it would end at once).
        raise TransactionManagementError(
            "select_for_update cannot be used outside of a transaction."
        )
    pk = model._meta.pk
    assert pk is not None
    params = [pk.get_db_prep_value(i, connection) for i in wanted]
    return {obj.pk: obj for obj in model._default_manager.raw(sql, params)}


def lock_one(model: type[M], pk: int) -> M | None:
    """Lock one row by primary key (None if there is none). ``get()``: no ORDER BY or IN list
    to compile, on the dispatch path that the WebSocket benchmark measures."""
    try:
        return model._default_manager.select_for_update(no_key=True).get(pk=pk)
    except model.DoesNotExist:  # type: ignore[attr-defined]
        return None
