"""The simulator's desk counts the crews it raised by radio: a check the crew's own word had
answered meanwhile (the API's 200 with ``already_answered``) is not one of them."""

from __future__ import annotations

import json

import httpx

from backend.simulator.world import Api, Stats


def api_answering(body: dict[str, object]) -> Api:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/api/v1/safety-checks/7/ok/"
        return httpx.Response(200, content=json.dumps(body).encode())

    client = httpx.Client(transport=httpx.MockTransport(handler), base_url="http://kuzet.test")
    return Api(client, staff_token="t", intake_keys={}, sms_secret="s", stats=Stats())


def test_a_check_answered_meanwhile_is_not_counted_as_raised_by_the_desk():
    api = api_answering({"id": 7, "already_answered": True, "word_kind": "note"})

    assert api.safety_ok(7) is None
    assert not api.stats.errors


def test_a_check_the_desk_answered_is_its_answer():
    api = api_answering({"id": 7, "already_answered": False})

    assert api.safety_ok(7) == {"id": 7, "already_answered": False}
