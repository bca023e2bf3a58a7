"""Count, mean, sum and percentiles of KPI values per slice, computed by the database.

:func:`aggregate` takes a queryset whose annotations are the KPI expressions of
:mod:`backend.dispatch.kpis` and the slice keys, and returns per slice and per value the
count of values, their mean and sum and the requested percentiles — continuous percentiles,
``percentile_cont`` semantics (linear interpolation between the two nearest ranks), the
definition PostgreSQL implements and the one the KPI tests compute by hand.

The queryset is compiled by Django and used as the inner query of one statement:

* PostgreSQL: ``percentile_cont(ARRAY[…]) WITHIN GROUP (ORDER BY v)`` for every value, the
  slices as ``GROUPING SETS`` — one pass over the rows for every slice at once;
* SQLite (``make run``'s embedded default and the fast test run): the rows unpivoted into
  ``(slice, key, value)`` and ranked with ``ROW_NUMBER()``/``COUNT()`` window functions, the
  percentile interpolated from the two ranks around ``p·(n−1)`` — the same definition,
  still in SQL.

Never are rows loaded into Python: the result is one row per slice key and value.
NULL values are not counted (a missing milestone has no duration); rows are counted all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connections, transaction
from django.db.models import F, QuerySet

TOTAL = ""  # the slice name of the whole set (the empty grouping set)
ROWS = "__rows__"  # the pseudo-value whose count is the number of rows in a group


@dataclass(frozen=True)
class Stat:
    """One value's figures over one group; ``None`` where there are no values."""

    n: int
    mean: float | None
    total: float | None
    quantiles: Mapping[float, float | None] = field(default_factory=dict)

    @property
    def p50(self) -> float | None:
        return self.quantiles.get(0.5)

    @property
    def p90(self) -> float | None:
        return self.quantiles.get(0.9)

    def q(self, fraction: float) -> float | None:
        return self.quantiles.get(fraction)


EMPTY = Stat(n=0, mean=None, total=None)


@dataclass(frozen=True)
class Group:
    """The figures of one group: its row count and a :class:`Stat` per value."""

    rows: int
    stats: Mapping[str, Stat]

    def __getitem__(self, value: str) -> Stat:
        return self.stats.get(value, EMPTY)


NO_ROWS = Group(rows=0, stats={})


@dataclass(frozen=True)
class Aggregated:
    """Groups keyed by ``(slice, key)``; the whole set is ``(TOTAL, None)``."""

    groups: Mapping[tuple[str, Any], Group]

    @property
    def total(self) -> Group:
        return self.groups.get((TOTAL, None), NO_ROWS)

    def slice(self, name: str) -> dict[Any, Group]:
        """The groups of one slice by key (``None`` is a key: rows without a value)."""
        return {key: g for (dim, key), g in self.groups.items() if dim == name}


def aggregate(
    qs: QuerySet[Any],
    *,
    values: Mapping[str, str],
    slices: Mapping[str, str] | None = None,
    fractions: Sequence[float] = (0.5, 0.9),
) -> Aggregated:
    """Aggregate ``values`` (name → annotation or field path of ``qs``) over the whole
    queryset and over each of ``slices`` (name → annotation or field path giving the key).

    ``fractions`` are the percentiles wanted, e.g. ``(0.5, 0.9)``.
    """
    slices = dict(slices or {})
    fractions = tuple(float(f) for f in fractions)
    if not all(0.0 <= f <= 1.0 for f in fractions):
        raise ValueError("percentile fractions lie in [0, 1]")
    dim_alias = {name: f"_d{i}" for i, name in enumerate(slices)}
    value_alias = {name: f"_v{i}" for i, name in enumerate(values)}
    inner = (
        qs.order_by()
        .annotate(
            **{dim_alias[n]: F(path) for n, path in slices.items()},
            **{value_alias[n]: F(path) for n, path in values.items()},
        )
        .values(*dim_alias.values(), *value_alias.values())
    )
    sql, params = inner.query.sql_with_params()
    connection = connections[qs.db]
    if connection.vendor == "postgresql":
        rows = _postgresql(connection, sql, params, dim_alias, value_alias, fractions)
    else:
        rows = _windowed(connection, sql, params, dim_alias, value_alias, fractions)
    return Aggregated(rows)


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


