"""A unit sent to a call every unit had cleared (the caller rang again before the desk closed
it) puts the call back in work: ``assigned``, then ``active`` once the unit is on its way. It
stayed ``cleared`` — on the desk's list of calls to close, counted there on the home page and
in the shift handover — while the unit drove to it, and the desk's Close cancelled the unit."""

from __future__ import annotations

import pytest

from backend.dispatch import kpis
from backend.dispatch.lifecycle import EventKind
from backend.dispatch.models import Incident
from backend.dispatch.services import assignment_record_on_behalf, incident_dispatch
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_unit_sent_to_a_cleared_call_puts_it_back_in_work(personas):
    # given: a call the first unit reached and cleared
    a = personas.a
    inc = factories.incident(district=a.district, settlement=a.town, status="queued")
    first = incident_dispatch(incident=inc, unit=a.patrol, by=a.chief)
    for kind in (EventKind.EN_ROUTE, EventKind.ON_SCENE, EventKind.CLEARED):
        assignment_record_on_behalf(assignment=first, by=a.chief, kind=kind, channel="radio")
    inc.refresh_from_db()
    assert inc.status == "cleared"

    # when: the desk sends a second unit
    second = incident_dispatch(incident=inc, unit=a.inspector_unit, by=a.chief)
    inc.refresh_from_db()
    after_dispatch = inc.status
    to_close = Incident.objects.filter(pk=inc.pk, status__in=kpis.CALLS_TO_CLOSE).exists()
    assignment_record_on_behalf(
        assignment=second, by=a.chief, kind=EventKind.EN_ROUTE, channel="radio"
    )
    inc.refresh_from_db()

    # then
    assert (after_dispatch, to_close, inc.status) == ("assigned", False, "active")
