"""A phone's answers carry a Content-Security-Policy of their own: the JSON is read by the
app and never rendered, so the console's policy (script, style, image and worker sources,
266 characters) only cost bytes on every answer — four a sync over a 64 kbit/s link. What a
policy does for JSON opened in a browser stays: nothing in it loads or runs, no page frames it.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.backend.sync_support import SyncApi

DEVICE_POLICY = {"default-src": "'none'", "frame-ancestors": "'none'"}


def policy(response: Any) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return dict(directive.split(" ", 1) for directive in header.split("; "))


def answers(phone: SyncApi) -> dict[str, Any]:
    first = phone.pull_raw(None)
    phone.cursor = first.json()["timestamp"]
    return {
        "full pull": first,
        "pull with nothing new": phone.pull_raw(phone.cursor),
        "push": phone.push_raw(
            {"changes": {"events": {"created": [], "updated": [], "deleted": []}}}
        ),
        "refused push": phone.push_raw(b"{not json"),
        "pull without a token": phone.client.get(
            "/api/sync/v1/pull", {"last_pulled_at": "null", "schema_version": 1}
        ),
        "web push key": phone.client.get("/api/sync/v1/webpush", **phone.headers()),
        "refused enrolment": phone.client.post(
            "/api/sync/v1/enroll", b"{}", content_type="application/json"
        ),
    }


def test_every_answer_to_a_phone_carries_the_short_policy(device_a1: SyncApi) -> None:
    # when
    got = {name: policy(response) for name, response in answers(device_a1).items()}

    # then
    assert got == dict.fromkeys(got, DEVICE_POLICY)


def test_the_answers_still_say_what_they_said(device_a1: SyncApi) -> None:
    # when
    got = {name: response.status_code for name, response in answers(device_a1).items()}

    # then
    assert got == {
        "full pull": 200,
        "pull with nothing new": 200,
        "push": 200,
        "refused push": 400,
        "pull without a token": 401,
        "web push key": 200,
        "refused enrolment": 400,
    }


@pytest.mark.parametrize("path", ["/admin/login/", "/api/v1/incidents/1/"])
def test_pages_and_the_staff_api_keep_the_consoles_policy(db: Any, path: str) -> None:
    # when
    directives = policy(Client().get(path))

    # then
    assert directives["default-src"] == "'self'"
    assert directives["script-src"].startswith("'self'")
