"""The history builder: the past is made by the real services through the real interfaces,
under the moved server clock, so every incident is one the system could have produced."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from backend.common import clock
from backend.dispatch.models import (
    Assignment,
    Conflict,
    EscalationStep,
    Event,
    Incident,
    RiskSubject,
)
from backend.geo.models import District, Settlement
from backend.ledger import uow
from backend.ledger.models import AuditEntry
from backend.people.models import Officer, Role, Unit
from backend.simulator import history, scenario
from backend.simulator.management.commands.history import building_text, summary_text
from backend.simulator.report import Check, response_times_s
from backend.simulator.world import Stats
from tests import factories

END = dt.datetime(2026, 11, 20, 14, 0, tzinfo=dt.UTC)


@pytest.fixture
def built(tmp_path):
    call_command("seed", "--demo", stdout=io.StringIO())
    rates = {k: v * 10 for k, v in scenario.DAILY_CALLS.items()}
    return history.build(days=0.3, state_dir=tmp_path, seed=11, end=END, rates=rates)


@pytest.mark.django_db(transaction=True)
def test_history_is_made_by_the_services_with_phone_timelines_and_computable_kpis(built):
    # then: the simulator's own check
    assert built.check.ok, built.check.lines()
    # every event is on the server, or still safe in its phone's outbox (a white spot)
    assert built.check.lost == []
    assert built.check.events_stored >= built.check.events_recorded - len(built.check.pending)
    assert built.check.events_stored > 200
    assert built.check.reports_sent == built.check.reports_stored > 0
    assert not clock.is_moved()

    # then: every call happened inside the simulated stretch, by the server's clock
    incidents = Incident.objects.all()
    assert incidents.count() >= 20
    # the real past: no exercise call among them (those are the ×30 live demo's)
    assert not incidents.filter(exercise=True).exists()
    # (a call's ring comes up to a minute before it reaches Kuzet, the first one included)
    earliest = built.start - dt.timedelta(minutes=1)
    assert all(earliest <= i.received_at <= i.created_at <= END for i in incidents)
    assert Event.objects.filter(server_received_at__gt=END).count() == 0

    # then: through the services — audited, in the chain, dispatched by the duty officer
    actions = Counter(AuditEntry.objects.values_list("action", flat=True))
    assert actions["incident.created"] == incidents.count()
    assert actions["assignment.dispatched"] == Assignment.objects.count() > 0
    assert actions["incident.closed"] > 0
    assert uow.verify_chain() == []
    assert {i.channel for i in incidents} >= {"phone_102", "app_102", "egov"}
    assert incidents.filter(category="domestic_violence").exists()
    # DV calls come from homes: the register keeps them (dispatch/services/risk.py)
    subjects = RiskSubject.objects.all()
    assert subjects.exists()
    assert all(s.kind == "address" and s.address and s.prior_dv_calls >= 1 for s in subjects)
    assert actions["risk_subject.created"] == subjects.count()
    ordered = incidents.filter(category="domestic_violence", outcome_code="protective_order")
    assert actions["risk_subject.protective_order"] == ordered.count()
    for incident in ordered:
        subject = subjects.get(settlement=incident.settlement, address=incident.landmark)
        assert subject.protective_order_until is not None

    # then: timelines come from the phones' own events
    arrived = Assignment.objects.filter(on_scene_at__isnull=False).select_related(
        "on_scene_event", "incident"
    )

    assert arrived.count() > 0
    for a in arrived:
        event = a.on_scene_event
        assert event is not None
        assert event.source in {"app", "sms", "on_behalf"}
        assert a.dispatched_at <= a.on_scene_at <= event.server_received_at
        assert event.device_id is not None or event.source != "app"
    sources = set(Event.objects.values_list("source", flat=True))
    assert {"app", "server"} <= sources

    # then: response times (first on scene − received) exist and are plausible
    times = response_times_s(built.start)
    assert len(times) > 0
    assert all(0 < t < 6 * 3600 for t in times)

    # then: slow officers set off the ladder
    assert EscalationStep.objects.exists()

    # then: a tap reaches Kuzet seconds later where the phone has data, as the app sends
    # it at once (it had waited a minute: every ack a minute late, a P0's deadline passed
    # with the acknowledgment on the phone)
    taps = Event.objects.filter(
        device__isnull=False, kind__in=["ack", "en_route", "on_scene", "cleared"]
    )
    lags = sorted((e.server_received_at - e.estimated_at).total_seconds() for e in taps)
    assert len(lags) > 50
    assert lags[len(lags) // 2] <= 5


@pytest.mark.django_db(transaction=True)
def test_the_command_shows_its_progress_in_plain_lines_where_no_terminal_draws_a_bar(tmp_path):
    # given: output to a log, not a terminal (rich would draw nothing until the end)
    call_command("seed", "--demo", stdout=io.StringIO())
    out = io.StringIO()

    # when
    call_command("history", "--days", "0.1", "--state-dir", str(tmp_path), stdout=out)

    # then: a line at every tenth, in order, then the summary and the check
    lines = out.getvalue().splitlines()
    assert (
        lines[0]
        == "Building 0.1 days of calls for the staffed districts through Kuzet's own services."
    )
    shown = [line.split("%")[0].removeprefix("History: ") for line in lines if "% of " in line]
    assert shown == [str(p) for p in range(10, 101, 10)]
    assert all(" calls · " in line and "elapsed" in line for line in lines if "% of " in line)
    assert "━" not in out.getvalue()
    assert any(
        re.fullmatch(
            r"History: \d\d\.\d\d\.\d{4} \d\d:\d\d → .* Kazakhstan time in \d+ s: \d+ calls?, .*\.",
            line,
        )
        for line in lines
    )
    assert "End-of-run check: OK" in lines


def test_the_summary_counts_in_words_and_kazakhstan_time():
    # given: a past of one call and two dispatches, ending at 19:30 UTC
    stats = Stats()
    stats.calls["102"], stats.dispatches, stats.messages = 1, 2, 1
    end = dt.datetime(2026, 12, 6, 19, 30, tzinfo=dt.UTC)
    built = history.Built(end - dt.timedelta(days=3), end, stats, Check(), 1)

    # when
    text = summary_text(built, 12.4)

    # then: local dates and times (00:30 the next day in Kazakhstan), no "1 calls"
    assert text.startswith(
        "History: 04.12.2026 00:30 → 07.12.2026 00:30 Kazakhstan time in 12 s: "
        "1 call, 2 dispatches, "
    )
    assert "(1 message to their crews)" in text
    assert "0 DV follow-up visits" in text
    assert "UTC" not in text


@pytest.mark.parametrize(
    ("days", "advice"),
    [(60, True), (3.5, True), (3, False), (0.5, False)],
)
def test_only_a_long_past_is_told_how_to_start_sooner(days, advice):
    # when
    text = building_text(days)

    # then: a run started with KUZET_HISTORY_DAYS=3 is not told to start with it
    assert text.startswith(f"Building {days:g} days of calls for the staffed districts")
    assert ("KUZET_HISTORY_DAYS=3 make run" in text) is advice


def test_make_run_builds_as_many_days_as_asked():
    root = Path(__file__).resolve().parents[3]

    def days(env: dict[str, str]) -> list[str]:
        recipe = subprocess.run(
            ["make", "-n", "run"],
            cwd=root,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return re.findall(r"manage\.py history --days (\S+)", recipe)

    assert days({}) == ["60"]
    assert days({"KUZET_HISTORY_DAYS": "3"}) == ["3"]


@pytest.mark.django_db(transaction=True)
def test_the_chiefs_decide_their_districts_conflicts_through_the_staff_api(tmp_path):
    # given: the demo, and a conflict waiting in a staffed district (an ack from a crew the
    # call was not given to), opened before the stretch the simulator lives
    call_command("seed", "--demo", stdout=io.StringIO())
    district = District.objects.get(kato="101000000")  # Семей
    chief = Officer.objects.get(role=Role.CHIEF, district=district)
    before = END - dt.timedelta(hours=12)
    with clock.frozen(before):
        call = Incident.objects.create(
            channel="phone_102", category="theft", priority="P2", district=district,
            summary="кража", received_at=before, created_at=before,
        )  # fmt: skip
        call.assign_number()
        unit = Unit.objects.filter(district=district).order_by("callsign").first()
        event = factories.event(
            id="ev-history-conflict-1", incident=call, unit=unit, disposition="not_assignee"
        )
        conflict = Conflict.objects.create(
            kind="not_assignee", district=district, incident=call, event=event, unit=unit,
            opened_at=before,
        )  # fmt: skip

    # when: half a day passes, no new calls
    built = history.build(days=0.4, state_dir=tmp_path, seed=5, end=END, rates={})

    # then: the district's chief reviewed his queue and decided it, as the console would
    conflict.refresh_from_db()
    assert (conflict.state, conflict.resolution, conflict.resolved_by_id) == (
        "resolved", "noted", chief.pk,
    )  # fmt: skip
    assert conflict.resolution_note == scenario.CHIEF_DECISIONS["not_assignee"][1]
    assert built.start <= conflict.resolved_at <= END
    assert built.stats.conflicts_resolved == 1
    entry = AuditEntry.objects.get(action="conflict.resolved", object_id=str(conflict.pk))
    assert entry.actor_id == chief.pk


@pytest.mark.django_db(transaction=True)
def test_a_busy_desk_rings_callers_back_and_diverts_units_to_a_p0(tmp_path, monkeypatch):
    # given: every fight and disorder turns out, on a call-back, to be domestic violence, and
    # calls come twenty-five times as often as on an ordinary day
    call_command("seed", "--demo", stdout=io.StringIO())
    for key in (("disorder", "P2"), ("violence", "P0")):
        _share, change = scenario.CALLBACKS[key]
        monkeypatch.setitem(scenario.CALLBACKS, key, (1.0, change))
    rates = {k: v * 25 for k, v in scenario.DAILY_CALLS.items()}

    # when
    # (a seed lives the same past whatever ran before it: 0.15 days of this seed hold 17 call
    # changes, 8 messages and 2 diverts; 0.3 days took ~170 s in CI)
    built = history.build(days=0.15, state_dir=tmp_path, seed=7, end=END, rates=rates)

    # then: the desk changed those calls through the staff API (each a DV call now, owing its
    # visit), took units off less urgent calls for P0s, and nothing was lost
    assert built.check.ok, built.check.lines()
    # (a repeat report more urgent than its call raises that call too: not the desk's doing)
    changed = [
        e
        for e in AuditEntry.objects.filter(action="incident.reclassified")
        if "repeat_call" not in e.data_dict
    ]
    assert len(changed) == built.stats.reclassified > 0
    became = Counter(tuple(e.data_dict.get("category", ("", ""))) for e in changed)
    assert became[("disorder", "domestic_violence")] > 0
    assert all(to == "domestic_violence" for (was, to) in became if was in ("disorder", "violence"))
    # and told the crews already on those calls what the caller said, through the staff API
    messages = Event.objects.filter(kind="note", source="desk")
    assert messages.count() == built.stats.messages > 0
    reasons = {c.reason for c in scenario.CALLBACKS.values() for c in [c[1]]}
    assert {m.payload["text"] for m in messages} <= reasons
    diverted = Event.objects.filter(kind="cancelled", payload__has_key="diverted_to")
    assert diverted.count() >= built.stats.diverts > 0


def _ids_from(first: int, *models: type) -> None:
    """The next rows of these tables get ids from ``first`` on, as after other tests' rows."""
    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            if connection.vendor == "postgresql":
                sequence = "pg_get_serial_sequence(%s, 'id')"
                cursor.execute(f"SELECT setval({sequence}, %s, false)", [table, first])
            else:  # SQLite's AUTOINCREMENT
                cursor.execute("DELETE FROM sqlite_sequence WHERE name = %s", [table])
                sql = "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)"
                cursor.execute(sql, [table, first - 1])


