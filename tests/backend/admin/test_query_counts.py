"""Admin lists stay fast on large tables: a fixed number of queries, whatever the row count."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from backend.common import clock
from backend.dispatch.models import Event
from backend.ledger import uow
from tests import factories

BIG_LISTS = [
    "dispatch_incident",
    "dispatch_assignment",
    "dispatch_event",
    "dispatch_conflict",
    "ledger_auditentry",
    "people_unit",
    "people_officer",
    "devices_device",
    "geo_settlement",
    "sync_gateway_quarantinedrecord",
]
MAX_QUERIES = 14


def grow(world, n: int, first: int = 0) -> None:
    """``n`` more calls in district A, each with an assignment, an event and audit entries
    (numbered from ``first``)."""
    p = world.a
    now = clock.now()
    for i in range(first, first + n):
        incident = factories.incident(
            district=p.district, settlement=p.settlement, received_at=now - dt.timedelta(minutes=i)
        )
        assignment = factories.assignment(
            incident=incident,
            unit=p.unit,
            dispatched_at=now - dt.timedelta(minutes=i),
            on_scene_at=now,
            status="on_scene",
        )
        Event.objects.create(
            id=f"evt-grow-{i:012d}", kind="on_scene", source="server", assignment=assignment,
            incident=incident, unit=p.unit, content_hash="0" * 64, server_received_at=now,
            estimated_at=now, estimate_method="server", disposition="applied",
        )  # fmt: skip
        factories.unit(callsign=f"A-UI{i + 10}", district=p.district, lat=48.0, lon=80.0)
        with uow.unit_of_work():
            uow.audit("test.grow", obj=incident)
            uow.audit("test.grow", obj=assignment)


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("model", BIG_LISTS)
@pytest.mark.parametrize("viewer", ["chief_a", "duty"])
def test_changelist_queries_do_not_grow_with_rows(
    client, world, django_assert_max_num_queries, viewer, model
):
    # given
    client.force_login(world.user(viewer))
    url = reverse(f"admin:{model}_changelist")
    grow(world, 1)  # a row of every kind (a list may read once per kind it shows)
    few = count_queries(client, url)
    grow(world, 25, first=1)

    # when
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(url)

    # then
    assert response.status_code == 200
    assert count_queries(client, url) == few


def test_incident_list_columns_come_from_the_annotated_query(client, world):
    # given
    client.force_login(world.a.chief)
    grow(world, 3)

    # when
    response = client.get(reverse("admin:dispatch_incident_changelist"))

    # then
    rows = {obj.pk: obj for obj in response.context["cl"].result_list}
    grown = [obj for obj in rows.values() if obj.summary.startswith("test incident")]
    assert grown
    assert all(
        obj.response_s == pytest.approx((obj.first_on_scene_at - obj.received_at).total_seconds())
        for obj in grown
    )
