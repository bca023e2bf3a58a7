"""Which devices see which records: audiences, the change resolver and the code tables.

An *audience* names a group of devices: ``u:<unit id>`` (the devices of a unit's officers),
``d:<district id>`` (every device of the district), ``*`` (every device). A device's
audiences follow from its officer (:func:`device_audiences`).

Scope (PROTOCOL.md §4):

* ``assignments`` → ``u:<unit>`` while open, and for ``KUZET_SCOPE_CLOSED_HOURS`` after it
  was cleared or cancelled; a superseded assignment (reassigned away) leaves at once; an
  assignment of a restricted incident is never shown.
* ``follow_ups`` (DV follow-up visits) → ``u:<unit>`` (the inspector the visit is owed by)
  while owed, and for ``KUZET_SCOPE_CLOSED_HOURS`` after the visit; restricted: none.
* ``incidents`` → the union of the audiences of their assignments and follow-ups
  (restricted: none).
* ``events`` → the audiences of their incident; an event without incident (unit status,
  location, SOS, a loose note) → ``u:<unit>`` for ``KUZET_SCOPE_CLOSED_HOURS`` after receipt.
* ``units``, ``settlements`` → ``d:<district>``; a settlement also → ``u:<unit>`` of a unit of
  another district for as long as that unit sees one of its calls (an assignment of a unit
  sent across the border, ``selectors.units_across_border``): its phone names the village
  and can open it in maps, which it could not with the call alone.
* ``codes`` → ``*`` (generated from the model choices, see :func:`code_records`).

:func:`resolve_changes` is the ledger's change resolver (``settings.KUZET_CHANGE_RESOLVER``).
It runs under the sequencer lock at the end of every unit of work, compares each touched
record's audiences with :class:`~backend.sync_gateway.models.Membership`, emits an upsert per
current audience and a ``deleted`` row per lost audience (move-out), cascades incident
audience changes to the incident's assignments' siblings and events (move-in), and updates
the memberships. It works in bulk: a constant number of queries per table, whatever the
number of touched records.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson
from django.conf import settings
from django.db import connection
from django.utils import translation

from backend.common import clock
from backend.common.sql import insert_rows
from backend.dispatch.lifecycle import ASSIGNMENT_OPEN, AssignmentStatus, EventKind, IncidentStatus
from backend.dispatch.models import Category, Channel, OutcomeCode, Priority
from backend.geo.models import Settlement
from backend.ledger import uow
from backend.ledger.names import SyncTable
from backend.ledger.uow import ChangeRow
from backend.people.models import Unit, UnitStatus, UnitType
from sync import scope as sync_scope
from sync.scope import EVERYONE, district_audience, unit_audience

from .models import ChangeLogHorizon, Membership


def device_audiences(device: Any) -> list[str]:
    """The audiences whose changes ``device`` receives (pull, WebSocket groups)."""
    officer = device.officer
    return sync_scope.device_audiences(unit_id=officer.unit_id, district_id=officer.district_id)


def closed_window() -> dt.timedelta:
    return dt.timedelta(hours=settings.KUZET_SCOPE_CLOSED_HOURS)


# --- code tables ----------------------------------------------------------------------------

_CODE_KINDS: list[tuple[str, Any]] = [
    ("category", Category),
    ("priority", Priority),
    ("outcome_code", OutcomeCode),
    ("unit_status", UnitStatus),
    ("unit_type", UnitType),
    ("event_kind", EventKind),
    ("channel", Channel),
    ("incident_status", IncidentStatus),
    ("assignment_status", AssignmentStatus),
]


def code_records() -> dict[str, dict[str, Any]]:
    """Every code-table record by id (``<kind>:<code>``), generated from the model choices.

    The labels are translatable (the field app names codes in its own language); devices get
    the English ones whatever language the caller runs in, so the digest never flips."""
    records: dict[str, dict[str, Any]] = {}
    with translation.override("en"):
        for kind, choices in _CODE_KINDS:
            for value, label in choices.choices:
                record_id = f"{kind}:{value}"
                records[record_id] = {
                    "id": record_id, "kind": kind, "code": value, "label": str(label)
                }  # fmt: skip
    return records


def codes_digest() -> str:
    return hashlib.sha256(orjson.dumps(code_records(), option=orjson.OPT_SORT_KEYS)).hexdigest()


def codes_publish() -> bool:
    """Touch the code tables when they differ from what devices were sent. Idempotent.

    Runs after ``migrate`` (a deployment may add a category or an event kind) and whenever
    a test flushes the database. Returns True when something was published.
    """
    digest = codes_digest()
    with uow.unit_of_work():
        ChangeLogHorizon.objects.bulk_create([ChangeLogHorizon(id=1)], ignore_conflicts=True)
        horizon = ChangeLogHorizon.objects.select_for_update().get(id=1)
        if horizon.codes_digest == digest:
            return False
        published = set(
            Membership.objects.filter(table="codes").values_list("record_id", flat=True)
        )
        uow.touch(SyncTable.CODES, *(set(code_records()) | published))
        horizon.codes_digest = digest
        horizon.save(update_fields=["codes_digest"])
    return True


def reference_reconcile() -> int:
    """Touch units and settlements whose memberships disagree with their district.

    Every write to a synced record must touch it; this sweep (run with the age-out and
    after ``migrate``) heals the ones that did not — rows loaded by a seed or a data
    migration, say — so a device never misses a whole unit or village. Returns the number
    of records touched.
    """
    total = 0
    for table, model in ((SyncTable.UNITS, Unit), (SyncTable.SETTLEMENTS, Settlement)):
        expected = {
            (str(pk), district_audience(district_id))
            # A set: unordered (settlements are ordered by name in the reader's collation).
            for pk, district_id in model.objects.order_by().values_list("id", "district_id")
        }
        # (A settlement's unit audiences — a unit of another district on a call there — come
        # and go with the calls: the resolver keeps them, this compares the districts'.)
        present = set(
            Membership.objects.filter(table=table, audience__startswith="d:").values_list(
                "record_id", "audience"
            )
        )
        stale = {record_id for record_id, _ in expected ^ present}
        if stale:
            with uow.unit_of_work():
                uow.touch(table, *stale)
            total += len(stale)
    return total


# --- the resolver ---------------------------------------------------------------------------


def _ints(values: Iterable[str]) -> set[int]:
    out = set()
    for value in values:
        try:
            out.add(int(value))
        except (TypeError, ValueError):
            continue
    return out


Audiences = dict[
    str, "dt.datetime | None"
]  # audience → when the record leaves it (None: not by time)


@dataclass
class _Target:
    """A record's computed audiences, and whether it was touched itself or by a cascade."""

    audiences: Audiences
    explicit: bool


