"""The audit log is append-only: PostgreSQL refuses changes, and audit_verify catches tampering.

Tampering is done the way an intruder with database access would: raw SQL, with the
append-only trigger disabled on PostgreSQL (``DISABLE TRIGGER USER``, re-enabled after).
"""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from backend.ledger import uow
from backend.ledger.models import AuditEntry, Sequencer


@pytest.fixture
def chain(db) -> list[AuditEntry]:
    """Five chained entries, written the normal way."""
    for n in range(1, 6):
        with uow.unit_of_work():
            uow.audit("test.step", object_type="thing", object_id=n, data={"n": n})
    return list(AuditEntry.objects.order_by("id"))


def tamper(change: Callable[[], None]) -> None:
    """Run ``change`` as an intruder would: past the trigger on PostgreSQL."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # The test's open transaction still holds the entries' deferred foreign-key
            # checks, and ALTER TABLE refuses to run over pending trigger events.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE ledger_auditentry DISABLE TRIGGER USER")
        try:
            change()
        finally:
            with connection.cursor() as cursor:
                cursor.execute("ALTER TABLE ledger_auditentry ENABLE TRIGGER USER")
    else:
        change()


def sql(statement: str, params: list[object]) -> Callable[[], None]:
    def run() -> None:
        with connection.cursor() as cursor:
            cursor.execute(statement, params)

    return run


def verify() -> tuple[bool, list[str]]:
    out = io.StringIO()
    try:
        call_command("audit_verify", stdout=out)
    except CommandError:
        return False, out.getvalue().splitlines()
    return True, out.getvalue().splitlines()


def test_intact_chain_is_reported_ok_with_its_length_and_head(chain):
    # when
    ok, lines = verify()

    # then
    assert ok
    assert lines == [f"OK: audit chain intact, 5 entries, head {chain[-1].hash}"]


def test_an_edited_entry_is_caught(chain):
    # when
    tamper(sql("UPDATE ledger_auditentry SET data = %s WHERE id = %s", ['{"n":99}', 3]))

    # then
    ok, lines = verify()
    assert not ok
    assert lines == ["edited\tentry 3\tcontent does not match its stored hash"]


def test_an_entry_edited_with_its_hash_recomputed_is_caught(chain):
    # given: the intruder knows the algorithm and fixes the edited entry's own hash
    e = chain[2]
    forged = uow.entry_hash(
        id=e.id,
        at=e.at,
        actor_id=e.actor_id,
        actor_kind=e.actor_kind,
        actor_label=e.actor_label,
        action="test.forged",
        object_type=e.object_type,
        object_id=e.object_id,
        district_id=e.district_id,
        data=e.data,
        prev_hash=e.prev_hash,
    )

    # when
    tamper(
        sql(
            "UPDATE ledger_auditentry SET action = %s, hash = %s WHERE id = %s",
            ["test.forged", forged, e.id],
        )
    )

    # then: the next entry no longer follows it
    ok, lines = verify()
    assert not ok
    assert lines == [
        "reordered\tentry 4\tdoes not follow entry 3: entries were moved, "
        "or entry 3 was rewritten with a recomputed hash"
    ]


def test_a_deleted_entry_is_caught(chain):
    # when
    tamper(sql("DELETE FROM ledger_auditentry WHERE id = %s", [2]))

    # then
    ok, lines = verify()
    assert not ok
    assert lines == ["deleted\tentry 2\tentry 2 is missing"]


def test_a_deleted_last_entry_is_caught(chain):
    # when
    tamper(sql("DELETE FROM ledger_auditentry WHERE id = %s", [5]))

    # then
    ok, lines = verify()
    assert not ok
    assert lines == ["deleted\tentry 5\tthe chain ends at 4 but 5 entries were written"]


def test_reordered_entries_are_caught(chain):
    # given: entries 2 and 3 swap places; each gets a hash that is right for its new slot
    second, third = chain[1], chain[2]

    def swap() -> None:
        for slot, content in ((second.id, third), (third.id, second)):
            AuditEntry.objects.filter(id=slot).update(
                at=content.at,
                action=content.action,
                object_id=content.object_id,
                data=content.data,
                prev_hash=content.prev_hash,
                hash=uow.entry_hash(
                    id=slot,
                    at=content.at,
                    actor_id=content.actor_id,
                    actor_kind=content.actor_kind,
                    actor_label=content.actor_label,
                    action=content.action,
                    object_type=content.object_type,
                    object_id=content.object_id,
                    district_id=content.district_id,
                    data=content.data,
                    prev_hash=content.prev_hash,
                ),
            )

    # when
    tamper(swap)

    # then
    ok, lines = verify()
    assert not ok
    assert [line.split("\t")[:2] for line in lines] == [
        ["reordered", "entry 2"],
        ["reordered", "entry 3"],
        ["reordered", "entry 4"],
    ]


def test_the_command_exits_non_zero_on_tampering(chain):
    # given
    tamper(sql("DELETE FROM ledger_auditentry WHERE id = %s", [4]))

    # when
    with pytest.raises(CommandError) as raised:
        call_command("audit_verify", stdout=io.StringIO())

    # then
    assert raised.value.returncode == 2
    assert str(raised.value) == "audit chain broken: 1 problem(s)"


@pytest.mark.postgres
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_auditentry SET action = 'test.rewritten' WHERE id = 2",
        "DELETE FROM ledger_auditentry WHERE id = 2",
        "UPDATE ledger_auditentry SET data = '{}'",
        "DELETE FROM ledger_auditentry",
    ],
)
def test_postgresql_refuses_update_and_delete_of_the_audit_log(chain, statement):
    # when
    with pytest.raises(DatabaseError) as raised, transaction.atomic(), connection.cursor() as c:
        c.execute(statement)

    # then
    assert "the audit log is append-only" in str(raised.value)
    assert list(AuditEntry.objects.order_by("id").values_list("id", "action", "data", "hash")) == [
        (e.id, e.action, e.data, e.hash) for e in chain
    ]
    assert Sequencer.objects.get().audit_seq == 5
    assert uow.verify_chain() == []
