"""Statements composed here rather than by the ORM, for the hot path's small writes.

Every device push ends in a few short INSERTs (its change rows, its membership rows) under
the sequencer lock, and Django's compilation of a ``bulk_create`` cost more than the
database's run of it (docs/benchmarks.md, "Server CPU per device push"). :func:`insert_rows`
writes the same rows with the same values: each field prepares its value as the ORM does
(``pre_save``, ``get_db_prep_save``: a datetime as the backend stores it, JSON as JSON).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import Field, Model

# Rows a statement: SQLite binds at most 999 parameters in older builds.
BATCH = 50


def insert_rows(objs: Sequence[Model], fields: Sequence[str]) -> None:
    """INSERT ``objs`` (instances of one model; ``fields`` by name, the primary key among
    them unless the database numbers it) in multi-row statements. Like ``bulk_create``:
    no signals, no ``save()``; unlike it, primary keys the database assigns are not read
    back. A duplicate key raises ``IntegrityError`` as ``bulk_create`` does."""
    if not objs:
        return
    meta = type(objs[0])._meta
    columns: list[Field[Any, Any]] = []
    for name in fields:
        field = meta.get_field(name)
        assert isinstance(field, Field), name  # a concrete column, not a relation's far side
        columns.append(field)
    quote = connection.ops.quote_name
    head = (
        f"INSERT INTO {quote(meta.db_table)} "  # noqa: S608
        f"({', '.join(quote(f.column) for f in columns)}) VALUES "
    )
    one = f"({', '.join(['%s'] * len(columns))})"
    with connection.cursor() as cursor:
        for start in range(0, len(objs), BATCH):
            part = objs[start : start + BATCH]
            cursor.execute(
                head + ", ".join([one] * len(part)),
                [
                    f.get_db_prep_save(f.pre_save(obj, True), connection)
                    for obj in part
                    for f in columns
                ],
            )
