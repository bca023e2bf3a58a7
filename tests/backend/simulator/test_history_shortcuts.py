"""The history port's shortcuts cost less and build the same past: the socket stand-in
stamps every unit it holds in one read and one write (it had written one statement a unit),
and what the escalation sweep next has due is not read again after a write that touched
nothing it reads (SQLite: a phone's position, a contact stamp). The same seeded world built
with and without them is the same past, row for row (``bench/history_digest.py``'s digest:
calls, assignments with every timestamp, rungs, waits and checks fired, board alerts,
presence, the audit log, the phones' events)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backend.common import clock
from backend.dispatch.services import escalation
from backend.people.models import Unit, UnitStatus
from backend.realtime.presence import contact_record
from backend.simulator import history, ports, scenario
from backend.simulator.ports import DueWrites, InProcessPort
from bench.history_digest import digest, seeded_ids

END = dt.datetime(2026, 11, 20, 14, 0, tzinfo=dt.UTC)


def _statements(queries: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"]
        for q in queries.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT"))
    ]


@pytest.mark.django_db
def test_the_socket_stand_in_stamps_the_units_it_holds_in_one_read_and_one_write(
    tmp_path: Path,
) -> None:
    # given: six units holding sockets — one heard 30 s ago (within the minute the consumer
    # does not stamp again), one 5 min ago, four never
    call_command("seed", "--demo", stdout=io.StringIO())
    units = list(Unit.objects.filter(active=True).order_by("pk").values_list("pk", flat=True)[:6])
    recent, older = END - dt.timedelta(seconds=30), END - dt.timedelta(minutes=5)
    Unit.objects.filter(pk=units[0]).update(last_contact_at=recent, last_contact_via="sync")
    Unit.objects.filter(pk=units[1]).update(last_contact_at=older, last_contact_via="sync")
    with clock.frozen(END):
        port = InProcessPort(start=END, sms_dir=tmp_path)
        port.sockets = {pk: {f"officer{pk}"} for pk in units}
        # when: the sockets' pings are stamped
        with CaptureQueriesContext(connection) as queries:
            port._keep_contact(now=True)
    # then: stamped by contact_record's rule, in two statements for the six
    stamps = dict(Unit.objects.filter(pk__in=units).values_list("pk", "last_contact_at"))
    vias = dict(Unit.objects.filter(pk__in=units).values_list("pk", "last_contact_via"))
    assert (stamps[units[0]], vias[units[0]]) == (recent, "sync")
    assert all((stamps[pk], vias[pk]) == (END, "socket") for pk in units[1:]), (stamps, vias)
    assert len(_statements(queries)) == 2, _statements(queries)


@pytest.mark.django_db
def test_what_is_due_is_not_read_again_after_a_write_it_does_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    call_command("seed", "--demo", stdout=io.StringIO())
    reads: list[Any] = []
    next_due = escalation.next_due

    def counted(now: dt.datetime | None = None) -> dt.datetime | None:
        reads.append(now)
        return next_due(now)

    monkeypatch.setattr(escalation, "next_due", counted)
    unit = Unit.objects.filter(active=True).order_by("pk").first()
    assert unit is not None
    later = END + dt.timedelta(minutes=1)
    with clock.frozen(END):
        port = InProcessPort(start=END, sms_dir=tmp_path)
        port._sweep_at(later)  # given: what is due, read at the start
        assert len(reads) == 1

        # when: the server is written to, but not what next_due reads — a phone's position
        # and its unit's contact
        Unit.objects.filter(pk=unit.pk).update(
            lat=50.41, lon=80.25, position_at=END, last_contact_at=END
        )
        port._written_at = clock.now()
        port._sweep_at(later)
        # then: on SQLite it is not read again; PostgreSQL has no count of such writes here
        # (DueWrites), and reads it after every write as before
        assert len(reads) == (1 if connection.vendor == "sqlite" else 2)

        # when: a write it reads (a unit in SOS is not checked on as silent on scene)
        Unit.objects.filter(pk=unit.pk).update(status=UnitStatus.SOS)
        port._written_at = clock.now()
        port._sweep_at(later)
        # then: it is read again
        assert len(reads) == (2 if connection.vendor == "sqlite" else 3)


@contextmanager
def _the_long_way() -> Iterator[None]:
    """The port as it was: next_due read after every write, a statement a unit stamped."""

    def one_by_one(*, unit_ids: list[int], via: str, at: dt.datetime) -> list[int]:
        return [u for u in unit_ids if contact_record(unit_id=u, via=via, at=at)]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DueWrites, "count", lambda self: None)
        patch.setattr(ports, "contacts_record", one_by_one)
        yield


@pytest.mark.django_db(transaction=True)
def test_the_shortcuts_build_the_same_past_as_the_long_way(tmp_path: Path) -> None:
    if connection.vendor != "sqlite":
        # Two builds take minutes there, and the shortcut this guards most (DueWrites) is
        # SQLite's; the contact stamps' rule is checked on both above.
        pytest.skip("the skipped next_due reads are SQLite's; PostgreSQL reads as before")
    # A busy evening (ten times the calls): dispatches, crews on scene past their interval,
    # calls waiting, units in and out of coverage.
    rates = {k: v * 10 for k, v in scenario.DAILY_CALLS.items()}

    def built(name: str, *, shortcuts: bool) -> dict[str, Any]:
        call_command("flush", "--no-input", stdout=io.StringIO())
        with clock.frozen(END - dt.timedelta(days=1)):  # the seed's audit entries alike
            call_command("seed", "--demo", stdout=io.StringIO())
        with seeded_ids(11), nullcontext() if shortcuts else _the_long_way():
            history.build(days=0.15, state_dir=tmp_path / name, seed=11, end=END, rates=rates)
        return digest()

    long_way = built("long", shortcuts=False)
    short = built("short", shortcuts=True)
    calls = long_way["tables"]["Incident"]["rows"]
    assert calls >= 20, calls
    differ = [n for n, t in long_way["tables"].items() if short["tables"][n] != t]
    assert not differ, differ


def test_a_build_starts_its_server_with_nothing_of_the_build_before_in_its_cache(
    tmp_path: Path,
) -> None:
    # given: the process's own cache holds a key, and a build left the throttle stamp a
    # phone's sync writes ("this unit's contact was stamped less than a minute ago")
    cache.set("outside", 1, 600)
    with history._server_in_this_process(tmp_path):
        cache.set("sync:presence:1", 1, 600)
    # when: the next build's server starts in the same process
    with history._server_in_this_process(tmp_path):
        # then: its cache is empty (the unit's first contact is stamped), and not the process's
        left = (cache.get("sync:presence:1"), cache.get("outside"))
    assert left == (None, None)
    # and the process's cache is as it was
    assert cache.get("outside") == 1
    cache.delete("outside")