def _lived(tmp_path: Path, seed: int) -> list[object]:
    """The demo seeded, a busy hour and a half lived, and what it left, told without ids."""
    call_command("seed", "--demo", stdout=io.StringIO())
    rates = {k: v * 25 for k, v in scenario.DAILY_CALLS.items()}
    built = history.build(days=0.06, state_dir=tmp_path, seed=seed, end=END, rates=rates)
    calls = Incident.objects.order_by("received_at")
    sent = Assignment.objects.order_by("dispatched_at", "unit__callsign")
    return [
        [(i.received_at, i.settlement.name, i.category, i.priority, i.status) for i in calls],
        [(a.dispatched_at, a.incident.received_at, a.unit.callsign, a.status) for a in sent],
        sorted(Counter(AuditEntry.objects.values_list("action", flat=True)).items()),
        built.stats.dispatches,
    ]


@pytest.mark.django_db(transaction=True)
def test_a_seed_lives_the_same_past_whatever_the_database_held_before(tmp_path):
    # given: a past lived from the demo
    first = _lived(tmp_path / "first", seed=7)
    assert len(first[1]) >= 5

    # when: the database is emptied as between two tests (its ids go on from where they were,
    # here across a power of ten: "1000" sorts before "998" as text) and the same seed lives
    # the same stretch again in this process
    call_command("flush", interactive=False, reset_sequences=False, verbosity=0)
    _ids_from(998, District, Settlement, Unit, Officer)
    again = _lived(tmp_path / "again", seed=7)

    # then: the same calls from the same places, the same crews sent, the same steps audited
    assert again == first
