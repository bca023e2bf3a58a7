"""The backup and restore procedure of docs/deployment.md, run end to end.

``pg_dump`` of the (test) database in custom format, a fresh database, ``pg_restore``
without owners or grants, ``manage.py db_roles`` on it (its own owner and app roles), then
``migrate --check`` as the owner and ``audit_verify`` as the app role: the chain is intact
and ends at the head the original recorded, and the app role still cannot change it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from backend.ledger import uow
from backend.ledger.models import Sequencer
from tests.e2e.processes import ROOT, database_url, server_env

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def run(args: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, **kw)  # type: ignore[call-overload]


def admin_sql(url: str, *statements: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)  # type: ignore[arg-type]


def test_a_backup_restores_into_a_fresh_database_with_the_audit_chain_intact(
    transactional_db, tmp_path: Path
):
    # given: audited work, committed
    for n in range(1, 6):
        with uow.unit_of_work():
            uow.audit("test.before_backup", object_type="thing", object_id=n, data={"n": n})
    head = Sequencer.objects.get()
    source = database_url()
    restored = f"{connection.settings_dict['NAME']}_restored_{os.getpid()}"
    target = source.rsplit("/", 1)[0] + f"/{restored}"
    dump = tmp_path / "kuzet.dump"
    connection.close()

    try:
        # when: the procedure
        backup = run(["pg_dump", "--format=custom", f"--file={dump}", f"--dbname={source}"])
        assert backup.returncode == 0, backup.stderr
        admin_sql(source, f'DROP DATABASE IF EXISTS "{restored}"', f'CREATE DATABASE "{restored}"')
        restore = run(
            ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
             f"--dbname={target}", str(dump)]
        )  # fmt: skip
        assert restore.returncode == 0, restore.stderr
        env = server_env(database=target, var_dir=tmp_path, KUZET_DB_POOL="0")
        roles = run([sys.executable, "manage.py", "db_roles", "--export"], env=env)
        assert roles.returncode == 0, roles.stderr
        urls = dict(
            line.removeprefix("export ").replace("'", "").split("=", 1)
            for line in roles.stdout.splitlines()
        )
        as_owner = {**env, "DATABASE_URL": urls["KUZET_DB_OWNER_URL"]}
        as_app = {**env, "DATABASE_URL": urls["DATABASE_URL"]}
        check = run([sys.executable, "manage.py", "migrate", "--check"], env=as_owner)
        verify = run([sys.executable, "manage.py", "audit_verify"], env=as_app)
        with psycopg.connect(urls["DATABASE_URL"]) as conn, pytest.raises(psycopg.Error) as refused:
            conn.execute("TRUNCATE ledger_auditentry")

        # then
        assert check.returncode == 0, check.stdout + check.stderr
        assert verify.returncode == 0, verify.stdout + verify.stderr
        assert verify.stdout.strip() == (
            f"OK: audit chain intact, {head.audit_seq} entries, head {head.audit_head}"
        )
        assert head.audit_seq >= 5
        assert "permission denied" in str(refused.value)
    finally:
        admin_sql(
            source,
            f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)',
            f'DROP ROLE IF EXISTS "{restored}_app"',
            f'DROP ROLE IF EXISTS "{restored}_owner"',
        )
