"""Make the database itself refuse UPDATE and DELETE on the audit log (PostgreSQL).

The code never updates or deletes audit entries; this trigger makes sure nobody else does
either, short of a superuser dropping it (which audit_verify would then catch by hash).
TRUNCATE is left alone: the test suite resets tables with it.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION ledger_refuse_audit_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER ledger_auditentry_append_only
    BEFORE UPDATE OR DELETE ON ledger_auditentry
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_audit_change();
"""

DROP = """
DROP TRIGGER IF EXISTS ledger_auditentry_append_only ON ledger_auditentry;
DROP FUNCTION IF EXISTS ledger_refuse_audit_change();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


def create_sequencer(apps, schema_editor):
    Sequencer = apps.get_model("ledger", "Sequencer")
    Sequencer.objects.get_or_create(id=1)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0002_initial")]

    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.RunPython(create_sequencer, migrations.RunPython.noop),
    ]