@dataclass
class _Resolution:
    targets: dict[tuple[str, str], _Target] = field(default_factory=dict)

    def put(self, table: str, record_id: object, audiences: Audiences, *, explicit: bool) -> None:
        self.targets[(table, str(record_id))] = _Target(audiences, explicit)


def _assignment_visibility(
    row: dict[str, Any], now: dt.datetime
) -> tuple[bool, dt.datetime | None]:
    """(visible to its unit?, when that ends) for an assignment row."""
    if row["restricted"]:
        return False, None
    status = row["status"]
    if status in ASSIGNMENT_OPEN:
        return True, None
    if status == AssignmentStatus.SUPERSEDED:
        return False, None  # reassigned away: leaves the old unit at once
    closed_at = row["closed_at"] or now
    until = closed_at + closed_window()
    return until > now, until


# The resolver's reads are plain SQL of a fixed shape, not querysets: it runs under the
# sequencer lock at the end of every unit of work, so every writer waits while it reads, and
# compiling a queryset cost more than running it (≈ 0.4 of ≈ 0.65 ms per read on the
# reference machine). The statements are portable; the tests run on SQLite and PostgreSQL.


def _in(column: str, values: Collection[Any]) -> tuple[str, list[Any]]:
    return f"{column} IN ({', '.join(['%s'] * len(values))})", sorted(values)


def _select_where_any(
    select: str, conditions: list[tuple[str, list[Any]]]
) -> list[tuple[Any, ...]]:
    """Rows of ``select`` matching any of the conditions (none: no rows, no query)."""
    conditions = [(sql, params) for sql, params in conditions if params]
    if not conditions:
        return []
    where = " OR ".join(f"({sql})" for sql, _ in conditions)
    with connection.cursor() as cursor:
        cursor.execute(f"{select} WHERE {where}", [p for _, params in conditions for p in params])
        rows: list[tuple[Any, ...]] = cursor.fetchall()
    return rows


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands raw SQL naive UTC datetimes (the ORM adds the zone); PostgreSQL aware."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


