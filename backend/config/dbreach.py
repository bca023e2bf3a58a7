"""Why a command could not reach PostgreSQL, in words an operator can act on.

With the connection pool (``KUZET_DB_POOL``, the default) a database that is down, missing or
refuses the role surfaced after ten seconds as psycopg_pool's ``couldn't get a connection after
10.00 sec`` under a traceback: the pool keeps the server's reason to itself. ``manage.py``
asks this module once a command has failed that way: one plain connection, outside the pool,
gets the server's own words ("database "kuzet" does not exist", "Connection refused").
"""

from __future__ import annotations

from typing import Any

import psycopg

PROBE_TIMEOUT_S = 5


def unreachable_text(database: dict[str, Any]) -> str | None:
    """What to tell the operator when ``database`` (a ``DATABASES`` entry) cannot be reached;
    None when it is not PostgreSQL or a plain connection succeeds (the failure was another)."""
    if database.get("ENGINE") != "django.db.backends.postgresql":
        return None
    params = {
        "host": database.get("HOST") or None,
        "port": database.get("PORT") or None,
        "dbname": database.get("NAME") or None,
        "user": database.get("USER") or None,
        "password": database.get("PASSWORD") or None,
    }
    try:
        psycopg.connect(
            connect_timeout=PROBE_TIMEOUT_S, **{k: v for k, v in params.items() if v}
        ).close()
    except psycopg.Error as exc:
        reason = " ".join(str(exc).split())
    else:
        return None
    where = f"{params['host'] or 'localhost'}:{params['port'] or 5432}"
    name, user = params["dbname"] or "?", params["user"] or "?"
    return (
        f"Kuzet cannot reach its database {name!r} on {where} as {user!r}: {reason}\n"
        "Check DATABASE_URL, that PostgreSQL runs there, and that the database exists "
        f"(createdb -h {params['host'] or 'localhost'} -U {user} {name}; docs/deployment.md)."
    )
