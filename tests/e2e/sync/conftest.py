"""A real server process on the test database: gunicorn (WSGI) and uvicorn (ASGI)."""

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
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backend.config.settings.base",
        "DATABASE_URL": url,
        "KUZET_CACHE_PREFIX": f"kuzet-e2e-sync-{os.getpid()}-{port}",
        "KUZET_VAR_DIR": str(tmp_path_factory.mktemp("var")),
        "SECRET_KEY": "kuzet-e2e-secret-key-0123456789abcdef0123456789abcdef",
        "DEBUG": "0",
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(COMMANDS[request.param](port), cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 90  # a loaded 2-core box starts Django slowly
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"{request.param} exited with {server.returncode}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{request.param} did not answer within 90 s")
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(5)
