"""The overview's KPI tiles say their durations in words ("13 мин 43 с", "1 сағ 32 мин"):
in the tile's big figures "13:43" and "1:32:40" read as times of day beside the console's
clock, what they measured (minutes:seconds) said only in a note under the tiles."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from backend.common import clock
from tests import factories

pytestmark = pytest.mark.django_db


def tile(page: str, key: str) -> tuple[str, str]:
    """A tile's median and 90th percentile as shown."""
    block = page.split(f'id="tile-{key}"', 1)[1].split("</a>", 1)[0]
    p50 = re.search(r'<span class="p50">(.*?)</span>', block, re.S)
    p90 = re.search(r'<span class="p90">(.*?)</span>', block, re.S)
    assert p50 is not None
    assert p90 is not None
    return p50[1].strip(), p90[1].strip()


@pytest.mark.parametrize(
    ("language", "shown"),
    [
        ("kk", ("13 мин 43 с", "1 сағ 32 мин")),
        ("ru", ("13 мин 43 с", "1 ч 32 мин")),
        ("en", ("13 min 43 s", "1 h 32 min")),
    ],
)
def test_the_overview_tiles_say_the_response_time_in_words(client, personas, language, shown):
    # given: nine calls of the last days reached in 13:43, two in 1:32:40 (the worst tenth)
    a = personas.a
    now = clock.now()
    for n, took in enumerate([823] * 9 + [5560] * 2):
        received = now - dt.timedelta(days=1, hours=n)
        call = factories.incident(district=a.district, settlement=a.town, received_at=received)
        factories.assignment(
            incident=call,
            unit=a.patrol,
            dispatched_at=received + dt.timedelta(seconds=30),
            on_scene_at=received + dt.timedelta(seconds=took),
        )
    a.chief.language = language
    a.chief.save(update_fields=["language"])
    client.force_login(a.chief)

    # when
    page = client.get(reverse("admin:index")).content.decode()

    # then
    assert tile(page, "response") == shown
