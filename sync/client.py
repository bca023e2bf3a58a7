"""The reference device client: a Python field device as the mobile team would build it.

Used by tests, the demo and the benchmarks as "the phone". It keeps what a WatermelonDB app
keeps, in one SQLite file:

- ``records``: the server's records by table (what the app shows), plus the device's own
  events until the server's version of them arrives;
- ``outbox``: events recorded on the device and not yet confirmed. It survives restarts (open
  the same file again). An entry leaves the outbox only when a pull has returned the event —
  not on push success, since a push response can be lost after the server committed — or,
  for an event the server acknowledged but that is outside this device's scope (an event on
  another unit's assignment, ``not_assignee``), when a complete pull begun after the
  acknowledgement did not return it; a rejected event moves to ``rejected`` (the server keeps
  it in quarantine) so it is not pushed forever. An event the server answered (``accepted``,
  ``duplicate``) waits there for that pull without being pushed again; one whose answer was
  lost is pushed again;
- ``meta``: token, device id, install id, cursor.

Protocol behaviour (PROTOCOL.md): pulls loop while ``has_more``; a pull with
``experimentalStrategy: "replacement"`` (or a per-table strategy naming a table
``replacement``) drops the local records of those tables absent from it, except the device's
unconfirmed events; pushes send at most :data:`~sync.protocol.MAX_PUSH_EVENTS`
events and split on ``413``; every request carries ``X-Device-Clock`` from an injectable
:class:`DeviceClock`, rebuilt on every attempt; request bodies are gzip-compressed and gzip
responses accepted; ``5xx``, ``429`` (``Retry-After``) and network errors are retried with
exponential backoff and jitter; ``401 device_revoked`` wipes local case data and stops.
What a server says it did not read (an answer's ``"ignored"``: keys of the push body, of an
event, parameters of the pull — docs/protocol.md §4) is logged as a warning and kept in
:attr:`DeviceClient.ignored`: a client that sends a key the server does not know learns it.

The transport is injectable: :class:`HttpxTransport` against a live server, or any callable
``(method, path_with_query, headers, body) -> (status, headers, body)`` — e.g. Django's test
client in-process. Network failures are signalled by raising :class:`TransportError` (or
``OSError``).
"""

from __future__ import annotations

import gzip
import json
import logging
import random
import secrets
import sqlite3
import string
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx

from sync.protocol import (
    MAX_PUSH_BYTES,
    MAX_PUSH_EVENTS,
    SCHEMA_VERSION,
    ClockHeader,
    EventRecord,
    parse_event,
)

log = logging.getLogger(__name__)

API: str = "/api/sync/v1"
ID_ALPHABET: str = string.ascii_letters + string.digits
# Leave room under the server's 1 MiB limit for the envelope; we count uncompressed bytes.
PUSH_BYTES_BUDGET: int = MAX_PUSH_BYTES // 2
MAX_PULL_PAGES: int = 100_000

Headers = Mapping[str, str]
Transport = Callable[[str, str, Headers, bytes | None], tuple[int, Headers, bytes]]


def replaced_tables(body: Mapping[str, Any]) -> set[str]:
    """The tables a pull answer replaces, as WatermelonDB 0.28 reads ``experimentalStrategy``:
    ``"replacement"`` — every table in ``changes``; ``{"default", "override": {table: …}}`` —
    each table in ``changes`` by its override, else the default."""
    strategy = body.get("experimentalStrategy")
    changes = body.get("changes")
    tables = list(changes) if isinstance(changes, dict) else []
    if strategy == "replacement":
        return set(tables)
    if isinstance(strategy, dict):
        override = strategy.get("override")
        override = override if isinstance(override, dict) else {}
        default = strategy.get("default")
        return {t for t in tables if override.get(t, default) == "replacement"}
    return set()


class TransportError(Exception):
    """The request did not get an HTTP response (connection refused, reset, timeout)."""


