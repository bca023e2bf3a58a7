"""Wire types of the Kuzet sync protocol v1 (PROTOCOL.md §2–§5, §8) and their validation.

Pure functions, no I/O. The gateway parses what a device sent with :func:`parse_push` (or
:func:`parse_event` for one WebSocket event) and :meth:`ClockHeader.parse`; every record gets
its own verdict — an :class:`EventRecord` to store, or an :class:`Invalid` to quarantine — so
one bad record never sinks a batch (§5). Only a body whose *shape* is wrong raises
:class:`ProtocolError`.

Reading of PROTOCOL.md made here (documented in docs/protocol.md by the gateway):

- ``transporting`` is a device kind (DOMAIN.md's lifecycle has it; §5's list omits it; kinds
  are only ever added).
- Unknown keys in an event are not read (forward compatible), nor are WatermelonDB's
  ``_status``/``_changed`` and the server's own columns of ``events``; none is part of the
  content hash. The unknown ones are named back to the device (``EventRecord.ignored``, the
  result's ``"ignored"``), never dropped in silence; so are a push body's (:func:`unread_keys`).
- ``payload`` may be an object or a JSON string holding an object (WatermelonDB columns are
  scalar, so an app stores it as a string); both hash the same. ``null``/``""`` mean ``{}``.
- An optional string column that WatermelonDB leaves at ``""`` (``boot_id``,
  ``assignment_id``) means "absent". Numbers must be JSON numbers; integral floats
  (``1.0``) are accepted for integer fields.
- ``boot_id`` and ``elapsed_ms`` come together or not at all; so do ``lat`` and ``lon``.
- Milestones and ``outcome`` need an ``assignment_id``; ``note`` may have none (a unit log).
- Text a store cannot hold — U+0000 (PostgreSQL's text and jsonb refuse it) and lone UTF-16
  surrogates (``"\\ud800"``: not encodable as UTF-8) — is valid JSON, so a body holding it
  parses (:func:`parse_json`, which also keeps huge numbers exact) and the record carrying it
  is rejected on its own (``invalid_text``); :func:`json_text` renders any parsed value as
  JSON text that every UTF-8 store accepts and that parses back to the same value (the
  quarantine keeps that, and answers quote ids with it).
"""

from __future__ import annotations

import decimal
import hashlib
import json
import math
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

# The protocol's schema version, which the app declares in every pull (``schema_version``;
# a stock WatermelonDB app sends its database's version, Kuzet's field app its own
# ``PROTOCOL_SCHEMA_VERSION``: its database is numbered apart, field/src/db.js). Version 2
# adds ``assignments.deliver_due_at`` and ``assignments.escalation_level``; version 3 the
# table ``follow_ups``; version 4 ``settlements.name_kk``, the Kazakh name (SCHEMA_HISTORY).
# The server serves every version from MIN_SCHEMA_VERSION; every parser keeps accepting
# version 1 records. An app on an older schema ignores columns it does not know
# (WatermelonDB keeps only its schema's columns) and is never sent a table newer than its
# schema (TABLE_SINCE); one that upgrades gets them through a migration sync.
SCHEMA_VERSION: Final = 4
MIN_SCHEMA_VERSION: Final = 1
# Version → the columns it added, by table (docs/protocol.md §2).
SCHEMA_HISTORY: Final[Mapping[int, Mapping[str, tuple[str, ...]]]] = {
    2: {"assignments": ("deliver_due_at", "escalation_level")},
    3: {"follow_ups": ("incident_id", "unit_id", "due_at", "done_at", "note")},
    4: {"settlements": ("name_kk",)},
}

# The largest version number read (a schema_version or a migration's ``from``): six digits.
MAX_VERSION: Final = 1_000_000

