"""What the oblast's staff's scope and the sync's reference sweep cost: the districts of an
oblast and every unit's and settlement's district read once, unsorted. They were sorted by
name in the reader's collation for a set (on SQLite a Python comparison per pair: the
hourly sweep's 140 settlements a thousand of them), and the scope first loaded the officer's
oblast on every request of a duty officer."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backend.people.access import district_scope
from backend.people.models import Officer
from backend.sync_gateway.scope import reference_reconcile


@pytest.mark.parametrize("who", ["duty", "oblast_admin"])
def test_an_oblasts_scope_is_one_unsorted_query(personas: Any, who: str) -> None:
    officer = Officer.objects.get(pk=getattr(personas, who).pk)  # the oblast not loaded
    with CaptureQueriesContext(connection) as queries:
        scope = district_scope(officer)
    assert scope.district_ids == {personas.a.district.id, personas.b.district.id}
    assert len(queries) == 1
    assert "ORDER BY" not in queries[0]["sql"]


def test_the_reference_sweep_sorts_nothing(personas: Any) -> None:
    with CaptureQueriesContext(connection) as queries:
        reference_reconcile()
    assert queries.captured_queries
    assert [q["sql"] for q in queries if "COLLATE" in q["sql"]] == []
