"""The live simulator's lines about a server that refused it or did not answer, in the
operator's language: make run's Russian (or Kazakh) terminal read ``dispatch: 409
{"error": "incident_closed", …}`` (the raw JSON), ``board: 302``, ``officer_x: sync failed:
…`` and ``Kuzet unreachable at http://… (review): [Errno 111] Connection refused`` (a Python
function's name and httpx's words). Now one sentence each: what the simulator tried, the
server's code and message, what happens next; the raw text at DEBUG."""

from __future__ import annotations

import functools
import logging
import threading
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from django.utils import translation

from backend.simulator import ports, world
from backend.simulator.ports import LivePort
from backend.simulator.world import Api, Phone, Stats
from sync.client import SyncError, SyncUnavailable


def marked(message: str) -> str:
    return f"[{translation.get_language()}] {message}"


@pytest.fixture
def catalog(monkeypatch):
    """The simulator's gettext, marking what it translated and in which language (the
    catalogs' Russian is the lead's to add; this says the line is asked of them)."""
    for module in (world, ports):
        monkeypatch.setattr(module, "translation", SimpleNamespace(gettext=marked), raising=False)


def filled(template: str, values: dict[str, Any]) -> str:
    """A catalog line as the stand-in says it, its placeholders filled."""
    return template % values


def said(caplog, logger: str) -> list[tuple[int, str]]:
    return [(r.levelno, r.getMessage()) for r in caplog.records if r.name == logger]


def api_answering(status: int, body: Any = None, *, text: str = "") -> Api:
    def answer(request: httpx.Request) -> httpx.Response:
        if body is not None:
            return httpx.Response(status, json=body)
        return httpx.Response(status, text=text, headers={"Content-Type": "text/html"})

    http = httpx.Client(base_url="http://kuzet.test", transport=httpx.MockTransport(answer))
    return Api(http, staff_token="t", intake_keys={}, sms_secret="s", stats=Stats())


# --- the API's refusals -----------------------------------------------------------------------


def test_a_refusal_names_the_step_the_code_and_the_servers_message(catalog, caplog):
    # given: Kuzet refuses a dispatch (the call closed meanwhile)
    api = api_answering(409, {"error": "incident_closed", "detail": "The incident is closed."})

    # when
    with caplog.at_level(logging.INFO, logger=world.__name__), translation.override("ru"):
        answer = api.dispatch(7, 3)

    # then: one line in the operator's language, no JSON; counted as before
    assert answer is None
    assert said(caplog, world.__name__) == [
        (
            logging.WARNING,
            filled(
                "[ru] %(step)s: Kuzet refused (HTTP %(status)s, %(code)s): %(detail)s",
                {
                    "step": "[ru] Dispatching a unit",
                    "status": 409,
                    "code": "incident_closed",
                    "detail": "The incident is closed.",
                },
            ),
        )
    ]
    assert api.stats.errors == {"dispatch 409": 1}


def test_the_raw_answer_is_kept_at_debug(catalog, caplog):
    api = api_answering(409, {"error": "incident_closed", "detail": "The incident is closed."})

    with caplog.at_level(logging.DEBUG, logger=world.__name__), translation.override("ru"):
        api.close(7, disposition="resolved", outcome_code="advice")

    debug = [text for level, text in said(caplog, world.__name__) if level == logging.DEBUG]
    assert debug == [
        '[ru] Closing a call: 409 {"error":"incident_closed","detail":"The incident is closed."}'
    ]


def test_a_validation_error_shows_its_fields(catalog, caplog):
    api = api_answering(
        400, {"error": "invalid", "detail": "Invalid input.", "fields": {"unit_id": ["Required."]}}
    )

    with caplog.at_level(logging.WARNING, logger=world.__name__), translation.override("kk"):
        api.reassign(5, 9)

    assert said(caplog, world.__name__) == [
        (
            logging.WARNING,
            filled(
                "[kk] %(step)s: Kuzet refused (HTTP %(status)s, %(code)s): %(detail)s",
                {
                    "step": "[kk] Reassigning a call to another unit",
                    "status": 400,
                    "code": "invalid",
                    "detail": 'Invalid input. {"unit_id": ["Required."]}',
                },
            ),
        )
    ]


