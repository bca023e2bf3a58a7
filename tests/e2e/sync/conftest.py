"""A real server process on the test database: gunicorn (WSGI) and uvicorn (ASGI)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

import pytest

from tests.e2e.processes import database_url, free_port, http_server, server_env

COMMANDS = {
    "gunicorn": lambda port: [
        sys.executable, "-m", "gunicorn", "backend.config.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", "2", "--timeout", "60",
    ],
    "uvicorn": lambda port: [
        sys.executable, "-m", "uvicorn", "backend.config.asgi:application",
        "--host", "127.0.0.1", "--port", str(port), "--lifespan", "off", "--no-access-log",
    ],
}  # fmt: skip


@pytest.fixture(scope="module", params=sorted(COMMANDS))
def sync_server(request, django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[str]:
    """Base URL of a server process serving the test database (started per module)."""
    with django_db_blocker.unblock():
        url = database_url()
    port = free_port()
    env = server_env(
        database=url,
        var_dir=tmp_path_factory.mktemp("var"),
        KUZET_CACHE_PREFIX=f"kuzet-e2e-sync-{os.getpid()}-{port}",
    )
    with http_server(COMMANDS[request.param](port), port=port, env=env, name=request.param) as host:
        yield f"http://{host}"
