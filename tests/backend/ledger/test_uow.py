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
