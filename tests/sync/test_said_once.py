"""A key named twice in a body read whole (``sync.protocol.said_once``) is named by its path
from the body's root, as a push's envelope names it ("the push body has the key
'changes.events.created' more than once"): "the body has the key 'caller.phone' …", a list's
item by its index. It named the object holding the key without where that object was ("caller
has the key 'phone'", which the APIs' sentence made "Caller has the key 'phone'."), and an item
of a list as the list itself ("units has the key 'id'": no object of that name has a key)."""

from __future__ import annotations

import pytest

from sync.protocol import ProtocolError, parse_json, parse_push, said_once


def refusal(text: str, what: str = "the body") -> str:
    with pytest.raises(ProtocolError) as raised:
        said_once(parse_json(text.encode()), what)
    assert raised.value.code == "malformed"
    return raised.value.detail


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        pytest.param(
            '{"category": "noise", "category": "theft"}',
            "the body has the key 'category' more than once",
            id="root",
        ),
        pytest.param(
            '{"caller": {"name": "A", "phone": "1", "phone": "2"}}',
            "the body has the key 'caller.phone' more than once",
            id="nested",
        ),
        pytest.param(
            '{"caller": {"address": {"house": "1", "house": "2"}}}',
            "the body has the key 'caller.address.house' more than once",
            id="nested-twice",
        ),
        pytest.param(
            '{"units": [{"id": 1}, {"id": 2, "id": 3}]}',
            "the body has the key 'units[1].id' more than once",
            id="list-item",
        ),
        pytest.param(
            '{"a": [[{"k": 1}], [{"k": 1, "k": 2}]]}',
            "the body has the key 'a[1][0].k' more than once",
            id="list-in-a-list",
        ),
        pytest.param(
            '[{"k": 1}, {"k": 1, "k": 2}]',
            "the body has the key '[1].k' more than once",
            id="root-list",
        ),
    ],
)
def test_a_key_named_twice_is_named_by_its_path_from_the_root(text, detail):
    assert refusal(text) == detail


def test_the_sentence_of_a_nested_key_leads_with_the_body_not_a_capitalised_key():
    # (the staff and intake APIs, the board and the SMS callback answer with the sentence)
    with pytest.raises(ProtocolError) as raised:
        said_once(parse_json(b'{"caller": {"phone": "1", "phone": "2"}}'), "the body")
    assert raised.value.sentence == "The body has the key 'caller.phone' more than once."


def test_the_outermost_key_named_twice_is_named_then_the_first_in_the_bodys_order():
    text = '{"a": {"x": 1, "x": 2}, "b": [{"y": 1, "y": 2}], "c": 1, "c": 2}'
    # the root's own repeated key first (it is the outermost), then a before b
    assert refusal(text) == "the body has the key 'c' more than once"
    assert refusal('{"a": {"x": 1, "x": 2}, "b": [{"y": 1, "y": 2}]}') == (
        "the body has the key 'a.x' more than once"
    )


def test_a_very_deep_path_is_cut_to_its_end():
    text = '{"k": ' * 200 + '{"z": 1, "z": 2}' + "}" * 200
    detail = refusal(text)
    assert detail.endswith(".k.k.z' more than once")
    assert len(detail) < 300


def test_a_body_said_once_is_returned_as_it_is():
    value = parse_json(b'{"caller": {"phone": "1"}, "units": [{"id": 1}, {"id": 2}]}')
    assert said_once(value, "the body") is value


def test_a_push_envelope_is_worded_alike():
    with pytest.raises(ProtocolError) as raised:
        parse_push(parse_json(b'{"changes": {"events": {"created": [], "created": []}}}'))
    assert raised.value.detail == (
        "the push body has the key 'changes.events.created' more than once"
    )
