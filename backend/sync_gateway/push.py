"""Push: store each event a device sends exactly once, with all its effects, before answering.

:func:`push_records` serves the HTTP push view and the WebSocket consumer alike. Every record
gets its own result, in the order sent:

* ``accepted`` + ``disposition`` — stored now, effects applied
  (``backend.dispatch.services.device_events_apply``);
* ``duplicate`` + the stored ``disposition`` — the id is already stored with the same
  content; nothing happens twice (a retry after a lost response);
* ``rejected`` + ``reason`` — invalid, read-only, an unknown assignment, or the id reused
  with other content (``id_reused``, also a security audit entry). Each is kept in
  :class:`~.models.QuarantinedRecord` as JSON text that parses back to exactly what the
  device sent (``sync.protocol.json_text``: text PostgreSQL cannot store — U+0000, lone
  surrogates — is escaped there, never dropped, and never a 500 that sinks the batch).

Everything — events, their effects, quarantine rows, the time anchor — commits in one
transaction before the caller answers; notifications go out after commit. Two copies of
the same push arriving at once serialise on the device row's lock: the second finds the
first's events and answers ``duplicate``. A race on one id between two *different* devices
(only a forged id can do that) ends in the unique key: the losing unit of work rolls back
(its transaction, or its savepoint inside a caller's) and the push retries once, then sees
the stored event. No savepoint of its own: the unit of work's is the one rolled back to.

The device's lock (with its enrolment floor) and the replay check are plain SQL: they run on
every push, and Django's compilation of them cost more than PostgreSQL's run
(docs/benchmarks.md, "Push CPU, 2026-12-07").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection

from backend.common import clock as server_clock
from backend.devices.models import Device
from backend.devices.services import DeviceRevoked
from backend.dispatch.models import Event
from backend.dispatch.services import device_events_apply
from backend.dispatch.services.facts import FIRST_CODE_USED, device_floor_of
from backend.ledger import uow
from backend.ledger.actions import AuditAction
from backend.ledger.models import ActorKind
from sync.protocol import (
    MAX_PUSH_EVENTS,
    ClockHeader,
    EventRecord,
    Invalid,
    ProtocolError,
    PushBatch,
    PushItem,
    content_hash,
    json_text,
    parse_event,
    parse_push,
    storable,
)
from sync.timing import Anchor

from .anchors import anchor_record, anchors_for
from .models import QuarantinedRecord

Result = dict[str, Any]


@dataclass
class _Pending:
    index: int
    item: PushItem
    record: EventRecord
    digest: str


def _rejected(record_id: str | None, reason: str, detail: str) -> Result:
    return {"id": record_id, "status": "rejected", "reason": reason, "detail": detail}


def _stored(record: EventRecord, status: str, disposition: str) -> Result:
    result: Result = {"id": record.id, "status": status, "disposition": disposition}
    if record.ignored:
        # Keys this server does not read (a newer app's): stored without them, and said so.
        result["ignored"] = list(record.ignored)
    return result


def batch_from(body_or_records: object) -> PushBatch:
    """A push body (dict) or a list of raw event records (the WebSocket path) as a batch;
    either holds at most MAX_PUSH_EVENTS records."""
    if isinstance(body_or_records, list):
        if len(body_or_records) > MAX_PUSH_EVENTS:
            raise ProtocolError(
                "too_large",
                f"{len(body_or_records)} records in one push; at most {MAX_PUSH_EVENTS}",
            )
        return PushBatch(
            items=tuple(
                PushItem("events", "created", raw, parse_event(raw)) for raw in body_or_records
            ),
            last_pulled_at=None,
        )
    return parse_push(body_or_records)


def push_records(
    *,
    device: Device,
    body_or_records: object,
    clock: ClockHeader | None,
    via: str,
    received_at: dt.datetime | None = None,
) -> list[Result]:
    """Store and apply what ``device`` pushed; one result per record, in order.

    ``body_or_records`` is a parsed push body (``{"changes": …}``) or a list of raw event
    records (a WebSocket ``event`` message). Raises ``sync.protocol.ProtocolError`` when the
    body's shape is wrong or it is too large, and ``DeviceRevoked`` when the device was
    revoked meanwhile; nothing is stored then.
    """
    batch = batch_from(body_or_records)
    received_at = received_at or server_clock.now()
    operation = "ws_event" if via == "ws" else None
    try:
        return _store(device, batch, clock, via, received_at, operation)
    except IntegrityError:
        # Another device stored one of these ids between our read and our insert. The
        # second attempt reads it and answers duplicate / id_reused.
        return _store(device, batch, clock, via, received_at, operation)


def _store(
    device: Device,
    batch: PushBatch,
    clock: ClockHeader | None,
    via: str,
    received_at: dt.datetime,
    operation: str | None,
) -> list[Result]:
    results: list[Result | None] = [None] * len(batch.items)
    quarantine: list[QuarantinedRecord] = []
    officer = device.officer

    def keep(item: PushItem, reason: str, detail: str) -> None:
        quarantine.append(
            QuarantinedRecord(
                device_id=device.pk,
                officer_id=officer.pk,
                district_id=officer.district_id,
                table=storable(item.table)[:32],
                operation=operation or item.op,
                record_id=storable(item.record_id or "")[:128],
                raw=json_text(item.raw),
                reason=reason,
                detail=storable(detail),
                received_at=received_at,
            )
        )

    pending: list[_Pending] = []
    copies: dict[int, int] = {}  # index of a repeated record → index of its first copy
    for index, item in enumerate(batch.items):
        verdict = item.verdict
        if isinstance(verdict, Invalid):
            results[index] = _rejected(verdict.record_id, verdict.reason, verdict.detail)
            keep(item, verdict.reason, verdict.detail)
        else:
            pending.append(_Pending(index, item, verdict, content_hash(verdict)))

    received_ms = server_clock.to_ms(received_at)
    with uow.unit_of_work():
        first_code_used = _lock_device(device)
        stored = _stored_events(sorted({p.record.id for p in pending}))
        fresh: list[_Pending] = []
        first_in_batch: dict[str, _Pending] = {}
        for p in pending:
            known = stored.get(p.record.id)
            earlier = first_in_batch.get(p.record.id)
            if known is not None:
                if known["content_hash"] == p.digest and known["device_id"] == device.pk:
                    results[p.index] = _stored(p.record, "duplicate", known["disposition"])
                    continue
                _id_reused(device, p, keep, results, stored_device=known["device_id"])
            elif earlier is not None:
                if earlier.digest == p.digest:
                    copies[p.index] = earlier.index
                    continue
                _id_reused(device, p, keep, results, stored_device=device.pk)
            else:
                first_in_batch[p.record.id] = p
                fresh.append(p)

        anchors: list[Anchor] = []
        if clock is not None:
            anchors.append(
                anchor_record(device_id=device.pk, clock=clock, server_ms=received_ms, force=True)
            )
        if fresh:
            anchors = anchors_for(
                device_id=device.pk, records=[p.record for p in fresh], extra=anchors
            )
            outcomes = device_events_apply(
                device=device,
                records=[(p.record, p.digest) for p in fresh],
                anchors=anchors,
                received_at=received_at,
                via=via,
                device_floor=device_floor_of(device, first_code_used),
            )
            for p, outcome in zip(fresh, outcomes, strict=True):
                if outcome.disposition is not None:
                    results[p.index] = _stored(p.record, "accepted", outcome.disposition)
                else:
                    reason, detail = outcome.refusal or ("invalid_field", "")
                    results[p.index] = _rejected(p.record.id, reason, detail)
                    keep(p.item, reason, detail)
        if quarantine:
            QuarantinedRecord.objects.bulk_create(quarantine)

    # A copy of an event later in the same batch gets the first copy's fate.
    for index, first_index in copies.items():
        first = results[first_index]
        assert first is not None
        if first["status"] == "accepted":
            results[index] = {**first, "status": "duplicate"}
        else:
            results[index] = {**first}
    return [r for r in results if r is not None]


def _lock_device(device: Device) -> object:
    """Lock the device's row (two copies of one push serialise here) and answer its first
    enrolment code's ``used_at`` (the floor of its events' times, ``device_floor_of``);
    ``DeviceRevoked`` when it was revoked meanwhile."""
    table = connection.ops.quote_name(Device._meta.db_table)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT revoked_at, {FIRST_CODE_USED} FROM {table} WHERE id = %s{lock}",  # noqa: S608
            [device.pk, device.pk],
        )
        row = cursor.fetchone()
    if row is None or row[0] is not None:
        raise DeviceRevoked()
    return row[1]


def _stored_events(ids: list[str]) -> dict[str, dict[str, Any]]:
    """The events already stored under ``ids``, by id: the replay check. None, no statement."""
    if not ids:
        return {}
    table = connection.ops.quote_name(Event._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, content_hash, disposition, device_id FROM {table} "  # noqa: S608
            f"WHERE id IN ({', '.join(['%s'] * len(ids))})",
            ids,
        )
        rows = cursor.fetchall()
    return {
        row[0]: {"id": row[0], "content_hash": row[1], "disposition": row[2], "device_id": row[3]}
        for row in rows
    }


def _id_reused(
    device: Device,
    p: _Pending,
    keep: Any,
    results: list[Result | None],
    *,
    stored_device: str | None,
) -> None:
    detail = "this id is already stored with other content; a device never reuses an id"
    results[p.index] = _rejected(p.record.id, "id_reused", detail)
    keep(p.item, "id_reused", detail)
    uow.audit(
        AuditAction.SECURITY_EVENT_ID_REUSED,
        actor=device.officer,
        actor_kind=ActorKind.DEVICE,
        obj=device,
        data={
            "event_id": p.record.id,
            "device_id": device.pk,
            "stored_device_id": stored_device,
            "content_hash": p.digest,
        },
    )


__all__ = ["Result", "batch_from", "push_records"]