class SyncError(Exception):
    """The server refused a request for good (``status``, ``code``, ``detail``)."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(f"{status} {code}: {detail}")
        self.status = status
        self.code = code
        self.detail = detail


class DeviceRevoked(SyncError):
    """The device was revoked; local case data has been wiped and syncing stopped."""


class Unauthenticated(SyncError):
    """No token, or the server does not know it."""


class UpgradeRequired(SyncError):
    """The server no longer serves this schema version."""


class TooLarge(SyncError):
    """``413``: the push must be split."""


class SyncUnavailable(Exception):
    """Retries exhausted (server errors, rate limits or network failures); nothing is lost,
    try again later."""


# --- clocks ----------------------------------------------------------------------------


class DeviceClock(Protocol):
    """What a device knows of time: an untrusted wall clock, a boot id and the monotonic
    milliseconds since that boot."""

    def wall_ms(self) -> int: ...

    def elapsed_ms(self) -> int: ...

    @property
    def boot_id(self) -> str: ...


class SystemClock:
    """This machine's clocks; a fresh boot id per instance (a process is a 'boot')."""

    def __init__(self) -> None:
        self._boot_id = uuid.uuid4().hex

    def wall_ms(self) -> int:
        return time.time_ns() // 1_000_000

    def elapsed_ms(self) -> int:
        return time.monotonic_ns() // 1_000_000

    @property
    def boot_id(self) -> str:
        return self._boot_id


class SimulatedClock:
    """A device clock driven by a true-time source, for tests and demos.

    ``wall_offset_ms`` is how wrong the wall clock is (+3 h: ``3 * 3_600_000``); it can be
    changed at any time (the officer sets the clock). ``drift_ppm`` makes the monotonic clock
    run fast or slow. :meth:`reboot` starts a new boot: new id, elapsed from zero.
    """

    def __init__(
        self,
        now_ms: Callable[[], int],
        *,
        wall_offset_ms: int = 0,
        drift_ppm: float = 0.0,
        boot_id: str | None = None,
    ) -> None:
        self._now_ms = now_ms
        self.wall_offset_ms = wall_offset_ms
        self.drift_ppm = drift_ppm
        self._boot_id = boot_id or uuid.uuid4().hex
        self._booted_at = now_ms()

    def wall_ms(self) -> int:
        return self._now_ms() + self.wall_offset_ms

    def elapsed_ms(self) -> int:
        return round((self._now_ms() - self._booted_at) * (1 + self.drift_ppm / 1e6))

    @property
    def boot_id(self) -> str:
        return self._boot_id

    def reboot(self, *, boot_id: str | None = None) -> None:
        self._boot_id = boot_id or uuid.uuid4().hex
        self._booted_at = self._now_ms()


def clock_header(clock: DeviceClock) -> str:
    return ClockHeader(
        wall_ms=clock.wall_ms(), boot_id=clock.boot_id, elapsed_ms=clock.elapsed_ms()
    ).render()


# --- transports ------------------------------------------------------------------------


class HttpxTransport:
    """A transport over ``httpx`` to a live server at ``base_url``.

    httpx decodes gzip responses itself, so the returned headers drop ``Content-Encoding``.
    """

    def __init__(
        self, base_url: str, *, client: httpx.Client | None = None, timeout: float = 10.0
    ) -> None:
        self._client = client or httpx.Client(base_url=base_url, timeout=timeout)
        self._owns_client = client is None

    def __call__(
        self, method: str, path: str, headers: Headers, body: bytes | None
    ) -> tuple[int, Headers, bytes]:
        try:
            response = self._client.request(method, path, headers=dict(headers), content=body)
            content = response.read()
        except httpx.TransportError as exc:
            raise TransportError(str(exc)) from exc
        answer = {
            k.lower(): v for k, v in response.headers.items() if k.lower() != "content-encoding"
        }
        return response.status_code, answer, content

    def close(self) -> None:
        if self._owns_client:
            self._client.close()


def as_transport(base: str | Transport) -> Transport:
    return HttpxTransport(base) if isinstance(base, str) else base


@dataclass(frozen=True)
class Retry:
    """Backoff policy: ``attempts`` tries in all; delays ``base_s * 2**n`` capped at
    ``cap_s``, each scaled by a random factor in [0.5, 1] (jitter); a ``Retry-After`` header
    is obeyed as is."""

    attempts: int = 6
    base_s: float = 0.5
    cap_s: float = 60.0


@dataclass(frozen=True)
class Response:
    status: int
    headers: Headers
    body: Any


