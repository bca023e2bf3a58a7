"""The PostgreSQL fast path of rendering gives exactly what the portable ORM path gives."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from backend.common import clock
from backend.dispatch.models import Assignment, Event, Incident
from backend.geo.models import Settlement
from backend.people.models import Unit
from backend.sync_gateway import render

from .conftest import event


class _Portable:
    vendor = "sqlite"  # anything but postgresql selects the ORM path


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_rendering_equals_the_orm_rendering(
    personas: Any, device_a1: Any, assignment_a: Assignment, monkeypatch
):
    # given: rows with times carrying exact milliseconds, JSON payloads and risk flags
    incident = assignment_a.incident
    Incident.objects.filter(pk=incident.pk).update(
        risk_flags=["protective_order_until:2026-12-01", "prior_dv_calls:2"],
        received_at=dt.datetime(2026, 11, 25, 7, 0, 0, 124000, tzinfo=dt.UTC),
    )
    device_a1.push(
        event("note", assignment_a, payload={"text": 'ворота закрыты, "собака"', "n": [1, 2.5]}),
        event("on_scene", assignment_a, device_time=clock.now_ms() - 1),
    )
    tables = {
        "events": Event.objects.values_list("id", flat=True),
        "assignments": Assignment.objects.values_list("id", flat=True),
        "incidents": Incident.objects.values_list("id", flat=True),
        "units": Unit.objects.values_list("id", flat=True),
        "settlements": Settlement.objects.values_list("id", flat=True),
    }

    for table, id_query in tables.items():
        ids = [str(i) for i in id_query]
        # when
        fast = render.records_for(table, ids)
        with monkeypatch.context() as patch:
            patch.setattr(render, "connection", _Portable)
            portable = render.records_for(table, ids)

        # then
        assert fast == portable, table
        assert len(fast) == len(ids), table
