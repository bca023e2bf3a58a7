"""Units on a call's story are read by their callsigns, not also by row ids: the duty officer
of a rural district read "Рекомендованный наряд: Позывной: AYG-DV1; …; Наряд: 16" on the call's
timeline and the escalation step's page (the recommendation carries the unit's id beside its
callsign), and "Жаңа тапсырма: 95" — the new assignment's id — after handing a silent crew's
call to another unit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation

from backend.common import clock
from backend.common.formatting import KEY_LABELS
from backend.dispatch.admin.timeline import incident_timeline
from backend.dispatch.models import EscalationStep
from backend.dispatch.services import assignment_reassign, incident_dispatch
from backend.dispatch.services.escalation import escalation_sweep
from tests import factories

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


def test_the_recommended_unit_is_read_by_its_callsign_without_its_id(client, personas):
    # given: a P1 call whose crew never acknowledged, swept past twice its deadline: the sweep
    # recommends the next unit, A-UI1
    personas.device(personas.a.patrol_officers[0])
    with clock.frozen(T0):
        call = factories.incident(
            district=personas.a.district, settlement=personas.a.town, priority="P1",
            received_at=T0,
        )  # fmt: skip
        incident_dispatch(incident=call, unit=personas.a.patrol, by=personas.duty)
    for seconds in (200, 241):
        with clock.frozen(T0 + dt.timedelta(seconds=seconds)):
            escalation_sweep()
    step = EscalationStep.objects.get(step="ack_overdue_twice")
    recommended = personas.a.inspector_unit
    assert step.details["recommended"]["unit_id"] == recommended.pk  # what the data carries
    client.force_login(personas.duty)

    # when: the duty officer reads the call's page and the step's page
    pages = {
        name: client.get(reverse(view, args=[pk])).content.decode()
        for name, view, pk in (
            ("call", "admin:dispatch_incident_change", call.pk),
            ("step", "admin:dispatch_escalationstep_change", step.pk),
        )
    }

    # then: the unit by its callsign, and no "Unit: <its id>" beside it (in the officer's
    # language, Russian)
    with translation.override(personas.duty.language):
        callsign, unit = str(KEY_LABELS["callsign"]), str(KEY_LABELS["unit_id"])
    for name, html in pages.items():
        assert f"{callsign}: {recommended.callsign}" in html, name
        assert f"{unit}: {recommended.pk}" not in html, name


def test_a_reassignment_names_the_new_crew_not_its_assignments_id(personas):
    # given: a call sent to A-PC1, then handed to A-UI1 by the duty officer (the crew was silent)
    call = factories.incident(district=personas.a.district, settlement=personas.a.village)
    sent = incident_dispatch(incident=call, unit=personas.a.patrol, by=personas.duty)
    new = assignment_reassign(assignment=sent, unit=personas.a.inspector_unit, by=personas.duty)

    # when: the call's timeline is read in Russian
    with translation.override("ru"):
        details = " ".join(r.detail for r in incident_timeline(call))
        new_assignment = str(KEY_LABELS["to_assignment_id"])
        to_unit = str(KEY_LABELS["to_unit_id"])

    # then: the reassignment's fact and entry name the new crew, never "Новое назначение: 95"
    assert f"{to_unit}: {personas.a.inspector_unit.callsign}" in details
    assert f"{new_assignment}: {new.pk}" not in details
    assert new_assignment not in details
