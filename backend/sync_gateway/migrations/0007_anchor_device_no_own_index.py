"""Time anchors lose the index Django made for their device foreign key.

Both ``anchor_lookup_idx`` and ``anchor_latest_idx`` start with ``device_id``, and PostgreSQL
and SQLite find a device's anchors by either — a device's deletion too, and PostgreSQL's
check of the foreign key. The index on ``device_id`` alone (and on PostgreSQL its twin for
``LIKE``, the key being text) was only written to, once per push.

Only the indexes are dropped: Django's ``AlterField`` would also drop and re-add the foreign
key, which on PostgreSQL checks every anchor again while the table takes no insert.
"""

from django.db import migrations, models

# Django's name for a foreign key's index: a hash of the table and the column, the same on
# every database this table was made on.
INDEX = "sync_gateway_timeanchor_device_id_299b812a"
TABLE = "sync_gateway_timeanchor"


def _indexes(schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        return [INDEX, f"{INDEX}_like"]
    return [INDEX]


def drop(apps, schema_editor):
    for name in _indexes(schema_editor):
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


def create(apps, schema_editor):
    quote = schema_editor.quote_name
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {quote(INDEX)} ON {quote(TABLE)} ({quote('device_id')})"
    )
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {quote(INDEX + '_like')} "
            f"ON {quote(TABLE)} ({quote('device_id')} varchar_pattern_ops)"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("devices", "0006_push_subscription"),
        ("sync_gateway", "0006_anchor_latest_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="timeanchor",
                    name="device",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=models.deletion.CASCADE,
                        related_name="+",
                        to="devices.device",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop, create)],
        ),
    ]
