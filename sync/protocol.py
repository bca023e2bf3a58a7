"""Wire types of the Kuzet sync protocol v1 (PROTOCOL.md §2–§5, §8) and their validation.

Pure functions, no I/O. The gateway parses what a device sent with :func:`parse_push` (or
:func:`parse_event` for one WebSocket event) and :meth:`ClockHeader.parse`; every record gets
its own verdict — an :class:`EventRecord` to store, or an :class:`Invalid` to quarantine — so
one bad record never sinks a batch (§5). Only a body whose *shape* is wrong raises
:class:`ProtocolError`.

Reading of PROTOCOL.md made here (documented in docs/protocol.md by the gateway):

- ``transporting`` is a device kind (DOMAIN.md's lifecycle has it; §5's list omits it; kinds
  are only ever added).
- Unknown keys in an event are ignored (forward compatible), as are WatermelonDB's
  ``_status``/``_changed``. They are not part of the content hash.
- ``payload`` may be an object or a JSON string holding an object (WatermelonDB columns are
  scalar, so an app stores it as a string); both hash the same. ``null``/``""`` mean ``{}``.
- An optional string column that WatermelonDB leaves at ``""`` (``boot_id``,
  ``assignment_id``) means "absent". Numbers must be JSON numbers; integral floats
  (``1.0``) are accepted for integer fields.
- ``boot_id`` and ``elapsed_ms`` come together or not at all; so do ``lat`` and ``lon``.
- Milestones and ``outcome`` need an ``assignment_id``; ``note`` may have none (a unit log).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

SCHEMA_VERSION: Final = 1
# The server serves SCHEMA_VERSION and the one before it (§8). When SCHEMA_VERSION becomes 2,
# set MIN_SCHEMA_VERSION = 1 and keep every parser accepting version 1 records.
MIN_SCHEMA_VERSION: Final = 1

MAX_PUSH_EVENTS: Final = 500
MAX_PUSH_BYTES: Final = 1 << 20
DEFAULT_PAGE_SIZE: Final = 1000
MAX_NOTE_CHARS: Final = 4000
# A payload is a small object; anything bigger is not a note, it is an attack or a bug.
MAX_PAYLOAD_BYTES: Final = 16 * 1024
# Times and cursors are JSON numbers read by JavaScript apps: keep them exact in a double.
MAX_SAFE_INT: Final = (1 << 53) - 1

EVENT_ID_RE: Final = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
RECORD_ID_RE: Final = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
BOOT_ID_RE: Final = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")

DEVICE_EVENT_KINDS: Final = (
    "delivered",
    "ack",
    "en_route",
    "on_scene",
    "transporting",
    "cleared",
    "outcome",
    "note",
    "unit_status",
    "location",
    "sos",
)
# Milestone kind → (assignment time field, assignment status it reaches), in lifecycle order.
MILESTONE_KINDS: Final = ("delivered", "ack", "en_route", "on_scene", "transporting", "cleared")
MILESTONE_FIELDS: Final[Mapping[str, str]] = {
    "delivered": "delivered_at",
    "ack": "acknowledged_at",
    "en_route": "en_route_at",
    "on_scene": "on_scene_at",
    "transporting": "transporting_at",
    "cleared": "cleared_at",
}
MILESTONE_STATUSES: Final[Mapping[str, str]] = {
    "delivered": "delivered",
    "ack": "acknowledged",
    "en_route": "en_route",
    "on_scene": "on_scene",
    "transporting": "transporting",
    "cleared": "cleared",
}
# Kinds that make no sense without an assignment.
ASSIGNMENT_KINDS: Final = frozenset((*MILESTONE_KINDS, "outcome"))
# Kinds about the unit itself (status, position, SOS), projected onto the unit.
UNIT_KINDS: Final = frozenset(("unit_status", "location", "sos"))

# Mirrors backend.people.models.UnitStatus (``unreachable`` is derived, never sent).
UNIT_STATUSES: Final = (
    "available",
    "dispatched",
    "en_route",
    "on_scene",
    "transporting",
    "busy",
    "out_of_service",
    "sos",
)
# Mirrors backend.dispatch.models.OutcomeCode; a test keeps the two equal.
OUTCOME_CODES: Final = (
    "resolved_on_scene",
    "report_taken",
    "criminal_case",
    "admin_protocol",
    "protective_order",
    "arrest",
    "warning",
    "referred",
    "no_offence",
    "not_found",
    "false_call",
)

# An outcome may name the external registry entry the officer opened (DOMAIN.md: КУИ, ЕРДР,
# ЕРАП; Kuzet is not their system of record). Optional, both keys or neither, so apps that
# never send them and servers that never read them stay compatible.
REGISTRY_KINDS: Final = ("kui", "erdr", "erap")
REGISTRY_NUMBER_RE: Final = re.compile(r"^[0-9A-Za-z][0-9A-Za-z./-]{0,39}$")

SYNCED_TABLES: Final = ("settlements", "units", "incidents", "assignments", "events", "codes")
READ_ONLY_TABLES: Final = tuple(t for t in SYNCED_TABLES if t != "events")
CHANGE_OPS: Final = ("created", "updated", "deleted")

# Error code → HTTP status (PROTOCOL.md §2).
ERROR_STATUS: Final[Mapping[str, int]] = {
    "malformed": 400,
    "unauthenticated": 401,
    "device_revoked": 401,
    "forbidden": 403,
    "too_large": 413,
    "upgrade_required": 426,
    "rate_limited": 429,
    "server_error": 500,
}

InvalidReason = Literal[
    "invalid_id", "unknown_kind", "invalid_field", "invalid_payload", "read_only"
]


class ProtocolError(Exception):
    """The request as a whole cannot be served: ``code`` is an error code of §2."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail

    @property
    def status(self) -> int:
        return ERROR_STATUS.get(self.code, 400)


