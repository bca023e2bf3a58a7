"""Staff API tokens are stored as digests (django-rest-knox): DRF's ``authtoken`` kept each key
as it is, so whoever read a backup or the table could act as any duty officer or chief through
the staff API. The key is in no column now; a DRF-era token is converted by migration and its
holder keeps working with the same key; a deactivated officer's token is refused, a new
password or a deactivation ends them, and one deleted in the console is revoked at once."""

from __future__ import annotations

import datetime as dt
import importlib
import re

import pytest
from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from backend.common import clock
from backend.dispatch.authentication import staff_token_issue, token_expires_at
from backend.dispatch.models import StaffToken
from backend.people.models import Officer, Role

READ = "/api/v1/conflicts/"
migration = importlib.import_module("backend.dispatch.migrations.0027_staff_tokens_hashed")


def desk(key: str, ip: str = "10.78.0.1") -> APIClient:
    client = APIClient(REMOTE_ADDR=ip)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def columns_holding(key: str) -> list[str]:
    """Every column of every token row, read as the database has it, that holds the key."""
    table = connection.ops.quote_name(StaffToken._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")  # noqa: S608
        names = [c[0] for c in cursor.description]
        rows = cursor.fetchall()
    return [
        name for row in rows for name, value in zip(names, row, strict=True) if key in str(value)
    ]


@pytest.fixture
def root(personas) -> Officer:
    officer = Officer.objects.create_superuser(
        username="root_hashed",
        password="pw-root-hashed-1",
        role=Role.OBLAST_ADMIN,
        oblast=personas.a.district.oblast,
    )
    officer.language = "en"
    officer.save(update_fields=["language"])
    return officer


def test_the_key_is_in_no_column_of_the_token_table(personas):
    # when
    token, key = staff_token_issue(user=personas.duty)
    staff_token_issue(user=personas.a.chief)

    # then: the digest and the key's first 15 characters (knox's lookup), never the key
    assert len(key) == 64
    assert columns_holding(key) == []
    assert columns_holding(key[:16]) == []
    assert token.token_key == key[:15]
    assert desk(key).get(READ).status_code == 200


def test_a_drf_era_token_still_works_after_the_migration_with_the_same_key(personas):
    # given: DRF's table, as the current head's database has it, with a key issued 10 days ago
    key = "0123456789abcdef0123456789abcdef01234567"
    issued = clock.now().replace(microsecond=0) - dt.timedelta(days=10)
    table = connection.ops.quote_name("authtoken_token")
    column = connection.ops.quote_name("key")
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {table} ({column} varchar(40) PRIMARY KEY, "
            f"created {connection.data_types['DateTimeField']} NOT NULL, user_id integer NOT NULL)"
        )
        cursor.execute(
            f"INSERT INTO {table} ({column}, created, user_id) VALUES (%s, %s, %s)",  # noqa: S608
            [key, connection.ops.adapt_datetimefield_value(issued), personas.duty.pk],
        )

    # when
    migration.drf_tokens_hashed(apps, connection.schema_editor())

    # then: the same key works, its lifetime runs from its issue, the plain table is gone
    assert desk(key).get(READ).status_code == 200
    token = StaffToken.objects.get()
    assert (token.user, token.created, token.token_key) == (personas.duty, issued, key[:15])
    assert token_expires_at(token) == issued + dt.timedelta(days=30)
    assert columns_holding(key) == []
    assert "authtoken_token" not in connection.introspection.table_names()
    with clock.frozen(issued + dt.timedelta(days=30, seconds=1)):
        assert desk(key, "10.78.0.2").get(READ).json()["error"] == "token_expired"


def test_the_migration_has_nothing_to_do_on_a_new_database(personas):
    # when: a database made after the change never had DRF's table
    migration.drf_tokens_hashed(apps, connection.schema_editor())

    # then
    assert StaffToken.objects.count() == 0


def test_a_deactivated_officers_token_is_refused(personas):
    # given
    _, key = staff_token_issue(user=personas.duty)
    assert desk(key).get(READ).status_code == 200

    # when
    personas.duty.is_active = False
    personas.duty.save(update_fields=["is_active"])
    response = desk(key).get(READ)

    # then
    assert response.status_code == 401
    assert response.json() == {"error": "unauthenticated", "detail": "User inactive or deleted."}


@pytest.mark.parametrize("change", ["password", "password taken away", "deactivation"])
def test_a_new_password_or_a_deactivation_ends_the_officers_tokens(
    personas, change, django_capture_on_commit_callbacks
):
    # given: two tokens of the duty officer and one of his chief
    _, key = staff_token_issue(user=personas.duty)
    staff_token_issue(user=personas.duty)
    _, chiefs = staff_token_issue(user=personas.a.chief)

    # when: his password is changed (it leaked) or he is deactivated, and it is committed
    with django_capture_on_commit_callbacks(execute=True):
        if change == "password":
            personas.duty.set_password("a-new-one-after-a-leak-7")
        elif change == "password taken away":
            # the administrator's "Console password: No": his sign-in ended, his scripts too
            personas.duty.set_unusable_password()
        else:
            personas.duty.is_active = False
        personas.duty.save()

    # then: his tokens are gone — a reactivation does not bring them back — and his
    # chief's still works
    assert not StaffToken.objects.filter(user=personas.duty).exists()
    personas.duty.is_active = True
    personas.duty.save(update_fields=["is_active"])
    assert desk(key).get(READ).status_code == 401
    assert desk(chiefs).get(READ).status_code == 200


def test_a_password_re_hashed_at_sign_in_keeps_the_tokens(
    personas, settings, django_capture_on_commit_callbacks
):
    # given: the duty officer's password hashed at a lower cost than the hasher's now (as
    # after a Django upgrade), and his token
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    duty = personas.duty
    duty.password = PBKDF2PasswordHasher().encode("duty-password-1", "salt1234", iterations=1000)
    duty.save(update_fields=["password"])
    _, key = staff_token_issue(user=duty)
    before = duty.password

    # when: he signs in, and Django upgrades the hash of the same password
    with django_capture_on_commit_callbacks(execute=True):
        assert duty.check_password("duty-password-1")

    # then: a new hash, the token still works
    duty.refresh_from_db()
    assert duty.password != before
    assert desk(key).get(READ).status_code == 200


def test_a_new_role_or_district_keeps_the_token_which_acts_with_the_new_scope(
    personas, django_capture_on_commit_callbacks
):
    # given
    _, key = staff_token_issue(user=personas.duty)

    # when: the duty officer moves to the other district
    with django_capture_on_commit_callbacks(execute=True):
        personas.duty.district = personas.b.district
        personas.duty.save()

    # then
    assert StaffToken.objects.filter(user=personas.duty).count() == 1
    assert desk(key).get(READ).status_code == 200


def test_a_header_of_stray_bytes_is_refused_not_a_server_error(personas):
    # when
    client = APIClient(REMOTE_ADDR="10.78.0.3", raise_request_exception=False)
    response = client.get(READ, HTTP_AUTHORIZATION="Token \xff\xfe")

    # then
    assert response.status_code == 401
    assert response.json() == {"error": "unauthenticated", "detail": "Invalid token."}


def test_the_console_adds_a_token_without_keeping_the_key_and_deleting_it_revokes_it(
    client, root, personas
):
    # given
    client.force_login(root)

    # when: added
    added = client.post(
        reverse("admin:dispatch_stafftoken_add"), {"user": personas.duty.pk}, follow=True
    ).content.decode()
    found = re.search(r"<code>([0-9a-f]{64})</code>", added)
    assert found is not None
    key = found[1]

    # then: the key is in no row of the token table nor of the console's journal
    token = StaffToken.objects.get(user=personas.duty)
    assert columns_holding(key) == []
    assert [(e.object_repr, e.action_flag) for e in LogEntry.objects.all()] == [(f"{key[:6]}…", 1)]
    assert desk(key).get(READ).status_code == 200

    # when: deleted
    client.post(reverse("admin:dispatch_stafftoken_delete", args=[token.pk]), {"post": "yes"})

    # then: revoked at once
    assert not StaffToken.objects.exists()
    response = desk(key).get(READ)
    assert (response.status_code, response.json()["error"]) == (401, "unauthenticated")


def test_the_schema_says_the_server_keeps_only_the_digest(personas):
    # given
    _, key = staff_token_issue(user=personas.duty)

    # when
    schema = desk(key).get("/api/schema/", {"format": "json"}).json()

    # then
    description = schema["components"]["securitySchemes"]["tokenAuth"]["description"]
    assert "issued in the admin (*Staff API tokens*), which shows the key once" in description
    assert "the server keeps only its digest" in description
