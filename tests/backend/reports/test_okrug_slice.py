"""The KPI dashboard cuts a chief's calls by rural okrug: how long each okrug's villages
waited (median and 90th percentile of the response, the target met, every stage), a level
above the villages, as the akimat and the oblast group them — the okrug was a filter only,
one okrug at a time. An okrug reads by its name in the reader's language, and each row opens
that okrug's calls."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories

from .dataset import build
from .test_pages import csv_rows, get, table_cells

pytestmark = pytest.mark.django_db


@pytest.fixture
def march(personas):
    build(personas)
    a = personas.a
    # Актогай lies in an okrug of its own (as it does in the KATO); the town keeps the seat's.
    aktogay = factories.okrug(
        district=a.district, kato="103640000", name="Актогайский с.о.", name_kk="Ақтоғай а.о."
    )
    a.village.okrug = aktogay
    a.village.save(update_fields=["okrug"])
    return aktogay


def test_each_okrug_reads_its_villages_figures(client, personas, march):
    # given: one village per okrug, so an okrug's row is its village's
    chief = personas.a.chief

    # when
    okrugs = csv_rows(get(client, chief, "reports_kpis", by="okrug", csv="slice"))
    villages = csv_rows(get(client, chief, "reports_kpis", by="settlement", csv="slice"))

    # then: the okrugs by name, each with its village's count, response, target met, stages
    assert okrugs[0][1:] == villages[0][1:]
    assert [row[0] for row in okrugs[1:]] == ["Актогайский с.о.", "Аягоз г.а."]
    by_village = {row[0]: row[1:] for row in villages[1:]}
    assert okrugs[1][1:] == by_village["Актогай"]
    assert okrugs[2][1:] == by_village["Аягоз"]


def test_a_kazakh_chief_reads_the_okrugs_in_kazakh_and_each_opens_its_calls(
    client, personas, march
):
    # given
    chief = personas.a.chief
    chief.language = "kk"
    chief.save(update_fields=["language"])

    # when
    page = get(client, chief, "reports_kpis", by="okrug").content.decode()

    # then: Kazakh names where known, in the Kazakh alphabet (Қ after К, before Я)
    assert [row[0] for row in table_cells(page, "slice")] == ["Ақтоғай а.о.", "Аягоз г.а."]
    assert f"okrug={march.pk}" in page.split('id="table-slice"', 1)[1]
    incidents = reverse("admin:reports_incidents")
    assert f'href="{incidents}?' in page


def test_the_okrug_slice_is_offered_beside_the_others(client, personas, march):
    # when
    page = get(client, personas.a.chief, "reports_kpis").content.decode()

    # then
    assert "by=okrug" in page