@dataclass(frozen=True)
class ClockHeader:
    """``X-Device-Clock: <wall_ms>;<boot_id>;<elapsed_ms>`` (§2): untrusted wall clock,
    a per-boot random id, and monotonic milliseconds since that boot."""

    wall_ms: int
    boot_id: str
    elapsed_ms: int

    @classmethod
    def parse(cls, text: str) -> ClockHeader:
        parts = text.strip().split(";")
        if len(parts) != 3:
            raise ProtocolError(
                "malformed", "X-Device-Clock must be <wall_ms>;<boot_id>;<elapsed_ms>"
            )
        wall, boot_id, elapsed = (p.strip() for p in parts)
        if not BOOT_ID_RE.match(boot_id):
            raise ProtocolError(
                "malformed", "X-Device-Clock: boot_id must be 1-64 of [A-Za-z0-9._:-]"
            )
        return cls(
            wall_ms=_header_int(wall, "wall_ms"),
            boot_id=boot_id,
            elapsed_ms=_header_int(elapsed, "elapsed_ms"),
        )

    def render(self) -> str:
        return f"{self.wall_ms};{self.boot_id};{self.elapsed_ms}"


def _header_int(text: str, name: str) -> int:
    if not text.isascii() or not text.isdigit() or len(text) > 16:
        raise ProtocolError("malformed", f"X-Device-Clock: {name} must be a non-negative integer")
    value = int(text)
    if value > MAX_SAFE_INT:
        raise ProtocolError("malformed", f"X-Device-Clock: {name} is out of range")
    return value


@dataclass(frozen=True)
class EventRecord:
    """One pushed event, validated. ``payload`` is always a dict here."""

    id: str
    kind: str
    assignment_id: str | None
    device_time: int
    boot_id: str | None
    elapsed_ms: int | None
    lat: float | None
    lon: float | None
    accuracy_m: float | None
    gps_time: int | None
    payload: Mapping[str, Any] = field(default_factory=dict)

    def content(self) -> dict[str, Any]:
        """The record's content as plain JSON values (what :func:`content_hash` covers)."""
        return {
            "id": self.id,
            "kind": self.kind,
            "assignment_id": self.assignment_id,
            "device_time": self.device_time,
            "boot_id": self.boot_id,
            "elapsed_ms": self.elapsed_ms,
            "lat": self.lat,
            "lon": self.lon,
            "accuracy_m": self.accuracy_m,
            "gps_time": self.gps_time,
            "payload": dict(self.payload),
        }


