"""The audit log refuses TRUNCATE too, and nobody but its owner may UPDATE, DELETE or TRUNCATE it.

0003 refused UPDATE and DELETE row by row; TRUNCATE fires no row trigger and emptied the
table (issue 11). A statement trigger now refuses it for every role but a superuser — who
can drop any trigger anyway, and as whom the test suite's flush truncates between tests.

The application itself runs as a role that owns nothing (``manage.py db_roles``): it has
no UPDATE, DELETE or TRUNCATE privilege on this table, cannot alter or drop the triggers
(only the owner can) and cannot set ``session_replication_role`` (superuser only). Default
privileges grant every new table to the app role, this one included when it is created, so
this migration takes those three privileges back from every role but the owner.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION ledger_refuse_audit_truncate() RETURNS trigger AS $$
BEGIN
    IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only: TRUNCATE refused'
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER ledger_auditentry_no_truncate
    BEFORE TRUNCATE ON ledger_auditentry
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_audit_truncate();

REVOKE UPDATE, DELETE, TRUNCATE ON ledger_auditentry FROM PUBLIC;
DO $$
DECLARE grantee_name text;
BEGIN
    FOR grantee_name IN
        SELECT DISTINCT a.grantee::regrole::text
        FROM pg_class c, aclexplode(c.relacl) a
        WHERE c.oid = 'ledger_auditentry'::regclass
          AND a.grantee <> 0 AND a.grantee <> c.relowner
          AND a.privilege_type IN ('UPDATE', 'DELETE', 'TRUNCATE')
    LOOP
        EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON ledger_auditentry FROM %s', grantee_name);
    END LOOP;
END
$$;
"""

DROP = """
DROP TRIGGER IF EXISTS ledger_auditentry_no_truncate ON ledger_auditentry;
DROP FUNCTION IF EXISTS ledger_refuse_audit_truncate();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0004_idempotent_request")]

    operations = [migrations.RunPython(forwards, backwards)]