def _postgresql(
    connection: Any,
    sql: str,
    params: Sequence[Any],
    dims: Mapping[str, str],
    values: Mapping[str, str],
    fractions: tuple[float, ...],
) -> dict[tuple[str, Any], Group]:
    # MATERIALIZED: the inner query's KPI expressions are correlated subqueries; inlined,
    # PostgreSQL would evaluate each of them once per aggregate that reads the column.
    array = "ARRAY[" + ", ".join(repr(f) for f in fractions) + "]::float8[]"
    select = ["COUNT(*)"]
    for alias in values.values():
        v = f"{alias}::float8"
        select += [f"COUNT({v})", f"AVG({v})", f"SUM({v})"]
        select.append(
            f"percentile_cont({array}) WITHIN GROUP (ORDER BY {v})" if fractions else "NULL"
        )
    groupings = [f"GROUPING({alias})" for alias in dims.values()]
    sets = ", ".join(["()", *(f"({alias})" for alias in dims.values())])
    # Only generated aliases and numbers are interpolated; the inner query is Django's, with
    # its parameters bound.
    query = (
        f"WITH base AS MATERIALIZED ({sql}) "  # noqa: S608
        f"SELECT {', '.join([*groupings, *dims.values(), *select])} "
        f"FROM base GROUP BY GROUPING SETS ({sets})"
    )
    out: dict[tuple[str, Any], Group] = {}
    names = list(dims)
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        # No JIT: compiling this statement cost 180 ms for a district's month and 780 ms for
        # its year (1,000,000 incidents, bench/reports_bench.py) — more than running it.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(query, params)
        for row in cursor.fetchall():
            flags, keys, rest = (
                row[: len(dims)],
                row[len(dims) : 2 * len(dims)],
                row[2 * len(dims) :],
            )
            grouped = [i for i, flag in enumerate(flags) if flag == 0]
            dim, key = (names[grouped[0]], keys[grouped[0]]) if grouped else (TOTAL, None)
            stats = {}
            for i, name in enumerate(values):
                n, mean, total, qs_ = rest[1 + 4 * i : 5 + 4 * i]
                quantiles = dict(zip(fractions, qs_ or [None] * len(fractions), strict=True))
                stats[name] = Stat(int(n), _num(mean), _num(total), quantiles)
            out[(dim, key)] = Group(rows=int(rest[0]), stats=stats)
    return out


def _windowed(
    connection: Any,
    sql: str,
    params: Sequence[Any],
    dims: Mapping[str, str],
    values: Mapping[str, str],
    fractions: tuple[float, ...],
) -> dict[tuple[str, Any], Group]:
    # Unpivot to (slice index, key, value index, value): slice -1 is the whole set, value -1
    # is 1 on every row (its count is the group's row count).
    parts = []
    for d, key_sql in [(-1, "NULL"), *enumerate(dims.values())]:
        parts.append(f"SELECT {d} AS di, {key_sql} AS k, -1 AS vi, 1 AS v FROM base")  # noqa: S608
        parts += [
            f"SELECT {d}, {key_sql}, {i}, {a} FROM base"  # noqa: S608
            for i, a in enumerate(values.values())
        ]
    percentiles = []
    for j, f in enumerate(fractions):
        pos = f"({f!r} * (n - 1))"
        lo = f"(CAST({pos} AS INTEGER) + 1)"  # the 1-based rank at or below the position
        at_lo, at_hi = (
            f"MAX(CASE WHEN rn = {lo} THEN v END)",
            f"MAX(CASE WHEN rn = {lo} + 1 THEN v END)",
        )
        frac = f"MAX({pos} - CAST({pos} AS INTEGER))"
        percentiles.append(f", {at_lo} + {frac} * (COALESCE({at_hi}, {at_lo}) - {at_lo}) AS q{j}")
    # Only generated aliases and numbers are interpolated; the inner query is Django's, with
    # its parameters bound.
    query = (
        f"WITH base AS ({sql}), "  # noqa: S608
        f"long AS ({' UNION ALL '.join(parts)}), "
        "ranked AS (SELECT di, k, vi, v, "
        "ROW_NUMBER() OVER (PARTITION BY di, k, vi ORDER BY v) AS rn, "
        "COUNT(*) OVER (PARTITION BY di, k, vi) AS n FROM long WHERE v IS NOT NULL) "
        f"SELECT di, k, vi, MAX(n), AVG(v), SUM(v){''.join(percentiles)} "
        "FROM ranked GROUP BY di, k, vi"
    )
    dim_names, value_names = list(dims), list(values)
    rows: dict[tuple[str, Any], int] = {}
    stats: dict[tuple[str, Any], dict[str, Stat]] = {}
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        for di, key, vi, n, mean, total, *qs_ in cursor.fetchall():
            group = (TOTAL, None) if di < 0 else (dim_names[di], key)
            if vi < 0:
                rows[group] = int(n)
                continue
            quantiles = dict(zip(fractions, map(_num, qs_), strict=True))
            stats.setdefault(group, {})[value_names[vi]] = Stat(
                int(n), _num(mean), _num(total), quantiles
            )
    return {g: Group(rows=n, stats=stats.get(g, {})) for g, n in rows.items()}