def _exchange(
    transport: Transport,
    method: str,
    path: str,
    headers: Callable[[], dict[str, str]],
    body: bytes | None,
    *,
    retry: Retry,
    sleep: Callable[[float], None],
    rng: random.Random,
) -> Response:
    """One request with retries. Returns any non-retryable response (2xx or 4xx but 429)."""
    for attempt in range(1, retry.attempts + 1):
        retry_after: float | None = None
        try:
            status, raw_headers, raw = transport(method, path, headers(), body)
        except (TransportError, OSError):
            pass
        else:
            answer = {k.lower(): v for k, v in raw_headers.items()}
            if status != 429 and status < 500:
                return Response(status, answer, _decode(answer, raw))
            if status == 429:
                retry_after = _retry_after(answer.get("retry-after"))
        if attempt == retry.attempts:
            break
        delay = retry_after
        if delay is None:
            delay = min(retry.cap_s, retry.base_s * 2 ** (attempt - 1)) * rng.uniform(0.5, 1.0)
        sleep(delay)
    raise SyncUnavailable(f"{method} {path}: no answer after {retry.attempts} attempts")


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _decode(headers: Headers, raw: bytes) -> Any:
    if headers.get("content-encoding", "").lower() == "gzip":
        raw = gzip.decompress(raw)
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _refusal(response: Response) -> SyncError:
    body = response.body if isinstance(response.body, dict) else {}
    code = str(body.get("error", "http_error"))
    detail = str(body.get("detail", ""))
    if response.status == 401:
        return (DeviceRevoked if code == "device_revoked" else Unauthenticated)(
            response.status, code, detail
        )
    if response.status == 426:
        return UpgradeRequired(response.status, code, detail)
    if response.status == 413:
        return TooLarge(response.status, code, detail)
    return SyncError(response.status, code, detail)


# --- enrolment -------------------------------------------------------------------------


@dataclass(frozen=True)
class Enrolment:
    device_id: str
    token: str
    officer: Mapping[str, Any]
    unit: Mapping[str, Any] | None
    server_time: int | None


def enroll(
    base: str | Transport,
    code: str,
    device_info: Mapping[str, Any],
    *,
    clock: DeviceClock | None = None,
    retry: Retry = Retry(),
    sleep: Callable[[float], None] = time.sleep,
    token: str | None = None,
) -> Enrolment:
    """``POST /api/sync/v1/enroll`` with a one-time code (PROTOCOL.md §3). ``token``: the
    device token this install already holds, sent as ``Authorization: Device`` — the proof
    the server asks of a phone handed to another officer (docs/protocol.md §1)."""
    transport = as_transport(base)
    device_clock = clock or SystemClock()
    payload = json.dumps({"code": code, "device": dict(device_info)}).encode()

    def headers() -> dict[str, str]:
        sent = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Accept-Encoding": "gzip",
            "X-Device-Clock": clock_header(device_clock),
        }
        if token:
            sent["Authorization"] = f"Device {token}"
        return sent

    response = _exchange(
        transport,
        "POST",
        f"{API}/enroll",
        headers,
        payload,
        retry=retry,
        sleep=sleep,
        rng=random.Random(),
    )
    if response.status != 201 or not isinstance(response.body, dict):
        raise _refusal(response)
    body = response.body
    return Enrolment(
        device_id=str(body["device_id"]),
        token=str(body["token"]),
        officer=body.get("officer") or {},
        unit=body.get("unit"),
        server_time=body.get("server_time"),
    )


# --- the device --------------------------------------------------------------------------


@dataclass(frozen=True)
class PullSummary:
    pages: int
    replaced: bool
    timestamp: int | None
    records: int


