"""The open question about a phone's facts on a colleague's call is found from the few open
questions of that kind, not by reading every conflict ever opened on a call
(``_phones_asked_about_others_work`` runs on every push of such a fact)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backend.devices.models import Device
from backend.dispatch.models import Conflict, Event, EventKind, Incident
from backend.dispatch.services.facts import _Entry, _phones_asked_about_others_work
from tests import factories
from tests.plans import as_autovacuum_keeps

from .test_clock_question_cost import T0, _device


def _fact(device: Device, n: int, call: Incident | None = None) -> Event:
    """The phone's ``n``-th event, half a minute apart: a note on ``call``, else a position."""
    at = T0 + dt.timedelta(seconds=30 * n)
    return Event(
        id=f"evt-{device.install_id}-{n}",
        kind=EventKind.NOTE if call else EventKind.LOCATION,
        source="app",
        device=device,
        incident=call,
        boot_id="boot-a",
        elapsed_ms=n * 30_000,
        lat=None if call else 47.96,
        lon=None if call else 80.43,
        content_hash="0" * 64,
        server_received_at=at,
        estimated_at=at,
        estimate_method="anchor",
        disposition="not_assignee" if call else "recorded",
    )


def _asked(personas, kind: str, event: Event, *, answered: bool = False) -> Conflict:
    return Conflict(
        kind=kind,
        district=personas.a.district,
        incident=event.incident,
        event=event,
        opened_at=event.server_received_at,
        **(
            {"state": "resolved", "resolution": "noted", "resolved_at": event.server_received_at}
            if answered
            else {}
        ),
    )


def _note_on(device: Device, call: Incident) -> list[_Entry]:
    event = Event(id="evt-new", kind=EventKind.NOTE, device=device, boot_id="boot-a")
    return [
        _Entry(
            event=event,
            assignment_id=None,
            claimed_unit_id=None,
            conflicts=[("not_assignee", {"incident_id": call.pk})],
        )
    ]


@pytest.mark.django_db
def test_the_open_question_about_a_phones_notes_on_a_colleagues_call_is_found_from_the_open_ones(
    personas,
):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's plan")
    # given: a phone with nearly two days of positions and, every fiftieth, a note on a
    # colleague's call — the questions about the earlier ones answered, the last one open
    [call, earlier, elsewhere, busy_call] = (
        factories.incident(district=personas.a.district) for _ in range(4)
    )
    phone = _device(personas, "helpful")
    history = Event.objects.bulk_create(
        _fact(phone, n, (earlier if n < 4_950 else call) if n % 50 == 0 else None)
        for n in range(5_000)
    )
    notes = [event for event in history if event.incident_id]
    Conflict.objects.bulk_create(
        [_asked(personas, "not_assignee", note, answered=True) for note in notes[:-1]]
        + [_asked(personas, "not_assignee", notes[-1])]
    )
    # and open questions about three other phones' notes
    for i in range(3):
        other = _device(personas, f"other-{i}")
        [note] = Event.objects.bulk_create([_fact(other, 0, elsewhere)])
        _asked(personas, "not_assignee", note).save()
    # and the questions of the weeks before, answered, and another kind still open on a call
    for name, kind, answered in [
        ("answered", "not_assignee", True),
        ("busy", "outcome_mismatch", False),
    ]:
        device = _device(personas, name)
        events = Event.objects.bulk_create(_fact(device, n, busy_call) for n in range(3_000))
        Conflict.objects.bulk_create(
            _asked(personas, kind, event, answered=answered) for event in events
        )
    as_autovacuum_keeps("dispatch_event", "dispatch_conflict")

    # when: the push of one more note looks for the question, and the planner is asked how
    # it reads that statement
    with CaptureQueriesContext(connection) as queries:
        asked = _phones_asked_about_others_work(_note_on(phone, call))
    [statement] = [q["sql"] for q in queries.captured_queries]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + statement)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    # then: the same answer — the calls this phone has an open question about — read from
    # the open questions of that kind, each event fetched by its key; neither the conflicts
    # on calls nor the phone's events are walked, and nothing is sorted
    assert asked == {(phone.pk, call.pk)}
    assert "conflict_open_others_work_idx" in plan, plan
    assert "Seq Scan" not in plan, plan
    assert "dispatch_conflict_incident_id" not in plan, plan
    assert "event_device_recv_idx" not in plan, plan
    assert "Sort" not in plan, plan