def _memberships(keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Membership]]:
    by_table: dict[str, set[str]] = defaultdict(set)
    for table, record_id in keys:
        by_table[table].add(record_id)
    conditions = []
    for table, ids in sorted(by_table.items()):
        sql, params = _in("record_id", ids)
        conditions.append((f'"table" = %s AND {sql}', [table, *params]))
    found: dict[tuple[str, str], dict[str, Membership]] = defaultdict(dict)
    for member_id, table, record_id, audience, expires_at in _select_where_any(
        'SELECT id, "table", record_id, audience, expires_at FROM sync_gateway_membership',
        conditions,
    ):
        found[(table, record_id)][audience] = Membership(
            id=member_id,
            table=table,
            record_id=record_id,
            audience=audience,
            expires_at=_aware(expires_at),
        )
    return found


def _assignment_rows(a_ids: set[int], i_ids: set[int]) -> list[dict[str, Any]]:
    """The touched assignments, every assignment of the touched incidents, and the siblings
    of the touched assignments (the other assignments of their incidents).

    Two index lookups rather than one query with a subquery: PostgreSQL plans
    ``incident_id IN (…) OR incident_id IN (SELECT …)`` as a scan of the whole table (2 ms
    at 4,000 assignments, growing with every one, under the sequencer lock). A dispatch
    touches its incident too, so its siblings come with the first query.
    """
    rows = {r["id"]: r for r in _assignments([_in("a.id", a_ids), _in("a.incident_id", i_ids)])}
    unread = {r["incident_id"] for r in rows.values()} - i_ids
    for row in _assignments([_in("a.incident_id", unread)]):
        rows.setdefault(row["id"], row)
    return list(rows.values())


def _assignments(conditions: list[tuple[str, list[Any]]]) -> list[dict[str, Any]]:
    rows = _select_where_any(
        "SELECT a.id, a.incident_id, a.unit_id, a.status, a.closed_at, i.restricted, "
        "i.settlement_id, i.district_id <> u.district_id "
        "FROM dispatch_assignment a JOIN dispatch_incident i ON i.id = a.incident_id "
        "JOIN people_unit u ON u.id = a.unit_id",
        conditions,
    )
    return [
        {
            "id": a_id,
            "incident_id": incident_id,
            "unit_id": unit_id,
            "status": status,
            "closed_at": _aware(closed_at),
            "restricted": bool(restricted),
            "settlement_id": settlement_id,
            # a unit sent across the border: the call's village is not in its district's scope
            "across": bool(across),
        }
        for a_id, incident_id, unit_id, status, closed_at, restricted, settlement_id, across in rows
    ]


def _settlement_audiences(ids: set[int], now: dt.datetime) -> dict[int, Audiences]:
    """The audiences of settlements: their district's, and the unit of every visible
    assignment of another district's unit to a call there (one query for the latter)."""
    found: dict[int, Audiences] = {
        settlement_id: {district_audience(district_id): None}
        for settlement_id, district_id in _districts("geo_settlement", ids)
    }
    sql, params = _in("i.settlement_id", set(found))
    for row in _assignments([(f"{sql} AND i.district_id <> u.district_id", params)]):
        visible, until = _assignment_visibility(row, now)
        if visible:
            _merge(found[row["settlement_id"]], {unit_audience(row["unit_id"]): until})
    return found


def _follow_up_visibility(row: dict[str, Any], now: dt.datetime) -> tuple[bool, dt.datetime | None]:
    """(visible to its unit?, when that ends) for a follow-up row: while owed, and for the
    closed window after the visit; never without a unit or of a restricted call."""
    if row["restricted"] or row["unit_id"] is None:
        return False, None
    if row["done_at"] is None:
        return True, None
    until = row["done_at"] + closed_window()
    return until > now, until


def _follow_ups(conditions: list[tuple[str, list[Any]]]) -> list[dict[str, Any]]:
    rows = _select_where_any(
        "SELECT f.id, f.incident_id, f.unit_id, f.done_at, i.restricted "
        "FROM dispatch_followuptask f JOIN dispatch_incident i ON i.id = f.incident_id",
        conditions,
    )
    return [
        {
            "id": f_id,
            "incident_id": incident_id,
            "unit_id": unit_id,
            "done_at": _aware(done_at),
            "restricted": bool(restricted),
        }
        for f_id, incident_id, unit_id, done_at, restricted in rows
    ]


