"""A chief narrows a report to "my villages last month" from the form: a period with one click
(last 7 days, last 30 days, this month, last month), the other filters kept, and a rural
okrug — the villages of one district inspector — named in the reader's language. The form
offered neither: a month was typed into both days, and a place came only by a figure's link.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from backend.reports.filters import local_midnight, local_today
from tests import factories

from .test_pages import table_cells

pytestmark = pytest.mark.django_db


def previous_month() -> tuple[dt.date, dt.date]:
    last = local_today().replace(day=1) - dt.timedelta(days=1)
    return last.replace(day=1), last


@pytest.fixture
def two_okrugs(personas):
    """District A's own okrug (Аягоз г.а.: Аягоз, Актогай) and a second one (Мадениет с.о.:
    Мадениет), each with a call last month; Актогай also one this month."""
    a = personas.a
    a.okrug.name_kk = "Аягөз қаласы"
    a.okrug.save(update_fields=["name_kk"])
    other = factories.okrug(
        district=a.district,
        kato="103665000",
        name="Мадениетский с.о.",
        name_kk="Мәдениет ауылдық округі",
    )
    madeniet = factories.settlement(
        okrug=other, kato="103665100", name="Мадениет", name_kk="Мәдениет", lat=47.88, lon=79.15
    )
    first, _last = previous_month()
    at = local_midnight(first) + dt.timedelta(days=2, hours=12)
    for place in (a.village, madeniet):
        factories.incident(district=a.district, settlement=place, received_at=at)
    factories.incident(
        district=a.district,
        settlement=a.village,
        received_at=local_midnight(local_today().replace(day=1)) + dt.timedelta(hours=1),
    )
    return a, other


def quick_links(page: str) -> dict[str, str]:
    """The one-click periods: label → href."""
    block = re.search(r'<p class="report-periods">(.*?)</p>', page, re.S)
    assert block is not None
    return {
        text: href.replace("&amp;", "&")
        for href, text in re.findall(r'<a href="([^"]*)"[^>]*>(.*?)</a>', block.group(1))
    }


def test_last_month_is_one_click_and_keeps_the_okrug(client, personas, two_okrugs):
    # given
    a, other = two_okrugs
    a.chief.language = "en"
    a.chief.save(update_fields=["language"])
    client.force_login(a.chief)
    first, last = previous_month()

    # when: the villages of the second okrug, then last month
    page = client.get(reverse("admin:reports_villages"), {"okrug": other.pk}).content.decode()
    href = quick_links(page)["Last month"]
    month = client.get(reverse("admin:reports_villages") + href).content.decode()

    # then
    assert f"date_from={first.isoformat()}" in href
    assert f"date_to={last.isoformat()}" in href
    assert f"okrug={other.pk}" in href
    assert [row[1] for row in table_cells(month, "villages")] == ["Мадениет"]
    assert 'aria-current="true">Last month</a>' in month


@pytest.mark.parametrize(
    ("language", "okrug", "village"),
    [("kk", "Аягөз қаласы", "Ақтоғай"), ("ru", "Аягоз г.а.", "Актогай")],
)
def test_a_chief_narrows_the_villages_to_an_okrug_named_in_his_language(
    client, personas, two_okrugs, language, okrug, village
):
    # given
    a, _other = two_okrugs
    a.village.name_kk = "Ақтоғай"
    a.village.save(update_fields=["name_kk"])
    a.chief.language = language
    a.chief.save(update_fields=["language"])
    client.force_login(a.chief)
    first, last = previous_month()

    # when
    page = client.get(
        reverse("admin:reports_villages"),
        {"okrug": a.okrug.pk, "date_from": first.isoformat(), "date_to": last.isoformat()},
    ).content.decode()

    # then: the okrug's village only, the okrug chosen in the form by its name
    assert [row[1] for row in table_cells(page, "villages")] == [village]
    assert f'<option value="{a.okrug.pk}" selected>{okrug}</option>' in page


def test_another_districts_okrug_is_refused(client, personas, two_okrugs):
    # given
    client.force_login(personas.a.chief)

    # when
    response = client.get(
        reverse("admin:reports_villages"), {"okrug": personas.b.okrug.pk, "csv": "villages"}
    )

    # then
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["okrug"]
