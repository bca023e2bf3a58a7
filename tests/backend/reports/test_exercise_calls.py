"""Exercise calls (a drill, the simulator's ×30 live demo) are handled like any call and kept
out of every figure the chief and the desk read: the KPIs, the villages, the upward report's
escalations and follow-ups, the shift handover — and the page says how many it left out.

Found in an hour of ``make run``: the ×30 demo's calls, answered in 30 s by the server's
clock, pulled Ayagoz's "median response, last 30 days" from 16:50 to 10:13."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from backend.common import clock
from backend.dispatch.models import (
    EscalationStep,
    FollowUpTask,
    Incident,
    IncidentEscalationStep,
)
from backend.people.models import Officer
from backend.reports import handover, selectors
from backend.reports.filters import ReportFilter
from tests import factories

pytestmark = pytest.mark.django_db

ALMATY = ZoneInfo("Asia/Almaty")
NOW = dt.datetime(2026, 12, 5, 19, 45, tzinfo=ALMATY)
SHIFT = dt.datetime(2026, 12, 5, 8, 0, tzinfo=ALMATY)
LEFT_OUT = "1 exercise call in this period is not counted"


def at(h: int, m: int = 0, s: int = 0) -> dt.datetime:
    return dt.datetime(2026, 12, 5, h, m, s, tzinfo=ALMATY)


def a_call(personas: Any, *, start: dt.datetime, arrived_s: int, exercise: bool) -> Incident:
    """A P2 theft in Ayagoz's village, A-PC1 sent a minute later, on scene ``arrived_s``
    after the call, closed; a call's rung fired on it (nobody sent for a while)."""
    a = personas.a
    call = factories.incident(
        district=a.district, settlement=a.village, received_at=start, status="closed",
        closed_at=start + dt.timedelta(hours=1), exercise=exercise,
    )  # fmt: skip
    sent = start + dt.timedelta(seconds=min(60, arrived_s - 10))
    factories.assignment(
        incident=call, unit=a.patrol, dispatched_at=sent,
        acknowledged_at=sent + dt.timedelta(seconds=5),
        en_route_at=sent + dt.timedelta(seconds=6),
        on_scene_at=start + dt.timedelta(seconds=arrived_s),
        status="cleared", cleared_at=start + dt.timedelta(minutes=50),
        closed_at=start + dt.timedelta(minutes=50),
    )  # fmt: skip
    IncidentEscalationStep.objects.create(
        incident=call,
        step="waiting_overdue",
        due_at=start + dt.timedelta(seconds=30),
        fired_at=start + dt.timedelta(seconds=30),
    )
    return call


@pytest.fixture
def calls(personas):
    """A real call answered in 16 min 50 s, and an exercise one in 30 s beside it."""
    real = a_call(personas, start=at(10), arrived_s=16 * 60 + 50, exercise=False)
    drill = a_call(personas, start=at(11), arrived_s=30, exercise=True)
    return real, drill


def figures(personas: Any) -> dict[str, Any]:
    """Every figure the chief's and the desk's pages read, over Ayagoz's day."""
    f = ReportFilter(date_from=NOW.date(), date_to=NOW.date(), districts=(personas.a.district.pk,))
    overview = selectors.kpi_overview(f, now=NOW)
    shift = handover.shift_figures(
        handover.shift_filter(personas.a.chief, start=SHIFT, now=NOW), now=NOW
    )
    return {
        "kpis": {k.key: overview.total(k) for k in selectors.KPIS},
        "calls": overview.incident_count,
        "villages": selectors.villages(f, now=NOW),
        "escalations": selectors.escalations_fired(f),
        "escalated": len(selectors.calls_escalated(f)),
        "escalations_totals": selectors.escalations_fired_totals([f]),
        "shift": dataclasses.replace(shift, exercises=0),
        "shift_exercises": shift.exercises,
    }


