"""A new password lifts an account's guard (wrong passwords from many addresses) and its
lockouts (per address) at once, whoever sets it — the oblast administrator on the person's
page, ``manage.py changepassword`` on the server, the person on the console's "change
password" page: the wrong passwords were guesses at the old one. So does the password taken
away (the administrator's "Console password: No", ``set_unusable_password()``): the guesses
were at a password that no longer exists, and one set later starts clean. Audited as
``auth.account_guard_lifted``.

The new password is seen after the commit (``people.signals.access_changed``): each change is
made inside ``django_capture_on_commit_callbacks(execute=True)``. Counters in the cache (Redis
with ``source ENVFILE``); each test's account has a fresh name.
"""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from backend.common.formatting import KEY_LABELS
from backend.people import account_guard
from tests.backend.security import test_account_guessed_from_many_addresses as guessed
from tests.backend.security.test_account_guessed_from_many_addresses import (
    DUTY_ROOM,
    GUARDED,
    LIMIT,
    PASSWORD,
    botnet,
    entries,
    login,
)

# the fixtures of the guard's own tests: a small limit (autouse), a duty officer of a fresh name
small_limit = guessed.small_limit
duty = guessed.duty

NEW_PASSWORD = "Kokpekty-new-2026!x"
STRANGER = "198.51.100.30"


def guarded(username: str, password: str) -> bool:
    return GUARDED in login(Client(), username, password, STRANGER).content.decode()


def signs_in(username: str, password: str, ip: str = STRANGER) -> bool:
    client = Client()
    response = login(client, username, password, ip)
    return response.status_code == 302 and "_auth_user_id" in client.session


