"""The sync protocol as a mobile team reads it: a client written from docs/protocol.md (and the
socket section of docs/realtime.md it links to) alone, with httpx and websockets, against
uvicorn serving the test database (PostgreSQL, Redis channel layer).

Nothing here imports the reference client (sync/client.py) or the server's protocol code: the
test is the mobile team's executable example of the wire contract. The server side of the
world (officers, calls, the duty desk's commands) is arranged with the suites' factories and
the operator's management commands, as it would be by the people at the desk.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import os
import secrets
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from django.conf import settings
from django.core.management import call_command
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from backend.common import clock
from backend.dispatch.services.assignments import incident_dispatch
from tests import factories
from tests.backend.sync_support import cancel, dispatch
from tests.e2e.processes import database_url, free_port, http_server, server_env

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]

SCHEMA_VERSION = 4  # docs/protocol.md §3: versions 1-4 are served
PAGE_SIZE = 3  # small pages and a small snapshot bound, so that every page of §3 is exercised
SNAPSHOT_MAX = 20
CONTINUATION = 2**52  # §9.8: continuation cursors are integers >= 2^52


@pytest.fixture(scope="module")
def server(django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any) -> Iterator[str]:
    """``host:port`` of uvicorn on the test database, sharing this process's channel layer."""
    with django_db_blocker.unblock():
        url = database_url()
    port = free_port()
    env = server_env(
        database=url,
        var_dir=tmp_path_factory.mktemp("var"),
        REDIS_URL=os.environ["REDIS_URL"],
        KUZET_CHANNEL_PREFIX=settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"],
        KUZET_CACHE_PREFIX=f"kuzet-docs-client-{os.getpid()}",
        KUZET_SYNC_PAGE_SIZE=str(PAGE_SIZE),
        KUZET_SYNC_SNAPSHOT_MAX=str(SNAPSHOT_MAX),
        KUZET_SYNC_RATE_PER_MINUTE="100000",
    )
    args = [
        sys.executable, "-m", "uvicorn", "backend.config.asgi:application", "--host", "127.0.0.1",
        "--port", str(port), "--lifespan", "off", "--no-access-log",
    ]  # fmt: skip
    with http_server(args, port=port, env=env, name="uvicorn") as host:
        yield host


# --- the contract as published: /api/schema/ (docs/protocol.md: "generated from the same
# column lists as the wire, so the two cannot drift"); a mobile team generates its types
# from it, so every answer below is checked against it


def _json_schema(node: Any) -> Any:
    """OpenAPI 3.0's ``nullable`` as JSON Schema's ``null`` type; and closed objects: a key
    the schema does not name is one a generated client would drop."""
    if isinstance(node, list):
        return [_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _json_schema(v) for k, v in node.items() if k != "nullable"}
    if out.get("type") == "object" and "additionalProperties" not in out:
        out["additionalProperties"] = False
    if node.get("nullable"):
        if "type" in out:
            out["type"] = [out["type"], "null"]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    return out


@pytest.fixture(scope="module")
def openapi() -> dict[str, Any]:
    from drf_spectacular.generators import SchemaGenerator

    return _json_schema(SchemaGenerator().get_schema(request=None, public=True))


def conforms(openapi: dict[str, Any], path: str, method: str, response: httpx.Response) -> None:
    """``response`` is one the published schema describes: its status, and its body."""
    from jsonschema import Draft7Validator

    responses = openapi["paths"][path][method]["responses"]
    assert str(response.status_code) in responses, (path, method, response.status_code)
    schema = responses[str(response.status_code)]["content"]["application/json"]["schema"]
    body = response.json()
    validator = Draft7Validator({**schema, "components": openapi["components"]})
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)]
    assert not errors, (path, method, response.status_code, errors[:5])


# --- the mobile client ---------------------------------------------------------------------


class Refused(Exception):
    """An error answer: §7's body ``{"error", "detail", "server_time"}``."""

    def __init__(self, response: httpx.Response) -> None:
        self.status = response.status_code
        self.body = response.json()
        super().__init__(f"{self.status} {self.body}")