def test_an_exercise_call_beside_a_real_one_leaves_every_figure_the_real_ones(personas, calls):
    drill = calls[1]

    # when
    with clock.frozen(NOW):
        both = figures(personas)
    drill.assignments.all().delete()
    IncidentEscalationStep.objects.filter(incident=drill).delete()
    drill.delete()
    with clock.frozen(NOW):
        alone = figures(personas)

    # then: the 30-second drill moved nothing — median, p90, SLA, villages, handover
    response = both["kpis"]["response"]
    assert (response.n, response.p50, response.p90) == (1, pytest.approx(1010), pytest.approx(1010))
    assert both["kpis"] == alone["kpis"]
    assert both["calls"] == alone["calls"] == 1
    assert both["villages"] == alone["villages"]
    assert [v.response.p50 for v in both["villages"]] == [pytest.approx(1010)]
    assert both["escalations"] == alone["escalations"] == {"waiting_overdue": 1}
    assert both["escalated"] == alone["escalated"] == 1
    assert both["escalations_totals"] == alone["escalations_totals"]
    assert both["shift"] == alone["shift"]
    assert (both["shift"].received, both["shift"].response_p50) == (1, "16 min")
    assert (both["shift_exercises"], alone["shift_exercises"]) == (1, 0)


@pytest.mark.parametrize("page", ["reports_kpis", "reports_villages", "reports_upward"])
def test_the_chiefs_pages_say_how_many_exercise_calls_they_left_out(client, personas, calls, page):
    # given
    Officer.objects.filter(pk=personas.a.chief.pk).update(language="en")
    client.force_login(personas.a.chief)
    day = NOW.date().isoformat()

    # when
    with clock.frozen(NOW):
        html = client.get(reverse(f"admin:{page}"), {"date_from": day, "date_to": day})

    # then: one muted line, opening the exercise calls of the period in the console
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.content.decode()))
    assert html.status_code == 200
    assert LEFT_OUT in text
    link = re.search(r'class="report-exercises[^"]*"><a href="([^"]+)"', html.content.decode())
    assert link is not None
    assert "exercise__exact=1" in link.group(1)


def test_the_overview_and_the_handover_say_it_and_a_day_without_drills_says_nothing(
    client, personas, calls
):
    # given
    Officer.objects.filter(pk=personas.a.chief.pk).update(language="en")
    client.force_login(personas.a.chief)

    # when
    with clock.frozen(NOW):
        home = client.get(reverse("admin:index")).content.decode()
        shift = client.get(reverse("admin:reports_handover"), {"start": "2026-12-05T08:00"})
        quiet = client.get(
            reverse("admin:reports_kpis"), {"date_from": "2026-12-04", "date_to": "2026-12-04"}
        )

    # then
    assert LEFT_OUT in home
    assert LEFT_OUT in shift.content.decode()
    assert "exercise call" not in quiet.content.decode()


def test_the_upward_reports_rungs_and_visits_open_the_real_calls_ones_they_count(
    client, personas, calls
):
    # given: each call's unit was late to acknowledge, and each call owes a follow-up visit
    a = personas.a
    for call in calls:
        EscalationStep.objects.create(
            assignment=call.assignments.get(), step="ack_overdue",
            due_at=call.received_at + dt.timedelta(minutes=2),
            fired_at=call.received_at + dt.timedelta(minutes=2),
        )  # fmt: skip
        FollowUpTask.objects.create(
            incident=call, district=a.district, unit=a.patrol,
            due_at=call.received_at + dt.timedelta(hours=3),
        )  # fmt: skip
    Officer.objects.filter(pk=a.chief.pk).update(language="en")
    client.force_login(a.chief)
    day = NOW.date().isoformat()

    # when
    with clock.frozen(NOW):
        page = client.get(reverse("admin:reports_upward"), {"date_from": day, "date_to": day})
    html = page.content.decode().replace("&amp;", "&")
    steps = re.search(r'href="([^"]*escalationstep/\?step__exact=ack_overdue[^"]*)"', html)
    visits = re.search(r'href="([^"]*followuptask/\?due_at__gte=[^"&]*&due_at__lt=[^"]*)"', html)

    # then: the link behind each count lists what the count counted: the real call's only
    assert steps is not None
    assert visits is not None
    with clock.frozen(NOW):
        step_list = client.get(steps.group(1))
        visit_list = client.get(visits.group(1))
    assert (step_list.status_code, visit_list.status_code) == (200, 200)
    assert [s.assignment.incident for s in step_list.context["cl"].result_list] == [calls[0]]
    assert [v.incident for v in visit_list.context["cl"].result_list] == [calls[0]]
