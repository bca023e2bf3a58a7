"""A phone number changed in the console is written into the audit log by its last four
digits (``phone_masked``), old and new: the log is append-only, and an officer's, a
domestic-violence subject's or a caller's whole number stayed in it for good, for every
chief to read on the record's history page. The record keeps the number whole."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.forms import modelform_factory
from django.urls import reverse

from backend.dispatch.models import RiskSubject
from backend.people.admin_scoping import changed_values
from tests import factories

from .edits import latest_entry, post_change, superuser

pytestmark = pytest.mark.django_db


def test_an_officers_new_phone_is_audited_by_its_last_four_digits(client, personas):
    # given: the chief corrects a patrol officer's number
    officer = personas.a.patrol_officers[0]
    old = officer.phone
    client.force_login(personas.a.chief)

    # when
    post_change(
        client, reverse("admin:people_officer_change", args=[officer.pk]), phone="+77057654321"
    )

    # then: the officer's record has it whole, the log its last digits only
    officer.refresh_from_db()
    assert officer.phone == "+77057654321"
    entry = latest_entry("officer.changed_in_admin")
    assert entry.data_dict["changed"]["phone"] == ["…" + old[-4:], "…4321"]
    assert "7654321" not in entry.data
    assert old[2:] not in entry.data


def test_a_risk_subjects_phone_is_audited_by_its_last_four_digits(client, personas):
    # given: a domestic-violence case known by its phone; the chief adds one, then corrects it
    client.force_login(personas.a.chief)
    add = reverse("admin:dispatch_risksubject_add")
    response = client.post(add, {
        "kind": "person", "district": personas.a.district.pk, "settlement": "", "address": "",
        "person_name": "", "phone": "+77471112233", "prior_dv_calls": "0",
    })  # fmt: skip
    assert response.status_code == 302, response.context["adminform"].errors
    subject = RiskSubject.objects.get(phone="+77471112233")

    # when
    post_change(
        client,
        reverse("admin:dispatch_risksubject_change", args=[subject.pk]),
        phone="+77475556677",
    )

    # then
    added, changed = (
        latest_entry("risksubject.added_in_admin"),
        latest_entry("risksubject.changed_in_admin"),
    )
    assert added.data_dict["changed"]["phone"] == ["", "…2233"]
    assert changed.data_dict["changed"]["phone"] == ["…2233", "…6677"]
    for entry in (added, changed):
        assert "1112233" not in entry.data
        assert "5556677" not in entry.data


def test_a_calls_caller_phone_corrected_by_a_superuser_is_audited_masked(client, personas):
    # given: a call whose caller left a number; a superuser corrects it
    incident = factories.incident(district=personas.a.district, settlement=personas.a.village)
    incident.caller_phone = "+77011234567"
    incident.save(update_fields=["caller_phone"])
    client.force_login(superuser(personas))

    # when
    post_change(
        client,
        reverse("admin:dispatch_incident_change", args=[incident.pk]),
        caller_phone="+77017654321",
    )

    # then
    entry = latest_entry("incident.changed_in_admin")
    assert entry.data_dict["changed"]["caller_phone"] == ["…4567", "…4321"]
    assert "1234567" not in entry.data
    assert "7654321" not in entry.data


def test_a_case_named_by_its_phone_is_deleted_with_its_name_masked(client, personas):
    # given: a DV case with neither a name nor an address: its name is its phone
    subject = RiskSubject.objects.create(
        kind="person", district=personas.a.district, phone="+77471112233"
    )
    client.force_login(superuser(personas))

    # when
    url = reverse("admin:dispatch_risksubject_delete", args=[subject.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302

    # then
    entry = latest_entry("risksubject.deleted_in_admin")
    assert entry.data_dict["repr"] == "…2233"


PHONE_FIELDS = {
    ("people", "officer", "phone"),
    ("dispatch", "risksubject", "phone"),
    ("dispatch", "incident", "caller_phone"),
    ("dispatch", "smsmessage", "phone"),
}


def test_every_phone_field_of_every_model_is_masked_in_an_admin_edits_entry(personas):
    # given: every model field named for a phone, whichever app adds it next
    fields = [
        (model, field.name)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if "phone" in field.name.lower()
    ]
    found = {(m._meta.app_label, m._meta.model_name, f) for m, f in fields}
    assert found >= PHONE_FIELDS
    for model, name in fields:
        # when: a form changes it from one number to another
        form = modelform_factory(model, fields=[name])(
            data={name: "+77019876543"}, initial={name: "+77011234567"}
        )
        form.is_valid()

        # then
        assert changed_values(form)[name] == ["…4567", "…6543"], (model, name)
