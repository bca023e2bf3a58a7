"""Which devices see which records: audiences, the change resolver and the code tables.

An *audience* names a group of devices: ``u:<unit id>`` (the devices of a unit's officers),
``d:<district id>`` (every device of the district), ``*`` (every device). A device's
audiences follow from its officer (:func:`device_audiences`).

Scope (PROTOCOL.md §4):

* ``assignments`` → ``u:<unit>`` while open, and for ``KUZET_SCOPE_CLOSED_HOURS`` after it
  was cleared or cancelled; a superseded assignment (reassigned away) leaves at once; an
  assignment of a restricted incident is never shown.
* ``incidents`` → the union of the audiences of their assignments (restricted: none).
* ``events`` → the audiences of their incident; an event without incident (unit status,
  location, SOS, a loose note) → ``u:<unit>`` for ``KUZET_SCOPE_CLOSED_HOURS`` after receipt.
* ``units``, ``settlements`` → ``d:<district>``.
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
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson
from django.conf import settings
from django.db.models import Q

from backend.common import clock
from backend.dispatch.models import (
    OPEN_ASSIGNMENT_STATUSES,
    Assignment,
    AssignmentStatus,
    Category,
    Channel,
    Event,
    EventKind,
    IncidentStatus,
    OutcomeCode,
    Priority,
)
from backend.geo.models import Settlement
from backend.ledger import uow
from backend.ledger.uow import ChangeRow
from backend.people.models import UnitStatus, UnitType
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
    """Every code-table record by id (``<kind>:<code>``), generated from the model choices."""
    records: dict[str, dict[str, Any]] = {}
    for kind, choices in _CODE_KINDS:
        for value, label in choices.choices:
            record_id = f"{kind}:{value}"
            records[record_id] = {"id": record_id, "kind": kind, "code": value, "label": str(label)}
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
        uow.touch("codes", *(set(code_records()) | published))
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
    from backend.people.models import Unit

    total = 0
    for table, model in (("units", Unit), ("settlements", Settlement)):
        expected = {
            (str(pk), district_audience(district_id))
            for pk, district_id in model.objects.values_list("id", "district_id")
        }
        present = set(Membership.objects.filter(table=table).values_list("record_id", "audience"))
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
    if row["incident__restricted"]:
        return False, None
    status = row["status"]
    if status in OPEN_ASSIGNMENT_STATUSES:
        return True, None
    if status == AssignmentStatus.SUPERSEDED:
        return False, None  # reassigned away: leaves the old unit at once
    closed_at = row["closed_at"] or now
    until = closed_at + closed_window()
    return until > now, until


def _memberships(keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Membership]]:
    by_table: dict[str, set[str]] = defaultdict(set)
    for table, record_id in keys:
        by_table[table].add(record_id)
    if not by_table:
        return {}
    query = Q()
    for table, ids in by_table.items():
        query |= Q(table=table, record_id__in=sorted(ids))
    found: dict[tuple[str, str], dict[str, Membership]] = defaultdict(dict)
    for member in Membership.objects.filter(query).only(
        "id", "table", "record_id", "audience", "expires_at"
    ):
        found[(member.table, member.record_id)][member.audience] = member
    return found


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
    i_ids = _ints(touched.get("incidents", ()))
    incident_audiences: dict[int, Audiences] = {i: {} for i in i_ids}
    if a_ids or i_ids:
        siblings = Assignment.objects.filter(id__in=sorted(a_ids)).values("incident_id")
        rows: list[dict[str, Any]] = [
            dict(r)
            for r in Assignment.objects.filter(
                Q(incident_id__in=sorted(i_ids)) | Q(incident_id__in=siblings)
            ).values("id", "incident_id", "unit_id", "status", "closed_at", "incident__restricted")
        ]
        for row in rows:
            visible, until = _assignment_visibility(row, now)
            audiences: Audiences = {unit_audience(row["unit_id"]): until} if visible else {}
            _merge(incident_audiences.setdefault(row["incident_id"], {}), audiences)
            result.put(
                "assignments",
                row["id"],
                audiences,
                explicit=row["id"] in a_ids or row["incident_id"] in i_ids,
            )
    for incident_id, audiences in incident_audiences.items():
        result.put("incidents", incident_id, audiences, explicit=incident_id in i_ids)

    e_ids = {str(e) for e in touched.get("events", ())}
    u_ids = _ints(touched.get("units", ()))
    s_ids = _ints(touched.get("settlements", ()))
    c_ids = {str(c) for c in touched.get("codes", ())}

    if u_ids:
        from backend.people.models import Unit

        for unit_id, district_id in Unit.objects.filter(id__in=sorted(u_ids)).values_list(
            "id", "district_id"
        ):
            result.put("units", unit_id, {district_audience(district_id): None}, explicit=True)
    if s_ids:
        for settlement_id, district_id in Settlement.objects.filter(
            id__in=sorted(s_ids)
        ).values_list("id", "district_id"):
            audience: Audiences = {district_audience(district_id): None}
            result.put("settlements", settlement_id, audience, explicit=True)
    if c_ids:
        current = code_records()
        for code_id in c_ids:
            result.put(
                "codes", code_id, {EVERYONE: None} if code_id in current else {}, explicit=True
            )

    event_fields = ("id", "incident_id", "unit_id", "server_received_at", "incident__restricted")
    event_rows: list[dict[str, Any]] = []
    if e_ids:
        event_rows = [
            dict(r) for r in Event.objects.filter(id__in=sorted(e_ids)).values(*event_fields)
        ]

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
    moved_incidents = [
        incident_id
        for incident_id, audiences in incident_audiences.items()
        if set(audiences) != set(members.get(("incidents", str(incident_id)), {}))
    ]
    if moved_incidents:
        cascade = [
            dict(r)
            for r in Event.objects.filter(incident_id__in=sorted(moved_incidents))
            .exclude(id__in=sorted(e_ids))
            .values(*event_fields)
        ]
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
        restricted = bool(event["incident__restricted"])
        if event["unit_id"] is not None and own_until > now and not restricted:
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
        Membership.objects.bulk_create(to_create)
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
                uow.touch(table, *ids)
        total += len(due)
        if len(due) < batch:
            return total
