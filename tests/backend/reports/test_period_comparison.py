"""A chief's first question of a period: better or worse than the one before? The KPI page
and the report for the period show the headline figures — calls, median and 90th-percentile
response, the arrival target's share, the escalations fired — beside the same figures of the
period before and the change, in words; a period before with no calls says so.

The figures are a hand-built February and March 2026 in Ayagoz (urban town, P1 calls, the
arrival target fixed at 15 min on each dispatch), computed by hand below."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import translation

from backend.dispatch.models import EscalationStep
from backend.reports import compare
from tests import factories

from .dataset import local
from .test_pages import get

pytestmark = pytest.mark.django_db

P1_URBAN_TARGET = 900


def call(side, received: dt.datetime, response_s: int) -> None:
    incident = factories.incident(
        district=side.district, settlement=side.town, priority="P1", received_at=received
    )
    factories.assignment(
        incident=incident,
        unit=side.patrol,
        dispatched_at=received + dt.timedelta(seconds=30),
        on_scene_at=received + dt.timedelta(seconds=response_s),
        arrive_due_at=received + dt.timedelta(seconds=P1_URBAN_TARGET),
        status="on_scene",
    )


def escalation(side, at: dt.datetime) -> None:
    incident = factories.incident(
        district=side.district, settlement=side.town, received_at=at - dt.timedelta(days=400)
    )
    assignment = factories.assignment(incident=incident, unit=side.patrol)
    EscalationStep.objects.create(assignment=assignment, step="ack_overdue", due_at=at, fired_at=at)


@pytest.fixture
def two_months(personas):
    a = personas.a
    # February: responses [300, 600, 1500, 2400] s — median (600 + 1500) / 2 = 1050; p90 at
    # 0.9 × 3 = 2.7 → 1500 + 0.7 × 900 = 2130; target met by 300 and 600: 2 of 4, 50 %
    for day, response in ((2, 600), (9, 1500), (16, 2400), (28, 300)):
        call(a, local(day, 12, month=2), response)
    # March: [300, 600, 600, 900, 1200] — median 600; p90 at 3.6 → 900 + 0.6 × 300 = 1080;
    # met by all but 1200 (900 is on time): 4 of 5, 80 %
    for day, response in ((1, 300), (5, 600), (11, 600), (20, 900), (31, 1200)):
        call(a, local(day, 12), response)
    # Escalations fired: three in February (one on its last minute), one in March; one in
    # district B that is not the chief's
    for at in (local(3, 9, month=2), local(14, 9, month=2), local(28, 23, 59, month=2)):
        escalation(a, at)
    escalation(a, local(15, 9))
    escalation(personas.b, local(15, 9))


def card(page: str, key: str) -> dict[str, str]:
    """A comparison card's value, change and period before, as text."""
    block = page.split(f'id="compare-{key}"', 1)[1].split("</div>", 1)[0]

    def text(cls: str) -> str:
        m = re.search(rf'class="[^"]*{cls}[^"]*">(.*?)</span>\s*(?=<span|$)', block, re.S)
        return re.sub(r"<[^>]+>", "", m.group(1)).strip() if m else ""

    return {
        "value": text("card-value"),
        "change": text("compare-change"),
        "before": text("compare-before"),
    }


def test_a_month_is_compared_with_the_month_before_and_other_periods_with_as_many_days():
    assert compare.previous_period(dt.date(2026, 3, 1), dt.date(2026, 3, 31)) == (
        dt.date(2026, 2, 1),
        dt.date(2026, 2, 28),
    )
    assert compare.previous_period(dt.date(2026, 1, 1), dt.date(2026, 3, 31)) == (
        dt.date(2025, 10, 1),
        dt.date(2025, 12, 31),
    )
    # the last 30 days, and this month so far
    assert compare.previous_period(dt.date(2026, 11, 7), dt.date(2026, 12, 6)) == (
        dt.date(2026, 10, 8),
        dt.date(2026, 11, 6),
    )
    assert compare.previous_period(dt.date(2026, 12, 1), dt.date(2026, 12, 6)) == (
        dt.date(2026, 11, 25),
        dt.date(2026, 11, 30),
    )