class Phone:
    """One install of the app: a local database (table → id → record), an outbox of events
    not yet seen back from the server, the cursor, and the device token."""

    def __init__(self, host: str, contract: dict[str, Any]) -> None:
        self.host = host
        self.contract = contract
        self.http = httpx.Client(base_url=f"http://{host}", timeout=30)
        self.install_id = f"install-{secrets.token_hex(8)}"
        self.boot_id = f"boot-{secrets.token_hex(4)}"  # §1: 1-64 of [A-Za-z0-9._:-]
        self.booted = time.monotonic()
        self.token: str | None = None
        self.device_id: str | None = None
        self.cursor: int | None = None  # null: never pulled
        self.db: dict[str, dict[str, dict[str, Any]]] = {}
        self.outbox: dict[str, dict[str, Any]] = {}
        self.pages: list[dict[str, Any]] = []

    # -- wire helpers

    def elapsed_ms(self) -> int:
        return int((time.monotonic() - self.booted) * 1000) + 3_600_000  # up an hour

    def clock(self) -> str:
        """``X-Device-Clock: <wall_ms>;<boot_id>;<elapsed_ms>`` (§1, §6)."""
        return f"{int(time.time() * 1000)};{self.boot_id};{self.elapsed_ms()}"

    def headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Device {self.token}",
            "X-Device-Clock": self.clock(),
            "Accept-Encoding": "gzip",  # §1: then read gzip at any size (httpx does)
        }

    def checked(self, response: httpx.Response) -> httpx.Response:
        """``response``, once checked against the published schema."""
        request = response.request
        conforms(self.contract, request.url.path, request.method.lower(), response)
        return response

    def answer(self, response: httpx.Response, expected: int) -> dict[str, Any]:
        self.checked(response)
        if response.status_code != expected:
            raise Refused(response)
        body: dict[str, Any] = response.json()
        assert isinstance(body["server_time"], int)  # §1: every body has it
        return body

    # -- §1 enrolment

    def enroll(self, code: str) -> dict[str, Any]:
        body = {
            "code": code,
            "device": {
                "platform": "android",
                "model": "Samsung A15",
                "app_version": "1.0.0",
                "install_id": self.install_id,
            },
        }
        answer = self.answer(self.http.post("/api/sync/v1/enroll", json=body), 201)
        self.token, self.device_id = answer["token"], answer["device_id"]
        return answer

    # -- §3 pull

    def pull_page(self, schema_version: int = SCHEMA_VERSION, **params: Any) -> dict[str, Any]:
        query = {
            "last_pulled_at": "null" if self.cursor is None else str(self.cursor),
            "schema_version": str(schema_version),
            **params,
        }
        response = self.http.get("/api/sync/v1/pull", params=query, headers=self.headers())
        return self.answer(response, 200)

    def pull(self, schema_version: int = SCHEMA_VERSION, migration: Any = None) -> list[dict]:
        """Pull until ``has_more`` is false, applying each page as WatermelonDB would; the
        pages, in order."""
        pages = []
        params = {"migration": json.dumps(migration)} if migration is not None else {}
        while True:
            page = self.pull_page(schema_version, **params)
            self.apply(page)
            pages.append(page)
            self.cursor = page["timestamp"]
            if not page["has_more"]:
                break
            params = {}  # a migration is asked for once, on the first page
        self.pages.extend(pages)
        return pages

    def apply(self, page: dict[str, Any]) -> None:
        strategy = page.get("experimentalStrategy")
        for table, change in page["changes"].items():
            replace = strategy == "replacement" or (
                isinstance(strategy, dict)
                and strategy.get("override", {}).get(table) == "replacement"
            )
            local = self.db.setdefault(table, {})
            if replace:
                local.clear()
            for record in change["created"] + change["updated"]:
                local[record["id"]] = record
            for record_id in change["deleted"]:
                local.pop(record_id, None)
        # an event the server serves back is stored: it leaves the outbox (§9.6)
        for event_id in self.db.get("events", {}):
            self.outbox.pop(event_id, None)

    # -- §4 push

    def record(self, kind: str, assignment_id: str | None, payload: dict | None = None,
               ago_ms: int = 0, **fields: Any) -> dict[str, Any]:  # fmt: skip
        """Write an event to the outbox, offline: dated by the phone's clocks (``ago_ms``: it
        happened that long before now)."""
        event = {
            "id": secrets.token_urlsafe(16),  # 22 of [A-Za-z0-9_-]; §4 wants 16-64
            "kind": kind,
            "assignment_id": assignment_id,
            "device_time": int(time.time() * 1000) - ago_ms,
            "boot_id": self.boot_id,
            "elapsed_ms": self.elapsed_ms() - ago_ms,
            "lat": None,
            "lon": None,
            "accuracy_m": None,
            "gps_time": None,
            "payload": json.dumps(payload or {}),  # json text, as WatermelonDB stores it
            **fields,
        }
        self.outbox[event["id"]] = event
        return event

    def push_raw(self, body: Any, gzipped: bool = False) -> httpx.Response:
        content = json.dumps(body).encode()
        headers = {**self.headers(), "Content-Type": "application/json"}
        if gzipped:
            content = gzip.compress(content)
            headers["Content-Encoding"] = "gzip"
        return self.http.post("/api/sync/v1/push", content=content, headers=headers)

    def push(self, records: list[dict[str, Any]], gzipped: bool = False) -> list[dict]:
        """Push ``records`` as one batch; the results, matched to the records by position."""
        body = {
            "changes": {"events": {"created": records, "updated": [], "deleted": []}},
            "lastPulledAt": self.cursor,
        }
        results: list[dict] = self.answer(self.push_raw(body, gzipped), 200)["results"]
        assert len(results) == len(records)  # §4: exactly one result per record, in order
        return results

    # -- realtime.md: the device socket

    def socket(self) -> Any:
        return connect(
            f"ws://{self.host}/ws/sync/v1/",
            subprotocols=["kuzet.v1", f"token.{self.token}"],  # type: ignore[list-item]
            open_timeout=10,
        )


