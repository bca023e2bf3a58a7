"""A report names every filter beyond its period above the page, in words — the ones set by
a figure's link and hidden in the form too (a village's drill-down is one settlement's calls,
and said nothing of it) —, each with a link to the same page without it. A settlement is
named in the reader's language; beside domestic-violence calls, whose place no list shows,
it is not named either."""

from __future__ import annotations

import re
import urllib.parse

import pytest

from tests import factories

from .dataset import build, local
from .test_pages import PERIOD_QUERY, get, table_cells

pytestmark = pytest.mark.django_db


@pytest.fixture
def march(personas):
    village = personas.a.village
    village.name_kk = "Ақтоғай"
    village.save(update_fields=["name_kk"])
    return build(personas)


def reader(personas, language: str):
    chief = personas.a.chief
    chief.language = language
    chief.save(update_fields=["language"])
    return chief


def scope(html: str) -> str:
    """The page's heading line: period · districts · filters, as text."""
    line = html.split('<p class="report-scope">', 1)[1].split("</p>", 1)[0]
    return " ".join(re.sub(r"<[^>]+>", "", line).split())


def drop_links(response) -> dict[str, dict[str, list[str]]]:
    """The query of each filter's link that drops it, by the filter's name."""
    return {
        n["name"]: urllib.parse.parse_qs(n["href"].lstrip("?"))
        for n in response.context["narrowing"]
    }


def test_a_villages_drilldown_names_its_settlement_and_can_drop_it(client, personas, march):
    # given: the villages page's link to Актогай's response times, read in Kazakh
    chief = reader(personas, "kk")
    villages = get(client, chief, "reports_villages")
    table = villages.context["tables"][0]
    href = next(r["response_p50"].href for r in table.rows if r["settlement"].value == "Ақтоғай")

    # when
    listing = client.get(href)

    # then: "Елді мекен: Ақтоғай ×"; the link keeps the figure and the period
    assert listing.context["count"] == 4
    assert "Елді мекен: Ақтоғай ×" in scope(listing.content.decode())
    dropped = drop_links(listing)["settlement"]
    assert dropped == {
        "date_from": [PERIOD_QUERY["date_from"]],
        "date_to": [PERIOD_QUERY["date_to"]],
        "kpi": ["response"],
    }
    assert (
        client.get(
            "/admin/reports/incidents/?" + urllib.parse.urlencode(dropped, doseq=True)
        ).context["count"]
        == 7
    )


def test_a_unit_and_the_forms_own_filters_are_named_each_with_its_own_link(client, personas, march):
    # given
    chief = reader(personas, "en")
    unit = personas.a.inspector_unit

    # when
    listing = get(
        client, chief, "reports_incidents", kpi="unit_response", unit=unit.pk, zone="remote"
    )

    # then
    assert f"Zone: Remote × · Unit: {unit.callsign} ×" in scope(listing.content.decode())
    period = {k: [v] for k, v in PERIOD_QUERY.items()}
    assert drop_links(listing) == {
        "zone": {**period, "kpi": ["unit_response"], "unit": [str(unit.pk)]},
        "unit": {**period, "kpi": ["unit_response"], "zone": ["remote"]},
    }


@pytest.mark.parametrize("name", ["reports_kpis", "reports_villages", "reports_quality"])
def test_every_report_names_its_filters(client, personas, march, name):
    # given
    chief = reader(personas, "ru")

    # when
    page = get(client, chief, name, settlement=str(personas.a.village.pk), shift="night")

    # then
    assert "Смена: ночная смена (20:00–08:00) × · Населённый пункт: Актогай ×" in scope(
        page.content.decode()
    )


def test_the_printable_report_says_what_it_is_narrowed_to(client, personas, march):
    # given
    chief = reader(personas, "en")

    # when
    printed = get(client, chief, "reports_upward", layout="print", channel="apps", zone="urban")

    # then: words, without links
    line = scope(printed.content.decode())
    assert line.endswith("Zone: Urban · Channel: any app (Police-102, eGov, Kaspi, Halyk)")


def test_no_filter_beyond_the_period_names_nothing(client, personas, march):
    # when
    page = get(client, reader(personas, "en"), "reports_incidents")

    # then
    assert page.context["narrowing"] == []
    assert scope(page.content.decode()) == "01.03.2026 – 31.03.2026 · Аягозский район"


def test_beside_domestic_violence_calls_the_settlement_is_not_named(client, personas, march):
    # given: a domestic-violence call in Актогай
    chief = reader(personas, "en")
    factories.incident(
        district=personas.a.district,
        settlement=personas.a.village,
        category="domestic_violence",
        priority="P1",
        received_at=local(18, 22),
    )
    village = str(personas.a.village.pk)

    # when
    listing = get(client, chief, "reports_incidents", settlement=village)
    thefts = get(client, chief, "reports_incidents", settlement=village, category="theft")

    # then: the list hides the place of its DV row, and so does its heading
    html = listing.content.decode()
    assert "Settlement: hidden (domestic-violence calls on the list) ×" in scope(html)
    assert "Актогай" not in scope(html)
    assert "restricted (domestic violence)" in [r[2] for r in table_cells(html, "incidents")]
    assert "settlement" not in drop_links(listing)["settlement"]  # droppable all the same
    # without domestic violence on the list, the settlement is named
    assert "Settlement: Актогай ×" in scope(thefts.content.decode())
