"""The simulator's phones across a restart: the same devices, and no contact a real phone in
a white spot could not make."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from backend.devices.models import Device
from backend.devices.services import device_revoke
from backend.people.models import Unit
from backend.simulator import provision
from tests.backend.sync_gateway.transport import DjangoTransport


def _enrolled_before(open_phone, officer, state_dir, transport) -> str:
    """The officer's phone as an earlier run (history or live) left it; its token."""
    first = open_phone(officer, state_dir, transport)
    token = first.token
    first.close()
    assert token is not None
    return token


@pytest.mark.django_db
def test_a_restarted_simulator_reopens_a_phone_without_a_sync(officer, open_phone, tmp_path):
    # given: the officer's phone, enrolled by an earlier run (history or live)
    transport = DjangoTransport()
    token = _enrolled_before(open_phone, officer, tmp_path, transport)
    # ... and its crew has since gone silent in a white spot
    Unit.objects.filter(pk=officer.unit_id).update(last_contact_at=None, last_contact_via="")
    heard = len(transport.log)

    # when: the simulator starts again and reopens the phone
    again = open_phone(officer, tmp_path, transport)

    # then: the same device, and not a request on its behalf: the unit is not heard from
    # and its assignments wait for a signal (a pull here stamped every unit's last contact)
    assert again.token == token
    assert transport.log[heard:] == []
    assert Unit.objects.get(pk=officer.unit_id).last_contact_at is None
    assert Device.objects.filter(officer=officer, revoked_at=None).count() == 1


@pytest.mark.django_db
def test_a_phone_the_server_revoked_is_enrolled_again_on_restart(officer, open_phone, tmp_path):
    transport = DjangoTransport()
    token = _enrolled_before(open_phone, officer, tmp_path, transport)
    device_revoke(device=Device.objects.get(officer=officer), by=None, reason="lost")

    again = open_phone(officer, tmp_path, transport)

    assert again.token not in (None, token)
    assert not again.revoked
    assert again.records("settlements")  # enrolled, then pulled its district
    assert Device.objects.filter(officer=officer, revoked_at=None).count() == 1


@pytest.mark.django_db
def test_the_simulated_desk_is_not_the_duty_officer_a_person_is_told_to_log_in_as():
    # given: the demo's staff (the README sends a person to duty_semey1)
    call_command("seed", "--demo", stdout=io.StringIO())

    # when
    staff = provision.officers()

    # then: the simulator dispatches and closes as another duty officer
    assert staff.duty_username == "duty_semey3"


def _journal(client) -> tuple[str, int]:
    db = client._db
    return db.execute("PRAGMA journal_mode").fetchone()[0], db.execute(
        "PRAGMA synchronous"
    ).fetchone()[0]


@pytest.mark.django_db
def test_a_simulated_phone_appends_its_commits_without_a_flush_each_also_when_enrolled_again(
    officer, open_phone, tmp_path
):
    # a flush a commit was a fifth of the history build: write-ahead log, synchronous=NORMAL
    transport = DjangoTransport()
    first = open_phone(officer, tmp_path, transport)
    assert _journal(first) == ("wal", 1)
    device_revoke(device=Device.objects.get(officer=officer), by=None, reason="lost")
    first.close()

    # a new store in place of the revoked one is opened the same way, not with the defaults
    again = open_phone(officer, tmp_path, transport)

    assert not again.revoked
    assert _journal(again) == ("wal", 1)
