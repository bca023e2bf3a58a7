"""Intake keys: the oblast administrator issues (shown once) and revokes them; chiefs cannot."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from backend.devices.models import digest
from backend.dispatch.models import IntakeKey
from backend.ledger.models import AuditEntry


def test_oblast_admin_issues_a_key_shown_once_and_stored_hashed(client, world):
    # given
    client.force_login(world.oblast_admin)

    # when
    response = client.post(
        reverse("admin:dispatch_intakekey_add"),
        {"name": "eGov Закон и порядок", "channel": "egov"},
        follow=True,
    )

    # then
    key = IntakeKey.objects.get()
    (message,) = [
        str(m) for m in get_messages(response.wsgi_request) if str(m).startswith("Intake key for")
    ]
    raw = message.split(": ", 1)[1].split(" — ")[0]
    assert message.startswith("Intake key for eGov Закон и порядок (eGov Mobile): kzi_")
    assert key.key_hash == digest(raw)
    assert raw not in key.prefix + key.name
    entry = AuditEntry.objects.get(action="intake_key.issued")
    assert (entry.actor_id, entry.object_id) == (world.oblast_admin.pk, str(key.pk))
    assert raw not in entry.data


def test_oblast_admin_revokes_a_key(client, world):
    # given
    client.force_login(world.oblast_admin)
    client.post(reverse("admin:dispatch_intakekey_add"), {"name": "Kaspi", "channel": "kaspi"})
    key = IntakeKey.objects.get()

    # when
    client.post(
        reverse("admin:dispatch_intakekey_changelist"),
        {"action": "revoke", "_selected_action": [key.pk]},
    )

    # then
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert AuditEntry.objects.filter(action="intake_key.revoked").count() == 1


@pytest.mark.parametrize("viewer", ["chief_a", "duty"])
def test_district_staff_see_no_intake_keys(client, world, viewer):
    # given
    client.force_login(world.user(viewer))

    # when
    listing = client.get(reverse("admin:dispatch_intakekey_changelist"))
    add = client.post(reverse("admin:dispatch_intakekey_add"), {"name": "x", "channel": "egov"})

    # then
    assert (listing.status_code, add.status_code) == (403, 403)
    assert IntakeKey.objects.count() == 0


def test_oblast_admin_issues_an_exercise_key_and_it_stays_one(client, world):
    # given
    client.force_login(world.oblast_admin)

    # when: the drill's key, then its replacement with the box left as it came
    client.post(
        reverse("admin:dispatch_intakekey_add"),
        {"name": "Учения", "channel": "egov", "exercise": "on"},
    )
    drill = IntakeKey.objects.get()
    client.post(
        reverse("admin:dispatch_intakekey_add"),
        {"name": "", "channel": "egov", "replaces": drill.pk},
    )
    page = client.get(reverse("admin:dispatch_intakekey_change", args=[drill.pk]))

    # then
    assert [k.exercise for k in IntakeKey.objects.order_by("pk")] == [True, True]
    assert AuditEntry.objects.get(action="intake_key.issued").data_dict["exercise"] is True
    assert "exercise" in page.content.decode()
