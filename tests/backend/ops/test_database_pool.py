"""The PostgreSQL pool every process builds from DATABASE_URL survives a database restart.

Seen on an operator's walk-through: PostgreSQL went away and came back; each gunicorn worker's
pool still held the connections the server had closed, and handed them out — every one cost a
request its ``500`` (``/readyz``: ``OperationalError: consuming input failed: server closed
the connection unexpectedly``) long after the database was back.
"""

from __future__ import annotations

import os

import psycopg
import pytest
from django.db.utils import ConnectionHandler

from backend.config.settings.base import database_from_url

pytestmark = pytest.mark.postgres


def test_pool_replaces_a_connection_the_server_closed_while_it_was_idle():
    # given: the pool Django builds from the settings, holding one idle connection
    url = os.environ["DATABASE_URL"]
    config = database_from_url(url)
    config["OPTIONS"]["pool"].update(min_size=1, max_size=1)
    wrapper = ConnectionHandler({"default": config, "pool_walk": config})["pool_walk"]
    pool = wrapper.pool
    pool.open()
    try:
        with pool.connection() as conn:
            pid = conn.info.backend_pid
        # when: the server ends it (a restart, a failover, an idle timeout)
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])

        # then: the next request gets a working connection, not the dead one
        with pool.connection() as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
            assert conn.info.backend_pid != pid
    finally:
        wrapper.close_pool()
