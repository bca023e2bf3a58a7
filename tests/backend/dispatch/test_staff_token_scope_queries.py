"""An oblast duty officer's staff API request reads the oblast's districts in the statement
that reads the token and its user: they were a statement of their own on every request
(docs/benchmarks.md, "Queries of a history call")."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backend.people.access import district_scope
from tests import factories

from .conftest import dispatch_a_call


def _districts_read(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if 'FROM "geo_district"' in q["sql"]]


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["duty", "oblast_admin"])
def test_an_oblast_officers_request_reads_the_districts_with_the_token(
    personas: Any, client_for: Any, who: str
) -> None:
    # given: a call of district A
    incident = dispatch_a_call(personas).incident
    api = client_for(getattr(personas, who))
    api.get(f"/api/v1/incidents/{incident.pk}/")  # the token's first use is stamped

    # when
    with CaptureQueriesContext(connection) as queries:
        response = api.get(f"/api/v1/incidents/{incident.pk}/")

    # then: one statement reads the districts — the token's
    assert response.status_code == 200
    reads = _districts_read(queries)
    assert len(reads) == 1, reads
    assert '"dispatch_stafftoken"' in reads[0]


@pytest.mark.django_db
def test_the_scope_read_with_the_token_is_the_oblasts_districts_now(
    personas: Any, client_for: Any
) -> None:
    # given: the duty officer's first request; then a district joins the oblast
    incident = dispatch_a_call(personas).incident
    api = client_for(personas.duty)
    api.get(f"/api/v1/incidents/{incident.pk}/")
    added = factories.district(kato="104000000", name="Жаңа аудан")
    other = factories.incident(district=added)

    # when
    seen = api.get(f"/api/v1/incidents/{other.pk}/")

    # then: the new district is in the next request's scope
    assert seen.status_code == 200
    assert seen.json()["id"] == other.pk


@pytest.mark.django_db
def test_a_district_duty_officer_and_an_outsider_keep_their_scopes(
    personas: Any, client_for: Any
) -> None:
    # given: a call of district B; A's chief (his district only), an oblast duty officer of
    # an oblast with no district yet
    call_b = factories.incident(district=personas.b.district)
    empty = factories.oblast(kato="190000000", name="Ұлытау облысы", centre="Жезқазған")
    stranger = factories.officer(username="duty_ulytau", role="duty_officer", oblast=empty)

    # when
    chief = client_for(personas.a.chief).get(f"/api/v1/incidents/{call_b.pk}/")
    outsider = client_for(stranger).get(f"/api/v1/incidents/{call_b.pk}/")

    # then
    assert chief.status_code == 404
    assert outsider.status_code == 404
    assert district_scope(stranger).district_ids == frozenset()
