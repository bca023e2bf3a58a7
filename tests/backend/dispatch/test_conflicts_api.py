"""The chief's conflicts through the staff API: the list of his districts' conflicts and a
resolution — the same service and refusals as the console's form (docs/protocol.md §5), so
that a chief's tool (and the simulator's chief) can decide them."""

from __future__ import annotations

import pytest

from backend.common import clock
from backend.dispatch.models import Conflict
from backend.ledger.models import AuditEntry
from tests import factories

pytestmark = pytest.mark.django_db


def open_conflict(side, n: int) -> Conflict:
    """An ack from a unit the call was not given to: a ``not_assignee`` conflict."""
    call = factories.incident(district=side.district, settlement=side.village)
    event = factories.event(
        id=f"ev-conflict-{side.district.pk}-{n}",
        incident=call,
        unit=side.patrol,
        disposition="not_assignee",
    )
    return Conflict.objects.create(
        kind="not_assignee",
        district=side.district,
        incident=call,
        event=event,
        unit=side.patrol,
        opened_at=event.server_received_at,
    )


@pytest.fixture
def conflicts(personas):
    return {"a": open_conflict(personas.a, 1), "b": open_conflict(personas.b, 2)}


def test_a_chief_lists_his_districts_conflicts(personas, client_for, conflicts):
    # given: one of A's resolved already
    done = open_conflict(personas.a, 3)
    Conflict.objects.filter(pk=done.pk).update(
        state="resolved", resolution="noted", resolved_at=clock.now()
    )
    api = client_for(personas.a.chief)

    # when
    every = api.get("/api/v1/conflicts/").json()
    still_open = api.get("/api/v1/conflicts/", {"state": "open"}).json()
    bad = api.get("/api/v1/conflicts/", {"state": "maybe"})

    # then: A's only (B's is another district's), the open one by its call's number
    assert [c["id"] for c in every] == [conflicts["a"].pk, done.pk]
    assert [(c["id"], c["kind"], c["incident_number"]) for c in still_open] == [
        (conflicts["a"].pk, "not_assignee", conflicts["a"].incident.number)
    ]
    assert (bad.status_code, list(bad.json()["fields"])) == (400, ["state"])


def test_a_chief_resolves_a_conflict_once_and_it_is_audited(personas, client_for, conflicts):
    # given
    api = client_for(personas.a.chief)
    url = f"/api/v1/conflicts/{conflicts['a'].pk}/resolve/"
    body = {"resolution": "accept_device", "note": "Экипаж был без связи, факты телефона верны"}

    # when
    first = api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="resolve-1")
    replay = api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="resolve-1")
    again = api.post(url, {**body, "resolution": "noted"}, format="json")

    # then: resolved once; the same request again is the same answer; another decision is 409
    assert first.status_code == 200, first.content
    assert (first.json()["state"], first.json()["resolution"]) == ("resolved", "accept_device")
    assert replay.json() == first.json()
    assert (again.status_code, again.json()["error"]) == (409, "already_resolved")
    conflict = Conflict.objects.get(pk=conflicts["a"].pk)
    assert (conflict.resolved_by_id, conflict.resolution_note) == (
        personas.a.chief.pk,
        body["note"],
    )
    assert (
        AuditEntry.objects.filter(action="conflict.resolved", object_id=str(conflict.pk)).count()
        == 1
    )


def test_only_the_districts_chief_resolves_and_bad_decisions_are_clear_errors(
    personas, client_for, conflicts
):
    # given
    url = f"/api/v1/conflicts/{conflicts['a'].pk}/resolve/"
    body = {"resolution": "uphold_server", "note": "Вызов был передан другому наряду"}

    # when
    other_chief = client_for(personas.b.chief).post(url, body, format="json")
    duty = client_for(personas.duty).post(url, body, format="json")
    nobody = client_for(None).post(url, body, format="json")
    unknown = client_for(personas.a.chief).post(
        url, {**body, "resolution": "ignore"}, format="json"
    )
    no_note = client_for(personas.a.chief).post(url, {"resolution": "noted"}, format="json")
    missing = client_for(personas.a.chief).post(
        "/api/v1/conflicts/999999/resolve/", body, format="json"
    )

    # then
    assert (other_chief.status_code, other_chief.json()["error"]) == (404, "not_found")
    assert (duty.status_code, duty.json()["error"]) == (403, "forbidden")
    assert nobody.status_code == 401
    assert (unknown.status_code, list(unknown.json()["fields"])) == (400, ["resolution"])
    assert (no_note.status_code, list(no_note.json()["fields"])) == (400, ["note"])
    assert (missing.status_code, missing.json()["error"]) == (404, "not_found")
    assert Conflict.objects.get(pk=conflicts["a"].pk).state == "open"
