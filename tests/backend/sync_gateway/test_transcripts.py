"""Recorded sync transcripts (fixtures/transcripts/*.json) replayed against the server.

Each transcript is a list of steps: an HTTP exchange recorded from this test (request
template + the response the server gave) or a server-side action between exchanges. The
replay sends the stored requests — exactly as a deployed app sent them, with placeholders
for what differs per run (the enrolment code, the token, the cursor, the assignment id) — and
compares each response with the stored one: the status, every key, every value's type,
and the values that carry meaning (statuses, dispositions, reasons, error codes, kinds). A
renamed column, a changed type or a new status breaks it: that is the point.

Re-record after an intended change with ``KUZET_RECORD_TRANSCRIPTS=1`` (and say so in
docs/protocol.md: deployed apps see the difference).
"""

from __future__ import annotations

import datetime as dt
import gzip
import itertools
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from backend.common import clock
from backend.devices.services import enrolment_code_issue
from backend.dispatch.services import assignment_message
from tests.factories import dv_call

from .conftest import cancel, dispatch

TRANSCRIPTS = Path(__file__).resolve().parents[3] / "fixtures" / "transcripts"
RECORD = os.environ.get("KUZET_RECORD_TRANSCRIPTS") == "1"
T0 = dt.datetime(2026, 11, 20, 6, 0, tzinfo=dt.UTC)

# Values kept as they are when comparing: they are the protocol's vocabulary.
MEANINGFUL = {
    "status", "disposition", "reason", "error", "kind", "experimentalStrategy", "estimate_method",
    "source", "has_more", "wipe", "clock_suspect", "coords_estimated", "priority", "channel",
    "detail",
}  # fmt: skip


