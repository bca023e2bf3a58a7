"""Pull: the changes of a device's audiences since its cursor, or a replacement snapshot.

The cursor (``timestamp`` / ``last_pulled_at``) is a change-log sequence number. Numbers are
handed out under the sequencer's row lock at the end of each transaction and the lock is
held to commit, so they follow commit order: ``seq > cursor`` never skips a transaction
that was still in flight when an earlier pull was answered. A pull reads the head FIRST
and serves only ``cursor < seq <= head``: a change numbered after the head was read is left
for the next pull, even if it committed before the query ran.

A snapshot (null, unknown or too old a cursor, or a device whose scope was rebuilt) is read
from the memberships of the device's audiences. Up to ``KUZET_SYNC_SNAPSHOT_MAX`` records it
is ONE response with ``experimentalStrategy: "replacement"``: a stock WatermelonDB app
replaces its whole database with it, and one response is the only way a stock app can do
that without dropping what it holds (it applies replacement to the response it gets, not
to a chain of pages). Above the bound the snapshot is cut at *table* boundaries, in
:data:`SNAPSHOT_TABLES` order (the unit's assignments first, then incidents and events):
each page names the tables it carries whole in a per-table strategy
``{"default": "incremental", "override": {table: "replacement"}}`` (WatermelonDB 0.28 applies
a strategy per table, and only to the tables it names), so a page replaces exactly the
tables it holds in full and leaves every other table alone. A single table larger than the
bound is sent in keyset pages of upserts without replacement: nothing is dropped, and
records of that table that left the scope while the device was away stay until its next
snapshot that fits (docs/protocol.md §3). A page that is not the last answers with a
*continuation cursor* (:data:`SNAPSHOT_TAG` + a bookmark id), and the last one with the
head read when the snapshot started, from which the device continues incrementally.
Cursor encoding and the choice of mode are :mod:`sync.scope`'s (``plan_pull``); a
continuation's session id is a :class:`~.models.SnapshotBookmark` id.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from backend.common import clock
from backend.devices.models import Device
from backend.ledger import uow
from backend.ledger.actions import AuditAction
from backend.ledger.models import ActorKind, Change, Sequencer
from backend.ledger.uow import CommittedChange
from backend.people.models import Officer
from sync.protocol import Migration
from sync.scope import MAX_PAGE, PullMode, SnapshotCursor, plan_pull, response_timestamp

from .models import ChangeLogHorizon, DeviceScope, Membership, SnapshotBookmark
from .render import TABLE_ORDER, changes_for, dv_incident_ids, empty_changes
from .scope import device_audiences


@dataclass(frozen=True)
class PullResult:
    body: dict[str, Any]
    mode: str  # incremental | snapshot | continuation
    records: int


def page_size() -> int:
    return int(getattr(settings, "KUZET_SYNC_PAGE_SIZE", 1000))


def snapshot_max() -> int:
    return int(getattr(settings, "KUZET_SYNC_SNAPSHOT_MAX", 10_000))


# The order in which a snapshot above the bound is served: what the officer acts on first.
SNAPSHOT_TABLES = (
    "assignments", "incidents", "follow_ups", "events", "units", "settlements", "codes"
)  # fmt: skip


@dataclass(frozen=True)
class _State:
    """What a pull reads before anything else, in one statement (one snapshot)."""

    head: int
    pruned_through: int
    scope: tuple[int | None, int | None, Any, int] | None  # unit, district, enrolled, epoch


def _state(device_id: str) -> _State:
    """The head, the pruning horizon and the device's scope row: one round trip.

    The head is read FIRST (before any change is selected) — here in the same statement as
    the rest, which PostgreSQL answers from one snapshot.
    """
    quote = connection.ops.quote_name
    sql = (
        f"SELECT (SELECT change_seq FROM {quote(Sequencer._meta.db_table)} WHERE id = 1), "  # noqa: S608
        f"(SELECT pruned_through FROM {quote(ChangeLogHorizon._meta.db_table)} WHERE id = 1), "
        f"s.unit_id, s.district_id, s.enrolled_at, s.epoch "
        f"FROM (SELECT 1 AS one) x LEFT JOIN {quote(DeviceScope._meta.db_table)} s "
        f"ON s.device_id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [device_id])
        head, pruned, unit_id, district_id, enrolled_at, epoch = cursor.fetchone()
    if epoch is None:
        return _State(int(head or 0), int(pruned or 0), None)
    if isinstance(enrolled_at, str):  # SQLite hands raw SQL datetimes back as text
        enrolled_at = dt.datetime.fromisoformat(enrolled_at)
    if enrolled_at is not None and timezone.is_naive(enrolled_at):
        enrolled_at = enrolled_at.replace(tzinfo=dt.UTC)
    return _State(int(head or 0), int(pruned or 0), (unit_id, district_id, enrolled_at, int(epoch)))


@dataclass(frozen=True)
class PullState:
    """Everything an empty pull needs, read by :func:`pull_state` in ONE statement: the
    device and its officer (what ``device_authenticate`` checks), the change head, the pruning
    horizon and the device's scope row."""

    device_id: str
    revoked: bool
    officer_active: bool
    unit_id: int | None
    district_id: int | None
    enrolled_at: Any
    state: _State
    # The device's and its officer's columns as read: the full path makes its ``Device`` of
    # them (:meth:`device`) rather than reading the device again.
    row: tuple[Any, ...] = field(default=(), compare=False, repr=False)

    @property
    def live(self) -> bool:
        return not self.revoked and self.officer_active

    def device(self) -> Device:
        """The device with its officer, as ``device_authenticate`` returns it: the instances
        the ORM would make of the row read, loaded (not new)."""
        devices, officers = _columns()
        alias = connection.alias
        values = _converted(self.row, devices + officers)
        device = Device.from_db(alias, [f.attname for f in devices], values[: len(devices)])
        officer = Officer.from_db(alias, [f.attname for f in officers], values[len(devices) :])
        Device.officer.field.set_cached_value(device, officer)
        return device

    def nothing_new_for(self, cursor: object) -> bool:
        """True when the answer to ``cursor`` is certainly empty: it is the head, nothing
        was pruned past it, and the device's scope is the one its cursor was served under."""
        state = self.state
        return (
            isinstance(cursor, int)
            and cursor > 0
            and cursor == state.head
            and cursor >= state.pruned_through
            and state.scope is not None
            and state.scope[:3] == (self.unit_id, self.district_id, self.enrolled_at)
            and cursor >= state.scope[3]
        )


