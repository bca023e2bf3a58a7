"""A repeat report — one Kuzet linked to an earlier call of the same event (status
``duplicate``) — is not a call: DOMAIN.md's KPIs are per incident, and a chief counts events,
not phone calls. No figure, list or CSV counts it; the report for the period shows the repeat
reports apart, per channel, each count opening its list. A village read "2 calls" for one
event reported twice, and the category mix counted it twice."""

from __future__ import annotations

import re

import pytest

from tests import factories

from .dataset import build, local
from .test_pages import csv_rows, get, table_cells

pytestmark = pytest.mark.django_db


@pytest.fixture
def march_with_a_repeat(personas):
    """The March of dataset.py, and I1 (Актогай, 102, theft) reported again through eGov five
    minutes later and linked to it; and one repeat in district B."""
    chief = personas.a.chief
    chief.language = "en"
    chief.save(update_fields=["language"])
    march = build(personas)
    i1 = march.incidents["I1"]
    repeat = factories.incident(
        district=personas.a.district,
        settlement=personas.a.village,
        category=i1.category,
        priority=i1.priority,
        channel="egov",
        received_at=local(3, 10, 5),
        status="duplicate",
        duplicate_of=i1,
        summary="march I1 again",
    )
    b = factories.incident(
        district=personas.b.district, settlement=personas.b.village, received_at=local(10, 13)
    )
    factories.incident(
        district=personas.b.district,
        settlement=personas.b.village,
        received_at=local(10, 13, 1),
        channel="egov",
        status="duplicate",
        duplicate_of=b,
    )
    return march, repeat


def test_a_repeat_report_is_no_call_of_the_village_or_the_kpis(
    client, personas, march_with_a_repeat
):
    # given
    chief = personas.a.chief

    # when
    villages = csv_rows(get(client, chief, "reports_villages", csv="villages"))
    kpis = get(client, chief, "reports_kpis", by="channel")
    listing = get(client, chief, "reports_incidents", settlement=str(personas.a.village.pk))

    # then: Актогай has its six calls, eGov its one (I5)
    assert {r[1]: r[6] for r in villages[1:]} == {"Актогай": "6", "Аягоз": "5"}
    assert kpis.context["incident_count"] == 11
    by_channel = {r[0]: r[1] for r in table_cells(kpis.content.decode(), "slice")}
    assert by_channel["eGov Mobile"] == "1"
    assert listing.context["count"] == 6


def test_the_report_for_the_period_counts_calls_and_shows_the_repeats_apart(
    client, personas, march_with_a_repeat
):
    # given
    _march, repeat = march_with_a_repeat
    chief = personas.a.chief

    # when
    page = get(client, chief, "reports_upward")
    calls = csv_rows(get(client, chief, "reports_upward", csv="calls"))
    channels = csv_rows(get(client, chief, "reports_upward", csv="channels"))
    categories = csv_rows(get(client, chief, "reports_upward", csv="categories"))

    # then: eleven calls and one repeat report, through eGov
    assert calls[0][-1] == "Repeat reports"
    assert calls[1] == ["11", "7", "1071", "900", "1920", "1"]
    assert {r[0]: (r[1], r[-1]) for r in channels[1:]} == {
        "102 line": ("7", "0"),
        "Police-102 app": ("2", "0"),
        "eGov Mobile": ("1", "1"),
        "Kaspi.kz": ("1", "0"),
    }
    assert {r[0]: r[1] for r in categories[1:]} == {"Theft": "11"}
    # the repeat count opens exactly the repeat, the calls' count never lists it
    table = next(t for t in page.context["tables"] if t.id == "calls")
    repeats = client.get(table.rows[0]["repeats"].href)
    assert repeats.status_code == 200
    assert repeats.context["count"] == 1
    assert [r[0] for r in table_cells(repeats.content.decode(), "incidents")] == [repeat.number]
    everything = client.get(table.rows[0]["calls"].href)
    assert everything.context["count"] == 11
    assert repeat.number not in everything.content.decode()


def test_a_channel_with_only_repeat_reports_has_its_row(client, personas, march_with_a_repeat):
    # given: in district B, one call through 102 and its repeat through eGov
    chief = personas.b.chief
    chief.language = "en"
    chief.save(update_fields=["language"])

    # when
    channels = csv_rows(get(client, chief, "reports_upward", csv="channels"))

    # then
    assert {r[0]: (r[1], r[-1]) for r in channels[1:]} == {
        "102 line": ("2", "0"),  # dataset.py's call in B, and this one
        "eGov Mobile": ("0", "1"),
    }


def test_the_list_of_repeat_reports_says_what_it_lists(client, personas, march_with_a_repeat):
    # when
    page = get(client, personas.a.chief, "reports_incidents", repeats="only")

    # then
    html = page.content.decode()
    assert page.context["title"] == "Repeat reports"
    assert '<p class="report-counts" id="drilldown-count">1 repeat report</p>' in html
    assert "repeat reports only ×" in " ".join(re.sub(r"<[^>]+>", "", html).split())
