"""One account's password guessed from many addresses (a botnet: each address stays under the
limits per address and per username-and-address) is guarded, not locked: past
``KUZET_LOGIN_ACCOUNT_FAILURE_LIMIT`` wrong passwords within the window, only an address the
account signed in from before may sign in to it; the oblast administrator reads
``auth.account_guarded`` in the audit log, and the person reads the failed attempts at the
next sign-in.

The counter lives in the cache (Redis when ``REDIS_URL`` is set: run with ``source ENVFILE``).
Each test signs in to an account of a fresh name, so counters of one test never meet another's.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import types
import uuid
from collections.abc import Callable, Iterator

import django_ratelimit.core
import pytest
from django.contrib.messages import get_messages
from django.test import Client

from backend.common import clock
from backend.common.formatting import KEY_LABELS
from backend.ledger.models import AuditEntry
from backend.people import account_guard
from backend.people.models import Officer

LIMIT = 4
PASSWORD = "duty-room-password-731"
DUTY_ROOM = "192.0.2.40"
_addresses = itertools.count(1)


def botnet_address() -> str:
    n = next(_addresses)
    return f"203.0.{(n >> 8) & 255}.{n & 255}"


@pytest.fixture(autouse=True)
def small_limit(settings):
    settings.KUZET_LOGIN_ACCOUNT_FAILURE_LIMIT = LIMIT
    settings.KUZET_LOGIN_ACCOUNT_WINDOW_MINUTES = 60
    settings.KUZET_LOGIN_KNOWN_ADDRESS_DAYS = 90


@pytest.fixture
def duty(personas) -> Officer:
    """The ЦОУ's duty officer under a name no other test used, who signed in from the duty
    room before."""
    duty = personas.duty
    duty.username = f"duty_{uuid.uuid4().hex[:10]}"
    duty.language = "en"  # the notice is in the person's language
    duty.set_password(PASSWORD)
    duty.is_staff = True
    duty.save()
    assert login(Client(), duty.username, PASSWORD, DUTY_ROOM).status_code == 302
    return duty


def login(client: Client, username: str, password: str, ip: str):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password},
        REMOTE_ADDR=ip,
    )


@pytest.fixture
def later(monkeypatch) -> Iterator[Callable[[int], None]]:
    """Move the server's clock (the account's window) and django-ratelimit's (the address's,
    wall-clock based) ``minutes`` further ahead, together.

    The server's clock stands still between moves, in the middle of one of the window's
    buckets (5 minutes: the 60-minute window in 12): a guess 60 minutes before the check
    is then in the window's oldest bucket, not — on a slow box, where seconds pass between
    the guess and the check — one bucket too old at random (CI: "paced to the limit" let the
    right password in once)."""
    bucket = 60 * 60 // account_guard.BUCKETS
    start = (int(clock.now().timestamp()) // bucket + 1) * bucket + bucket // 2
    moved = 0
    real = django_ratelimit.core.time.time

    def move(minutes: int) -> None:
        nonlocal moved
        moved += minutes
        clock.advance(dt.timedelta(minutes=minutes))
        ahead = moved * 60
        monkeypatch.setattr(
            django_ratelimit.core, "time", types.SimpleNamespace(time=lambda: real() + ahead)
        )

    with clock.frozen(dt.datetime.fromtimestamp(start, tz=dt.UTC)):
        yield move
    clock.reset()


def botnet(username: str, guesses: int) -> list[int]:
    return [
        login(Client(), username, f"guess-{n}", botnet_address()).status_code
        for n in range(guesses)
    ]


def entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("id"))


def test_wrong_passwords_from_many_addresses_guard_the_account_against_new_addresses(duty):
    # given: one wrong password from each of LIMIT addresses (none near any other limit)
    assert botnet(duty.username, LIMIT) == [200] * LIMIT

    # when: the right password from an address the account never signed in from
    client = Client()
    response = login(client, duty.username, PASSWORD, "198.51.100.7")

    # then: refused, unchecked, with the reason
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    text = response.content.decode()
    assert "Too many wrong passwords were typed for this account from other places." in text
    assert "it can be signed in to only from a computer it was signed in from before" in text
    refused = entries("auth.login_failed")[-1]
    assert refused.actor_label == duty.username
    assert refused.data_dict == {
        "ip": "198.51.100.7",
        "path": "/admin/login/",
        "username_known": True,
        "account_guarded": True,
    }
    # the oblast administrator's entry: once, when the limit was reached
    (guarded,) = entries("auth.account_guarded")
    assert (guarded.object_type, guarded.object_id) == ("officer", str(duty.pk))
    assert guarded.district_id == duty.district_id
    assert guarded.data_dict["failures"] == LIMIT
    assert guarded.data_dict["window_minutes"] == 60
    assert guarded.data_dict["known_address_days"] == 90
    # and the audit log reads every key of both in words of its own
    assert {*refused.data_dict, *guarded.data_dict} - set(KEY_LABELS) == set()


def test_a_guarded_account_still_signs_in_from_the_duty_room(duty):
    # given
    botnet(duty.username, LIMIT + 3)

    # when: the duty officer at his desk, where he signed in before
    client = Client()
    response = login(client, duty.username, PASSWORD, DUTY_ROOM)

    # then: in, as always — no guesser keeps him out of his shift
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(duty.pk)


def test_guesses_at_a_guarded_account_are_not_checked_nor_audited_as_guarded_again(duty):
    # given
    botnet(duty.username, LIMIT)

    # when: more guesses, one of them the right password
    statuses = botnet(duty.username, 3)
    client = Client()
    right = login(client, duty.username, PASSWORD, botnet_address())

    # then: a right password and a wrong one read the same
    assert statuses == [200, 200, 200]
    assert "Too many wrong passwords were typed for this account" in right.content.decode()
    assert "_auth_user_id" not in client.session
    assert len(entries("auth.account_guarded")) == 1
    assert [e.data_dict.get("account_guarded", False) for e in entries("auth.login_failed")] == [
        False
    ] * LIMIT + [True] * 4


def test_the_guard_ends_with_its_window(duty, later):
    # given
    botnet(duty.username, LIMIT)
    assert login(Client(), duty.username, PASSWORD, "198.51.100.8").status_code == 200

    # when: the window (and the bucket it is counted in: at most 1/12 of it) is over
    later(66)
    client = Client()
    response = login(client, duty.username, PASSWORD, "198.51.100.8")

    # then
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(duty.pk)


def test_a_name_that_is_nobodys_is_guarded_alike(db):
    # given: guesses at a name no officer has (the answer must not tell which names exist)
    name = f"nobody_{uuid.uuid4().hex[:8]}"
    botnet(name, LIMIT)

    # when
    response = login(Client(), name, "anything", "198.51.100.9")

    # then
    assert "Too many wrong passwords were typed for this account" in response.content.decode()
    (guarded,) = entries("auth.account_guarded")
    assert (guarded.actor_label, guarded.object_id) == ("", "")
    assert guarded.data_dict["username_known"] is False


def test_the_person_is_told_the_failed_attempts_since_the_last_sign_in(duty, settings):
    # given: the limit out of reach: telling does not wait for a guard
    settings.KUZET_LOGIN_ACCOUNT_FAILURE_LIMIT = 1000
    botnet(duty.username, 2)
    last = botnet_address()
    login(Client(), duty.username, "guess-last", last)

    # when
    client = Client()
    response = login(client, duty.username, PASSWORD, DUTY_ROOM)

    # then
    assert response.status_code == 302
    (notice,) = [str(m) for m in get_messages(response.wsgi_request)]
    assert notice.startswith(
        "3 failed attempts to sign in to your account since your last sign-in (the last on "
    )
    assert notice.endswith(f" from {last}). If it was not you, tell the oblast administrator.")
    assert entries("auth.login_succeeded")[-1].data_dict["failures_since_last_login"] == 3

    # when: the next sign-in, with no failure since
    again = login(Client(), duty.username, PASSWORD, DUTY_ROOM)

    # then
    assert [str(m) for m in get_messages(again.wsgi_request)] == []
    assert "failures_since_last_login" not in entries("auth.login_succeeded")[-1].data_dict


GUARDED = "Too many wrong passwords were typed for this account from other places."


def test_a_guesser_paced_to_the_limit_an_hour_is_guarded(duty, later):
    # given: LIMIT - 1 guesses in every hour of the clock, a guess every 20 minutes — with a
    # fixed window (a counter per hour) never LIMIT in one, and never guarded
    for guess in range(LIMIT + 1):
        if guess:
            later(20)
        assert botnet(duty.username, 1) == [200]

    # when: the right password from an address the account never signed in from
    client = Client()
    response = login(client, duty.username, PASSWORD, "198.51.100.10")

    # then: any LIMIT guesses within the window guard the account
    assert GUARDED in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert len(entries("auth.account_guarded")) >= 1


def test_the_guard_slides_off_with_its_oldest_failures(duty, later):
    # given: half the limit of guesses, and half again 30 minutes later
    botnet(duty.username, LIMIT // 2)
    later(30)
    botnet(duty.username, LIMIT - LIMIT // 2)

    # when: 20 minutes on, the right password from a new address
    later(20)
    refused = login(Client(), duty.username, PASSWORD, "198.51.100.11").content.decode()

    # then: refused until the first guesses leave the window (60 to 65 minutes after them)
    assert GUARDED in refused
    minutes = int(re.search(r"For (\d+) more minutes", refused)[1])  # type: ignore[index]
    assert 10 <= minutes <= 15

    # when: they left it
    later(16)
    client = Client()
    response = login(client, duty.username, PASSWORD, "198.51.100.11")

    # then: in
    assert response.status_code == 302

    # when: as many guesses as left the window, while the later ones are still in it
    client.logout()
    botnet(duty.username, LIMIT // 2)

    # then: guarded again, and the oblast administrator reads it again
    assert GUARDED in login(Client(), duty.username, PASSWORD, "198.51.100.12").content.decode()
    assert len(entries("auth.account_guarded")) == 2
