"""Nobody guesses their way in: every authentication path locks out, and cools off again.

Each test comes from its own address (``REMOTE_ADDR``) and device installs, so counters of
one test never meet another's; the limits are set small here (the suite's are large).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import logging
import types
import uuid

import django_ratelimit.core
import pytest
from axes.models import AccessAttempt
from django.db.models import F
from django.test import Client
from rest_framework.test import APIClient

from backend.devices.models import Device
from backend.devices.services import enrolment_code_issue
from backend.dispatch import sms
from backend.dispatch.authentication import staff_token_issue
from backend.dispatch.services import intake_key_issue
from backend.ledger.models import AuditEntry
from backend.people.models import Officer

_addresses = itertools.count(1)
LIMIT = 3
SHARED_LIMIT = 7  # an address many phones share (a carrier's NAT)


@pytest.fixture
def ip() -> str:
    """A fresh client address for this test."""
    n = next(_addresses)
    return f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"


@pytest.fixture(autouse=True)
def small_limits(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.KUZET_AUTH_FAILURE_LIMIT = LIMIT
    settings.KUZET_AUTH_SHARED_FAILURE_LIMIT = SHARED_LIMIT
    settings.KUZET_AUTH_COOLOFF_MINUTES = 15


def later(monkeypatch, minutes: int) -> None:
    """Move django-ratelimit's clock (its windows are wall-clock based) ``minutes`` ahead."""
    real = django_ratelimit.core.time.time
    fake = types.SimpleNamespace(time=lambda: real() + minutes * 60)
    monkeypatch.setattr(django_ratelimit.core, "time", fake)


# --- the admin login (django-axes) ------------------------------------------------------------


def login(client: Client, username: str, password: str, ip: str):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password},
        REMOTE_ADDR=ip,
    )


@pytest.fixture
def chief(personas) -> Officer:
    chief = personas.a.chief
    chief.set_password("the-right-password-102")
    chief.is_staff = True
    chief.save()
    return chief


def actions() -> list[tuple[str, str]]:
    return list(AuditEntry.objects.order_by("id").values_list("action", "actor_label"))


def test_admin_login_locks_a_username_out_from_an_address_after_the_limit(chief, ip):
    # given
    client = Client()
    statuses = [login(client, chief.username, "wrong", ip).status_code for _ in range(LIMIT)]

    # when: the right password, from the same address
    response = login(client, chief.username, "the-right-password-102", ip)

    # then: the failure that reaches the limit already answers with the lockout
    assert statuses == [200] * (LIMIT - 1) + [429]
    assert response.status_code == 429
    assert "Too many wrong passwords" in response.content.decode()
    assert "15 minutes" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # (axes reports the lockout while it handles a failure at or past the limit)
    failed, locked = ("auth.login_failed", chief.username), ("auth.locked_out", chief.username)
    assert actions() == [failed] * (LIMIT - 1) + [locked, failed, locked, failed]
    assert AuditEntry.objects.order_by("id").last().data_dict["locked_out"] is True  # type: ignore[union-attr]
    entry = AuditEntry.objects.filter(action="auth.login_failed").first()
    assert entry is not None
    assert entry.data_dict == {
        "ip": ip,
        "path": "/admin/login/",
        "username_known": True,
        "locked_out": False,
    }
    assert entry.district_id == chief.district_id


def test_the_lockout_cools_off(chief, ip):
    # given
    client = Client()
    for _ in range(LIMIT):
        login(client, chief.username, "wrong", ip)
    assert login(client, chief.username, "the-right-password-102", ip).status_code == 429

    # when: the attempts are older than the cool-off
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - dt.timedelta(minutes=16))
    response = login(client, chief.username, "the-right-password-102", ip)

    # then
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(chief.pk)
    assert actions()[-1] == ("auth.login_succeeded", chief.username)
    assert AuditEntry.objects.filter(action="auth.login_succeeded").get().actor_id == chief.pk


def test_the_journal_keeps_axes_warnings_but_not_its_line_for_every_login(chief, ip, caplog):
    # given: Kuzet's own audit log already records every login (above)
    client = Client()

    # when: a right password, then guesses until the lockout
    login(client, chief.username, "the-right-password-102", ip)
    for _ in range(LIMIT):
        login(Client(), chief.username, "wrong", ip)

    # then: no "Successful login" / "Deleted 0 failed login attempts" at INFO for each sign-in,
    # while the lockout still reaches the operators' journal
    axes = [r for r in caplog.records if r.name.startswith("axes")]
    assert [r for r in axes if r.levelno < logging.WARNING] == []
    assert any("Locking out" in r.getMessage() for r in axes if r.levelno >= logging.WARNING)


def test_a_lockout_from_one_address_does_not_lock_the_person_out_elsewhere(chief, ip):
    # given: somebody guesses from one address
    for _ in range(LIMIT + 2):
        login(Client(), chief.username, "wrong", ip)

    # when: the chief signs in from the duty room
    client = Client()
    response = login(client, chief.username, "the-right-password-102", "192.0.2.10")

    # then
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(chief.pk)


