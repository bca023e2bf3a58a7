"""A report's period lies between 1 January 2000 and tomorrow in Kazakhstan: a day outside is
refused on its field like any other bad filter (400; the page with the form's errors, JSON for
a CSV or a chart). ``0001-01-01`` or ``9999-12-31`` answered 500: midnight in UTC+5 of the
first day, or the day after the last, is outside the range of a datetime."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from backend.reports import filters

from .test_pages import get

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 5)
PAGES = [  # a page and one of its tables
    ("reports_kpis", "summary"),
    ("reports_villages", "villages"),
    ("reports_quality", "quality"),
    ("reports_upward", "channels"),
    ("reports_incidents", "incidents"),
]
OUT_OF_RANGE = "The day must be between 01.01.2000 and 06.12.2026."


@pytest.fixture
def chief(personas, monkeypatch):
    """District A's chief, reading English, on 5 December 2026 in Kazakhstan."""
    monkeypatch.setattr(filters, "local_today", lambda: TODAY)
    chief = personas.a.chief
    chief.language = "en"
    chief.save(update_fields=["language"])
    return chief


@pytest.mark.parametrize(("name", "table"), PAGES)
@pytest.mark.parametrize(
    "period", [("0001-01-01", "0001-01-02"), ("9999-12-30", "9999-12-31")], ids=["0001", "9999"]
)
def test_a_period_outside_the_years_of_kuzet_is_refused_on_its_fields(
    client, chief, name, table, period
):
    # given
    params = {"date_from": period[0], "date_to": period[1]}

    # when
    page = get(client, chief, name, **params)
    export = get(client, chief, name, csv=table, **params)

    # then
    assert page.status_code == 400
    assert page.context["form"].errors == {
        "date_from": [OUT_OF_RANGE],
        "date_to": [OUT_OF_RANGE],
    }
    assert page.content.decode().count(OUT_OF_RANGE) == 2
    assert export.status_code == 400
    assert export.json() == {
        "error": "invalid",
        "detail": "The report's filter is not valid.",
        "fields": {"date_from": [OUT_OF_RANGE], "date_to": [OUT_OF_RANGE]},
    }


@pytest.mark.parametrize("name", ["trend", "response-by-zone", "delivery-by-coverage"])
def test_a_chart_of_a_period_outside_the_years_of_kuzet_is_refused(client, chief, name):
    # when
    client.force_login(chief)
    response = client.get(
        reverse("admin:reports_chart", args=[name]),
        {"date_from": "2026-03-01", "date_to": "9999-12-31"},
    )

    # then
    assert response.status_code == 400
    assert response.json()["fields"] == {"date_to": [OUT_OF_RANGE]}


@pytest.mark.parametrize(
    ("date_from", "date_to", "refused"),
    [
        ("2000-01-01", "2000-01-31", []),
        ("2026-12-01", "2026-12-06", []),  # tomorrow is the last day
        ("1999-12-31", "2000-01-31", ["date_from"]),
        ("2026-12-01", "2026-12-07", ["date_to"]),
        ("2026-12-07", "2026-12-07", ["date_from", "date_to"]),
    ],
)
def test_a_period_runs_from_the_first_day_of_2000_to_tomorrow(
    client, chief, date_from, date_to, refused
):
    # when
    page = get(client, chief, "reports_kpis", date_from=date_from, date_to=date_to)

    # then: only the day outside is named, and no other error (the period's order) with it
    assert page.status_code == (400 if refused else 200)
    assert page.context["form"].errors == {name: [OUT_OF_RANGE] for name in refused}


def test_the_days_read_and_are_typed_as_the_country_writes_them(client, chief):
    """The browser's own date field wrote the day in the browser's language, not the
    reader's: 11/06/2026 on a Kazakh chief's page that titled the same period 06.11.2026."""
    # when: a link's ISO days
    html = get(client, chief, "reports_kpis", date_from="2026-11-06", date_to="2026-12-05")
    html = html.content.decode()

    # then: shown as dd.mm.yyyy in plain text fields, the days a report accepts in the hint
    for name, shown in (("date_from", "06.11.2026"), ("date_to", "05.12.2026")):
        [tag] = re.findall(rf'<input[^>]*name="{name}"[^>]*>', html)
        assert 'type="text"' in tag
        assert f'value="{shown}"' in tag
        assert 'placeholder="dd.mm.yyyy"' in tag
        assert 'title="01.01.2000 – 06.12.2026"' in tag


@pytest.mark.parametrize("typed", ["01.12.2026", "1.12.2026", "2026-12-01"])
def test_a_day_typed_as_dd_mm_yyyy_is_read(client, chief, typed):
    # when
    page = get(client, chief, "reports_kpis", date_from=typed, date_to="05.12.2026")

    # then
    assert page.status_code == 200
    data = page.context["form"].cleaned_data
    assert (data["date_from"], data["date_to"]) == (dt.date(2026, 12, 1), TODAY)


def test_a_day_that_is_not_one_says_how_to_write_it(client, chief):
    # when
    page = get(client, chief, "reports_kpis", date_from="12/01/2026")

    # then
    assert page.status_code == 400
    assert page.context["form"].errors == {"date_from": ["Write the day as dd.mm.yyyy."]}


def test_the_home_page_still_says_what_needs_the_chief_with_a_period_out_of_range(client, chief):
    # when
    client.force_login(chief)
    home = client.get(reverse("admin:index"), {"date_from": "9999-12-30", "date_to": "9999-12-31"})

    # then: as with any bad filter, the needs without the period's figures
    assert home.status_code == 200
    assert "What needs me now" in home.content.decode()
    assert home.context["tiles"] == []