@dataclass(frozen=True)
class Invalid:
    """A record that cannot be stored as an event: reject it with ``reason`` and quarantine it.

    ``record_id`` is the id the device sent when it was a string (for the per-record result),
    else None.
    """

    reason: InvalidReason
    detail: str
    record_id: str | None


def canonical_json(value: object) -> str:
    """Deterministic JSON: sorted keys, no spaces, no NaN. Raises ValueError on non-JSON."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def content_hash(record: EventRecord) -> str:
    """SHA-256 hex of the canonical JSON of the record's content (no bookkeeping columns).

    Same id and same hash → ``duplicate``; same id and another hash → ``id_reused`` (§5).
    """
    return hashlib.sha256(canonical_json(record.content()).encode()).hexdigest()


class _Bad(Exception):
    def __init__(self, reason: InvalidReason, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def parse_event(
    raw: object, *, outcome_codes: Collection[str] = OUTCOME_CODES
) -> EventRecord | Invalid:
    """Validate one pushed event record (§5). Never raises."""
    if not isinstance(raw, Mapping):
        return Invalid("invalid_field", "an event must be a JSON object", None)
    raw_id = raw.get("id")
    record_id = raw_id if isinstance(raw_id, str) and len(raw_id) <= 256 else None
    try:
        return _parse_event(raw, outcome_codes)
    except _Bad as bad:
        return Invalid(bad.reason, bad.detail, record_id)


def _parse_event(raw: Mapping[Any, Any], outcome_codes: Collection[str]) -> EventRecord:
    event_id = raw.get("id")
    if not isinstance(event_id, str) or not EVENT_ID_RE.match(event_id):
        raise _Bad("invalid_id", "id must be 16-64 characters of [A-Za-z0-9_-]")
    kind = raw.get("kind")
    if not isinstance(kind, str) or kind not in DEVICE_EVENT_KINDS:
        raise _Bad("unknown_kind", f"kind must be one of {', '.join(DEVICE_EVENT_KINDS)}")

    assignment_id = _optional_ref(raw.get("assignment_id"), "assignment_id")
    device_time = _int(raw.get("device_time"), "device_time")
    if device_time is None:
        raise _Bad("invalid_field", "device_time is required")
    boot_id = raw.get("boot_id")
    if boot_id in (None, ""):
        boot_id = None
    elif not isinstance(boot_id, str) or not BOOT_ID_RE.match(boot_id):
        raise _Bad("invalid_field", "boot_id must be 1-64 of [A-Za-z0-9._:-]")
    elapsed_ms = _int(raw.get("elapsed_ms"), "elapsed_ms")
    if (boot_id is None) != (elapsed_ms is None):
        raise _Bad("invalid_field", "boot_id and elapsed_ms come together")
    lat = _float(raw.get("lat"), "lat", -90.0, 90.0)
    lon = _float(raw.get("lon"), "lon", -180.0, 180.0)
    if (lat is None) != (lon is None):
        raise _Bad("invalid_field", "lat and lon come together")
    accuracy_m = _float(raw.get("accuracy_m"), "accuracy_m", 0.0, 1e7)
    gps_time = _int(raw.get("gps_time"), "gps_time")
    payload = _payload(raw.get("payload"))

    if kind in ASSIGNMENT_KINDS and assignment_id is None:
        raise _Bad("invalid_field", f"a {kind} event needs an assignment_id")
    if kind == "location" and lat is None:
        raise _Bad("invalid_field", "a location event needs lat and lon")
    _check_payload(kind, payload, outcome_codes)

    return EventRecord(
        id=event_id,
        kind=kind,
        assignment_id=assignment_id,
        device_time=device_time,
        boot_id=boot_id,
        elapsed_ms=elapsed_ms,
        lat=lat,
        lon=lon,
        accuracy_m=accuracy_m,
        gps_time=gps_time,
        payload=payload,
    )


def _optional_ref(value: object, name: str) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_SAFE_INT:
        return str(value)
    if isinstance(value, str) and RECORD_ID_RE.match(value):
        return value
    raise _Bad("invalid_field", f"{name} must be a record id or null")


def _int(value: object, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise _Bad("invalid_field", f"{name} must be an integer")
    if isinstance(value, float):
        if not value.is_integer():
            raise _Bad("invalid_field", f"{name} must be an integer")
        value = int(value)
    if not isinstance(value, int):
        raise _Bad("invalid_field", f"{name} must be an integer")
    if not 0 <= value <= MAX_SAFE_INT:
        raise _Bad("invalid_field", f"{name} must be between 0 and 2**53-1")
    return value


def _float(value: object, name: str, low: float, high: float) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Bad("invalid_field", f"{name} must be a number")
    number = float(value)
    if not math.isfinite(number) or not low <= number <= high:
        raise _Bad("invalid_field", f"{name} must be between {low:g} and {high:g}")
    return number


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _payload(value: object) -> dict[str, Any]:
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        if len(value) > MAX_PAYLOAD_BYTES:
            raise _Bad("invalid_payload", f"payload is larger than {MAX_PAYLOAD_BYTES} bytes")
        try:
            value = json.loads(value, parse_constant=_reject_constant)
        except ValueError as exc:
            raise _Bad("invalid_payload", "payload string is not valid JSON") from exc
    if not isinstance(value, dict):
        raise _Bad("invalid_payload", "payload must be a JSON object")
    try:
        size = len(canonical_json(value).encode())
    except (TypeError, ValueError) as exc:
        raise _Bad("invalid_payload", "payload holds values that are not JSON") from exc
    if size > MAX_PAYLOAD_BYTES:
        raise _Bad("invalid_payload", f"payload is larger than {MAX_PAYLOAD_BYTES} bytes")
    return value


def _check_payload(kind: str, payload: Mapping[str, Any], outcome_codes: Collection[str]) -> None:
    if kind == "note":
        text = payload.get("text")
        if not isinstance(text, str) or not text.strip():
            raise _Bad("invalid_payload", "a note needs a non-empty text")
        if len(text) > MAX_NOTE_CHARS:
            raise _Bad("invalid_payload", f"a note is at most {MAX_NOTE_CHARS} characters")
    elif kind == "outcome":
        code = payload.get("code")
        if not isinstance(code, str) or code not in outcome_codes:
            raise _Bad("invalid_payload", f"outcome code must be one of {', '.join(outcome_codes)}")
        text = payload.get("text")
        if text is not None and (not isinstance(text, str) or len(text) > MAX_NOTE_CHARS):
            raise _Bad("invalid_payload", f"outcome text is a string of at most {MAX_NOTE_CHARS}")
        _check_registry(payload)
    elif kind == "unit_status":
        status = payload.get("status")
        if not isinstance(status, str) or status not in UNIT_STATUSES:
            raise _Bad("invalid_payload", f"unit status must be one of {', '.join(UNIT_STATUSES)}")


def _check_registry(payload: Mapping[str, Any]) -> None:
    kind = payload.get("registry_kind")
    number = payload.get("registry_number")
    if kind in (None, "") and number in (None, ""):
        return
    if not isinstance(kind, str) or kind not in REGISTRY_KINDS:
        raise _Bad("invalid_payload", f"registry_kind must be one of {', '.join(REGISTRY_KINDS)}")
    if not isinstance(number, str) or not REGISTRY_NUMBER_RE.match(number):
        raise _Bad(
            "invalid_payload",
            "registry_number is 1-40 characters of [0-9A-Za-z./-], starting with a letter or digit",
        )


def outcome_registry(payload: Mapping[str, Any]) -> tuple[str, str] | None:
    """``(kind, number)`` of a valid outcome payload's registry entry, or None."""
    kind, number = payload.get("registry_kind"), payload.get("registry_number")
    if isinstance(kind, str) and kind in REGISTRY_KINDS and isinstance(number, str) and number:
        return kind, number
    return None