MAX_PUSH_EVENTS: Final = 500
MAX_PUSH_BYTES: Final = 1 << 20
DEFAULT_PAGE_SIZE: Final = 1000
MAX_NOTE_CHARS: Final = 4000
# A payload is a small object; anything bigger is not a note, it is an attack or a bug.
MAX_PAYLOAD_BYTES: Final = 16 * 1024
# Times and cursors are JSON numbers read by JavaScript apps: keep them exact in a double.
MAX_SAFE_INT: Final = (1 << 53) - 1
# A payload is a small flat object (a note's text, an outcome's code); deeper nesting is a bug.
MAX_PAYLOAD_DEPTH: Final = 16
# Integers longer than this stay text (Decimal) instead of Python ints: CPython refuses to
# parse ints above 4,300 digits, and such a number is no field's value anyway.
MAX_INT_DIGITS: Final = 4000

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
    "follow_up_visit",
    "read",
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
ASSIGNMENT_KINDS: Final = frozenset((*MILESTONE_KINDS, "outcome", "read"))
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
# An outcome may also name the article of the Code of Administrative Offences (КоАП РК) a
# protocol was drawn up under: the chief's upward report counts DV offences by article (73,
# 461). An article, or an article and its part: "73", "73-1", "461", "434". Optional for the
# same reason as the registry entry; accepted with any code (nothing that parses is dropped).
COAO_ARTICLE_RE: Final = re.compile(r"^[1-9][0-9]{0,2}(-[1-9][0-9]?)?$")
COAO_ARTICLE_RULE: Final = 'an article of the CoAO such as "73", "73-1" or "461"'

SYNCED_TABLES: Final = (
    "settlements", "units", "incidents", "follow_ups", "assignments", "events", "codes"
)  # fmt: skip
# A table added after version 1 → the schema version that added it: older apps never get it.
# (A stock WatermelonDB 0.28 app would skip it with a warning; an app of our own making may
# not, and the records would be bytes for nothing on a 2G link.)
TABLE_SINCE: Final[Mapping[str, int]] = {"follow_ups": 3}


def tables_unknown_to(schema_version: int) -> frozenset[str]:
    """The synced tables an app on ``schema_version`` does not have."""
    return frozenset(t for t, since in TABLE_SINCE.items() if since > schema_version)


READ_ONLY_TABLES: Final = tuple(t for t in SYNCED_TABLES if t != "events")
CHANGE_OPS: Final = ("created", "updated", "deleted")

# What the server reads of a push body, of a pull's query and of a socket's ``event`` message;
# any other key is named back in the answer's ``"ignored"`` (docs/protocol.md §4).
PUSH_BODY_KEYS: Final = frozenset(("changes", "lastPulledAt"))
PULL_PARAMETERS: Final = frozenset(("last_pulled_at", "schema_version", "migration"))
# A push's query: ``schema_version`` is checked; ``last_pulled_at`` is WatermelonDB's and not
# read (its value is the body's ``lastPulledAt``), so it is no news either.
PUSH_PARAMETERS: Final = frozenset(("last_pulled_at", "schema_version"))
EVENT_MESSAGE_KEYS: Final = frozenset(("type", "event", "clock"))
# The keys of a pushed event that are not "ignored": those the server reads, WatermelonDB's
# bookkeeping, and the columns of ``events`` the server sets itself, which a stock app's raw
# record carries at their defaults (docs/protocol.md §2, *events*).
EVENT_KEYS: Final = frozenset(
    (
        "id", "kind", "assignment_id", "device_time", "boot_id", "elapsed_ms", "lat", "lon",
        "accuracy_m", "gps_time", "payload", "_status", "_changed",
        "incident_id", "unit_id", "officer_id", "device_id", "source", "disposition",
        "server_received_at", "estimated_at", "estimate_uncertainty_ms", "estimate_method",
        "clock_suspect",
    )
)  # fmt: skip


def unread_keys(value: Mapping[Any, Any], known: Collection[str]) -> list[str]:
    """The keys of ``value`` outside ``known``, sorted, as an answer may quote them (at most 64
    characters each, U+0000 and lone surrogates escaped)."""
    return sorted(storable(str(key))[:64] for key in value if key not in known)


# Error code → HTTP status (PROTOCOL.md §2).
ERROR_STATUS: Final[Mapping[str, int]] = {
    "malformed": 400,
    "unauthenticated": 401,
    "device_revoked": 401,
    "forbidden": 403,
    "too_large": 413,
    "schema_too_new": 409,
    "upgrade_required": 426,
    "rate_limited": 429,
    "server_error": 500,
}

