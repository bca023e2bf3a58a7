"""A cancelled call is void (dispatch: "nobody is cleared: the call is void") and the arrival
target's share does not count it (docs/reports.md: "Not counted: … cancelled or duplicate") —
though a unit reached it before the duty officer cancelled it. It was counted whenever a unit
had arrived: a false call cancelled after a late arrival was a missed target on the chief's
screen and first on the list of misses."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from backend.reports import selectors
from backend.reports.filters import ReportFilter
from tests import factories

from .dataset import EXPECTED, NOW, PERIOD, TARGET, build, local
from .test_pages import get

pytestmark = pytest.mark.django_db


@pytest.fixture
def march(personas):
    m = build(personas)
    a = personas.a
    # Two calls in the town a unit reached — one late, one in time — then cancelled.
    for day, arrived in ((17, 1500), (18, 300)):
        received = local(day, 11)
        inc = factories.incident(
            district=a.district,
            settlement=a.town,
            priority="P1",
            received_at=received,
            status="cancelled",
            closed_at=received + dt.timedelta(seconds=arrived + 600),
        )
        factories.assignment(
            incident=inc,
            unit=a.patrol,
            dispatched_at=received + dt.timedelta(seconds=60),
            on_scene_at=received + dt.timedelta(seconds=arrived),
            arrive_due_at=received + dt.timedelta(seconds=TARGET[("P1", "urban")]),
            status="cancelled",
            cancelled_at=received + dt.timedelta(seconds=arrived + 600),
            closed_at=received + dt.timedelta(seconds=arrived + 600),
        )
    return m


def test_a_cancelled_call_is_not_counted_for_the_arrival_target(client, personas, march):
    # when
    f = ReportFilter(date_from=PERIOD[0], date_to=PERIOD[1], districts=(personas.a.district.pk,))
    sla = selectors.kpi_overview(f, now=NOW).total(selectors.KPI_BY_KEY["sla"])
    client.force_login(personas.a.chief)
    listing = client.get(
        reverse("admin:reports_incidents"),
        {"date_from": PERIOD[0].isoformat(), "date_to": PERIOD[1].isoformat(), "kpi": "sla"},
    )

    # then: the month's eight calls with a target, six of them met, as without the two
    assert (sla.n, sla.total) == (EXPECTED["sla"]["n"], EXPECTED["sla"]["met"])
    assert listing.context["count"] == EXPECTED["sla"]["n"]


def test_the_kpis_say_which_calls_the_arrival_target_counts(client, personas):
    # given: a P3 call (no target) — the target's count is not the calls', and the page
    # says why
    chief = personas.a.chief
    chief.language = "en"
    chief.save(update_fields=["language"])
    factories.incident(
        district=personas.a.district,
        settlement=personas.a.town,
        priority="P3",
        received_at=local(5, 10),
    )

    # when
    page = get(client, chief, "reports_kpis").content.decode()
    summary = page.split('id="table-summary"', 1)[1].split('id="table-slice"', 1)[0]

    # then
    assert "not P3 calls (no target), cancelled calls" in summary
