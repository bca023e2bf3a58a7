"""A domestic-violence case's name and address, and what a DV call's caller said and where,
changed in the console, are named in the audit entry without their values: ``…`` for a
value, ``""`` for none. The log is append-only and read on the record's history page by every
chief of the district, past the audited read of the case's own page; a corrected DV subject's
name and address stayed in it for good. The record keeps them (the phone-number pattern of
test_phone_numbers_in_admin_edits.py)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from backend.dispatch.models import Category, RiskSubject
from tests import factories

from .edits import latest_entry, post_change, superuser

pytestmark = pytest.mark.django_db


def test_a_dv_subjects_name_and_address_are_audited_as_changed_without_their_values(
    client, personas
):
    # given: the chief registers a case by its address, then names the person and moves it
    client.force_login(personas.a.chief)
    response = client.post(reverse("admin:dispatch_risksubject_add"), {
        "kind": "address", "district": personas.a.district.pk, "settlement": "",
        "address": "Абай көшесі 12", "person_name": "", "phone": "", "prior_dv_calls": "0",
    })  # fmt: skip
    assert response.status_code == 302, response.context["adminform"].errors
    subject = RiskSubject.objects.get(address="Абай көшесі 12")

    # when
    post_change(
        client,
        reverse("admin:dispatch_risksubject_change", args=[subject.pk]),
        person_name="Айгүл Сейткали",
        address="Құнанбаев 7",
        prior_dv_calls="2",
    )

    # then: the case has them; the log says which fields changed, not to what
    subject.refresh_from_db()
    assert (subject.person_name, subject.address) == ("Айгүл Сейткали", "Құнанбаев 7")
    added, changed = (
        latest_entry("risksubject.added_in_admin"),
        latest_entry("risksubject.changed_in_admin"),
    )
    assert added.data_dict["changed"]["address"] == ["", "…"]
    assert changed.data_dict["changed"] == {
        "person_name": ["", "…"],
        "address": ["…", "…"],
        "prior_dv_calls": ["0", "2"],  # not personal: kept
    }
    for entry in (added, changed):
        for value in ("Айгүл", "Сейткали", "Абай көшесі", "Құнанбаев"):
            assert value not in entry.data


def test_a_named_dv_case_is_deleted_without_its_name_in_the_log(client, personas):
    # given
    subject = RiskSubject.objects.create(
        kind="person", district=personas.a.district, person_name="Айгүл Сейткали"
    )
    client.force_login(superuser(personas))

    # when
    url = reverse("admin:dispatch_risksubject_delete", args=[subject.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302

    # then
    entry = latest_entry("risksubject.deleted_in_admin")
    assert entry.data_dict["repr"] == "…"
    assert "Сейткали" not in entry.data


WITHHELD_WORDS = {"summary": ["…", "…"], "landmark": ["…", "…"], "caller_name": ["…", "…"]}
KEPT_WORDS = {
    "summary": ["Муж бьёт жену", "Соседка: муж бьёт жену"],
    "landmark": ["ул. Абая 12", "ул. Абая 14"],
    "caller_name": ["Айгүл", "Айгүл Сейткали"],
}


@pytest.mark.parametrize(
    ("category", "words"),
    [(Category.DOMESTIC_VIOLENCE, WITHHELD_WORDS), (Category.THEFT, KEPT_WORDS)],
)
def test_a_dv_calls_words_corrected_by_a_superuser_are_audited_without_their_values(
    client, personas, category, words
):
    # given: a call with its caller's name and place; a superuser corrects them
    incident = factories.incident(
        district=personas.a.district,
        settlement=personas.a.village,
        category=category,
        priority="P1",
        summary="Муж бьёт жену",
        landmark="ул. Абая 12",
        caller_name="Айгүл",
    )
    client.force_login(superuser(personas))

    # when
    post_change(
        client,
        reverse("admin:dispatch_incident_change", args=[incident.pk]),
        summary="Соседка: муж бьёт жену",
        landmark="ул. Абая 14",
        caller_name="Айгүл Сейткали",
        registry_kui="КУИ-17",
    )

    # then: a DV call's words are named only; another call's are kept, as before
    changed = latest_entry("incident.changed_in_admin").data_dict["changed"]
    assert changed["registry_kui"] == ["", "КУИ-17"]
    assert {name: changed[name] for name in words} == words