def frames(ws: Any, timeout: float = 10) -> Iterator[dict[str, Any]]:
    """Frames as they come, until ``timeout`` seconds pass without one."""
    while True:
        try:
            yield json.loads(ws.recv(timeout=timeout))
        except TimeoutError:
            return


def enrolment_code(officer: Any) -> str:
    """``manage.py enrolment_code <username> | tail -n 1`` (§1), typed as an officer might:
    lower case, without the dashes."""
    out = io.StringIO()
    call_command("enrolment_code", officer.username, stdout=out)
    return out.getvalue().strip().splitlines()[-1].replace("-", "").lower()


@pytest.fixture
def new_phone(server: str, openapi: dict[str, Any]) -> Any:
    def make(officer: Any = None) -> Phone:
        phone = Phone(server, openapi)
        if officer is not None:
            phone.enroll(enrolment_code(officer))
        return phone

    return make


def world(personas: Any, calls: int = 1, minutes_ago: int = 0) -> list[Any]:
    """A's patrol car with ``calls`` open assignments, dispatched ``minutes_ago``; units and
    villages published."""
    from backend.sync_gateway.scope import reference_reconcile

    reference_reconcile()
    a = personas.a
    return [
        dispatch(
            incident=factories.incident(district=a.district, settlement=a.village),
            unit=a.patrol,
            at=clock.now() - dt.timedelta(minutes=minutes_ago),
        )
        for _ in range(calls)
    ]


# --- the protocol, step by step ------------------------------------------------------------