def test_a_failed_login_with_an_unknown_username_does_not_record_what_was_typed(db, ip):
    # when: a password typed into the username field
    response = login(Client(), "Secret-Passw0rd!", "x", ip)

    # then
    assert response.status_code == 200
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor_label, entry.object_id) == ("auth.login_failed", "", "")
    assert "Secret-Passw0rd!" not in entry.data
    assert entry.data_dict["username_known"] is False


ADDRESS_LIMIT = 2 * (LIMIT - 1) + 1  # more than one username's allowance, fewer than three


@pytest.mark.parametrize("last", ["wrong", "the-right-password-102"])
def test_wrong_passwords_on_many_usernames_from_one_address_lock_the_address_out(
    chief, personas, ip, settings, last
):
    # given: a password spray — fewer wrong passwords per username than axes' limit, on
    # several officers' names, from one address
    settings.KUZET_LOGIN_ADDRESS_FAILURE_LIMIT = ADDRESS_LIMIT
    names = [personas.b.chief.username, "no-such-officer", personas.duty.username]
    statuses = [
        login(Client(), name, f"guess-{n}", ip).status_code
        for name in names
        for n in range(LIMIT - 1)
    ]

    # when: the chief's name, which no guess named yet, from the same address
    client = Client()
    response = login(client, chief.username, last, ip)

    # then: the address is refused past its limit, whatever the username or password
    assert statuses == [200] * ADDRESS_LIMIT + [429] * (len(statuses) - ADDRESS_LIMIT)
    assert response.status_code == 429
    assert "Too many wrong passwords from this address" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert not AccessAttempt.objects.filter(username=chief.username).exists()
    entry = AuditEntry.objects.order_by("id").last()
    assert entry is not None
    assert (entry.action, entry.actor_label) == ("auth.login_failed", chief.username)
    assert entry.data_dict["address_locked_out"] is True

    # when: the same chief from another address
    other = Client()
    assert login(other, chief.username, "the-right-password-102", "192.0.2.11").status_code == 302

    # then
    assert other.session["_auth_user_id"] == str(chief.pk)


def test_the_address_lockout_cools_off(chief, ip, settings, monkeypatch):
    # given
    settings.KUZET_LOGIN_ADDRESS_FAILURE_LIMIT = 2
    login(Client(), "no-such-officer", "x", ip)
    login(Client(), "another-stranger", "x", ip)
    assert login(Client(), chief.username, "the-right-password-102", ip).status_code == 429

    # when
    later(monkeypatch, 16)
    client = Client()
    response = login(client, chief.username, "the-right-password-102", ip)

    # then
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(chief.pk)


# --- staff API tokens, intake keys --------------------------------------------------------------


def test_staff_tokens_lock_an_address_out_after_failed_tries(personas, ip, monkeypatch):
    # given
    _, key = staff_token_issue(user=personas.duty)
    client = APIClient(REMOTE_ADDR=ip)
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    for _ in range(LIMIT):
        assert client.get("/api/v1/incidents/1/").status_code == 401

    # when: the right token, same address
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    refused = client.get("/api/v1/incidents/999999/")

    # then
    assert refused.status_code == 429
    assert refused.json() == {
        "error": "rate_limited",
        "detail": "Too many failed attempts at an API token from this address; try again later.",
    }
    assert 0 < int(refused["Retry-After"]) <= 15 * 60
    other = APIClient(REMOTE_ADDR="192.0.2.20")
    other.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert other.get("/api/v1/incidents/999999/").status_code == 404

    # when: the cool-off is over
    later(monkeypatch, 16)

    # then
    assert client.get("/api/v1/incidents/999999/").status_code == 404


def test_intake_keys_lock_an_address_out_after_failed_tries(db, ip):
    # given
    _key, raw = intake_key_issue(channel="egov", name="egov-test")
    client = APIClient(REMOTE_ADDR=ip)
    client.credentials(HTTP_AUTHORIZATION="Api-Key wrong-key")
    for _ in range(LIMIT):
        assert client.post("/api/v1/intake/egov/", {}, format="json").status_code == 401

    # when
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    response = client.post("/api/v1/intake/egov/", {}, format="json")

    # then
    assert response.status_code == 429
    assert response.json()["error"] == "rate_limited"


# --- enrolment codes ------------------------------------------------------------------------------


def enroll(client: Client, code: str, install_id: str, ip: str):
    body = {"code": code, "device": {"install_id": install_id, "platform": "android"}}
    return client.post(
        "/api/sync/v1/enroll", json.dumps(body), content_type="application/json", REMOTE_ADDR=ip
    )


