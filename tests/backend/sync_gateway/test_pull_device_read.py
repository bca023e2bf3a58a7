"""A full pull reads its device once: :func:`pull_state`'s statement (the device, its officer,
the head, the horizon and the scope) is also the device the rest of the pull uses; it was
read again by ``device_authenticate`` (docs/benchmarks.md, "Queries of a history call")."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backend.common import clock
from backend.devices.models import Device, digest
from backend.devices.services import device_revoke
from backend.sync_gateway.pull import pull_state
from tests import factories

from .conftest import dispatch, ids


def _device_reads(queries: list[dict[str, str]]) -> list[str]:
    return [q["sql"] for q in queries if 'FROM "devices_device"' in q["sql"]]


@pytest.mark.django_db
def test_a_pull_with_something_new_reads_its_device_once(personas, device_a1):
    # given: at the head, then a new call for the patrol car
    device_a1.pull(None)
    dispatch(incident=factories.incident(district=personas.a.district), unit=personas.a.patrol)

    # when
    with CaptureQueriesContext(connection) as queries:
        body = device_a1.pull()

    # then: the one statement that also reads the head, not a second lookup by token hash
    reads = _device_reads(queries.captured_queries)
    assert len(reads) == 1, reads
    assert "token_hash" in reads[0]
    assert "ledger_sequencer" in reads[0]
    assert len(ids(body, "assignments")) == 1


@pytest.mark.django_db
def test_a_first_pull_reads_its_device_once(personas, device_a1):
    # when: the snapshot path, the scope recorded
    with CaptureQueriesContext(connection) as queries:
        body = device_a1.pull(None)

    # then
    assert len(_device_reads(queries.captured_queries)) == 1
    assert body["experimentalStrategy"] == "replacement"


@pytest.mark.django_db
def test_the_device_made_of_the_row_is_the_one_the_orm_reads(personas, django_assert_num_queries):
    # given: a phone seen once (every column of both rows set, datetimes and booleans)
    officer = personas.a.patrol_officers[0]
    device_id, token = personas.device(officer)
    Device.objects.filter(pk=device_id).update(last_seen_at=clock.now())
    known = pull_state(digest(token))
    assert known is not None

    # when: no statement (the officer comes with it, as select_related gives it)
    with django_assert_num_queries(0):
        made = known.device()
        made_officer = made.officer

    # then: the same values, of the same types, as loaded instances
    read = Device.objects.select_related("officer").get(pk=device_id)
    for model_field in Device._meta.concrete_fields:
        name = model_field.attname
        assert getattr(made, name) == getattr(read, name), name
        assert type(getattr(made, name)) is type(getattr(read, name)), name
    for model_field in type(read.officer)._meta.concrete_fields:
        name = model_field.attname
        assert getattr(made_officer, name) == getattr(read.officer, name), name
        assert type(getattr(made_officer, name)) is type(getattr(read.officer, name)), name
    assert made.last_seen_at is not None
    assert made.last_seen_at.tzinfo is not None
    assert made_officer.is_active is True
    assert not made._state.adding
    assert made._state.db == read._state.db
    assert not made_officer._state.adding


@pytest.mark.django_db
def test_a_revoked_phones_full_pull_is_still_refused(personas, device_a1):
    # given
    device_id = Device.objects.get(officer=personas.a.patrol_officers[0]).pk
    device_revoke(device=Device.objects.get(pk=device_id), by=personas.a.chief)

    # when
    response = device_a1.pull_raw("null")

    # then
    assert (response.status_code, response.json()["error"]) == (401, "device_revoked")
