"""The CoAO article of an outcome (issue 14): from a device's push, on a duty officer's word,
and on closing; the shown outcome's article is the incident's, and a staff command is held to
the protocol's rule."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from backend.common import clock
from backend.common.errors import ValidationFailed
from backend.dispatch.models import Event, Incident
from backend.dispatch.services import (
    assignment_record_on_behalf,
    incident_close,
)
from backend.ledger.models import AuditEntry
from backend.sync_gateway.models import QuarantinedRecord
from tests.backend.sync_support import event

from .conftest import T0, dispatch_a_call, snapshot


@pytest.fixture
def dispatched(personas):
    """A DV call in Ayagoz received at T0, A-PC1 dispatched at T0 + 1 min."""
    return dispatch_a_call(personas, priority="P1", category="domestic_violence")


# --- from a device -----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.usefixtures("published")
def test_the_shown_outcomes_article_is_the_incidents_and_a_revision_without_one_clears_it(
    assignment_a, device_a1
):
    # given: a protocol under article 73, part 1
    first = {"code": "admin_protocol", "coao_article": "73-1"}
    device_a1.push(event("outcome", assignment_a, payload=first))
    incident = Incident.objects.get(pk=assignment_a.incident_id)
    assert (incident.outcome_code, incident.outcome_article) == ("admin_protocol", "73-1")

    # when: the officer revises it to a warning, with no article
    device_a1.push(event("outcome", assignment_a, payload={"code": "warning"}))

    # then: the latest outcome wins whole; the first keeps its article in its payload
    incident.refresh_from_db()
    assert (incident.outcome_code, incident.outcome_article) == ("warning", "")
    kept = Event.objects.filter(kind="outcome").order_by("server_received_at", "id").first()
    assert kept.payload == first


@pytest.mark.django_db
@pytest.mark.usefixtures("published")
def test_an_outcome_with_a_malformed_article_is_quarantined_and_the_rest_of_the_batch_applies(
    assignment_a, device_a1
):
    # given
    bad = event("outcome", assignment_a, payload={"code": "admin_protocol", "coao_article": 73})
    good = event("on_scene", assignment_a)

    # when
    results = device_a1.push(bad, good)

    # then
    assert [(r["status"], r.get("reason")) for r in results] == [
        ("rejected", "invalid_payload"),
        ("accepted", None),
    ]
    assert not Event.objects.filter(kind="outcome").exists()
    incident = Incident.objects.get(pk=assignment_a.incident_id)
    assert (incident.outcome_code, incident.outcome_article, incident.status) == ("", "", "active")
    assert QuarantinedRecord.objects.get().record_id == bad["id"]


# --- on a duty officer's word ------------------------------------------------------------------


def test_an_outcome_recorded_on_behalf_carries_its_article_onto_the_incident(personas, dispatched):
    # when
    with clock.frozen(T0 + dt.timedelta(minutes=41)):
        outcome = assignment_record_on_behalf(
            assignment=dispatched,
            by=personas.duty,
            kind="outcome",
            channel="phone",
            outcome_code="admin_protocol",
            coao_article=" 461 ",
        )

    # then
    assert outcome.payload == {
        "note": "",
        "code": "admin_protocol",
        "text": "",
        "coao_article": "461",
    }
    incident = Incident.objects.get(pk=dispatched.incident_id)
    assert (incident.outcome_code, incident.outcome_article, incident.outcome_event_id) == (
        "admin_protocol",
        "461",
        outcome.pk,
    )
    assert incident.outcome_label == "Administrative protocol (ЕРАП), CoAO art. 461"
    audit = AuditEntry.objects.get(action="assignment.recorded_on_behalf")
    assert (audit.data_dict["outcome_code"], audit.data_dict["coao_article"]) == (
        "admin_protocol",
        "461",
    )


@pytest.mark.parametrize("article", ["ст. 73", "073", "73-", "1000", "73-100"])
def test_an_outcome_on_behalf_with_a_malformed_article_is_refused_and_nothing_changes(
    personas, dispatched, article
):
    # given
    before = snapshot()

    # when
    with clock.frozen(T0 + dt.timedelta(minutes=10)), pytest.raises(ValidationFailed) as exc:
        assignment_record_on_behalf(
            assignment=dispatched,
            by=personas.duty,
            kind="outcome",
            channel="radio",
            outcome_code="admin_protocol",
            coao_article=article,
        )

    # then
    assert exc.value.code == "invalid_coao_article"
    assert snapshot() == before


def test_a_milestone_on_behalf_ignores_an_article_left_in_the_form(personas, dispatched):
    # when
    with clock.frozen(T0 + dt.timedelta(minutes=10)):
        event = assignment_record_on_behalf(
            assignment=dispatched,
            by=personas.duty,
            kind="on_scene",
            channel="radio",
            coao_article="ст. 73",
        )

    # then
    assert (event.kind, event.disposition, event.payload) == ("on_scene", "applied", {"note": ""})
    assert Incident.objects.get(pk=dispatched.incident_id).outcome_article == ""


# --- on closing --------------------------------------------------------------------------------


def test_closing_with_a_protocol_under_an_article_sets_it_and_audits_it(personas, dispatched):
    # given: the device had reported a protocol under another article
    Incident.objects.filter(pk=dispatched.incident_id).update(
        outcome_code="admin_protocol", outcome_article="434"
    )
    incident = Incident.objects.get(pk=dispatched.incident_id)

    # when
    with clock.frozen(T0 + dt.timedelta(minutes=40)):
        closed = incident_close(
            incident=incident,
            by=personas.a.chief,
            disposition="протокол составлен",
            outcome_code="admin_protocol",
            coao_article="73",
        )

    # then
    closed.refresh_from_db()
    assert (closed.status, closed.outcome_code, closed.outcome_article) == (
        "closed",
        "admin_protocol",
        "73",
    )
    audit = AuditEntry.objects.get(action="incident.closed")
    assert (json.loads(audit.data)["outcome_code"], json.loads(audit.data)["coao_article"]) == (
        "admin_protocol",
        "73",
    )
    assert Event.objects.get(incident=closed, kind="closed").payload == {
        "disposition": "протокол составлен",
        "outcome_code": "admin_protocol",
        "coao_article": "73",
    }


def test_closing_with_an_outcome_and_no_article_clears_an_earlier_article(personas, dispatched):
    # given
    Incident.objects.filter(pk=dispatched.incident_id).update(
        outcome_code="admin_protocol", outcome_article="73"
    )
    incident = Incident.objects.get(pk=dispatched.incident_id)

    # when
    with clock.frozen(T0 + dt.timedelta(minutes=40)):
        incident_close(
            incident=incident, by=personas.duty, disposition="ok", outcome_code="warning"
        )

    # then
    incident.refresh_from_db()
    assert (incident.outcome_code, incident.outcome_article) == ("warning", "")


@pytest.mark.parametrize(
    ("outcome", "article", "code"),
    [
        ("admin_protocol", "73.1", "invalid_coao_article"),
        ("admin_protocol", "article 73", "invalid_coao_article"),
        ("", "73", "article_without_outcome"),
    ],
)
def test_closing_with_a_malformed_or_orphan_article_is_refused_and_nothing_changes(
    personas, dispatched, outcome, article, code
):
    # given
    incident = Incident.objects.get(pk=dispatched.incident_id)
    before = snapshot()

    # when
    with clock.frozen(T0 + dt.timedelta(minutes=40)), pytest.raises(ValidationFailed) as exc:
        incident_close(
            incident=incident,
            by=personas.duty,
            disposition="ok",
            outcome_code=outcome,
            coao_article=article,
        )

    # then
    assert exc.value.code == code
    assert snapshot() == before


# --- through the staff API ---------------------------------------------------------------------


def test_the_staff_api_closes_with_an_article_and_refuses_a_malformed_one(
    personas, client_for, dispatched
):
    # given
    api = client_for(personas.duty)
    url = f"/api/v1/incidents/{dispatched.incident_id}/close/"

    # when
    refused = api.post(
        url,
        {"disposition": "протокол", "outcome_code": "admin_protocol", "coao_article": "73a"},
        format="json",
    )
    closed = api.post(
        url,
        {"disposition": "протокол", "outcome_code": "admin_protocol", "coao_article": "73"},
        format="json",
    )

    # then
    assert (refused.status_code, refused.json()["error"]) == (400, "invalid_coao_article")
    assert closed.status_code == 200
    body = closed.json()
    assert (body["status"], body["outcome_code"], body["outcome_article"]) == (
        "closed",
        "admin_protocol",
        "73",
    )
