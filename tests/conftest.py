"""Named personas shared by the whole suite, and the rules for tests that need real services.

Two districts of Abai oblast — Ayagoz (A) and Abai district (B) — each with a chief, a
patrol car of two officers and a district inspector; a duty officer of the Semey ЦОУ who
serves the whole oblast; officers' devices are enrolled on demand.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.utils import translation
from hypothesis import settings as hypothesis_settings

from backend.common import clock
from backend.geo.models import District, Okrug, Settlement, Zone
from backend.people.models import Officer, Role, Unit, UnitType

from . import factories
from .e2e import browser

# Hypothesis fails an example slower than 200 ms by default: a timed assertion, which the
# suite does not make (speed is measured in bench/). On two workers beside servers and
# browsers, rule checks that take 20 ms alone were failed as "DeadlineExceeded".
hypothesis_settings.register_profile("kuzet", deadline=None)
hypothesis_settings.load_profile("kuzet")

REQUIRE_SERVICES = os.environ.get("KUZET_REQUIRE_SERVICES", "") in {"1", "true", "yes"}


def pytest_sessionstart(session: pytest.Session) -> None:
    """With KUZET_REQUIRE_SERVICES (CI), refuse to run unless PostgreSQL and Redis answer;
    with KUZET_REQUIRE_BROWSER, unless the browser suites can run."""
    if browser.REQUIRE_BROWSER:
        reason = browser.browser_missing() or browser.field_build_missing()
        if reason:
            raise pytest.UsageError(f"KUZET_REQUIRE_BROWSER: browser suites cannot run: {reason}")
    if not REQUIRE_SERVICES:
        return
    import psycopg
    import redis

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        raise pytest.UsageError("KUZET_REQUIRE_SERVICES: DATABASE_URL must point at PostgreSQL")
    if not os.environ.get("REDIS_URL"):
        raise pytest.UsageError("KUZET_REQUIRE_SERVICES: REDIS_URL must be set")
    try:
        psycopg.connect(url, connect_timeout=5).close()
        redis.Redis.from_url(os.environ["REDIS_URL"], socket_timeout=5).ping()
    except Exception as exc:
        raise pytest.UsageError(f"KUZET_REQUIRE_SERVICES: service unreachable: {exc}") from exc


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip tests whose services are not configured (the embedded default of `make test`)."""
    on_postgres = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
    has_redis = bool(os.environ.get("REDIS_URL"))
    no_browser = browser.browser_missing() or browser.field_build_missing()
    for item in items:
        if item.get_closest_marker("browser") and no_browser:
            # (With KUZET_REQUIRE_BROWSER the session refused to start already.)
            item.add_marker(pytest.mark.skip(reason=f"browser suite skipped: {no_browser}"))
            continue
        missing = []
        if item.get_closest_marker("postgres") and not on_postgres:
            missing.append("PostgreSQL (DATABASE_URL)")
        if item.get_closest_marker("redis") and not has_redis:
            missing.append("Redis (REDIS_URL)")
        if missing:
            item.add_marker(pytest.mark.skip(reason="needs " + " and ".join(missing)))


@pytest.fixture(autouse=True)
def _server_clock_restored() -> Iterator[None]:
    """Every test leaves the server clock as it found it: real time.

    A clock left frozen in the past makes later tests that talk to server processes (which
    run on real time) see expired codes and deadlines long gone.
    """
    yield
    if clock.is_moved():
        clock.reset()
        pytest.fail("the test left the server clock frozen or offset", pytrace=False)


