"""Add and change forms: foreign-key choices are scoped, writes are audited and touched."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from backend.dispatch.models import EscalationPolicy, RiskSubject
from backend.geo.models import Settlement
from backend.ledger import uow
from backend.ledger.models import AuditEntry, Change
from backend.people.models import Officer, Role, Unit


def choices(response: Any, field: str) -> set[Any]:
    assert response.status_code == 200
    return set(
        response.context["adminform"].form.fields[field].queryset.values_list("pk", flat=True)
    )


@pytest.fixture
def recorded(settings: Any) -> dict[str, set[str]]:
    """Record touched synced records (the sync gateway's resolver decides audiences)."""
    touched: dict[str, set[str]] = {}

    def resolver(batch: dict[str, set[str]]) -> list[uow.ChangeRow]:
        for table, ids in batch.items():
            touched.setdefault(table, set()).update(ids)
        return []

    import tests.backend.admin.test_forms as me

    me._RESOLVER = resolver  # type: ignore[attr-defined]
    settings.KUZET_CHANGE_RESOLVER = "tests.backend.admin.test_forms._RESOLVER"
    return touched


@pytest.mark.parametrize(
    ("url", "field", "target"),
    [
        ("admin:dispatch_escalationpolicy_add", "district", "district"),
        ("admin:people_officer_add", "unit", "unit"),
        ("admin:people_unit_add", "okrug", "okrug"),
        ("admin:dispatch_risksubject_add", "district", "district"),
        ("admin:dispatch_risksubject_add", "settlement", "settlement"),
    ],
)
@pytest.mark.parametrize("viewer", ["chief_a", "chief_b", "oblast_admin"])
def test_add_forms_offer_only_the_viewers_records(client, world, viewer, url, field, target):
    # given
    client.force_login(world.user(viewer))
    sides = (world.a, world.b, world.c)
    expected = {getattr(s, target).pk for s in sides if world.visible(viewer, getattr(s, target))}

    # when
    offered = choices(client.get(reverse(url)), field)

    # then
    assert {getattr(s, target).pk for s in sides} & offered == expected
    model = type(getattr(world.a, target))
    assert all(world.visible(viewer, model.objects.get(pk=pk)) for pk in offered)


@pytest.mark.parametrize("viewer", ["duty", "officer_a"])
def test_roles_without_add_get_no_add_form(client, world, viewer):
    # given
    client.force_login(world.user(viewer))

    # when
    response = client.get(reverse("admin:dispatch_escalationpolicy_add"))

    # then
    assert response.status_code in (302, 403)
    assert response.status_code == (403 if viewer == "duty" else 302)


def test_posting_a_foreign_district_into_an_add_form_is_refused(client, world):
    # given
    client.force_login(world.a.chief)
    before = EscalationPolicy.objects.count()

    # when
    response = client.post(reverse("admin:dispatch_escalationpolicy_add"), {
        "district": world.b.district.pk, "priority": "P0", "zone": "urban",
        "deliver_within_s": "0.5", "ack_within_s": "0.75", "arrive_within_s": "8",
    })  # fmt: skip

    # then
    assert response.status_code == 200
    assert "district" in response.context["adminform"].form.errors
    assert EscalationPolicy.objects.count() == before


def test_chief_adds_a_policy_for_the_district_and_it_is_audited(client, world):
    # given
    client.force_login(world.a.chief)

    # when
    response = client.post(reverse("admin:dispatch_escalationpolicy_add"), {
        "district": world.a.district.pk, "priority": "P0", "zone": "urban",
        "deliver_within_s": "0.5", "ack_within_s": "0.75", "arrive_within_s": "8",
    })  # fmt: skip

    # then
    assert response.status_code == 302
    policy = EscalationPolicy.objects.get(district=world.a.district, priority="P0", zone="urban")
    entry = AuditEntry.objects.get(action="escalationpolicy.added_in_admin")
    assert (entry.actor_id, entry.object_id, entry.district_id) == (
        world.a.chief.pk,
        str(policy.pk),
        world.a.district.pk,
    )
    assert entry.data_dict["changed"]["ack_within_s"] == ["", "45"]


def test_chief_cannot_create_a_default_policy(client, world):
    # given
    client.force_login(world.a.chief)
    before = EscalationPolicy.objects.count()

    # when
    response = client.post(reverse("admin:dispatch_escalationpolicy_add"), {
        "district": "", "priority": "P0", "zone": "remote",
        "deliver_within_s": "0.5", "ack_within_s": "0.75", "arrive_within_s": "8",
    })  # fmt: skip

    # then
    assert response.status_code == 200
    assert "district" in response.context["adminform"].form.errors
    assert EscalationPolicy.objects.count() == before


@pytest.mark.parametrize(("viewer", "can_change"), [("chief_a", False), ("oblast_admin", True)])
def test_only_the_oblast_admin_changes_default_policies(client, world, viewer, can_change):
    # given
    client.force_login(world.user(viewer))
    policy = world.default_policy
    url = reverse("admin:dispatch_escalationpolicy_change", args=[policy.pk])

    # when
    page = client.get(url)
    post = client.post(
        url,
        {
            "district": "",
            "priority": policy.priority,
            "zone": policy.zone,
            # the form speaks minutes and stores seconds
            "deliver_within_s": "1",
            "ack_within_s": policy.ack_within_s / 60,
            "arrive_within_s": policy.arrive_within_s / 60 if policy.arrive_within_s else "",
        },
    )

    # then
    assert page.status_code == 200
    assert page.context["has_change_permission"] is can_change
    assert post.status_code == (302 if can_change else 403)
    policy.refresh_from_db()
    assert policy.deliver_within_s == (60 if can_change else 30)


def test_a_policy_the_reader_cannot_change_reads_in_minutes_and_words(client, world):
    # given: the oblast's default policy (every zone), which a chief only reads, and a
    # district's own row for remote villages
    EscalationPolicy.objects.create(
        district=world.a.district, priority="P0", zone="remote", ack_within_s=90,
        arrive_within_s=3600,
    )  # fmt: skip
    policy, _new = EscalationPolicy.objects.update_or_create(
        district=None,
        priority="P3",
        zone="",
        defaults={"ack_within_s": 600, "arrive_within_s": 5400},
    )
    client.force_login(world.a.chief)

    # when
    page = client.get(reverse("admin:dispatch_escalationpolicy_change", args=[policy.pk]))
    listing = client.get(reverse("admin:dispatch_escalationpolicy_changelist"))

    # then: deadlines as minutes and the zone in words, not the stored seconds and codes
    fields = {
        line.field["label"]: str(line.contents())
        for fieldset in page.context["adminform"]
        for row in fieldset
        for line in row
    }
    assert (fields["zone"], fields["acknowledge within"], fields["arrive within"]) == (
        "any zone",
        "10 min",
        "90 min",
    )
    rows = listing.content.decode().split('id="result_list"')[1]
    assert '<td class="field-zone_words">Remote</td>' in rows
    assert ">remote<" not in rows


def test_the_policy_form_offers_the_zones_by_name(client, world):
    # given
    client.force_login(world.a.chief)

    # when
    page = client.get(reverse("admin:dispatch_escalationpolicy_add"))

    # then
    zone = page.context["adminform"].form.fields["zone"]
    assert list(zone.choices)[1:] == [
        ("urban", "Urban"),
        ("suburban", "Suburban"),
        ("rural", "Rural"),
        ("remote", "Remote"),
    ]


def test_chief_adds_an_officer_to_the_own_district_only(client, world):
    # given
    client.force_login(world.a.chief)

    # when
    response = client.post(reverse("admin:people_officer_add"), {
        "username": "officer_new", "usable_password": "false", "first_name": "Жан",
        "last_name": "Жанов", "phone": "+77010009999", "language": "ru",
        "unit": world.a.unit.pk,
    })  # fmt: skip

    # then
    assert response.status_code == 302, response.context["adminform"].form.errors
    officer = Officer.objects.get(username="officer_new")
    assert (officer.role, officer.district_id, officer.unit_id, officer.is_staff) == (
        Role.OFFICER,
        world.a.district.pk,
        world.a.unit.pk,
        False,
    )
    assert not officer.has_usable_password()
    assert (
        AuditEntry.objects.filter(
            action="officer.added_in_admin", object_id=str(officer.pk)
        ).count()
        == 1
    )


def test_chief_cannot_put_a_new_officer_into_a_foreign_unit(client, world):
    # given
    client.force_login(world.a.chief)

    # when
    response = client.post(reverse("admin:people_officer_add"), {
        "username": "officer_new", "usable_password": "false", "unit": world.b.unit.pk,
    })  # fmt: skip

    # then
    assert response.status_code == 200
    assert "unit" in response.context["adminform"].form.errors
    assert not Officer.objects.filter(username="officer_new").exists()


def test_chief_cannot_change_another_chief(client, world):
    # given
    client.force_login(world.a.chief)
    other = Officer.objects.create_user(
        username="deputy_a", role=Role.CHIEF, district=world.a.district, is_staff=True
    )

    # when
    page = client.get(reverse("admin:people_officer_change", args=[other.pk]))

    # then
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False


def test_chief_taking_a_unit_out_of_service_locks_its_status_and_touches_it(
    client, world, recorded
):
    # given
    client.force_login(world.a.chief)
    unit = world.a.unit

    # when
    response = client.post(reverse("admin:people_unit_change", args=[unit.pk]), {
        "callsign": unit.callsign, "type": unit.type, "mobility": unit.mobility,
        "okrug": "", "active": "on", "status": "out_of_service",
    })  # fmt: skip

    # then
    assert response.status_code == 302
    unit = Unit.objects.get(pk=unit.pk)
    assert unit.status == "out_of_service"
    assert unit.status_locked_at is not None
    assert unit.status_at == unit.status_locked_at
    assert unit.district_id == world.a.district.pk
    assert recorded == {"units": {str(unit.pk)}}
    entry = AuditEntry.objects.get(action="unit.changed_in_admin")
    assert entry.data_dict["changed"]["status"] == ["available", "out_of_service"]


def test_chief_corrects_a_settlement_zone_and_devices_hear_of_it(client, world, recorded):
    # given
    client.force_login(world.a.chief)
    village = world.a.settlement

    # when
    response = client.post(reverse("admin:geo_settlement_change", args=[village.pk]), {
        "zone": "rural", "coverage": "none", "lat": village.lat, "lon": village.lon,
        "coords_estimated": "on", "road_km_to_seat": 120,
    })  # fmt: skip

    # then
    assert response.status_code == 302, response.context["adminform"].form.errors
    village = Settlement.objects.get(pk=village.pk)
    assert (village.zone, village.coverage, village.road_km_to_seat) == ("rural", "none", 120)
    assert recorded == {"settlements": {str(village.pk)}}
    assert AuditEntry.objects.filter(action="settlement.changed_in_admin").count() == 1


def test_chief_cannot_change_a_foreign_settlement_by_post(client, world, recorded):
    # given
    client.force_login(world.a.chief)
    village = world.b.settlement
    changes_before = Change.objects.count()

    # when
    response = client.post(
        reverse("admin:geo_settlement_change", args=[village.pk]),
        {"zone": "urban", "coverage": "lte"},
    )

    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    assert Settlement.objects.get(pk=village.pk).zone == village.zone
    assert recorded == {}
    assert Change.objects.count() == changes_before


def test_reading_a_risk_subject_is_audited(client, world):
    # given
    client.force_login(world.a.chief)
    subject = world.a.risk_subject

    # when
    response = client.get(reverse("admin:dispatch_risksubject_change", args=[subject.pk]))

    # then
    assert response.status_code == 200
    entry = AuditEntry.objects.get(action="risksubject.read")
    assert (entry.actor_id, entry.object_id, entry.district_id) == (
        world.a.chief.pk,
        str(subject.pk),
        world.a.district.pk,
    )
    assert RiskSubject.objects.count() == 3
