"""A call's detail reads the call once: the row read for the access check is the one
answered (docs/benchmarks.md, 2026-12-06: the detail read it twice)."""

from __future__ import annotations

import pytest

from backend.dispatch.apis import _incident_output

from .conftest import dispatch_a_call


@pytest.mark.django_db
def test_a_calls_detail_reads_the_call_once(personas, client_for, django_assert_num_queries):
    # given: a dispatched call of district A, read by its duty officer
    incident = dispatch_a_call(personas).incident
    api = client_for(personas.duty)
    api.get(f"/api/v1/incidents/{incident.pk}/")  # the token's first use is stamped

    # when: the token, the call (with its village), the duty officer's districts, its
    # assignments and its follow-up visits
    with django_assert_num_queries(5):
        response = api.get(f"/api/v1/incidents/{incident.pk}/")

    # then: the same answer as the commands give after a change
    assert response.status_code == 200
    assert response.json() == _incident_output(incident)
    assert response.json()["settlement_kato"] == personas.a.town.kato
    assert len(response.json()["assignments"]) == 1