def test_enrol_pull_to_the_end_push_offline_work_and_see_it_back(personas, new_phone):
    # given: two calls for A's patrol car, and a phone of one of its officers
    first, second = world(personas, calls=2, minutes_ago=30)
    officer = personas.a.patrol_officers[0]
    phone = new_phone()

    # when: it enrols (§1) and pulls from an empty cursor, page by page, to the end (§3)
    enrolment = phone.enroll(enrolment_code(officer))
    pages = phone.pull()

    # then: the enrolment answer has §1's shape, and the snapshot came in table pages
    assert enrolment["device_id"]
    assert enrolment["token"]
    assert enrolment["officer"]["username"] == officer.username
    assert enrolment["officer"]["language"] in {"kk", "ru", "en"}
    assert enrolment["unit"]["id"] == str(personas.a.patrol.pk)
    assert len(pages) > 1
    assert all(p["timestamp"] >= CONTINUATION for p in pages[:-1])
    assert 0 < pages[-1]["timestamp"] < CONTINUATION
    assert pages[0]["unit"]["callsign"] == personas.a.patrol.callsign
    assert all(isinstance(p["experimentalStrategy"], dict) for p in pages)
    assert set(phone.db["assignments"]) == {str(first.pk), str(second.pk)}
    assert phone.db["assignments"][str(first.pk)]["status"] == "dispatched"
    assert len(phone.db["codes"]) > SNAPSHOT_MAX  # a table above the bound, paged alone

    # when: offline, the crew acknowledged 25 minutes ago, drove off, arrived 10 minutes ago
    # and wrote a note; back in coverage now, the outbox goes as one gzip batch
    call, minute = str(first.pk), 60_000
    on_scene_gps = int(time.time() * 1000) - 10 * minute
    where = {"lat": 46.9501, "lon": 79.6702, "accuracy_m": 8}
    batch = [
        phone.record("ack", call, ago_ms=25 * minute),
        phone.record("en_route", call, ago_ms=24 * minute),
        phone.record("on_scene", call, ago_ms=10 * minute, **where, gps_time=on_scene_gps),
        phone.record("note", call, {"text": "Дверь закрыта, хозяин не отвечает"}, 9 * minute),
    ]
    results = phone.push(batch, gzipped=True)

    # then: each record accepted, in order, with §5's dispositions
    assert [(r["id"], r["status"], r["disposition"]) for r in results] == [
        (batch[0]["id"], "accepted", "applied"),
        (batch[1]["id"], "accepted", "applied"),
        (batch[2]["id"], "accepted", "applied"),
        (batch[3]["id"], "accepted", "recorded"),
    ]

    # when: the next pull (incremental, in pages of at most PAGE_SIZE change rows)
    phone.pull()

    # then: the events came back, so the outbox is empty; the call is on scene
    assert phone.outbox == {}
    assignment = phone.db["assignments"][call]
    assert assignment["status"] == "on_scene"
    assert isinstance(assignment["on_scene_at"], int)
    note = phone.db["events"][batch[3]["id"]]
    assert json.loads(note["payload"]) == {"text": "Дверь закрыта, хозяин не отвечает"}

    # and: each event is dated when it happened, not when it arrived (§6): from the push's
    # X-Device-Clock, an anchor of the same boot, within the stated uncertainty
    for sent in batch:
        pulled = phone.db["events"][sent["id"]]
        assert pulled["estimate_method"] == "anchor"
        assert (
            abs(pulled["estimated_at"] - sent["device_time"]) <= pulled["estimate_uncertainty_ms"]
        )
        assert pulled["clock_suspect"] is False
    assert assignment["acknowledged_at"] == phone.db["events"][batch[0]["id"]]["estimated_at"]
    assert assignment["on_scene_at"] == phone.db["events"][batch[2]["id"]]["estimated_at"]


def test_a_resend_is_a_duplicate_another_content_is_id_reused_and_a_late_milestone_a_conflict(
    personas, new_phone
):
    # given: a phone that pushed its ack; the answer was lost
    (assignment,) = world(personas)
    phone = new_phone(personas.a.patrol_officers[0])
    phone.pull()
    call = str(assignment.pk)
    ack = phone.record("ack", call)
    phone.push([ack])

    # when: it sends the ack again, then the same id with another content, in one push
    forged = {**ack, "payload": json.dumps({"text": "other"}), "kind": "note"}
    again = phone.push([ack, forged])

    # then (§4): the same content is a duplicate with its disposition now; the other id_reused
    assert again[0] == {"id": ack["id"], "status": "duplicate", "disposition": "applied"}
    assert (again[1]["status"], again[1]["reason"]) == ("rejected", "id_reused")
    assert again[1]["detail"]

    # when: the duty desk cancels the call, and the crew's "cleared", recorded later, arrives
    cancel(assignment)
    cleared = phone.record("cleared", call)
    (late,) = phone.push([cleared])

    # then (§5): stored, not applied: a conflict for the chief
    assert late == {"id": cleared["id"], "status": "accepted", "disposition": "after_cancel"}
    phone.pull()
    assert phone.db["assignments"][call]["status"] == "cancelled"
    assert phone.db["events"][cleared["id"]]["disposition"] == "after_cancel"


