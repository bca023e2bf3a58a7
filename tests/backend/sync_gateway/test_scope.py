"""The change resolver: which audiences a touched record reaches, and what comes along."""

import pytest

from backend.common import clock
from backend.dispatch.models import Event
from backend.ledger import uow
from backend.sync_gateway.scope import resolve_changes
from tests import factories

from .conftest import SyncApi, dispatch, event, ids


@pytest.fixture
def inspector(personas, client):
    """The district inspector of A (a unit of one), with an enrolled phone."""
    return SyncApi(client, personas.device(personas.a.inspector)[1])


@pytest.fixture
def scene_note(assignment_a, device_a1, inspector):
    """The patrol car's note from the scene, pulled back; the inspector in sync. Its ids."""
    device_a1.pull(None)
    device_a1.push(event("note", assignment_a, payload={"text": "two suspects"}))
    note_id = ids(device_a1.pull(), "events")
    inspector.pull(None)
    return note_id


def _dispatch(incident, unit):
    return dispatch(incident=incident, unit=unit)


def _assignment_touched_alone(incident, unit):
    with uow.unit_of_work():
        assignment = factories.assignment(incident=incident, unit=unit)
        uow.touch("assignments", assignment.pk)
    return assignment


@pytest.mark.django_db
@pytest.mark.parametrize(
    "send",
    [
        pytest.param(_dispatch, id="dispatch-touches-incident-and-assignment"),
        pytest.param(_assignment_touched_alone, id="only-the-assignment-touched"),
    ],
)
def test_unit_sent_to_an_incident_gets_it_with_its_earlier_events(
    personas, assignment_a, inspector, scene_note, send
):
    # given: the patrol car's note from the scene (scene_note), the inspector in sync

    # when: the inspector is sent too
    second = send(assignment_a.incident, personas.a.inspector_unit)
    body = inspector.pull()

    # then
    assert ids(body, "assignments") == [str(second.pk)]
    assert ids(body, "incidents") == [str(assignment_a.incident_id)]
    assert ids(body, "events") == scene_note


@pytest.mark.django_db
def test_touching_one_assignment_keeps_the_incident_with_the_other_unit(
    personas, assignment_a, device_a1, inspector
):
    # given: two units on one incident
    second = dispatch(incident=assignment_a.incident, unit=personas.a.inspector_unit)
    device_a1.pull(None)
    inspector.pull(None)

    # when: the inspector's assignment alone is touched
    with uow.unit_of_work():
        uow.touch("assignments", second.pk)
    patrol_body = device_a1.pull()
    inspector_body = inspector.pull()

    # then: the incident stays with the patrol car; only the touched record is re-sent
    assert ids(patrol_body, "incidents", "deleted") == []
    assert ids(patrol_body, "incidents") == []
    assert ids(inspector_body, "assignments") == [str(second.pk)]
    assert ids(inspector_body, "incidents", "deleted") == []


@pytest.mark.django_db
def test_resolving_a_dispatch_reads_each_table_once(
    personas, incident_a, django_assert_num_queries
):
    # given: what a dispatch touches, already written
    a = personas.a
    assignment = factories.assignment(incident=incident_a, unit=a.patrol)
    server_event = Event.objects.create(
        id="srv_test", kind="dispatched", source="server", assignment=assignment,
        incident=incident_a, unit=a.patrol, content_hash="0" * 64,
        server_received_at=clock.now(), estimated_at=clock.now(), estimate_method="server",
        disposition="applied",
    )  # fmt: skip
    touched = {
        "assignments": {str(assignment.pk)},
        "incidents": {str(incident_a.pk)},
        "events": {server_event.pk},
        "units": {str(a.patrol.pk)},
    }

    # when / then: assignments, the incident's follow-up visits, units, events, memberships,
    # and one insert of memberships
    with django_assert_num_queries(6):
        rows = resolve_changes(touched)
    assert sorted((r.audience, r.table) for r in rows) == [
        (f"d:{a.district.pk}", "units"),
        (f"u:{a.patrol.pk}", "assignments"),
        (f"u:{a.patrol.pk}", "events"),
        (f"u:{a.patrol.pk}", "incidents"),
    ]
