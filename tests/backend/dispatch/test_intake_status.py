"""A partner reads back what became of its report (GET /api/v1/intake/<channel>/<ref>/):
status, the first dispatch and arrival, the outcome the citizen is told and when they were —
and nothing a citizen-facing app must not show."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from rest_framework.test import APIClient

from backend.common import clock
from backend.dispatch.models import Incident
from backend.dispatch.services import (
    assignment_record_on_behalf,
    incident_cancel,
    incident_close,
    incident_dispatch,
    intake_key_issue,
)
from backend.ledger.models import AuditEntry

from .test_intake import body

KEYS = {
    "id",
    "number",
    "external_ref",
    "status",
    "duplicate_of",
    "received_at",
    "dispatched_at",
    "on_scene_at",
    "closed_at",
    "outcome",
    "outcome_label",
    "citizen_notified_at",
    "citizen_delay_notified_at",
    "discreet",
}


def report(intake_client: APIClient, personas: Any, **kw: Any) -> Incident:
    response = intake_client.post("/api/v1/intake/egov/", body(personas, **kw), format="json")
    assert response.status_code == 201, response.content
    return Incident.objects.get(pk=response.json()["id"])


def read(client: APIClient, ref: str = "egov-1001", **headers: Any) -> dict[str, Any]:
    response = client.get(f"/api/v1/intake/egov/{ref}/", **headers)
    assert response.status_code == 200, response.content
    answer = response.json()
    assert set(answer) == KEYS
    return answer


def test_a_report_is_read_through_its_life(personas, intake_client):
    # given: a theft reported through eGov
    t0 = clock.now().replace(microsecond=0) - dt.timedelta(hours=1)
    incident = report(intake_client, personas, received_at=t0.isoformat())

    # then: waiting for a unit
    waiting = read(intake_client)
    assert waiting == {
        "id": incident.pk,
        "number": incident.number,
        "external_ref": "egov-1001",
        "status": "queued",
        "duplicate_of": None,
        "received_at": t0.astimezone(dt.timezone(dt.timedelta(hours=5))).isoformat(),
        "dispatched_at": None,
        "on_scene_at": None,
        "closed_at": None,
        "outcome": None,
        "outcome_label": None,
        "citizen_notified_at": None,
        "citizen_delay_notified_at": None,
        "discreet": False,
    }

    # when: A-PC1 is sent, reaches the place, and the call is closed with a report taken
    with clock.frozen(t0 + dt.timedelta(minutes=2)):
        assignment = incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)
    with clock.frozen(t0 + dt.timedelta(minutes=30)):
        assignment_record_on_behalf(
            assignment=assignment, by=personas.duty, kind="on_scene", channel="radio"
        )
    on_scene = read(intake_client)
    with clock.frozen(t0 + dt.timedelta(minutes=50)):
        incident_close(
            incident=incident,
            by=personas.duty,
            disposition="Заявление принято, Иванов И.И. опрошен",
            outcome_code="report_taken",
        )

    # then
    assert on_scene["status"] == "active"
    closed = read(intake_client)
    assert closed["status"] == "closed"
    times = {
        k: dt.datetime.fromisoformat(closed[k]) - t0
        for k in KEYS
        if k.endswith("_at") and closed[k] is not None
    }
    assert times == {
        "received_at": dt.timedelta(0),
        "dispatched_at": dt.timedelta(minutes=2),
        "on_scene_at": dt.timedelta(minutes=30),
        "closed_at": dt.timedelta(minutes=50),
        "citizen_notified_at": dt.timedelta(minutes=50),
    }
    assert closed["citizen_delay_notified_at"] is None  # the unit was not late
    assert (closed["outcome"], closed["outcome_label"]) == (
        "report_taken",
        "your report is registered",
    )


def test_the_read_shows_nothing_of_people_units_or_the_disposition(personas, intake_client):
    # given: a closed call with names in its disposition and a unit on it
    incident = report(intake_client, personas)
    incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)
    incident_close(
        incident=incident,
        by=personas.duty,
        disposition="Сапаров Б. предупреждён",
        outcome_code="warning",
    )

    # when
    response = intake_client.get("/api/v1/intake/egov/egov-1001/")

    # then
    text = response.content.decode()
    for secret in ("Айгерим", "+77015550101", "A-PC1", "Сапаров", "Абая", "велосипед"):
        assert secret not in text
    assert response.json()["outcome_label"] == "a warning is given"


def test_the_outcome_label_follows_accept_language(personas, intake_client):
    # given
    incident = report(intake_client, personas)
    incident_close(
        incident=incident, by=personas.duty, disposition="x", outcome_code="report_taken"
    )

    # when
    russian = read(intake_client, HTTP_ACCEPT_LANGUAGE="ru")
    kazakh = read(intake_client, HTTP_ACCEPT_LANGUAGE="kk")

    # then: the same words as the citizen's SMS
    assert russian["outcome_label"] == "ваше заявление зарегистрировано"
    assert kazakh["outcome_label"] == "арызыңыз тіркелді"
    assert russian["outcome"] == kazakh["outcome"] == "report_taken"


@pytest.mark.parametrize("outcome_code", ["false_call", ""])
def test_no_measure_is_named_where_the_sms_names_none(personas, intake_client, outcome_code):
    # given
    incident = report(intake_client, personas)
    incident_close(incident=incident, by=personas.duty, disposition="x", outcome_code=outcome_code)

    # when
    answer = read(intake_client)

    # then
    assert answer["status"] == "closed"
    assert (answer["outcome"], answer["outcome_label"]) == (None, None)
    assert answer["citizen_notified_at"] is not None


def test_a_cancelled_report_says_so_without_an_outcome(personas, intake_client):
    # given
    incident = report(intake_client, personas)

    # when
    incident_cancel(incident=incident, by=personas.duty, reason="передано в акимат")

    # then
    answer = read(intake_client)
    assert (answer["status"], answer["outcome"], answer["citizen_notified_at"]) == (
        "cancelled",
        None,
        None,
    )


def test_a_repeat_shows_the_call_it_joined_and_ends_with_it(personas, intake_client):
    # given: a theft in a village, then a second caller's report of it, linked
    village = personas.a.village.kato
    first = report(intake_client, personas, external_ref="v-1", settlement_kato=village)
    second = report(
        intake_client,
        personas,
        external_ref="v-2",
        settlement_kato=village,
        caller={"name": "Болат", "phone": "+77015550202"},
    )
    assert second.duplicate_of == first

    # when: a unit is sent to the call
    incident_dispatch(incident=first, unit=personas.a.inspector_unit, by=personas.duty)
    linked = read(intake_client, "v-2")

    # then: the repeat shows the call's number and its dispatch
    assert (linked["status"], linked["duplicate_of"]) == ("duplicate", first.number)
    assert linked["dispatched_at"] is not None
    assert linked["closed_at"] is None

    # when: the call is closed
    incident_close(incident=first, by=personas.duty, disposition="x", outcome_code="warning")

    # then: the repeat is closed with it, with its outcome, and its own caller was told
    ended = read(intake_client, "v-2")
    assert ended["status"] == "duplicate"
    assert ended["closed_at"] is not None
    assert (ended["outcome"], ended["citizen_notified_at"] is not None) == ("warning", True)


def test_a_domestic_violence_report_reads_minimal_and_the_read_is_audited(personas, intake_client):
    # given: a DV report with a unit on its way
    incident = report(intake_client, personas, category="domestic_violence")
    incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)

    # when
    answer = read(intake_client)

    # then: open, and nothing of the unit sent
    assert answer == {
        **answer,
        "status": "open",
        "dispatched_at": None,
        "on_scene_at": None,
        "outcome": None,
        "outcome_label": None,
        "discreet": True,
    }
    entry = AuditEntry.objects.get(action="incident.read")
    assert (entry.actor_kind, entry.actor_label, entry.object_id) == (
        "integration",
        "intake:eGov Mobile",
        str(incident.pk),
    )
    assert entry.data_dict == {"purpose": "intake.status"}

    # when: closed with a protective order
    incident_close(
        incident=incident, by=personas.duty, disposition="x", outcome_code="protective_order"
    )

    # then: closed, the measure not named (as in the citizen's SMS)
    closed = read(intake_client)
    assert (closed["status"], closed["outcome"], closed["outcome_label"]) == ("closed", None, None)
    assert closed["closed_at"] is not None


def test_a_reference_with_a_slash_is_read(personas, intake_client):
    report(intake_client, personas, external_ref="2026/12/0042")
    assert read(intake_client, "2026/12/0042")["external_ref"] == "2026/12/0042"


def test_only_the_keys_channel_is_read(personas, intake_client):
    # given: a report through Kaspi with a reference eGov also uses, and one through eGov
    _, kaspi = intake_key_issue(channel="kaspi", name="Kaspi")
    kaspi_client = APIClient()
    kaspi_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {kaspi}")
    kaspi_client.post(
        "/api/v1/intake/kaspi/", body(personas, external_ref="k-1"), format="json"
    ).json()
    report(intake_client, personas)

    # when
    responses = {
        "kaspi's ref on egov": intake_client.get("/api/v1/intake/egov/k-1/"),
        "unknown ref": intake_client.get("/api/v1/intake/egov/nothing/"),
        "egov's path, kaspi's key": kaspi_client.get("/api/v1/intake/egov/egov-1001/"),
        "no such channel": intake_client.get("/api/v1/intake/telegram/egov-1001/"),
        "no key": APIClient().get("/api/v1/intake/egov/egov-1001/"),
    }

    # then
    assert {k: (r.status_code, r.json()["error"]) for k, r in responses.items()} == {
        "kaspi's ref on egov": (404, "not_found"),
        "unknown ref": (404, "not_found"),
        "egov's path, kaspi's key": (403, "forbidden"),
        "no such channel": (404, "not_found"),
        "no key": (401, "unauthenticated"),
    }
    assert responses["kaspi's ref on egov"].json()["detail"] == (
        "No report with this external_ref on the egov channel."
    )


def test_the_read_is_in_the_schema_with_examples(client_for, personas):
    # when
    schema = client_for(personas.duty).get("/api/schema/", {"format": "json"}).json()

    # then
    read_op = schema["paths"]["/api/v1/intake/{channel}/{external_ref}/"]["get"]
    assert read_op["operationId"] == "intake_status"
    assert read_op["security"] == [{"IntakeApiKey": []}]
    assert sorted(read_op["responses"]) == ["200", "401", "403", "404", "429"]
    examples = read_op["responses"]["200"]["content"]["application/json"]["examples"]
    assert examples["Closed"]["value"]["status"] == "closed"
    assert examples["DomesticViolence"]["value"]["discreet"] is True
    # every example carries exactly the keys a real read answers with (they cannot drift)
    assert {name: set(e["value"]) for name, e in examples.items()} == {
        "Closed": KEYS,
        "DomesticViolence": KEYS,
    }
    create = schema["paths"]["/api/v1/intake/{channel}/"]["post"]
    assert list(create["requestBody"]["content"]) == ["application/json"]
    assert create["requestBody"]["content"]["application/json"]["examples"]["Report"]["value"]
