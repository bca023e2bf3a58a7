"""The board's dead-man banner says how long ago the escalation sweep ran in words, as the
board's other spans: as ``m:ss`` it read "last ran 0:39 ago (alarm after 0:30)" under the
board's clock, a duration taken for a time of day."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from backend.common import clock
from backend.ops.heartbeat import ESCALATION_SWEEP, heartbeat_record

pytestmark = pytest.mark.django_db

RAN = dt.datetime(2026, 12, 7, 6, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("language", "silent_s", "sweep_s", "words"),
    [
        ("en", 125, 10, "last ran 2 min 05 s ago (alarm after 30 s)"),
        ("en", 3723, 20, "last ran 1 h 02 min ago (alarm after 1 min)"),
        ("kk", 125, 10, "соңғы рет 2 мин 05 с бұрын іске қосылды (дабыл 30 с кейін)"),
        ("ru", 39, 10, "последний раз запускалась 39 с назад (тревога через 30 с)"),
    ],
)
def test_the_dead_man_banner_says_the_sweeps_age_in_words(
    personas, settings, language, silent_s, sweep_s, words
):
    # given: the sweep last ran silent_s ago, its alarm after three of its intervals; the
    # duty officer reads ``language``
    settings.KUZET_ESCALATION_SWEEP_SECONDS = sweep_s
    with clock.frozen(RAN):
        heartbeat_record(ESCALATION_SWEEP)
    duty = personas.duty
    duty.language = language
    duty.save(update_fields=["language"])
    client = Client()
    client.force_login(duty)

    # when: the board and its alarm poll
    with clock.frozen(RAN + dt.timedelta(seconds=silent_s)):
        page = client.get("/board/").content.decode()
        (alarm,) = client.get("/board/alarms/").json()["alarms"]

    # then: the age and the limit as spans, never m:ss ("2:05", "0:30", "1:02:03")
    assert words in alarm["detail"]
    assert words in page
