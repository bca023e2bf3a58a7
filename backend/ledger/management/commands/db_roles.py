"""``manage.py db_roles``: the owner role that migrates and the app role that serves (PostgreSQL).

Run it as a superuser (or a role with CREATEROLE that owns the tables) on the Kuzet database,
before ``migrate`` and again after it; it is idempotent. It makes

* the **owner** role (default ``<database>_owner``): owns every table, sequence and function
  of the schema and may create new ones — ``manage.py migrate`` runs as it;
* the **app** role (default ``<database>_app``): the web, WebSocket and Celery processes run as
  it. It owns nothing, so it cannot alter or drop tables or triggers; it reads and writes
  every table (default privileges cover tables that later migrations create) except that
  on the audit log it may only SELECT and INSERT; it is no superuser, so it cannot set
  ``session_replication_role`` to switch triggers off.

Neither role is a superuser, nor may create roles or databases. Passwords come from the
environment (``KUZET_DB_OWNER_PASSWORD``, ``KUZET_DB_APP_PASSWORD``) when set, never from the
command line. ``--export`` prints the two URLs as shell ``export`` lines (``make run`` and CI
evaluate them): ``KUZET_DB_OWNER_URL`` for migrate, ``DATABASE_URL`` for everything else.
``--env-line owner|app`` prints one role's ``DATABASE_URL=…`` line as an environment file
(``owner.env``, ``kuzet.env``; docs/deployment.md) takes it.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from psycopg import sql

from backend.ledger.models import AuditEntry

ROLE_ATTRIBUTES = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"


def _exists(role: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        return cursor.fetchone() is not None


def _is_superuser(role: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [role])
        row = cursor.fetchone()
    return bool(row and row[0])


def _run(statement: sql.Composable) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement.as_string(connection.connection))


def _rows(query: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(query, params or [])
        return list(cursor.fetchall())


def role_url(db: dict[str, Any], role: str, password: str, *, query: str = "") -> str:
    """A ``postgres://`` URL of the connected database for ``role``."""
    host = str(db.get("HOST") or "127.0.0.1")
    if ":" in host:
        host = f"[{host}]"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    auth = quote(role, safe="") + (f":{quote(password, safe='')}" if password else "")
    url = f"postgres://{auth}@{host}{port}/{quote(str(db['NAME']), safe='')}"
    return f"{url}?{query}" if query else url