def _columns() -> tuple[list[Any], list[Any]]:
    return list(Device._meta.concrete_fields), list(Officer._meta.concrete_fields)


def _converted(row: Sequence[Any], fields: Sequence[Any]) -> list[Any]:
    """``row``'s values as the ORM hands them over: each column through the converters the
    ORM's compiler applies to it on this database (SQLite: text to datetime, 0/1 to bool)."""
    converters = _CONVERTERS.get(connection.vendor)
    if converters is None:
        converters = []
        for f in fields:
            col = f.get_col(f.model._meta.db_table)
            converters.append(
                (col, connection.ops.get_db_converters(col) + col.get_db_converters(connection))
            )
        _CONVERTERS[connection.vendor] = converters
    values = []
    for value, (col, funcs) in zip(row, converters, strict=True):
        for func in funcs:
            value = func(value, col, connection)
        values.append(value)
    return values


_CONVERTERS: dict[str, list[tuple[Any, list[Any]]]] = {}


@functools.cache
def _positions() -> dict[str, int]:
    """Where each column of the device (``d.<attname>``) and its officer (``o.…``) stands
    in :func:`pull_state`'s row."""
    devices, officers = _columns()
    names = [f"d.{f.attname}" for f in devices] + [f"o.{f.attname}" for f in officers]
    return {name: i for i, name in enumerate(names)}


