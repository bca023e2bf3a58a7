"""The unit of work: the one chokepoint for audited writes and change-log entries.

Services run inside :func:`unit_of_work`. While it is open they call :func:`audit` and
:func:`touch`; both only buffer. When the outermost unit of work closes, :func:`flush`
takes the sequencer's row lock, asks the change resolver which audiences each touched
record now has, writes the audit entries (chained) and the change rows (numbered), and
registers the change listeners to run after commit. The lock is taken last and held to
commit, which is what makes sequence numbers follow commit order.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from django.conf import settings
from django.db import connection, transaction
from django.utils.module_loading import import_string

from backend.common import clock
from backend.common.sql import insert_rows

from .actions import sensitive_read
from .models import GENESIS_HASH, ActorKind, AuditEntry, Change, Sequencer
from .names import SyncTable, Topic


@dataclass(frozen=True)
class ChangeRow:
    audience: str
    table: str
    record_id: str
    deleted: bool = False


@dataclass(frozen=True)
class CommittedChange:
    seq: int
    audience: str
    table: str
    record_id: str
    deleted: bool


@dataclass
class _PendingAudit:
    at: dt.datetime
    actor_id: int | None
    actor_kind: str
    actor_label: str
    action: str
    object_type: str
    object_id: str
    district_id: int | None
    data: str


@dataclass(frozen=True)
class Notification:
    """Something to tell devices or boards after commit (revocation, escalation, SOS…)."""

    topic: str
    data: dict[str, Any]
    # The id of the row that keeps it, where one does (the boards' alerts: set in the
    # transaction by ``KUZET_NOTIFICATION_STORE``).
    kept_as: int | None = None


@dataclass(frozen=True)
class Commit:
    """What one unit of work committed: numbered changes and notifications, in order."""

    changes: list[CommittedChange]
    notifications: list[Notification]


@dataclass
class _Buffer:
    depth: int = 0
    audits: list[_PendingAudit] = field(default_factory=list)
    touched: dict[str, set[str]] = field(default_factory=dict)
    notifications: list[Notification] = field(default_factory=list)

    def clear(self) -> None:
        self.audits.clear()
        self.touched.clear()
        self.notifications.clear()


_local = threading.local()


def _buffer() -> _Buffer:
    buf = getattr(_local, "buffer", None)
    if buf is None:
        buf = _Buffer()
        _local.buffer = buf
    return buf


class OutsideUnitOfWork(RuntimeError):
    """Audited writes and change-log entries must run inside ``unit_of_work()``."""


@contextlib.contextmanager
def unit_of_work() -> Iterator[None]:
    """Open (or join) a transaction whose audit entries and changes are written at the end."""
    buf = _buffer()
    with transaction.atomic():
        buf.depth += 1
        try:
            yield
            if buf.depth == 1:
                flush()
        except BaseException:
            if buf.depth == 1:
                buf.clear()
            raise
        finally:
            buf.depth -= 1


def canonical_json(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS).decode()


def audit(
    action: str,
    *,
    actor: Any = None,
    actor_kind: str | None = None,
    actor_label: str = "",
    obj: Any = None,
    object_type: str = "",
    object_id: str | int = "",
    district_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """Record an audit entry, written when the unit of work closes.

    ``actor`` is an Officer (or None for the system); ``obj`` a model instance whose
    ``audit_object_type`` or model name and primary key identify it.
    """
    buf = _buffer()
    if buf.depth == 0:
        raise OutsideUnitOfWork(action)
    if obj is not None:
        object_type = object_type or getattr(obj, "audit_object_type", obj._meta.model_name)
        object_id = object_id or obj.pk
        if district_id is None:
            district_id = getattr(obj, "audit_district_id", None)
    if actor_kind is None:
        actor_kind = ActorKind.USER if actor is not None else ActorKind.SYSTEM
    if actor is not None and not actor_label:
        actor_label = actor.get_username()
    buf.audits.append(
        _PendingAudit(
            at=clock.now(),
            actor_id=actor.pk if actor is not None else None,
            actor_kind=str(actor_kind),
            actor_label=actor_label[:150],
            action=action,
            object_type=str(object_type),
            object_id=str(object_id),
            district_id=district_id,
            data=canonical_json(data or {}),
        )
    )


def touch(table: SyncTable, *record_ids: str | int) -> None:
    """Mark records of a synced table as changed; audiences are resolved at flush."""
    buf = _buffer()
    if buf.depth == 0:
        raise OutsideUnitOfWork(f"touch {table}")
    buf.touched.setdefault(table, set()).update(str(r) for r in record_ids)


def notify(topic: Topic, **data: Any) -> None:
    """Queue a notification for the change listeners, delivered only if the work commits."""
    buf = _buffer()
    if buf.depth == 0:
        raise OutsideUnitOfWork(f"notify {topic}")
    buf.notifications.append(Notification(topic, data))


def entry_hash(
    *,
    id: int,
    at: dt.datetime,
    actor_id: int | None,
    actor_kind: str,
    actor_label: str,
    action: str,
    object_type: str,
    object_id: str,
    district_id: int | None,
    data: str,
    prev_hash: str,
) -> str:
    material = canonical_json(
        {
            "id": id,
            "at": at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            "actor_id": actor_id,
            "actor_kind": actor_kind,
            "actor_label": actor_label,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "district_id": district_id,
            "data": data,
            "prev_hash": prev_hash,
        }
    )
    return hashlib.sha256(material.encode()).hexdigest()


def lock_sequencer() -> Sequencer:
    """Lock the sequencer row, creating it if a test flushed the table.

    Plain SQL, like :func:`store_sequencer`: every unit of work ends here, and compiling
    the querysets cost more than running them. The row is created only when it is missing
    (a data migration makes it; a flushed test database loses it).
    """
    table = connection.ops.quote_name(Sequencer._meta.db_table)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    select = f"SELECT change_seq, audit_seq, audit_head FROM {table} WHERE id = 1{lock}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(select)
        row = cursor.fetchone()
        if row is None:
            Sequencer.objects.bulk_create([Sequencer(id=1)], ignore_conflicts=True)
            cursor.execute(select)
            row = cursor.fetchone()
    # A loaded row (not a new instance): save() on it updates, as on any fetched model.
    return Sequencer.from_db(
        connection.alias, ["id", "change_seq", "audit_seq", "audit_head"], [1, *row]
    )


def store_sequencer(seq: Sequencer) -> None:
    """Write back a sequencer row taken with :func:`lock_sequencer`."""
    table = connection.ops.quote_name(Sequencer._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET change_seq = %s, audit_seq = %s, audit_head = %s WHERE id = 1",  # noqa: S608
            [seq.change_seq, seq.audit_seq, seq.audit_head],
        )


Resolver = Callable[[dict[str, set[str]]], Sequence[ChangeRow]]
Listener = Callable[[Commit], None]


def _resolver() -> Resolver | None:
    path = getattr(settings, "KUZET_CHANGE_RESOLVER", "")
    return import_string(path) if path else None


def _listeners() -> list[Listener]:
    return [import_string(p) for p in getattr(settings, "KUZET_CHANGE_LISTENERS", [])]


@dataclass(frozen=True)
class Written:
    """What one unit of work wrote, as its recorders see it before commit: the touched
    records by synced table, and the (object_type, object_id) of each audit entry."""

    touched: dict[str, set[str]]
    audited: list[tuple[str, str, str]]  # (action, object_type, object_id)


Recorder = Callable[[Written], None]


def _recorders() -> list[Recorder]:
    return [import_string(p) for p in getattr(settings, "KUZET_CHANGE_RECORDERS", [])]


def _notification_store() -> Callable[[list[Notification]], list[Notification]] | None:
    path = getattr(settings, "KUZET_NOTIFICATION_STORE", "")
    return import_string(path) if path else None


def flush() -> None:
    """Write buffered audit entries and changes under the sequencer lock.

    Call inside the transaction; :func:`unit_of_work` does it for you at the end.
    """
    buf = _buffer()
    if not buf.audits and not buf.touched and not buf.notifications:
        return
    audits, touched, notifications = buf.audits, buf.touched, buf.notifications
    buf.audits, buf.touched, buf.notifications = [], {}, []
    if notifications and (store := _notification_store()) is not None:
        # In the transaction: what is kept of a notification (the boards' alert list)
        # commits with the change it tells of, or not at all. The store answers the
        # notifications again, each with the id of the row that keeps it (``kept_as``).
        notifications = store(notifications)

    if not audits and not touched:
        _schedule_listeners(Commit([], notifications))
        return

    seq = lock_sequencer()
    # Recorders write in this transaction and under the lock, so that what they compare
    # against (the partners' last callback body) was written by the previous writer's
    # commit: two writers never both record the same change, and none is missed.
    for record in _recorders():
        record(Written(touched, [(a.action, a.object_type, a.object_id) for a in audits]))
    # Resolve under the lock: audiences must be computed from the state committed by
    # every earlier writer, or two concurrent writers could each undo the other's move-out.
    resolver = _resolver()
    change_rows = list(resolver(touched)) if (resolver and touched) else []

    if audits:
        entries = []
        head, n = seq.audit_head, seq.audit_seq
        for item in audits:
            n += 1
            digest = entry_hash(
                id=n,
                at=item.at,
                actor_id=item.actor_id,
                actor_kind=item.actor_kind,
                actor_label=item.actor_label,
                action=item.action,
                object_type=item.object_type,
                object_id=item.object_id,
                district_id=item.district_id,
                data=item.data,
                prev_hash=head,
            )
            entries.append(
                AuditEntry(
                    id=n,
                    at=item.at,
                    actor_id=item.actor_id,
                    actor_kind=item.actor_kind,
                    actor_label=item.actor_label,
                    action=item.action,
                    object_type=item.object_type,
                    object_id=item.object_id,
                    district_id=item.district_id,
                    data=item.data,
                    prev_hash=head,
                    hash=digest,
                )
            )
            head = digest
        _insert_audit(entries)
        seq.audit_seq, seq.audit_head = n, head

    committed: list[CommittedChange] = []
    if change_rows:
        now = clock.now()
        first = seq.change_seq + 1
        rows = [
            Change(
                seq=first + i,
                audience=row.audience,
                table=row.table,
                record_id=row.record_id,
                deleted=row.deleted,
                at=now,
            )
            for i, row in enumerate(change_rows)
        ]
        _insert_changes(rows)
        seq.change_seq = first + len(rows) - 1
        committed = [
            CommittedChange(r.seq, r.audience, r.table, r.record_id, r.deleted) for r in rows
        ]

    if audits or committed:
        store_sequencer(seq)

    if committed or notifications:
        _schedule_listeners(Commit(committed, notifications))


def _insert_audit(entries: list[AuditEntry]) -> None:
    """Append audit entries: one INSERT on PostgreSQL, bulk_create elsewhere.

    An escalation sweep after an outage writes a thousand entries while it holds the
    sequencer lock. The rows travel as one JSON document: Django binds parameters on the
    client, where psycopg quotes array elements one by one in Python (eleven arrays of a
    thousand cost ≈ 20 ms; the document ≈ 2 ms). Text columns come back byte for byte.
    """
    if connection.vendor != "postgresql" or len(entries) < 50:
        AuditEntry.objects.bulk_create(entries)
        return
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    document = orjson.dumps(
        [
            {"id": e.id, "at": e.at, "actor_id": e.actor_id, "actor_kind": e.actor_kind,
             "actor_label": e.actor_label, "action": e.action, "object_type": e.object_type,
             "object_id": e.object_id, "district_id": e.district_id, "data": e.data,
             "prev_hash": e.prev_hash, "hash": e.hash}
            for e in entries
        ]
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (id, at, actor_id, actor_kind, actor_label, action, "  # noqa: S608
            "object_type, object_id, district_id, data, prev_hash, hash) "
            "SELECT * FROM json_to_recordset(%s::json) AS r(id bigint, at timestamptz, "
            "actor_id bigint, actor_kind text, actor_label text, action text, object_type text, "
            "object_id text, district_id bigint, data text, prev_hash text, hash text)",
            [document.decode()],
        )


def _insert_changes(rows: list[Change]) -> None:
    """Append change rows: a few (every push writes two or three, under the sequencer lock)
    in a statement composed without the ORM, whose compilation cost more than the insert;
    many as one ``unnest`` INSERT on PostgreSQL."""
    if connection.vendor != "postgresql" or len(rows) < 50:
        insert_rows(rows, ["seq", "audience", "table", "record_id", "deleted", "at"])
        return
    table = connection.ops.quote_name(Change._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (seq, audience, {connection.ops.quote_name('table')}, "  # noqa: S608
            "record_id, deleted, at) SELECT * FROM unnest(%s::bigint[], %s::text[], "
            "%s::text[], %s::text[], %s::boolean[], %s::timestamptz[])",
            [
                [r.seq for r in rows],
                [r.audience for r in rows],
                [r.table for r in rows],
                [r.record_id for r in rows],
                [r.deleted for r in rows],
                [r.at for r in rows],
            ],
        )


def _schedule_listeners(commit: Commit) -> None:
    for listener in _listeners():
        transaction.on_commit(functools.partial(listener, commit), robust=True)


def current_change_seq() -> int:
    """The newest committed change sequence number (read without locking)."""
    value = Sequencer.objects.filter(id=1).values_list("change_seq", flat=True).first()
    return int(value or 0)


@dataclass(frozen=True)
class Tampering:
    kind: str  # edited | deleted | reordered | inserted
    entry_id: int | None
    detail: str


def verify_chain(batch: int = 5000) -> list[Tampering]:
    """Walk the audit chain and report every break. An empty list means intact."""
    problems: list[Tampering] = []
    expected_id = 1
    prev = GENESIS_HASH
    last_id = 0
    qs = AuditEntry.objects.order_by("id")
    after = 0
    while True:
        page = list(qs.filter(id__gt=after)[:batch])
        if not page:
            break
        for entry in page:
            if entry.id != expected_id:
                missing = (
                    f"entry {expected_id} is"
                    if entry.id - 1 == expected_id
                    else f"entries {expected_id}..{entry.id - 1} are"
                )
                problems.append(Tampering("deleted", expected_id, f"{missing} missing"))
            recomputed = entry_hash(
                id=entry.id,
                at=entry.at,
                actor_id=entry.actor_id,
                actor_kind=entry.actor_kind,
                actor_label=entry.actor_label,
                action=entry.action,
                object_type=entry.object_type,
                object_id=entry.object_id,
                district_id=entry.district_id,
                data=entry.data,
                prev_hash=entry.prev_hash,
            )
            if recomputed != entry.hash:
                problems.append(
                    Tampering("edited", entry.id, "content does not match its stored hash")
                )
            elif entry.prev_hash != prev and entry.id == expected_id:
                problems.append(
                    Tampering(
                        "reordered",
                        entry.id,
                        f"does not follow entry {entry.id - 1}: entries were moved, or entry "
                        f"{entry.id - 1} was rewritten with a recomputed hash",
                    )
                )
            prev = entry.hash
            expected_id = entry.id + 1
            last_id = entry.id
        after = page[-1].id
    head = Sequencer.objects.filter(id=1).first()
    if head is None and last_id:
        problems.append(
            Tampering("deleted", None, "the sequencer row that records the chain's head is gone")
        )
    if head is not None:
        if head.audit_seq > last_id:
            problems.append(
                Tampering(
                    "deleted",
                    last_id + 1,
                    f"the chain ends at {last_id} but {head.audit_seq} entries were written",
                )
            )
        elif head.audit_seq < last_id:
            problems.append(
                Tampering("inserted", head.audit_seq + 1, "entries beyond the recorded head")
            )
        elif last_id and head.audit_head != prev:
            problems.append(
                Tampering("edited", last_id, "the last entry does not match the recorded head")
            )
    return problems


def record_read(
    *, actor: Any, obj: Any, purpose: str, actor_kind: str | None = None, **data: Any
) -> None:
    """Audit a read of a sensitive record (domestic violence) in its own unit of work."""
    with unit_of_work():
        audit(
            sensitive_read(obj._meta.model_name),
            actor=actor,
            actor_kind=actor_kind,
            obj=obj,
            data={"purpose": purpose, **data},
        )


__all__ = [
    "ActorKind",
    "ChangeRow",
    "Commit",
    "CommittedChange",
    "Notification",
    "OutsideUnitOfWork",
    "Written",
    "audit",
    "current_change_seq",
    "flush",
    "notify",
    "record_read",
    "touch",
    "unit_of_work",
    "verify_chain",
]
