"""Database routing: only to keep django-rest-knox's own table out of the database.

Staff tokens are knox's, in Kuzet's model (``KNOX_TOKEN_MODEL = "dispatch.StaffToken"``), but
knox 5.1's first migration creates its ``knox_authtoken`` all the same (it names no
``swappable`` option): an unused table with a foreign key to the officers, which Django does
not know to empty, so every flush between PostgreSQL tests failed ("cannot truncate a table
referenced in a foreign key constraint: knox_authtoken references people_officer"). knox's
migrations are recorded as applied and change nothing."""

from __future__ import annotations

from typing import Any


class KnoxTableUnused:
    def allow_migrate(
        self, db: str, app_label: str, model_name: str | None = None, **_: Any
    ) -> bool | None:
        if app_label == "knox":
            return False
        return None