InvalidReason = Literal[
    "invalid_id", "unknown_kind", "invalid_field", "invalid_payload", "invalid_text", "read_only"
]
# U+0000 and lone surrogates: valid in JSON text, refused by PostgreSQL (text, jsonb) and by
# UTF-8. A str decoded from UTF-8 never holds a surrogate, so any surrogate here is lone.
_UNSTORABLE_RE: Final = re.compile("[\x00\ud800-\udfff]")


class ProtocolError(Exception):
    """The request as a whole cannot be served: ``code`` is an error code of §2."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail

    @property
    def status(self) -> int:
        return ERROR_STATUS.get(self.code, 400)

    @property
    def sentence(self) -> str:
        """``detail`` as a sentence, for the endpoints whose errors are written as such
        ("The body has the key 'from' more than once.")."""
        return f"{self.detail[:1].upper()}{self.detail[1:]}."


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
    # Keys of the record the server does not read (EVENT_KEYS): not content, answered back.
    ignored: tuple[str, ...] = field(default=(), compare=False)
    # Those keys with their values as sent, kept with the fact (``Event.unread``): a newer
    # app's field is not thinned away by an older server (docs/protocol.md §4).
    unread: Mapping[str, Any] = field(default_factory=dict, compare=False)

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


def has_unstorable(text: str) -> bool:
    """True when ``text`` holds U+0000 or a lone surrogate (no UTF-8 store can keep it)."""
    return _UNSTORABLE_RE.search(text) is not None


def storable(text: str) -> str:
    """``text`` with U+0000 and lone surrogates written as ``\\uXXXX`` (for a searchable
    column: readable, storable, not necessarily reversible — :func:`json_text` is)."""
    return _UNSTORABLE_RE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _json_string(text: str) -> str:
    # json.dumps escapes every control character (U+0000 included); lone surrogates it
    # would write raw with ensure_ascii=False, so they are escaped here. A surrogate only
    # ever occurs inside a string literal, so the escape keeps the text valid JSON.
    return storable(json.dumps(text, ensure_ascii=False))


def json_text(value: object) -> str:
    """JSON text of a parsed value that UTF-8 and PostgreSQL store, and that parses back
    (:func:`parse_json`) to the same value.

    Readable text stays readable (Cyrillic is not escaped); U+0000 and lone surrogates are
    escaped; numbers keep their exact text (ints, and Decimals :func:`parse_json` made of
    numbers a double cannot hold). Written without recursion, so any depth a parser
    accepted can be rendered — this is what the quarantine keeps of a record.
    """
    out: list[str] = []
    # A stack of work: values to render, or literal text to emit.
    stack: list[tuple[bool, object]] = [(False, value)]
    while stack:
        literal, item = stack.pop()
        if literal:
            out.append(item)  # type: ignore[arg-type]
        elif isinstance(item, str):
            out.append(_json_string(item))
        elif item is None or isinstance(item, bool):
            out.append({None: "null", True: "true", False: "false"}[item])
        elif isinstance(item, int):
            out.append(str(item))
        elif isinstance(item, float):
            out.append(json.dumps(item) if math.isfinite(item) else "null")
        elif isinstance(item, decimal.Decimal):
            out.append(str(item))
        elif isinstance(item, Mapping):
            parts: list[tuple[bool, object]] = [(True, "{")]
            members = item.pairs if isinstance(item, Repeated) else item.items()
            for index, (key, member) in enumerate(members):
                sep = "," if index else ""
                parts += [(True, f"{sep}{_json_string(str(key))}:"), (False, member)]
            parts.append((True, "}"))
            stack.extend(reversed(parts))
        elif isinstance(item, list | tuple):
            parts = [(True, "[")]
            for index, member in enumerate(item):
                if index:
                    parts.append((True, ","))
                parts.append((False, member))
            parts.append((True, "]"))
            stack.extend(reversed(parts))
        else:
            out.append(_json_string(repr(item)))
    return "".join(out)


class Repeated(dict[str, Any]):
    """A parsed JSON object that names a key more than once (RFC 8259 §4: its meaning is then
    unpredictable). As a dict it holds each key's last value, as ``JSON.parse`` would;
    ``pairs`` holds every member as sent, which :func:`json_text` renders (the quarantine
    keeps both values). The push refuses it where it would drop what a device sent."""

    pairs: list[tuple[str, Any]]

    @property
    def repeated(self) -> str:
        """The first key named twice, as an answer may quote it."""
        seen: set[str] = set()
        for key, _ in self.pairs:
            if key in seen:
                return storable(key)[:64]
            seen.add(key)
        return ""


def json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``json.loads``'s ``object_pairs_hook``: the object as a dict, or a :class:`Repeated`
    when it names a key twice — which :func:`said_once` refuses (a parser of another layer,
    DRF's, reads with it too)."""
    value = dict(pairs)
    if len(value) == len(pairs):
        return value
    repeated = Repeated(value)
    repeated.pairs = pairs
    return repeated


