"""Admin actions act on the viewer's district only: selected ids of another district do nothing."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.admin.utils import quote
from django.contrib.messages import get_messages
from django.urls import reverse

from backend.devices.models import Device, EnrolmentCode, digest
from backend.devices.services import normalise_code
from backend.dispatch.models import EscalationPolicy
from backend.ledger.models import AuditEntry
from backend.sync_gateway.models import QuarantinedRecord


def run_action(client: Any, changelist: str, action: str, ids: list[Any]) -> Any:
    return client.post(
        reverse(changelist), {"action": action, "_selected_action": [str(i) for i in ids]},
        follow=True,
    )  # fmt: skip


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.mark.parametrize("viewer", ["chief_a", "duty"])
def test_issue_enrolment_code_for_own_and_foreign_officers_issues_only_own(client, world, viewer):
    # given
    client.force_login(world.user(viewer))
    own = world.a.officer
    foreign = world.c.officer
    codes_before = EnrolmentCode.objects.count()

    # when
    response = run_action(
        client, "admin:people_officer_changelist", "issue_enrolment_code", [own.pk, foreign.pk]
    )

    # then: the code of the own officer only, as text and as a QR code of that text
    assert response.status_code == 200
    assert EnrolmentCode.objects.count() == codes_before + 1
    assert EnrolmentCode.objects.filter(officer=own).count() == 2  # one from the world's device
    page = response.content.decode()
    assert f'id="code-{own.username}"' in page
    assert f'id="code-{foreign.username}"' not in page
    code = re.search(r"<code>([A-Z0-9-]{14})</code>", page)
    assert code is not None
    assert EnrolmentCode.objects.filter(code_hash=digest(normalise_code(code[1]))).exists()
    (qr,) = re.findall(r'<div class="qr"[^>]*><svg[^>]*>.*?</svg></div>', page, re.S)
    assert "<path" in qr
    entry = AuditEntry.objects.filter(action="device.enrolment_code_issued").latest("id")
    assert (entry.actor_id, entry.object_id) == (world.user(viewer).pk, str(own.pk))


def test_enrolment_code_for_a_chief_is_refused_with_a_message(client, world):
    # given
    client.force_login(world.oblast_admin)
    codes_before = EnrolmentCode.objects.count()

    # when
    response = run_action(
        client, "admin:people_officer_changelist", "issue_enrolment_code", [world.a.chief.pk]
    )

    # then
    assert messages_of(response) == [
        f"{world.a.chief}: no code — only patrol officers and inspectors enrol a phone; "
        "staff sign in to the console."
    ]
    assert EnrolmentCode.objects.count() == codes_before


@pytest.mark.parametrize("viewer", ["chief_a", "duty"])
def test_revoke_of_own_and_foreign_devices_revokes_only_own(client, world, viewer):
    # given
    client.force_login(world.user(viewer))

    # when
    response = run_action(
        client, "admin:devices_device_changelist", "revoke", [world.a.device.pk, world.c.device.pk]
    )

    # then
    assert response.status_code == 200
    assert Device.objects.get(pk=world.a.device.pk).revoked_at is not None
    assert Device.objects.get(pk=world.c.device.pk).revoked_at is None
    device = world.a.device
    assert messages_of(response) == [f"Revoked 1: {device.make} · {device.officer}."]
    assert device.pk not in messages_of(response)[0]
    revoked = AuditEntry.objects.filter(action="device.revoked")
    assert list(revoked.values_list("object_id", "actor_id")) == [
        (world.a.device.pk, world.user(viewer).pk)
    ]


def test_a_revoked_phone_reads_in_the_chiefs_language_on_its_page_and_in_the_log(client, world):
    # given: the chief reads Kazakh and revokes a phone of the district in the console
    chief = world.a.chief
    chief.language = "kk"
    chief.save(update_fields=["language"])
    client.force_login(chief)
    device = world.a.device
    run_action(client, "admin:devices_device_changelist", "revoke", [device.pk])
    entry = AuditEntry.objects.get(action="device.revoked")

    # when
    url = reverse("admin:devices_device_change", args=[quote(device.pk)])
    page = client.get(url).content.decode()
    log = client.get(reverse("admin:ledger_auditentry_change", args=[entry.pk])).content.decode()

    # then: the reason the console wrote is in Kazakh (stored as written), the phone is named
    # by its make, owner and id with no English between them
    assert Device.objects.get(pk=device.pk).revoke_reason == "revoked in admin"
    assert "пульт арқылы қайтарып алынды" in page
    assert "revoked in admin" not in page
    assert "пульт арқылы қайтарып алынды" in log
    assert str(device).endswith(f" · {device.officer} · {device.pk}")
    assert " of " not in str(device)


def test_a_phones_platform_reads_in_words_on_the_list_and_its_page(client, world):
    # given: the app in a browser and the simulator's Android phones, as they enrolled
    Device.objects.filter(pk=world.a.device.pk).update(platform="web", model="")
    client.force_login(world.a.chief)

    # when
    listing = client.get(reverse("admin:devices_device_changelist")).content.decode()
    page = client.get(reverse("admin:devices_device_change", args=[quote(world.a.device.pk)]))

    # then
    assert '<td class="field-platform">browser (the field app)</td>' in listing
    assert ">web<" not in listing
    assert "browser (the field app)" in page.content.decode()
    assert Device(platform="android").make == "Android"


def test_chief_of_b_revoking_a_devices_of_a_revokes_nothing(client, world):
    # given
    client.force_login(world.b.chief)

    # when
    run_action(client, "admin:devices_device_changelist", "revoke", [world.a.device.pk])

    # then
    assert Device.objects.filter(revoked_at__isnull=False).count() == 0
    assert not AuditEntry.objects.filter(action="device.revoked").exists()


def test_mark_reviewed_marks_only_own_quarantined_records(client, world):
    # given
    client.force_login(world.a.chief)

    # when
    run_action(
        client,
        "admin:sync_gateway_quarantinedrecord_changelist",
        "mark_reviewed",
        [world.a.quarantined.pk, world.b.quarantined.pk],
    )

    # then
    reviewed = QuarantinedRecord.objects.filter(reviewed_at__isnull=False)
    assert list(reviewed.values_list("pk", "reviewed_by")) == [
        (world.a.quarantined.pk, world.a.chief.pk)
    ]
    assert AuditEntry.objects.filter(action="quarantine.reviewed").count() == 1


def test_marking_reviewed_twice_records_one_review(client, world):
    # given
    client.force_login(world.a.chief)
    ids = [world.a.quarantined.pk]
    run_action(client, "admin:sync_gateway_quarantinedrecord_changelist", "mark_reviewed", ids)
    first = QuarantinedRecord.objects.get(pk=ids[0]).reviewed_at

    # when
    response = run_action(
        client, "admin:sync_gateway_quarantinedrecord_changelist", "mark_reviewed", ids
    )

    # then
    assert messages_of(response)[-1] == "0 records marked reviewed."
    assert QuarantinedRecord.objects.get(pk=ids[0]).reviewed_at == first
    assert AuditEntry.objects.filter(action="quarantine.reviewed").count() == 1


def test_duty_officer_has_no_mark_reviewed_action(client, world):
    # given
    client.force_login(world.duty)

    # when
    response = run_action(
        client,
        "admin:sync_gateway_quarantinedrecord_changelist",
        "mark_reviewed",
        [world.a.quarantined.pk],
    )

    # then
    assert response.context["action_form"] is None  # no action at all for this role
    assert QuarantinedRecord.objects.filter(reviewed_at__isnull=False).count() == 0


def test_bulk_delete_of_own_and_foreign_policies_deletes_only_own(client, world):
    # given
    client.force_login(world.a.chief)
    ids = [world.a.policy.pk, world.b.policy.pk]

    # when
    client.post(
        reverse("admin:dispatch_escalationpolicy_changelist"),
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
    )

    # then
    assert set(EscalationPolicy.objects.filter(pk__in=ids).values_list("pk", flat=True)) == {
        world.b.policy.pk
    }
    entry = AuditEntry.objects.get(action="escalationpolicy.deleted_in_admin")
    assert (entry.object_id, entry.district_id) == (str(world.a.policy.pk), world.a.district.pk)


def test_bulk_delete_cannot_take_the_oblast_default_policy(client, world):
    # given
    client.force_login(world.a.chief)

    # when
    response = client.post(
        reverse("admin:dispatch_escalationpolicy_changelist"),
        {"action": "delete_selected", "_selected_action": [world.default_policy.pk], "post": "yes"},
    )

    # then
    assert response.status_code == 403
    assert EscalationPolicy.objects.filter(pk=world.default_policy.pk).exists()
