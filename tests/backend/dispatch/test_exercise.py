"""Exercise calls: a training call (a drill, the simulator's live demo at ×30) is dispatched
like any call and kept out of the figures; how a call becomes one."""

from __future__ import annotations

import io
import re
from types import SimpleNamespace
from typing import Any

from django.contrib import admin
from django.core.management import call_command
from rest_framework.test import APIClient

from backend.common import clock
from backend.dispatch.models import Incident, IntakeKey
from backend.dispatch.services import intake_key_issue
from backend.ledger.models import AuditEntry
from tests import factories

ADD = "/admin/dispatch/incident/add/"


def test_a_call_is_real_unless_taken_as_an_exercise(personas: Any):
    # when
    real = factories.incident(district=personas.a.district, settlement=personas.a.town)
    drill = factories.incident(
        district=personas.a.district, settlement=personas.a.town, exercise=True
    )

    # then
    assert Incident.objects.get(pk=real.pk).exercise is False
    assert Incident.objects.get(pk=drill.pk).exercise is True
    assert str(Incident._meta.get_field("exercise").verbose_name) == "exercise"


# --- how a call becomes an exercise ---------------------------------------------------------
def report_body(personas: Any, ref: str) -> dict[str, Any]:
    return {
        "external_ref": ref,
        "received_at": clock.now().isoformat(),
        "category": "theft",
        "settlement_kato": personas.a.town.kato,
    }


def test_a_report_through_an_exercise_key_is_an_exercise_and_through_a_normal_key_is_not(
    personas: Any,
):
    # given: the drill's key and the partner's real one, on the same channel
    _, drill_raw = intake_key_issue(channel="egov", name="Учения", exercise=True)
    _, real_raw = intake_key_issue(channel="egov", name="eGov Mobile")
    drill, real = APIClient(), APIClient()
    drill.credentials(HTTP_AUTHORIZATION=f"Api-Key {drill_raw}")
    real.credentials(HTTP_AUTHORIZATION=f"Api-Key {real_raw}")

    # when
    sent = drill.post("/api/v1/intake/egov/", report_body(personas, "d-1"), format="json")
    taken = real.post("/api/v1/intake/egov/", report_body(personas, "r-1"), format="json")
    # a field of its own in the body is refused: the key says, not the report
    said = real.post(
        "/api/v1/intake/egov/", {**report_body(personas, "r-2"), "exercise": True}, format="json"
    )

    # then: the drill's call is not a repeat of the real one (nor the other way round)
    assert (sent.status_code, taken.status_code, said.status_code) == (201, 201, 400)
    assert Incident.objects.get(pk=sent.json()["id"]).exercise is True
    assert Incident.objects.get(pk=taken.json()["id"]).exercise is False
    assert Incident.objects.get(pk=taken.json()["id"]).duplicate_of is None
    entry = AuditEntry.objects.get(action="incident.created", object_id=str(sent.json()["id"]))
    assert entry.data_dict["exercise"] is True


def test_a_replacement_of_an_exercise_key_is_one_too(personas: Any):
    # given
    old, _ = intake_key_issue(channel="egov", name="Учения", exercise=True)

    # when
    new, _ = intake_key_issue(channel="egov", replaces=old)
    real, _ = intake_key_issue(channel="egov", name="eGov Mobile")

    # then
    assert (new.exercise, real.exercise) == (True, False)


def test_the_command_issues_an_exercise_key(personas: Any):
    # when
    out = io.StringIO()
    call_command("intake_key", "egov", "Учения", "--exercise", stdout=out)

    # then
    key = IntakeKey.objects.get()
    assert key.exercise is True
    assert "exercise" in out.getvalue()


def test_the_duty_officer_enters_an_exercise_call_through_the_staff_api(
    personas: Any, client_for: Any
):
    # given
    api = client_for(personas.duty)
    body = {
        "category": "theft",
        "received_at": clock.now().isoformat(),
        "settlement_kato": personas.a.town.kato,
    }

    # when
    drill = api.post("/api/v1/incidents/", {**body, "exercise": True}, format="json")
    real = api.post("/api/v1/incidents/", body, format="json")

    # then: a real call in the same place is not folded into the drill's
    assert (drill.status_code, real.status_code) == (201, 201)
    assert Incident.objects.get(pk=drill.json()["id"]).exercise is True
    assert Incident.objects.get(pk=real.json()["id"]).exercise is False
    assert real.json()["status"] == "queued"
    # and what the staff API answers about each call says which it is
    assert (drill.json()["exercise"], real.json()["exercise"]) == (True, False)
    again = api.get(f"/api/v1/incidents/{drill.json()['id']}/")
    assert again.json()["exercise"] is True


def test_the_call_entry_form_takes_an_exercise_call(personas: Any, client: Any):
    # given
    client.force_login(personas.duty)
    html = client.get(ADD).content.decode()
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))

    # when
    client.post(
        ADD,
        {
            **{k: fields[k] for k in ("csrfmiddlewaretoken", "opened", "idempotency_key")},
            "caller_phone": "8 (701) 234-56-78",
            "settlement": personas.b.village.pk,
            "place": "Архат",
            "category": "theft",
            "description": "Учебный вызов",
            "exercise": "on",
        },
    )

    # then
    assert 'name="exercise"' in html
    assert Incident.objects.get().exercise is True


def test_an_exercise_is_never_unset_in_the_admin(personas: Any, rf: Any):
    # given: the one who may correct a call's words
    request = rf.get("/")
    request.user = SimpleNamespace(is_superuser=True)
    incident_admin = admin.site._registry[Incident]

    # when
    readonly = incident_admin.get_readonly_fields(request, obj=None)

    # then
    assert "exercise" in readonly
