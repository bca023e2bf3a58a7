"""The report for the period says which rungs of the escalation ladder fired in it — the
chief reports them upward — each with the list of its firings; the console said only which
still waited for the chief now (the home page's tile), and the list of fired rungs could not
be cut to a month. Counted by when the rung fired, in the reader's district only."""

from __future__ import annotations

import datetime as dt

import pytest

from backend.dispatch.models import EscalationStep, IncidentEscalationStep
from tests import factories

from .dataset import local
from .test_pages import get, table_cells

pytestmark = pytest.mark.django_db

NO_ACK = "Not acknowledged: re-push, SMS, alert the board"
LATE = "Arrival target passed"
WAITING = "Still waiting for a unit: alert board and chief"


def fired(side, step: str, at: dt.datetime) -> None:
    """A call of ``side`` received an hour before ``at``, its patrol sent, and ``step`` fired
    at ``at`` (on the call itself for the waiting rung)."""
    incident = factories.incident(
        district=side.district, settlement=side.town, received_at=at - dt.timedelta(hours=1)
    )
    if step == "waiting_overdue":
        IncidentEscalationStep.objects.create(incident=incident, step=step, due_at=at, fired_at=at)
        return
    assignment = factories.assignment(incident=incident, unit=side.patrol)
    EscalationStep.objects.create(assignment=assignment, step=step, due_at=at, fired_at=at)


def test_the_report_counts_the_escalations_fired_in_the_period_of_its_district(client, personas):
    # given: in March 2026 (the report's period) two unacknowledged dispatches, one late
    # arrival and one call left waiting in district A; one rung fired on 01.04 00:30 local
    # (after the period) and one in district B
    a, b = personas.a, personas.b
    for step, day, hour in (
        ("ack_overdue", 3, 10),
        ("ack_overdue", 31, 23),
        ("arrival_overdue", 12, 8),
        ("waiting_overdue", 20, 14),
    ):
        fired(a, step, local(day, hour))
    fired(a, "ack_overdue", local(31, 23) + dt.timedelta(hours=1, minutes=30))
    fired(b, "ack_overdue", local(15, 12))
    chief = a.chief
    chief.language = "en"
    chief.save(update_fields=["language"])

    # when
    page = get(client, chief, "reports_upward").content.decode()
    rows = {r[0]: r[1] for r in table_cells(page, "escalations")}
    link = page.split("step__exact=ack_overdue", 1)[0].rsplit('href="', 1)[1]
    link += "step__exact=ack_overdue" + page.split("step__exact=ack_overdue", 1)[1].split('"')[0]
    listing = client.get(link.replace("&amp;", "&"))

    # then: every rung in the ladder's order, the period's and district A's only, and the
    # list behind the figure holds the same two
    assert rows == {
        "Not delivered: SMS to the unit": "0",
        NO_ACK: "2",
        "Still not acknowledged: next unit, alert chief": "0",
        LATE: "1",
        WAITING: "1",
    }
    assert listing.status_code == 200
    assert listing.context_data["cl"].result_count == 2


def test_the_calls_left_waiting_open_from_their_figure(client, personas):
    # given: in March 2026 district A's call left waiting past its dispatch deadline, another
    # of its calls that waited in April, and one of district B that waited in March
    a, b = personas.a, personas.b
    fired(a, "waiting_overdue", local(20, 14))
    fired(a, "waiting_overdue", local(31, 23) + dt.timedelta(hours=1, minutes=30))
    fired(b, "waiting_overdue", local(15, 12))
    waited = IncidentEscalationStep.objects.filter(fired_at=local(20, 14)).get().incident
    chief = a.chief
    chief.language = "en"
    chief.save(update_fields=["language"])

    # when: the chief opens the figure of the report for March
    page = get(client, chief, "reports_upward").content.decode()
    row = page.split(WAITING, 1)[1].split("</tr>", 1)[0]
    listing = client.get(row.split('href="', 1)[1].split('"', 1)[0].replace("&amp;", "&"))

    # then: the list holds that one call of the period and district
    assert listing.status_code == 200
    assert [i.pk for i in listing.context_data["cl"].result_list] == [waited.pk]