def test_the_administrators_new_password_lifts_the_guard(
    duty, personas, django_capture_on_commit_callbacks
):
    # given: a guarded account
    botnet(duty.username, LIMIT)
    assert guarded(duty.username, PASSWORD)

    # when: the oblast administrator sets a new password on the person's page
    admin = Client()
    admin.force_login(personas.oblast_admin)
    with django_capture_on_commit_callbacks(execute=True):
        answer = admin.post(
            reverse("admin:auth_user_password_change", args=[duty.pk]),
            {"usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        )

    # then: the person signs in with it from anywhere at once, and the log says so
    assert answer.status_code == 302
    assert signs_in(duty.username, NEW_PASSWORD)
    (lifted,) = entries("auth.account_guard_lifted")
    assert (lifted.object_type, lifted.object_id) == ("officer", str(duty.pk))
    assert lifted.data_dict == {
        "failures": LIMIT,
        "account_guarded": True,
        "lockout_lifted": False,
        "console_password": True,
    }
    assert set(lifted.data_dict) - set(KEY_LABELS) == set()  # the audit log reads it in words
    # and the administrator's own entry, as before
    (password_set,) = entries("auth.password_set")
    assert password_set.data_dict == {"console_password": True, "lockout_lifted": False}


def test_changepassword_on_the_server_lifts_the_guard_and_the_lockout(
    duty, monkeypatch, settings, django_capture_on_commit_callbacks
):
    # given: guarded, and locked out (django-axes) at the duty room's address too
    botnet(duty.username, LIMIT)
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        login(Client(), duty.username, f"typo-{attempt}", DUTY_ROOM)
    assert login(Client(), duty.username, PASSWORD, DUTY_ROOM).status_code == 429

    # when
    monkeypatch.setattr(
        "django.contrib.auth.management.commands.changepassword.getpass.getpass",
        lambda prompt="": NEW_PASSWORD,
    )
    with django_capture_on_commit_callbacks(execute=True):
        call_command("changepassword", duty.username, stdout=None)

    # then: in, from the duty room and from anywhere
    assert signs_in(duty.username, NEW_PASSWORD, DUTY_ROOM)
    assert signs_in(duty.username, NEW_PASSWORD)
    (lifted,) = entries("auth.account_guard_lifted")
    assert lifted.actor_kind == "system"
    # (the duty room's typos were wrong passwords for the account too)
    assert lifted.data_dict["failures"] > LIMIT
    assert (lifted.data_dict["account_guarded"], lifted.data_dict["lockout_lifted"]) == (True, True)


def test_the_persons_own_new_password_lifts_the_guard(duty, django_capture_on_commit_callbacks):
    # given: guarded; the person signed in at the duty room
    botnet(duty.username, LIMIT)
    desk = Client()
    assert login(desk, duty.username, PASSWORD, DUTY_ROOM).status_code == 302

    # when: they change their password on the console's "change password" page
    with django_capture_on_commit_callbacks(execute=True):
        answer = desk.post(
            reverse("admin:password_change"),
            {
                "old_password": PASSWORD,
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
            },
            REMOTE_ADDR=DUTY_ROOM,
        )

    # then: the new password is not guarded elsewhere
    assert answer.status_code == 302
    assert answer["Location"] == reverse("admin:password_change_done")
    assert signs_in(duty.username, NEW_PASSWORD)
    assert len(entries("auth.account_guard_lifted")) == 1


def test_other_changes_to_the_account_lift_nothing(duty, django_capture_on_commit_callbacks):
    # given
    botnet(duty.username, LIMIT)

    # when: the person's name is corrected
    with django_capture_on_commit_callbacks(execute=True):
        duty.first_name = "Айгүл"
        duty.save()

    # then: still guarded, nothing audited
    assert guarded(duty.username, PASSWORD)
    assert entries("auth.account_guard_lifted") == []


def test_a_new_password_of_an_unguarded_account_is_a_fresh_start_unaudited(
    duty, django_capture_on_commit_callbacks
):
    # given: wrong passwords one short of the limit
    botnet(duty.username, LIMIT - 1)

    # when: a new password; then one more wrong one
    with django_capture_on_commit_callbacks(execute=True):
        duty.set_password(NEW_PASSWORD)
        duty.save()
    botnet(duty.username, 1)

    # then: the old failures no longer count, and nothing was lifted to audit
    assert not guarded(duty.username, NEW_PASSWORD)
    assert entries("auth.account_guard_lifted") == []


def locked_out_at_the_duty_room(username: str, settings) -> None:
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        login(Client(), username, f"typo-{attempt}", DUTY_ROOM)
    assert login(Client(), username, PASSWORD, DUTY_ROOM).status_code == 429


def test_the_administrator_taking_the_password_away_lifts_the_guard_and_the_lockout(
    duty, personas, settings, django_capture_on_commit_callbacks
):
    # given: guarded, and locked out at the duty room
    botnet(duty.username, LIMIT)
    locked_out_at_the_duty_room(duty.username, settings)

    # when: the oblast administrator answers "Console password: No" on the person's page
    admin = Client()
    admin.force_login(personas.oblast_admin)
    with django_capture_on_commit_callbacks(execute=True):
        answer = admin.post(
            reverse("admin:auth_user_password_change", args=[duty.pk]),
            {"usable_password": "false", "unset-password": "1"},
        )

    # then: nothing is left of the guesses at a password that no longer exists
    assert answer.status_code == 302
    duty.refresh_from_db()
    assert not duty.has_usable_password()
    window = account_guard.read(duty.username.casefold())
    assert window is None or window.total == 0
    assert not AccessAttempt.objects.filter(username=duty.username).exists()
    # and the log says what lifted them, as a new password's lifting is said
    (lifted,) = entries("auth.account_guard_lifted")
    assert (lifted.object_type, lifted.object_id) == ("officer", str(duty.pk))
    assert lifted.data_dict["failures"] > LIMIT
    assert lifted.data_dict["account_guarded"] is True
    assert lifted.data_dict["console_password"] is False
    assert set(lifted.data_dict) - set(KEY_LABELS) == set()
    # (the lockout: in the administrator's own entry, whose view lifted it as well — here
    # after the commit's, which the test runs at its end)
    (password_set,) = entries("auth.password_set")
    assert password_set.data_dict == {"console_password": False, "lockout_lifted": True}


@pytest.mark.parametrize("guesses_meanwhile", [0, LIMIT])
def test_a_password_taken_away_in_a_shell_lifts_the_guard_and_a_later_one_starts_clean(
    duty, guesses_meanwhile, settings, django_capture_on_commit_callbacks
):
    # given: guarded, and locked out at the duty room
    botnet(duty.username, LIMIT)
    locked_out_at_the_duty_room(duty.username, settings)

    # when: password sign-in is turned off for the account outside the console
    with django_capture_on_commit_callbacks(execute=True):
        duty.set_unusable_password()
        duty.save()

    # then: lifted and audited (by the system)
    (lifted,) = entries("auth.account_guard_lifted")
    assert lifted.actor_kind == "system"
    assert lifted.data_dict["failures"] > LIMIT  # the duty room's typos among them
    assert lifted.data_dict == {
        "failures": lifted.data_dict["failures"],
        "account_guarded": True,
        "lockout_lifted": True,
        "console_password": False,
    }
    assert not AccessAttempt.objects.filter(username=duty.username).exists()

    # when: guesses go on at the account with no password (or not), then a new one is set
    botnet(duty.username, guesses_meanwhile)
    with django_capture_on_commit_callbacks(execute=True):
        duty.set_password(NEW_PASSWORD)
        duty.save()

    # then: it signs in from anywhere at once, and from the duty room
    assert signs_in(duty.username, NEW_PASSWORD)
    assert signs_in(duty.username, NEW_PASSWORD, DUTY_ROOM)


def test_an_account_with_no_password_made_so_again_lifts_nothing(
    duty, django_capture_on_commit_callbacks
):
    # given: no password, then guesses at it
    with django_capture_on_commit_callbacks(execute=True):
        duty.set_unusable_password()
        duty.save()
    botnet(duty.username, LIMIT)

    # when: "no password" is saved again (a new unusable value, nothing else)
    with django_capture_on_commit_callbacks(execute=True):
        duty.set_unusable_password()
        duty.save()

    # then: not a password change — the guard counting the guesses stays
    assert account_guard.read(duty.username.casefold()).guarded
    assert entries("auth.account_guard_lifted") == []
