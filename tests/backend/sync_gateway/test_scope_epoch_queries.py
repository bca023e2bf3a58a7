"""A device's scope is recorded in one statement under the sequencer lock: the first pull of
every enrolled phone, and the pull after its officer moves, record it (docs/benchmarks.md,
2026-12-06: update_or_create added savepoints and a locked read, four or three statements)."""

from __future__ import annotations

import pytest

from backend.devices.models import Device
from backend.ledger import uow
from backend.ledger.models import AuditEntry
from backend.sync_gateway.models import DeviceScope
from backend.sync_gateway.pull import scope_epoch


@pytest.fixture
def phone(personas):
    device_id, _token = personas.device(personas.a.patrol_officers[0])
    return Device.objects.select_related("officer").get(pk=device_id)


@pytest.mark.django_db
def test_a_first_scope_is_recorded_in_one_insert(phone, django_assert_num_queries):
    # when: savepoint, the sequencer locked and stored, an update of no row and the insert,
    # release (update_or_create: ten)
    with django_assert_num_queries(6):
        epoch = scope_epoch(phone, None, known=True)

    # then
    row = DeviceScope.objects.get(device_id=phone.pk)
    officer = phone.officer
    assert (row.unit_id, row.district_id, row.enrolled_at, row.epoch) == (
        officer.unit_id,
        officer.district_id,
        phone.enrolled_at,
        epoch,
    )
    assert epoch == uow.current_change_seq()


@pytest.mark.django_db
def test_a_moved_officers_scope_is_rebuilt_in_one_update(
    personas, phone, django_assert_num_queries
):
    # given: the scope was built for the patrol car, then the officer left it
    first = scope_epoch(phone, None, known=True)
    phone.officer.unit = None
    phone.officer.save(update_fields=["unit"])
    old = DeviceScope.objects.get(device_id=phone.pk)
    scope = (old.unit_id, old.district_id, old.enrolled_at, old.epoch)

    # when: savepoint, the sequencer locked and stored, the row updated, the rebuild audited
    # (the sequencer again, the entry), release (update_or_create: eleven)
    with django_assert_num_queries(8):
        epoch = scope_epoch(phone, scope, known=True)

    # then
    row = DeviceScope.objects.get(device_id=phone.pk)
    assert epoch > first
    assert (row.unit_id, row.district_id, row.epoch) == (None, phone.officer.district_id, epoch)
    assert DeviceScope.objects.count() == 1
    rebuilt = AuditEntry.objects.get(action="device.scope_rebuilt")
    assert rebuilt.data_dict["from"]["unit_id"] == personas.a.patrol.pk
    # and a pull with the scope unchanged reads nothing
    assert scope_epoch(phone, (None, row.district_id, row.enrolled_at, epoch), known=True) == epoch