def test_one_bad_record_among_good_ones_and_the_error_shapes(personas, new_phone):
    # given
    (assignment,) = world(personas)
    phone = new_phone(personas.a.patrol_officers[0])
    phone.pull()
    call = str(assignment.pk)

    # when: a batch with one record of each kind of fault among good ones
    good = [phone.record("ack", call), phone.record("note", call, {"text": "на месте"})]
    short_id = {**phone.record("note", call, {"text": "x"}), "id": "short"}
    no_text = phone.record("note", call, {"text": "   "})
    no_time = {k: v for k, v in phone.record("en_route", call).items() if k != "device_time"}
    no_call = phone.record("ack", "999999999")
    batch = [good[0], short_id, no_text, no_time, no_call, good[1]]
    phone.outbox = {record["id"]: record for record in batch}  # as written, faults and all
    results = phone.push(batch)

    # then: the good ones are accepted; each bad one rejected with a reason and a detail
    assert [(r["status"], r.get("reason")) for r in results] == [
        ("accepted", None),
        ("rejected", "invalid_id"),
        ("rejected", "invalid_payload"),
        ("rejected", "invalid_field"),
        ("rejected", "unknown_assignment"),
        ("accepted", None),
    ]
    assert all(isinstance(r["detail"], str) and r["detail"] for r in results[1:5])

    # and: a rejection is final — sent again, the same answers; the app drops them (§4)
    again = phone.push([short_id, no_text, no_time, no_call])
    assert [r["reason"] for r in again] == [r["reason"] for r in results[1:5]]
    for record, result in zip(batch, results, strict=True):
        if result["status"] == "rejected":
            phone.outbox.pop(record["id"])
    phone.pull()
    assert phone.outbox == {}

    # and: errors of a whole request are {"error", "detail", "server_time"} (§7)
    def pull(**params: str) -> httpx.Response:
        return phone.http.get("/api/sync/v1/pull", params=params, headers=phone.headers())

    def clocked(clock: str) -> httpx.Response:  # X-Device-Clock wants whole numbers (§1)
        headers = {**phone.headers(), "X-Device-Clock": clock}
        return phone.http.get("/api/sync/v1/pull", params={"schema_version": "4"}, headers=headers)

    anonymous = phone.http.get("/api/sync/v1/pull", params={"schema_version": "4"})
    for response, status, error in [
        (phone.push_raw("not an object"), 400, "malformed"),
        (phone.push_raw({"no": "changes"}), 400, "malformed"),
        (phone.push_raw({"changes": {"events": {"created": [good[0]] * 501}}}), 413, "too_large"),
        (pull(last_pulled_at="yesterday", schema_version="4"), 400, "malformed"),
        (pull(schema_version="99"), 409, "schema_too_new"),
        (pull(schema_version="0"), 426, "upgrade_required"),
        (clocked(f"{time.time() * 1000};{phone.boot_id};1000.5"), 400, "malformed"),
        (anonymous, 401, "unauthenticated"),
    ]:
        body = phone.checked(response).json()
        assert (response.status_code, body["error"]) == (status, error), body
        assert isinstance(body["detail"], str)
        assert body["detail"]
        assert isinstance(body["server_time"], int)


def test_the_assignment_arrives_over_the_socket_and_a_receipt_goes_back(personas, new_phone):
    # given: a phone in sync, its socket open
    world(personas, calls=0)
    phone = new_phone(personas.a.patrol_officers[0])
    phone.pull()
    incident = factories.incident(district=personas.a.district, settlement=personas.a.village)
    with phone.socket() as ws:
        hello = json.loads(ws.recv(timeout=10))
        assert hello["type"] == "hello"

        # when: the duty desk dispatches the unit
        assignment = incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)
        frame = next(
            f
            for f in frames(ws)
            if f["type"] == "changes"
            and str(assignment.pk) in [r["id"] for r in f["changes"]["assignments"]["updated"]]
        )
        phone.apply({"changes": frame["changes"]})  # shown at once ...

        # ... and the phone answers with its receipt over the socket
        delivered = phone.record("delivered", str(assignment.pk))
        ws.send(json.dumps({"type": "event", "event": delivered, "clock": phone.clock()}))
        result = next(f for f in frames(ws) if f["type"] == "result")
        ws.send(json.dumps({"type": "ping"}))
        pong = next(f for f in frames(ws) if f["type"] == "pong")

    # then
    assert phone.db["assignments"][str(assignment.pk)]["status"] == "dispatched"
    assert result["results"] == [
        {"id": delivered["id"], "status": "accepted", "disposition": "applied"}
    ]
    assert isinstance(pong["timestamp"], int)  # read at most once a second: may lag a frame
    assert frame["timestamp"] > phone.cursor  # behind: pull
    phone.pull()
    assert phone.db["assignments"][str(assignment.pk)]["status"] == "delivered"
    assert phone.outbox == {}