def _keep_constant(name: str) -> decimal.Decimal:
    # NaN, Infinity, -Infinity: not JSON, but what Python's json.dumps writes by default. Kept
    # as a Decimal like 1e400, so the record holding one is rejected on its own (no field
    # takes a Decimal) and the rest of the push is applied.
    return decimal.Decimal(name)


def _parse_int(text: str) -> int | decimal.Decimal:
    return int(text) if len(text) <= MAX_INT_DIGITS else decimal.Decimal(text)


def _parse_float(text: str) -> float | decimal.Decimal:
    number = float(text)
    # 1e400 would become inf: keep the number as written, so the record can be kept verbatim
    # (and be rejected: no field accepts a Decimal).
    return number if math.isfinite(number) else decimal.Decimal(text)


def parse_json(raw: bytes | str, *, what: str = "the body", records: bool = False) -> object:
    """Parse a request body or socket message; raise ``ProtocolError("malformed")``.

    ``what`` names the text in the error's detail ("the body", or a query parameter's name).

    The standard library's parser, not orjson: orjson refuses a lone surrogate escape (the
    whole push would be refused, and every retry with it — the device's outbox stuck behind
    one record) and silently turns integers above 64 bits into doubles (the record would
    not be kept verbatim). ``NaN``/``Infinity`` are not JSON and are refused — unless
    ``records`` (a push body, a socket message): then they parse as Decimals, and the record
    holding one is rejected on its own. An object naming a key twice parses as a
    :class:`Repeated`. A body that is not UTF-8 (nor UTF-16/32, which JSON's bytes reveal)
    says so.
    """
    if not raw.strip():
        raise ProtocolError("malformed", f"{what} is empty")
    try:
        return json.loads(
            raw,
            parse_int=_parse_int,
            parse_float=_parse_float,
            parse_constant=_keep_constant if records else _reject_constant,
            object_pairs_hook=json_object,
        )
    except RecursionError as exc:
        raise ProtocolError("malformed", f"{what} nests too deeply to be parsed") from exc
    except UnicodeDecodeError as exc:
        raise ProtocolError("malformed", f"{what} is not UTF-8 text") from exc
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, NaN, Infinity
        raise ProtocolError("malformed", f"{what} is not JSON") from exc


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
    if isinstance(raw, Repeated):
        # Which value is meant? Reading the last would drop the other in silence.
        raise _Bad("invalid_field", f"the record has the key {raw.repeated!r} more than once")
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
    if kind == "follow_up_visit" and assignment_id is not None:
        raise _Bad("invalid_field", "a follow_up_visit event has no assignment_id")
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
        ignored=tuple(unread_keys(raw, EVENT_KEYS)),
        unread={key: value for key, value in raw.items() if key not in EVENT_KEYS},
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
    _no_constant(value, name)
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
    _no_constant(value, name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Bad("invalid_field", f"{name} must be a number")
    try:
        number = float(value)
    except OverflowError:  # an int beyond any double
        number = math.inf
    if not math.isfinite(number) or not low <= number <= high:
        raise _Bad("invalid_field", f"{name} must be between {low:g} and {high:g}")
    return number


def _no_constant(value: object, name: str) -> None:
    if isinstance(value, decimal.Decimal) and not value.is_finite():
        raise _Bad("invalid_field", f"{name} is {value}, which is not a JSON number")


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _payload(value: object) -> dict[str, Any]:
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        if len(value) > MAX_PAYLOAD_BYTES:
            raise _Bad("invalid_payload", f"payload is larger than {MAX_PAYLOAD_BYTES} bytes")
        try:
            value = json.loads(
                value,
                parse_int=_parse_int,
                parse_float=_parse_float,
                parse_constant=_reject_constant,
                object_pairs_hook=json_object,
            )
        except (ValueError, RecursionError) as exc:
            raise _Bad("invalid_payload", "payload string is not valid JSON") from exc
    if not isinstance(value, dict):
        raise _Bad("invalid_payload", "payload must be a JSON object")
    _check_values(value)
    try:
        size = len(canonical_json(value).encode())
    except (TypeError, ValueError) as exc:
        raise _Bad("invalid_payload", "payload holds values that are not JSON") from exc
    if size > MAX_PAYLOAD_BYTES:
        raise _Bad("invalid_payload", f"payload is larger than {MAX_PAYLOAD_BYTES} bytes")
    return value


def _check_values(payload: dict[str, Any]) -> None:
    """Walk the payload without recursion: bounded depth, only storable text, only numbers
    a double holds exactly (integers within ±2**53; others stay Decimal in :func:`parse_json`)."""
    stack: list[tuple[object, int]] = [(payload, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_PAYLOAD_DEPTH:
            raise _Bad("invalid_payload", f"payload nests deeper than {MAX_PAYLOAD_DEPTH} levels")
        if isinstance(value, str):
            if has_unstorable(value):
                raise _Bad("invalid_text", "payload text holds U+0000 or a lone surrogate")
        elif isinstance(value, dict):
            if isinstance(value, Repeated):
                raise _Bad(
                    "invalid_payload", f"payload has the key {value.repeated!r} more than once"
                )
            for key, member in value.items():
                if not isinstance(key, str) or has_unstorable(key):
                    raise _Bad("invalid_text", "payload keys hold U+0000 or a lone surrogate")
                stack.append((member, depth + 1))
        elif isinstance(value, list):
            stack.extend((member, depth + 1) for member in value)
        elif isinstance(value, decimal.Decimal) or (
            isinstance(value, int) and not -MAX_SAFE_INT <= value <= MAX_SAFE_INT
        ):
            if isinstance(value, decimal.Decimal) and not value.is_finite():
                raise _Bad("invalid_payload", f"payload holds {value}, which is not JSON")
            # Apps read the payload back in JavaScript (and the pull renders it with orjson,
            # which refuses integers beyond 64 bits): only numbers a double holds exactly.
            raise _Bad("invalid_payload", "payload holds a number out of range")


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
        if not coao_article_valid(payload.get("coao_article")):
            raise _Bad("invalid_payload", f"coao_article must be {COAO_ARTICLE_RULE}")
    elif kind == "unit_status":
        status = payload.get("status")
        if not isinstance(status, str) or status not in UNIT_STATUSES:
            raise _Bad("invalid_payload", f"unit status must be one of {', '.join(UNIT_STATUSES)}")
    elif kind == "read":
        if read_up_to(payload) is None:
            raise _Bad(
                "invalid_payload",
                "a read needs the event_id of the desk's message it was read up to",
            )
    elif kind == "follow_up_visit":
        if follow_up_id(payload) is None:
            raise _Bad("invalid_payload", "a follow_up_visit needs the follow_up_id it made")
        text = payload.get("text")
        if text is not None and (not isinstance(text, str) or len(text) > MAX_NOTE_CHARS):
            raise _Bad("invalid_payload", f"visit text is a string of at most {MAX_NOTE_CHARS}")


def follow_up_id(payload: Mapping[str, Any]) -> str | None:
    """The follow-up a ``follow_up_visit`` payload names (a record id), or None."""
    value = payload.get("follow_up_id")
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_SAFE_INT:
        return str(value)
    if isinstance(value, str) and RECORD_ID_RE.match(value):
        return value
    return None


def read_up_to(payload: Mapping[str, Any]) -> str | None:
    """The desk's message a ``read`` payload names (an event id: the device's or ``srv_…``),
    or None. The officer read that message and every earlier one on the assignment."""
    value = payload.get("event_id")
    if isinstance(value, str) and RECORD_ID_RE.match(value):
        return value
    return None


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


def coao_article_valid(value: object) -> bool:
    """Whether ``value`` may stand as an outcome's ``coao_article``: absent (None or "") or
    an article (and part) of the CoAO. The one rule for the wire and for staff commands."""
    return (
        value is None
        or value == ""
        or (isinstance(value, str) and COAO_ARTICLE_RE.fullmatch(value) is not None)
    )


def outcome_article(payload: Mapping[str, Any]) -> str:
    """The CoAO article a valid outcome payload names, ``""`` when it names none."""
    article = payload.get("coao_article")
    return article if isinstance(article, str) and COAO_ARTICLE_RE.fullmatch(article) else ""


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
    _once(body, "the push body")
    changes = body.get("changes")
    if not isinstance(changes, Mapping):
        raise ProtocolError("malformed", "the push body needs a 'changes' object")
    _once(changes, "the push body", "changes")
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
        _once(table_changes, "the push body", _key_path("changes", table))
        # Records under a key WatermelonDB never sends ("upserted", "Created") were read by
        # nobody and answered by nobody: the app took the push's 200 as stored and lost them.
        unknown = next((op for op in table_changes if op not in CHANGE_OPS), None)
        if unknown is not None:
            raise ProtocolError(
                "malformed",
                f"changes.{storable(table)[:64]} has {storable(str(unknown))[:64]!r}; "
                "only created, updated and deleted are read",
            )
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


def said_once(value: object, what: str) -> object:
    """``value`` (a parsed enrolment, Web Push subscription, SMS gateway callback…) when no
    object in it, at any depth, names a key twice; else ``ProtocolError("malformed")`` worded
    as a push's envelope is: ``what`` and the key's path from the body's root ("the enrolment
    has the key 'code' more than once", "the enrolment has the key 'device.install_id' …", a
    list's item by its index: "the body has the key 'units[1].id' …") — of the first object
    in the body's order that names one twice (an object before what it holds). Read as the
    last, the other values were dropped without a word — one ``install_id`` replaced in
    silence by another, one SMS ``text`` by another. The one check for every body read
    whole; a push reads its records one by one (:func:`parse_push`)."""
    stack: list[tuple[object, str]] = [(value, "")]
    while stack:
        item, path = stack.pop()
        _once(item, what, path)
        if isinstance(item, dict):
            members = [(member, _key_path(path, key)) for key, member in item.items()]
        elif isinstance(item, list):
            members = [(member, f"{path}[{n}]") for n, member in enumerate(item)]
        else:
            continue
        # reversed: popped in the body's order
        stack.extend(reversed([(m, at) for m, at in members if isinstance(m, dict | list)]))
    return value


def _key_path(path: str, key: object) -> str:
    """``key`` of the object at ``path`` (from the body's root: "" for the root itself)."""
    name = storable(str(key))[:64]
    return f"{path}.{name}" if path else name


def _once(value: object, root: str, path: str = "") -> None:
    """Refuse an object (at ``path`` in ``root``) that names a key twice, naming the key by its
    path from the root: in a push's envelope the records under all but the last would be
    neither stored nor answered (``{"changes": A, "changes": B}`` read as B)."""
    if isinstance(value, Repeated):
        named = _key_path(path, value.repeated)
        if len(named) > 256:
            named = f"…{named[-255:]}"
        raise ProtocolError("malformed", f"{root} has the key {named!r} more than once")


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
        detail = f"'{storable(table)[:64]}' is owned by the server; devices push events only"
    return Invalid("read_only", detail, record_id)


def parse_schema_version(text: str | None) -> int:
    """The ``schema_version`` query parameter of a pull (§8).

    Missing or not an integer → ``malformed``; older than MIN_SCHEMA_VERSION →
    ``upgrade_required`` (the app must be updated); newer than this server knows →
    ``schema_too_new`` (409: the app is fine and this server is older than it — keep working
    offline, keep the local database, and sync again later; never reset).
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
            "schema_too_new",
            f"schema version {version} is newer than this server serves "
            f"({MIN_SCHEMA_VERSION}-{SCHEMA_VERSION}); keep the local data and sync later",
        )
    return version


@dataclass(frozen=True)
class Migration:
    """WatermelonDB's migration sync argument (0.28: ``pullChanges({lastPulledAt,
    schemaVersion, migration})``): the app's schema went from ``from_version`` to the
    ``schema_version`` of the pull, adding ``tables`` and ``columns`` (table → column names).
    The records the device already holds of those tables need the new values."""

    from_version: int
    tables: tuple[str, ...]
    columns: Mapping[str, tuple[str, ...]]

    def tables_to_resend(self) -> set[str]:
        """Synced tables whose every in-scope record goes out again (unknown names — a table
        only the app has — are ignored, as WatermelonDB ignores unknown tables)."""
        return (set(self.tables) | set(self.columns)) & set(SYNCED_TABLES)


def parse_migration(text: str | None) -> Migration | None:
    """The ``migration`` query parameter: ``encodeURIComponent(JSON.stringify(migration))``.

    Absent, empty, ``null`` or ``undefined`` → None (no migration: WatermelonDB sends null
    on a first sync and whenever the schema did not change). Otherwise it must be
    ``{"from": int, "tables": [str], "columns": [{"table": str, "columns": [str]}]}`` with
    ``from`` a version number (0 or more); anything else is ``malformed``.

    ``from`` is the app's own database version, which need not be the protocol's: Kuzet's
    field app numbers its database apart (field/src/db.js) and adds a column the server
    already sends within one protocol version, so its ``from`` may equal ``schema_version``
    or pass it. The server reads only the tables and columns named; refusing such a pull as
    malformed would stop the upgraded phone syncing at all.
    """
    if text is None or text.strip() in ("", "null", "undefined"):
        return None
    if len(text) > 64 * 1024:
        raise ProtocolError("malformed", "migration is too large")
    value = parse_json(text, what="the migration parameter")
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ProtocolError("malformed", "migration must be null or an object")
    # {"from": 1, "from": 3} was read as 3 and the other dropped without a word.
    _once(value, "migration")
    listed = value.get("columns")
    for n, entry in enumerate(listed if isinstance(listed, list) else ()):
        _once(entry, "migration", f"columns[{n}]")
    from_version = value.get("from")
    tables = value.get("tables", [])
    columns = value.get("columns", [])
    if (
        isinstance(from_version, bool)
        or not isinstance(from_version, int)
        or not 0 <= from_version < MAX_VERSION
    ):
        raise ProtocolError("malformed", "migration.from must be a version number (0 or more)")
    if not isinstance(tables, list) or not all(_name(t) for t in tables):
        raise ProtocolError("malformed", "migration.tables must be a list of table names")
    if not isinstance(columns, list):
        raise ProtocolError("malformed", "migration.columns must be a list")
    added: dict[str, tuple[str, ...]] = {}
    for entry in columns:
        if (
            not isinstance(entry, Mapping)
            or not _name(entry.get("table"))
            or not isinstance(entry.get("columns"), list)
            or not all(_name(c) for c in entry["columns"])
        ):
            raise ProtocolError(
                "malformed", "migration.columns entries are {table, columns: [names]}"
            )
        added[entry["table"]] = (*added.get(entry["table"], ()), *entry["columns"])
    return Migration(from_version, tuple(tables), added)


_NAME_RE: Final = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


def _name(value: object) -> bool:
    return isinstance(value, str) and _NAME_RE.match(value) is not None
