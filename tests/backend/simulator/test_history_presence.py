"""The history's phones keep contact as live ones do: a phone with data holds its WebSocket,
and the server stamps its unit's last contact (``presence.contact_record``, the consumer's
own), so a crew in coverage stays reachable through idle hours; a crew out of coverage goes
unreachable 15 minutes after it was last heard, and the presence sweep says so as beat's
would. Before, idle crews were heard from once a simulated day (their idle sync): most
units read "unreachable" through the history, the desk sent calls to units it was shown
unreachable, and the live server's first presence sweep announced every silent unit at once.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command

from backend.common import clock
from backend.dispatch.models import Assignment
from backend.geo.models import Settlement
from backend.ledger.actions import AuditAction
from backend.ledger.models import AuditEntry
from backend.people.models import UNREACHABLE, Unit
from backend.realtime.models import PresenceNotice
from backend.simulator import history, provision, world
from backend.simulator.ports import InProcessPort

END = dt.datetime(2026, 11, 20, 14, 0, tzinfo=dt.UTC)
STALE = dt.timedelta(minutes=settings.KUZET_UNREACHABLE_MINUTES)
BEAT = dt.timedelta(seconds=InProcessPort.PRESENCE_SWEEP_S)


class Seen:
    """What the desk was shown: each recommendation answer, with which crews had data."""

    def __init__(self) -> None:
        self.ports: list[InProcessPort] = []
        self.shown: list[tuple[dt.datetime, dict[str, Any], bool]] = []


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Seen:
    call_command("seed", "--demo", stdout=io.StringIO())
    out = Seen()

    class Port(InProcessPort):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            out.ports.append(self)

    recommendations = world.Api.recommendations

    def shown(api: world.Api, incident_id: int) -> Any:
        answer = recommendations(api, incident_id)
        crews = out.ports[0].world.crews  # type: ignore[union-attr]
        for unit in (answer or {}).get("units", []):
            crew = crews.get(str(unit["unit_id"]))
            if crew is not None:
                out.shown.append((clock.now(), unit, crew.data))
        return answer

    monkeypatch.setattr(history, "InProcessPort", Port)
    monkeypatch.setattr(world.Api, "recommendations", shown)
    # Six idle-ish hours: a few calls, most crews on patrol at home, none of them syncing
    # (their idle sync is a day apart).
    built = history.build(days=0.25, state_dir=tmp_path, seed=11, end=END)
    assert built.check.ok, built.check.lines()
    return out


def _idle_at_home(coverage: set[str]) -> list[Unit]:
    """Units never sent anywhere whose home settlement's coverage is one of ``coverage``."""
    homes = provision.homes()
    sent = set(Assignment.objects.values_list("unit_id", flat=True))
    out = []
    for unit in Unit.objects.exclude(pk__in=sent).select_related("district"):
        _, home = homes.get(unit.callsign, ("", ""))
        place = Settlement.objects.filter(name=home, district_id=unit.district_id).first()
        if place is not None and place.coverage in coverage:
            out.append(unit)
    return out


def _unreachable_audits(unit: Unit) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(
            action=AuditAction.UNIT_UNREACHABLE, object_type="unit", object_id=str(unit.pk)
        )
    )


@pytest.mark.django_db(transaction=True)
def test_a_crew_in_coverage_stays_reachable_through_idle_hours(seen: Seen) -> None:
    # then: every crew whose phones had data was shown reachable to the desk
    with_data = [(at, unit) for at, unit, data in seen.shown if data]
    assert with_data, "the desk asked for no recommendation with a crew in coverage"
    assert [(at, u["callsign"]) for at, u in with_data if u["presence"] == UNREACHABLE] == []
    # and a crew idle at home on mobile internet was never announced unreachable
    idle = _idle_at_home({"lte"})
    assert idle, "no crew stayed idle at a home with LTE"
    for unit in idle:
        assert _unreachable_audits(unit) == [], unit.callsign
        assert unit.presence(END) != UNREACHABLE, unit.callsign


@pytest.mark.django_db(transaction=True)
def test_a_crew_out_of_coverage_goes_unreachable_fifteen_minutes_after_it_was_heard(
    seen: Seen,
) -> None:
    # then: a crew idle in a white spot was announced unreachable each time, within beat's
    # interval of 15 min after its last contact (a signal window of its phones, or the
    # build's start)
    idle = _idle_at_home({"none", "2g_sms"})
    assert idle, "no crew stayed idle in a white spot"
    for unit in idle:
        audits = _unreachable_audits(unit)
        assert audits, unit.callsign
        for audit in audits:
            heard = audit.data_dict["last_contact_at"]
            if heard is None:  # never heard from: at the build's first sweep
                continue
            late = audit.at - clock.from_ms(heard)
            assert STALE < late <= STALE + BEAT, (unit.callsign, late)
    # and the live server's first sweep has nothing left to announce at once: what was
    # silent at the end was announced when it fell silent
    stale = Unit.objects.filter(active=True).exclude(last_contact_at__gte=END - STALE)
    announced = PresenceNotice.objects.filter(announced_unreachable=True)
    assert stale.exists(), "no crew silent at the end"
    assert set(stale.values_list("pk", flat=True)) <= set(
        announced.values_list("unit_id", flat=True)
    )
