"""The wire types of PROTOCOL.md §2-§5: every record gets its own verdict, shapes raise."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.dispatch.lifecycle import DEVICE_EVENT_KINDS as BACKEND_KINDS
from backend.dispatch.models import OutcomeCode
from backend.people.models import UnitStatus
from sync.protocol import (
    DEVICE_EVENT_KINDS,
    MAX_PUSH_EVENTS,
    OUTCOME_CODES,
    UNIT_STATUSES,
    ClockHeader,
    EventRecord,
    Invalid,
    ProtocolError,
    content_hash,
    has_unstorable,
    json_text,
    outcome_article,
    outcome_registry,
    parse_event,
    parse_json,
    parse_push,
    parse_schema_version,
    read_up_to,
)

# Text a store can hold (no U+0000, no lone surrogate): what a valid payload carries.
storable_text = st.text(
    st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=8
)


def event(**overrides: object) -> dict[str, object]:
    record: dict[str, object] = {
        "id": "k3Jd82HsPq0aXz7M",
        "kind": "on_scene",
        "assignment_id": "42",
        "device_time": 1764057000000,
        "boot_id": "b00t-1",
        "elapsed_ms": 83211000,
        "lat": 49.2109,
        "lon": 81.216,
        "accuracy_m": 12,
        "gps_time": 1764056999000,
        "payload": {},
    }
    record.update(overrides)
    return record


def test_valid_event_parses_to_a_record():
    # given
    raw = event()

    # when
    parsed = parse_event(raw)

    # then
    assert parsed == EventRecord(
        id="k3Jd82HsPq0aXz7M",
        kind="on_scene",
        assignment_id="42",
        device_time=1764057000000,
        boot_id="b00t-1",
        elapsed_ms=83211000,
        lat=49.2109,
        lon=81.216,
        accuracy_m=12.0,
        gps_time=1764056999000,
        payload={},
    )


def test_payload_as_json_string_hashes_like_the_object():
    # given
    as_object = event(kind="note", payload={"text": "gate locked", "n": 2})
    as_string = event(kind="note", payload=json.dumps({"n": 2, "text": "gate locked"}))

    # when
    first, second = parse_event(as_object), parse_event(as_string)

    # then
    assert isinstance(first, EventRecord)
    assert isinstance(second, EventRecord)
    assert second.payload == {"text": "gate locked", "n": 2}
    assert content_hash(first) == content_hash(second)


def test_bookkeeping_and_unknown_keys_are_ignored():
    # given
    plain = event()
    decorated = event(_status="created", _changed="", future_column="x", officer_id="7")

    # when
    first, second = parse_event(plain), parse_event(decorated)

    # then
    assert isinstance(second, EventRecord)
    assert first == second
    assert content_hash(first) == content_hash(second)  # type: ignore[arg-type]


def test_empty_strings_of_optional_columns_mean_absent():
    # given
    raw = event(kind="note", assignment_id="", boot_id="", elapsed_ms=None, payload="")

    # when
    parsed = parse_event(raw)

    # then
    assert parsed == Invalid("invalid_payload", "a note needs a non-empty text", "k3Jd82HsPq0aXz7M")


def test_different_content_under_the_same_id_hashes_differently():
    # given
    first = parse_event(event())
    second = parse_event(event(device_time=1764057000001))

    # then
    assert isinstance(first, EventRecord)
    assert isinstance(second, EventRecord)
    assert content_hash(first) != content_hash(second)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (
            {"id": "short"},
            Invalid("invalid_id", "id must be 16-64 characters of [A-Za-z0-9_-]", "short"),
        ),
        (
            {"id": 12345678901234567},
            Invalid("invalid_id", "id must be 16-64 characters of [A-Za-z0-9_-]", None),
        ),
        (
            {"id": "has space in it!!"},
            Invalid(
                "invalid_id", "id must be 16-64 characters of [A-Za-z0-9_-]", "has space in it!!"
            ),
        ),
        (
            {"kind": "teleported"},
            Invalid(
                "unknown_kind",
                "kind must be one of " + ", ".join(DEVICE_EVENT_KINDS),
                "k3Jd82HsPq0aXz7M",
            ),
        ),
        (
            {"assignment_id": None},
            Invalid("invalid_field", "a on_scene event needs an assignment_id", "k3Jd82HsPq0aXz7M"),
        ),
        (
            {"device_time": None},
            Invalid("invalid_field", "device_time is required", "k3Jd82HsPq0aXz7M"),
        ),
        (
            {"device_time": -1},
            Invalid(
                "invalid_field", "device_time must be between 0 and 2**53-1", "k3Jd82HsPq0aXz7M"
            ),
        ),
        (
            {"device_time": 1.5},
            Invalid("invalid_field", "device_time must be an integer", "k3Jd82HsPq0aXz7M"),
        ),
        (
            {"device_time": True},
            Invalid("invalid_field", "device_time must be an integer", "k3Jd82HsPq0aXz7M"),
        ),
        (
            {"device_time": "1764057000000"},
            Invalid("invalid_field", "device_time must be an integer", "k3Jd82HsPq0aXz7M"),
        ),
        (
            {"elapsed_ms": None},
            Invalid("invalid_field", "boot_id and elapsed_ms come together", "k3Jd82HsPq0aXz7M"),
        ),
        (
            {"boot_id": "a;b"},
            Invalid("invalid_field", "boot_id must be 1-64 of [A-Za-z0-9._:-]", "k3Jd82HsPq0aXz7M"),
        ),
        (
            {"lat": 91.0},
            Invalid("invalid_field", "lat must be between -90 and 90", "k3Jd82HsPq0aXz7M"),
        ),
        (
            {"lon": -180.5},
            Invalid("invalid_field", "lon must be between -180 and 180", "k3Jd82HsPq0aXz7M"),
        ),
        ({"lon": None}, Invalid("invalid_field", "lat and lon come together", "k3Jd82HsPq0aXz7M")),
        (
            {"lat": float("nan")},
            Invalid("invalid_field", "lat must be between -90 and 90", "k3Jd82HsPq0aXz7M"),
        ),
        (
            {"payload": "[1, 2]"},
            Invalid("invalid_payload", "payload must be a JSON object", "k3Jd82HsPq0aXz7M"),
        ),
        (
            {"payload": "{not json"},
            Invalid("invalid_payload", "payload string is not valid JSON", "k3Jd82HsPq0aXz7M"),
        ),
        (
            {"payload": '{"x": NaN}'},
            Invalid("invalid_payload", "payload string is not valid JSON", "k3Jd82HsPq0aXz7M"),
        ),
    ],
)
def test_invalid_fields_are_rejected_with_a_reason(overrides, expected):
    # when
    verdict = parse_event(event(**overrides))

    # then
    assert verdict == expected


@pytest.mark.parametrize(
    ("overrides", "detail"),
    [
        ({"kind": "note", "payload": {"text": "  "}}, "a note needs a non-empty text"),
        ({"kind": "note", "payload": {"text": "x" * 4001}}, "a note is at most 4000 characters"),
        (
            {"kind": "outcome", "payload": {"code": "shrugged"}},
            "outcome code must be one of " + ", ".join(OUTCOME_CODES),
        ),
        (
            {"kind": "outcome", "payload": {"code": "arrest", "text": 5}},
            "outcome text is a string of at most 4000",
        ),
        (
            {"kind": "unit_status", "payload": {"status": "unreachable"}},
            "unit status must be one of " + ", ".join(UNIT_STATUSES),
        ),
        ({"kind": "note", "payload": {"text": "x" * 17000}}, "payload is larger than 16384 bytes"),
        (
            {"kind": "outcome", "payload": {"code": "arrest", "registry_number": "1234"}},
            "registry_kind must be one of kui, erdr, erap",
        ),
        (
            {"kind": "outcome", "payload": {"code": "arrest", "registry_kind": "erdr"}},
            "registry_number is 1-40 characters of [0-9A-Za-z./-], starting with a letter or digit",
        ),
        (
            {
                "kind": "outcome",
                "payload": {"code": "arrest", "registry_kind": "erdr", "registry_number": "-1 x"},
            },
            "registry_number is 1-40 characters of [0-9A-Za-z./-], starting with a letter or digit",
        ),
        (
            {"kind": "outcome", "payload": {"code": "admin_protocol", "coao_article": 73}},
            'coao_article must be an article of the CoAO such as "73", "73-1" or "461"',
        ),
        (
            {"kind": "outcome", "payload": {"code": "admin_protocol", "coao_article": "ст. 73"}},
            'coao_article must be an article of the CoAO such as "73", "73-1" or "461"',
        ),
        (
            {"kind": "outcome", "payload": {"code": "admin_protocol", "coao_article": "073"}},
            'coao_article must be an article of the CoAO such as "73", "73-1" or "461"',
        ),
        (
            {"kind": "outcome", "payload": {"code": "admin_protocol", "coao_article": "1000"}},
            'coao_article must be an article of the CoAO such as "73", "73-1" or "461"',
        ),
        (
            {"kind": "outcome", "payload": {"code": "admin_protocol", "coao_article": "73-0"}},
            'coao_article must be an article of the CoAO such as "73", "73-1" or "461"',
        ),
        (
            {"kind": "outcome", "payload": {"code": "admin_protocol", "coao_article": "73\n"}},
            'coao_article must be an article of the CoAO such as "73", "73-1" or "461"',
        ),
        (
            {"kind": "outcome", "payload": {"code": "admin_protocol", "coao_article": ["73"]}},
            'coao_article must be an article of the CoAO such as "73", "73-1" or "461"',
        ),
        *(
            (
                {"kind": "read", "payload": payload},
                "a read needs the event_id of the desk's message it was read up to",
            )
            for payload in (
                {},
                {"event_id": None},
                {"event_id": 7},
                {"event_id": ""},
                {"event_id": "srv_a b"},
                {"event_id": "x" * 65},
                {"message_id": "srv_0123456789abcdef"},
            )
        ),
    ],
)
def test_kind_specific_payload_rules(overrides, detail):
    # when
    verdict = parse_event(event(**overrides))

    # then
    assert verdict == Invalid("invalid_payload", detail, "k3Jd82HsPq0aXz7M")


def test_a_read_names_the_desks_message_on_its_assignment():
    # when: the desk's message ids are the server's (srv_…), a phone's are its own
    server = parse_event(event(kind="read", payload={"event_id": "srv_" + "0f" * 16}))
    text = parse_event(event(kind="read", payload='{"event_id":"Yk3Jd82HsPq0aXz7"}'))
    bare = parse_event(event(kind="read", assignment_id=None, payload={"event_id": "srv_1"}))

    # then
    assert isinstance(server, EventRecord)
    assert isinstance(text, EventRecord)
    assert read_up_to(server.payload) == "srv_" + "0f" * 16
    assert read_up_to(text.payload) == "Yk3Jd82HsPq0aXz7"
    assert bare == Invalid(
        "invalid_field", "a read event needs an assignment_id", "k3Jd82HsPq0aXz7M"
    )


def test_location_needs_coordinates():
    # when
    verdict = parse_event(event(kind="location", assignment_id=None, lat=None, lon=None))

    # then
    assert verdict == Invalid(
        "invalid_field", "a location event needs lat and lon", "k3Jd82HsPq0aXz7M"
    )


def test_note_and_unit_events_need_no_assignment():
    # when
    note = parse_event(event(kind="note", assignment_id=None, payload={"text": "road flooded"}))
    status = parse_event(event(kind="unit_status", assignment_id=None, payload={"status": "busy"}))
    sos = parse_event(event(kind="sos", assignment_id=None, boot_id=None, elapsed_ms=None))

    # then
    assert isinstance(note, EventRecord)
    assert isinstance(status, EventRecord)
    assert isinstance(sos, EventRecord)
    assert sos.boot_id is None


def test_outcome_may_name_a_registry_entry_and_older_payloads_stay_valid():
    # when
    with_number = parse_event(
        event(
            kind="outcome",
            payload={"code": "criminal_case", "registry_kind": "erdr", "registry_number": "261/7"},
        )
    )
    without = parse_event(event(kind="outcome", payload={"code": "warning", "text": "talked"}))

    # then
    assert isinstance(with_number, EventRecord)
    assert outcome_registry(with_number.payload) == ("erdr", "261/7")
    assert isinstance(without, EventRecord)
    assert outcome_registry(without.payload) is None


@pytest.mark.parametrize("article", ["73", "73-1", "461", "434", "9", "999-99"])
def test_outcome_may_name_a_coao_article_with_any_code(article):
    # when
    protocol = parse_event(
        event(kind="outcome", payload={"code": "admin_protocol", "coao_article": article})
    )
    warning = parse_event(
        event(kind="outcome", payload={"code": "warning", "coao_article": article})
    )

    # then
    assert isinstance(protocol, EventRecord)
    assert outcome_article(protocol.payload) == article
    assert isinstance(warning, EventRecord)
    assert outcome_article(warning.payload) == article


@pytest.mark.parametrize(
    "payload",
    [
        {"code": "admin_protocol"},
        {"code": "admin_protocol", "coao_article": None},
        {"code": "admin_protocol", "coao_article": ""},
    ],
)
def test_an_outcome_without_an_article_stays_valid_and_names_none(payload):
    # when
    verdict = parse_event(event(kind="outcome", payload=payload))

    # then
    assert isinstance(verdict, EventRecord)
    assert outcome_article(verdict.payload) == ""


def test_outcome_codes_can_be_passed_in():
    # when
    verdict = parse_event(
        event(kind="outcome", payload={"code": "mediated"}), outcome_codes=["mediated"]
    )

    # then
    assert isinstance(verdict, EventRecord)


def test_integer_assignment_id_is_read_as_its_string():
    # when
    verdict = parse_event(event(assignment_id=42))

    # then
    assert isinstance(verdict, EventRecord)
    assert verdict.assignment_id == "42"


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.text(max_size=12), children, max_size=6)
        ),
        max_leaves=30,
    )
)
def test_parse_event_never_raises(raw):
    # when
    verdict = parse_event(raw)

    # then
    assert isinstance(verdict, EventRecord | Invalid)


@given(
    st.fixed_dictionaries(
        {
            "id": st.from_regex(r"\A[A-Za-z0-9_-]{16,64}\Z"),
            "kind": st.sampled_from(["ack", "en_route", "on_scene", "cleared"]),
            "assignment_id": st.from_regex(r"\A[0-9]{1,9}\Z"),
            "device_time": st.integers(0, 2**53 - 1),
            "lat": st.floats(-90, 90),
            "lon": st.floats(-180, 180),
            "payload": st.dictionaries(
                storable_text,
                st.integers(-(2**53) + 1, 2**53 - 1) | storable_text,
                max_size=4,
            ),
        }
    )
)
def test_a_valid_record_round_trips_through_its_content(raw):
    # given
    parsed = parse_event(raw)
    assert isinstance(parsed, EventRecord)

    # when
    again = parse_event(json.loads(json.dumps(parsed.content())))

    # then
    assert again == parsed
    assert content_hash(again) == content_hash(parsed)  # type: ignore[arg-type]


def test_push_gives_every_entry_a_verdict_in_order():
    # given
    body = {
        "changes": {
            "events": {
                "created": [event(), event(id="x")],
                "updated": [event(id="Updated000000000")],
                "deleted": ["Deleted000000000"],
            },
            "assignments": {
                "created": [],
                "updated": [{"id": "42", "status": "cleared"}],
                "deleted": [],
            },
        },
        "lastPulledAt": 48213,
    }

    # when
    batch = parse_push(body)

    # then
    assert batch.last_pulled_at == 48213
    assert [(i.table, i.op, i.record_id) for i in batch.items] == [
        ("events", "created", "k3Jd82HsPq0aXz7M"),
        ("events", "created", "x"),
        ("events", "updated", "Updated000000000"),
        ("events", "deleted", "Deleted000000000"),
        ("assignments", "updated", "42"),
    ]
    assert [e.id for e in batch.events] == ["k3Jd82HsPq0aXz7M"]
    assert [(i.verdict.reason, i.verdict.detail) for i in batch.rejected] == [  # type: ignore[union-attr]
        ("invalid_id", "id must be 16-64 characters of [A-Za-z0-9_-]"),
        ("read_only", "events are immutable: a device never sends 'updated' for them"),
        ("read_only", "events are immutable: a device never sends 'deleted' for them"),
        ("read_only", "'assignments' is owned by the server; devices push events only"),
    ]
    assert batch.items[3].raw == "Deleted000000000"


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ([], "the push body must be a JSON object"),
        ({}, "the push body needs a 'changes' object"),
        ({"changes": []}, "the push body needs a 'changes' object"),
        ({"changes": {"events": []}}, "changes must map table names to change objects"),
        ({"changes": {"events": {"created": {}}}}, "changes.events.created must be a list"),
        (
            {"changes": {"events": {"created": [], "upserted": [event()]}}},
            "changes.events has 'upserted'; only created, updated and deleted are read",
        ),
        (
            {"changes": {"events": {"Created": [event()]}}},
            "changes.events has 'Created'; only created, updated and deleted are read",
        ),
        ({"changes": {}, "lastPulledAt": "yesterday"}, "lastPulledAt must be an integer or null"),
        ({"changes": {}, "lastPulledAt": -5}, "lastPulledAt must be an integer or null"),
    ],
)
def test_push_with_the_wrong_shape_is_malformed(body, detail):
    # when
    with pytest.raises(ProtocolError) as caught:
        parse_push(body)

    # then
    assert (caught.value.code, caught.value.detail, caught.value.status) == (
        "malformed",
        detail,
        400,
    )


def test_push_over_the_event_limit_is_too_large():
    # given
    body = {
        "changes": {
            "events": {"created": [event(id=f"{i:016d}") for i in range(MAX_PUSH_EVENTS + 1)]}
        }
    }

    # when
    with pytest.raises(ProtocolError) as caught:
        parse_push(body)

    # then
    assert (caught.value.code, caught.value.status) == ("too_large", 413)
    assert caught.value.detail == "501 records in one push; at most 500"


def test_push_at_the_event_limit_is_served():
    # given
    body = {
        "changes": {"events": {"created": [event(id=f"{i:016d}") for i in range(MAX_PUSH_EVENTS)]}}
    }

    # when
    batch = parse_push(body)

    # then
    assert len(batch.events) == MAX_PUSH_EVENTS


def test_missing_change_lists_are_empty():
    # when
    batch = parse_push({"changes": {"events": {"created": [event()]}}})

    # then
    assert len(batch.items) == 1
    assert batch.last_pulled_at is None


def test_clock_header_parses():
    # when
    clock = ClockHeader.parse("1764057600000;3f2a-9c;83211000")

    # then
    assert clock == ClockHeader(wall_ms=1764057600000, boot_id="3f2a-9c", elapsed_ms=83211000)
    assert clock.render() == "1764057600000;3f2a-9c;83211000"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "1;2",
        "a;boot;3",
        "1;boot;-3",
        "1;;3",
        "1;bo ot;3",
        "1;boot;3;4",
        "99999999999999999;b;1",
    ],
)
def test_malformed_clock_header_is_refused(text):
    # when
    with pytest.raises(ProtocolError) as caught:
        ClockHeader.parse(text)

    # then
    assert caught.value.code == "malformed"


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("9007199254740992;b;1", "X-Device-Clock: wall_ms is out of range"),
        ("1;b;9999999999999999", "X-Device-Clock: elapsed_ms is out of range"),
        ("1;b;1.5", "X-Device-Clock: elapsed_ms must be a non-negative integer"),
    ],
)
def test_clock_header_numbers_end_at_2_53_as_docs_protocol_says(text, detail):
    # given: docs/protocol.md §1 said "at most 16 decimal digits"; 16 digits go past 2^53 - 1
    doc = (Path(__file__).resolve().parents[2] / "docs" / "protocol.md").read_text()

    # when
    with pytest.raises(ProtocolError) as caught:
        ClockHeader.parse(text)
    edge = ClockHeader.parse("9007199254740991;b;9007199254740991")

    # then
    assert (caught.value.code, caught.value.detail) == ("malformed", detail)
    assert edge.wall_ms == edge.elapsed_ms == 2**53 - 1
    assert "from 0 to 2^53−1 (9007199254740991)" in doc


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (None, "malformed"),
        ("", "malformed"),
        ("one", "malformed"),
        ("0", "upgrade_required"),
        ("5", "schema_too_new"),
    ],
)
def test_unserved_schema_versions_are_refused(text, code):
    # when
    with pytest.raises(ProtocolError) as caught:
        parse_schema_version(text)

    # then
    assert caught.value.code == code


def test_current_schema_version_is_served():
    # when
    version = parse_schema_version("1")

    # then
    assert version == 1


def test_constants_mirror_the_backend_choices():
    # then
    assert list(OUTCOME_CODES) == OutcomeCode.values
    assert list(UNIT_STATUSES) == UnitStatus.values
    assert DEVICE_EVENT_KINDS == BACKEND_KINDS


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),  # any code point: NUL and lone surrogates included
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(json_values)
def test_json_text_is_storable_and_parses_back_to_the_same_value(value):
    # when
    text = json_text(value)

    # then
    assert not has_unstorable(text)
    text.encode()  # valid UTF-8
    assert parse_json(text) == value


def test_json_text_renders_any_depth_and_keeps_readable_text_readable():
    # given
    deep: object = "Дверь\x00"
    for _ in range(5000):
        deep = [deep]

    # when
    text = json_text(deep)

    # then
    assert text == "[" * 5000 + '"Дверь\\u0000"' + "]" * 5000


def test_parse_json_keeps_huge_numbers_and_lone_surrogates_and_refuses_nan():
    # when
    value = parse_json(b'{"a": "\\ud800", "b": 123456789012345678901234567890, "c": 1e400}')

    # then
    assert value["a"] == "\ud800"
    assert value["b"] == 123456789012345678901234567890
    assert str(value["c"]) == "1E+400"
    assert json_text(value) == '{"a":"\\ud800","b":123456789012345678901234567890,"c":1E+400}'
    for bad in (b'{"a": NaN}', b"[1,", b"\xff", b"[" * 100_000):
        with pytest.raises(ProtocolError) as refused:
            parse_json(bad)
        assert refused.value.code == "malformed"


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ({"text": "a\x00b"}, "invalid_text"),
        ({"text": "\udfff"}, "invalid_text"),
        ({"te\x00xt": "a"}, "invalid_text"),
        ('{"text": "\\u0000"}', "invalid_text"),
        ({"text": "a", "n": [[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]}, "invalid_payload"),
        ({"text": "a", "n": 10**400}, "invalid_payload"),
    ],
)
def test_payload_a_store_cannot_hold_is_its_records_rejection(payload, reason):
    # when
    verdict = parse_event(event(kind="note", payload=payload))

    # then
    assert isinstance(verdict, Invalid)
    assert verdict.reason == reason