def pull_state(token_hash: str) -> PullState | None:
    """The device holding this token hash with its officer and the pull state, in one round
    trip; None when no device holds it.

    The polling phone's common case — nothing new — is then answered after one statement
    (the framework's floor is one statement: docs/benchmarks.md); any other answer goes the
    full way through :func:`pull_changes` with the device made of the same row
    (:meth:`PullState.device`: it was read a second time, by ``device_authenticate``).
    """
    quote = connection.ops.quote_name
    devices, officers = _columns()
    columns = [f"d.{quote(f.column)}" for f in devices] + [f"o.{quote(f.column)}" for f in officers]
    sql = (
        f"SELECT {', '.join(columns)}, "  # noqa: S608
        f"(SELECT change_seq FROM {quote(Sequencer._meta.db_table)} WHERE id = 1), "
        f"(SELECT pruned_through FROM {quote(ChangeLogHorizon._meta.db_table)} WHERE id = 1), "
        "s.unit_id, s.district_id, s.enrolled_at, s.epoch "
        f"FROM {quote(Device._meta.db_table)} d "
        f"JOIN {quote(Officer._meta.db_table)} o ON o.id = d.officer_id "
        f"LEFT JOIN {quote(DeviceScope._meta.db_table)} s ON s.device_id = d.id "
        "WHERE d.token_hash = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [token_hash])
        row = cursor.fetchone()
    if row is None:
        return None
    n = len(devices) + len(officers)
    at = _positions()
    head, pruned, s_unit, s_district, s_enrolled, epoch = row[n:]
    enrolled_at, s_enrolled = _aware(row[at["d.enrolled_at"]]), _aware(s_enrolled)
    scope = None if epoch is None else (s_unit, s_district, s_enrolled, int(epoch))
    return PullState(
        device_id=row[at["d.id"]],
        revoked=row[at["d.revoked_at"]] is not None,
        officer_active=bool(row[at["o.is_active"]]),
        unit_id=row[at["o.unit_id"]],
        district_id=row[at["o.district_id"]],
        enrolled_at=enrolled_at,
        state=_State(int(head or 0), int(pruned or 0), scope),
        row=tuple(row[:n]),
    )


def _aware(value: Any) -> Any:
    if isinstance(value, str):  # SQLite hands raw SQL datetimes back as text
        value = dt.datetime.fromisoformat(value)
    if isinstance(value, dt.datetime) and timezone.is_naive(value):
        value = value.replace(tzinfo=dt.UTC)
    return value


def scope_epoch(device: Device, scope: tuple[Any, Any, Any, int] | None = None, *,
                known: bool = False) -> int:  # fmt: skip
    """The change number below which ``device`` needs a replacement snapshot.

    When the officer's unit or district differs from what the device's scope was built
    from (or the device was enrolled again), take a fresh change number under the
    sequencer lock and record it: every cursor handed out before is below it. ``scope`` is
    the device's scope row as :func:`_state` read it (``known``: it was read).
    """
    officer = device.officer
    if not known:
        state = DeviceScope.objects.filter(device_id=device.pk).first()
        scope = (
            None
            if state is None
            else (state.unit_id, state.district_id, state.enrolled_at, state.epoch)
        )
    if scope is not None and scope[:3] == (
        officer.unit_id,
        officer.district_id,
        device.enrolled_at,
    ):
        return scope[3]
    with uow.unit_of_work():
        sequencer = uow.lock_sequencer()
        # A number with no change row: it only marks the moment the scope was rebuilt.
        sequencer.change_seq += 1
        uow.store_sequencer(sequencer)
        epoch = sequencer.change_seq
        # One statement, not update_or_create's four to six (savepoints, the row locked):
        # every writer of this table holds the sequencer lock, taken just above, so the
        # row cannot appear between the update and the insert.
        fields = {
            "unit_id": officer.unit_id,
            "district_id": officer.district_id,
            "enrolled_at": device.enrolled_at,
            "epoch": epoch,
            "updated_at": clock.now(),
        }
        if not DeviceScope.objects.filter(device_id=device.pk).update(**fields):
            DeviceScope.objects.create(device_id=device.pk, **fields)
        if scope is not None:
            uow.audit(
                AuditAction.DEVICE_SCOPE_REBUILT,
                actor=officer,
                actor_kind=ActorKind.DEVICE,
                obj=device,
                data={
                    "from": {"unit_id": scope[0], "district_id": scope[1]},
                    "to": {"unit_id": officer.unit_id, "district_id": officer.district_id},
                    "epoch": epoch,
                },
            )
    return epoch


def _union_sql(table: str, key: str, columns: str, where: str, audiences: Sequence[str]) -> str:
    """One index range scan per audience, merged: with ``audience IN (…)`` PostgreSQL would
    read and sort every matching row of the range before applying the limit."""
    # Only model table and column names are interpolated; every value is a parameter.
    parts = [
        f"SELECT * FROM (SELECT {columns} FROM {table} WHERE audience = %s AND {where} "  # noqa: S608
        f"ORDER BY {key} LIMIT %s) p{i}"
        for i in range(len(audiences))
    ]
    return f"SELECT * FROM ({' UNION ALL '.join(parts)}) u ORDER BY {key} LIMIT %s"  # noqa: S608


def _change_rows(
    audiences: Sequence[str], cursor: int, head: int, limit: int
) -> list[tuple[Any, ...]]:
    quote = connection.ops.quote_name
    sql = _union_sql(
        quote(Change._meta.db_table),
        "seq",
        f"seq, {quote('table')}, record_id, deleted",
        "seq > %s AND seq <= %s",
        audiences,
    )
    params: list[Any] = []
    for audience in audiences:
        params += [audience, cursor, head, limit]
    with connection.cursor() as db:
        db.execute(sql, [*params, limit])
        return [(seq, table, record_id, bool(deleted)) for seq, table, record_id, deleted in db]


def _member_rows(audiences: Sequence[str], after: int, limit: int) -> list[tuple[Any, ...]]:
    quote = connection.ops.quote_name
    sql = _union_sql(
        quote(Membership._meta.db_table),
        "id",
        f"id, {quote('table')}, record_id",
        "id > %s",
        audiences,
    )
    params: list[Any] = []
    for audience in audiences:
        params += [audience, after, limit]
    with connection.cursor() as db:
        db.execute(sql, [*params, limit])
        return list(db.fetchall())


def fold_changes(
    rows: Iterable[tuple[int, str, str, bool]],
) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(upserts, deletes) by table: the last change of each record decides."""
    last: dict[tuple[str, str], bool] = {}
    for _seq, table, record_id, deleted in rows:
        last[(table, record_id)] = deleted
    upserts: dict[str, set[str]] = defaultdict(set)
    deletes: dict[str, set[str]] = defaultdict(set)
    for (table, record_id), deleted in last.items():
        (deletes if deleted else upserts)[table].add(record_id)
    return upserts, deletes


def _audit_dv_reads(device: Device, changes: dict[str, Any], purpose: str) -> None:
    incidents = changes.get("incidents", {}).get("updated", [])
    ids = dv_incident_ids(incidents)
    if not ids:
        return
    by_district: dict[str | None, list[str]] = defaultdict(list)
    for record in incidents:
        if record["id"] in ids:
            by_district[record.get("district_id")].append(record["id"])
    with uow.unit_of_work():
        for district_id, incident_ids in by_district.items():
            uow.audit(
                AuditAction.INCIDENT_READ,
                actor=device.officer,
                actor_kind=ActorKind.DEVICE,
                object_type="incident",
                object_id=incident_ids[0] if len(incident_ids) == 1 else "",
                district_id=int(district_id) if district_id else None,
                data={"purpose": purpose, "device_id": device.pk, "incident_ids": incident_ids},
            )


def pull_changes(
    *,
    device: Device,
    cursor: int | SnapshotCursor | None,
    limit: int | None = None,
    snapshot_limit: int | None = None,
    migration: Migration | None = None,
    state: _State | None = None,
) -> PullResult:
    """Answer a pull for ``device`` whose last cursor is ``cursor`` (None: never pulled).

    ``cursor`` is what :func:`sync.scope.parse_last_pulled_at` made of ``last_pulled_at``.
    ``limit``: change rows per incremental page; ``snapshot_limit``: records in one
    snapshot response (the bound above which a snapshot is paged by table). ``migration``:
    the app's schema gained tables or columns (a WatermelonDB migration sync) — an
    incremental answer then also carries every in-scope record of those tables, so what the
    device already holds gets the new columns (a snapshot carries everything anyway).
    ``state``: the head, horizon and scope row when the caller read them already
    (:func:`pull_state`, before anything else).
    """
    limit = limit or page_size()
    snapshot_limit = snapshot_limit or snapshot_max()
    audiences = device_audiences(device)
    # The head FIRST: nothing numbered later is served by this pull.
    state = state if state is not None else _state(device.pk)
    head, pruned = state.head, state.pruned_through
    epoch = scope_epoch(device, state.scope, known=True)
    if epoch > head:  # the scope was rebuilt just now, after the head was read
        head = epoch
    if cursor == 0:
        cursor = None  # "never pulled", as a client that counts from zero says it
    plan = plan_pull(cursor=cursor, head=head, retained_after=pruned, scope_epoch=epoch)

    if plan.mode == PullMode.SNAPSHOT_CONTINUE:
        assert plan.session is not None
        bookmark = SnapshotBookmark.objects.filter(
            id=plan.session.session_id, device_id=device.pk
        ).first()
        if (
            bookmark is not None
            and bookmark.table in SNAPSHOT_TABLES
            and bookmark.head >= epoch
            and bookmark.head >= pruned
            and bookmark.audiences == ",".join(audiences)
        ):
            return _snapshot_page(
                device,
                audiences,
                head=bookmark.head,
                position=(bookmark.table, bookmark.after_membership_id),
                page=plan.session.page,
                limit=snapshot_limit,
            )
        # A session this server does not know (pruned, another device, scope changed, or a
        # bookmark of the v1.0 paging that had no table).
        return _naming_the_unit(
            device, _snapshot(device, audiences, head=head, limit=snapshot_limit)
        )
    if plan.mode == PullMode.SNAPSHOT:
        return _naming_the_unit(
            device, _snapshot(device, audiences, head=head, limit=snapshot_limit)
        )

    assert plan.since is not None
    resend = migration.tables_to_resend() if migration is not None else set()
    if plan.since == head and not resend:  # nothing new: the common case costs no more query
        return PullResult(
            {"changes": empty_changes(), "timestamp": max(head, 1), "has_more": False},
            "incremental",
            0,
        )
    rows = _change_rows(audiences, plan.since, head, limit + 1) if plan.since < head else []
    has_more = len(rows) > limit
    rows = rows[:limit]
    upserts, deletes = fold_changes(rows)
    if resend:
        for _id, table, record_id in _table_rows(audiences, sorted(resend), 0, None):
            if record_id not in deletes.get(table, ()):
                upserts[table].add(record_id)
    changes = changes_for(upserts, deletes, own_device=str(device.pk))
    _audit_dv_reads(device, changes, "sync_pull")
    body = {
        "changes": changes,
        "timestamp": response_timestamp(
            head=head, last_served=rows[-1][0] if rows else None, has_more=has_more
        ),
        "has_more": has_more,
    }
    served = sum(len(v) for v in upserts.values()) + sum(len(v) for v in deletes.values())
    return PullResult(body, "incremental", served)


def unit_record(unit: Any) -> dict[str, Any] | None:
    """The officer's unit as the enrolment answer and a new snapshot name it."""
    if unit is None:
        return None
    return {
        "id": str(unit.pk),
        "callsign": unit.callsign,
        "type": unit.type,
        "district_id": str(unit.district_id),
    }


def _naming_the_unit(device: Device, result: PullResult) -> PullResult:
    """A new snapshot (the first page of one) says which unit the scope was built for: a
    phone whose officer moved to another unit got the new unit's calls and kept the old
    callsign in its header, the enrolment answer being the only place that named it.
    Incremental pages and continuation pages leave it out (no bytes over 2G for nothing):
    the scope — and so the unit — changes only with a new snapshot."""
    result.body["unit"] = unit_record(device.officer.unit)
    return result


def _snapshot(device: Device, audiences: list[str], *, head: int, limit: int) -> PullResult:
    """A new replacement snapshot: the whole scope in one response when it fits the bound
    (the common case: one statement for the memberships), else its first table page."""
    rows = _member_rows(audiences, 0, limit + 1)
    if len(rows) <= limit:
        upserts: dict[str, set[str]] = defaultdict(set)
        for _id, table, record_id in rows:
            upserts[table].add(record_id)
        changes = changes_for(upserts, {}, own_device=str(device.pk))
        _audit_dv_reads(device, changes, "sync_snapshot")
        body: dict[str, Any] = {
            "changes": changes,
            "timestamp": max(head, 1),
            "has_more": False,
            "experimentalStrategy": "replacement",
        }
        return PullResult(body, "snapshot", len(rows))
    return _snapshot_page(
        device, audiences, head=head, position=(SNAPSHOT_TABLES[0], 0), page=0, limit=limit
    )


def _table_counts(audiences: Sequence[str]) -> dict[str, int]:
    quote = connection.ops.quote_name
    marks = ", ".join(["%s"] * len(audiences))
    sql = (
        f"SELECT {quote('table')}, count(*) FROM {quote(Membership._meta.db_table)} "  # noqa: S608
        f"WHERE audience IN ({marks}) GROUP BY {quote('table')}"
    )
    with connection.cursor() as db:
        db.execute(sql, list(audiences))
        return {table: int(count) for table, count in db.fetchall()}


def _table_rows(
    audiences: Sequence[str], tables: Sequence[str], after: int, limit: int | None
) -> list[tuple[Any, ...]]:
    """Membership rows (id, table, record_id) of ``tables`` for the audiences, by id."""
    quote = connection.ops.quote_name
    audience_marks = ", ".join(["%s"] * len(audiences))
    table_marks = ", ".join(["%s"] * len(tables))
    sql = (
        f"SELECT id, {quote('table')}, record_id FROM {quote(Membership._meta.db_table)} "  # noqa: S608
        f"WHERE audience IN ({audience_marks}) AND {quote('table')} IN ({table_marks}) "
        f"AND id > %s ORDER BY id" + (" LIMIT %s" if limit is not None else "")
    )
    params: list[Any] = [*audiences, *tables, after]
    if limit is not None:
        params.append(limit)
    with connection.cursor() as db:
        db.execute(sql, params)
        return list(db.fetchall())


def _snapshot_page(
    device: Device,
    audiences: list[str],
    *,
    head: int,
    position: tuple[str, int],
    page: int,
    limit: int,
) -> PullResult:
    """One page of a snapshot above the bound, starting at ``position`` (table, last
    membership id served of it).

    At the start of a table, as many whole tables as fit the bound go into the page and are
    named ``replacement``; a table that alone exceeds it goes out in keyset pages of upserts.
    """
    table, after = position
    first = SNAPSHOT_TABLES.index(table)
    counts = _table_counts(audiences)
    whole: list[str] = []
    if after == 0:
        total = 0
        for name in SNAPSHOT_TABLES[first:]:
            if total + counts.get(name, 0) > limit:
                break
            whole.append(name)
            total += counts.get(name, 0)
    if whole:
        rows = _table_rows(audiences, whole, 0, None)
        following = first + len(whole)
        after_next = 0
    else:  # this table alone exceeds the bound
        rows = _table_rows(audiences, [table], after, limit + 1)
        more_of_table = len(rows) > limit
        rows = rows[:limit]
        following = first if more_of_table else first + 1
        after_next = rows[-1][0] if more_of_table else 0
    has_more = following < len(SNAPSHOT_TABLES)

    upserts: dict[str, set[str]] = defaultdict(set)
    for _id, name, record_id in rows:
        upserts[name].add(record_id)
    changes = changes_for(upserts, {}, own_device=str(device.pk))
    _audit_dv_reads(device, changes, "sync_snapshot")
    if has_more:
        # One immutable bookmark per page boundary: asking for the same page twice (a lost
        # response) serves the same page again.
        bookmark = SnapshotBookmark.objects.create(
            device_id=device.pk,
            head=head,
            table=SNAPSHOT_TABLES[following],
            after_membership_id=after_next,
            audiences=",".join(audiences),
            created_at=clock.now(),
        )
        timestamp = SnapshotCursor(bookmark.pk, min(page + 1, MAX_PAGE)).encode()
    else:
        timestamp = max(head, 1)
    body: dict[str, Any] = {
        "changes": changes,
        "timestamp": timestamp,
        "has_more": has_more,
        # Per table (WatermelonDB 0.28's SyncPullStrategy object): only the tables this page
        # holds in full are replaced; the others are left as they are.
        "experimentalStrategy": {
            "default": "incremental",
            "override": dict.fromkeys(whole, "replacement"),
        },
    }
    return PullResult(body, "snapshot" if page == 0 else "continuation", len(rows))


def changes_for_audience(
    committed: Iterable[CommittedChange], audience: str
) -> tuple[int, dict[str, Any]] | None:
    """(timestamp, changes) of one audience's share of a commit — a WebSocket ``changes`` frame.

    Returns None when the commit has nothing for ``audience``. Render once per audience and
    send the same frame to every device in it (the realtime fan-out).
    """
    rows = [(c.seq, c.table, c.record_id, c.deleted) for c in committed if c.audience == audience]
    if not rows:
        return None
    upserts, deletes = fold_changes(rows)
    return max(r[0] for r in rows), changes_for(upserts, deletes)


__all__ = [
    "SNAPSHOT_TABLES",
    "TABLE_ORDER",
    "PullResult",
    "PullState",
    "changes_for_audience",
    "fold_changes",
    "pull_changes",
    "pull_state",
    "scope_epoch",
    "unit_record",
]
