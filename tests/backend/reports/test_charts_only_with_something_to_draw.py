"""A report shows a chart only when it has something to draw; else one line says why.

The villages report of a period whose only call no unit's handset received — nobody was
sent, or the assignment never arrived on the phone — showed an empty chart frame under the
table, and inside it "No calls in this period.", beside the table's call. The KPIs' response
charts did the same for a period whose calls nobody reached. Now the page says, in the
reader's language, that nothing was recorded to draw; the chart is drawn once there is."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from tests import factories

from .dataset import local
from .test_pages import get

pytestmark = pytest.mark.django_db

NO_DELIVERY = (
    "No assignment of this period reached a unit's handset, and no village was heard from: "
    "nothing to draw."
)
NO_ARRIVAL = "No unit arrived on scene at a call of this period: no response time to draw."


def reading(officer, language):
    officer.language = language
    officer.save(update_fields=["language"])
    return officer


@pytest.fixture
def lone_call(personas):
    """The period's one call: a P1 in Актогай, a unit sent, never delivered, nobody came."""
    a = personas.a
    call = factories.incident(
        district=a.district, settlement=a.village, priority="P1", received_at=local(12, 3)
    )
    return factories.assignment(incident=call, unit=a.inspector_unit, dispatched_at=local(12, 3, 2))


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_the_villages_report_says_why_it_has_no_chart(client, personas, lone_call, language):
    # when
    page = get(client, reading(personas.a.chief, language), "reports_villages").content.decode()
    with translation.override(language):
        why = translation.gettext(NO_DELIVERY)

    # then: the village's row, no chart, the reason
    assert 'id="table-villages"' in page
    assert "delivery-by-coverage" not in page
    assert why.replace("'", "&#x27;") in page


def test_the_villages_chart_is_drawn_once_an_assignment_was_delivered(client, personas, lone_call):
    # given
    lone_call.delivered_at = lone_call.dispatched_at + dt.timedelta(seconds=40)
    lone_call.save(update_fields=["delivered_at"])

    # when
    page = get(client, reading(personas.a.chief, "en"), "reports_villages").content.decode()

    # then
    assert "delivery-by-coverage" in page
    assert NO_DELIVERY.replace("'", "&#x27;") not in page


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_the_kpis_say_why_they_have_no_response_charts(client, personas, lone_call, language):
    # when
    page = get(client, reading(personas.a.chief, language), "reports_kpis").content.decode()
    with translation.override(language):
        why = translation.gettext(NO_ARRIVAL)

    # then
    assert "response-by-zone" not in page
    assert "charts/trend" not in page
    assert why in page


def test_the_kpis_draw_their_charts_once_a_unit_arrived(client, personas, lone_call):
    # given
    lone_call.on_scene_at = lone_call.dispatched_at + dt.timedelta(minutes=20)
    lone_call.save(update_fields=["on_scene_at"])

    # when
    page = get(client, reading(personas.a.chief, "en"), "reports_kpis").content.decode()

    # then
    assert "response-by-zone" in page
    assert "charts/trend" in page
    assert NO_ARRIVAL not in page


def test_a_period_without_calls_says_so_instead_of_a_chart(client, personas):
    # when
    page = get(client, reading(personas.a.chief, "en"), "reports_villages").content.decode()

    # then
    assert "delivery-by-coverage" not in page
    assert "No calls in this period." in page


@pytest.mark.parametrize(
    ("language", "no_calls"),
    [("en", "No calls in this period."), ("ru", "За этот период вызовов нет."),
     ("kk", "Бұл кезеңде шақырулар жоқ.")],
)  # fmt: skip
def test_an_empty_villages_page_says_so_once(client, personas, language, no_calls):
    # when: a period without calls
    page = get(client, reading(personas.a.chief, language), "reports_villages").content.decode()

    # then: the table says there were no calls, and nothing says it again under it (it read
    # "Nothing in this period." in the table and "No calls in this period." below)
    assert page.count(no_calls) == 1
    with translation.override(language):
        assert translation.gettext("Nothing in this period.") not in page
    assert "no-chart" not in page


@pytest.mark.parametrize(
    ("language", "no_calls"),
    [("en", "No calls in this period."), ("ru", "За этот период вызовов нет."),
     ("kk", "Бұл кезеңде шақырулар жоқ.")],
)  # fmt: skip
@pytest.mark.parametrize("by", ["zone", "unit"])
def test_an_empty_kpis_page_says_so_once(client, personas, language, no_calls, by):
    # when: a period without calls, by calls' slice and by units'
    page = get(client, reading(personas.a.chief, language), "reports_kpis", by=by).content.decode()

    # then: the slice's table says there were no calls, and nothing says it again under it
    # (it read "Nothing in this period." in the table and "No calls in this period." below,
    # as the villages page once did)
    assert page.count(no_calls) == 1
    with translation.override(language):
        assert translation.gettext("Nothing in this period.") not in page
    assert "no-chart" not in page


def test_an_empty_periods_dashes_open_nothing(client, personas):
    # when: the KPIs of a period without calls
    page = get(client, reading(personas.a.chief, "en"), "reports_kpis").content.decode()
    summary = page.split('id="table-summary"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]

    # then: each count of 0 opens its (empty) list, and no "—" is a link (the median, the
    # 90th percentile and the share of nothing were)
    assert summary.count("<a ") == 8
    assert ">—</a>" not in summary
