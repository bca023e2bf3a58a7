import pytest

from backend.ledger import uow
from backend.ledger.models import AuditEntry, Sequencer


@pytest.mark.django_db
def test_audit_entries_are_chained_in_order():
    # given / when
    with uow.unit_of_work():
        uow.audit("test.first", object_type="thing", object_id=1, data={"n": 1})
        uow.audit("test.second", object_type="thing", object_id=2, data={"n": 2})

    # then
    first, second = AuditEntry.objects.order_by("id")
    assert (first.id, second.id) == (1, 2)
    assert second.prev_hash == first.hash
    assert Sequencer.objects.get().audit_head == second.hash
    assert uow.verify_chain() == []


@pytest.mark.django_db
def test_audit_outside_unit_of_work_is_refused():
    with pytest.raises(uow.OutsideUnitOfWork):
        uow.audit("test.nowhere")
    assert AuditEntry.objects.count() == 0


@pytest.mark.django_db
def test_failed_unit_of_work_writes_nothing():
    # given
    def doomed_service():
        with uow.unit_of_work():
            uow.audit("test.doomed")
            raise RuntimeError("boom")

    # when
    with pytest.raises(RuntimeError):
        doomed_service()

    # then
    assert AuditEntry.objects.count() == 0
    with uow.unit_of_work():
        uow.audit("test.after")
    assert list(AuditEntry.objects.values_list("id", "action")) == [(1, "test.after")]


@pytest.mark.django_db
def test_a_large_unit_of_work_writes_a_chain_that_verifies():
    # given: more entries than the bulk path's threshold (one array insert on PostgreSQL)
    with uow.unit_of_work():
        for n in range(120):
            uow.audit("test.bulk", object_type="thing", object_id=n, data={"n": n, "text": "ä\"'"})

    # when
    problems = uow.verify_chain()

    # then
    assert problems == []
    assert list(AuditEntry.objects.order_by("id").values_list("id", flat=True)) == list(
        range(1, 121)
    )
    assert AuditEntry.objects.get(id=120).data_dict == {"n": 119, "text": "ä\"'"}


@pytest.mark.django_db
def test_the_sequencer_row_is_recreated_when_a_flush_removed_it():
    # given: the row the data migration made is gone (a flushed test database)
    Sequencer.objects.all().delete()

    # when
    with uow.unit_of_work():
        uow.audit("test.after_flush")

    # then: one row again, carrying the new head
    entry = AuditEntry.objects.get()
    sequencer = Sequencer.objects.get()
    assert (sequencer.audit_seq, sequencer.audit_head) == (1, entry.hash)


@pytest.mark.django_db
def test_the_sequencer_is_taken_and_stored_with_its_values():
    # given
    Sequencer.objects.update_or_create(
        id=1, defaults={"change_seq": 41, "audit_seq": 7, "audit_head": "a" * 64}
    )

    # when
    with uow.unit_of_work():
        taken = uow.lock_sequencer()
        taken.change_seq += 1
        uow.store_sequencer(taken)

    # then
    assert (taken.change_seq, taken.audit_seq, taken.audit_head) == (42, 7, "a" * 64)
    assert Sequencer.objects.values_list("change_seq", "audit_seq").get() == (42, 7)


@pytest.mark.django_db
def test_the_locked_sequencer_saves_as_a_loaded_row():
    # given
    with uow.unit_of_work():
        taken = uow.lock_sequencer()

        # when: saved the ORM way (its id has a default: a new instance would INSERT)
        taken.change_seq += 5
        taken.save(update_fields=["change_seq"])

    # then
    assert Sequencer.objects.values_list("change_seq", flat=True).get() == taken.change_seq