@dataclass(frozen=True)
class PushItem:
    """One entry of a push body, with its verdict.

    ``raw`` is the JSON value exactly as received (for quarantine): a record for ``created``/
    ``updated``, an id for ``deleted``. ``verdict`` is the event to store or why to reject it
    (``read_only`` for updated/deleted events and anything on another table).
    """

    table: str
    op: str
    raw: object
    verdict: EventRecord | Invalid

    @property
    def record_id(self) -> str | None:
        if isinstance(self.verdict, EventRecord):
            return self.verdict.id
        return self.verdict.record_id


@dataclass(frozen=True)
class PushBatch:
    """A parsed push body; ``items`` keep the body's order (results go back in that order)."""

    items: tuple[PushItem, ...]
    last_pulled_at: int | None

    @property
    def events(self) -> list[EventRecord]:
        return [i.verdict for i in self.items if isinstance(i.verdict, EventRecord)]

    @property
    def rejected(self) -> list[PushItem]:
        return [i for i in self.items if isinstance(i.verdict, Invalid)]


def parse_push(body: object, *, outcome_codes: Collection[str] = OUTCOME_CODES) -> PushBatch:
    """Parse a push body ``{"changes": {table: {created, updated, deleted}}, "lastPulledAt"}``.

    Raises ``ProtocolError("malformed")`` when the shape is wrong and
    ``ProtocolError("too_large")`` when it holds more than MAX_PUSH_EVENTS entries. Bad
    records do not raise: they come back as items with an :class:`Invalid` verdict.
    """
    if not isinstance(body, Mapping):
        raise ProtocolError("malformed", "the push body must be a JSON object")
    changes = body.get("changes")
    if not isinstance(changes, Mapping):
        raise ProtocolError("malformed", "the push body needs a 'changes' object")
    last_pulled_at = body.get("lastPulledAt")
    if last_pulled_at is not None and (
        isinstance(last_pulled_at, bool)
        or not isinstance(last_pulled_at, int)
        or not 0 <= last_pulled_at <= MAX_SAFE_INT
    ):
        raise ProtocolError("malformed", "lastPulledAt must be an integer or null")

    entries: list[tuple[str, str, object]] = []
    for table, table_changes in changes.items():
        if not isinstance(table, str) or not isinstance(table_changes, Mapping):
            raise ProtocolError("malformed", "changes must map table names to change objects")
        for op in CHANGE_OPS:
            listed = table_changes.get(op)
            if listed is None:
                continue
            if not isinstance(listed, list):
                raise ProtocolError("malformed", f"changes.{table}.{op} must be a list")
            entries.extend((table, op, raw) for raw in listed)
    if len(entries) > MAX_PUSH_EVENTS:
        raise ProtocolError(
            "too_large", f"{len(entries)} records in one push; at most {MAX_PUSH_EVENTS}"
        )

    items = tuple(
        PushItem(table, op, raw, _verdict(table, op, raw, outcome_codes))
        for table, op, raw in entries
    )
    return PushBatch(items=items, last_pulled_at=last_pulled_at)