class Command(BaseCommand):
    help = "Create or update the owner (migrations) and app (serving) database roles. Idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--owner", help="owner role name (default: <database>_owner)")
        parser.add_argument("--app", help="app role name (default: <database>_app)")
        parser.add_argument(
            "--export",
            action="store_true",
            help="print `export KUZET_DB_OWNER_URL=… DATABASE_URL=…` lines for a shell",
        )
        parser.add_argument(
            "--env-line",
            choices=("owner", "app"),
            help="print the one `DATABASE_URL=…` line of that role as an environment file "
            "takes it (owner: owner.env, for migrate; app: kuzet.env, for the services)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            # The embedded SQLite default has no roles: nothing to do, nothing to export.
            if not options["export"] and not options["env_line"]:
                self.stderr.write("db_roles: not PostgreSQL, no roles to make.")
            return
        database = str(connection.settings_dict["NAME"])
        owner = options["owner"] or f"{database}_owner"
        app = options["app"] or f"{database}_app"
        if owner == app:
            raise CommandError("The owner and the app role must differ.")
        for role in (owner, app):
            if role == connection.settings_dict.get("USER") or (
                _exists(role) and _is_superuser(role)
            ):
                raise CommandError(
                    f"Refusing to use {role!r}: it is the connecting role or a superuser; "
                    "name roles of their own."
                )
        passwords = {
            owner: os.environ.get("KUZET_DB_OWNER_PASSWORD", ""),
            app: os.environ.get("KUZET_DB_APP_PASSWORD", ""),
        }
        with transaction.atomic():
            for role in (owner, app):
                self._role(role, passwords[role])
            self._ownership(owner)
            self._grants(database, owner, app)
        if options["export"] and options["env_line"]:
            raise CommandError("--export and --env-line print different formats: pick one.")
        if options["env_line"]:
            db, query = connection.settings_dict, urlsplit(settings.DATABASE_URL).query
            role = owner if options["env_line"] == "owner" else app
            # systemd's EnvironmentFile= and sh both read NAME=value without quotes or export.
            self.stdout.write(f"DATABASE_URL={role_url(db, role, passwords[role], query=query)}")
        elif options["export"]:
            db, query = connection.settings_dict, urlsplit(settings.DATABASE_URL).query
            owner_url = role_url(db, owner, passwords[owner], query=query)
            app_url = role_url(db, app, passwords[app], query=query)
            self.stdout.write(f"export KUZET_DB_OWNER_URL='{owner_url}'")
            self.stdout.write(f"export DATABASE_URL='{app_url}'")
        else:
            self.stdout.write(
                f"Roles ready on {database}: {owner} (owner: run migrate as it), "
                f"{app} (app: serve as it; no UPDATE/DELETE/TRUNCATE on the audit log)."
            )

    def _role(self, role: str, password: str) -> None:
        name = sql.Identifier(role)
        if not _exists(role):
            _run(sql.SQL("CREATE ROLE {}").format(name))
        _run(sql.SQL("ALTER ROLE {} " + ROLE_ATTRIBUTES).format(name))
        if password:
            _run(sql.SQL("ALTER ROLE {} PASSWORD {}").format(name, sql.Literal(password)))

    def _ownership(self, owner: str) -> None:
        """Every relation and function of the schema belongs to the owner role."""
        to = sql.Identifier(owner)
        relations = _rows(
            """
            SELECT c.relname, c.relkind FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
              AND c.relowner <> (SELECT oid FROM pg_roles WHERE rolname = %s)
              -- sequences of serial and identity columns follow their table
              AND NOT (c.relkind = 'S' AND EXISTS (
                  SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i')))
            ORDER BY c.relkind, c.relname
            """,
            [owner],
        )
        kinds = {"r": "TABLE", "p": "TABLE", "v": "VIEW", "m": "MATERIALIZED VIEW", "S": "SEQUENCE"}
        for name, kind in relations:
            _run(
                sql.SQL("ALTER {} {} OWNER TO {}").format(
                    sql.SQL(kinds[kind]), sql.Identifier(name), to
                )
            )
        functions = _rows(
            """
            SELECT p.oid::regprocedure::text FROM pg_proc p
            JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = current_schema()
              AND p.proowner <> (SELECT oid FROM pg_roles WHERE rolname = %s)
            """,
            [owner],
        )
        for (signature,) in functions:
            _run(sql.SQL("ALTER FUNCTION {} OWNER TO {}").format(sql.SQL(signature), to))

    def _grants(self, database: str, owner: str, app: str) -> None:
        o, a, db = sql.Identifier(owner), sql.Identifier(app), sql.Identifier(database)
        audit = sql.Identifier(AuditEntry._meta.db_table)
        statements = [
            sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}, {}").format(db, o, a),
            sql.SQL("REVOKE CREATE ON SCHEMA public FROM PUBLIC"),
            sql.SQL("GRANT USAGE, CREATE ON SCHEMA public TO {}").format(o),
            sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(a),
            sql.SQL("REVOKE CREATE ON SCHEMA public FROM {}").format(a),
            sql.SQL(
                "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}"
            ).format(a),
            sql.SQL(
                "REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM {}"
            ).format(a),
            sql.SQL("GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {}").format(
                a
            ),
            sql.SQL(
                "ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA public "
                "GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {}"
            ).format(o, a),
            sql.SQL(
                "ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA public "
                "GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {}"
            ).format(o, a),
        ]
        for statement in statements:
            _run(statement)
        if _rows("SELECT to_regclass(%s)", [AuditEntry._meta.db_table])[0][0] is not None:
            # The audit log: read and append, nothing else (migration 0004 adds the triggers).
            _run(sql.SQL("REVOKE UPDATE, DELETE, TRUNCATE ON {} FROM PUBLIC, {}").format(audit, a))
        if connection.pg_version >= 150000:  # type: ignore[attr-defined]
            # PostgreSQL 15 can grant a superuser-only setting to a role; make sure it is not.
            _run(sql.SQL("REVOKE SET ON PARAMETER session_replication_role FROM {}").format(a))