def test_wrong_enrolment_codes_lock_the_device_install_out_and_cool_off(personas, monkeypatch):
    # given: one install guesses, from ever new addresses
    officer = personas.a.patrol_officers[0]
    code = enrolment_code_issue(officer=officer)
    install = f"install-{uuid.uuid4()}"
    client = Client()
    for n in range(LIMIT):
        assert enroll(client, "AAAA-BBBB-CCCC", install, f"198.51.100.{n + 1}").status_code == 401

    # when: the right code from that install
    refused = enroll(client, code, install, "198.51.100.99")

    # then
    assert refused.status_code == 429
    assert refused.json()["error"] == "rate_limited"
    assert refused.json()["detail"] == (
        "Too many failed attempts at an enrolment code from this device; try again later."
    )
    assert int(refused["Retry-After"]) > 0
    assert not Device.objects.filter(install_id=install).exists()

    # when: after the cool-off
    later(monkeypatch, 16)
    response = enroll(client, code, install, "198.51.100.99")

    # then
    assert response.status_code == 201
    assert Device.objects.filter(install_id=install, officer=officer).count() == 1


def test_an_officer_mistyping_his_code_does_not_lock_out_the_phones_behind_the_same_carrier_nat(
    personas, ip
):
    # given: behind the carrier's one address, an officer's phone is refused its code, mistyped
    # LIMIT times (its own install is now locked out)
    mistyping = f"install-{uuid.uuid4()}"
    client = Client()
    for _ in range(LIMIT):
        assert enroll(client, "AAAA-BBBB-CCCC", mistyping, ip).status_code == 401
    assert enroll(client, "AAAA-BBBB-CCCC", mistyping, ip).status_code == 429

    # when: another officer of the region enrols his phone from the same address
    officer = personas.a.patrol_officers[1]
    response = enroll(client, enrolment_code_issue(officer=officer), f"i-{uuid.uuid4()}", ip)

    # then: enrolled (it was refused 429 until the cool-off ended)
    assert response.status_code == 201
    assert Device.objects.filter(officer=officer).count() == 1


def test_wrong_enrolment_codes_lock_an_address_out(personas, ip):
    # given: one address guesses with ever new installs, up to the limit of a shared address
    code = enrolment_code_issue(officer=personas.a.patrol_officers[0])
    client = Client()
    for _ in range(SHARED_LIMIT):
        assert enroll(client, "AAAA-BBBB-CCCC", f"i-{uuid.uuid4()}", ip).status_code == 401

    # when
    refused = enroll(client, code, f"i-{uuid.uuid4()}", ip)

    # then
    assert refused.status_code == 429
    assert Device.objects.count() == 0


# --- SMS gateway signatures ---------------------------------------------------------------------


def test_forged_sms_signatures_lock_an_address_out(db, ip, settings):
    # given
    body = json.dumps({"id": f"gw-{uuid.uuid4()}", "from": "+77010001001", "text": "ACK 1"})
    client = Client()

    def post(signature: str):
        return client.post(
            "/api/v1/sms/inbound/",
            body,
            content_type="application/json",
            REMOTE_ADDR=ip,
            HTTP_X_KUZET_SIGNATURE=signature,
        )

    for _ in range(LIMIT):
        assert post("t=1,v1=00").status_code == 401

    # when: a correctly signed message from that address
    response = post(sms.sign(body.encode(), secret=settings.KUZET_SMS_INBOUND_SECRET))

    # then
    assert response.status_code == 429
    assert response.json()["error"] == "rate_limited"


# --- request throttles ----------------------------------------------------------------------------


@pytest.fixture
def client_for():
    def make(user: Officer) -> APIClient:
        client = APIClient()
        _, key = staff_token_issue(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    return make


@pytest.fixture
def fresh_throttle(monkeypatch):
    """Counters of this test only (user ids repeat across rolled-back tests)."""
    from backend.dispatch.throttling import PrincipalRateThrottle

    monkeypatch.setattr(
        PrincipalRateThrottle, "cache_format", f"throttle-{uuid.uuid4()}-%(scope)s-%(ident)s"
    )


def test_the_staff_api_answers_429_over_its_rate(client_for, personas, settings, fresh_throttle):
    # given
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"staff": "3/min", "intake": "3/min", "anon": "3/min"},
    }
    client = client_for(personas.duty)
    statuses = [client.get("/api/v1/incidents/999999/").status_code for _ in range(3)]

    # when
    response = client.get("/api/v1/incidents/999999/")

    # then
    assert statuses == [404, 404, 404]
    assert response.status_code == 429
    assert response.json()["error"] == "rate_limited"
    assert response.json()["detail"].startswith("Request was throttled.")
    assert 0 < int(response["Retry-After"]) <= 60
    # another user has a rate of their own
    assert client_for(personas.a.chief).get("/api/v1/incidents/999999/").status_code == 404


def test_intake_answers_429_over_its_rate(db, settings, fresh_throttle):
    # given
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"staff": "100/min", "intake": "2/min", "anon": "100/min"},
    }
    _key, raw = intake_key_issue(channel="egov", name="egov-rate")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    first = [client.post("/api/v1/intake/egov/", {}, format="json").status_code for _ in range(2)]

    # when
    response = client.post("/api/v1/intake/egov/", {}, format="json")

    # then
    assert first == [400, 400]
    assert response.status_code == 429
    assert response.json()["error"] == "rate_limited"
    assert "Retry-After" in response
