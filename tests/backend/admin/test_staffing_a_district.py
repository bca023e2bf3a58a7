"""The oblast administrator staffs a district from the console: people with their roles and
district, units crewed by the district's officers, phones, passwords and lockouts — and what
the audit log keeps of it (docs: README, *Operating it*)."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from backend.ledger.models import AuditEntry
from backend.people.models import Officer

pytestmark = pytest.mark.django_db

PASSWORD = "Kokpekty-2026!x"


def test_a_new_duty_officers_password_is_not_written_into_the_audit_log(client, world):
    # given
    client.force_login(world.oblast_admin)
    form = {
        "username": "duty_kok1",
        "usable_password": "true",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "first_name": "Айгүл",
        "last_name": "Төлеубаева",
        "role": "duty_officer",
        "district": world.a.district.pk,
    }

    # when
    response = client.post(reverse("admin:people_officer_add"), form)

    # then: the officer is made, and the entry about it names no password
    assert response.status_code == 302
    made = Officer.objects.get(username="duty_kok1")
    entry = AuditEntry.objects.get(object_type="officer", object_id=str(made.pk))
    assert PASSWORD not in json.dumps(entry.data_dict, ensure_ascii=False)
    assert set(entry.data_dict["changed"]) == {
        "username",
        "first_name",
        "last_name",
        "role",
        "district",
    }
    history = client.get(reverse("admin:people_officer_history", args=[made.pk]))
    assert PASSWORD not in history.content.decode()