def shape(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: shape(v, k) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return sorted({json.dumps(shape(v), sort_keys=True) for v in value})
    if key in MEANINGFUL or isinstance(value, bool) or value is None:
        return value
    return type(value).__name__


def fill(template: Any, values: dict[str, str]) -> Any:
    text = json.dumps(template)
    for name, value in values.items():
        text = text.replace("{{" + name + "}}", value)
    return json.loads(text)


def load(name: str) -> dict[str, Any]:
    return json.loads((TRANSCRIPTS / f"{name}.json").read_text())


def send(client: Any, request: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
    headers = {
        f"HTTP_{k.upper().replace('-', '_')}": v for k, v in request.get("headers", {}).items()
    }
    body = request.get("body")
    if "body_repeat" in request:  # N copies of one record, numbered: {n} in its id
        repeat = request["body_repeat"]
        records = [
            {**repeat["record"], "id": repeat["record"]["id"].format(n=n)}
            for n in range(repeat["count"])
        ]
        body = {"changes": {"events": {"created": records}}}
    raw = b"" if body is None else json.dumps(body, ensure_ascii=False).encode()
    if request.get("gzip"):
        raw = gzip.compress(raw)
        headers["HTTP_CONTENT_ENCODING"] = "gzip"
    response = client.generic(
        request["method"], request["path"], raw, content_type="application/json", **headers
    )
    content = response.content
    if response.get("Content-Encoding") == "gzip":
        content = gzip.decompress(content)
    kept = {h: response[h] for h in ("Retry-After",) if response.has_header(h)}
    return response.status_code, kept, json.loads(content) if content else None


def replay(name: str, client: Any, actions: dict[str, Any], values: dict[str, str]) -> None:
    transcript = load(name)
    recorded_steps = []
    for step in transcript["steps"]:
        if "server" in step:
            actions[step["server"]](values)
            recorded_steps.append(step)
            continue
        request = fill(step["request"], values)
        status, headers, body = send(client, request)
        if isinstance(body, dict):
            if "token" in body:
                values["token"] = body["token"]
            if "timestamp" in body:
                values["cursor"] = str(body["timestamp"])
        recorded_steps.append(
            {
                "note": step.get("note", ""),
                "request": step["request"],
                "response": {"status": status, "headers": headers, "body": body},
            }
        )
        if not RECORD:
            expected = step["response"]
            assert status == expected["status"], (step.get("note"), body)
            assert headers.keys() == expected.get("headers", {}).keys()
            assert shape(body) == shape(expected["body"]), step.get("note")
    if RECORD:
        transcript["steps"] = recorded_steps
        (TRANSCRIPTS / f"{name}.json").write_text(
            json.dumps(transcript, indent=1, ensure_ascii=False) + "\n"
        )


@pytest.fixture
def morning(personas):
    """Six in the morning, in district A — its places with their Kazakh names, as a
    deployment's fixtures give them (schema version 4)."""
    for place, kazakh in ((personas.a.town, "Аягөз"), (personas.a.village, "Ақтоғай")):
        place.name_kk = kazakh
        place.save(update_fields=["name_kk"])
    with clock.frozen(T0):
        yield


@pytest.mark.django_db
def test_a_devices_day_replays_unchanged(personas, incident_a, client, morning, settings):
    # given: a theft dispatched to A's patrol car a minute ago
    settings.KUZET_SYNC_RATE_PER_MINUTE = 0
    assignment = dispatch(
        incident=incident_a, unit=personas.a.patrol, at=T0 - dt.timedelta(minutes=1)
    )
    values = {
        "code": enrolment_code_issue(officer=personas.a.patrol_officers[0]),
        "assignment": str(assignment.pk),
    }

    def later(minutes: int) -> Any:
        return lambda _values: clock.advance(dt.timedelta(minutes=minutes))

    actions = {
        "ten_minutes_pass": later(10),
        "duty_officer_cancels": lambda _v: cancel(assignment, by=personas.duty),
    }

    # when / then
    replay("device_day", client, actions, values)


@pytest.mark.django_db
def test_error_answers_replay_unchanged(personas, client, morning, settings):
    # given
    settings.KUZET_SYNC_RATE_PER_MINUTE = 4
    values = {"code": enrolment_code_issue(officer=personas.a.patrol_officers[0])}

    def revoke(_values: dict[str, str]) -> None:
        from backend.devices.models import Device
        from backend.devices.services import device_revoke

        device = Device.objects.get(officer=personas.a.patrol_officers[0])
        device_revoke(device=device, by=personas.a.chief, reason="phone lost")

    def next_minute(_values: dict[str, str]) -> None:
        clock.advance(dt.timedelta(minutes=1))

    # when / then
    replay("errors", client, {"device_revoked": revoke, "next_minute": next_minute}, values)


@pytest.mark.django_db
def test_an_inspectors_visit_replays_unchanged(personas, client, morning, settings):
    # given: a DV call from A's village a day ago; A's inspector owes its visit
    settings.KUZET_SYNC_RATE_PER_MINUTE = 0
    with clock.frozen(T0 - dt.timedelta(days=1)):
        incident, _subject = dv_call(personas)
    values = {
        "code": enrolment_code_issue(officer=personas.a.inspector),
        "follow_up": str(incident.follow_ups.get().pk),
    }
    actions = {"six_hours_pass": lambda _values: clock.advance(dt.timedelta(hours=6))}

    # when / then
    replay("inspector_visit", client, actions, values)


@pytest.mark.django_db
def test_a_read_receipt_for_the_desks_message_replays_unchanged(
    personas, incident_a, client, morning, settings
):
    # given: A's patrol car on a theft, dispatched a minute ago
    settings.KUZET_SYNC_RATE_PER_MINUTE = 0
    assignment = dispatch(
        incident=incident_a, unit=personas.a.patrol, at=T0 - dt.timedelta(minutes=1)
    )
    values = {
        "code": enrolment_code_issue(officer=personas.a.patrol_officers[0]),
        "assignment": str(assignment.pk),
    }

    def duty_officer_writes(values: dict[str, str]) -> None:
        clock.advance(dt.timedelta(minutes=2))
        sent = assignment_message(
            assignment=assignment, by=personas.duty, text="Заявитель перезвонил: у него нож"
        )
        values["message"] = sent.pk

    actions = {
        "duty_officer_writes": duty_officer_writes,
        "ten_minutes_pass": lambda _values: clock.advance(dt.timedelta(minutes=10)),
    }

    # when / then
    replay("desk_message_read", client, actions, values)


def test_the_protocol_docs_error_transcript_is_the_recorded_one():
    """docs/protocol.md §8 quotes errors.json: a client team copies those details into its
    tests, so each status, error code and detail there is the one the server answered."""
    # given
    doc = (Path(__file__).resolve().parents[3] / "docs" / "protocol.md").read_text()
    block = doc.split("Errors (`errors.json`")[1].split("```")[1]
    recorded = [
        step["response"]
        for step in json.loads((TRANSCRIPTS / "errors.json").read_text())["steps"]
        if isinstance(step, dict) and "response" in step
    ]
    answers = {
        (r["status"], r["body"].get("error"), r["body"].get("detail"))
        for r in recorded
        if isinstance(r["body"], dict) and "error" in r["body"]
    }

    # when
    quoted = [
        (int(m[1]), m[2], None if m[3] is None else json.loads(f'"{m[3]}"'))
        for m in re.finditer(
            r'→ (\d{3})(?: Retry-After: \d+)? \{"error": "(\w+)"'
            r'(?:, "detail": "((?:[^"\\]|\\.)*)")?',
            block,
        )
    ]

    # then
    assert len(quoted) == block.count("→") == 8
    missing = [
        q for q in quoted if not any(q[:2] == a[:2] and q[2] in (None, a[2]) for a in answers)
    ]
    assert missing == []


# --- docs/protocol.md §8's example transcripts, held to the recordings they were cut from: a
# mobile team writes its client (and its tests) from these lines, so every request line,
# status, cursor, record value, result and "… N more" count shown there is the recorded one.
# The replays above hold the recordings to the server; this holds the doc to the recordings.

REQUEST_LINE = re.compile(r"^(GET|POST) (/api/sync/v1/\S+)", re.M)
PAIR = re.compile(r'"(\w+)": ("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?|true|false|null)')
RANDOM_PER_RECORDING = {"device_id", "token"}  # the doc shows one recording's values


def doc_transcript(name: str) -> str:
    doc = (Path(__file__).resolve().parents[3] / "docs" / "protocol.md").read_text()
    section = doc.split("## 8. Example transcripts")[1].split("\n## ")[0]
    return section.split(f"(`{name}.json`")[1].split("```")[1]


def exchanges(name: str) -> list[tuple[str, str, int, Any, Any]]:
    """The recorded (method, path with its cursor filled in, status, request body, answer)."""
    cursor = ""
    out = []
    for step in load(name)["steps"]:
        if "request" not in step:
            continue
        request, response = step["request"], step["response"]
        path = request["path"].replace("{{cursor}}", cursor)
        out.append(
            (request["method"], path, response["status"], request.get("body"), response["body"])
        )
        if isinstance(response["body"], dict) and "timestamp" in response["body"]:
            cursor = str(response["body"]["timestamp"])
    return out


def fragment_at(text: str, start: int) -> str:
    """The JSON object written at ``text[start]`` (``{``), to its closing brace."""
    depth, i = 0, start
    while i < len(text):
        if text[i] == '"':
            i += 1
            while text[i] != '"':
                i += 2 if text[i] == "\\" else 1
        elif text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return text[start : i + 1]
        i += 1
    return text[start:]


def records_by_id(value: Any, out: dict[str, list[dict[str, Any]]]) -> dict[str, list[Any]]:
    if isinstance(value, dict):
        if "id" in value:
            out.setdefault(str(value["id"]), []).append(value)
        for item in value.values():
            records_by_id(item, out)
    elif isinstance(value, list):
        for item in value:
            records_by_id(item, out)
    return out


def same(shown: Any, recorded: Any) -> bool:
    if isinstance(recorded, str) and "{{" in recorded:  # a value filled in per run
        pattern = ".+".join(re.escape(part) for part in re.split(r"\{\{\w+\}\}", recorded))
        return isinstance(shown, str) and re.fullmatch(pattern, shown) is not None
    return bool(shown == recorded)


def shown_and_recorded(text: str, recorded: Any) -> list[tuple[str, Any, Any]]:
    """Each ``"key": value`` of each record the doc shows, beside the recorded value of that key
    in the recorded record with its id (a ``{{placeholder}}`` matches anything)."""
    found = records_by_id(recorded, {})
    differ = []
    for match in re.finditer(r'\{"id": "', text):
        fragment = re.sub(r"\n\s*", " ", fragment_at(text, match.start()))
        shown = [(k, json.loads(v)) for k, v in PAIR.findall(fragment)]
        record_id = shown[0][1]
        best = None
        for candidate in found.get(record_id, [{}]):
            wrong = [
                (f"{record_id}.{k}", v, candidate.get(k, "<absent>"))
                for k, v in shown
                if k not in RANDOM_PER_RECORDING and not same(v, candidate.get(k, "<absent>"))
            ]
            best = wrong if best is None or len(wrong) < len(best) else best
        differ.extend(best or [])
    return differ


@pytest.mark.parametrize("name", ["device_day", "inspector_visit", "desk_message_read"])
def test_the_protocol_docs_example_transcripts_are_the_recorded_ones(name):
    # given
    text = doc_transcript(name)
    recorded = exchanges(name)
    starts = [m.start() for m in REQUEST_LINE.finditer(text)] + [len(text)]

    # when: each exchange the doc shows, beside the next recorded one of its request line
    differ: list[Any] = []
    shown = 0
    for start, end in itertools.pairwise(starts):
        method, path = REQUEST_LINE.match(text, start).groups()  # type: ignore[union-attr]
        asked, answered = text[start:end].split("→", 1)
        # a push's line may leave out its query, which is not read (§9.14)
        while recorded and not (
            recorded[0][0] == method and path in (recorded[0][1], recorded[0][1].split("?")[0])
        ):
            recorded.pop(0)
        assert recorded, f"{method} {path}: no such request recorded after the previous one"
        _, _, status, body, answer = recorded.pop(0)
        shown += 1
        if int(answered.split()[0]) != status:
            differ.append((path, "status", int(answered.split()[0]), status))
        differ += [(path, *d) for d in shown_and_recorded(asked, body)]
        differ += [(path, *d) for d in shown_and_recorded(answered, answer)]
        for value in re.findall(r'"timestamp": (\d+)', answered):
            if int(value) != answer["timestamp"]:
                differ.append((path, "timestamp", int(value), answer["timestamp"]))
        for table, listed, more in re.findall(
            r'"(\w+)": \{(?:"created": \[\], )?"updated": \[((?:(?!"updated": ).)*?)… (\d+) more\]',
            answered,
            re.S,
        ):
            count = len(answer["changes"][table]["updated"])
            if listed.count('{"id": ') + int(more) != count:
                differ.append(
                    (path, f"{table}: shown + … more", listed.count('{"id": ') + int(more), count)
                )

    # then
    assert shown == len(starts) - 1 >= 3
    assert differ == []
