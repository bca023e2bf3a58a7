"""What a device may send that parses but names nothing the server has: record ids out of any
row's range. Each was a 500 for the whole push — and for every retry of it, the good records
beside it stuck in the phone's outbox (docs/protocol.md §4, *An event record*)."""

import pytest

from backend.dispatch.models import Event
from backend.sync_gateway.models import QuarantinedRecord

from .conftest import event


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("bad", "detail"),
    [
        pytest.param(
            lambda a: event("ack", "99999999999999999999"),
            "no assignment 99999999999999999999",
            id="assignment-beyond-bigint",
        ),
        pytest.param(
            lambda a: event("ack", f"{a.pk}_0"),
            "no assignment {pk}_0",
            id="assignment-with-underscore",
        ),
        pytest.param(
            lambda a: event("follow_up_visit", payload={"follow_up_id": "9" * 40}),
            "no follow-up visit " + "9" * 40,
            id="follow-up-beyond-bigint",
        ),
    ],
)
def test_an_id_naming_no_row_rejects_its_record_and_the_rest_is_stored(
    assignment_a, device_a1, bad, detail
):
    # given: a record naming an id no row can have, between two good ones
    before = event("ack", assignment_a)
    record = bad(assignment_a)
    after = event("note", assignment_a, payload={"text": "на месте"})

    # when
    results = device_a1.push(before, record, after)

    # then: that record is rejected and quarantined; the others are stored
    assert [r["status"] for r in results] == ["accepted", "rejected", "accepted"]
    assert results[1]["detail"] == detail.format(pk=assignment_a.pk)
    assert set(Event.objects.values_list("id", flat=True)) == {before["id"], after["id"]}
    assert QuarantinedRecord.objects.get().record_id == record["id"]
