"""A wrong ``DATABASE_URL`` is told in one sentence that names the setting and the fix.

An operator who typed ``postgress://`` got dj-database-url's traceback ("Did you forget to
register custom backend?", then MySQL, Oracle…); one whose database was missing or down got,
after ten seconds, psycopg_pool's ``couldn't get a connection after 10.00 sec`` under a
traceback, the server's reason nowhere at the end. ``manage.py`` is what ``make run`` and
every release step run first, so it is run here as they run it, in a fresh interpreter.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def manage(var_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("KUZET_", "DJANGO_"))}
    for name in ("DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL"):
        clean.pop(name, None)
    clean.update({"KUZET_VAR_DIR": str(var_dir), "SECRET_KEY": "s" * 50})
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize(
    ("url", "begins"),
    [
        ("postgress://kuzet:hunter2secret@127.0.0.1:5432/kuzet", "it begins postgress://"),
        ("127.0.0.1:5432/kuzet", "it has no scheme"),
    ],
)
def test_a_misspelt_database_url_says_what_one_looks_like(tmp_path, url, begins):
    # when
    result = manage(tmp_path, "check", DATABASE_URL=url)

    # then: one sentence, no traceback, and the password is not repeated
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        f"Kuzet is not configured: DATABASE_URL is not a PostgreSQL URL ({begins}). Kuzet runs "
        "on PostgreSQL: DATABASE_URL=postgres://USER:PASSWORD@HOST:5432/NAME; unset it for the "
        "embedded SQLite demo."
    )
    assert "hunter2secret" not in result.stderr


def test_another_database_is_refused_with_the_form_kuzet_takes(tmp_path):
    # when
    result = manage(tmp_path, "check", DATABASE_URL="mysql://kuzet@127.0.0.1/kuzet")

    # then
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "unsupported database django.db.backends.mysql" in result.stderr
    assert "DATABASE_URL=postgres://USER:PASSWORD@HOST:5432/NAME" in result.stderr


def test_a_database_nobody_listens_for_is_named_with_the_servers_reason(tmp_path):
    # given: nothing listens on the port (without the pool: the same words, at once)
    port = closed_port()

    # when
    result = manage(
        tmp_path,
        "migrate",
        DATABASE_URL=f"postgres://kuzet@127.0.0.1:{port}/kuzet",
        KUZET_DB_POOL="0",
    )

    # then
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()
    assert last[-2].startswith(
        f"Kuzet cannot reach its database 'kuzet' on 127.0.0.1:{port} as 'kuzet': "
    )
    assert "Connection refused" in last[-2]
    assert last[-1] == (
        "Check DATABASE_URL, that PostgreSQL runs there, and that the database exists "
        "(createdb -h 127.0.0.1 -U kuzet kuzet; docs/deployment.md)."
    )


@pytest.mark.postgres
def test_a_missing_database_behind_the_pool_is_named_as_missing(tmp_path):
    # given: the test server's PostgreSQL, a database that is not there, the default pool
    from django.db import connection

    db = connection.settings_dict
    url = (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/kuzet_never_created"
    )

    # when
    result = manage(tmp_path, "migrate", DATABASE_URL=url)

    # then: the pool's ten seconds, then the server's reason and the command that fixes it
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "couldn't get a connection" not in result.stderr
    assert 'database "kuzet_never_created" does not exist' in result.stderr
    assert f"createdb -h {db['HOST'] or '127.0.0.1'} -U {db['USER']} kuzet_never_created" in (
        result.stderr
    )
