"""A tiny in-memory model of the Kuzet sync server, for testing the reference client.

It speaks the wire protocol (enrol, pull with snapshots, continuation cursors and
pagination, push with per-record results, gzip both ways, auth and revocation) with one
audience: every device sees every record except ``hidden`` events. Faults can be queued:
``network_before`` (the request never arrives), ``drop_after`` (the server commits, the
response is lost), ``500`` and ``429``. The real server is tested in tests/backend.
"""

from __future__ import annotations

import gzip
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sync.client import TransportError
from sync.protocol import (
    MAX_PUSH_EVENTS,
    SYNCED_TABLES,
    ClockHeader,
    EventRecord,
    ProtocolError,
    content_hash,
    parse_push,
    parse_schema_version,
)
from sync.scope import PullMode, SnapshotCursor, parse_last_pulled_at, plan_pull, response_timestamp


class FakeTime:
    """True time in ms, moved by hand."""

    def __init__(self, start: int = 1_764_000_000_000) -> None:
        self.now = start

    def __call__(self) -> int:
        return self.now

    def advance(self, ms: int) -> None:
        self.now += ms


@dataclass
class Seen:
    """One request as the server received it."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    gzipped: bool


@dataclass
class FakeServer:
    time: FakeTime = field(default_factory=FakeTime)
    page_size: int = 1000
    push_limit: int = MAX_PUSH_EVENTS
    tables: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    log: list[tuple[int, str, str]] = field(default_factory=list)
    seq: int = 0
    retained_after: int = 0
    tokens: dict[str, str] = field(default_factory=dict)
    revoked: set[str] = field(default_factory=set)
    codes: dict[str, str] = field(default_factory=dict)
    hashes: dict[str, str] = field(default_factory=dict)
    hidden: set[str] = field(default_factory=set)
    reject_ids: set[str] = field(default_factory=set)
    faults: list[str] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)
    attempts: list[dict[str, str]] = field(default_factory=list)  # headers of every attempt
    clocks: list[ClockHeader] = field(default_factory=list)
    sessions: dict[int, tuple[int, list[tuple[str, str]]]] = field(default_factory=dict)
    store_count: dict[str, int] = field(default_factory=dict)

    # -- server-side writes --

    def put(self, table: str, record: dict[str, Any]) -> None:
        self.tables.setdefault(table, {})[record["id"]] = record
        self._log(table, record["id"])

    def delete(self, table: str, record_id: str) -> None:
        self.tables.get(table, {}).pop(record_id, None)
        self._log(table, record_id)

    def _log(self, table: str, record_id: str) -> None:
        self.seq += 1
        self.log.append((self.seq, table, record_id))

    def prune(self, through: int) -> None:
        self.retained_after = through
        self.log = [entry for entry in self.log if entry[0] > through]

    def issue_code(self, officer: str = "officer") -> str:
        code = secrets.token_hex(4)
        self.codes[code] = officer
        return code

    def visible(self) -> dict[str, dict[str, dict[str, Any]]]:
        """Every record a device should hold after a complete sync."""
        return {
            table: {
                i: r for i, r in records.items() if not (table == "events" and i in self.hidden)
            }
            for table, records in self.tables.items()
        }

    # -- the transport --

    def __call__(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes | None
    ) -> tuple[int, dict[str, str], bytes]:
        self.attempts.append({k.lower(): v for k, v in headers.items()})
        fault = self.faults.pop(0) if self.faults else None
        if fault == "network_before":
            raise TransportError("connection reset")
        if fault == "500":
            return self._reply(headers, 500, {"error": "server_error", "detail": "boom"})
        if fault == "429":
            status, answer, raw = self._reply(
                headers, 429, {"error": "rate_limited", "detail": "slow"}
            )
            return status, {**answer, "Retry-After": "7"}, raw
        response = self._handle(method, path, {k.lower(): v for k, v in headers.items()}, body)
        if fault == "drop_after":
            raise TransportError("response lost")
        return response

    def _handle(
        self, method: str, path: str, headers: dict[str, str], raw: bytes | None
    ) -> tuple[int, dict[str, str], bytes]:
        gzipped = headers.get("content-encoding") == "gzip"
        decoded = gzip.decompress(raw) if raw and gzipped else raw
        body = json.loads(decoded) if decoded else None
        self.seen.append(Seen(method, path, headers, body, gzipped))
        if "x-device-clock" in headers:
            self.clocks.append(ClockHeader.parse(headers["x-device-clock"]))
        url = urlsplit(path)
        query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        try:
            if url.path == "/api/sync/v1/enroll" and method == "POST":
                return self._enroll(headers, body)
            device_id = self._authenticate(headers)
            if url.path == "/api/sync/v1/pull" and method == "GET":
                return self._reply(headers, 200, self._pull(query))
            if url.path == "/api/sync/v1/push" and method == "POST":
                return self._reply(headers, 200, self._push(device_id, body))
        except ProtocolError as exc:
            return self._reply(headers, exc.status, {"error": exc.code, "detail": exc.detail})
        except _Refused as refused:
            return self._reply(headers, refused.status, refused.body)
        return self._reply(headers, 404, {"error": "not_found", "detail": path})

    def _reply(
        self, headers: Mapping[str, str], status: int, body: dict[str, Any]
    ) -> tuple[int, dict[str, str], bytes]:
        content = json.dumps({**body, "server_time": self.time()}).encode()
        answer = {"Content-Type": "application/json"}
        if "gzip" in {k.lower(): v for k, v in headers.items()}.get("accept-encoding", ""):
            content = gzip.compress(content)
            answer["Content-Encoding"] = "gzip"
        return status, answer, content

    def _authenticate(self, headers: Mapping[str, str]) -> str:
        scheme, _, token = headers.get("authorization", "").partition(" ")
        device_id = self.tokens.get(token) if scheme == "Device" else None
        if device_id is None:
            raise _Refused(401, {"error": "unauthenticated", "detail": "unknown token"})
        if device_id in self.revoked:
            raise _Refused(401, {"error": "device_revoked", "detail": "revoked", "wipe": True})
        return device_id

    def _enroll(self, headers: Mapping[str, str], body: Any) -> tuple[int, dict[str, str], bytes]:
        code = body.get("code") if isinstance(body, dict) else None
        officer = self.codes.pop(code, None) if isinstance(code, str) else None
        if officer is None:
            return self._reply(
                headers, 403, {"error": "forbidden", "detail": "unknown or used code"}
            )
        device_id = f"dev_{len(self.tokens) + 1}"
        token = secrets.token_urlsafe(16)
        self.tokens[token] = device_id
        return self._reply(
            headers,
            201,
            {
                "device_id": device_id,
                "token": token,
                "officer": {"username": officer},
                "unit": None,
            },
        )

    # -- pull --

    def _pull(self, query: Mapping[str, str]) -> dict[str, Any]:
        parse_schema_version(query.get("schema_version"))
        plan = plan_pull(
            cursor=parse_last_pulled_at(query.get("last_pulled_at")),
            head=self.seq,
            retained_after=self.retained_after,
        )
        if plan.mode is PullMode.SNAPSHOT_CONTINUE:
            assert plan.session is not None
            if plan.session.session_id in self.sessions:
                return self._snapshot_page(plan.session)
        if plan.mode is not PullMode.INCREMENTAL:
            session_id = len(self.sessions) + 1
            keys = sorted((t, i) for t, records in self.visible().items() for i in records)
            self.sessions[session_id] = (
                response_timestamp(head=self.seq, last_served=None, has_more=False),
                keys,
            )
            return self._snapshot_page(SnapshotCursor(session_id, 0))
        assert plan.since is not None
        rows = [
            entry
            for entry in self.log
            if plan.since < entry[0] <= self.seq and not self._hidden(entry[1], entry[2])
        ]
        page = rows[: self.page_size]
        has_more = len(rows) > self.page_size
        changes: dict[str, dict[str, list[Any]]] = {}
        for table, record_id in sorted({(t, i) for _, t, i in page}):
            changes.setdefault(table, {"created": [], "updated": [], "deleted": []})
            record = self.tables.get(table, {}).get(record_id)
            if record is None:
                changes[table]["deleted"].append(record_id)
            else:
                changes[table]["updated"].append(record)
        return {
            "changes": changes,
            "timestamp": response_timestamp(
                head=self.seq, last_served=page[-1][0] if page else None, has_more=has_more
            ),
            "has_more": has_more,
        }

    def _hidden(self, table: str, record_id: str) -> bool:
        return table == "events" and record_id in self.hidden

    def _snapshot_page(self, cursor: SnapshotCursor) -> dict[str, Any]:
        head, keys = self.sessions[cursor.session_id]
        chunk = keys[cursor.page * self.page_size : (cursor.page + 1) * self.page_size]
        has_more = (cursor.page + 1) * self.page_size < len(keys)
        # Every table present: a replacement applies to the tables a page names (WatermelonDB).
        changes: dict[str, dict[str, list[Any]]] = {
            table: {"created": [], "updated": [], "deleted": []} for table in SYNCED_TABLES
        }
        for table, record_id in chunk:
            record = self.tables.get(table, {}).get(record_id)
            if record is not None:
                changes.setdefault(table, {"created": [], "updated": [], "deleted": []})[
                    "updated"
                ].append(record)
        body: dict[str, Any] = {
            "changes": changes,
            "timestamp": cursor.next().encode() if has_more else head,
            "has_more": has_more,
        }
        if cursor.page == 0:
            body["experimentalStrategy"] = "replacement"
        return body

    # -- push --

    def _push(self, device_id: str, body: Any) -> dict[str, Any]:
        batch = parse_push(body)
        if len(batch.items) > self.push_limit:
            raise ProtocolError("too_large", f"at most {self.push_limit}")
        results = []
        for item in batch.items:
            verdict = item.verdict
            if not isinstance(verdict, EventRecord):
                results.append(
                    {
                        "id": item.record_id,
                        "status": "rejected",
                        "reason": verdict.reason,
                        "detail": verdict.detail,
                    }
                )
                continue
            if verdict.id in self.reject_ids:
                results.append(
                    {
                        "id": verdict.id,
                        "status": "rejected",
                        "reason": "unknown_assignment",
                        "detail": "no such assignment",
                    }
                )
                continue
            digest = content_hash(verdict)
            known = self.hashes.get(verdict.id)
            if known == digest:
                results.append({"id": verdict.id, "status": "duplicate", "disposition": "applied"})
                continue
            if known is not None:
                results.append(
                    {
                        "id": verdict.id,
                        "status": "rejected",
                        "reason": "id_reused",
                        "detail": "other content",
                    }
                )
                continue
            self.hashes[verdict.id] = digest
            self.store_count[verdict.id] = self.store_count.get(verdict.id, 0) + 1
            record = {
                **verdict.content(),
                "payload": json.dumps(dict(verdict.payload), sort_keys=True),
                "device_id": device_id,
                "disposition": "applied",
                "server_received_at": self.time(),
            }
            self.put("events", record)
            results.append({"id": verdict.id, "status": "accepted", "disposition": "applied"})
        return {"results": results}


class _Refused(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(body.get("error"))
        self.status = status
        self.body = body
