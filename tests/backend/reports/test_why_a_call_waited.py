"""The calls that missed their arrival target (and the calls behind the response time) say
where the wait went: the call's processing — received to the first unit sent, the desk's
part — beside its response, the rest being the unit's way there. A chief read "missed,
1 h 10 min" twice and could not tell a call the desk sent late from a unit with a long
road; a call nobody was sent to reads "—"."""

from __future__ import annotations

import datetime as dt

import pytest

from tests import factories

from .dataset import local
from .test_pages import csv_rows, get, table_cells

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_misses(personas):
    """Three P0 calls of district A's town (target 10 min), all missed: one sent 40 min late
    (on scene at 1 h 15 min), one sent at once with 1 h 9 min of road (on scene at 1 h 10 min),
    one nobody was sent to."""
    a = personas.a
    for day, sent, arrived in ((5, dt.timedelta(minutes=40), 75), (6, dt.timedelta(minutes=1), 70)):
        incident = factories.incident(
            district=a.district, settlement=a.town, priority="P0", received_at=local(day, 9)
        )
        factories.assignment(
            incident=incident,
            unit=a.patrol,
            dispatched_at=local(day, 9) + sent,
            arrive_due_at=local(day, 9, 10),
            on_scene_at=local(day, 9) + dt.timedelta(minutes=arrived),
        )
    factories.incident(
        district=a.district, settlement=a.town, priority="P0", received_at=local(7, 9)
    )


def reading(officer, language):
    officer.language = language
    officer.save(update_fields=["language"])
    return officer


def test_a_missed_call_says_how_long_it_waited_for_a_unit_to_be_sent(
    client, personas, three_misses
):
    # given
    chief = reading(personas.a.chief, "en")

    # when
    page = get(client, chief, "reports_incidents", kpi="sla").content.decode()

    # then: processing, target met, response, target — nobody came first, then slowest first
    header = page.split('id="table-incidents"', 1)[1].split("<tbody>", 1)[0]
    assert "Call processing" in header
    rows = [r[-4:] for r in table_cells(page, "incidents")]
    assert rows == [
        ["—", "missed", "—", "10 min 00 s"],
        ["40 min 00 s", "missed", "1 h 15 min", "10 min 00 s"],
        ["1 min 00 s", "missed", "1 h 10 min", "10 min 00 s"],
    ]


def test_the_response_list_and_its_csv_keep_the_call_processing(client, personas, three_misses):
    # given
    chief = reading(personas.a.chief, "en")

    # when
    page = get(client, chief, "reports_incidents", kpi="response").content.decode()
    export = csv_rows(get(client, chief, "reports_incidents", kpi="response", csv="incidents"))

    # then: the two calls a unit reached, the processing before the response
    assert [r[-2:] for r in table_cells(page, "incidents")] == [
        ["40 min 00 s", "1 h 15 min"],
        ["1 min 00 s", "1 h 10 min"],
    ]
    assert [r[-2:] for r in export[1:]] == [["2400", "4500"], ["60", "4200"]]
