"""The application's database role cannot erase the audit log (PostgreSQL).

``manage.py db_roles`` runs inside the test's transaction on the test database, with role
names of that database (roles are cluster-wide; other checkouts' suites use other names),
and every role, grant and change of ownership is rolled back with the test. The refusals are
tried as the app would meet them: ``SET LOCAL ROLE`` to the app role, one savepoint each.
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from backend.ledger import uow
from backend.ledger.models import AuditEntry, Sequencer

pytestmark = pytest.mark.postgres

TRIGGER = "ledger_auditentry_append_only"


@pytest.fixture
def roles(db) -> tuple[str, str]:
    database = connection.settings_dict["NAME"]
    for n in range(1, 4):
        with uow.unit_of_work():
            uow.audit("test.step", object_type="thing", object_id=n, data={"n": n})
    with connection.cursor() as cursor:
        # ALTER TABLE … OWNER refuses to run over the entries' pending deferred FK checks.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    out = io.StringIO()
    call_command("db_roles", stdout=out)
    assert out.getvalue().startswith(f"Roles ready on {database}: ")
    return f"{database}_owner", f"{database}_app"


def entries() -> list[tuple[int, str, str]]:
    return list(AuditEntry.objects.order_by("id").values_list("id", "action", "hash"))


def as_role(role: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f'SET LOCAL ROLE "{role}"')


def refused(statement: str) -> str:
    """Run ``statement`` in a savepoint; return the database's refusal (fail if none)."""
    with pytest.raises(DatabaseError) as raised, transaction.atomic(), connection.cursor() as c:
        c.execute(statement)
    return str(raised.value)


@pytest.mark.parametrize(
    ("statement", "refusal"),
    [
        ("UPDATE ledger_auditentry SET action = 'x'", "permission denied"),
        ("DELETE FROM ledger_auditentry", "permission denied"),
        ("TRUNCATE ledger_auditentry", "permission denied"),
        ("TRUNCATE ledger_auditentry, ledger_sequencer CASCADE", "permission denied"),
        ("SET session_replication_role = replica", "permission denied"),
        (f"ALTER TABLE ledger_auditentry DISABLE TRIGGER {TRIGGER}", "must be owner"),
        ("ALTER TABLE ledger_auditentry DISABLE TRIGGER USER", "must be owner"),
        (f"DROP TRIGGER {TRIGGER} ON ledger_auditentry", "must be owner"),
        ("DROP FUNCTION ledger_refuse_audit_change()", "must be owner"),
        ("DROP TABLE ledger_auditentry", "must be owner"),
        ("ALTER TABLE ledger_auditentry RENAME TO old_audit", "must be owner"),
        ("CREATE TABLE ledger_auditentry_copy (id int)", "permission denied"),
    ],
)
def test_the_app_role_cannot_change_erase_or_bypass_the_audit_log(roles, statement, refusal):
    # given
    _owner, app = roles
    before = entries()
    as_role(app)

    # when
    error = refused(statement)

    # then
    assert refusal in error
    assert entries() == before
    assert uow.verify_chain() == []


def test_the_app_role_is_no_member_of_the_owner_role(roles):
    # given: (SET ROLE here is checked against the session's superuser, so ask the catalog)
    owner, app = roles

    # when
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_has_role(%s, %s, 'MEMBER'), pg_has_role(%s, 'pg_write_all_data', 'MEMBER')",
            [app, owner, app],
        )
        membership = cursor.fetchone()

    # then
    assert membership == (False, False)


def test_the_app_role_still_does_its_work(roles):
    # given
    _owner, app = roles
    as_role(app)

    # when: an audited unit of work, as every service writes one
    with uow.unit_of_work():
        uow.audit("test.as_app", object_type="thing", object_id=4)

    # then
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone() == (app,)
    assert [e[1] for e in entries()] == ["test.step"] * 3 + ["test.as_app"]
    assert Sequencer.objects.get().audit_seq == 4
    assert uow.verify_chain() == []


@pytest.mark.parametrize(
    "statement",
    ["TRUNCATE ledger_auditentry", "UPDATE ledger_auditentry SET action = 'x'"],
)
def test_even_the_owner_role_meets_the_triggers(roles, statement):
    # given: the owner may alter the table, so only the triggers stand in its way
    owner, _app = roles
    before = entries()
    as_role(owner)

    # when
    error = refused(statement)

    # then
    assert "the audit log is append-only" in error
    assert entries() == before


def test_the_roles_own_what_they_should_and_a_second_run_changes_nothing(roles):
    # given
    owner, app = roles

    def state() -> list[tuple[object, ...]]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT c.relname, pg_get_userbyid(c.relowner), c.relacl::text FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'S') ORDER BY 1"
            )
            return list(cursor.fetchall())

    first = state()

    # when
    call_command("db_roles", stdout=io.StringIO())

    # then
    assert state() == first
    assert {row[1] for row in first} == {owner}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolname, rolsuper, rolcreaterole, rolcreatedb, rolbypassrls FROM pg_roles "
            "WHERE rolname IN (%s, %s) ORDER BY rolname",
            [app, owner],
        )
        assert cursor.fetchall() == [
            (app, False, False, False, False),
            (owner, False, False, False, False),
        ]
        cursor.execute(
            "SELECT privilege_type FROM information_schema.role_table_grants "
            "WHERE table_name = 'ledger_auditentry' AND grantee = %s ORDER BY 1",
            [app],
        )
        assert [r[0] for r in cursor.fetchall()] == ["INSERT", "SELECT"]


def test_db_roles_refuses_to_demote_a_superuser(db):
    # when
    with pytest.raises(CommandError) as raised:
        call_command("db_roles", "--owner", "postgres", stdout=io.StringIO())

    # then
    assert "Refusing to use 'postgres'" in str(raised.value)


def test_db_roles_exports_the_urls_for_migrate_and_serving(db):
    # given
    database = connection.settings_dict["NAME"]
    out = io.StringIO()

    # when
    call_command("db_roles", "--export", stdout=out)

    # then
    lines = out.getvalue().splitlines()
    assert lines[0].startswith(f"export KUZET_DB_OWNER_URL='postgres://{database}_owner@")
    assert lines[1].startswith(f"export DATABASE_URL='postgres://{database}_app@")
    assert lines[1].endswith(f"/{database}'")


@pytest.mark.parametrize(("which", "suffix"), [("owner", "_owner"), ("app", "_app")])
def test_db_roles_prints_the_line_an_environment_file_takes(db, monkeypatch, which, suffix):
    """A password rotation (docs/deployment.md, *Rotating them*) puts the new URLs into
    ``kuzet.env`` and ``owner.env``, read by systemd and ``sh``: no ``export``, no quotes, and
    ``DATABASE_URL`` in both (``--export`` says ``export KUZET_DB_OWNER_URL='…'``)."""
    # given
    database = connection.settings_dict["NAME"]
    monkeypatch.setenv(f"KUZET_DB_{which.upper()}_PASSWORD", "n3w-Pass_word")
    out = io.StringIO()

    # when
    call_command("db_roles", "--env-line", which, stdout=out)

    # then
    (line,) = out.getvalue().splitlines()
    assert line.startswith(f"DATABASE_URL=postgres://{database}{suffix}:n3w-Pass_word@")
    assert line.endswith(f"/{database}")


def test_db_roles_takes_one_output_format(db):
    with pytest.raises(CommandError, match="pick one"):
        call_command("db_roles", "--export", "--env-line", "app", stdout=io.StringIO())
