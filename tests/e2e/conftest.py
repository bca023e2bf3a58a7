"""Fixtures of the staff-screen browser suites (chief, duty): Kuzet on the test database and
Debian's chromium. The field app's suite has its own server.

``server`` is uvicorn in its own process on PostgreSQL (CI), or on SQLite — `make test` on a
fresh machine — Django's live server in a thread of this process, sharing its in-memory test
database (WSGI: pages and their fetches; what needs the board's WebSocket across processes is
marked ``postgres``/``redis`` and runs in CI)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test.testcases import LiveServerThread

from tests.e2e import browser as shared
from tests.e2e.processes import in_process, web_server


class OneRequestAtATime(ThreadedWSGIServer):
    """Django's live server with its requests taken one at a time. Every thread of it shares
    the in-memory test database's one connection, and a page's parallel fetches (the chief's
    charts) could block each other inside SQLite for good: the suite hung there, idle, on
    `make test` without PostgreSQL. Connections stay threaded (a browser's kept-alive
    connection must not hold the others); only the application is entered by one at a time,
    its answer read to the end inside."""

    lock = threading.Lock()

    def set_app(self, application: Any) -> None:
        def one_at_a_time(environ: Any, start_response: Any) -> list[bytes]:
            with self.lock:
                answer = application(environ, start_response)
                try:
                    return list(answer)
                finally:
                    close = getattr(answer, "close", None)
                    if close is not None:
                        close()

        super().set_app(one_at_a_time)


@pytest.fixture
def server(request: pytest.FixtureRequest, transactional_db: Any, tmp_path: Path) -> Iterator[str]:
    if in_process():
        LiveServerThread.server_class = OneRequestAtATime
        yield request.getfixturevalue("live_server").url
        return
    with web_server(tmp_path) as url:
        yield url


@pytest.fixture
def browser() -> Iterator[Any]:
    with shared.playwright() as driver:
        launched = shared.launch(driver)
        try:
            yield launched
        finally:
            launched.close()
