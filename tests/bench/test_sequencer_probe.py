"""The scale benchmark's probe (bench/sequencer_probe) times the sequencer lock — the
figures docs/scaling.md rests on. A second connection to the test database, through the
probe, takes the lock the way every unit of work does."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from backend.ledger.uow import lock_sequencer

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def probe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from bench.sequencer_probe.base import DatabaseWrapper

    monkeypatch.setenv("KUZET_SEQUENCER_PROBE_DIR", str(tmp_path))
    lock_sequencer()  # the row exists (a flushed test database loses it)
    # A plain connection: a pool would keep it open past the test database's teardown.
    options = {k: v for k, v in connection.settings_dict["OPTIONS"].items() if k != "pool"}
    wrapper = DatabaseWrapper({**connection.settings_dict, "OPTIONS": options}, alias="probe")
    yield wrapper
    wrapper.close()


def lines(folder: Path) -> list[list[float]]:
    return [
        [float(x) for x in line.split()]
        for p in folder.glob("*.txt")
        for line in p.read_text().splitlines()
    ]


LOCK = 'SELECT change_seq FROM "ledger_sequencer" WHERE id = 1 FOR UPDATE'


def test_a_commit_that_held_the_lock_writes_its_wait_hold_and_commit(
    probe: Any, tmp_path: Path
) -> None:
    probe.set_autocommit(False)
    with probe.cursor() as cursor:
        cursor.execute(LOCK)
        cursor.execute("SELECT pg_sleep(0.02)")
    probe.commit()
    [[at, wait, hold, commit]] = lines(tmp_path)
    assert at > 0
    assert 0 <= wait < hold
    assert hold >= 20  # the 20 ms slept with the lock held
    assert 0 < commit < hold


def test_transactions_without_the_lock_and_rolled_back_ones_write_nothing(
    probe: Any, tmp_path: Path
) -> None:
    probe.set_autocommit(False)
    with probe.cursor() as cursor:
        cursor.execute('SELECT change_seq FROM "ledger_sequencer" WHERE id = 1')
    probe.commit()
    with probe.cursor() as cursor:
        cursor.execute(LOCK)
    probe.rollback()
    with probe.cursor() as cursor:
        cursor.execute("SELECT 1")
    probe.commit()
    assert lines(tmp_path) == []
