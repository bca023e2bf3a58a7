"""Staff writes are safe to retry (issue 10): ``Idempotency-Key`` replays the first answer,
refuses a key reused for another request, is kept 24 h, and never runs a write twice — not
even for two requests with one key at the same moment (PostgreSQL, real threads)."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest

from backend.common import clock
from backend.dispatch import services
from backend.dispatch.models import Assignment, Incident
from backend.ledger.idempotency import idempotency_prune
from backend.ledger.models import AuditEntry, IdempotentRequest
from tests import factories
from tests.backend.sync_gateway.test_concurrency import in_thread, wait_until_blocked_on_a_lock

from .conftest import snapshot

KEY = "5e1c3a1e-6f1b-4c7b-9c1e-2f8f4b0e7a11"


def report(personas: Any, **extra: Any) -> dict[str, Any]:
    return {
        "category": "theft",
        "received_at": clock.now().isoformat(),
        "settlement_kato": personas.a.town.kato,
        "landmark": "рынок",
        **extra,
    }


def post(api: Any, path: str, data: dict[str, Any], key: str | None = KEY) -> Any:
    headers = {} if key is None else {"HTTP_IDEMPOTENCY_KEY": key}
    return api.post(path, data, format="json", **headers)


@pytest.mark.django_db
def test_a_retried_incident_entry_replays_the_first_answer_and_creates_one_incident(
    personas, client_for
):
    # given
    api = client_for(personas.duty)
    data = report(personas)
    first = post(api, "/api/v1/incidents/", data)
    before = snapshot()

    # when: the answer was lost; the same request again
    again = post(api, "/api/v1/incidents/", data)

    # then
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Incident.objects.count() == 1
    assert snapshot() == before


@pytest.mark.django_db
def test_every_staff_write_replays_on_retry(personas, client_for):
    # given: an incident and an available unit with a phone
    personas.device(personas.a.patrol_officers[0])
    api = client_for(personas.duty)
    incident = factories.incident(district=personas.a.district, settlement=personas.a.town)
    other = factories.incident(district=personas.a.district, settlement=personas.a.town)

    def twice(path: str, data: dict[str, Any], key: str) -> Any:
        first = post(api, path, data, key)
        before = snapshot()
        again = post(api, path, data, key)
        assert (again.status_code, again.json()) == (first.status_code, first.json()), path
        assert snapshot() == before, path
        return first

    # when / then: dispatch, acknowledge on behalf, reassign, cancel, close — each twice
    dispatched = twice(
        f"/api/v1/incidents/{incident.pk}/assignments/",
        {"unit_id": personas.a.patrol.pk},
        "k-dispatch",
    ).json()
    assert dispatched["status"] == "dispatched"
    twice(
        f"/api/v1/assignments/{dispatched['id']}/acknowledge/",
        {"channel": "phone"},
        "k-ack",
    )
    moved = twice(
        f"/api/v1/assignments/{dispatched['id']}/reassign/",
        {"unit_id": personas.a.inspector_unit.pk},
        "k-reassign",
    ).json()
    twice(f"/api/v1/assignments/{moved['id']}/cancel/", {"reason": "ложный"}, "k-cancel")
    second = post(
        api, f"/api/v1/incidents/{other.pk}/assignments/", {"unit_id": personas.a.patrol.pk}, "k-2"
    )
    assert second.status_code == 201
    closed = twice(
        f"/api/v1/incidents/{other.pk}/close/", {"disposition": "разобрались"}, "k-close"
    )
    assert closed.json()["status"] == "closed"
    assert Assignment.objects.count() == 3


@pytest.mark.django_db
def test_without_a_key_a_retried_dispatch_is_refused_as_before(personas, client_for):
    # given
    api = client_for(personas.duty)
    incident = factories.incident(district=personas.a.district, settlement=personas.a.town)
    path = f"/api/v1/incidents/{incident.pk}/assignments/"
    post(api, path, {"unit_id": personas.a.patrol.pk}, key=None)

    # when
    again = post(api, path, {"unit_id": personas.a.patrol.pk}, key=None)

    # then: what a duty officer without keys saw — ambiguous
    assert again.status_code == 409
    assert IdempotentRequest.objects.count() == 0


@pytest.mark.django_db
def test_the_same_key_for_another_request_is_422_and_changes_nothing(personas, client_for):
    # given
    api = client_for(personas.duty)
    post(api, "/api/v1/incidents/", report(personas, landmark="рынок"))
    before = snapshot()

    # when
    response = post(api, "/api/v1/incidents/", report(personas, landmark="вокзал"))

    # then
    assert response.status_code == 422
    assert response.json()["error"] == "idempotency_key_reused"
    assert snapshot() == before


@pytest.mark.django_db
def test_keys_belong_to_their_user(personas, client_for):
    # when: two duty officers happen to send the same key
    first = post(client_for(personas.duty), "/api/v1/incidents/", report(personas))
    second = post(client_for(personas.a.chief), "/api/v1/incidents/", report(personas))

    # then: two incidents
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] != second.json()["id"]


@pytest.mark.django_db
def test_a_refused_write_keeps_no_key_so_a_corrected_retry_runs(personas, client_for):
    # given: a report outside the chief's district is refused
    api = client_for(personas.a.chief)
    refused = post(
        api, "/api/v1/incidents/", report(personas, settlement_kato=personas.b.town.kato)
    )

    # when: the chief corrects it and sends it with the same key
    fixed = post(api, "/api/v1/incidents/", report(personas))

    # then
    assert refused.status_code == 403
    assert fixed.status_code == 201
    assert Incident.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "x" * 256, "ключ", "a\tb"])
def test_a_malformed_key_is_refused(personas, client_for, key):
    # when
    response = post(client_for(personas.duty), "/api/v1/incidents/", report(personas), key)

    # then
    assert (response.status_code, response.json()["error"]) == (400, "idempotency_key_invalid")
    assert Incident.objects.count() == 0


@pytest.mark.django_db
def test_a_structured_field_key_is_the_same_key(personas, client_for):
    # given
    api = client_for(personas.duty)
    data = report(personas)
    first = post(api, "/api/v1/incidents/", data, KEY)

    # when
    again = post(api, "/api/v1/incidents/", data, f'"{KEY}"')

    # then
    assert again.json()["id"] == first.json()["id"]


@pytest.mark.django_db
def test_keys_are_kept_a_day_then_pruned(personas, client_for):
    # given
    post(client_for(personas.duty), "/api/v1/incidents/", report(personas))

    # when
    kept = idempotency_prune(now=clock.now() + dt.timedelta(hours=23))
    pruned = idempotency_prune(now=clock.now() + dt.timedelta(hours=25))

    # then
    assert (kept, pruned) == (0, 1)
    assert IdempotentRequest.objects.count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_requests_with_one_key_at_once_run_the_write_once(personas, client_for, monkeypatch):
    # given: the first request's write is held open inside its transaction
    inside = threading.Event()
    release = threading.Event()
    create = services.incident_create
    calls: list[int] = []

    def held_create(**kwargs: Any) -> Incident:
        calls.append(1)
        incident = create(**kwargs)
        inside.set()
        release.wait(30)
        return incident

    monkeypatch.setattr(services, "incident_create", held_create)
    data = report(personas)
    audit_before = AuditEntry.objects.count()

    # when: a retry arrives while the first is still running
    first, first_out = in_thread(
        lambda: post(client_for(personas.duty), "/api/v1/incidents/", data)
    )
    assert inside.wait(30)
    second, second_out = in_thread(
        lambda: post(client_for(personas.duty), "/api/v1/incidents/", data)
    )
    wait_until_blocked_on_a_lock(0)  # the retry waits on the key, not on a guess
    release.set()
    first.join(30)
    second.join(30)

    # then: one write; the retry got the first answer
    assert "error" not in first_out
    assert "error" not in second_out
    a, b = first_out["result"], second_out["result"]
    assert (a.status_code, b.status_code) == (201, 201)
    assert b.json() == a.json()
    assert b["Idempotent-Replayed"] == "true"
    assert len(calls) == 1
    assert Incident.objects.count() == 1
    assert AuditEntry.objects.count() > audit_before


@pytest.mark.django_db
def test_a_retried_incident_cancel_replays(personas, client_for):
    # given
    api = client_for(personas.duty)
    incident = factories.incident(district=personas.a.district, settlement=personas.a.town)
    path = f"/api/v1/incidents/{incident.pk}/cancel/"
    first = post(api, path, {"reason": "ложный вызов"}, "k-incident-cancel")
    before = snapshot()

    # when
    again = post(api, path, {"reason": "ложный вызов"}, "k-incident-cancel")

    # then: the first answer, not 409 for an incident already cancelled
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == first.json()
    assert first.json()["status"] == "cancelled"
    assert snapshot() == before
