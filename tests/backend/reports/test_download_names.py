"""A downloaded table is named for the period its figures are of: a chief who took
November's and October's villages on 6 December got "kuzet-villages-2026-12-06.csv" twice
(the browser made the second "(1)"), and neither file says anywhere which month it holds."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("page", "params", "name"),
    [
        (
            "reports_villages",
            {"date_from": "01.11.2026", "date_to": "30.11.2026", "csv": "villages"},
            "kuzet-villages-2026-11-01_2026-11-30.csv",
        ),
        (
            "reports_villages",
            {"date_from": "01.10.2026", "date_to": "31.10.2026", "xlsx": "villages"},
            "kuzet-villages-2026-10-01_2026-10-31.xlsx",
        ),
        (
            "reports_kpis",
            {"date_from": "05.12.2026", "date_to": "05.12.2026", "csv": "summary"},
            "kuzet-kpis-summary-2026-12-05.csv",
        ),
        # the upward report's default period: the previous month
        (
            "reports_upward",
            {"xlsx": "channels"},
            "kuzet-report-channels-2026-11-01_2026-11-30.xlsx",
        ),
        (
            "reports_incidents",
            {"date_from": "01.11.2026", "date_to": "30.11.2026", "csv": "incidents"},
            "kuzet-incidents-2026-11-01_2026-11-30.csv",
        ),
    ],
)
def test_a_download_is_named_for_its_period_not_the_day_it_was_taken(
    client, personas, page, params, name
):
    # given
    client.force_login(personas.a.chief)

    # when: taken on any day after the period
    response = client.get(reverse(f"admin:{page}"), params)

    # then
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