def _events(conditions: list[tuple[str, list[Any]]]) -> list[dict[str, Any]]:
    rows = _select_where_any(
        "SELECT e.id, e.incident_id, e.unit_id, e.server_received_at, i.restricted "
        "FROM dispatch_event e LEFT JOIN dispatch_incident i ON i.id = e.incident_id",
        conditions,
    )
    return [
        {
            "id": e_id,
            "incident_id": incident_id,
            "unit_id": unit_id,
            "server_received_at": _aware(received_at),
            "restricted": bool(restricted),
        }
        for e_id, incident_id, unit_id, received_at, restricted in rows
    ]


def _districts(table: str, ids: set[int]) -> list[tuple[int, int]]:
    """(id, district_id) of units or settlements."""
    return [
        (record_id, district_id)
        for record_id, district_id in _select_where_any(
            f"SELECT id, district_id FROM {table}",  # noqa: S608 (a constant)
            [_in("id", ids)],
        )
    ]


def resolve_changes(touched: dict[str, set[str]]) -> list[ChangeRow]:
    """Turn touched records into change rows per audience; update the memberships.

    Call under the sequencer lock (``uow.flush`` does): audiences are computed from the
    state committed by every earlier writer.
    """
    now = clock.now()
    result = _Resolution()

    # Assignments and incidents are resolved together: an incident's audiences are the union
    # of its assignments', so a touched assignment needs its siblings, and a touched incident
    # (restricted, say) re-decides all its assignments.
    a_ids = _ints(touched.get("assignments", ()))
    i_touched = _ints(touched.get("incidents", ()))
    f_ids = _ints(touched.get("follow_ups", ()))
    # A touched follow-up re-decides its incident (the inspector sees the call with it).
    i_ids = i_touched | {row["incident_id"] for row in _follow_ups([_in("f.id", f_ids)])}
    incident_audiences: dict[int, Audiences] = {i: {} for i in i_ids}
    # The villages of calls with a unit of another district on them: re-decided below.
    across_settlements: set[int] = set()
    if a_ids or i_ids:
        for row in _assignment_rows(a_ids, i_ids):
            if row["across"] and row["settlement_id"] is not None:
                across_settlements.add(row["settlement_id"])
            visible, until = _assignment_visibility(row, now)
            audiences: Audiences = {unit_audience(row["unit_id"]): until} if visible else {}
            _merge(incident_audiences.setdefault(row["incident_id"], {}), audiences)
            result.put(
                "assignments",
                row["id"],
                audiences,
                explicit=row["id"] in a_ids or row["incident_id"] in i_touched,
            )
    for row in _follow_ups([_in("f.incident_id", set(incident_audiences))]):
        visible, until = _follow_up_visibility(row, now)
        audiences = {unit_audience(row["unit_id"]): until} if visible else {}
        _merge(incident_audiences[row["incident_id"]], audiences)
        result.put(
            "follow_ups",
            row["id"],
            audiences,
            explicit=row["id"] in f_ids or row["incident_id"] in i_touched,
        )
    for incident_id, audiences in incident_audiences.items():
        result.put("incidents", incident_id, audiences, explicit=incident_id in i_touched)

    e_ids = {str(e) for e in touched.get("events", ())}
    u_ids = _ints(touched.get("units", ()))
    s_ids = _ints(touched.get("settlements", ()))
    c_ids = {str(c) for c in touched.get("codes", ())}

    for unit_id, district_id in _districts("people_unit", u_ids):
        result.put("units", unit_id, {district_audience(district_id): None}, explicit=True)
    for settlement_id, audiences in _settlement_audiences(s_ids | across_settlements, now).items():
        result.put("settlements", settlement_id, audiences, explicit=settlement_id in s_ids)
    if c_ids:
        current = code_records()
        for code_id in c_ids:
            result.put(
                "codes", code_id, {EVERYONE: None} if code_id in current else {}, explicit=True
            )

    # The touched events, and every event of the touched incidents: a touched incident
    # often changes audience (a dispatch shows it to the unit) and its events move with it
    # — reading them here spares a second query under the sequencer lock.
    event_rows: list[dict[str, Any]] = []
    incident_events: list[dict[str, Any]] = []
    for row in _events([_in("e.id", e_ids), _in("e.incident_id", i_ids)]):
        (event_rows if row["id"] in e_ids else incident_events).append(row)

    # One read of the memberships of everything known so far, plus the incidents of the
    # touched events (their audiences decide the events').
    keys = set(result.targets)
    keys.update(("events", e["id"]) for e in event_rows)
    keys.update(
        ("incidents", str(e["incident_id"]))
        for e in event_rows
        if e["incident_id"] is not None and e["incident_id"] not in incident_audiences
    )
    members = _memberships(keys)

    # Incidents whose audience set changed carry their events along (move-in / move-out).
    moved_incidents = {
        incident_id
        for incident_id, audiences in incident_audiences.items()
        if set(audiences) != set(members.get(("incidents", str(incident_id)), {}))
    }
    if moved_incidents:
        cascade = [e for e in incident_events if e["incident_id"] in moved_incidents]
        unread = moved_incidents - i_ids  # moved by a touched assignment alone
        cascade += [e for e in _events([_in("e.incident_id", unread)]) if e["id"] not in e_ids]
        members.update(_memberships(("events", e["id"]) for e in cascade))
        event_rows.extend(cascade)

    window = closed_window()
    for event in event_rows:
        # An event is seen with its incident; its own unit also keeps it for the closed
        # window after receipt, so the device that sent it always gets it back (its outbox
        # entry is cleared only then) — even when it was sent after a reassignment away.
        incident_id = event["incident_id"]
        event_audiences: Audiences = {}
        if incident_id is not None:
            if incident_id in incident_audiences:
                event_audiences = dict(incident_audiences[incident_id])
            else:
                known = members.get(("incidents", str(incident_id)), {})
                event_audiences = {
                    a: m.expires_at
                    for a, m in known.items()
                    if m.expires_at is None or m.expires_at > now
                }
        own_until = event["server_received_at"] + window
        if event["unit_id"] is not None and own_until > now and not event["restricted"]:
            _merge(event_audiences, {unit_audience(event["unit_id"]): own_until})
        result.put("events", event["id"], event_audiences, explicit=event["id"] in e_ids)

    return _emit(result, members)


