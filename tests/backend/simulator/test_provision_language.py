"""A simulated phone enrolled again says why in the operator's language: the line came among
make run's Russian (or Kazakh) lines in English ("officer_x: the server forgot this phone;
enrolling again"), and said "forgot" of a phone revoked in the console as well."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest
from django.utils import translation

from backend.devices.models import Device
from backend.devices.services import device_authenticate, device_revoke
from backend.simulator import provision
from tests.backend.sync_gateway.transport import DjangoTransport

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(monkeypatch):
    """The provisioning's gettext, marking what it translated and in which language (the
    catalogs' Russian is the lead's to add; this says the line is asked of them, when said)."""
    monkeypatch.setattr(
        provision,
        "translation",
        SimpleNamespace(gettext=lambda m: f"[{translation.get_language()}] {m}"),
    )


def _said(caplog) -> list[tuple[int, str]]:
    return [(r.levelno, r.getMessage()) for r in caplog.records if r.name == provision.__name__]


@pytest.mark.parametrize(
    ("lose", "expected"),
    [
        (
            lambda device: device_revoke(device=device, by=None, reason="lost"),
            "[ru] %(officer)s's phone was revoked on the server: enrolling a new one",
        ),
        (
            # the database made anew under the phones kept in var/simulator
            lambda device: Device.objects.filter(pk=device.pk).update(token_hash="0" * 64),
            "[ru] %(officer)s's phone is unknown to the server (a new database?): "
            "enrolling it again",
        ),
    ],
    ids=["revoked", "unknown"],
)
def test_a_phone_enrolled_again_says_why_in_the_operators_language(
    officer, open_phone, tmp_path, caplog, catalog, lose, expected
):
    # given: the officer's phone from an earlier run, which the server no longer accepts
    transport = DjangoTransport()
    open_phone(officer, tmp_path, transport).close()
    lose(Device.objects.get(officer=officer))

    # when: the simulator starts again in a Russian terminal
    with caplog.at_level(logging.INFO, logger=provision.__name__), translation.override("ru"):
        again = open_phone(officer, tmp_path, transport)

    # then: one line, the operator's, naming the officer; and the phone is enrolled
    assert _said(caplog) == [(logging.INFO, expected % {"officer": officer.username})]
    assert device_authenticate(again.token).officer == officer


def test_the_lines_read_in_english_with_the_officer_named():
    assert provision.reenrol_text("officer_x", revoked=True) == (
        "officer_x's phone was revoked on the server: enrolling a new one"
    )
    assert provision.reenrol_text("officer_x", revoked=False) == (
        "officer_x's phone is unknown to the server (a new database?): enrolling it again"
    )
