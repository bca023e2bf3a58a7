"""PostgreSQL's plans for statements, with the planner told to prefer any index over a scan
of the table: a plan test asks whether an index *can* serve a statement on a test-sized table,
where a scan of a few thousand rows would win on cost alone."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection

Statement = str | tuple[str, Sequence[Any]]


def plans_preferring_indexes(
    table: str, statements: Iterable[Statement], *, bitmap_scans: bool = False
) -> list[str]:
    """``EXPLAIN`` of each statement (SQL, or SQL and its parameters), in the test's
    transaction (the settings are ``LOCAL`` to it), after ``ANALYZE`` of ``table``."""
    plans = []
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {table}")
        cursor.execute("SET LOCAL enable_seqscan = off")
        if not bitmap_scans:
            cursor.execute("SET LOCAL enable_bitmapscan = off")
        for statement in statements:
            sql, params = (statement, None) if isinstance(statement, str) else statement
            cursor.execute(f"EXPLAIN {sql}", params)
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
    return plans


def as_autovacuum_keeps(*tables: str) -> None:
    """Rebuild the indexes of ``tables`` and gather their statistics, as autovacuum keeps a
    live table. Earlier tests' rolled-back rows stay in an index's pages until a vacuum, which
    never comes during a test run: a small partial index (the open questions of one kind) left
    thousands of pages long read as dearer than a scan of the whole table, and PostgreSQL
    chose the scan — only in the runs where such a test had gone before."""
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"REINDEX TABLE {table}")
            cursor.execute(f"ANALYZE {table}")