def test_an_answer_that_is_not_the_apis_error_is_said_with_its_text(catalog, caplog):
    # given: a proxy's page in front of Kuzet
    api = api_answering(502, text="<html><body>\n<h1>502 Bad Gateway</h1>\n</body></html>")

    with caplog.at_level(logging.WARNING, logger=world.__name__), translation.override("ru"):
        api.incident(4)

    assert said(caplog, world.__name__) == [
        (
            logging.WARNING,
            filled(
                "[ru] %(step)s: Kuzet answered HTTP %(status)s, not with an error of its API: "
                "%(text)s",
                {
                    "step": "[ru] Reading a call",
                    "status": 502,
                    "text": "<html><body> <h1>502 Bad Gateway</h1> </body></html>",
                },
            ),
        )
    ]


def test_the_board_refused_says_so_without_the_login_page(catalog, caplog, monkeypatch):
    # given: the board's sign-in refused: /board/state/ sends back to the login page
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/board/state/":
            return httpx.Response(302, headers={"Location": "/admin/login/?next=/board/state/"})
        return httpx.Response(200, text="<html>login</html>")

    monkeypatch.setattr(
        httpx, "Client", functools.partial(httpx.Client, transport=httpx.MockTransport(answer))
    )
    api = api_answering(200, {})

    with caplog.at_level(logging.INFO, logger=world.__name__), translation.override("ru"):
        incidents = api.board_incidents(username="duty", password="x")

    assert incidents == []
    assert said(caplog, world.__name__) == [
        (
            logging.WARNING,
            filled(
                "[ru] %(step)s: Kuzet answered HTTP %(status)s, not the board "
                "(was the sign-in refused?)",
                {"step": "[ru] Reading the duty officer's board", "status": 302},
            ),
        )
    ]
    assert api.stats.errors == {"board 302": 1}


def test_the_steps_read_in_english_by_default():
    with translation.override("en"):
        assert world.step_text("dispatch") == "Dispatching a unit"
        assert world.refusal_text("Dispatching a unit", 409, {"error": "x", "detail": "Why."}) == (
            "Dispatching a unit: Kuzet refused (HTTP 409, x): Why."
        )
        assert world.refusal_text("Dispatching a unit", 502, "<html>") is None


def test_every_step_the_api_names_has_its_words():
    import inspect
    import re

    named = set(re.findall(r'"([a-z-]+)"\)\s*$', inspect.getsource(Api), re.M))
    named |= set(re.findall(r'self\._json\([^"]*"([a-z-]+)"', inspect.getsource(Api), re.S))
    assert named, "no step found"
    assert named <= set(world.STEPS), named - set(world.STEPS)


# --- a phone's sync ---------------------------------------------------------------------------


def phone_whose_pull(raises: Exception) -> Phone:
    def pull() -> None:
        raise raises

    client: Any = SimpleNamespace(outbox=lambda: [], push=lambda: None, pull=pull)
    phone = Phone(
        username="officer_x",
        number="+77000000000",
        client=client,
        clock=None,  # type: ignore[arg-type]
        stats=Stats(),
        now_ms=lambda: 0,
    )
    phone.online = True
    return phone


def test_a_sync_with_no_answer_says_the_records_wait_on_the_phone(catalog, caplog):
    # given: a phone with data; Kuzet restarting
    phone = phone_whose_pull(SyncUnavailable("GET /api/sync/v1/pull: no answer after 4 attempts"))

    with caplog.at_level(logging.INFO, logger=world.__name__), translation.override("ru"):
        synced = phone.sync()

    # then: INFO (the network's, not a bug), in the operator's words, no request line
    assert synced is False
    assert said(caplog, world.__name__) == [
        (
            logging.INFO,
            filled(
                "[ru] %(officer)s's phone got no answer from Kuzet (restarting, or stopped): "
                "what it recorded waits on it for its next sync.",
                {"officer": "officer_x"},
            ),
        )
    ]
    assert phone.stats.sync_failures == 1


