"""A real ASGI server (uvicorn) on the test database and the Redis channel layer."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

import pytest
from django.conf import settings

from tests.e2e.processes import database_url, free_port, http_server, server_env


@pytest.fixture(scope="module")
def asgi_server(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[str]:
    """``host:port`` of uvicorn serving backend.config.asgi on the test database.

    The server shares the test process's channel-layer prefix, so fan-out done here (a
    dispatch, a revocation) reaches the server's sockets through Redis, as it would from a
    web or Celery process in production.
    """
    with django_db_blocker.unblock():
        url = database_url()
    port = free_port()
    env = server_env(
        database=url,
        var_dir=tmp_path_factory.mktemp("var"),
        REDIS_URL=os.environ["REDIS_URL"],
        KUZET_CHANNEL_PREFIX=settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"],
        KUZET_CACHE_PREFIX=f"kuzet-e2e-{os.getpid()}",
    )
    args = [
        sys.executable, "-m", "uvicorn", "backend.config.asgi:application", "--host", "127.0.0.1",
        "--port", str(port), "--lifespan", "off", "--no-access-log", "--ws-max-size", "1048576",
    ]  # fmt: skip
    with http_server(args, port=port, env=env, name="uvicorn") as host:
        yield host
