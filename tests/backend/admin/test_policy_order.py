"""The escalation policies' list is ordered by district as its reader reads the districts'
names (backend/geo/names.py): it was ordered by the KATO's Russian name whatever the
reader's language, so a Kazakh reader's list was in no order he knows."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from backend.dispatch.models import EscalationPolicy

pytestmark = pytest.mark.django_db


def reading(officer: Any, language: str) -> Any:
    officer.language = language
    officer.save(update_fields=["language"])
    return officer


@pytest.mark.parametrize(
    ("language", "order"),
    [
        ("kk", ["Жарма ауданы", "Қалбатау ауданы"]),
        ("ru", ["Георгиевский район", "Жарминский район"]),
    ],
)
def test_the_policies_list_follows_the_readers_alphabet(client, personas, language, order):
    # given: by the Russian names Георгиевский comes first, by the Kazakh ones Жарма (Қ is
    # after Ж in the Kazakh alphabet)
    a, b = personas.a.district, personas.b.district
    a.name, a.name_kk = "Георгиевский район", "Қалбатау ауданы"
    b.name, b.name_kk = "Жарминский район", "Жарма ауданы"
    for district in (a, b):
        district.save(update_fields=["name", "name_kk"])
        EscalationPolicy.objects.create(
            district=district, priority="P3", ack_within_s=120, arrive_within_s=3600
        )
    client.force_login(reading(personas.oblast_admin, language))

    # when
    page = client.get(reverse("admin:dispatch_escalationpolicy_changelist")).content.decode()

    # then
    cells = re.findall(r'<th class="field-where[^"]*">(?:<a [^>]*>)?(.*?)(?:</a>)?</th>', page)
    assert [c for c in cells if c in order] == order