def _merge(into: Audiences, more: Audiences) -> None:
    """Union of audiences; a record stays as long as its longest reason (None: no limit)."""
    for audience, until in more.items():
        if audience not in into:
            into[audience] = until
        else:
            current = into[audience]
            into[audience] = None if current is None or until is None else max(current, until)


def _emit(
    result: _Resolution, members: dict[tuple[str, str], dict[str, Membership]]
) -> list[ChangeRow]:
    deletes: list[ChangeRow] = []
    upserts: list[ChangeRow] = []
    to_create: list[Membership] = []
    to_delete: list[int] = []
    to_update: list[Membership] = []
    for (table, record_id), target in sorted(result.targets.items()):
        old = members.get((table, record_id), {})
        for audience in sorted(set(old) - set(target.audiences)):
            deletes.append(ChangeRow(audience, table, record_id, deleted=True))
            to_delete.append(old[audience].id)
        for audience, until in sorted(target.audiences.items()):
            member = old.get(audience)
            if member is None:
                to_create.append(
                    Membership(
                        table=table, record_id=record_id, audience=audience, expires_at=until
                    )
                )
            elif member.expires_at != until:
                member.expires_at = until
                to_update.append(member)
            if target.explicit or member is None:
                upserts.append(ChangeRow(audience, table, record_id))
    if to_delete:
        Membership.objects.filter(id__in=to_delete).delete()
    if to_create:
        # Composed without the ORM: every push creates one or two, under the sequencer lock.
        insert_rows(to_create, ["table", "record_id", "audience", "expires_at"])
    if to_update:
        Membership.objects.bulk_update(to_update, ["expires_at"])
    # Move-outs first: a record that changes audience within one commit ends up present.
    return deletes + upserts


def age_out(*, now: dt.datetime | None = None, batch: int = 2000) -> int:
    """Touch records whose time in scope ended, so the resolver emits their move-outs.

    Returns the number of records touched. Safe to run concurrently with itself: the
    resolver re-decides under the lock, and a record already moved out emits nothing.
    """
    now = now or clock.now()
    total = 0
    previous: list[tuple[str, str]] = []
    while True:
        due = list(
            Membership.objects.filter(expires_at__lte=now)
            .order_by("expires_at", "id")
            .values_list("table", "record_id")[:batch]
        )
        if not due or due == previous:  # no progress: never spin
            return total
        previous = due
        with uow.unit_of_work():
            by_table: dict[str, set[str]] = defaultdict(set)
            for table, record_id in due:
                by_table[table].add(record_id)
            for table, ids in by_table.items():
                uow.touch(SyncTable(table), *ids)
        total += len(due)
        if len(due) < batch:
            return total
