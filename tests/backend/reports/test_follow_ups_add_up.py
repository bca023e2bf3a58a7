"""The report for the period's follow-up visits add up: those due in the period are those done
on time, done late, overdue and not done, and — in a period that reaches today — those not
due yet. A week's report in Semey read "8 due, 7 on time, 0 overdue and not done": the visit
done three and a half hours late was in none of the rows, and the chief could not say where
the eighth had gone."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from backend.common import clock
from backend.dispatch.models import FollowUpTask
from tests import factories

from .test_pages import table_cells

pytestmark = pytest.mark.django_db

ALMATY = ZoneInfo("Asia/Almaty")
NOW = dt.datetime(2026, 3, 20, 12, 0, tzinfo=ALMATY)

# In English: the new rows' Kazakh and Russian come with the catalogs.
DUE = "Follow-up visits due in the period"
ON_TIME = "… done by their due time"
LATE = "… done after their due time"
OVERDUE = "… overdue and not done"
NOT_DUE_YET = "… not due yet"


def at(day: int, hour: int) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, 0, tzinfo=ALMATY)


def visits(personas, *dues_and_dones) -> None:
    incident = factories.incident(
        district=personas.a.district, category="domestic_violence", priority="P1"
    )
    for due, done in dues_and_dones:
        FollowUpTask.objects.create(
            incident=incident, district=personas.a.district, due_at=due, done_at=done
        )


def dv_rows(personas, date_to: str) -> tuple[dict[str, str], str]:
    client = Client()
    client.force_login(personas.a.chief)
    with clock.frozen(NOW):
        page = client.get(
            reverse("admin:reports_upward"), {"date_from": "2026-03-14", "date_to": date_to}
        )
    assert page.status_code == 200
    html = page.content.decode()
    return {r[0]: r[1] for r in table_cells(html, "domestic_violence")}, html


def test_the_follow_up_visits_due_in_a_period_reaching_today_add_up(personas):
    # given: on 20 March at noon, a visit done on time, one done late, one overdue and not
    # done, one due this afternoon
    personas.a.chief.language = "en"
    personas.a.chief.save(update_fields=["language"])
    visits(
        personas,
        (at(15, 10), at(15, 9)),
        (at(16, 10), at(16, 14)),
        (at(17, 10), None),
        (at(20, 15), None),
    )

    # when
    shown, html = dv_rows(personas, "2026-03-20")

    # then: 4 = 1 + 1 + 1 + 1, the one still ahead opening exactly itself
    assert [shown[k] for k in (DUE, ON_TIME, LATE, OVERDUE, NOT_DUE_YET)] == [
        "4",
        "1",
        "1",
        "1",
        "1",
    ]
    link = re.search(r'href="([^"]*overdue=no&amp;done_at__isnull=True[^"]*)"', html)
    assert link is not None
    client = Client()
    client.force_login(personas.a.chief)
    with clock.frozen(NOW):
        listing = client.get(link.group(1).replace("&amp;", "&"))
    assert listing.status_code == 200
    assert listing.context["cl"].result_count == 1


def test_a_closed_periods_visits_have_no_row_for_those_not_due_yet(personas):
    # given: the same week, read when it is over
    personas.a.chief.language = "en"
    personas.a.chief.save(update_fields=["language"])
    visits(personas, (at(15, 10), at(15, 9)), (at(16, 10), at(16, 14)))

    # when
    shown, _ = dv_rows(personas, "2026-03-19")

    # then
    assert [shown[k] for k in (DUE, ON_TIME, LATE, OVERDUE)] == ["2", "1", "1", "0"]
    assert NOT_DUE_YET not in shown
