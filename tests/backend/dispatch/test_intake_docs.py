"""docs/intake.md cannot rot: every example request on it is sent to Kuzet as written, in
order, on the seeded Abai oblast under the example's clock, and the answer must be the one
the page shows; the SMS it quotes is the one queued; its priority table is the policy; the
schema's examples are the page's.

An example is a ``<!-- example: name[; at: <time>][; varies: <names>] -->`` comment, then a
fenced ``http`` request (request line, headers, blank line, body) and a fenced ``http``
response (status line, headers, blank line, JSON). ``kzi_…`` stands for the channel's key;
``id``, ``number``, ``incident_id`` and ``duplicate_of`` stand for the ids the test database
gave (the first time an example's value appears it is bound to the real one); ``varies``
names the headers and body fields checked only for being there; a body ``…`` with a
``Content-Length`` is that many bytes. Some examples need a story first (a unit sent, a
second key…): ``SETUP`` does it under the example's name, through the services.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from rest_framework.test import APIClient

from backend.common import clock
from backend.dispatch import apis, policies
from backend.dispatch.models import Category, Channel, Incident, SmsMessage
from backend.dispatch.services import (
    assignment_record_on_behalf,
    incident_close,
    incident_dispatch,
    intake_key_issue,
)
from backend.geo.models import District
from backend.geo.seeding import seed_territory
from backend.people.models import Role, UnitType
from tests import factories

DOC = Path(django_settings.BASE_DIR) / "docs" / "intake.md"
KZ = dt.timezone(dt.timedelta(hours=5))
START = dt.datetime(2026, 12, 5, 9, 15, tzinfo=KZ)

_MARKER = re.compile(r"<!-- example: (?P<spec>[^>]*?) -->\s*```http\n(?P<req>.*?)```\s*```http\n"
                     r"(?P<resp>.*?)```", re.S)  # fmt: skip
_SMS = re.compile(r"<!-- example-sms: (?P<name>\S+) -->\s*```text\n\s*(?P<text>.*?)\n\s*```", re.S)
_IDS = ("id", "incident_id", "duplicate_of", "number")


@dataclasses.dataclass
class Example:
    name: str
    at: dt.datetime | None
    varies: set[str]
    method: str
    path: str
    headers: dict[str, str]
    body: str
    status: int
    response_headers: dict[str, str]
    response: Any


def _head(block: str) -> tuple[str, dict[str, str], str]:
    head, _, body = block.partition("\n\n")
    first, *lines = head.strip().splitlines()
    headers = dict(line.split(": ", 1) for line in lines)
    return first, headers, body.strip()


def examples(text: str) -> list[Example]:
    found = []
    for m in _MARKER.finditer(text):
        name, *options = [p.strip() for p in m["spec"].split(";")]
        opts = dict(o.split(": ", 1) for o in options)
        request_line, headers, body = _head(m["req"])
        method, path = request_line.split(" ")
        status_line, response_headers, response = _head(m["resp"])
        found.append(
            Example(
                name=name,
                at=dt.datetime.fromisoformat(opts["at"]) if "at" in opts else None,
                varies=set(opts.get("varies", "").split()),
                method=method,
                path=path,
                headers=headers,
                body=body,
                status=int(status_line.split(" ")[1]),
                response_headers=response_headers,
                response=json.loads(response),
            )
        )
    return found


# --- the story the examples need ---------------------------------------------------------------


@dataclasses.dataclass
class World:
    client: APIClient
    key: str
    settings: Any
    duty: Any
    unit: Any
    now: dt.datetime
    ids: dict[Any, Any] = dataclasses.field(default_factory=dict)


def _report(world: World, ref: str) -> Incident:
    return Incident.objects.get(channel="egov", external_ref=ref)


def _dispatched_there_and_closed(world: World) -> None:
    """The theft: a unit sent at 09:22, there at 09:41, closed at 10:30 with a report."""
    theft = _report(world, "egov-2026-0012345")
    with clock.frozen(dt.datetime(2026, 12, 5, 9, 22, tzinfo=KZ)):
        assignment = incident_dispatch(incident=theft, unit=world.unit, by=world.duty)
    with clock.frozen(dt.datetime(2026, 12, 5, 9, 41, tzinfo=KZ)):
        assignment_record_on_behalf(
            assignment=assignment, by=world.duty, kind="on_scene", channel="radio"
        )
    world.now = dt.datetime(2026, 12, 5, 10, 30, tzinfo=KZ)
    with clock.frozen(world.now):
        incident_close(
            incident=theft, by=world.duty, disposition="КУИ 1234", outcome_code="report_taken"
        )


def _a_dv_report_with_a_unit_on_its_way(world: World) -> None:
    """At 21:02 a domestic-violence report from the same village; a unit sent at 21:04."""
    body = {
        "external_ref": "egov-2026-0012399",
        "received_at": "2026-12-05T21:02:00+05:00",
        "category": "domestic_violence",
        "settlement_kato": "103620100",
        "landmark": "ул. Сатпаева 3, кв. 8",
        "caller": {"phone": "+77025550199"},
    }
    with clock.frozen(dt.datetime(2026, 12, 5, 21, 3, tzinfo=KZ)):
        created = world.client.post(
            "/api/v1/intake/egov/", body, format="json", HTTP_AUTHORIZATION=f"Api-Key {world.key}"
        )
        assert created.status_code == 201, created.content
    world.now = dt.datetime(2026, 12, 5, 21, 4, tzinfo=KZ)
    with clock.frozen(world.now):
        incident_dispatch(
            incident=Incident.objects.get(pk=created.json()["id"]), unit=world.unit, by=world.duty
        )


def _the_key_is_over_its_rate(world: World) -> None:
    rates = {**world.settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "intake": "1/min"}
    world.settings.REST_FRAMEWORK = {
        **world.settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": rates,
    }
    cache.clear()
    world.client.post(
        "/api/v1/intake/egov/", {}, format="json", HTTP_AUTHORIZATION=f"Api-Key {world.key}"
    )


def _the_address_sent_ten_wrong_keys(world: World) -> None:
    world.settings.REST_FRAMEWORK = {
        **world.settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"staff": "1000/min", "intake": "1000/min", "anon": "1000/min"},
    }
    world.settings.KUZET_AUTH_FAILURE_LIMIT = 10
    cache.clear()
    wrong = APIClient()
    wrong.credentials(HTTP_AUTHORIZATION="Api-Key kzi_not-a-key")
    for _ in range(10):
        assert wrong.post("/api/v1/intake/egov/", {}, format="json").status_code == 401


SETUP: dict[str, Callable[[World], None]] = {
    "status-closed": _dispatched_there_and_closed,
    "status-discreet": _a_dv_report_with_a_unit_on_its_way,
    "rate_limited": _the_key_is_over_its_rate,
    "locked_out": _the_address_sent_ten_wrong_keys,
}


# --- comparing ---------------------------------------------------------------------------------


def _bind_ids(expected: Any, actual: Any, ids: dict[Any, Any]) -> Any:
    """``expected`` with the page's ids and numbers replaced by the test database's."""
    if not (isinstance(expected, dict) and isinstance(actual, dict)):
        return expected
    bound = dict(expected)
    for name in _IDS:
        value = expected.get(name)
        if value is None or name not in actual:
            continue
        if value not in ids:
            ids[value] = actual[name]
        bound[name] = ids[value]
    return bound


def _request(world: World, example: Example) -> Any:
    headers = {
        k: v.replace("kzi_…", world.key) for k, v in example.headers.items() if k != "Content-Type"
    }
    body: str | bytes = example.body
    if body == "…":
        size = int(headers.pop("Content-Length"))
        body = b"{" + b" " * (size - 2) + b"}"
    return world.client.generic(
        example.method,
        example.path,
        body,
        content_type=example.headers.get("Content-Type", ""),
        headers=headers,
    )


@pytest.fixture
def world(db: Any, settings: Any) -> World:
    seed_territory()
    ayagoz = District.objects.get(kato="103600000")
    _, key = intake_key_issue(channel="egov", name="eGov Mobile")
    client = APIClient()  # no Authorization of its own: each example sends its headers
    duty = factories.officer(username="duty_semey1", role=Role.DUTY_OFFICER, oblast=ayagoz.oblast)
    unit = factories.unit(
        callsign="AYG-PC1",
        district=ayagoz,
        type=UnitType.PATROL_CAR,
        lat=47.955,
        lon=80.42,
        position_at=START,
    )
    settings.KUZET_SERVICE_AREA_KM = 75
    settings.KUZET_TIME_PAST_DAYS = 7
    settings.KUZET_TIME_AHEAD_SECONDS = 300
    cache.clear()
    return World(client=client, key=key, settings=settings, duty=duty, unit=unit, now=START)


def test_every_example_of_the_page_is_what_kuzet_answers(world):
    """…and the SMS it quotes is the one sent."""
    # given
    text = DOC.read_text()
    found = examples(text)
    assert len(found) >= 20
    assert set(SETUP) <= {e.name for e in found}

    for example in found:
        # when
        if example.name in SETUP:
            SETUP[example.name](world)
        with clock.frozen(example.at or world.now):
            response = _request(world, example)

        # then
        where = f"example {example.name!r}"
        assert response.status_code == example.status, (where, response.content)
        assert response["Content-Type"] == "application/json", where
        for header, value in example.response_headers.items():
            assert header in response, (where, header)
            if header not in example.varies:
                assert response[header] == value, (where, header, response[header])
        actual = response.json()
        expected = _bind_ids(example.response, actual, world.ids)
        for name in example.varies & set(expected):
            assert name in actual, (where, name)
            expected[name] = actual[name]
        assert actual == expected, where

    # then: the SMS the page quotes is the one the theft's caller was sent
    theft = _report(world, "egov-2026-0012345")
    sent = SmsMessage.objects.get(purpose="citizen_outcome", phone="+77015550101")
    quoted = {m["name"]: m["text"] for m in _SMS.finditer(text)}
    assert quoted == {"status-closed": sent.body.replace(theft.number, "1036-2026-004821")}


def test_the_priority_table_is_the_policy():
    # given
    text = DOC.read_text()
    table = text.split("<!-- priorities -->", 1)[1].strip().split("\n\n", 1)[0]
    header, _, *rows = table.splitlines()
    live_channels, app_channels = (
        re.findall(r"`(\w+)`", cell) for cell in header.strip("|").split("|")[1:]
    )

    # then: every category once, every channel once, each cell the policy
    categories = [c for row in rows for c in re.findall(r"`(\w+)`", row.split("|")[1])]
    assert sorted(categories) == sorted(Category.values)
    assert sorted(live_channels + app_channels) == sorted(Channel.values)
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        for category in re.findall(r"`(\w+)`", cells[0]):
            for channel in live_channels:
                assert policies.default_priority(channel=channel, category=category) == cells[1]
            for channel in app_channels:
                assert policies.default_priority(channel=channel, category=category) == cells[2]


def test_the_schemas_examples_are_the_pages():
    # given
    by_name = {e.name: e for e in examples(DOC.read_text())}

    # then
    assert json.loads(by_name["create"].body) == apis.INTAKE_EXAMPLE_REPORT
    assert by_name["create"].response == apis.INTAKE_EXAMPLE_CREATED
    assert by_name["status-closed"].response == apis.INTAKE_EXAMPLE_STATUS
    assert by_name["status-discreet"].response == apis.INTAKE_EXAMPLE_STATUS_DISCREET


def test_the_page_names_every_error_code_it_shows_and_readme_links_it():
    # given
    text = DOC.read_text()
    shown = {e.response.get("error") for e in examples(text)} - {None}
    table = text.split("## Errors", 1)[1].split("<!-- example", 1)[0]

    # then: each code shown is in the table, with an example of each but 5xx
    codes = [re.findall(r"`(\w+)`", m) for m in re.findall(r"^\| [45]\w\w \| ([^|]*)", table, re.M)]
    assert shown == {c for row in codes for c in row} - {"server_error"}
    readme = (Path(django_settings.BASE_DIR) / "README.md").read_text()
    assert "(docs/intake.md)" in readme
