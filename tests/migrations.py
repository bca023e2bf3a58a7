"""For the tests of data migrations, which take the schema back to check an upgrade."""

from __future__ import annotations

from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate_to_latest() -> None:
    """Every app to its latest migration, as the next tests need the schema. Migrating back
    to before the change a test is about also undoes every later migration that depends on it
    (another app's too); migrating forward only to the change left those undone — the staff
    tokens' table of a later dispatch migration was missing for every test after."""
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