def test_schema_migrations_bring_the_new_tables_and_columns(personas, new_phone):
    # given: an app on schema 2 in sync, and a DV follow-up visit owed by A's inspector
    world(personas)
    phone = new_phone(personas.a.inspector)
    phone.pull(schema_version=2)
    assert "follow_ups" not in phone.db
    dv, _subject = factories.dv_call(personas)
    follow_up = dv.follow_ups.get()

    # when: the app upgrades to schema 3 (§3: it names the table it added)
    phone.pull(schema_version=3, migration={"from": 2, "tables": ["follow_ups"], "columns": []})

    # then: the visit it owes arrives
    assert str(follow_up.pk) in phone.db["follow_ups"]

    # when: then to 4, naming the new column
    settlements_before = set(phone.db["settlements"])
    for record in phone.db["settlements"].values():
        record.pop("name_kk", None)
    phone.pull(
        schema_version=4,
        migration={
            "from": 3,
            "tables": [],
            "columns": [{"table": "settlements", "columns": ["name_kk"]}],
        },
    )

    # then: every settlement came again, with its Kazakh name
    assert set(phone.db["settlements"]) == settlements_before
    assert all(isinstance(s["name_kk"], str) for s in phone.db["settlements"].values())


def test_a_cursor_the_server_does_not_know_is_a_replacement_snapshot(personas, new_phone):
    # given: a phone in sync
    (assignment,) = world(personas)
    phone = new_phone(personas.a.patrol_officers[0])
    phone.pull()
    head = phone.cursor
    assert head is not None
    phone.db["assignments"]["stale"] = {"id": "stale"}  # something the server never sent

    for cursor in (head + 1000, 0, CONTINUATION + 12345):
        # when: the cursor is beyond the head (a restored database), 0, or a continuation
        # cursor of a snapshot that is not under way
        phone.cursor = cursor
        pages = phone.pull()

        # then (§3): a replacement snapshot, never an error; the stale record dropped
        assert pages[0]["experimentalStrategy"] is not None
        assert "stale" not in phone.db["assignments"]
        assert str(assignment.pk) in phone.db["assignments"]
        phone.db["assignments"]["stale"] = {"id": "stale"}


def test_a_revoked_phone_is_told_to_wipe(personas, new_phone):
    # given: a phone in sync with an event in its outbox, its socket open
    (assignment,) = world(personas)
    phone = new_phone(personas.a.patrol_officers[0])
    phone.pull()
    phone.record("ack", str(assignment.pk))
    with phone.socket() as ws:
        assert json.loads(ws.recv(timeout=10))["type"] == "hello"

        # when: the operator revokes it (manage.py revoke_device <device_id>)
        call_command("revoke_device", phone.device_id, stdout=io.StringIO())
        received = []
        with pytest.raises(ConnectionClosed) as closed:
            received.extend(frames(ws))

    # then: the socket says so and closes 4401; every request answers 401 device_revoked
    assert [(f["type"], f["error"], f["wipe"]) for f in received if f["type"] == "error"] == [
        ("error", "device_revoked", True)
    ]
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4401
    with pytest.raises(Refused) as pull:
        phone.pull()
    with pytest.raises(Refused) as push:
        phone.push(list(phone.outbox.values()))
    for refused in (pull.value, push.value):
        assert refused.status == 401
        assert (refused.body["error"], refused.body["wipe"]) == ("device_revoked", True)
