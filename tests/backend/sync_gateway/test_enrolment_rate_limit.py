"""Wrong enrolment codes are counted per install and per address (``backend.common.attempts``),
keyed by the install the enrolment names — checked first: a body of the wrong shape is
refused ``400 malformed`` before it touches a counter, and an install id padded with spaces
is the install it enrols, not a counter of its own.

The install id's type was checked after the counters were read with ``str(install_id)``: an
``install_id`` of 123 read the counter of the install "123" (and was answered that install's
429 instead of its own 400), an object that of its Python repr; " X" and "X " were counted
apart from "X", so each padding gave a guesser another ten tries a cool-off at one phone.

Each test comes from its own addresses and installs (counters in the cache: Redis with
``source ENVFILE``).
"""

from __future__ import annotations

import itertools
import json
import uuid
from typing import Any

import pytest
from django.test import Client

from backend.common import attempts
from backend.devices.models import Device
from backend.devices.services import enrolment_code_issue

LIMIT = 3
SHARED_LIMIT = 7
WRONG = "AAAA-BBBB-CCCC"
_addresses = itertools.count(1)


@pytest.fixture(autouse=True)
def small_limits(settings):
    settings.KUZET_AUTH_FAILURE_LIMIT = LIMIT
    settings.KUZET_AUTH_SHARED_FAILURE_LIMIT = SHARED_LIMIT
    settings.KUZET_AUTH_COOLOFF_MINUTES = 15


def address() -> str:
    n = next(_addresses)
    return f"10.77.{(n >> 8) & 255}.{n & 255}"


def enroll(code: Any, device: Any, ip: str):
    return Client().post(
        "/api/sync/v1/enroll",
        json.dumps({"code": code, "device": device}),
        content_type="application/json",
        REMOTE_ADDR=ip,
    )


def counters(monkeypatch) -> list[tuple[str, str]]:
    """Every read or count of a wrong-code counter from now on, as (kind, key)."""
    touched: list[tuple[str, str]] = []
    real = attempts._usage

    def spy(request, guard, kind, value, *, increment):
        touched.append((kind, value))
        return real(request, guard, kind, value, increment=increment)

    monkeypatch.setattr(attempts, "_usage", spy)
    return touched


def failures(kind: str, key: str) -> int:
    usage = attempts._usage(None, attempts.ENROLMENT_CODE, kind, key, increment=False)
    assert usage is not None
    return int(usage["count"])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "named"),
    [pytest.param(int, "a number", id="number"), pytest.param(dict, "an object", id="object")],
)
def test_an_install_id_of_the_wrong_type_is_refused_before_any_counter_is_read(
    personas, monkeypatch, kind, named
):
    # (a number or an object no other test or run sends: the counters outlive a test)
    fresh = uuid.uuid4()
    sent: Any = fresh.int % 10**15 if kind is int else {"id": str(fresh)}
    read_as = str(sent)
    # given: the install its text names is cooling off after wrong codes
    for _ in range(LIMIT):
        assert enroll(WRONG, {"install_id": read_as}, address()).status_code == 401
    assert enroll(WRONG, {"install_id": read_as}, address()).status_code == 429
    before = failures("install_id", read_as)
    touched = counters(monkeypatch)

    # when: an enrolment whose install_id is not a string, from an address of its own
    ip = address()
    response = enroll(WRONG, {"install_id": sent}, ip)

    # then: its own refusal, and no counter was read or counted
    assert response.status_code == 400
    assert response.json()["error"] == "malformed"
    assert response.json()["detail"] == (
        f"device.install_id must be a string (1–128 characters), not {named}."
    )
    assert touched == []
    assert failures("install_id", read_as) == before
    assert failures("ip", ip) == 0


@pytest.mark.django_db
def test_a_well_formed_enrolment_after_many_malformed_ones_is_not_refused_for_rate(personas):
    # given: one address sends more malformed enrolments than any limit, each with a wrong
    # code and an install of its own
    ip = address()
    install = f"install-{uuid.uuid4()}"
    malformed = [
        {"install_id": 123},
        {"install_id": {"id": install}},
        {"install_id": [install]},
        {"install_id": True},
        {"install_id": None},
        {},
        {"install_id": "   "},
        {"install_id": "x" * 129},
        {"install_id": install, "platform": 7},
        {"install_id": install, "model": {"name": "A52"}},
    ]
    for device in malformed * 2:
        assert enroll(WRONG, device, ip).status_code == 400
    assert len(malformed) * 2 > SHARED_LIMIT
    assert failures("ip", ip) == 0
    assert failures("install_id", install) == 0

    # when: the right code, from that address and install
    officer = personas.a.patrol_officers[0]
    response = enroll(enrolment_code_issue(officer=officer), {"install_id": install}, ip)

    # then: enrolled
    assert response.status_code == 201
    assert Device.objects.filter(install_id=install, officer=officer).count() == 1


@pytest.mark.django_db
def test_an_install_id_padded_with_spaces_is_counted_as_the_install_it_enrols(personas):
    # given: wrong codes for one install, its id padded differently each time, each from an
    # address of its own
    install = f"install-{uuid.uuid4()}"
    for padded in [f" {install}", f"{install} ", f"\t{install}\n"][:LIMIT]:
        assert enroll(WRONG, {"install_id": padded}, address()).status_code == 401

    # when: the right code for that install
    officer = personas.a.patrol_officers[0]
    response = enroll(enrolment_code_issue(officer=officer), {"install_id": install}, address())

    # then: the install is cooling off, as after any LIMIT wrong codes
    assert response.status_code == 429
    assert response.json()["detail"] == (
        "Too many failed attempts at an enrolment code from this device; try again later."
    )
    assert not Device.objects.filter(install_id=install).exists()
