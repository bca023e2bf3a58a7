"""The admin scoping matrix: who sees what on every admin path.

Viewers: the chiefs of districts A and B, the Semey duty officer (serves A and B, not C of
another oblast), the oblast administrator, and officers (no admin at all). Paths: the
changelist, its filters' choices, search, autocomplete, change/history/delete views by
direct URL. Actions and add forms are in test_actions.py and test_forms.py.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.admin import RelatedFieldListFilter
from django.contrib.admin.utils import quote
from django.db import models
from django.urls import reverse

from backend.devices.models import EnrolmentCode
from backend.ledger.models import AuditEntry
from tests.conftest import build_personas
from tests.module_data import built_for_the_module

from .conftest import Side, World, build_world


@pytest.fixture(scope="module")
def _world_of_the_module(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    # The matrix only looks (a POST that would change something is rolled back with its
    # test): its three districts are built once for its hundreds of cases
    # (tests/module_data.py), not once for each.
    with built_for_the_module(django_db_blocker, lambda: build_world(build_personas())) as w:
        yield w


@pytest.fixture
def world(_world_of_the_module: World, db: None) -> World:
    # Each test its own copies of the records, as when each built its own world.
    return copy.deepcopy(_world_of_the_module)


@dataclass(frozen=True)
class Case:
    app: str
    model: str
    record: Callable[[Side], models.Model]
    search: str | None = None

    def __str__(self) -> str:
        return f"{self.app}.{self.model}"

    def model_class(self) -> type[models.Model]:
        from django.apps import apps

        return apps.get_model(self.app, self.model)

    def url(self, view: str, *args: Any) -> str:
        return reverse(f"admin:{self.app}_{self.model}_{view}", args=args)


CASES = [
    Case("geo", "oblast", lambda s: s.district.oblast, "облысы"),
    Case("geo", "district", lambda s: s.district, "район"),
    Case("geo", "okrug", lambda s: s.okrug, "."),
    Case("geo", "settlement", lambda s: s.settlement, "0"),
    Case("people", "officer", lambda s: s.officer, "officer_"),
    Case("people", "unit", lambda s: s.unit, "PC1"),
    Case("devices", "device", lambda s: s.device, "install-"),
    Case(
        "devices",
        "enrolmentcode",
        lambda s: EnrolmentCode.objects.filter(officer=s.officer).get(),
        "officer_",
    ),
    Case("dispatch", "incident", lambda s: s.incident, "маркер"),
    Case("dispatch", "assignment", lambda s: s.assignment, "PC1"),
    Case("dispatch", "event", lambda s: s.event, "evt-"),
    Case("dispatch", "conflict", lambda s: s.conflict, "PC1"),
    Case("dispatch", "escalationpolicy", lambda s: s.policy),
    Case("dispatch", "escalationstep", lambda s: s.step),
    Case("dispatch", "risksubject", lambda s: s.risk_subject, "Маркер"),
    Case("dispatch", "followuptask", lambda s: s.follow_up, "-"),
    Case("dispatch", "smsmessage", lambda s: s.sms, "+770"),
    Case("sync_gateway", "quarantinedrecord", lambda s: s.quarantined, "маркер"),
    Case(
        "ledger",
        "auditentry",
        lambda s: AuditEntry.objects.get(action="test.marker", district=s.district),
        "test.marker",
    ),
]
CASE_IDS = [str(c) for c in CASES]
STAFF = ["chief_a", "chief_b", "duty", "oblast_admin"]
OFFICERS = ["officer_a", "officer_b"]


def own_and_foreign(world: World, viewer: str, case: Case) -> tuple[list[Any], list[Any]]:
    """The records of the three districts split into those ``viewer`` may and may not see."""
    records = [case.record(side) for side in (world.a, world.b, world.c)]
    return (
        [r for r in records if world.visible(viewer, r)],
        [r for r in records if not world.visible(viewer, r)],
    )


def listed(response: Any) -> set[Any]:
    assert response.status_code == 200, response
    return {obj.pk for obj in response.context["cl"].result_list}


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
@pytest.mark.parametrize("viewer", STAFF)
def test_changelist_lists_exactly_the_records_of_the_viewers_districts(client, world, viewer, case):
    # given
    client.force_login(world.user(viewer))
    everything = list(case.model_class()._default_manager.all())
    expected = {obj.pk for obj in everything if world.visible(viewer, obj)}
    own, foreign = own_and_foreign(world, viewer, case)

    # when
    response = client.get(case.url("changelist"))

    # then
    assert listed(response) == expected
    assert own
    assert foreign
    assert {r.pk for r in own} <= expected
    assert not {r.pk for r in foreign} & expected


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
@pytest.mark.parametrize("viewer", STAFF)
def test_list_filters_offer_only_choices_the_viewer_may_see(client, world, viewer, case):
    # given
    client.force_login(world.user(viewer))

    # when
    response = client.get(case.url("changelist"))

    # then
    offered = [
        (spec.field.remote_field.model, pk)
        for spec in response.context["cl"].filter_specs
        if isinstance(spec, RelatedFieldListFilter)
        for pk, _label in spec.lookup_choices
    ]
    leaked = [
        (model.__name__, pk)
        for model, pk in offered
        if not world.visible(viewer, model._default_manager.get(pk=pk))
    ]
    assert leaked == []


@pytest.mark.parametrize("viewer", STAFF)
def test_district_filter_offers_exactly_the_viewers_districts(client, world, viewer):
    # given
    client.force_login(world.user(viewer))

    # when
    response = client.get(reverse("admin:dispatch_incident_changelist"))

    # then: a chief's single district needs no filter; others choose among theirs only
    specs = [s for s in response.context["cl"].filter_specs if s.title == "district"]
    offered = {pk for spec in specs for pk, _ in spec.lookup_choices}
    visible = world.visible_districts(viewer)
    assert offered == (visible if len(visible) > 1 else set())


def test_filtering_by_another_districts_id_shows_nothing(client, world):
    # given
    client.force_login(world.a.chief)

    # when
    response = client.get(
        reverse("admin:dispatch_incident_changelist"), {"district__id__exact": world.b.district.pk}
    )

    # then
    assert listed(response) == set()


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.search], ids=[str(c) for c in CASES if c.search]
)
@pytest.mark.parametrize("viewer", STAFF)
def test_search_finds_only_records_of_the_viewers_districts(client, world, viewer, case):
    # given
    client.force_login(world.user(viewer))
    own, foreign = own_and_foreign(world, viewer, case)

    # when
    found = listed(client.get(case.url("changelist"), {"q": case.search}))

    # then
    assert {r.pk for r in own} <= found
    assert not {r.pk for r in foreign} & found
    assert all(
        world.visible(viewer, case.model_class()._default_manager.get(pk=pk)) for pk in found
    )


AUTOCOMPLETE = [
    ("dispatch", "incident", "settlement", "settlement"),
    ("dispatch", "incident", "duplicate_of", "incident"),
    ("dispatch", "assignment", "incident", "incident"),
    ("dispatch", "assignment", "unit", "unit"),
    ("people", "officer", "unit", "unit"),
    ("people", "unit", "okrug", "okrug"),
    ("geo", "settlement", "okrug", "okrug"),
    ("dispatch", "followuptask", "incident", "incident"),
    ("dispatch", "followuptask", "unit", "unit"),
    ("dispatch", "risksubject", "settlement", "settlement"),
]


@pytest.mark.parametrize(
    ("app", "model", "field", "target"),
    AUTOCOMPLETE,
    ids=[f"{a}.{m}.{f}" for a, m, f, _ in AUTOCOMPLETE],
)
@pytest.mark.parametrize("viewer", STAFF)
def test_autocomplete_returns_only_choices_of_the_viewers_districts(
    client, world, viewer, app, model, field, target
):
    # given
    client.force_login(world.user(viewer))
    sides = (world.a, world.b, world.c)
    records = [getattr(side, target) for side in sides]
    own = {str(r.pk) for r in records if world.visible(viewer, r)}
    foreign = {str(r.pk) for r in records if not world.visible(viewer, r)}

    # when
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": app, "model_name": model, "field_name": field, "term": ""},
    )

    # then
    assert response.status_code == 200
    ids = {item["id"] for item in response.json()["results"]}
    assert own <= ids
    assert not foreign & ids
    related = {
        "settlement": "geo.Settlement",
        "incident": "dispatch.Incident",
        "unit": "people.Unit",
        "okrug": "geo.Okrug",
    }[target]
    from django.apps import apps

    target_model = apps.get_model(related)
    assert all(world.visible(viewer, target_model._default_manager.get(pk=pk)) for pk in ids)


MISSING_PK = {"event": "evt-missing-0000000001", "device": "dev_missing00000000"}


@pytest.mark.parametrize("view", ["change", "history", "delete"])
@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
@pytest.mark.parametrize("viewer", STAFF)
def test_direct_url_of_a_foreign_record_looks_exactly_like_a_missing_one(
    client, world, viewer, case, view
):
    # given
    client.force_login(world.user(viewer))
    _own, foreign = own_and_foreign(world, viewer, case)
    missing = client.get(case.url(view, quote(MISSING_PK.get(case.model, "987654321"))))

    for record in foreign:
        # when
        response = client.get(case.url(view, quote(record.pk)))

        # then: what a record that does not exist gets — a redirect to the admin index, or
        # 403 where the role may not delete such records at all
        assert (response.status_code, response.get("Location")) == (
            missing.status_code,
            missing.get("Location"),
        )
        if view == "delete" and response.status_code == 403:
            assert not world.user(viewer).is_superuser
        else:
            assert response.status_code == 302
            assert response["Location"] == reverse("admin:index")
        assert type(record)._default_manager.filter(pk=record.pk).exists()


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
@pytest.mark.parametrize("viewer", STAFF)
def test_own_records_open_and_show_their_history(client, world, viewer, case):
    # given
    client.force_login(world.user(viewer))
    own, _ = own_and_foreign(world, viewer, case)

    for record in own:
        # when
        change = client.get(case.url("change", quote(record.pk)))
        history = client.get(case.url("history", quote(record.pk)))

        # then
        assert (change.status_code, history.status_code) == (200, 200)


def test_delete_of_a_foreign_escalation_policy_by_post_deletes_nothing(client, world):
    # given
    client.force_login(world.a.chief)
    policy = world.b.policy

    # when
    response = client.post(
        reverse("admin:dispatch_escalationpolicy_delete", args=[policy.pk]), {"post": "yes"}
    )

    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    assert type(policy).objects.filter(pk=policy.pk).exists()


def test_chief_cannot_delete_records_the_role_does_not_delete(client, world):
    # given
    client.force_login(world.a.chief)

    # when
    response = client.get(reverse("admin:dispatch_incident_delete", args=[world.a.incident.pk]))

    # then
    assert response.status_code == 403


def test_officer_password_page_of_another_district_is_not_found(client, world):
    # given
    client.force_login(world.a.chief)

    # when
    response = client.get(reverse("admin:auth_user_password_change", args=[world.b.officer.pk]))

    # then
    assert response.status_code == 404


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
@pytest.mark.parametrize("viewer", OFFICERS)
def test_officers_get_no_admin_on_any_path(client, world, viewer, case):
    # given
    client.force_login(world.user(viewer))
    record = case.record(world.a)
    login = reverse("admin:login")

    # when
    responses = [
        client.get(case.url("changelist")),
        client.get(case.url("changelist"), {"q": "маркер"}),
        client.get(case.url("add")),
        client.get(case.url("change", quote(record.pk))),
        client.get(case.url("history", quote(record.pk))),
        client.get(case.url("delete", quote(record.pk))),
        client.get(
            reverse("admin:autocomplete"),
            {"app_label": "dispatch", "model_name": "assignment", "field_name": "unit", "term": ""},
        ),
    ]

    # then
    assert [r.status_code for r in responses] == [302] * len(responses)
    assert all(r["Location"].startswith(login) for r in responses)


def test_an_officer_wrongly_marked_staff_still_sees_no_model(client, world):
    # given
    officer = world.a.officer
    officer.is_staff = True
    officer.save(update_fields=["is_staff"])
    client.force_login(officer)

    # when
    index = client.get(reverse("admin:index"))
    changelist = client.get(reverse("admin:dispatch_incident_changelist"))
    autocomplete = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "dispatch", "model_name": "assignment", "field_name": "unit", "term": ""},
    )

    # then
    assert index.status_code == 200
    assert index.context["app_list"] == []
    assert changelist.status_code == 403
    assert autocomplete.status_code == 403


def test_a_viewer_of_one_district_gets_no_district_column_or_filter(client, world):
    # given: a chief of one district; the oblast administrator sees several
    from django.contrib import admin
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = world.a.chief
    lists = [
        reverse(f"admin:{m._meta.app_label}_{m._meta.model_name}_changelist")
        for m, model_admin in admin.site._registry.items()
        if model_admin.has_view_permission(request) and "district" in model_admin.list_display
    ]
    assert len(lists) >= 4  # incidents, conflicts, policies, the audit log…

    # when
    client.force_login(world.a.chief)
    chiefs = [client.get(url).context["cl"] for url in lists]
    client.force_login(world.user("oblast_admin"))
    oblast = client.get(reverse("admin:dispatch_incident_changelist")).context["cl"]

    # then
    for cl in chiefs:
        assert "district" not in cl.list_display, cl.model
        assert not [f for f in cl.filter_specs if getattr(f, "field_path", "") == "district"]
    assert "district" in oblast.list_display
    assert [f for f in oblast.filter_specs if getattr(f, "field_path", "") == "district"]