def _verdict(
    table: str, op: str, raw: object, outcome_codes: Collection[str]
) -> EventRecord | Invalid:
    if table == "events" and op == "created":
        return parse_event(raw, outcome_codes=outcome_codes)
    if op == "deleted":
        record_id = raw if isinstance(raw, str) and len(raw) <= 256 else None
    else:
        raw_id = raw.get("id") if isinstance(raw, Mapping) else None
        record_id = raw_id if isinstance(raw_id, str) and len(raw_id) <= 256 else None
    if table == "events":
        detail = f"events are immutable: a device never sends '{op}' for them"
    else:
        detail = f"'{table}' is owned by the server; devices push events only"
    return Invalid("read_only", detail, record_id)


def parse_schema_version(text: str | None) -> int:
    """The ``schema_version`` query parameter of a pull (§8).

    Missing or not an integer → ``malformed``; older than MIN_SCHEMA_VERSION →
    ``upgrade_required``; newer than this server knows → ``malformed`` (the server is
    deployed before the apps that need it).
    """
    digits = (text or "").strip()
    if not digits.isascii() or not digits.isdigit() or len(digits) > 6:
        raise ProtocolError("malformed", "schema_version must be an integer")
    version = int(digits)
    if version < MIN_SCHEMA_VERSION:
        raise ProtocolError(
            "upgrade_required",
            f"schema version {version} is no longer served; update the app "
            f"(served: {MIN_SCHEMA_VERSION}-{SCHEMA_VERSION})",
        )
    if version > SCHEMA_VERSION:
        raise ProtocolError(
            "malformed", f"schema version {version} is newer than this server ({SCHEMA_VERSION})"
        )
    return version
