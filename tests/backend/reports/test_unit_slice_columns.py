"""The KPIs by unit show only what a unit has: its assignments' stages and its own arrival.
Call processing and the arrival target are figures of whole calls; by unit they read "—" on
every row, on the page and in its files — an empty column the chief took for units that had
met no target."""

from __future__ import annotations

import pytest

from .dataset import build
from .test_pages import csv_rows, get, table_cells

pytestmark = pytest.mark.django_db


@pytest.fixture
def march(personas):
    return build(personas)


def test_the_kpis_by_unit_have_no_columns_of_whole_calls(client, personas, march):
    # when
    page = get(client, personas.a.chief, "reports_kpis", by="unit")
    export = csv_rows(get(client, personas.a.chief, "reports_kpis", by="unit", csv="slice"))

    # then: the unit's own arrival first, then the stages of its assignments; nothing empty
    slice_table = next(t for t in page.context["tables"] if t.id == "slice")
    assert [c.key for c in slice_table.columns][:4] == [
        "key",
        "rows",
        "response_p50",
        "response_p90",
    ]
    assert not {"sla_share", "call_processing_p50", "call_processing_p90"} & {
        c.key for c in slice_table.columns
    }
    header = export[0]
    assert not [h for h in header if "Норматив" in h or "Обработка" in h]
    for row in table_cells(page.content.decode(), "slice"):
        assert "—" not in row[2:4] or row[1] == "0", row


def test_the_kpis_by_zone_keep_the_target_and_call_processing(client, personas, march):
    # when
    page = get(client, personas.a.chief, "reports_kpis", by="zone")

    # then
    slice_table = next(t for t in page.context["tables"] if t.id == "slice")
    keys = [c.key for c in slice_table.columns]
    assert keys[:5] == ["key", "rows", "response_p50", "response_p90", "sla_share"]
    assert "call_processing_p50" in keys
