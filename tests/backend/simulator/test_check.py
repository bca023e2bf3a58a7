"""The end-of-run check finds what was lost, tells pending from lost, and finds reports that
were not stored once."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from backend.simulator.report import check
from backend.simulator.world import Stats


class FakeClient:
    def __init__(self, *, device_id: str, outbox: list[str]) -> None:
        self.device_id = device_id
        self._outbox = outbox

    def outbox(self) -> list[dict[str, str]]:
        return [{"id": i} for i in self._outbox]

    def rejected(self) -> dict[str, tuple[str, str]]:
        return {}


def world_with(*, recorded: list[str], outbox: list[str], reports: dict[str, str]):
    phone = SimpleNamespace(
        username="ayg_ui1_1",
        recorded=recorded,
        client=FakeClient(device_id="dev_0000000000000001", outbox=outbox),
        outbox_size=lambda: len(outbox),
    )
    stats = Stats()
    stats.reports.update(reports)
    return SimpleNamespace(crews={"1": SimpleNamespace(phones=[phone])}, stats=stats)


@pytest.mark.django_db
def test_an_event_recorded_on_a_phone_and_not_on_the_server_is_lost():
    # given
    world = world_with(recorded=["LostEvent0000000001"], outbox=[], reports={})

    # when
    result = check(world, carried={}, drained=True)

    # then
    assert result.lost == ["LostEvent0000000001"]
    assert not result.ok
    assert "End-of-run check: FAILED" in result.lines()[0]


@pytest.mark.django_db
def test_an_event_still_in_its_phones_outbox_is_pending_unless_the_run_was_drained():
    # given
    world = world_with(recorded=["Waiting000000000001"], outbox=["Waiting000000000001"], reports={})

    # when
    stopped = check(world, carried={}, drained=False)
    drained = check(world, carried={}, drained=True)

    # then
    assert (stopped.lost, stopped.pending, stopped.ok) == ([], {"Waiting000000000001"}, True)
    assert (drained.lost, drained.outbox_left, drained.ok) == (["Waiting000000000001"], 1, False)


@pytest.mark.django_db
def test_a_report_the_server_does_not_hold_once_is_wrong():
    # given: intake answered incident 41 for this report, but no such incident exists
    world = world_with(recorded=[], outbox=[], reports={"egov:SIM-X-000001": "41"})

    # when
    result = check(world, carried={}, drained=True)

    # then
    assert result.reports_bad == ["egov:SIM-X-000001: 0 incidents"]
    assert not result.ok


def test_a_runs_time_reads_as_a_clock_so_half_minutes_differ():
    from backend.simulator.report import elapsed_text

    assert [elapsed_text(s) for s in (0, 30, 60, 90, 3725.4)] == [
        "0:00",
        "0:30",
        "1:00",
        "1:30",
        "1:02:05",
    ]
