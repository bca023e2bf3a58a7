"""The console's list of assignments showed its acknowledgement and response times as
"1:01" and "3:00:53" beside the dispatch's clock time: a duration read as a time of day. They
read in words now, as the chief's drill-downs do ("1 мин 01 с", "3 ч 00 мин")."""

from __future__ import annotations

import datetime as dt

import pytest

from tests import factories

T0 = dt.datetime(2026, 12, 5, 4, 0, tzinfo=dt.UTC)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lang", "ack", "response"),
    [("ru", "1 мин 01 с", "3 ч 00 мин"), ("kk", "1 мин 01 с", "3 сағ 00 мин"),
     ("en", "1 min 01 s", "3 h 00 min")],
)  # fmt: skip
def test_the_assignments_list_says_durations_in_words(personas, client, lang, ack, response):
    # given: a call received at 09:00, its unit sent a minute later, answering in 61 s and
    # there 3 h 0 min 53 s after the call
    call = factories.incident(district=personas.a.district, received_at=T0)
    dispatched = T0 + dt.timedelta(minutes=1)
    factories.assignment(
        incident=call,
        unit=personas.a.patrol,
        status="on_scene",
        dispatched_at=dispatched,
        acknowledged_at=dispatched + dt.timedelta(seconds=61),
        on_scene_at=T0 + dt.timedelta(hours=3, seconds=53),
    )
    chief = personas.a.chief
    chief.language = lang  # the console reads in its user's language
    chief.save(update_fields=["language"])
    client.force_login(chief)

    # when
    page = client.get("/admin/dispatch/assignment/")

    # then
    html = page.content.decode()
    assert f'<td class="field-ack_latency">{ack}</td>' in html
    assert f'<td class="field-response">{response}</td>' in html
    assert "3:00:53" not in html
