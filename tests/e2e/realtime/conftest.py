"""A real ASGI server (uvicorn) on the test database and the Redis channel layer."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def database_url() -> str:
    db = connection.settings_dict
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{host}:{port}/{db['NAME']}"


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
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backend.config.settings.base",
        "DATABASE_URL": url,
        "REDIS_URL": os.environ["REDIS_URL"],
        "KUZET_CHANNEL_PREFIX": settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"],
        "KUZET_CACHE_PREFIX": f"kuzet-e2e-{os.getpid()}",
        "KUZET_VAR_DIR": str(tmp_path_factory.mktemp("var")),
        "SECRET_KEY": "kuzet-e2e-secret-key-0123456789abcdef0123456789abcdef",
        "DEBUG": "0",
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "backend.config.asgi:application", "--host", "127.0.0.1",
         "--port", str(port), "--lifespan", "off", "--no-access-log", "--ws-max-size", "1048576"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 90  # a loaded 2-core CI box starts Django slowly
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"uvicorn exited with {server.returncode}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not answer within 90 s")
            time.sleep(0.2)
        yield f"127.0.0.1:{port}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
