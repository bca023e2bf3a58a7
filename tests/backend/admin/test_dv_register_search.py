"""A search of the DV register that finds a few cases is an audited read of each: the list
shows only the cases' numbers, but one case found for "Сейткали" answers "is she on the
register?" — that went unaudited, where opening the case is audited. The term typed is not
recorded (a name in the append-only log); a search finding many cases names no one."""

from __future__ import annotations

import pytest
from django.urls import reverse

from backend.dispatch.admin import risk
from backend.dispatch.models import RiskSubject
from backend.ledger.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(personas):
    district = personas.a.district
    return [
        RiskSubject.objects.create(kind="person", district=district, person_name="Айгүл Сейткали"),
        RiskSubject.objects.create(kind="address", district=district, address="Абай көшесі 12"),
        RiskSubject.objects.create(kind="address", district=district, address="Абай көшесі 14"),
    ]


def _reads() -> list[tuple[str, int, str]]:
    return [
        (e.object_id, e.actor_id, e.data_dict["purpose"])
        for e in AuditEntry.objects.filter(action="risksubject.read").order_by("id")
    ]


def test_a_register_search_finding_a_case_is_an_audited_read_of_it(client, personas, cases):
    # given
    chief = personas.a.chief
    client.force_login(chief)

    # when
    url = reverse("admin:dispatch_risksubject_changelist")
    response = client.get(url, {"q": "Сейткали"})

    # then: one case found, its read audited; the name typed is in no entry
    assert [c.pk for c in response.context["cl"].result_list] == [cases[0].pk]
    assert _reads() == [(str(cases[0].pk), chief.pk, "admin.risk_subject_search")]
    assert not AuditEntry.objects.filter(data__contains="Сейткали").exists()


def test_a_search_finding_more_cases_than_the_limit_and_the_plain_list_read_no_one(
    client, personas, cases, monkeypatch
):
    # given
    monkeypatch.setattr(risk, "SEARCH_READS", 1)
    client.force_login(personas.a.chief)
    url = reverse("admin:dispatch_risksubject_changelist")

    # when
    found = client.get(url, {"q": "Абай"}).context["cl"].result_list
    listed = client.get(url).context["cl"].result_list

    # then
    assert (len(found), len(listed)) == (2, 3)
    assert _reads() == []
