"""What the end-to-end tests share: free ports, the test database's URL, server processes."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY = "kuzet-e2e-secret-key-0123456789abcdef0123456789abcdef"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def database_url() -> str:
    """The URL of the database pytest-django created (call with the db blocker lifted)."""
    db = connection.settings_dict
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{host}:{port}/{db['NAME']}"


def in_process() -> bool:
    """Whether the staff suites' ``server`` runs in this process (SQLite: Django's live server
    on the in-memory test database) rather than as uvicorn on PostgreSQL."""
    return connection.vendor != "postgresql"


def server_superuser(username: str, *, password: str, oblast: Any, language: str) -> Any:
    """A superuser (the oblast's administrator too) who signs in to the suite's ``server``
    with ``password`` and reads ``language``."""
    from backend.people.models import Officer, Role

    root = Officer.objects.create_superuser(
        username=username, password="x", role=Role.OBLAST_ADMIN, oblast=oblast, language=language
    )
    set_server_password(root, password)
    root.save(update_fields=["password"])
    return root


def set_server_password(officer: Any, password: str) -> None:
    """Give ``officer`` a password hash the suite's ``server`` reads: the live server shares
    this process's (MD5, for speed) hashers; uvicorn runs the base settings' (PBKDF2 first)."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    if in_process():
        officer.set_password(password)
    else:
        officer.password = PBKDF2PasswordHasher().encode(password, "kuzet-e2e-salt")


def server_env(*, database: str, var_dir: Path, **extra: str) -> dict[str, str]:
    """Production-like settings for a server process on the test database."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backend.config.settings.base",
        "DATABASE_URL": database,
        "KUZET_VAR_DIR": str(var_dir),
        "SECRET_KEY": SECRET_KEY,
        "DEBUG": "0",
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


@contextmanager
def http_server(args: list[str], *, port: int, env: dict[str, str], name: str) -> Iterator[str]:
    """Run ``args`` until it answers ``/healthz`` on ``port``; yield ``127.0.0.1:<port>``."""
    server = subprocess.Popen(args, cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 90  # a loaded 2-core CI box starts Django slowly
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"{name} exited with {server.returncode}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not answer within 90 s")
            time.sleep(0.2)
        yield f"127.0.0.1:{port}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(5)


@contextmanager
def web_server(var_dir: Path, **extra: str) -> Iterator[str]:
    """Kuzet under uvicorn on the test database; yields its base URL. DEBUG=1 (override in
    ``extra``) so that uvicorn serves the admin's static files itself (production has nginx).
    On Redis it shares this process's channel-layer prefix, so what a test commits here (a
    call, an SOS) reaches the server's sockets as a web or Celery process's would."""
    import sys

    from django.conf import settings

    defaults = {"DEBUG": "1"}
    prefix = settings.CHANNEL_LAYERS["default"].get("CONFIG", {}).get("prefix")
    if prefix:
        defaults["KUZET_CHANNEL_PREFIX"] = prefix
    port = free_port()
    env = server_env(database=database_url(), var_dir=var_dir, **{**defaults, **extra})
    args = [sys.executable, "-m", "uvicorn", "backend.config.asgi:application", "--host",
            "127.0.0.1", "--port", str(port), "--lifespan", "off", "--no-access-log"]  # fmt: skip
    with http_server(args, port=port, env=env, name="uvicorn") as host:
        yield f"http://{host}"