@pytest.mark.parametrize(
    ("language", "first", "last", "words"),
    [
        ("ru", dt.date(2026, 11, 1), dt.date(2026, 11, 30), "1–30 ноября"),
        ("kk", dt.date(2026, 11, 1), dt.date(2026, 11, 30), "1–30 қараша"),
        ("en", dt.date(2026, 11, 1), dt.date(2026, 11, 30), "1–30 November"),
        # outside a request (a task, a command): settings.LANGUAGE_CODE, not the middleware's
        ("en-us", dt.date(2026, 11, 1), dt.date(2026, 11, 30), "1–30 November"),
        ("kk", dt.date(2026, 10, 8), dt.date(2026, 11, 6), "8 қазан – 6 қараша"),
        ("ru", dt.date(2025, 12, 25), dt.date(2026, 1, 23), "25.12.2025 – 23.01.2026"),
    ],
)
def test_the_period_before_is_named_as_a_reader_names_it(language, first, last, words):
    with translation.override(language):
        assert compare.period_words(first, last, today=dt.date(2026, 12, 6)) == words


def test_the_kpi_page_shows_each_headline_figure_against_the_month_before(
    client, personas, two_months
):
    # given
    chief = personas.a.chief
    chief.language = "en"
    chief.save(update_fields=["language"])

    # when: March 2026
    page = get(client, chief, "reports_kpis").content.decode()

    # then
    with translation.override(chief.language):
        feb = compare.period_words(dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert card(page, "calls") == {"value": "5", "change": "↑ 1", "before": f"{feb}: 4"}
    assert card(page, "response_p50") == {
        "value": "10 min 00 s",
        "change": "↓ 7 min 30 s · better",
        "before": f"{feb}: 17 min 30 s",
    }
    assert card(page, "response_p90") == {
        "value": "18 min 00 s",
        "change": "↓ 17 min 30 s · better",
        "before": f"{feb}: 35 min 30 s",
    }
    assert card(page, "sla") == {
        "value": "80.0 %",
        "change": "↑ 30.0 pp · better",
        "before": f"{feb}: 50.0 %",
    }
    assert card(page, "escalations") == {
        "value": "1",
        "change": "↓ 2 · better",
        "before": f"{feb}: 3",
    }
    # and: the period before opens the same page for February
    assert "date_from=2026-02-01&amp;date_to=2026-02-28" in page.split('id="compare-title"')[1]


def test_a_period_before_without_calls_says_so_instead_of_a_change(client, personas, two_months):
    # given: February against January, which had no calls
    chief = personas.a.chief
    chief.language = "en"
    chief.save(update_fields=["language"])

    # when
    page = get(
        client, chief, "reports_kpis", date_from="2026-02-01", date_to="2026-02-28"
    ).content.decode()

    # then: no arrow, no "—" against a number: the words
    with translation.override(chief.language):
        jan = compare.period_words(dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    for key, value in (("calls", "4"), ("response_p50", "17 min 30 s"), ("sla", "50.0 %")):
        assert card(page, key) == {
            "value": value,
            "change": "",
            "before": f"No calls in {jan} to compare with.",
        }


def test_the_report_for_the_period_compares_it_too_in_russian(client, personas, two_months):
    # given
    chief = personas.a.chief
    chief.language = "ru"
    chief.save(update_fields=["language"])

    # when: the report for March, on the page and in its printable layout
    page = get(client, chief, "reports_upward").content.decode()
    printed = get(client, chief, "reports_upward", layout="print").content.decode()

    # then: the same figures, in the reader's language and number format
    with translation.override("ru"):
        feb = compare.period_words(dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert card(page, "response_p50")["value"] == "10 мин 00 с"
    assert card(page, "response_p50")["before"] == f"{feb}: 17 мин 30 с"
    assert card(page, "sla")["value"] == "80,0 %"
    assert card(page, "sla")["change"].startswith("↑ 30,0 ")
    assert 'id="print-compare"' in printed
    assert f"{feb}: 17 мин 30 с" in printed
