"""The sweep's heartbeat is one statement once its row exists: the escalation sweep stamps it
after every run, every 10 s, idle or not (docs/benchmarks.md, 2026-12-06)."""

from __future__ import annotations

import datetime as dt

import pytest

from backend.common import clock
from backend.ops.heartbeat import ESCALATION_SWEEP, heartbeat_record, sweep_state
from backend.ops.models import Heartbeat

T0 = dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_a_stamp_after_the_first_is_one_update(django_assert_num_queries):
    # given: the sweep has run once
    with clock.frozen(T0):
        heartbeat_record(ESCALATION_SWEEP, duration_s=0.5)

    # when: it runs again, a minute later
    with clock.frozen(T0 + dt.timedelta(minutes=1)), django_assert_num_queries(1):
        heartbeat_record(ESCALATION_SWEEP, duration_s=0.25)

    # then
    row = Heartbeat.objects.get(name=ESCALATION_SWEEP)
    assert (row.at, row.duration_ms) == (T0 + dt.timedelta(minutes=1), 250)
    assert Heartbeat.objects.count() == 1


@pytest.mark.django_db
def test_the_first_stamp_creates_the_row_the_alarm_reads():
    # given
    assert sweep_state().overdue

    # when
    with clock.frozen(T0):
        heartbeat_record(ESCALATION_SWEEP, duration_s=1.234)

    # then
    row = Heartbeat.objects.get(name=ESCALATION_SWEEP)
    assert (row.at, row.duration_ms) == (T0, 1234)
    with clock.frozen(T0 + dt.timedelta(seconds=5)):
        assert not sweep_state().overdue