@pytest.fixture(autouse=True)
def _celery_may_wait_on_results() -> Iterator[None]:
    """Every test starts with Celery's "inside a task" flag down, as a fresh process has it.

    An eager task sets that process-wide flag while it runs and puts back the value it found
    (``celery.result.denied_join_result``). Tasks run eagerly in several threads at once (the
    concurrent escalation sweeps) can put back one another's "inside": the flag stays up, and
    any later test's ``.delay().get()`` raises "Never call result.get() within a task!" — in
    whichever test ran next in that process, so it showed only when pytest-xdist changed the
    order."""
    from celery import _state

    _state._set_task_join_will_block(False)
    yield
    _state._set_task_join_will_block(False)


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Every test starts in the site's default language: a test that activates Kazakh or
    Russian itself (``translation.activate``, a command's ``in_terminal_language``) would
    leave it active in the thread, and a later test reading English labels would read another
    language. (A request no longer does: the language middleware scopes its language to the
    request, ``backend/people/i18n.py``.)"""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _terminal_in_english(monkeypatch: pytest.MonkeyPatch) -> None:
    """The operator commands speak the terminal's language (``backend.common.terminal``):
    every test starts with none chosen, so a developer's ``LANG=ru_RU.UTF-8`` does not turn
    the commands' English lines Russian; a test sets the variables it means. (LANG stays a
    UTF-8 locale for the subprocesses some tests start.)"""
    for name in ("KUZET_LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")


@pytest.fixture
def on_postgres() -> bool:
    return connection.vendor == "postgresql"


@dataclass
class DistrictPersonas:
    district: District
    okrug: Okrug
    town: Settlement
    village: Settlement
    chief: Officer
    patrol: Unit
    patrol_officers: list[Officer]
    inspector_unit: Unit
    inspector: Officer


@dataclass
class Personas:
    a: DistrictPersonas
    b: DistrictPersonas
    duty: Officer
    oblast_admin: Officer

    def device(self, officer: Officer, install_id: str | None = None) -> tuple[str, str]:
        return factories.device_for(officer, install_id)


def _district_personas(
    prefix: str,
    *,
    kato: str,
    name: str,
    seat: tuple[str, float, float],
    village: tuple[str, float, float],
    okrug_kato: str,
) -> DistrictPersonas:
    district = factories.district(kato=kato, name=name, seat_name=seat[0])
    okrug = factories.okrug(district=district, kato=okrug_kato, name=f"{seat[0]} г.а.")
    town = factories.settlement(
        okrug=okrug,
        kato=okrug_kato[:6] + "100",
        name=seat[0],
        lat=seat[1],
        lon=seat[2],
        zone=Zone.URBAN,
        road_km_to_seat=0,
    )
    far = factories.settlement(
        okrug=okrug,
        kato=okrug_kato[:6] + "200",
        name=village[0],
        lat=village[1],
        lon=village[2],
        zone=Zone.REMOTE,
        road_km_to_seat=140,
        coverage="2g_sms",
    )
    district.seat = town
    district.save(update_fields=["seat"])
    chief = factories.officer(
        username=f"chief_{prefix}",
        role=Role.CHIEF,
        district=district,
        first_name="Chief",
        last_name=prefix.upper(),
    )
    patrol = factories.unit(
        callsign=f"{prefix.upper()}-PC1",
        district=district,
        type=UnitType.PATROL_CAR,
        lat=seat[1] + 0.01,
        lon=seat[2] + 0.01,
    )
    officers = [
        factories.officer(
            username=f"officer_{prefix}{i}",
            district=district,
            unit=patrol,
            phone=f"+7701000{(prefix == 'a' and 1) or 2}0{i}",
        )
        for i in (1, 2)
    ]
    inspector_unit = factories.unit(
        callsign=f"{prefix.upper()}-UI1",
        district=district,
        type=UnitType.DISTRICT_INSPECTOR,
        okrug=okrug,
        lat=village[1],
        lon=village[2],
    )
    inspector = factories.officer(
        username=f"inspector_{prefix}",
        district=district,
        unit=inspector_unit,
        phone=f"+7701000{(prefix == 'a' and 1) or 2}09",
    )
    return DistrictPersonas(
        district, okrug, town, far, chief, patrol, officers, inspector_unit, inspector
    )


@pytest.fixture
def personas(db: Any) -> Personas:
    return build_personas()


def build_personas() -> Personas:
    a = _district_personas(
        "a",
        kato="103600000",
        name="Аягозский район",
        seat=("Аягоз", 47.96447, 80.43437),
        village=("Актогай", 46.95, 79.66667),
        okrug_kato="103620000",
    )
    b = _district_personas(
        "b",
        kato="103200000",
        name="Абайский район",
        seat=("Карааул", 48.94509, 79.25502),
        village=("Архат", 48.70, 79.60),
        okrug_kato="103230000",
    )
    duty = factories.officer(
        username="duty_semey", role=Role.DUTY_OFFICER, oblast=a.district.oblast
    )
    admin = factories.officer(
        username="oblast_admin", role=Role.OBLAST_ADMIN, oblast=a.district.oblast
    )
    return Personas(a=a, b=b, duty=duty, oblast_admin=admin)