def test_a_sync_refused_is_a_warning_with_the_code_and_message(catalog, caplog):
    # given: Kuzet refuses the pull for good (a bug of the client or the server)
    phone = phone_whose_pull(SyncError(400, "malformed", "since must be a number"))

    with caplog.at_level(logging.INFO, logger=world.__name__), translation.override("kk"):
        synced = phone.sync()

    assert synced is False
    assert said(caplog, world.__name__) == [
        (
            logging.WARNING,
            filled(
                "[kk] %(step)s: Kuzet refused (HTTP %(status)s, %(code)s): %(detail)s",
                {
                    "step": filled("[kk] Syncing %(officer)s's phone", {"officer": "officer_x"}),
                    "status": 400,
                    "code": "malformed",
                    "detail": "since must be a number",
                },
            ),
        )
    ]


# --- a step that found no server --------------------------------------------------------------


class Later:
    """The engine as ``_step`` uses it: what was put off, and by how long."""

    def __init__(self) -> None:
        self.put_off: list[tuple[float, Any, tuple[Any, ...]]] = []

    def after_server(self, seconds: float, fn: Any, *args: Any) -> None:
        self.put_off.append((seconds, fn, args))


def review(incident: str) -> None:
    raise httpx.ConnectError("[Errno 111] Connection refused")


@pytest.fixture
def port(tmp_path) -> LivePort:
    return LivePort(base_url="http://127.0.0.1:8773", sms_dir=tmp_path, stats=Stats())


@pytest.mark.parametrize(
    ("again", "stopping", "level", "text"),
    [
        (
            True,
            False,
            logging.WARNING,
            "[ru] Kuzet does not answer at %(url)s (restarting, or stopped): "
            "the simulator tries again in %(seconds)s s.",
        ),
        (
            False,
            False,
            logging.WARNING,
            "[ru] Kuzet does not answer at %(url)s (restarting, or stopped): "
            "the phone's next sync brings what it missed.",
        ),
        (
            True,
            True,
            logging.INFO,
            "[ru] Kuzet does not answer at %(url)s: the simulator is stopping.",
        ),
    ],
    ids=["retried", "a-frame", "stopping"],
)
def test_no_server_is_one_sentence_saying_what_happens_next(
    port, catalog, caplog, again, stopping, level, text
):
    # given
    engine = Later()
    stop = threading.Event()
    if stopping:
        stop.set()

    # when
    with caplog.at_level(logging.INFO, logger=ports.__name__), translation.override("ru"):
        port._step(engine, stop, review, ("1036-2026-000001",), again=again)  # type: ignore[arg-type]

    # then: no function name, no httpx words; retried only when it says so
    assert said(caplog, ports.__name__) == [
        (level, text % {"url": "http://127.0.0.1:8773", "seconds": "5"})
    ]
    assert engine.put_off == (
        [(5.0, review, ("1036-2026-000001",))] if again and not stopping else []
    )
    assert port.stats.unreachable == 1


def test_the_function_and_httpx_words_are_kept_at_debug(port, caplog):
    with caplog.at_level(logging.DEBUG, logger=ports.__name__):
        port._step(Later(), threading.Event(), review, ("x",), again=True)  # type: ignore[arg-type]

    assert said(caplog, ports.__name__)[0] == (
        logging.DEBUG,
        "http://127.0.0.1:8773: review: ConnectError('[Errno 111] Connection refused')",
    )


def test_the_retry_reads_in_english_with_the_seconds():
    with translation.override("en"):
        assert ports.unreachable_text("http://127.0.0.1:8000", retry_s=5.0) == (
            "Kuzet does not answer at http://127.0.0.1:8000 (restarting, or stopped): "
            "the simulator tries again in 5 s."
        )


def test_the_simulators_requests_ask_for_the_operators_language(tmp_path):
    # Kuzet's API answers a refusal in the request's language where it has the words
    # (DRF's own messages); the simulator asked for none and read English.
    with translation.override("kk"):
        port = LivePort(base_url="http://127.0.0.1:8773", sms_dir=tmp_path, stats=Stats())

    assert port.http.headers["Accept-Language"] == "kk"
