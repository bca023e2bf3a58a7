"""The live demo's calls are exercise calls when its clock is compressed (``--scale`` not 1),
or when told (``--exercise/--no-exercise``): a call answered in 30 s by the server's clock is
no response time of Ayagoz's. The history, built at scale 1 under the project clock, is the
real past (tests/backend/simulator/test_history.py; the whole stack at scale 60:
tests/e2e/simulator/test_live_simulation.py)."""

from __future__ import annotations

import io
import json
from typing import Any

import httpx
import pytest
from django.core.management import call_command

from backend.dispatch.models import Channel
from backend.dispatch.services import intake_key_authenticate
from backend.simulator import provision
from backend.simulator.management.commands import simulate
from backend.simulator.world import Api, Stats

from .test_command_language import StubPort, stub_world


@pytest.fixture
def told(monkeypatch: Any) -> list[bool]:
    """``manage.py simulate`` against a stub port and world; what it asked the world for."""
    asked: list[bool] = []

    def world(**kw: Any) -> Any:
        asked.append(kw["exercise"])
        return stub_world(kw["stats"], recorded=set())

    monkeypatch.setattr(simulate, "LivePort", StubPort)
    monkeypatch.setattr(simulate, "build_world", world)
    monkeypatch.setattr(simulate.Command, "_wait_for", lambda self, url, seconds: None)
    return asked


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("options", "exercise"),
    [
        ({"scale": 30}, True),  # make run's ×30
        ({"scale": 1}, False),
        ({"scale": 30, "exercise": False}, False),
        ({"scale": 1, "exercise": True}, True),
    ],
)
def test_the_live_run_is_an_exercise_at_a_compressed_scale_unless_told(
    told, tmp_path, options, exercise
):
    # when
    call_command(
        "simulate", url="http://kuzet.test", duration=1, seed=7, state_dir=tmp_path,
        stdout=io.StringIO(), **options,
    )  # fmt: skip

    # then
    assert told == [exercise]


def test_the_command_line_says_exercise_or_not():
    # when
    parser = simulate.Command().create_parser("manage.py", "simulate")

    # then
    assert parser.parse_args(["--scale", "30"]).exercise is None  # the scale decides
    assert parser.parse_args(["--no-exercise"]).exercise is False
    assert parser.parse_args(["--exercise"]).exercise is True


@pytest.mark.django_db
def test_the_exercise_keys_are_kept_apart_from_the_histories(tmp_path):
    # when
    real = provision.intake_keys(tmp_path)
    drill = provision.intake_keys(tmp_path, exercise=True)
    again = provision.intake_keys(tmp_path, exercise=True), provision.intake_keys(tmp_path)

    # then: one key per channel of each kind, kept for the next start
    assert set(real) == set(drill) == set(Channel.values)
    assert {intake_key_authenticate(k).exercise for k in real.values()} == {False}
    assert {intake_key_authenticate(k).exercise for k in drill.values()} == {True}
    assert again == (drill, real)
    stored = json.loads((tmp_path / "credentials.json").read_text())
    assert (stored["intake"], stored["intake_exercise"]) == (real, drill)


@pytest.mark.parametrize("exercise", [True, False])
def test_the_desks_calls_of_an_exercise_world_say_so(exercise):
    # given: the staff API as the world's desk uses it
    sent: list[dict[str, Any]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        return httpx.Response(201, json={"id": 1, "status": "queued"})

    http = httpx.Client(base_url="http://kuzet.test", transport=httpx.MockTransport(answer))
    api = Api(
        http, staff_token="t", intake_keys={}, sms_secret="s", stats=Stats(), exercise=exercise
    )

    # when
    api.incident_create({"category": "theft"})

    # then
    assert sent[0].get("exercise", False) is exercise
