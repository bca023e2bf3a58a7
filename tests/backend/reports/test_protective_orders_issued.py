"""A protective order (Law 214-IV) is issued on domestic violence whatever the call was
entered as — a "fight" that turned out to be a husband beating his wife. Kuzet registers it
(the order is in force, counted at the end of the period), and the report for the period
counts it as issued, as it counts a protocol under article 73 or 461 on any call: it counted
only the orders on calls entered as domestic violence, so the period read "orders issued: 1,
in force: 2" with both issued in it."""

from __future__ import annotations

import pytest

from backend.common import clock
from backend.dispatch.models import Incident
from backend.dispatch.services import risk
from backend.ledger import uow
from tests import factories

from .dataset import local
from .test_pages import get, table_cells

pytestmark = pytest.mark.django_db


def test_an_order_on_a_call_of_another_category_counts_as_issued(client, personas):
    # given: one order on a DV call, one on a fight, one fight with another outcome
    a = personas.a
    for category, outcome, day in (
        ("domestic_violence", "protective_order", 3),
        ("violence", "protective_order", 4),
        ("violence", "warning", 5),
    ):
        factories.incident(
            district=a.district,
            settlement=a.town,
            category=category,
            priority="P1",
            received_at=local(day, 12),
            outcome_code=outcome,
        )

    # when
    report = get(client, a.chief, "reports_upward")
    dv = {r[0]: r for r in table_cells(report.content.decode(), "domestic_violence")}
    link = report.content.decode().split("Вынесено защитных предписаний", 1)[1]
    href = link.split('href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    listing = client.get(href)

    # then: both orders, and the list behind the figure has them both
    assert dv["Вынесено защитных предписаний"][1] == "2"
    assert dv["Вызовы о бытовом насилии"][1] == "1"
    assert listing.context["count"] == 2


def test_an_order_recorded_on_a_call_closed_with_another_outcome_counts_as_issued(client, personas):
    # given: a DV call whose crew issued a protective order (recorded, its subject under
    # it), then closed by the desk as a criminal case; a call of district B with an order
    a, b = personas.a, personas.b
    for side in (a, b):
        incident = factories.incident(
            district=side.district,
            settlement=side.town,
            category="domestic_violence",
            priority="P1",
            received_at=local(10, 12),
            landmark="ул. Абая, 7",
        )
        with clock.frozen(local(10, 13)), uow.unit_of_work():
            risk.protective_order_record(incident, issued_at=local(10, 13), actor=side.chief)
        incident.outcome_code = "criminal_case"
        incident.save(update_fields=["outcome_code"])
    mine = Incident.objects.get(district=a.district)

    # when
    report = get(client, a.chief, "reports_upward")
    dv = {r[0]: r for r in table_cells(report.content.decode(), "domestic_violence")}
    link = report.content.decode().split("Вынесено защитных предписаний", 1)[1]
    href = link.split('href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    listing = client.get(href)

    # then: issued 1 as in force 1 (it read "issued 0, in force 1"), and the list behind the
    # figure is that call, district B's left out
    assert dv["Вынесено защитных предписаний"][1] == "1"
    assert dv["Защитные предписания, действующие на конец периода"][1] == "1"
    assert [row.pk for row in listing.context["page"].object_list] == [mine.pk]
