"""Pull: the changes of a device's audiences since its cursor, or a replacement snapshot.

The cursor (``timestamp`` / ``last_pulled_at``) is a change-log sequence number. Numbers are
handed out under the sequencer's row lock at the end of each transaction and the lock is
held to commit, so they follow commit order: ``seq > cursor`` never skips a transaction
that was still in flight when an earlier pull was answered. A pull reads the head FIRST
and serves only ``cursor < seq <= head``: a change numbered after the head was read is left
for the next pull, even if it committed before the query ran.

A snapshot (null, unknown or too old a cursor, or a device whose scope was rebuilt) is read
from the memberships of the device's audiences in pages; a page that is not the last answers
with a *continuation cursor* (:data:`SNAPSHOT_TAG` + a bookmark id), and the last one with the
head read when the snapshot started, from which the device continues incrementally.
Cursor encoding and the choice of mode are :mod:`sync.scope`'s (``plan_pull``); a
continuation's session id is a :class:`~.models.SnapshotBookmark` id.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection

from backend.common import clock
from backend.devices.models import Device
from backend.ledger import uow
from backend.ledger.models import ActorKind, Change
from backend.ledger.uow import CommittedChange
from sync.scope import MAX_PAGE, PullMode, SnapshotCursor, plan_pull, response_timestamp

from .models import ChangeLogHorizon, DeviceScope, Membership, SnapshotBookmark
from .render import TABLE_ORDER, changes_for, dv_incident_ids
from .scope import device_audiences


@dataclass(frozen=True)
class PullResult:
    body: dict[str, Any]
    mode: str  # incremental | snapshot | continuation
    records: int


def page_size() -> int:
    return int(getattr(settings, "KUZET_SYNC_PAGE_SIZE", 1000))


def _head() -> int:
    return uow.current_change_seq()


def _pruned_through() -> int:
    value = ChangeLogHorizon.objects.filter(id=1).values_list("pruned_through", flat=True).first()
    return int(value or 0)


def scope_epoch(device: Device) -> int:
    """The change number below which ``device`` needs a replacement snapshot.

    When the officer's unit or district differs from what the device's scope was built
    from (or the device was enrolled again), take a fresh change number under the
    sequencer lock and record it: every cursor handed out before is below it.
    """
    officer = device.officer
    state = DeviceScope.objects.filter(device_id=device.pk).first()
    if (
        state is not None
        and state.unit_id == officer.unit_id
        and state.district_id == officer.district_id
        and state.enrolled_at == device.enrolled_at
    ):
        return state.epoch
    with uow.unit_of_work():
        sequencer = uow.lock_sequencer()
        # A number with no change row: it only marks the moment the scope was rebuilt.
        sequencer.change_seq += 1
        sequencer.save(update_fields=["change_seq"])
        epoch = sequencer.change_seq
        DeviceScope.objects.update_or_create(
            device_id=device.pk,
            defaults={
                "unit_id": officer.unit_id,
                "district_id": officer.district_id,
                "enrolled_at": device.enrolled_at,
                "epoch": epoch,
                "updated_at": clock.now(),
            },
        )
        if state is not None:
            uow.audit(
                "device.scope_rebuilt",
                actor=officer,
                actor_kind=ActorKind.DEVICE,
                obj=device,
                data={
                    "from": {"unit_id": state.unit_id, "district_id": state.district_id},
                    "to": {"unit_id": officer.unit_id, "district_id": officer.district_id},
                    "epoch": epoch,
                },
            )
    return epoch


def _change_rows(
    audiences: Sequence[str], cursor: int, head: int, limit: int
) -> list[tuple[Any, ...]]:
    base = Change.objects.filter(seq__gt=cursor, seq__lte=head)
    fields = ("seq", "table", "record_id", "deleted")
    if connection.features.supports_slicing_ordering_in_compound and len(audiences) > 1:
        # One index range scan per audience, merged: with `audience IN (…)` PostgreSQL would
        # read and sort every matching row of the range before applying the limit.
        parts = [
            base.filter(audience=a).order_by("seq").values_list(*fields)[:limit] for a in audiences
        ]
        query = parts[0].union(*parts[1:], all=True).order_by("seq")
        return list(query[:limit])
    return list(
        base.filter(audience__in=list(audiences)).order_by("seq").values_list(*fields)[:limit]
    )


def _member_rows(audiences: Sequence[str], after: int, limit: int) -> list[tuple[Any, ...]]:
    base = Membership.objects.filter(id__gt=after)
    fields = ("id", "table", "record_id")
    if connection.features.supports_slicing_ordering_in_compound and len(audiences) > 1:
        parts = [
            base.filter(audience=a).order_by("id").values_list(*fields)[:limit] for a in audiences
        ]
        return list(parts[0].union(*parts[1:], all=True).order_by("id")[:limit])
    return list(
        base.filter(audience__in=list(audiences)).order_by("id").values_list(*fields)[:limit]
    )


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
                "incident.read",
                actor=device.officer,
                actor_kind=ActorKind.DEVICE,
                object_type="incident",
                object_id=incident_ids[0] if len(incident_ids) == 1 else "",
                district_id=int(district_id) if district_id else None,
                data={"purpose": purpose, "device_id": device.pk, "incident_ids": incident_ids},
            )


def pull_changes(
    *, device: Device, cursor: int | SnapshotCursor | None, limit: int | None = None
) -> PullResult:
    """Answer a pull for ``device`` whose last cursor is ``cursor`` (None: never pulled).

    ``cursor`` is what :func:`sync.scope.parse_last_pulled_at` made of ``last_pulled_at``.
    """
    limit = limit or page_size()
    audiences = device_audiences(device)
    epoch = scope_epoch(device)
    head = _head()  # FIRST: nothing numbered after this is served by this pull
    if cursor == 0:
        cursor = None  # "never pulled", as a client that counts from zero says it
    plan = plan_pull(cursor=cursor, head=head, retained_after=_pruned_through(), scope_epoch=epoch)

    if plan.mode == PullMode.SNAPSHOT_CONTINUE:
        assert plan.session is not None
        bookmark = SnapshotBookmark.objects.filter(
            id=plan.session.session_id, device_id=device.pk
        ).first()
        if (
            bookmark is not None
            and bookmark.head >= epoch
            and bookmark.head >= _pruned_through()
            and bookmark.audiences == ",".join(audiences)
        ):
            return _snapshot_page(
                device,
                audiences,
                head=bookmark.head,
                after=bookmark.after_membership_id,
                page=plan.session.page,
                limit=limit,
            )
        # A session this server does not know (pruned, another device, scope changed).
        return _snapshot_page(device, audiences, head=head, after=0, page=0, limit=limit)
    if plan.mode == PullMode.SNAPSHOT:
        return _snapshot_page(device, audiences, head=head, after=0, page=0, limit=limit)

    assert plan.since is not None
    rows = _change_rows(audiences, plan.since, head, limit + 1)
    has_more = len(rows) > limit
    rows = rows[:limit]
    upserts, deletes = fold_changes(rows)
    changes = changes_for(upserts, deletes)
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


def _snapshot_page(
    device: Device,
    audiences: list[str],
    *,
    head: int,
    after: int,
    page: int,
    limit: int,
) -> PullResult:
    rows = _member_rows(audiences, after, limit + 1)
    has_more = len(rows) > limit
    rows = rows[:limit]
    upserts: dict[str, set[str]] = defaultdict(set)
    for _id, table, record_id in rows:
        upserts[table].add(record_id)
    changes = changes_for(upserts, {})
    _audit_dv_reads(device, changes, "sync_snapshot")
    if has_more:
        # One immutable bookmark per page boundary: asking for the same page twice (a lost
        # response) serves the same page again.
        bookmark = SnapshotBookmark.objects.create(
            device_id=device.pk,
            head=head,
            after_membership_id=rows[-1][0],
            audiences=",".join(audiences),
            created_at=clock.now(),
        )
        timestamp = SnapshotCursor(bookmark.pk, min(page + 1, MAX_PAGE)).encode()
    else:
        timestamp = max(head, 1)
    body: dict[str, Any] = {"changes": changes, "timestamp": timestamp, "has_more": has_more}
    if page == 0:
        body["experimentalStrategy"] = "replacement"
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
    "TABLE_ORDER",
    "PullResult",
    "changes_for_audience",
    "fold_changes",
    "pull_changes",
    "scope_epoch",
]
