"""Fixtures of the staff-screen browser suites (chief, duty): Kuzet on the test database and
Debian's chromium. The field app's suite has its own server.

``server`` is uvicorn in its own process on PostgreSQL (CI), or on SQLite — `make test` on a
fresh machine — Django's live server in a thread of this process, sharing its in-memory test
database (WSGI: pages and their fetches; what needs the board's WebSocket across processes is
marked ``postgres``/``redis`` and runs in CI)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e import browser as shared
from tests.e2e.processes import in_process, web_server


@pytest.fixture
def server(request: pytest.FixtureRequest, transactional_db: Any, tmp_path: Path) -> Iterator[str]:
    if in_process():
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
