"""The operator's first steps on a fresh deployment: ``createsuperuser`` makes the oblast's
administrator, who adds the district chiefs and duty officers that then sign in (the
command failed with an IntegrityError; a chief the superuser added could not sign in)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from backend.geo.models import Oblast
from backend.people.models import Officer, Role

pytestmark = pytest.mark.django_db

PASSWORD = "Абай-102-первый"


def create_superuser(monkeypatch: pytest.MonkeyPatch, username: str) -> None:
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    call_command(
        "createsuperuser",
        "--no-input",
        username=username,
        email="ops@example.kz",
        stdout=io.StringIO(),
    )


def test_the_first_administrator_administers_the_oblast_and_adds_a_chief_who_signs_in(
    client, personas, monkeypatch
):
    # given: the territory loaded (one oblast)
    [oblast] = Oblast.objects.all()

    # when: the operator creates the first administrator
    create_superuser(monkeypatch, "admin_ops")

    # then: an oblast administrator of that oblast, who signs in
    admin = Officer.objects.get(username="admin_ops")
    assert (admin.role, admin.oblast, admin.is_superuser, admin.is_staff) == (
        Role.OBLAST_ADMIN,
        oblast,
        True,
        True,
    )
    signed_in = client.post(
        reverse("admin:login"), {"username": "admin_ops", "password": PASSWORD}, follow=True
    )
    assert signed_in.wsgi_request.user == admin

    # when: the administrator adds a district chief with a password
    added = client.post(
        reverse("admin:people_officer_add"),
        {
            "username": "chief_new",
            "usable_password": "true",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "role": Role.CHIEF,
            "district": personas.a.district.pk,
            "language": "ru",
            "is_active": "on",  # checked on the form
        },
    )

    # then: the chief signs in to the console
    assert added.status_code == 302, added.context["adminform"].form.errors
    chief = Officer.objects.get(username="chief_new")
    assert (chief.role, chief.is_staff) == (Role.CHIEF, True)
    client.logout()
    signed_in = client.post(
        reverse("admin:login"), {"username": "chief_new", "password": PASSWORD}, follow=True
    )
    assert signed_in.wsgi_request.user == chief
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_patrol_officer_added_by_the_administrator_gets_no_console(client, personas):
    client.force_login(personas.oblast_admin)
    client.post(
        reverse("admin:people_officer_add"),
        {
            "username": "officer_new",
            "usable_password": "false",
            "role": Role.OFFICER,
            "district": personas.a.district.pk,
            "language": "kk",
        },
    )
    assert Officer.objects.get(username="officer_new").is_staff is False


def test_without_the_territory_the_command_says_so_in_a_line(monkeypatch):
    with pytest.raises(CommandError, match="load the territory first"):
        create_superuser(monkeypatch, "admin_ops")
    assert not Officer.objects.filter(username="admin_ops").exists()


def test_a_patrol_officer_at_the_console_door_is_refused_and_recorded(client, personas):
    # given: a patrol officer who has a password (the field app needs none)
    from backend.ledger.models import AuditEntry

    officer = personas.a.patrol_officers[0]
    officer.set_password(PASSWORD)
    officer.save(update_fields=["password"])

    # when
    page = client.post(reverse("admin:login"), {"username": officer.username, "password": PASSWORD})

    # then: refused, and the audit log has the attempt
    assert page.status_code == 200
    assert not page.wsgi_request.user.is_authenticated
    entry = AuditEntry.objects.get(action="auth.login_failed")
    assert (entry.object_id, entry.data_dict["no_console_access"]) == (str(officer.pk), True)
