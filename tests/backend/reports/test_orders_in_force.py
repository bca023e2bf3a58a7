""" "Protective orders in force at the end of the period" counts the orders as Kuzet knew them
when the period ended — recorded by then, running to its last day or beyond — and opens the
list of exactly those risk subjects. A risk subject keeps only its order's last day: an order
recorded on 05.12 (until 04.01) was counted for a report to 04.12, and the figure's link
(``?protective_order_until__gte=``) read the register as it is now."""

from __future__ import annotations

import datetime as dt
import urllib.parse

import pytest
from django.urls import reverse

from backend.common import clock
from backend.dispatch.models import RiskSubject
from backend.dispatch.services import risk
from backend.ledger import uow
from tests import factories

from .dataset import local
from .test_pages import csv_rows, get, table_cells

pytestmark = pytest.mark.django_db

IN_FORCE = "Protective orders in force at the end of the period"


def order_on_a_call(side, address: str, at: dt.datetime) -> RiskSubject:
    """A DV call at ``address`` whose protective order (30 days from its day) was recorded at
    ``at``; its risk subject."""
    incident = factories.incident(
        district=side.district,
        settlement=side.village,
        category="domestic_violence",
        priority="P1",
        received_at=at - dt.timedelta(hours=1),
        landmark=address,
    )
    with clock.frozen(at), uow.unit_of_work():
        risk.protective_order_record(incident, issued_at=at, actor=side.chief)
    return RiskSubject.objects.get(district=side.district, address=address)


def admin_form(subject: RiskSubject, until: str) -> dict[str, str]:
    return {
        "kind": subject.kind,
        "district": str(subject.district_id),
        "settlement": str(subject.settlement_id or ""),
        "address": subject.address,
        "person_name": subject.person_name,
        "phone": subject.phone,
        "protective_order_until": until,
        "prior_dv_calls": str(subject.prior_dv_calls),
        "last_follow_up_at_0": "",
        "last_follow_up_at_1": "",
    }


def order_in_admin(client, chief, subject: RiskSubject, until: str, at: dt.datetime) -> None:
    """The chief sets (or, with ``""``, clears) a subject's order in the admin at ``at``."""
    client.force_login(chief)
    url = reverse("admin:dispatch_risksubject_change", args=[subject.pk])
    with clock.frozen(at):
        response = client.post(url, admin_form(subject, until))
    assert response.status_code == 302, response.content.decode()[:2000]


@pytest.fixture
def orders(client, personas):
    """March 2026 in district A, each subject's story; the ones in force on 31.03 as Kuzet
    knew it then."""
    a, b = personas.a, personas.b
    chief = a.chief
    chief.language = "en"
    chief.save(update_fields=["language"])
    s = {
        # issued 20.03, until 19.04
        "in_force": order_on_a_call(a, "ул. Абая, 1", local(20, 10)),
        # issued 01.03, until 31.03: in force on the period's last day
        "to_the_last_day": order_on_a_call(a, "ул. Абая, 2", local(1, 10)),
        # issued 15.02, until 17.03
        "expired": order_on_a_call(a, "ул. Абая, 3", local(15, 10, month=2)),
        # recorded after the period: 01.04 and 05.04 (the walk's 05.12 for a report to 04.12)
        "recorded_after": order_on_a_call(a, "ул. Абая, 4", local(1, 9, month=4)),
        "recorded_after_too": order_on_a_call(a, "ул. Абая, 5", local(5, 9, month=4)),
        # issued 11.03 (until 10.04), extended by another call on 02.04: counted once
        "extended_after": order_on_a_call(a, "ул. Абая, 6", local(11, 10)),
        # issued 10.03 (until 09.04), cleared by the chief on 05.04
        "cleared_after": order_on_a_call(a, "ул. Абая, 7", local(10, 10)),
        # issued 05.03 (until 04.04), cleared by the chief on 25.03
        "cleared_within": order_on_a_call(a, "ул. Абая, 8", local(5, 10)),
        # no order from a call: the chief records one in the admin on 28.03, until 30.06
        "recorded_by_hand": RiskSubject.objects.create(
            kind="address", district=a.district, settlement=a.village, address="ул. Абая, 9"
        ),
        # the period ends at local midnight
        "recorded_last_minute": order_on_a_call(a, "ул. Абая, 10", local(31, 23, 59)),
        "recorded_at_midnight": order_on_a_call(a, "ул. Абая, 11", local(1, 0, 0, month=4)),
        "other_district": order_on_a_call(b, "ул. Абая, 1", local(20, 10)),
    }
    order_on_a_call(a, "ул. Абая, 6", local(2, 10, month=4))
    order_in_admin(client, chief, s["cleared_after"], "", local(5, 12, month=4))
    order_in_admin(client, chief, s["cleared_within"], "", local(25, 12))
    order_in_admin(client, chief, s["recorded_by_hand"], "2026-06-30", local(28, 12))
    known = (
        "in_force",
        "to_the_last_day",
        "extended_after",
        "cleared_after",
        "recorded_by_hand",
        "recorded_last_minute",
    )
    return s, sorted(s[name].pk for name in known)


def test_the_orders_in_force_are_those_known_at_the_end_of_the_period(client, personas, orders):
    # given
    _subjects, expected = orders

    # when
    page = get(client, personas.a.chief, "reports_upward")
    export = get(client, personas.a.chief, "reports_upward", csv="domestic_violence")

    # then
    assert {r[0]: r[1] for r in table_cells(page.content.decode(), "domestic_violence")}[
        IN_FORCE
    ] == str(len(expected))
    assert {r[0]: r[1] for r in csv_rows(export)[1:]}[IN_FORCE] == str(len(expected))


def test_the_figure_opens_the_list_of_exactly_its_subjects(client, personas, orders):
    # given
    _subjects, expected = orders
    page = get(client, personas.a.chief, "reports_upward")
    table = next(t for t in page.context["tables"] if t.id == "domestic_violence")
    href = next(r["value"].href for r in table.rows if r["figure"] == IN_FORCE)

    # when
    listing = client.get(href)

    # then
    assert listing.status_code == 200
    assert sorted(o.pk for o in listing.context["cl"].result_list) == expected
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(href).query)
    assert query == {"id__in": [",".join(map(str, expected))]}


def test_the_figure_of_a_closed_period_does_not_change_afterwards(client, personas, orders):
    # given: the figure read on 1 April
    subjects, expected = orders
    before = get(client, personas.a.chief, "reports_upward")

    # when: an order recorded later on a subject whose order had run out
    order_on_a_call(personas.a, "ул. Абая, 3", local(3, 9, month=4))
    after = get(client, personas.a.chief, "reports_upward")

    # then
    def figure(response) -> str:
        return {r[0]: r[1] for r in table_cells(response.content.decode(), "domestic_violence")}[
            IN_FORCE
        ]

    assert figure(before) == figure(after) == str(len(expected))
    assert subjects["expired"].pk not in expected


def test_no_order_in_force_is_a_zero_without_a_link(client, personas):
    # when
    page = get(client, personas.a.chief, "reports_upward")

    # then
    table = next(t for t in page.context["tables"] if t.id == "domestic_violence")
    row = next(
        r for r in table.rows if r["figure"] == "Защитные предписания, действующие на конец периода"
    )
    assert (row["value"].value, row["value"].href) == (0, "")
