"""Fixtures of the staff-screen browser suites (chief, duty): Kuzet under uvicorn on the test
database (PostgreSQL) and Debian's chromium. The field app's suite has its own server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e import browser as shared
from tests.e2e.processes import web_server


@pytest.fixture
def server(transactional_db: Any, tmp_path: Path) -> Iterator[str]:
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
