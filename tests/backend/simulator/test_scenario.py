"""The simulator's numbers: calls follow the hour, choices are the server's own codes, slow
officers miss the deadline and fast ones do not."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

import pytest

from backend.dispatch.models import Category, Channel, OutcomeCode
from backend.simulator import scenario
from backend.simulator.engine import Engine
from backend.simulator.world import _reply_code


def test_hourly_weights_keep_the_daily_rate_and_peak_in_the_evening():
    # then
    assert sum(scenario.HOURLY_WEIGHT) == pytest.approx(24.0)
    assert scenario.HOURLY_WEIGHT.index(max(scenario.HOURLY_WEIGHT)) == 19
    assert min(scenario.HOURLY_WEIGHT) < 0.5 < 1.5 < max(scenario.HOURLY_WEIGHT)


def test_calls_arrive_at_the_daily_rate():
    # given
    rng = random.Random(1)

    # when: a simulated month of one district, hour by hour
    calls = 0
    for hour in range(30 * 24):
        t = 0.0
        while True:
            t += scenario.next_call_in_s(rng, per_day=10.0, local_hour=hour % 24)
            if t > 3600:
                break
            calls += 1

    # then: 300 expected; a Poisson month stays within a few standard deviations
    assert 250 <= calls <= 350


def test_the_live_demos_nights_keep_the_late_evenings_rate():
    # given: the live demo's floor, and 03:00 in Kazakhstan (the quietest hour)
    from backend.simulator.management.commands.simulate import LIVE_HOURLY_FLOOR

    def mean_wait(floor: float) -> float:
        rng = random.Random(3)
        waits = [
            scenario.next_call_in_s(rng, per_day=10.0, local_hour=3, floor=floor)
            for _ in range(4000)
        ]
        return sum(waits) / len(waits)

    # when
    history, live = mean_wait(0.0), mean_wait(LIVE_HOURLY_FLOOR)

    # then: the history keeps the real night; live calls come at least 0.7 as often as on
    # an average hour (8,640 s apart at 10 a day), not 0.3
    assert history == pytest.approx(86_400 / 10 / scenario.HOURLY_WEIGHT[3], rel=0.08)
    assert live == pytest.approx(86_400 / 10 / LIVE_HOURLY_FLOOR, rel=0.08)
    assert scenario.HOURLY_WEIGHT[3] < LIVE_HOURLY_FLOOR


def test_reports_use_the_servers_channels_and_categories_and_include_domestic_violence():
    # given
    rng = random.Random(7)

    # when
    reports = [scenario.report(rng) for _ in range(3000)]

    # then
    assert {r.channel for r in reports} == set(Channel.values)
    assert {r.category for r in reports} <= set(Category.values)
    by_category = Counter(r.category for r in reports)
    assert by_category["domestic_violence"] > 150
    assert all(r.caller_gps == (r.channel in scenario.APP_CHANNELS) for r in reports)
    assert all(r.summary for r in reports)


def test_outcomes_are_the_servers_outcome_codes():
    # then
    codes = {c for codes in scenario.OUTCOMES.values() for c in codes}
    assert codes <= set(OutcomeCode.values)
    assert set(scenario.OUTCOMES) == set(scenario.SUMMARIES)


@pytest.mark.parametrize(
    ("category", "outcome", "incident_id", "article"),
    [
        ("domestic_violence", "admin_protocol", 5, "73"),
        ("domestic_violence", "admin_protocol", 6, "73"),
        ("domestic_violence", "admin_protocol", 8, "461"),  # one DV protocol in four
        ("domestic_violence", "protective_order", 8, ""),
        ("disorder", "admin_protocol", 5, "434"),
        ("traffic_violation", "admin_protocol", 5, ""),
        ("theft", "report_taken", 8, ""),
    ],
)
def test_a_protocol_names_its_coao_article_by_category(category, outcome, incident_id, article):
    # then
    assert scenario.coao_article(category, outcome, incident_id=incident_id) == article


def test_dv_protocols_are_mostly_under_article_73_and_one_in_four_under_461():
    # when
    articles = Counter(
        scenario.coao_article("domestic_violence", "admin_protocol", incident_id=i)
        for i in range(1, 401)
    )

    # then
    assert articles == {"73": 300, "461": 100}


@pytest.mark.parametrize("priority", ["P0", "P1", "P2", "P3"])
def test_slow_officers_miss_the_acknowledgment_deadline_and_others_make_it(priority):
    # given
    rng = random.Random(3)
    deadline = {"P0": 60, "P1": 120, "P2": 300, "P3": 1800}[priority]

    # when
    slow = [
        scenario.ack_delay_s(rng, priority=priority, ack_within_s=deadline, slow=True)
        for _ in range(200)
    ]
    fast = [
        scenario.ack_delay_s(rng, priority=priority, ack_within_s=deadline, slow=False)
        for _ in range(200)
    ]

    # then
    assert min(slow) > deadline
    assert max(slow) <= 3 * deadline
    assert any(s > 2 * deadline for s in slow)  # the ladder's third rung fires too
    assert max(fast) < deadline


def test_the_engine_runs_callbacks_in_time_order_and_compresses_world_time():
    # given
    now = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    engine = Engine(lambda: now, scale=30)
    ran: list[str] = []

    # when
    engine.after(600, ran.append, "ten world minutes")
    engine.after_server(5, ran.append, "five server seconds")
    engine.at(now, ran.append, "now")
    order = []
    while len(engine):
        task = engine.pop()
        order.append(task.at)
        task.run()

    # then
    assert ran == ["now", "five server seconds", "ten world minutes"]
    assert order == [now, now + dt.timedelta(seconds=5), now + dt.timedelta(seconds=20)]


def test_the_engine_refuses_a_scale_that_is_not_positive():
    with pytest.raises(ValueError, match="scale must be positive"):
        Engine(lambda: dt.datetime.now(dt.UTC), scale=0)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("Vyzov 1036-2026-000042 P1 Tarbagatai: Draka. Otvet: ACK 4821", "4821"),
        ("Napominanie: Otvet: ACK 1000", "1000"),
        ("Otmena vyzova 1036-2026-000042", None),
        ("Otvet: ACK 12", None),
    ],
)
def test_a_crew_reads_the_reply_code_from_the_assignment_sms(body, code):
    assert _reply_code(body) == code
