"""Conflict resolution: the chief of the district decides, once, with a note, audited."""

from __future__ import annotations

import pytest
from django.urls import reverse

from backend.common import clock
from backend.common.errors import Conflict as ConflictError
from backend.common.errors import Forbidden, NotFound, ValidationFailed
from backend.dispatch.admin.conflicts import ConflictResolveForm
from backend.dispatch.admin.formatting import when_text
from backend.dispatch.models import Conflict
from backend.dispatch.services import conflict_resolve
from backend.ledger.models import AuditEntry


def unchanged(conflict: Conflict) -> bool:
    fresh = Conflict.objects.get(pk=conflict.pk)
    return (fresh.state, fresh.resolution, fresh.resolution_note, fresh.resolved_by_id) == (
        "open",
        "",
        "",
        None,
    )


def test_chief_resolves_a_conflict_of_the_district(world):
    # given
    conflict = world.a.conflict

    # when
    result = conflict_resolve(
        conflict=conflict,
        by=world.a.chief,
        resolution="accept_device",
        note="  прибыл, связь пропала  ",
    )

    # then
    assert (result.state, result.resolution, result.resolution_note, result.resolved_by_id) == (
        "resolved",
        "accept_device",
        "прибыл, связь пропала",
        world.a.chief.pk,
    )
    assert result.resolved_at is not None
    entry = AuditEntry.objects.get(action="conflict.resolved")
    assert (entry.actor_id, entry.object_type, entry.object_id, entry.district_id) == (
        world.a.chief.pk,
        "conflict",
        str(conflict.pk),
        world.a.district.pk,
    )
    assert entry.data_dict["note"] == "прибыл, связь пропала"
    assert entry.data_dict["event_id"] == conflict.event_id


def test_a_resolved_conflict_is_not_resolved_again(world):
    # given
    conflict = world.a.conflict
    conflict_resolve(conflict=conflict, by=world.a.chief, resolution="noted", note="first")

    # when
    with pytest.raises(ConflictError) as raised:
        conflict_resolve(
            conflict=conflict, by=world.oblast_admin, resolution="uphold_server", note="second"
        )

    # then
    assert raised.value.code == "already_resolved"
    fresh = Conflict.objects.get(pk=conflict.pk)
    assert (fresh.resolution, fresh.resolution_note, fresh.resolved_by_id) == (
        "noted",
        "first",
        world.a.chief.pk,
    )
    assert AuditEntry.objects.filter(action="conflict.resolved").count() == 1


@pytest.mark.parametrize(
    ("who", "error"),
    [("chief_b", NotFound), ("duty", Forbidden), ("officer_a", Forbidden)],
)
def test_others_cannot_resolve(world, who, error):
    # when
    with pytest.raises(error):
        conflict_resolve(
            conflict=world.a.conflict, by=world.user(who), resolution="noted", note="not mine"
        )

    # then
    assert unchanged(world.a.conflict)
    assert not AuditEntry.objects.filter(action="conflict.resolved").exists()


@pytest.mark.parametrize(("resolution", "note"), [("noted", "   "), ("approve", "fine")])
def test_a_resolution_needs_a_known_value_and_a_note(world, resolution, note):
    # when
    with pytest.raises(ValidationFailed):
        conflict_resolve(
            conflict=world.a.conflict, by=world.a.chief, resolution=resolution, note=note
        )

    # then
    assert unchanged(world.a.conflict)


def test_conflict_page_shows_both_sides(client, world):
    # given
    client.force_login(world.a.chief)
    event = world.a.event

    # when
    response = client.get(reverse("admin:dispatch_conflict_change", args=[world.a.conflict.pk]))

    # then
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h3>Device</h3>" in page
    assert "<h3>Server</h3>" in page
    # the device's own clock, as sent, in the district's time (never an epoch number)
    assert when_text(clock.from_ms(event.device_time)) in page
    assert "± 0.5 s" in page
    assert "Elapsed time from a server anchor of the same boot" in page
    # the server's command as a labelled row, never JSON
    assert "<tr><th>Command</th><td>Dispatched</td></tr>" in page
    assert "&quot;" not in page.split('id="content-main"')[1]
    assert set(response.context["adminform"].form.fields) == {"resolution", "resolution_note"}


def test_chief_resolves_through_the_admin_form(client, world):
    # given
    client.force_login(world.a.chief)
    url = reverse("admin:dispatch_conflict_change", args=[world.a.conflict.pk])

    # when
    response = client.post(url, {"resolution": "uphold_server", "resolution_note": "отменено"})

    # then
    assert response.status_code == 302
    fresh = Conflict.objects.get(pk=world.a.conflict.pk)
    assert (fresh.state, fresh.resolution, fresh.resolved_by_id) == (
        "resolved",
        "uphold_server",
        world.a.chief.pk,
    )
    assert AuditEntry.objects.filter(action="conflict.resolved").count() == 1
    assert client.get(url).context["has_change_permission"] is False


def test_admin_form_without_a_note_resolves_nothing(client, world):
    # given
    client.force_login(world.a.chief)
    url = reverse("admin:dispatch_conflict_change", args=[world.a.conflict.pk])

    # when
    response = client.post(url, {"resolution": "noted", "resolution_note": ""})

    # then
    assert response.status_code == 200
    assert "resolution_note" in response.context["adminform"].form.errors
    assert unchanged(world.a.conflict)


def test_duty_officer_sees_the_conflict_but_cannot_resolve_it(client, world):
    # given
    client.force_login(world.duty)
    url = reverse("admin:dispatch_conflict_change", args=[world.a.conflict.pk])

    # when
    page = client.get(url)
    post = client.post(url, {"resolution": "noted", "resolution_note": "x"})

    # then
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert post.status_code == 403
    assert unchanged(world.a.conflict)


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("duty", "Only the district chief resolves conflicts."),
        ("chief_b", "No such conflict."),
    ],
)
def test_the_resolution_form_refuses_with_the_services_own_rules(world, who, message):
    # given
    by = world.duty if who == "duty" else world.b.chief
    form_class = type("Form", (ConflictResolveForm,), {"by": by})

    # when
    form = form_class(
        data={"resolution": "noted", "resolution_note": "seen"}, instance=world.a.conflict
    )

    # then
    assert not form.is_valid()
    assert form.non_field_errors() == [message]
    assert unchanged(world.a.conflict)


def test_a_conflict_resolved_while_the_page_was_open_keeps_the_first_resolution(client, world):
    # given
    client.force_login(world.a.chief)
    url = reverse("admin:dispatch_conflict_change", args=[world.a.conflict.pk])
    assert client.get(url).status_code == 200
    conflict_resolve(
        conflict=world.a.conflict, by=world.oblast_admin, resolution="noted", note="first"
    )

    # when
    response = client.post(url, {"resolution": "accept_device", "resolution_note": "second"})

    # then
    assert response.status_code == 403
    fresh = Conflict.objects.get(pk=world.a.conflict.pk)
    assert (fresh.resolution, fresh.resolution_note) == ("noted", "first")
