"""The KPI dashboard's slice rows come in an order a chief can read down: zones from the town
to the remote villages and channels as the filter lists them (they came alphabetically by
their codes — remote, rural, urban: the town last), settlements and units by name in the
Kazakh alphabet (they came by their database ids written as text, "10" before "9": no order
at all), the rows without a value last."""

from __future__ import annotations

import pytest

from backend.geo.models import Zone
from tests import factories

from .dataset import build, local
from .test_pages import csv_rows, get

pytestmark = pytest.mark.django_db


def first_column(response) -> list[str]:
    return [row[0] for row in csv_rows(response)[1:]]


@pytest.fixture
def march(personas):
    build(personas)
    a = personas.a
    # Two more villages, made before them one whose name sorts last: ids in no name order,
    # and a Kazakh letter (Қ comes between К and Л, not after Я).
    for i, name in enumerate(["Ямышево", "Қайнар", "Лебяжье"]):
        place = factories.settlement(
            okrug=a.village.okrug,
            kato=f"10360{i}999",
            name=name,
            lat=47.0 + i,
            lon=80.0,
            zone=Zone.SUBURBAN,
        )
        inc = factories.incident(
            district=a.district, settlement=place, received_at=local(10 + i, 12), channel="video"
        )
    # A unit made after the district's patrol and inspector, whose callsign sorts first.
    dv = factories.unit(callsign=f"{a.patrol.callsign[0]}-DV1", district=a.district)
    factories.assignment(incident=inc, unit=dv, dispatched_at=inc.received_at)


def test_zones_read_from_the_town_to_the_remote_villages(client, personas, march):
    # when
    rows = first_column(get(client, personas.a.chief, "reports_kpis", by="zone", csv="slice"))

    # then
    assert rows == ["Городская", "Пригородная", "Отдалённая"]


def test_channels_read_as_the_filter_lists_them(client, personas, march):
    # when
    rows = first_column(get(client, personas.a.chief, "reports_kpis", by="channel", csv="slice"))

    # then: 102, the Police-102 app, eGov, Kaspi, the camera inspector
    assert len(rows) == 5
    assert rows[0] == "линия 102"
    assert rows[-1] == "Инспектор видеокамер ЦОУ"


def test_settlements_read_by_name_in_the_kazakh_alphabet(client, personas, march):
    # when
    rows = first_column(get(client, personas.a.chief, "reports_kpis", by="settlement", csv="slice"))

    # then
    assert rows == ["Актогай", "Аягоз", "Қайнар", "Лебяжье", "Ямышево"]


def test_units_read_by_callsign_on_the_dashboard_and_the_data_quality_page(client, personas, march):
    # given
    a = personas.a
    callsigns = sorted(
        [a.patrol.callsign, a.inspector_unit.callsign, f"{a.patrol.callsign[0]}-DV1"]
    )

    # when
    by_unit = first_column(get(client, a.chief, "reports_kpis", by="unit", csv="slice"))
    quality = first_column(get(client, a.chief, "reports_quality", csv="quality"))

    # then
    assert by_unit == callsigns
    assert quality[1:] == callsigns
