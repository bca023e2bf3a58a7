"""The audit log's page reads an entry's data as the incident's timeline does: codes as
words, the unit by its callsign, the incident by its number — in the reader's language."""

from __future__ import annotations

import re

import pytest
from django.contrib.admin.utils import quote
from django.urls import reverse

from backend.dispatch.services import incident_dispatch
from backend.ledger.models import AuditEntry
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_dispatchs_entry_reads_as_words(client, personas):
    # given: a call dispatched by the duty officer; the chief reads Russian
    incident = factories.incident(district=personas.a.district, settlement=personas.a.village)
    incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)
    entry = AuditEntry.objects.get(action="assignment.dispatched")
    client.force_login(personas.a.chief)

    # when
    response = client.get(reverse("admin:ledger_auditentry_change", args=[entry.pk]))

    # then
    assert response.status_code == 200
    main = response.content.decode().split('id="content-main"')[1]
    rows = dict(re.findall(r"<dt>([^<]*)</dt><dd>([^<]*)</dd>", main))
    assert rows["Наряд"] == personas.a.patrol.callsign
    assert rows["Происшествие"] == incident.number
    assert rows["Источник"] == "Дежурный"
    assert "duty_officer" not in main


def test_the_units_list_and_an_outcomes_page_read_as_words(client, personas):
    # given: A's patrol on its way, an outcome recorded on its call; the chief reads Russian
    from backend.common import clock
    from backend.dispatch.models import Event
    from backend.dispatch.services import fact_record

    incident = factories.incident(district=personas.a.district, settlement=personas.a.village)
    assignment = incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)
    personas.a.patrol.__class__.objects.filter(pk=personas.a.patrol.pk).update(
        status="en_route", last_contact_at=clock.now()
    )
    fact_record(
        kind="outcome",
        assignment=assignment,
        source="on_behalf",
        actor=personas.duty,
        via="radio",
        payload={"code": "criminal_case", "text": ""},
    )
    outcome = Event.objects.get(kind="outcome")
    client.force_login(personas.a.chief)

    # when
    units = client.get(reverse("admin:people_unit_changelist")).content.decode()
    # (the admin writes ids with "_" escaped in its addresses: quote)
    page = client.get(reverse("admin:dispatch_event_change", args=[quote(outcome.pk)]))
    page = page.content.decode()

    # then
    callsign = personas.a.patrol.callsign
    row = re.search(rf">{callsign}</a></th>(.*?)</tr>", units, re.S)
    assert row is not None
    assert '<td class="field-presence_now">В пути</td>' in row.group(1)
    assert "<dd>criminal_case</dd>" not in page
    assert "<dt>Код</dt><dd>Возбуждено уголовное дело (ЕРДР)</dd>" in page


def test_a_records_history_is_its_audit_trail_in_words_and_scoped(client, personas):
    # given: a call dispatched, then the unit stood down by the duty officer
    from backend.dispatch.services import assignment_cancel

    incident = factories.incident(district=personas.a.district, settlement=personas.a.village)
    assignment = incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)
    assignment_cancel(assignment=assignment, by=personas.duty, reason="ложный вызов")
    history = reverse("admin:dispatch_assignment_history", args=[assignment.pk])

    # when: A's chief (Russian) and B's chief open the assignment's history
    client.force_login(personas.a.chief)
    page = client.get(history).content.decode()
    client.force_login(personas.b.chief)
    elsewhere = client.get(history)

    # then: both entries, newest first, who did it, what, with the data in words
    rows = re.findall(r"<tr>\s*<th[^>]*>([^<]*)</th>\s*<td>([^<]*)</td>\s*<td>([^<]*)</td>", page)
    assert [(who, what) for _when, who, what in rows] == [
        (personas.duty.username, "Назначение отменено"),
        (personas.duty.username, "Наряд направлен"),
    ]
    assert "<dd>ложный вызов</dd>" in page
    assert f"<dd>{personas.a.patrol.callsign}</dd>" in page
    assert "2 записи в журнале аудита" in page
    # B's chief does not learn that it exists
    assert elsewhere.status_code == 302


def test_reading_a_dv_cases_history_is_itself_audited(client, personas):
    # given: a domestic-violence call
    incident = factories.incident(
        district=personas.a.district,
        settlement=personas.a.village,
        category="domestic_violence",
        priority="P1",
    )
    client.force_login(personas.a.chief)

    # when
    response = client.get(reverse("admin:dispatch_incident_history", args=[incident.pk]))

    # then: the read is on the record, with why
    assert response.status_code == 200
    read = AuditEntry.objects.get(object_type="incident", object_id=str(incident.pk))
    assert (read.actor_id, read.data_dict["purpose"]) == (
        personas.a.chief.pk,
        "admin.incident_history",
    )
