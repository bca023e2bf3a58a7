"""A village whose calls nobody reached — the arrival target passed and no unit came — has
waited longest of all, and the villages ranking puts it first. With no arrival it had no
90th-percentile response, and it was ranked last, below the village reached in ten minutes:
the one village the chief must ask about looked the best served. A village whose only call
needed nobody (a P3 enquiry, no target) stays last."""

from __future__ import annotations

import datetime as dt

import pytest

from backend.geo.models import Zone
from tests import factories

from .dataset import TARGET, build, local
from .test_pages import csv_rows, get

pytestmark = pytest.mark.django_db


@pytest.fixture
def march(personas):
    build(personas)
    a = personas.a
    places = {}
    for i, name in enumerate(["Кайнар", "Жанаозен"]):
        places[name] = factories.settlement(
            okrug=a.village.okrug,
            kato=f"10361{i}999",
            name=name,
            lat=47.0 + i,
            lon=80.0,
            zone=Zone.REMOTE,
        )
    # Кайнар: a P1 call, a unit sent, nobody arrived by the target (nor after).
    received = local(12, 3)
    missed = factories.incident(
        district=a.district, settlement=places["Кайнар"], priority="P1", received_at=received
    )
    factories.assignment(
        incident=missed,
        unit=a.inspector_unit,
        dispatched_at=received + dt.timedelta(minutes=2),
        arrive_due_at=received + dt.timedelta(seconds=TARGET[("P1", "remote")]),
    )
    # Жанаозен: a P3 enquiry nobody needed to go to.
    factories.incident(
        district=a.district, settlement=places["Жанаозен"], priority="P3", received_at=local(13, 9)
    )


def test_a_village_nobody_reached_is_ranked_first(client, personas, march):
    # when
    rows = csv_rows(get(client, personas.a.chief, "reports_villages", csv="villages"))

    # then: Кайнар first (its target missed, 0 %), Жанаозен last, before the calls with no place
    assert [(r[0], r[1]) for r in rows[1:]] == [
        ("1", "Кайнар"),
        ("2", "Актогай"),
        ("3", "Аягоз"),
        ("4", "Жанаозен"),
    ]
    assert rows[1][9] == "0.0"  # the target's share: missed
