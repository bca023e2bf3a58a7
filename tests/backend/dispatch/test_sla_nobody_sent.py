"""SLA compliance is the share of calls whose response time is within the target of their
priority and zone (DOMAIN.md, "Timestamps and KPIs") — a call nobody was sent to has no
response, and once its target has passed it is a miss. It was not counted at all (its target
was read from its assignments' deadlines, and it had none), so a district that left a remote
village's calls waiting read 100 % on the chief's console."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from backend.common import clock
from backend.dispatch import kpis
from backend.dispatch.models import EscalationPolicy, Incident
from backend.reports import selectors
from backend.reports.filters import ReportFilter
from tests import factories

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 4, 0, tzinfo=dt.UTC)
P1_REMOTE = 5400  # DOMAIN.md: P1, remote, 90 min


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def sla(incident: Incident, *, now: dt.datetime) -> tuple[float | None, int | None]:
    row = kpis.incidents_with_sla(Incident.objects.filter(pk=incident.pk), now=now).get()
    return row.sla_target_s, row.sla_met


def waiting(personas, **kw) -> Incident:
    kw.setdefault("priority", "P1")
    kw.setdefault("status", "queued")
    return factories.incident(
        district=personas.a.district, settlement=personas.a.village, received_at=T0, **kw
    )


def test_a_call_nobody_was_sent_to_misses_its_target_once_it_passes(personas):
    # given: a P1 call in the remote village, still waiting for a unit
    inc = waiting(personas)

    # when / then: not counted while the target is ahead, missed once it has passed
    assert sla(inc, now=at(P1_REMOTE - 1)) == (P1_REMOTE, None)
    assert sla(inc, now=at(P1_REMOTE + 1)) == (P1_REMOTE, 0)


def test_a_call_closed_after_its_target_with_nobody_sent_is_a_miss(personas):
    # given
    inc = waiting(personas, status="closed", closed_at=at(P1_REMOTE + 600))

    # when / then
    assert sla(inc, now=at(10 * P1_REMOTE)) == (P1_REMOTE, 0)


def test_a_call_closed_before_its_target_with_nobody_sent_is_not_counted(personas):
    # given: settled by phone, nobody needed
    inc = waiting(personas, status="closed", closed_at=at(600))

    # when / then
    assert sla(inc, now=at(10 * P1_REMOTE)) == (P1_REMOTE, None)


def test_a_cancelled_or_p3_call_nobody_was_sent_to_is_not_counted(personas):
    # given
    cancelled = waiting(personas, status="cancelled", closed_at=at(P1_REMOTE + 600))
    p3 = waiting(personas, priority="P3")

    # when / then
    assert sla(cancelled, now=at(10 * P1_REMOTE)) == (P1_REMOTE, None)
    assert sla(p3, now=at(10 * P1_REMOTE)) == (None, None)


def test_a_repeat_closed_on_its_own_is_not_counted(personas):
    # given: a repeat of a call, closed by itself long after the target
    original = waiting(personas)
    repeat = waiting(
        personas, status="closed", duplicate_of=original, closed_at=at(P1_REMOTE + 600)
    )

    # when / then
    assert sla(repeat, now=at(10 * P1_REMOTE)) == (P1_REMOTE, None)


def test_the_target_of_a_call_nobody_was_sent_to_is_its_districts_policy(personas):
    # given: Ayagoz gives P1 calls in remote villages 50 min, and P2 calls no target
    district = personas.a.district
    EscalationPolicy.objects.create(
        district=district, priority="P1", zone="remote", ack_within_s=120, arrive_within_s=3000
    )
    EscalationPolicy.objects.create(
        district=district, priority="P2", zone="", ack_within_s=300, arrive_within_s=None
    )
    p1, p2 = waiting(personas), waiting(personas, priority="P2")
    elsewhere = factories.incident(
        district=personas.b.district,
        settlement=personas.b.village,
        priority="P1",
        status="queued",
        received_at=T0,
    )

    # when / then
    assert sla(p1, now=at(3001)) == (3000, 0)
    assert sla(p2, now=at(10 * P1_REMOTE)) == (None, None)
    assert sla(elsewhere, now=at(3001)) == (P1_REMOTE, None)


def test_the_chiefs_figure_counts_the_call_nobody_was_sent_to(client, personas):
    # given: one call answered in time, one nobody was sent to
    answered = waiting(personas, status="cleared")
    factories.assignment(
        incident=answered,
        unit=personas.a.patrol,
        dispatched_at=at(60),
        on_scene_at=at(1800),
        arrive_due_at=at(P1_REMOTE),
        status="cleared",
        closed_at=at(2400),
    )
    left = waiting(personas)
    f = ReportFilter(
        date_from=dt.date(2026, 3, 1),
        date_to=dt.date(2026, 3, 31),
        districts=(personas.a.district.pk,),
    )

    # when
    figure = selectors.kpi_overview(f, now=at(10 * P1_REMOTE)).total(selectors.KPI_BY_KEY["sla"])
    client.force_login(personas.a.chief)
    with clock.frozen(at(10 * P1_REMOTE)):
        listing = client.get(
            reverse("admin:reports_incidents"),
            {"date_from": "2026-03-01", "date_to": "2026-03-31", "kpi": "sla"},
        )

    # then: one of two met, not one of one — and the call behind the miss is listed first
    assert (figure.n, figure.total) == (2, 1)
    assert listing.context["count"] == 2
    assert left.number in listing.content.decode().split(answered.number)[0]
