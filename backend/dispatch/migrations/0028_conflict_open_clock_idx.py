"""An index of the open clock questions, and PostgreSQL told that state and kind go together.

Every push of a suspect position asks whether its phone already has an open clock question.
Read from the few open ones through ``conflict_open_clock_idx``, the cost no longer grows with
the positions the phone has sent. The planner multiplies the share of open conflicts by the
share of ``clock_suspect`` ones (most of them answered long ago) and expects hundreds of open
clock questions where there are a handful — enough to walk the phone's positions instead;
the statistics object gives it the pair's true frequency (``ANALYZE`` fills it).
"""

from typing import Any

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

STATISTICS = "conflict_state_kind_stx"


def create_statistics(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE STATISTICS IF NOT EXISTS {STATISTICS} (mcv) ON state, kind"
            " FROM dispatch_conflict"
        )
        schema_editor.execute("ANALYZE dispatch_conflict")


def drop_statistics(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP STATISTICS IF EXISTS {STATISTICS}")


class Migration(migrations.Migration):
    dependencies = [
        ("dispatch", "0027_staff_tokens_hashed"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="conflict",
            index=models.Index(
                condition=models.Q(("kind", "clock_suspect"), ("state", "open")),
                fields=["event"],
                name="conflict_open_clock_idx",
            ),
        ),
        migrations.RunPython(create_statistics, drop_statistics, elidable=False),
    ]
