"""Staff API tokens move from DRF's ``authtoken`` (the key stored as it is) to
django-rest-knox's model in Kuzet's table ``dispatch_stafftoken`` (the key's SHA-512 digest
and its first 15 characters): every DRF token becomes a knox token of the same key, holder and issue time — its holder keeps working with
the key he has, and its lifetime still runs from when it was issued — and DRF's table is
dropped, with its rows in ``django_migrations`` (the app is no longer installed).

A database made after this change never had the table: nothing to convert."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from knox.crypto import hash_token
from knox.settings import CONSTANTS

DRF_TABLE = "authtoken_token"


def drf_tokens_hashed(apps, schema_editor):
    connection = schema_editor.connection
    if DRF_TABLE not in connection.introspection.table_names():
        return
    StaffToken = apps.get_model("dispatch", "StaffToken")
    table = schema_editor.quote_name(DRF_TABLE)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {schema_editor.quote_name('key')}, user_id FROM {table}")  # noqa: S608
        rows = cursor.fetchall()
    for key, user_id in rows:
        digest = hash_token(key)
        StaffToken(
            digest=digest,
            token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH],
            user_id=user_id,
            expiry=None,
        ).save(force_insert=True)
        # `created` is auto_now_add: copied from DRF's row in the database, as it is stored.
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {schema_editor.quote_name(StaffToken._meta.db_table)} SET created = "  # noqa: S608
                f"(SELECT created FROM {table} WHERE {schema_editor.quote_name('key')} = %s) "
                "WHERE digest = %s",
                [key, digest],
            )
    schema_editor.execute(f"DROP TABLE {table}")
    schema_editor.execute("DELETE FROM django_migrations WHERE app = %s", ["authtoken"])


class Migration(migrations.Migration):
    dependencies = [
        ("dispatch", "0026_external_ref_unique_per_partner"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="StaffToken",
            fields=[
                (
                    "digest",
                    models.CharField(
                        max_length=128, primary_key=True, serialize=False, verbose_name="key hash"
                    ),
                ),
                (
                    "token_key",
                    models.CharField(db_index=True, max_length=25, verbose_name="prefix"),
                ),
                ("created", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                ("expiry", models.DateTimeField(blank=True, null=True, verbose_name="expires")),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="officer",
                    ),
                ),
            ],
            options={
                "verbose_name": "staff API token",
                "verbose_name_plural": "staff API tokens",
            },
        ),
        # Irreversible in substance: the keys are gone. Backwards leaves the hashed tokens.
        migrations.RunPython(drf_tokens_hashed, migrations.RunPython.noop),
    ]
