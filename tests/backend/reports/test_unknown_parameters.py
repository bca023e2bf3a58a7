"""A page's own parameters — the figure of a drill-down (``kpi``), the KPIs' slice (``by``),
a table to download (``csv``) — naming nothing are refused like any other bad filter: 400,
the page with the error said above the filter, or for a download the JSON error the APIs
write (``{"error", "detail", "fields"}``), its text readable, not ``\\u``-escaped.
``?kpi=bogus`` had shown a page with no table and no visible reason, ``?csv=bogus`` a 404 of
``\\u041d\\u0430…``, and on the incidents page the page itself."""

from __future__ import annotations

import pytest
from django.urls import reverse

from .test_pages import get

pytestmark = pytest.mark.django_db

INVALID = "Параметры отчёта заданы неверно."


@pytest.fixture
def chief(personas):
    return personas.a.chief  # reads Russian


@pytest.fixture
def english_chief(personas):
    chief = personas.a.chief
    chief.language = "en"
    chief.save(update_fields=["language"])
    return chief


def errornote(html: str) -> str:
    return html.split('<p class="errornote" role="alert">', 1)[1].split("</p>", 1)[0]


def test_an_unknown_figure_is_refused_and_the_page_says_so_first(client, chief):
    # when
    page = get(client, chief, "reports_incidents", kpi="bogus")

    # then
    assert page.status_code == 400
    assert errornote(page.content.decode()) == f"{INVALID} Такого показателя нет."
    assert page.context["filter"] is None


def test_an_unknown_figure_in_a_download_is_named_in_the_json_error(client, chief):
    # when
    response = get(client, chief, "reports_incidents", kpi="bogus", csv="incidents")

    # then
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid",
        "detail": INVALID,
        "fields": {"kpi": ["Такого показателя нет."]},
    }
    assert INVALID.encode() in response.content  # UTF-8 as it is, not \u-escaped


@pytest.mark.parametrize(
    ("name", "tables"),
    [
        ("reports_kpis", "summary, slice"),
        ("reports_villages", "villages"),
        ("reports_quality", "quality"),
        (
            "reports_upward",
            "calls, channels, app_reports, categories, zones, domestic_violence, escalations",
        ),
        ("reports_incidents", "incidents"),
    ],
)
def test_a_download_of_no_table_is_refused_with_the_tables_the_page_has(
    client, english_chief, name, tables
):
    # when
    response = get(client, english_chief, name, csv="bogus")

    # then
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "error": "invalid",
        "detail": "The report's filter is not valid.",
        "fields": {"csv": [f"This page has no table “bogus”; its tables: {tables}."]},
    }


def test_a_download_of_no_table_reads_in_the_readers_language_unescaped(client, chief):
    # when
    response = get(client, chief, "reports_kpis", csv="bogus")

    # then
    assert response.status_code == 400
    assert f'"detail": "{INVALID}"'.encode() in response.content
    assert b"\\u" not in response.content


def test_a_bad_period_in_a_download_is_readable_json_too(client, chief):
    # when
    response = get(
        client, chief, "reports_kpis", csv="summary", date_from="2026-03-31", date_to="2026-03-01"
    )

    # then
    assert response.status_code == 400
    assert b"\\u" not in response.content
    assert "Период заканчивается раньше, чем начинается.".encode() in response.content


@pytest.mark.parametrize("by", ["bogus", "district"])
def test_a_slice_the_reader_is_not_offered_is_refused(client, english_chief, by):
    # when: a district chief has one district, and no district slice among his links
    page = get(client, english_chief, "reports_kpis", by=by)
    export = get(client, english_chief, "reports_kpis", by=by, csv="slice")

    # then
    assert page.status_code == 400
    assert errornote(page.content.decode()) == "The report's filter is not valid. No such slice."
    assert export.status_code == 400
    assert export.json()["fields"] == {"by": ["No such slice."]}


def test_oblast_staff_still_slice_by_district(client, personas):
    # when
    page = get(client, personas.oblast_admin, "reports_kpis", by="district")

    # then
    assert page.status_code == 200


def test_an_unknown_chart_is_readable_json(client, chief):
    # when
    client.force_login(chief)
    response = client.get(reverse("admin:reports_chart", args=["pie"]))

    # then
    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "detail": "Такой диаграммы нет."}
    assert b"\\u" not in response.content
