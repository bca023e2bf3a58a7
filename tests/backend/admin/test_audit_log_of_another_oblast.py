"""An oblast administrator reads the audit entries about no district of his own oblast only:
not another oblast's, by its staff or about one of them. Every oblast administrator read
every oblast's: its ЦОУ's handover notes, its staff's console edits, their sign-ins with the
addresses they came from. The entries about no one (the system's) stay his to read."""

from __future__ import annotations

import pytest
from django.urls import reverse

from backend.ledger import uow
from backend.ledger.models import ActorKind, AuditEntry
from backend.people.models import Role
from tests import factories

pytestmark = pytest.mark.django_db


def _audit(action: str, **kw) -> AuditEntry:
    with uow.unit_of_work():
        uow.audit(action, **kw)
    return AuditEntry.objects.latest("id")


@pytest.fixture
def entries(world):
    """Entries about no district: of the other oblast (C's), of the admin's own, and none's."""
    their_oblast = world.c.district.oblast
    their_duty = factories.officer(
        username="duty_c_oblast", role=Role.DUTY_OFFICER, oblast=their_oblast
    )
    foreign = [
        _audit(  # their ЦОУ's handover, its note
            "handover.written",
            actor=their_duty,
            object_type="handover",
            object_id=1,
            data={"note": "Сейткали, ул. Абая 12: повторный вызов"},
        ),
        _audit(  # a sign-in of their duty officer, with its address
            "auth.login_failed",
            actor_kind=ActorKind.ANONYMOUS,
            obj=their_duty,
            data={"ip": "203.0.113.7", "username_known": True},
        ),
        _audit(  # their district chief edits their ЦОУ's officer
            "officer.changed_in_admin", actor=world.c.chief, obj=their_duty, data={}
        ),
    ]
    own = [
        _audit(
            "handover.written",
            actor=world.duty,
            object_type="handover",
            object_id=2,
            data={"note": "спокойная смена"},
        ),
        _audit("auth.login_failed", actor_kind=ActorKind.ANONYMOUS, obj=world.duty, data={}),
        _audit("test.system", object_type="oblast", object_id=1),
    ]
    assert all(e.district_id is None for e in foreign + own)
    return foreign, own


def test_the_log_lists_no_entry_of_another_oblasts_staff(client, world, entries):
    # given
    foreign, own = entries
    client.force_login(world.oblast_admin)

    # when
    url = reverse("admin:ledger_auditentry_changelist")
    listed = {e.pk for e in client.get(url, {"o": "-1"}).context["cl"].queryset}

    # then
    assert {e.pk for e in own} <= listed
    assert {e.pk for e in foreign} & listed == set()


@pytest.mark.parametrize("which", [0, 1, 2])
def test_another_oblasts_entry_by_its_number_looks_like_a_missing_one(
    client, world, entries, which
):
    # given
    foreign, own = entries
    client.force_login(world.oblast_admin)
    missing = client.get(reverse("admin:ledger_auditentry_change", args=[987654321]))

    # when
    response = client.get(reverse("admin:ledger_auditentry_change", args=[foreign[which].pk]))

    # then
    assert (response.status_code, response["Location"]) == (302, reverse("admin:index"))
    assert (response.status_code, response["Location"]) == (
        missing.status_code,
        missing["Location"],
    )
    own_page = client.get(reverse("admin:ledger_auditentry_change", args=[own[0].pk]))
    assert own_page.status_code == 200
