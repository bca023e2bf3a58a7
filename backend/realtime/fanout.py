"""After-commit fan-out of committed changes and notifications to sockets and boards.

``commit_listener`` is registered in ``settings.KUZET_CHANGE_LISTENERS``; the unit of work
calls it after every commit that wrote changes or notifications, in whichever process
committed (web, ASGI or Celery). It plans every frame of the commit, rendering each record
once, and hands them all to the channel layer in one batch on a long-lived event loop (see
:func:`send_all`: no ``async_to_sync`` per commit, which costs a fresh event loop and Redis
connection, ~6.5 ms on the reference machine).

Delivery is at most once: a frame may be dropped (socket gone, layer over capacity, Redis
down). The pull is the source of truth; a frame only tells a device *that* it is behind
(``timestamp`` > its cursor) and, when small, *what* changed.

What goes where:

* unit audiences (``u:<unit>``, a unit's assignments, incidents and events): at once, a
  ``changes`` frame with the records when small and free of domestic-violence records
  (those are read-audited, so devices fetch them through the pull), else a ``poke``.
* wide audiences (``d:<district>``: units and settlements; ``*``: code tables): a ``poke``,
  at most one per audience every :data:`WIDE_POKE_SECONDS` per process, the last one
  delayed rather than dropped. A dispatch changes a unit's status, which every device of
  the district may see; pushing that to every device on every dispatch would multiply the
  frames by the district's size (100 dispatches/s × 60 devices) for data nobody acts on.
  The ``timestamp`` of a unit-audience frame is the commit's highest sequence number, so
  the device's pull after it collects the commit's district changes too.
* ``device.revoked`` notifications: the device's sockets close with 4401.
* ``board`` notifications (``district_id``, ``kind``, ``chief``, …): an ``alert`` frame to
  the duty officers serving that district (an oblast ЦОУ's duty officers join every
  district's group) and, unless ``chief`` is false, to the district's chief.
* incidents, assignments and units in the commit: a ``rows`` frame per district with
  their current board rows (new incidents, milestones, unit status); also the units a desk
  heard from (``unit.heard`` notifications: a milestone recorded on the crew's behalf is
  contact with it, which the unit's own district's board shows at once).
* an officer's access ended or changed (``people.signals.access_changed``: deactivated,
  signed out, a new password, role or district): a ``kuzet.board.recheck`` to their boards
  (:func:`boards_recheck`).
* ``assignment.repush`` notifications (``assignment_id``): the escalation ladder's re-sent
  frame for an unacknowledged assignment.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, cast

import orjson
from asgiref.sync import SyncToAsync
from channels.layers import get_channel_layer
from django.db import connection

from backend.common import clock
from backend.dispatch.lifecycle import INCIDENT_WAITING
from backend.dispatch.models import Assignment, Category, Incident
from backend.dispatch.policies import deadlines_for
from backend.dispatch.selectors import desk_messages
from backend.ledger.names import Topic
from backend.ledger.uow import Commit, CommittedChange, Notification, current_change_seq
from backend.people.models import UNREACHABLE, Unit, presence_of, unreachable_cutoff
from backend.sync_gateway.render import dv_incident_ids, empty_changes, records_for
from sync.protocol import MIN_SCHEMA_VERSION

from . import groups

log = logging.getLogger(__name__)

# A frame carries records only while it stays small; beyond, devices are poked and pull.
MAX_FRAME_RECORDS = 50
MAX_FRAME_BYTES = 32 * 1024
WIDE_POKE_SECONDS = 30.0
BOARD_TABLES = ("incidents", "assignments", "units")

Send = tuple[str, dict[str, Any]]


def commit_listener(commit: Commit) -> None:
    """Fan a committed unit of work out to devices and boards (never raises)."""
    try:
        sends = plan(commit)
    except Exception:
        # Never fail the caller: the commit is durable and devices converge by pull.
        log.exception("fan-out planning failed; devices will converge by pull")
        sends = [_poke(a, s) for a, s in _audience_heads(commit.changes).items()]
    send_all(sends)


def plan(commit: Commit) -> list[Send]:
    sends: list[Send] = []
    sends += _device_frames(commit.changes)
    board = [n for n in commit.notifications if n.topic == "board"]
    heard = {str(n.data["unit_id"]) for n in commit.notifications if n.topic == Topic.UNIT_HEARD}
    sends += _board_rows(
        commit.changes, incident_ids=_noted_incidents([n.data for n in board]), unit_ids=heard
    )
    alerts: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for note in board:
        # ``kept_as``: the alert's row, written with the commit (alerts.alerts_record).
        payload = {"type": "alert", **note.data, "alert_id": note.kept_as}
        payload["server_time"] = clock.now_ms()
        for group in _alert_groups(note.data):
            alerts[group].append(payload)
    for note in commit.notifications:
        if note.topic != "board":
            sends += _notification(note)
    sends += _alert_frames(alerts)
    return sends


def _alert_frames(alerts: dict[str, list[dict[str, Any]]]) -> list[Send]:
    """One frame per board group and commit: a single ``alert``, or ``alerts`` with a list.

    An escalation sweep after an outage raises a thousand alerts in one commit; a thousand
    group sends cost ~0.3 s after the commit, one frame per board costs a few ms.
    """
    sends: list[Send] = []
    for group, items in alerts.items():
        if len(items) == 1:
            sends.append((group, frame(items[0])))
        else:
            server_time = items[-1]["server_time"]
            sends.append(
                (group, frame({"type": "alerts", "items": items, "server_time": server_time}))
            )
    return sends


def send_all(sends: list[Send]) -> None:
    """Send every planned frame in one go, in order; a failure is logged, never raised.

    Under an ASGI server the sends run on the server's event loop; in a WSGI or Celery
    process on a long-lived loop of a daemon thread of this process. Either way no event
    loop or Redis connection is created per commit: ``async_to_sync`` from a plain thread
    does both, ~6.5 ms per call on the reference machine. The caller waits until the frames
    are handed to the layer (a short-lived command such as ``revoke_device`` must not exit
    before its frame left).
    """
    if not sends:
        return
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is not None:  # called on a loop's own thread: cannot wait there
        running.create_task(_send(sends))
        return
    loop = _server_loop() or _sender.loop()
    try:
        asyncio.run_coroutine_threadsafe(_send(sends), loop).result(timeout=SEND_TIMEOUT_SECONDS)
    except Exception:
        log.exception("fan-out failed; devices will converge by pull")


class _SenderLoop:
    """One event loop per process, on a daemon thread, for processes without a server loop.

    Started lazily and again after a fork (Celery's prefork children, gunicorn workers).
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pid = 0
        self._loop: asyncio.AbstractEventLoop | None = None

    def loop(self) -> asyncio.AbstractEventLoop:
        with self.lock:
            if self._loop is None or self.pid != os.getpid() or self._loop.is_closed():
                loop = asyncio.new_event_loop()
                threading.Thread(target=loop.run_forever, name="kuzet-fanout", daemon=True).start()
                self._loop, self.pid = loop, os.getpid()
            return self._loop


_sender = _SenderLoop()
SEND_TIMEOUT_SECONDS = 10.0


async def _send(sends: list[Send]) -> None:
    """Groups concurrently (each group_send is a few Redis round trips), each group in order."""
    layer = get_channel_layer()
    if layer is None:
        return
    by_group: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for group, message in sends:
        by_group[group].append(message)

    async def to_group(group: str, messages: list[dict[str, Any]]) -> None:
        for message in messages:
            try:
                await layer.group_send(group, message)
            except Exception:
                log.exception("group_send to %s failed", group)

    await asyncio.gather(*(to_group(g, m) for g, m in by_group.items()))


def frame(payload: dict[str, Any]) -> dict[str, Any]:
    """A channel-layer message carrying an already encoded socket frame."""
    return {"type": "kuzet.frame", "text": orjson.dumps(payload).decode()}


def _poke(audience: str, seq: int) -> Send:
    return groups.audience(audience), frame({"type": "poke", "timestamp": seq})


# --- devices ----------------------------------------------------------------------------


def is_wide(audience: str) -> bool:
    return audience == "*" or audience.startswith("d:")


@dataclass
class _AudienceChanges:
    head: int = 0
    tables: dict[str, dict[str, bool]] = field(default_factory=lambda: defaultdict(dict))

    def add(self, change: CommittedChange) -> None:
        self.head = max(self.head, change.seq)
        self.tables[change.table][change.record_id] = change.deleted

    @property
    def size(self) -> int:
        return sum(len(t) for t in self.tables.values())


def _audience_heads(changes: Iterable[CommittedChange]) -> dict[str, int]:
    heads: dict[str, int] = {}
    for c in changes:
        heads[c.audience] = max(heads.get(c.audience, 0), c.seq)
    return heads


def _device_frames(changes: list[CommittedChange]) -> list[Send]:
    if not changes:
        return []
    commit_head = max(c.seq for c in changes)
    by_audience: dict[str, _AudienceChanges] = defaultdict(_AudienceChanges)
    wide: dict[str, int] = {}
    for change in changes:
        if is_wide(change.audience):
            wide[change.audience] = max(wide.get(change.audience, 0), change.seq)
        else:
            by_audience[change.audience].add(change)

    sends: list[Send] = [_poke(a, s) for a, s in _wide_pokes.offer(wide).items()]
    small = {a: c for a, c in by_audience.items() if c.size <= MAX_FRAME_RECORDS}
    records, restricted = _render(small.values())
    for audience, ac in by_audience.items():
        body = _changes_body(ac, records, restricted) if audience in small else None
        if body is None:
            sends.append(_poke(audience, commit_head))
            continue
        text = orjson.dumps({"type": "changes", "timestamp": commit_head, "changes": body})
        if len(text) > MAX_FRAME_BYTES:
            sends.append(_poke(audience, commit_head))
        else:
            sends.append(
                (groups.audience(audience), {"type": "kuzet.frame", "text": text.decode()})
            )
    return sends


RecordKey = tuple[str, str]


def _render(
    audiences: Iterable[_AudienceChanges],
) -> tuple[dict[RecordKey, dict[str, Any]], set[RecordKey]]:
    """Render every upserted record of these audiences once (one query per table).

    Also returns the domestic-violence incidents among them: every read of those is
    audited by the pull, so they never travel in a frame (the audience is poked instead).
    """
    wanted: dict[str, set[str]] = defaultdict(set)
    for ac in audiences:
        for table, ids in ac.tables.items():
            wanted[table].update(i for i, deleted in ids.items() if not deleted)
    records: dict[RecordKey, dict[str, Any]] = {}
    for table, table_ids in sorted(wanted.items()):
        if table_ids:
            for record in records_for(table, table_ids):
                records[(table, record["id"])] = record
    incidents = [r for (t, _), r in records.items() if t == "incidents"]
    return records, {("incidents", i) for i in dv_incident_ids(incidents)}


def _ints(ids: Iterable[str]) -> list[int]:
    return [int(i) for i in ids if i.isdigit()]


def _changes_body(
    ac: _AudienceChanges, records: dict[RecordKey, dict[str, Any]], restricted: set[RecordKey]
) -> dict[str, Any] | None:
    """The pull's ``changes`` shape for one audience, or None when it must be a poke.

    A socket does not say its app's schema version: frames carry only the tables of the
    oldest served one, and a change to a newer table (a follow-up visit) is a poke — the
    app's pull, which names its version, fetches it."""
    body = empty_changes(MIN_SCHEMA_VERSION)
    for table, ids in ac.tables.items():
        for record_id, is_deleted in sorted(ids.items()):
            key = (table, record_id)
            if table not in body or key in restricted or (not is_deleted and key not in records):
                return None  # DV, unknown table, or gone since the commit: let the pull decide
            if is_deleted:
                body[table]["deleted"].append(record_id)
            else:
                body[table]["updated"].append(records[key])
    return body


class _WidePokes:
    """Per-process throttle of pokes to wide audiences, trailing edge kept.

    The first change to an audience is poked at once; later ones within the window are
    remembered and poked when it ends, so the last change is never left unannounced. The
    deferred flush runs on the server's event loop when there is one (the ASGI process: the
    in-memory layer of the embedded default only works from that loop), else on a timer
    thread (WSGI and Celery processes).
    """

    def __init__(self, window: float) -> None:
        self.window = window
        self.lock = threading.Lock()
        self.last_sent: dict[str, float] = {}
        self.pending: dict[str, int] = {}
        self.armed = False
        self.timer: threading.Timer | None = None

    def offer(self, heads: dict[str, int]) -> dict[str, int]:
        """Return the pokes to send now; defer the rest."""
        if not heads:
            return {}
        now = time.monotonic()
        due: dict[str, int] = {}
        with self.lock:
            for audience, seq in heads.items():
                last = self.last_sent.get(audience)
                if audience not in self.pending and (last is None or now - last >= self.window):
                    self.last_sent[audience] = now
                    due[audience] = seq
                else:
                    self.pending[audience] = max(self.pending.get(audience, 0), seq)
            if self.pending and not self.armed:
                self._arm(now)
        return due

    def _arm(self, now: float) -> None:
        """Schedule the next flush (call with the lock held)."""
        first = min(self.last_sent.get(a, now) for a in self.pending)
        delay = max(0.0, first + self.window - now)
        self.armed = True
        loop = _server_loop()
        if loop is not None:
            loop.call_soon_threadsafe(
                lambda: loop.call_later(delay, lambda: loop.create_task(self._flush_async()))
            )
        else:
            self.timer = threading.Timer(delay, self._flush_thread)
            self.timer.daemon = True
            self.timer.start()

    def _take_due(self) -> list[Send]:
        now = time.monotonic()
        due: dict[str, int] = {}
        with self.lock:
            self.armed, self.timer = False, None
            for audience, seq in list(self.pending.items()):
                if now - self.last_sent.get(audience, now - self.window) >= self.window - 0.001:
                    due[audience] = seq
                    self.last_sent[audience] = now
                    del self.pending[audience]
            if self.pending:
                self._arm(now)
        return [_poke(a, s) for a, s in due.items()]

    def _flush_thread(self) -> None:
        send_all(self._take_due())

    async def _flush_async(self) -> None:
        await _send(self._take_due())

    def reset(self) -> None:
        """Forget all state (tests)."""
        with self.lock:
            if self.timer is not None:
                self.timer.cancel()
            self.armed, self.timer = False, None
            self.last_sent.clear()
            self.pending.clear()


def _server_loop() -> asyncio.AbstractEventLoop | None:
    """The event loop of this process's server, if this code runs under one."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        pass
    local = SyncToAsync.threadlocal
    if getattr(local, "main_event_loop_pid", None) == os.getpid():
        loop = getattr(local, "main_event_loop", None)
        if loop is not None and not loop.is_closed():
            return cast(asyncio.AbstractEventLoop, loop)
    return None


_wide_pokes = _WidePokes(WIDE_POKE_SECONDS)


# --- boards -----------------------------------------------------------------------------


def _alert_groups(data: dict[str, Any]) -> list[str]:
    """Duty officers always; the chief unless the notification says ``chief: false``."""
    district_id, oblast_id = data.get("district_id"), data.get("oblast_id")
    if district_id is not None:
        names = [groups.board_district(district_id)]
        if data.get("chief", True):
            names.append(groups.board_chief(district_id))
        return [*names, groups.BOARD_ALL]
    if oblast_id is not None:
        return [groups.board_oblast(oblast_id), groups.BOARD_ALL]
    return [groups.BOARD_ALL]


def _noted_incidents(notes: list[dict[str, Any]]) -> set[str]:
    """Incidents a board notification is about.

    A new incident that nobody was sent to yet has no device audience, so its creation
    writes no change row (``uow.touch`` resolves to nobody): without this, a call from
    intake or the staff API reached the board only with the next reload.
    """
    return {str(n["incident_id"]) for n in notes if n.get("incident_id") is not None}


def _board_rows(
    changes: list[CommittedChange],
    *,
    incident_ids: Iterable[str] = (),
    unit_ids: Iterable[str] = (),
) -> list[Send]:
    """Board rows of the commit's records; also of ``unit_ids``, units a desk heard from
    (``Topic.UNIT_HEARD``: their contact is no synced change, their status may not move)."""
    ids: dict[str, set[str]] = defaultdict(set)
    for c in changes:
        if c.table in BOARD_TABLES:
            ids[c.table].add(c.record_id)
    if incident_ids:
        ids["incidents"].update(incident_ids)
    if unit_ids:
        ids["units"].update(unit_ids)
    return board_row_frames(ids)


def board_row_frames(ids: dict[str, set[str]]) -> list[Send]:
    """``rows`` frames with the current board rows of these records, one per district."""
    if not any(ids.values()):
        return []
    by_district: dict[int, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for table, rows in board_rows(ids).items():
        for row in rows:
            by_district[row["district_id"]][table].append(row)
            # A unit sent across the border (selectors.units_across_border): its own
            # district's board follows it on the other district's call too.
            if row.get("unit_district_id") not in (None, row["district_id"]):
                by_district[row["unit_district_id"]][table].append(row)
    sends: list[Send] = []
    now = clock.now_ms()
    everything: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for district_id, tables in sorted(by_district.items()):
        message = frame({"type": "rows", "tables": tables, "server_time": now})
        sends.append((groups.board_district(district_id), message))
        sends.append((groups.board_chief(district_id), message))
        for table, rows in tables.items():
            everything[table] += [r for r in rows if r["district_id"] == district_id]
    sends.append(
        (groups.BOARD_ALL, frame({"type": "rows", "tables": everything, "server_time": now}))
    )
    return sends


def units_tell_boards(unit_ids: Iterable[int]) -> None:
    """Send the units' current rows to the boards now (a contact made one reachable)."""
    try:
        sends = board_row_frames({"units": {str(i) for i in unit_ids}})
    except Exception:
        log.exception("unit rows for the boards failed; a reload shows them")
        return
    send_all(sends)


def board_rows(ids: dict[str, set[str]]) -> dict[str, list[dict[str, Any]]]:
    """Current board rows of the given incidents, assignments and units (each has district_id).

    Domestic-violence and restricted incidents show no summary or landmark: the board is a
    list, every read of such a record's details goes through the audited incident view.
    """
    out = _board_rows_pg(ids) if connection.vendor == "postgresql" else _board_rows_orm(ids)
    _with_messages(out.get("assignments", []))
    return out


def _with_messages(rows: list[dict[str, Any]]) -> None:
    """Add ``message`` to assignment rows: the desk's latest message to the crew and what
    became of it (sent, by SMS, read when and by whom: ``selectors.desk_messages``), or
    None. A read receipt covers every earlier message, so the latest one tells the row."""
    # (PostgreSQL's rows say whether the desk messaged the crew at all, in the statement
    # that reads them: nearly none has, and the receipts' query is then not asked — it cost
    # ≈ 2 ms of every dispatch's fan-out, docs/benchmarks.md)
    asked = [row["id"] for row in rows if row.pop("messaged", True)]
    messages = desk_messages(asked) if asked else {}
    for row in rows:
        sent = messages.get(row["id"])
        row["message"] = sent[-1].as_row() if sent else None


def _board_rows_orm(ids: dict[str, set[str]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    if incident_ids := _ints(ids.get("incidents", ())):
        out["incidents"] = _with_deadlines(
            [
                _incident_row(r)
                for r in Incident.objects.filter(id__in=incident_ids)
                .order_by("-received_at")
                .values(*INCIDENT_FIELDS)
            ]
        )
    if assignment_ids := _ints(ids.get("assignments", ())):
        out["assignments"] = [
            _assignment_row(r)
            for r in Assignment.objects.filter(id__in=assignment_ids).values(*ASSIGNMENT_FIELDS)
        ]
    if unit_ids := _ints(ids.get("units", ())):
        out["units"] = unit_rows(Unit.objects.filter(id__in=unit_ids))
    return out


INCIDENT_FIELDS = (
    "id", "number", "channel", "category", "priority", "status", "district_id", "received_at",
    "landmark", "summary", "restricted", "settlement__name", "settlement__name_kk",
    "settlement__zone", "lat", "lon", "settlement__lat", "settlement__lon", "exercise",
)  # fmt: skip
ASSIGNMENT_FIELDS = (
    "id", "incident_id", "unit_id", "status", "dispatched_at", "delivered_at", "acknowledged_at",
    "en_route_at", "on_scene_at", "cleared_at", "ack_due_at", "arrive_due_at", "escalation_level",
    "incident__number", "incident__priority", "incident__district_id", "unit__callsign",
    "unit__district_id", "incident__exercise",
)  # fmt: skip
UNIT_FIELDS = (
    "id", "callsign", "type", "status", "district_id", "lat", "lon", "position_at",
    "last_contact_at", "last_contact_via",
)  # fmt: skip


def _times(row: dict[str, Any]) -> dict[str, Any]:
    for key, value in row.items():
        if hasattr(value, "timestamp"):
            row[key] = clock.to_ms(value)
    return row


def _assignment_row(row: dict[str, Any]) -> dict[str, Any]:
    row["district_id"] = row.pop("incident__district_id")
    row["incident_number"] = row.pop("incident__number")
    row["priority"] = row.pop("incident__priority")
    row["callsign"] = row.pop("unit__callsign")
    row["unit_district_id"] = row.pop("unit__district_id")
    # a crew on a drill's call (Incident.exercise): its row says so, as the call's does
    row["exercise"] = row.pop("incident__exercise")
    return _times(row)


def _incident_row(row: dict[str, Any]) -> dict[str, Any]:
    row["settlement"] = row.pop("settlement__name")
    row["settlement_kk"] = row.pop("settlement__name_kk")
    row["zone"] = row.pop("settlement__zone")
    row["settlement_lat"] = row.pop("settlement__lat")
    row["settlement_lon"] = row.pop("settlement__lon")
    hidden = row.pop("restricted") or row["category"] == Category.DOMESTIC_VIOLENCE
    # withheld: the board says the details are on the call's page (a blank summary read as
    # a caller who said nothing)
    row["withheld"] = bool(hidden)
    if hidden:  # the map shows the settlement, never the exact place
        row["summary"] = row["landmark"] = ""
        row["lat"] = row["lon"] = None
    return _times(row)


def _with_deadlines(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add ``dispatch_due_at`` to waiting incidents: when the call, still without a unit,
    is overdue on the board.

    Kuzet's deadlines start at dispatch (``ack_due_at``, ``arrive_due_at``, fixed from the
    escalation policy); a call nobody was sent to has none. The board counts it overdue once
    it has waited longer than the acknowledgement window its priority and zone give a unit
    (``policies.deadlines_for``: 60 s for P0 by default) — the same table, not a second one.
    """
    cache: dict[tuple[int, str, str | None], int] = {}
    for row in rows:
        row["dispatch_due_at"] = None
        if row["status"] not in INCIDENT_WAITING or row["received_at"] is None:
            continue
        key = (row["district_id"], row["priority"], row.get("zone"))
        if key not in cache:
            cache[key] = deadlines_for(
                district_id=key[0], priority=key[1], zone=key[2]
            ).ack_within_s
        row["dispatch_due_at"] = row["received_at"] + cache[key] * 1000
    return rows


def unit_rows(qs: Any) -> list[dict[str, Any]]:
    """Board rows of units, with the derived ``presence`` (``Unit.presence()``'s rule)."""
    cutoff = unreachable_cutoff(clock.now())
    rows = []
    for row in qs.values(*UNIT_FIELDS):
        row["presence"] = presence_of(row["status"], row["last_contact_at"], cutoff=cutoff)
        rows.append(_times(row))
    return rows


def _ms(column: str) -> str:
    return f"floor(extract(epoch FROM {column}) * 1000)::bigint"


# The same rows as the ORM path above, in the same order, from one precomposed statement
# per table: every dispatch's after-commit fan-out reads them, and compiling the three ORM
# queries cost more than running them (≈ 2.3 → 0.9 ms per commit on the reference machine).
# PostgreSQL turns times into epoch ms exactly as ``clock.to_ms`` does (floor).
# tests/backend/realtime/test_fanout.py holds the two paths equal. Only constants are
# interpolated into the statements.
_BOARD_SQL = {
    "incidents": f"""
        SELECT i.id, i.number, i.channel, i.category, i.priority, i.status, i.district_id,
            {_ms("i.received_at")} AS received_at, i.landmark, i.summary,
            i.restricted, s.name AS settlement, s.name_kk AS settlement_kk, s.zone, i.lat, i.lon,
            s.lat AS settlement_lat, s.lon AS settlement_lon, i.exercise
        FROM dispatch_incident i LEFT JOIN geo_settlement s ON s.id = i.settlement_id
        WHERE i.id = ANY(%(ids)s) ORDER BY i.received_at DESC""",  # noqa: S608
    "assignments": f"""
        SELECT a.id, a.incident_id, a.unit_id, a.status,
            {_ms("a.dispatched_at")} AS dispatched_at, {_ms("a.delivered_at")} AS delivered_at,
            {_ms("a.acknowledged_at")} AS acknowledged_at,
            {_ms("a.en_route_at")} AS en_route_at, {_ms("a.on_scene_at")} AS on_scene_at,
            {_ms("a.cleared_at")} AS cleared_at, {_ms("a.ack_due_at")} AS ack_due_at,
            {_ms("a.arrive_due_at")} AS arrive_due_at, a.escalation_level,
            i.number AS incident_number, i.priority, i.district_id, u.callsign,
            u.district_id AS unit_district_id, i.exercise,
            EXISTS (SELECT 1 FROM dispatch_event e WHERE e.assignment_id = a.id
                AND e.kind = 'note' AND e.source = 'desk') AS messaged
        FROM dispatch_assignment a JOIN dispatch_incident i ON i.id = a.incident_id
            JOIN people_unit u ON u.id = a.unit_id
        WHERE a.id = ANY(%(ids)s) ORDER BY a.dispatched_at DESC""",  # noqa: S608
    "units": f"""
        SELECT id, callsign, type, status, district_id, lat, lon,
            {_ms("position_at")} AS position_at, {_ms("last_contact_at")} AS last_contact_at,
            last_contact_via,
            (last_contact_at IS NULL OR last_contact_at < %(unreachable_before)s) AS unreachable
        FROM people_unit WHERE id = ANY(%(ids)s) ORDER BY callsign""",  # noqa: S608
}


def _board_rows_pg(ids: dict[str, set[str]]) -> dict[str, list[dict[str, Any]]]:
    unreachable_before = unreachable_cutoff(clock.now())
    out: dict[str, list[dict[str, Any]]] = {}
    with connection.cursor() as cursor:
        for table, sql in _BOARD_SQL.items():
            if not (table_ids := _ints(ids.get(table, ()))):
                continue
            cursor.execute(sql, {"ids": table_ids, "unreachable_before": unreachable_before})
            names = [c.name for c in cursor.description]
            out[table] = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    for row in out.get("incidents", []):
        dv = row["category"] == Category.DOMESTIC_VIOLENCE
        row["withheld"] = bool(row.pop("restricted") or dv)
        if row["withheld"]:
            row["summary"] = row["landmark"] = ""
            row["lat"] = row["lon"] = None
    if "incidents" in out:
        _with_deadlines(out["incidents"])
    for row in out.get("units", []):
        row["presence"] = UNREACHABLE if row.pop("unreachable") else row["status"]
    return out


# --- notifications ----------------------------------------------------------------------


def _notification(note: Notification) -> list[Send]:
    data = note.data
    if note.topic == "device.revoked":
        return [(groups.device(str(data["device_id"])), {"type": "kuzet.revoke"})]
    if note.topic == "assignment.repush":
        return _repush(data)
    return []


def boards_recheck(sender: Any, officer_id: int, session_key: str | None = None, **_: Any) -> None:
    """``people.signals.access_changed``: the officer's open boards check their session again
    and close when it no longer opens them (4401), or reconnect when its scope changed; the
    board of a session that signed out closes at once (``session`` names it)."""
    message = {"type": "kuzet.board.recheck", "session": groups.session_tag(session_key)}
    send_all([(groups.board_user(officer_id), message)])


def _repush(data: dict[str, Any]) -> list[Send]:
    """Send an assignment (and its incident) to its unit again, as a fresh frame."""
    assignment = (
        Assignment.objects.filter(pk=data["assignment_id"])
        .values("id", "unit_id", "incident_id")
        .first()
    )
    if assignment is None:
        return []
    audience = f"u:{assignment['unit_id']}"
    head = current_change_seq()
    ac = _AudienceChanges(head=head)
    ac.tables["assignments"][str(assignment["id"])] = False
    ac.tables["incidents"][str(assignment["incident_id"])] = False
    records, restricted = _render([ac])
    body = _changes_body(ac, records, restricted)
    if body is None:
        return [_poke(audience, head)]
    return [
        (groups.audience(audience), frame({"type": "changes", "timestamp": head, "changes": body}))
    ]
