"""Oblast staff rank the villages of every district together; each village names its district
(the row said "Архат, Архат с.о." and nothing of which district to ask). A district chief,
reading his own district, has no such column."""

from __future__ import annotations

import pytest

from tests import factories

from .dataset import build, local
from .test_pages import csv_rows, get

pytestmark = pytest.mark.django_db


@pytest.fixture
def march(personas):
    build(personas)
    b = personas.b
    factories.incident(district=b.district, settlement=b.village, received_at=local(9, 12))


def test_the_oblast_reads_each_village_with_its_district(client, personas, march):
    # when
    rows = csv_rows(get(client, personas.oblast_admin, "reports_villages", csv="villages"))

    # then
    district = rows[0].index("Район")
    by_village = {row[1]: row[district] for row in rows[1:]}
    assert by_village == {
        "Актогай": "Аягозский район",
        "Аягоз": "Аягозский район",
        "Архат": "Абайский район",
    }


def test_a_district_chief_reads_his_villages_without_a_district_column(client, personas, march):
    # when
    rows = csv_rows(get(client, personas.a.chief, "reports_villages", csv="villages"))

    # then
    assert "Район" not in rows[0]
    assert [row[1] for row in rows[1:]] == ["Актогай", "Аягоз"]
