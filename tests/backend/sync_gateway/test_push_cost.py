"""What a push costs the web process beyond its statements: the ORM statements it compiles.

Django's compilation of a queryset costs more than PostgreSQL's run of it on the push's
short statements (docs/benchmarks.md, "Server CPU per device push"): the hot ones are
precomposed or compiled once, and a push of positions alone compiles no lock of the
assignments and incidents it does not name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest.mock import patch

import pytest
from django.db import connection, transaction
from django.db.models.sql.query import Query
from django.test.utils import CaptureQueriesContext

from tests.backend.sync_support import event


@contextmanager
def compiled() -> Iterator[list[str]]:
    """The tables of the ORM statements compiled meanwhile (executed or found empty)."""
    tables: list[str] = []
    original = Query.get_compiler

    def counting(self: Query, *args: Any, **kwargs: Any) -> Any:
        tables.append(self.model._meta.db_table if self.model is not None else "")
        return original(self, *args, **kwargs)

    with patch.object(Query, "get_compiler", counting):
        yield tables


def position(**fields: Any) -> dict[str, Any]:
    return event("location", lat=47.96, lon=80.43, accuracy_m=10, **fields)


@pytest.mark.django_db
def test_a_position_push_compiles_only_what_the_django_path_needs(personas, device_a1):
    # given a phone whose unit already has a position (the tie-break read has work to do)
    device_a1.push(position())

    # when the next position comes
    with compiled() as tables:
        (result,) = device_a1.push(position())

    # then it is applied, and the statements Django compiles for it are the device's read
    # and lock, the replay check, the anchor, the event and its writes, the membership — not
    # the assignments' and incidents' locks of nothing, the unit's lock, the enrolment floor,
    # the units' latest facts or the change rows (15 before, 8 now)
    assert result["status"] == "accepted"
    assert result["disposition"] == "applied"
    assert "dispatch_assignment" not in tables
    assert "dispatch_incident" not in tables
    assert "devices_enrolmentcode" not in tables
    assert "ledger_change" not in tables
    assert tables.count("people_unit") == 1  # the unit's new position, saved
    assert len(tables) <= 8, tables


@pytest.mark.django_db
def test_a_lock_of_the_same_shape_is_compiled_once_and_reads_the_same_rows(personas):
    from backend.dispatch.services.locks import lock_rows
    from backend.people.models import Unit

    units = sorted([personas.a.patrol.pk, personas.b.patrol.pk])
    with transaction.atomic():
        first = lock_rows(Unit, units)  # compiled here (or by an earlier test)
        with compiled() as tables, CaptureQueriesContext(connection) as queries:
            again = lock_rows(Unit, reversed(units))
            nothing = lock_rows(Unit, [])

    assert tables == []
    assert nothing == {}
    assert len(queries.captured_queries) == 1
    if connection.vendor == "postgresql":
        assert queries.captured_queries[0]["sql"].endswith("FOR NO KEY UPDATE")
    assert list(again) == units

    def fields(rows: Any) -> list[dict[str, Any]]:
        return [{k: v for k, v in u.__dict__.items() if k != "_state"} for u in rows]

    assert fields(again.values()) == fields(first.values())
    assert fields(again.values()) == fields(Unit.objects.filter(pk__in=units).order_by("pk"))
    assert all(not u._state.adding and u._state.db == "default" for u in again.values())
    assert {u.callsign for u in again.values()} == {personas.a.patrol.callsign,
                                                   personas.b.patrol.callsign}  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_a_cached_lock_outside_a_transaction_is_refused_as_the_orm_refuses_it():
    from django.db.transaction import TransactionManagementError

    from backend.dispatch.services.locks import lock_rows
    from backend.people.models import Unit

    if not connection.features.has_select_for_update:
        pytest.skip("SQLite takes no row locks")
    with transaction.atomic():
        assert lock_rows(Unit, [10**9]) == {}  # the statement is compiled and kept
    with pytest.raises(TransactionManagementError):
        lock_rows(Unit, [10**9])


@pytest.mark.django_db
def test_the_enrolment_floor_is_the_first_code_used(personas):
    from backend.devices.models import Device, EnrolmentCode
    from backend.dispatch.services.facts import _device_floor

    device_id, _token = personas.device(personas.a.patrol_officers[0])
    device = Device.objects.get(pk=device_id)
    enrolled = device.enrolled_at
    code = EnrolmentCode.objects.filter(device_id=device_id).first()
    assert code is not None
    # an earlier code used for this phone (enrolled again since), and one never used
    for used_at in (enrolled - dt.timedelta(days=3, microseconds=250), None):
        code.pk = None
        code.code_hash = f"{code.code_hash[:-8]}{used_at is None:08d}"
        code.used_at = used_at
        code.save()

    assert _device_floor(device) == enrolled - dt.timedelta(days=3, microseconds=250)
    EnrolmentCode.objects.filter(device_id=device_id).update(used_at=None)
    assert _device_floor(device) == enrolled
