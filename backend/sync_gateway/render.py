"""Records as devices see them: flat dicts, string ids, times in ms, nested values as JSON text.

WatermelonDB columns are scalar, so an event's ``payload`` and an incident's ``risk_flags``
travel as JSON strings; every time is an integer (ms since epoch) or null; every id and
foreign key is a string. Rows are read with ``.values()`` — one query per table, no model
instances — because pull is the hot path (docs/benchmarks.md). The column lists here are
the published schema (docs/protocol.md, the OpenAPI schema): add columns, never rename.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import orjson
from django.db import connection
from django.db.models import OuterRef, Subquery

from backend.common import clock
from backend.dispatch.models import Assignment, Event, FollowUpTask, Incident, SafetyCheck
from backend.geo.models import Settlement
from backend.people.models import Unit
from sync.protocol import EVENT_KEYS, parse_json, tables_unknown_to, unread_keys

from .scope import code_records


def _ms(value: dt.datetime | None) -> int | None:
    return None if value is None else clock.to_ms(value)


def _sid(value: object) -> str | None:
    return None if value is None else str(value)


def _json_text(value: Any) -> str:
    return orjson.dumps(value).decode()


def _json_text_from_db(value: Any) -> str:
    return _json_text(orjson.loads(value) if isinstance(value, str | bytes) else value)


# Each table: the model, the columns read, and how each becomes a wire value. A column
# spec is (wire name, source field, converter). Kept as data so docs and the schema can
# be generated from the same list.
Converter = Callable[[Any], Any]
_ID = _sid
_TIME = _ms


def _same(value: Any) -> Any:
    return value


def _blank_none(value: Any) -> Any:
    return value or None


TABLE_COLUMNS: dict[str, list[tuple[str, str, Converter, str]]] = {
    "assignments": [
        ("incident_id", "incident_id", _ID, "string"),
        ("unit_id", "unit_id", _ID, "string"),
        ("status", "status", _same, "string"),
        ("dispatched_at", "dispatched_at", _TIME, "time"),
        ("delivered_at", "delivered_at", _TIME, "time|null"),
        ("acknowledged_at", "acknowledged_at", _TIME, "time|null"),
        ("en_route_at", "en_route_at", _TIME, "time|null"),
        ("on_scene_at", "on_scene_at", _TIME, "time|null"),
        ("transporting_at", "transporting_at", _TIME, "time|null"),
        ("cleared_at", "cleared_at", _TIME, "time|null"),
        ("cancelled_at", "cancelled_at", _TIME, "time|null"),
        ("cancel_reason", "cancel_reason", _same, "string"),
        ("superseded_at", "superseded_at", _TIME, "time|null"),
        ("closed_at", "closed_at", _TIME, "time|null"),
        ("ack_due_at", "ack_due_at", _TIME, "time|null"),
        ("arrive_due_at", "arrive_due_at", _TIME, "time|null"),
        # schema version 2 (sync.protocol.SCHEMA_HISTORY)
        ("deliver_due_at", "deliver_due_at", _TIME, "time|null"),
        ("escalation_level", "escalation_level", _same, "integer"),
        # schema version 4's lifetime, no bump (docs/protocol.md §9.23): when the officer-
        # safety check still open on it fired (computed: _COMPUTED), null when none is open
        ("safety_check_at", "safety_check_at", _TIME, "time|null"),
    ],
    "incidents": [
        ("number", "number", _same, "string"),
        ("channel", "channel", _same, "string"),
        ("category", "category", _same, "string"),
        ("priority", "priority", _same, "string"),
        ("status", "status", _same, "string"),
        ("received_at", "received_at", _TIME, "time"),
        ("district_id", "district_id", _ID, "string"),
        ("settlement_id", "settlement_id", _ID, "string|null"),
        ("lat", "lat", _same, "number|null"),
        ("lon", "lon", _same, "number|null"),
        ("location_source", "location_source", _same, "string"),
        ("landmark", "landmark", _same, "string"),
        ("summary", "summary", _same, "string"),
        ("description", "description", _same, "string"),
        ("caller_name", "caller_name", _same, "string"),
        ("caller_phone", "caller_phone", _same, "string"),
        ("risk_flags", "risk_flags", _json_text, "json text (list)"),
        ("outcome_code", "outcome_code", _same, "string"),
        ("outcome_text", "outcome_text", _same, "string"),
        ("closed_at", "closed_at", _TIME, "time|null"),
        # schema version 4's lifetime, no bump (docs/protocol.md §9.27): a training call (a
        # drill, the demo simulator's), which the officer's phone marks so that nobody takes
        # it for a real emergency; an app without the column drops it
        ("exercise", "exercise", _same, "boolean"),
    ],
    # schema version 3 (sync.protocol.TABLE_SINCE): DV follow-up visits owed by the unit.
    "follow_ups": [
        ("incident_id", "incident_id", _ID, "string"),
        ("unit_id", "unit_id", _ID, "string|null"),
        ("due_at", "due_at", _TIME, "time"),
        ("done_at", "done_at", _TIME, "time|null"),
        ("note", "note", _same, "string"),
    ],
    "events": [
        ("kind", "kind", _same, "string"),
        ("assignment_id", "assignment_id", _ID, "string|null"),
        ("incident_id", "incident_id", _ID, "string|null"),
        ("unit_id", "unit_id", _ID, "string|null"),
        ("device_time", "device_time", _same, "integer|null"),
        ("boot_id", "boot_id", _blank_none, "string|null"),
        ("elapsed_ms", "elapsed_ms", _same, "integer|null"),
        ("lat", "lat", _same, "number|null"),
        ("lon", "lon", _same, "number|null"),
        ("accuracy_m", "accuracy_m", _same, "number|null"),
        ("gps_time", "gps_time", _same, "integer|null"),
        ("payload", "payload", _json_text, "json text (object)"),
        ("officer_id", "officer_id", _ID, "string|null"),
        ("device_id", "device_id", _ID, "string|null"),
        ("source", "source", _same, "string"),
        ("disposition", "disposition", _same, "string"),
        ("server_received_at", "server_received_at", _TIME, "time"),
        ("estimated_at", "estimated_at", _TIME, "time"),
        ("estimate_uncertainty_ms", "estimate_uncertainty_ms", _same, "integer|null"),
        ("estimate_method", "estimate_method", _same, "string"),
        ("clock_suspect", "clock_suspect", _same, "boolean"),
    ],
    "units": [
        ("callsign", "callsign", _same, "string"),
        ("type", "type", _same, "string"),
        ("mobility", "mobility", _same, "string"),
        ("district_id", "district_id", _ID, "string"),
        ("status", "status", _same, "string"),
        ("status_at", "status_at", _TIME, "time|null"),
        ("lat", "lat", _same, "number|null"),
        ("lon", "lon", _same, "number|null"),
        ("position_at", "position_at", _TIME, "time|null"),
    ],
    "settlements": [
        ("kato", "kato", _same, "string"),
        ("name", "name", _same, "string"),
        # schema version 4: the Kazakh name, "" where none is known (the app shows it to a
        # Kazakh reader; "name" is the KATO's Russian)
        ("name_kk", "name_kk", _same, "string"),
        ("kind", "kind", _same, "string"),
        ("district_id", "district_id", _ID, "string"),
        ("zone", "zone", _same, "string"),
        ("coverage", "coverage", _same, "string"),
        ("lat", "lat", _same, "number|null"),
        ("lon", "lon", _same, "number|null"),
        ("coords_estimated", "coords_estimated", _same, "boolean"),
        ("road_km_to_seat", "road_km_to_seat", _same, "number|null"),
    ],
    "codes": [
        ("kind", "kind", _same, "string"),
        ("code", "code", _same, "string"),
        ("label", "label", _same, "string"),
    ],
}

_MODELS: dict[str, Any] = {
    "assignments": Assignment,
    "incidents": Incident,
    "follow_ups": FollowUpTask,
    "events": Event,
    "units": Unit,
    "settlements": Settlement,
}


def _open_safety_check() -> Subquery:
    """When the officer-safety check still open on the assignment fired (the latest, should
    there be more than one), for the ORM path; :func:`_open_safety_check_sql` is the same for
    PostgreSQL's. One subquery on the check's unique key (assignment first): no query per row.
    """
    return Subquery(
        SafetyCheck.objects.filter(assignment_id=OuterRef("pk"), checked_at__isnull=True)
        .order_by("-fired_at")
        .values("fired_at")[:1]
    )


def _open_safety_check_sql(outer_pk: str) -> str:
    quote = connection.ops.quote_name
    meta = SafetyCheck._meta
    fired = quote(meta.get_field("fired_at").column)
    return (
        f"(SELECT floor(extract(epoch from sc.{fired}) * 1000)::bigint "  # noqa: S608
        f"FROM {quote(meta.db_table)} sc "
        f"WHERE sc.{quote(meta.get_field('assignment').column)} = {outer_pk} "
        f"AND sc.{quote(meta.get_field('checked_at').column)} IS NULL "
        f"ORDER BY sc.{fired} DESC LIMIT 1)"
    )


# Columns that are not a field of the table's model: table → wire name → (ORM expression,
# PostgreSQL SQL given the outer primary key).
_COMPUTED: dict[str, dict[str, tuple[Callable[[], Any], Callable[[str], str]]]] = {
    "assignments": {"safety_check_at": (_open_safety_check, _open_safety_check_sql)},
}

# An event's fields the server did not read (``Event.unread``, JSON text of {key: value as
# sent}, "" when none): read after the published columns, and served only to the device that
# pushed the event, as the key ``ignored`` — the names, as JSON text of the sorted list its
# push's result gave (docs/protocol.md §2, *An event record*). Not a column of TABLE_COLUMNS:
# absent from other devices' events and from an event with none (no bytes for nothing on 2G).
_UNREAD_SOURCE = "unread"


def _own_ignored(record: dict[str, Any], unread: Any, own_device: str | None) -> None:
    if unread and own_device is not None and record.get("device_id") == own_device:
        kept = parse_json(unread)  # sync.protocol.json_text's: it parses back as sent
        names = unread_keys(kept, EVENT_KEYS) if isinstance(kept, dict) else []
        if names:
            record["ignored"] = _json_text(names)


# Tables in the order a device should apply them (parents before children).
TABLE_ORDER = (
    "codes", "settlements", "units", "incidents", "follow_ups", "assignments", "events"
)  # fmt: skip


def _int_ids(ids: Iterable[str]) -> list[int]:
    out = []
    for value in ids:
        try:
            out.append(int(value))
        except (TypeError, ValueError):
            continue
    return sorted(out)


def records_for(
    table: str, ids: Iterable[str | int], *, own_device: str | None = None
) -> list[dict[str, Any]]:
    """The wire records of ``table`` with these ids (missing ids are skipped), one query.

    The order follows ``ids`` sorted; nothing is checked about who may see them — the
    caller got the ids from the change log or the memberships of the device's audiences.
    ``own_device``: the id of the device the records are for (a pull's); its own events
    carry ``ignored`` when their push had keys the server did not read.
    """
    wanted = sorted({str(i) for i in ids})
    if not wanted:
        return []
    columns = TABLE_COLUMNS.get(table)
    if columns is None:
        return []
    if table == "codes":
        codes = code_records()
        return [codes[i] for i in wanted if i in codes]
    model = _MODELS[table]
    keys = _int_ids(wanted) if table != "events" else wanted
    if connection.vendor == "postgresql":
        return _records_pg(table, keys, own_device)
    events = table == "events"
    sources = ["id", *(source for _, source, _, _ in columns)]
    if events:
        sources.append(_UNREAD_SOURCE)
    computed = {name: orm() for name, (orm, _) in _COMPUTED.get(table, {}).items()}
    rows = (
        model.objects.filter(id__in=keys).annotate(**computed).order_by("id").values_list(*sources)
    )
    out = []
    for row in rows:
        record: dict[str, Any] = {"id": str(row[0])}
        values = row[1:-1] if events else row[1:]
        for (name, _, convert, _), value in zip(columns, values, strict=True):
            record[name] = convert(value)
        if events:
            _own_ignored(record, row[-1], own_device)
        out.append(record)
    return out


_PG_SQL: dict[str, tuple[str, list[tuple[str, Converter]]]] = {}


def _pg_select(table: str) -> tuple[str, list[tuple[str, Converter]]]:
    """One precomposed SELECT per table for PostgreSQL, built once from the model's columns.

    The hot path of every pull: PostgreSQL turns times into epoch milliseconds and ids into
    text itself, so Python neither parses 200 timestamps per page nor compiles a query.
    The result is the same as the ORM path (``clock.to_ms`` floors exactly, as SQL does).
    """
    cached = _PG_SQL.get(table)
    if cached is not None:
        return cached
    model = _MODELS[table]
    quote = connection.ops.quote_name
    table_name = quote(model._meta.db_table)
    pk = f"{table_name}.{quote(model._meta.pk.column)}"  # not the ::text output column
    selects = [f"{quote(model._meta.pk.column)}::text"]
    converters: list[tuple[str, Converter]] = []
    computed = _COMPUTED.get(table, {})
    for name, source, convert, _ in TABLE_COLUMNS[table]:
        if source in computed:
            assert convert is _TIME  # the only kind computed so far
            selects.append(computed[source][1](pk))
            converters.append((name, _same))
            continue
        column = quote(model._meta.get_field(source).column)
        if convert is _TIME:
            selects.append(f"floor(extract(epoch from {column}) * 1000)::bigint")
            converters.append((name, _same))
        elif convert is _ID:
            selects.append(f"{column}::text")
            converters.append((name, _same))
        elif convert is _json_text:
            # Django reads JSON columns as text; re-encode compactly, as the ORM path does.
            selects.append(column)
            converters.append((name, _json_text_from_db))
        else:
            selects.append(column)
            converters.append((name, convert))
    if table == "events":
        selects.append(quote(model._meta.get_field(_UNREAD_SOURCE).column))
    sql = (
        f"SELECT {', '.join(selects)} FROM {table_name} "  # noqa: S608
        f"WHERE {pk} = ANY(%s) ORDER BY {pk}"
    )
    _PG_SQL[table] = (sql, converters)
    return sql, converters


def _records_pg(table: str, keys: list[Any], own_device: str | None) -> list[dict[str, Any]]:
    sql, converters = _pg_select(table)
    with connection.cursor() as cursor:
        cursor.execute(sql, [keys])
        rows = cursor.fetchall()
    events = table == "events"
    out = []
    for row in rows:
        record: dict[str, Any] = {"id": row[0]}
        values = row[1:-1] if events else row[1:]
        for (name, convert), value in zip(converters, values, strict=True):
            record[name] = value if convert is _same else convert(value)
        if events:
            _own_ignored(record, row[-1], own_device)
        out.append(record)
    return out


def dv_incident_ids(records: Iterable[dict[str, Any]]) -> list[str]:
    """Ids of domestic-violence incidents among rendered incident records."""
    return [r["id"] for r in records if r.get("category") == "domestic_violence"]


def empty_changes(schema_version: int | None = None) -> dict[str, dict[str, list[Any]]]:
    """Every table, empty — of those an app on ``schema_version`` has (None: the newest)."""
    unknown = tables_unknown_to(schema_version) if schema_version is not None else frozenset()
    return {
        t: {"created": [], "updated": [], "deleted": []} for t in TABLE_ORDER if t not in unknown
    }


def for_schema(body: dict[str, Any], schema_version: int) -> dict[str, Any]:
    """A pull's answer as an app on ``schema_version`` may read it: without the tables its
    schema does not have, in ``changes`` and in a per-table strategy (WatermelonDB 0.28
    skips such a table with a warning; other apps may not, and on a 2G link they are bytes
    for nothing). Changes ``body`` in place and returns it."""
    for table in tables_unknown_to(schema_version):
        body["changes"].pop(table, None)
        strategy = body.get("experimentalStrategy")
        if isinstance(strategy, dict):
            strategy.get("override", {}).pop(table, None)
    return body


def changes_for(
    upserts: Mapping[str, Iterable[str]],
    deletes: Mapping[str, Iterable[str]],
    *,
    own_device: str | None = None,
) -> dict[str, dict[str, list[Any]]]:
    """A WatermelonDB ``changes`` object: every table present, upserts in ``updated``
    (``own_device``: as :func:`records_for`'s)."""
    changes = empty_changes()
    for table, ids in upserts.items():
        if table in changes:
            changes[table]["updated"] = records_for(table, ids, own_device=own_device)
    for table, ids in deletes.items():
        if table in changes:
            changes[table]["deleted"] = sorted(str(i) for i in ids)
    return changes


def dumps(value: Any) -> bytes:
    return orjson.dumps(value)
