"""A staff API token lasts ``KUZET_STAFF_TOKEN_DAYS`` from its issue, then is refused
``401 token_expired`` — it lasted for ever: a token copied into a script, a shared laptop or
an integrator's configuration years ago still dispatched units. An expired token is a real
token presented by its holder, not a guess: it is not counted against the address, so one
forgotten script does not lock the duty room (one NAT address) out of the API. The admin's
token list says when each token expires."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from backend.common import clock
from backend.dispatch.authentication import staff_token_issue
from backend.dispatch.models import StaffToken
from backend.people.models import Officer, Role
from backend.simulator import provision

READ = "/api/v1/conflicts/"
LIMIT = 3
_addresses = itertools.count(1)


@pytest.fixture
def ip() -> str:
    n = next(_addresses)
    return f"10.77.{(n >> 8) & 255}.{n & 255}"


@dataclass(frozen=True)
class Issued:
    """A token as its holder has it: the row (digest, start, issue) and the key."""

    row: StaffToken
    key: str

    @property
    def created(self) -> dt.datetime:
        return self.row.created


def issue(user: Officer) -> Issued:
    return Issued(*staff_token_issue(user=user))


@pytest.fixture
def token(personas) -> Issued:
    return issue(personas.duty)


def desk(token: Issued | str, ip: str) -> APIClient:
    client = APIClient(REMOTE_ADDR=ip)
    key = token if isinstance(token, str) else token.key
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def local(value: dt.datetime) -> str:
    return f"{timezone.localtime(value):%d.%m.%Y %H:%M:%S}"


def test_a_fresh_token_reads_the_api(token, ip):
    # when
    response = desk(token, ip).get(READ)

    # then
    assert response.status_code == 200


def test_a_token_works_to_the_end_of_its_lifetime_and_is_refused_after_it(token, ip, settings):
    # given: the default lifetime, 30 days
    assert settings.KUZET_STAFF_TOKEN_DAYS == 30
    end = token.created + dt.timedelta(days=30)

    # when
    with clock.frozen(end - dt.timedelta(seconds=1)):
        last_second = desk(token, ip).get(READ)
    with clock.frozen(end + dt.timedelta(seconds=1)):
        after = desk(token, ip).get(READ)

    # then
    assert last_second.status_code == 200
    assert after.status_code == 401
    assert after["WWW-Authenticate"] == "Token"
    expiry = timezone.localtime(end).isoformat(timespec="minutes")  # 2027-01-04T14:00+05:00
    assert after.json() == {
        "error": "token_expired",
        "detail": f"Staff API tokens last 30 days: this one expired at {expiry}. "
        "Ask the administrator for a new one.",
    }


def test_an_expired_token_does_not_lock_the_address_out(token, ip, settings, personas):
    # given: a small failure limit, and a script retrying with its expired token
    settings.KUZET_AUTH_FAILURE_LIMIT = LIMIT
    with clock.frozen(token.created + dt.timedelta(days=31)):
        refused = [desk(token, ip).get(READ) for _ in range(LIMIT * 2)]

    # when: a colleague at the same address, with a valid token
    colleague = issue(personas.a.chief)
    response = desk(colleague, ip).get(READ)

    # then
    assert [r.json()["error"] for r in refused] == ["token_expired"] * (LIMIT * 2)
    assert response.status_code == 200


def test_wrong_tokens_still_lock_the_address_out(token, ip, settings):
    # given
    settings.KUZET_AUTH_FAILURE_LIMIT = LIMIT
    wrong = APIClient(REMOTE_ADDR=ip)
    wrong.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert [wrong.get(READ).status_code for _ in range(LIMIT)] == [401] * LIMIT

    # when
    response = desk(token, ip).get(READ)

    # then
    assert response.status_code == 429


@pytest.mark.parametrize(
    ("days", "age", "status"),
    [(7, dt.timedelta(days=7, seconds=1), 401), (90, dt.timedelta(days=89), 200)],
)
def test_the_lifetime_is_a_setting(token, ip, settings, days, age, status):
    # given
    settings.KUZET_STAFF_TOKEN_DAYS = days

    # when
    with clock.frozen(token.created + age):
        response = desk(token, ip).get(READ)

    # then
    assert response.status_code == status


def test_a_lifetime_of_zero_days_never_expires(token, ip, settings):
    # given
    settings.KUZET_STAFF_TOKEN_DAYS = 0

    # when
    with clock.frozen(token.created + dt.timedelta(days=3650)):
        response = desk(token, ip).get(READ)

    # then
    assert response.status_code == 200


# --- the admin's token list ----------------------------------------------------------------------


@pytest.fixture
def root(personas) -> Officer:
    return Officer.objects.create_superuser(
        username="root_tokens",
        password="pw-root-tokens-1",
        role=Role.OBLAST_ADMIN,
        oblast=personas.a.district.oblast,
    )


def test_the_token_list_says_when_each_token_expires(client, root, personas):
    # given: one token issued now, one issued 40 days ago (expired)
    fresh = issue(personas.duty)
    old = issue(personas.a.chief)
    StaffToken.objects.filter(pk=old.row.pk).update(created=old.created - dt.timedelta(days=40))
    old.row.refresh_from_db()
    root.language = "en"
    root.save(update_fields=["language"])
    client.force_login(root)

    # when
    page = client.get(reverse("admin:dispatch_stafftoken_changelist")).content.decode()

    # then: local time, with the date
    assert '<a href="?o=4">Expires</a>' in page
    assert local(fresh.created + dt.timedelta(days=30)) in page
    assert (
        f'<td class="field-expires">{local(old.created + dt.timedelta(days=30))}<br>'
        '<span class="kuzet-alert">⚠ expired</span></td>'
    ) in page
    # and each token only by its first characters: the whole key is shown once, when added
    assert f"{fresh.key[:6]}…</a></th>" in page
    assert fresh.key not in page
    assert old.key not in page


def test_a_token_added_in_the_console_is_shown_whole_once_then_only_by_its_start(
    client, root, personas
):
    # given
    root.language = "en"
    root.save(update_fields=["language"])
    client.force_login(root)

    # when: the administrator adds a token for the duty officer, then opens the console's home
    response = client.post(
        reverse("admin:dispatch_stafftoken_add"), {"user": personas.duty.pk}, follow=True
    )
    added = response.content.decode()
    found = re.search(r"was added: <code>([0-9a-f]{64})</code> — copy it now", added)
    assert found is not None, added
    key = found[1]
    home = client.get(reverse("admin:index")).content.decode()

    # then: the key whole in the message that it was added (on the list), and nowhere after it
    row = StaffToken.objects.get(user=personas.duty)
    assert response.redirect_chain == [(reverse("admin:dispatch_stafftoken_changelist"), 302)]
    assert "it is not shown again" in added
    assert f"{key[:6]}…" in added
    assert key not in home
    assert key not in client.get(reverse("admin:dispatch_stafftoken_changelist")).content.decode()
    assert (
        key
        not in client.get(
            reverse("admin:dispatch_stafftoken_change", args=[row.pk])
        ).content.decode()
    )
    # and it is the duty officer's working token
    assert desk(key, "10.77.255.1").get(READ).status_code == 200


@pytest.mark.parametrize(
    ("language", "created", "expires", "expired"),
    [("ru", "Создан", "Истекает", "истёк"), ("kk", "Құрылды", "Мерзімі бітеді", "мерзімі өтті")],
)
def test_the_token_lists_columns_are_in_the_readers_language(
    client, root, personas, language, created, expires, expired
):
    # given: a token issued 40 days ago
    old = issue(personas.duty)
    StaffToken.objects.filter(pk=old.row.pk).update(created=old.created - dt.timedelta(days=40))
    root.language = language
    root.save(update_fields=["language"])
    client.force_login(root)

    # when
    page = client.get(reverse("admin:dispatch_stafftoken_changelist")).content.decode()

    # then
    assert f'<a href="?o=3">{created}</a>' in page
    assert f'<a href="?o=4">{expires}</a>' in page
    assert f'<span class="kuzet-alert">⚠ {expired}</span>' in page


# --- the simulator's own tokens ------------------------------------------------------------------


def test_the_simulator_renews_its_expired_token(personas, ip, tmp_path):
    # given: the duty officer's token, issued by an earlier run 40 days ago
    first = provision.staff_token(personas.duty.username, state_dir=tmp_path)
    assert provision.staff_token(personas.duty.username, state_dir=tmp_path) == first
    StaffToken.objects.filter(user=personas.duty).update(
        created=timezone.now() - dt.timedelta(days=40)
    )

    # when
    renewed = provision.staff_token(personas.duty.username, state_dir=tmp_path)

    # then: a new key, and it works; the expired one is gone
    assert renewed != first
    assert desk(renewed, ip).get(READ).status_code == 200
    assert provision.staff_token(personas.duty.username, state_dir=tmp_path) == renewed
    assert StaffToken.objects.filter(user=personas.duty).count() == 1


# --- the API's description -----------------------------------------------------------------------


def test_the_schema_says_how_long_a_staff_token_lasts(token, ip):
    # when
    schema = desk(token, ip).get("/api/schema/", {"format": "json"}).json()

    # then
    scheme = schema["components"]["securitySchemes"]["tokenAuth"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Authorization")
    assert "30 days from its issue" in scheme["description"]
    assert "`401` with `error: token_expired`" in scheme["description"]
