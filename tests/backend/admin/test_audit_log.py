"""The audit log's page reads an entry's data as the incident's timeline does: codes as
words, the unit by its callsign, the incident by its number — in the reader's language."""

from __future__ import annotations

import re

import pytest
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
