"""The simulated district opens conflicts as a real one does, from what its people do: a crew
that reported by radio and was closed on the report taps "cleared" on its phone after the
close (``after_close``), and the district's chief decides it through the staff API."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from backend.dispatch.models import Assignment, Conflict, Event
from backend.simulator import history, scenario

END = dt.datetime(2026, 11, 20, 14, 0, tzinfo=dt.UTC)


@pytest.mark.django_db(transaction=True)
def test_a_call_closed_on_the_radio_report_opens_after_close_and_the_chief_decides_it(
    tmp_path, monkeypatch
):
    # given: the demo, calls ten times as often as on an ordinary day, the scenario's own
    # share of crews that report by radio first; the chiefs look at their queue every 2-3 h
    call_command("seed", "--demo", stdout=io.StringIO())
    rates = {k: v * 10 for k, v in scenario.DAILY_CALLS.items()}
    monkeypatch.setattr(scenario, "CHIEF_REVIEW_EVERY_S", (2 * 3600, 3 * 3600))

    # when: a few hours pass
    built = history.build(days=0.3, state_dir=tmp_path, seed=3, end=END, rates=rates)

    # then: nothing lost or duplicated, and calls closed on the radio report had their crew's
    # "cleared" come from the phone after the close: kept, not projected, for the chief
    assert built.check.ok, built.check.lines()
    conflicts = Conflict.objects.filter(kind="after_close").select_related("event", "incident")
    assert conflicts.exists()
    for conflict in conflicts:
        event = conflict.event
        assert (event.source, event.disposition) == ("app", "after_close")
        assert conflict.incident.status == "closed"
        assert event.estimated_at >= conflict.incident.closed_at
        # the close cleared the crew on the server; the phone's own "cleared" did not
        assert Assignment.objects.get(pk=event.assignment_id).cleared_event_id != event.pk
    assert conflicts.filter(event__kind="cleared").exists()
    # and the chief decided those opened before his last review, as CHIEF_DECISIONS says
    resolution, note = scenario.CHIEF_DECISIONS["after_close"]
    resolved = conflicts.filter(state="resolved")
    assert resolved.exists()
    assert {(c.resolution, c.resolution_note) for c in resolved} == {(resolution, note)}
    assert Event.objects.filter(disposition="after_close").exclude(kind="delivered").count() == (
        conflicts.count()
    )