@dataclass(frozen=True)
class SyncSummary:
    pulled: list[PullSummary]
    results: list[dict[str, Any]]


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (
    tbl TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (tbl, id)
);
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    data TEXT NOT NULL,
    acked_epoch INTEGER
);
CREATE TABLE IF NOT EXISTS rejected (
    id TEXT PRIMARY KEY, data TEXT NOT NULL, reason TEXT NOT NULL, detail TEXT NOT NULL
);
"""


class DeviceClient:
    """One device: a local store at ``store`` (a file path; ``":memory:"`` for a device that
    never restarts) talking to a server through ``transport``.

    Pass ``token`` after :func:`enroll`, or call :meth:`enroll` on the client; the token is
    kept in the store, so a reopened client needs neither.
    """

    def __init__(
        self,
        store: str | Path,
        transport: str | Transport,
        *,
        token: str | None = None,
        clock: DeviceClock | None = None,
        schema_version: int = SCHEMA_VERSION,
        retry: Retry = Retry(),
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        gzip_requests: bool = True,
        id_factory: Callable[[], str] | None = None,
        synchronous: str = "FULL",
    ) -> None:
        """``synchronous``: SQLite's setting for the store's connection. ``FULL`` (the default)
        flushes every commit to disk, so a fact the app recorded survives a power cut; in a
        write-ahead-logged store ``NORMAL`` survives a crash of the app but not of the power,
        for phones that are simulated (a flush costs ≈ 5 ms a commit on a VM's disk)."""
        if synchronous not in {"OFF", "NORMAL", "FULL", "EXTRA"}:
            raise ValueError(f"synchronous: OFF, NORMAL, FULL or EXTRA, not {synchronous!r}")
        self.transport = as_transport(transport)
        self.clock: DeviceClock = clock or SystemClock()
        self.schema_version = schema_version
        self.retry = retry
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.gzip_requests = gzip_requests
        self.id_factory = id_factory or new_event_id
        self.last_server_time: int | None = None
        # What servers said they did not read, oldest first: "push: <key>", "pull: <parameter>",
        # "event <id>: <key>" (docs/protocol.md §4).
        self.ignored: list[str] = []
        # One client is one device: use it from one thread at a time (it may move between
        # threads, e.g. a test's worker thread).
        self._db = sqlite3.connect(str(store), isolation_level=None, check_same_thread=False)
        self._db.execute(f"PRAGMA synchronous={synchronous}")
        self._db.executescript(_SCHEMA)
        if token is not None:
            with self._transaction():
                self._set_meta("token", token)
                self._db.execute("DELETE FROM meta WHERE key = 'revoked'")

    # -- store helpers --

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def _set_meta(self, key: str, value: str) -> None:
        self._db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> DeviceClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- state, for the app (and tests) --

    @property
    def token(self) -> str | None:
        return self._meta("token")

    @property
    def device_id(self) -> str | None:
        return self._meta("device_id")

    @property
    def install_id(self) -> str:
        value = self._meta("install_id")
        if value is None:
            value = uuid.uuid4().hex
            with self._transaction():
                self._set_meta("install_id", value)
        return value

    @property
    def revoked(self) -> bool:
        return self._meta("revoked") == "1"

    @property
    def last_pulled_at(self) -> int | None:
        value = self._meta("last_pulled_at")
        return None if value is None else int(value)

    def records(self, table: str) -> dict[str, dict[str, Any]]:
        rows = self._db.execute("SELECT id, data FROM records WHERE tbl = ? ORDER BY id", (table,))
        return {str(i): json.loads(d) for i, d in rows}

    def record(self, table: str, record_id: str) -> dict[str, Any] | None:
        row = self._db.execute(
            "SELECT data FROM records WHERE tbl = ? AND id = ?", (table, record_id)
        ).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def outbox(self) -> list[dict[str, Any]]:
        """Events not yet confirmed by a pull, oldest first."""
        rows = self._db.execute("SELECT data FROM outbox ORDER BY seq")
        return [json.loads(d) for (d,) in rows]

    def rejected(self) -> dict[str, tuple[str, str]]:
        """Events the server refused: id → (reason, detail)."""
        rows = self._db.execute("SELECT id, reason, detail FROM rejected ORDER BY id")
        return {str(i): (str(r), str(d)) for i, r, d in rows}

    # -- recording --

    def record_event(
        self,
        kind: str,
        assignment_id: str | None = None,
        payload: Mapping[str, Any] | None = None,
        *,
        lat: float | None = None,
        lon: float | None = None,
        accuracy_m: float | None = None,
        gps_time: int | None = None,
        event_id: str | None = None,
    ) -> str:
        """Record an event now (wall clock, boot id, elapsed from the device clock) and put it
        in the outbox. Returns its id. Raises ValueError for a record the server would refuse."""
        self._check_not_revoked()
        record: dict[str, Any] = {
            "id": event_id or self.id_factory(),
            "kind": kind,
            "assignment_id": assignment_id,
            "device_time": self.clock.wall_ms(),
            "boot_id": self.clock.boot_id,
            "elapsed_ms": self.clock.elapsed_ms(),
            "lat": lat,
            "lon": lon,
            "accuracy_m": accuracy_m,
            "gps_time": gps_time,
            # WatermelonDB columns are scalar: the app keeps the payload as a JSON string.
            "payload": json.dumps(dict(payload or {}), ensure_ascii=False),
        }
        verdict = parse_event(record)
        if not isinstance(verdict, EventRecord):
            raise ValueError(f"{verdict.reason}: {verdict.detail}")
        data = json.dumps(record, ensure_ascii=False)
        with self._transaction():
            self._db.execute("INSERT INTO outbox (id, data) VALUES (?, ?)", (record["id"], data))
            self._db.execute(
                "INSERT OR REPLACE INTO records (tbl, id, data) VALUES ('events', ?, ?)",
                (record["id"], json.dumps({**record, "_status": "created"}, ensure_ascii=False)),
            )
        return str(record["id"])

    # -- enrolment --

    def enroll(self, code: str, device_info: Mapping[str, Any] | None = None) -> Enrolment:
        """Enrol with a one-time code; keeps the token and device id in the store."""
        info = {
            "platform": "python",
            "model": "reference-client",
            "app_version": "1",
            **(device_info or {}),
        }
        info.setdefault("install_id", self.install_id)
        try:
            enrolment = enroll(
                self.transport,
                code,
                info,
                clock=self.clock,
                retry=self.retry,
                sleep=self.sleep,
                token=self.token,
            )
        except DeviceRevoked:
            # The token held was revoked while this install did not hear of it: nothing is
            # enrolled over what it was told to erase (docs/protocol.md §1, *Tokens*). Erase,
            # then the same code (still unused) without a token.
            self.wipe()
            enrolment = enroll(
                self.transport, code, info, clock=self.clock, retry=self.retry, sleep=self.sleep
            )
        with self._transaction():
            self._set_meta("token", enrolment.token)
            self._set_meta("device_id", enrolment.device_id)
            self._db.execute("DELETE FROM meta WHERE key = 'revoked'")
        return enrolment

    # -- HTTP --

    def _check_not_revoked(self) -> None:
        if self.revoked:
            raise DeviceRevoked(401, "device_revoked", "this device was revoked and wiped")

    def _headers(self, *, body: bool) -> dict[str, str]:
        headers = {
            "Authorization": f"Device {self.token or ''}",
            "Accept": "application/json",
            "Accept-Encoding": "gzip",
            "X-Device-Clock": clock_header(self.clock),
        }
        if body:
            headers["Content-Type"] = "application/json"
            if self.gzip_requests:
                headers["Content-Encoding"] = "gzip"
        return headers

    def _request(self, method: str, path: str, payload: Any = None) -> Response:
        self._check_not_revoked()
        body: bytes | None = None
        if payload is not None:
            body = json.dumps(payload, ensure_ascii=False).encode()
            if self.gzip_requests:
                body = gzip.compress(body, compresslevel=6)
        response = _exchange(
            self.transport,
            method,
            path,
            lambda: self._headers(body=body is not None),
            body,
            retry=self.retry,
            sleep=self.sleep,
            rng=self.rng,
        )
        if isinstance(response.body, dict) and isinstance(response.body.get("server_time"), int):
            self.last_server_time = response.body["server_time"]
        if response.status >= 400:
            refusal = _refusal(response)
            if isinstance(refusal, DeviceRevoked):
                self.wipe()
            raise refusal
        return response

    def wipe(self) -> None:
        """Erase local case data (records, outbox, rejected, token, cursor) and stop."""
        with self._transaction():
            for table in ("records", "outbox", "rejected"):
                self._db.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
            self._db.execute("DELETE FROM meta WHERE key NOT IN ('install_id')")
            self._set_meta("revoked", "1")

    # -- pull --

    def pull(self) -> PullSummary:
        """Pull until ``has_more`` is false. Applies each page in one local transaction with
        its cursor, so an interrupted pull resumes where it stopped."""
        epoch = self._start_pull_epoch()
        pages = 0
        records = 0
        replaced = False
        while True:
            pages += 1
            if pages > MAX_PULL_PAGES:
                raise SyncError(200, "malformed", "the server never stopped answering has_more")
            cursor = self.last_pulled_at
            response = self._request(
                "GET",
                f"{API}/pull?last_pulled_at={'null' if cursor is None else cursor}"
                f"&schema_version={self.schema_version}",
            )
            body = response.body
            if not isinstance(body, dict):
                raise SyncError(response.status, "malformed", "a pull answer must be a JSON object")
            self._heard_ignored("pull", body.get("ignored"))
            records += self._apply_page(body)
            replaced = replaced or bool(replaced_tables(body))
            if not body.get("has_more"):
                break
        self._confirm_acked_before(epoch)
        return PullSummary(
            pages=pages, replaced=replaced, timestamp=self.last_pulled_at, records=records
        )

    def _start_pull_epoch(self) -> int:
        with self._transaction():
            epoch = int(self._meta("pull_epoch") or "0") + 1
            self._set_meta("pull_epoch", str(epoch))
        return epoch

    def _apply_page(self, body: Mapping[str, Any]) -> int:
        changes = body.get("changes")
        timestamp = body.get("timestamp")
        if not isinstance(changes, dict) or not isinstance(timestamp, int) or timestamp <= 0:
            raise SyncError(
                200, "malformed", "a pull answer needs changes and a positive timestamp"
            )
        upserts: list[tuple[str, str, str]] = []
        deletes: list[tuple[str, str]] = []
        for table, table_changes in changes.items():
            if not isinstance(table_changes, dict):
                raise SyncError(200, "malformed", f"changes.{table} must be an object")
            for op in ("created", "updated"):
                for record in table_changes.get(op) or []:
                    if not isinstance(record, dict) or not isinstance(record.get("id"), str):
                        raise SyncError(
                            200, "malformed", f"a record of {table} without a string id"
                        )
                    upserts.append((table, record["id"], json.dumps(record, ensure_ascii=False)))
            for record_id in table_changes.get("deleted") or []:
                deletes.append((table, str(record_id)))

        replaced = replaced_tables(body)
        with self._transaction() as db:
            if replaced:
                # Drop what the snapshot lacks of the tables it replaces, but never the
                # device's unconfirmed events.
                db.execute(
                    "CREATE TEMP TABLE IF NOT EXISTS keep "
                    "(tbl TEXT, id TEXT, PRIMARY KEY (tbl, id))"
                )
                db.execute("DELETE FROM keep")
                db.executemany(
                    "INSERT OR IGNORE INTO keep VALUES (?, ?)", [(t, i) for t, i, _ in upserts]
                )
                db.executemany(
                    "DELETE FROM records WHERE tbl = ? AND NOT EXISTS "
                    "(SELECT 1 FROM keep WHERE keep.tbl = records.tbl AND keep.id = records.id) "
                    "AND NOT (tbl = 'events' AND id IN (SELECT id FROM outbox))",
                    [(table,) for table in sorted(replaced)],
                )
            db.executemany(
                "INSERT OR REPLACE INTO records (tbl, id, data) VALUES (?, ?, ?)", upserts
            )
            db.executemany(
                "DELETE FROM records WHERE tbl = ? AND id = ? "
                "AND NOT (tbl = 'events' AND id IN (SELECT id FROM outbox))",
                deletes,
            )
            # The server has the event and shows it back: it is safe to forget our copy.
            db.executemany(
                "DELETE FROM outbox WHERE id = ?",
                [(i,) for t, i, _ in upserts if t == "events"],
            )
            self._set_meta("last_pulled_at", str(timestamp))
        return len(upserts) + len(deletes)

    def _confirm_acked_before(self, epoch: int) -> None:
        """A complete pull begun after the server acknowledged an event did not return it:
        the event is stored but outside this device's scope. Stop pushing it."""
        with self._transaction() as db:
            db.execute(
                "DELETE FROM outbox WHERE acked_epoch IS NOT NULL AND acked_epoch < ?", (epoch,)
            )

    # -- push --

    def push(self) -> list[dict[str, Any]]:
        """Push in batches every outbox event the server has not answered ``accepted`` or
        ``duplicate`` yet; returns the per-record results. An acknowledged event stays in
        the outbox until a pull returns it, but is not sent again meanwhile: the server has
        it (docs/protocol.md, *The outbox*), as WatermelonDB's app marks it synced — sent
        again, it only came back ``duplicate`` (in the history build, 1,037 of the 1,685
        events the phones pushed)."""
        entries = [
            (str(i), json.loads(d))
            for i, d in self._db.execute(
                "SELECT id, data FROM outbox WHERE acked_epoch IS NULL ORDER BY seq"
            )
        ]
        results: list[dict[str, Any]] = []
        for batch in _batches([record for _, record in entries]):
            results.extend(self._push_batch(batch))
        return results

    def _push_batch(self, batch: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        cursor = self.last_pulled_at
        # As WatermelonDB sends them: whole raw records with its bookkeeping columns.
        created = [{**record, "_status": "created", "_changed": ""} for record in batch]
        body = {
            "changes": {"events": {"created": created, "updated": [], "deleted": []}},
            "lastPulledAt": cursor,
        }
        try:
            response = self._request(
                "POST", f"{API}/push?last_pulled_at={'null' if cursor is None else cursor}", body
            )
        except TooLarge:
            if len(batch) == 1:
                raise
            middle = len(batch) // 2
            return self._push_batch(batch[:middle]) + self._push_batch(batch[middle:])
        answer = response.body if isinstance(response.body, dict) else {}
        results = answer.get("results")
        if not isinstance(results, list):
            raise SyncError(response.status, "malformed", "a push answer needs results")
        self._heard_ignored("push", answer.get("ignored"))
        for result in results:
            if isinstance(result, dict):
                self._heard_ignored(f"event {result.get('id')}", result.get("ignored"))
        self._settle(batch, [r for r in results if isinstance(r, dict)])
        return results

    def _heard_ignored(self, where: str, names: object) -> None:
        if not isinstance(names, list) or not names:
            return
        log.warning("the server did not read %s: %s", where, ", ".join(map(str, names)))
        self.ignored.extend(f"{where}: {name}" for name in names)

    def _settle(self, batch: Sequence[dict[str, Any]], results: Sequence[dict[str, Any]]) -> None:
        by_id = {str(r.get("id")): r for r in results}
        epoch = int(self._meta("pull_epoch") or "0")
        with self._transaction() as db:
            for record in batch:
                result = by_id.get(str(record["id"]))
                if result is None:
                    continue  # no verdict: push it again next time
                status = result.get("status")
                if status in ("accepted", "duplicate"):
                    db.execute(
                        "UPDATE outbox SET acked_epoch = ? WHERE id = ?", (epoch, record["id"])
                    )
                elif status == "rejected":
                    db.execute(
                        "INSERT OR REPLACE INTO rejected (id, data, reason, detail) "
                        "VALUES (?, ?, ?, ?)",
                        (
                            record["id"],
                            json.dumps(record, ensure_ascii=False),
                            str(result.get("reason", "")),
                            str(result.get("detail", "")),
                        ),
                    )
                    db.execute("DELETE FROM outbox WHERE id = ?", (record["id"],))

    # -- the whole round --

    def sync(self) -> SyncSummary:
        """Pull, push what is pending, and pull again to confirm it (WatermelonDB's order,
        plus the confirming pull)."""
        pulled = [self.pull()]
        results: list[dict[str, Any]] = []
        if self._db.execute("SELECT 1 FROM outbox LIMIT 1").fetchone() is not None:
            results = self.push()
            pulled.append(self.pull())
        return SyncSummary(pulled=pulled, results=results)


def new_event_id() -> str:
    """WatermelonDB's default id shape: 16 random characters of [A-Za-z0-9]."""
    return "".join(secrets.choice(ID_ALPHABET) for _ in range(16))


def _batches(records: Sequence[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    size = 0
    for record in records:
        record_size = len(json.dumps(record, ensure_ascii=False).encode())
        if batch and (len(batch) == MAX_PUSH_EVENTS or size + record_size > PUSH_BYTES_BUDGET):
            yield batch
            batch, size = [], 0
        batch.append(record)
        size += record_size
    if batch:
        yield batch
