"""A day of the period left out of the query is the page's default — counted back from the
query's last day when it gives only that one. ``?date_to=2026-12-03`` read 06.11–03.12 on
05.12: thirty days back from today, cut at the 3rd."""

from __future__ import annotations

import datetime as dt

import pytest

from backend.reports import filters

from .test_pages import get

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 5)


@pytest.fixture
def chief(personas, monkeypatch):
    """District A's chief on 5 December 2026 in Kazakhstan."""
    monkeypatch.setattr(filters, "local_today", lambda: TODAY)
    return personas.a.chief


def period_of(response) -> tuple[dt.date, dt.date]:
    f = response.context["filter"]
    return f.date_from, f.date_to


@pytest.mark.parametrize(
    "name", ["reports_kpis", "reports_villages", "reports_quality", "reports_incidents"]
)
def test_a_last_day_alone_gives_the_thirty_days_up_to_it(client, chief, name):
    # when
    page = get(client, chief, name, date_from="", date_to="2026-12-03")

    # then
    assert page.status_code == 200
    assert period_of(page) == (dt.date(2026, 11, 4), dt.date(2026, 12, 3))
    assert page.context["period"] == "04.11.2026 – 03.12.2026"


def test_a_last_day_alone_gives_the_report_for_the_period_its_month_up_to_it(client, chief):
    # when: the default is the previous month (November); the query ends in October
    october = get(client, chief, "reports_upward", date_from="", date_to="2026-10-31")
    month_so_far = get(client, chief, "reports_upward", date_from="", date_to="2026-12-03")

    # then
    assert october.status_code == 200
    assert period_of(october) == (dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    assert period_of(month_so_far) == (dt.date(2026, 12, 1), dt.date(2026, 12, 3))


def test_without_days_the_defaults_still_end_today_and_last_month(client, chief):
    # when
    kpis = get(client, chief, "reports_kpis", date_from="", date_to="")
    upward = get(client, chief, "reports_upward", date_from="", date_to="")

    # then
    assert period_of(kpis) == (dt.date(2026, 11, 6), TODAY)
    assert period_of(upward) == (dt.date(2026, 11, 1), dt.date(2026, 11, 30))


@pytest.mark.parametrize("date_to", ["0001-01-05", "2026-13-01", "9999-12-31"])
def test_a_last_day_that_is_not_one_is_refused_on_its_field_alone(client, chief, date_to):
    # when
    page = get(client, chief, "reports_kpis", date_from="", date_to=date_to)

    # then: no 500 counting back from it, and the default first day raises no error of its own
    assert page.status_code == 400
    assert list(page.context["form"].errors) == ["date_to"]
