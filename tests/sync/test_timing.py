"""Event-time estimation (PROTOCOL.md §6.7): the estimate stays within its stated
uncertainty of the true time, never after receipt, and wrong device clocks are flagged."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import event as observe
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.timing import (
    AFTER_RECEIPT,
    ANCHOR_CONTRADICTION,
    BEFORE_NOT_BEFORE,
    CLOCK_TOLERANCE_MS,
    SKEW,
    TOO_OLD,
    UNBOUNDED,
    Anchor,
    Estimate,
    estimate,
    needs_conflict,
    server_estimate,
)

HOUR = 3_600_000
MINUTE = 60_000
T0 = 1_764_000_000_000  # true time the device booted
TRANSIT = 10_000


@dataclass
class Boot:
    """One boot of a simulated device: true time → (wall clock, elapsed clock)."""

    boot_id: str
    booted_at: int
    wall_offset: int = 0
    drift_ppm: float = 0.0

    def elapsed(self, true_ms: int) -> int:
        return round((true_ms - self.booted_at) * (1 + self.drift_ppm / 1e6))

    def wall(self, true_ms: int) -> int:
        return true_ms + self.wall_offset

    def anchor(self, sent_at: int, latency: int = 300) -> Anchor:
        """The anchor the server records for a request sent at true time ``sent_at``."""
        return Anchor(
            boot_id=self.boot_id,
            elapsed_ms=self.elapsed(sent_at),
            server_ms=sent_at + latency,
            transit_ms=TRANSIT,
            wall_ms=self.wall(sent_at),
        )


def estimate_event(
    boot: Boot,
    happened_at: int,
    anchors: list[Anchor],
    received_ms: int,
    *,
    not_before_ms: int | None = None,
    gps_time: int | None = None,
) -> Estimate:
    return estimate(
        device_time=boot.wall(happened_at),
        boot_id=boot.boot_id,
        elapsed_ms=boot.elapsed(happened_at),
        gps_time=gps_time,
        anchors=anchors,
        received_ms=received_ms,
        not_before_ms=not_before_ms,
    )


def assert_honest(result: Estimate, true_ms: int, received_ms: int) -> None:
    assert result.uncertainty_ms is not None
    assert abs(result.at_ms - true_ms) <= result.uncertainty_ms
    assert result.at_ms <= received_ms


def offline_scenario(boot: Boot) -> tuple[int, list[Anchor], int]:
    """Last contact 1 h after boot, the event 2 h after boot offline, the push 5 h after."""
    happened_at = T0 + 2 * HOUR
    push_at = T0 + 5 * HOUR
    anchors = [boot.anchor(T0 + HOUR), boot.anchor(push_at)]
    return happened_at, anchors, push_at + 300


def test_clock_three_hours_fast_is_anchored_and_flagged():
    # given
    boot = Boot("boot-a", T0, wall_offset=3 * HOUR)
    happened_at, anchors, received = offline_scenario(boot)

    # when
    result = estimate_event(boot, happened_at, anchors, received, not_before_ms=T0)

    # then
    assert result.method == "anchor"
    assert_honest(result, happened_at, received)
    assert result.uncertainty_ms == 10_000 + 720 + 1_000  # transit + 200 ppm of 1 h + constant
    assert result.clock_suspect is True
    assert result.flags == {SKEW}
    assert result.skew_ms == 3 * HOUR - 300
    assert needs_conflict(result) is False


def test_clock_three_hours_slow_is_anchored_and_flagged():
    # given
    boot = Boot("boot-a", T0, wall_offset=-3 * HOUR)
    happened_at, anchors, received = offline_scenario(boot)

    # when
    result = estimate_event(boot, happened_at, anchors, received, not_before_ms=T0)

    # then: the raw time is even before the dispatch, but the elapsed clock is trusted
    assert result.method == "anchor"
    assert_honest(result, happened_at, received)
    assert result.clock_suspect is True
    assert result.flags == {SKEW, BEFORE_NOT_BEFORE}
    assert needs_conflict(result) is False


def test_clock_at_1970_is_anchored_and_flagged():
    # given
    boot = Boot("boot-a", T0, wall_offset=-T0 + 5 * MINUTE)
    happened_at, anchors, received = offline_scenario(boot)

    # when
    result = estimate_event(boot, happened_at, anchors, received, not_before_ms=T0 + HOUR)

    # then
    assert result.method == "anchor"
    assert_honest(result, happened_at, received)
    assert result.clock_suspect is True
    assert result.flags == {SKEW, BEFORE_NOT_BEFORE}
    assert needs_conflict(result) is False


def test_right_clock_is_not_suspect():
    # given
    boot = Boot("boot-a", T0, wall_offset=400, drift_ppm=80)
    happened_at, anchors, received = offline_scenario(boot)

    # when
    result = estimate_event(boot, happened_at, anchors, received, not_before_ms=T0)

    # then
    assert result.method == "anchor"
    assert_honest(result, happened_at, received)
    assert result.clock_suspect is False
    assert result.flags == frozenset()


def test_clock_changed_mid_shift_leaves_anchored_estimates_unaffected():
    # given: the officer sets the clock 3 h forward between two offline events
    before_change = Boot("boot-a", T0)
    after_change = Boot("boot-a", T0, wall_offset=3 * HOUR)
    first_at, second_at = T0 + 2 * HOUR, T0 + 3 * HOUR
    push_at = T0 + 4 * HOUR
    anchors = [before_change.anchor(T0 + HOUR), after_change.anchor(push_at)]
    received = push_at + 300

    # when
    first = estimate_event(before_change, first_at, anchors, received, not_before_ms=T0)
    second = estimate_event(after_change, second_at, anchors, received, not_before_ms=T0)

    # then
    assert (first.method, second.method) == ("anchor", "anchor")
    assert_honest(first, first_at, received)
    assert_honest(second, second_at, received)
    assert (first.clock_suspect, second.clock_suspect) == (False, True)


def test_reboot_after_the_event_uses_an_anchor_of_the_old_boot():
    # given: contact before the event, then the event, then a reboot, then the push
    old = Boot("boot-old", T0, wall_offset=3 * HOUR)
    new = Boot("boot-new", T0 + 3 * HOUR, wall_offset=3 * HOUR)
    happened_at = T0 + 2 * HOUR
    push_at = T0 + 4 * HOUR
    anchors = [old.anchor(T0 + HOUR), new.anchor(push_at)]
    received = push_at + 300

    # when
    result = estimate_event(old, happened_at, anchors, received, not_before_ms=T0)

    # then
    assert result.method == "anchor"
    assert_honest(result, happened_at, received)
    assert result.clock_suspect is True
    assert needs_conflict(result) is False


def test_reboot_without_an_old_anchor_falls_back_to_gps_time():
    # given: the only anchor is of the new boot
    old = Boot("boot-old", T0, wall_offset=3 * HOUR)
    new = Boot("boot-new", T0 + 3 * HOUR, wall_offset=3 * HOUR)
    happened_at = T0 + 2 * HOUR
    push_at = T0 + 4 * HOUR
    received = push_at + 300

    # when
    result = estimate_event(
        old,
        happened_at,
        [new.anchor(push_at)],
        received,
        not_before_ms=T0,
        gps_time=happened_at - 4_000,
    )

    # then
    assert result.method == "gps"
    assert_honest(result, happened_at, received)
    assert result.uncertainty_ms == 11_000  # fix age + GPS error: the fix precedes the event
    assert result.clock_suspect is True
    assert result.flags == {SKEW, AFTER_RECEIPT}
    assert needs_conflict(result) is False


def test_reboot_without_anchor_or_gps_is_bounded_by_dispatch_and_receipt():
    # given: a clock 3 h fast, an on-scene 2 h after dispatch, pushed 2 h later after a reboot
    old = Boot("boot-old", T0, wall_offset=3 * HOUR)
    new = Boot("boot-new", T0 + 3 * HOUR, wall_offset=3 * HOUR)
    dispatched = T0 + HOUR
    happened_at = T0 + 2 * HOUR
    push_at = T0 + 4 * HOUR
    received = push_at + 300

    # when
    result = estimate_event(
        old, happened_at, [new.anchor(push_at)], received, not_before_ms=dispatched
    )

    # then: the raw time is after receipt; the offset measured at the push corrects the point
    assert result.method == "device_clock"
    assert_honest(result, happened_at, received)
    assert result.at_ms == happened_at + 300  # raw − (wall − server) at the push
    assert result.uncertainty_ms == 2 * HOUR  # reaches back to the dispatch
    assert result.clock_suspect is True
    assert result.flags == {SKEW, AFTER_RECEIPT}
    assert needs_conflict(result) is True


def test_wall_clock_alone_with_no_offset_known_is_clamped_to_receipt():
    # given: no anchors at all; the clock says after receipt
    dispatched = T0
    received = T0 + 2 * HOUR
    happened_at = T0 + HOUR

    # when
    result = estimate(
        device_time=happened_at + 3 * HOUR,
        boot_id=None,
        elapsed_ms=None,
        gps_time=None,
        anchors=[],
        received_ms=received,
        not_before_ms=dispatched,
    )

    # then
    assert result.method == "device_clock"
    assert result.at_ms == received
    assert result.uncertainty_ms == 2 * HOUR
    assert_honest(result, happened_at, received)
    assert result.skew_ms == 2 * HOUR
    assert result.flags == {SKEW, AFTER_RECEIPT}
    assert needs_conflict(result) is True


def test_trusted_looking_wall_clock_alone_is_unverified_but_no_conflict():
    # when
    result = estimate(
        device_time=T0 + HOUR,
        boot_id=None,
        elapsed_ms=None,
        gps_time=None,
        anchors=[],
        received_ms=T0 + 2 * HOUR,
        not_before_ms=T0,
    )

    # then
    assert result == Estimate(
        at_ms=T0 + HOUR,
        uncertainty_ms=HOUR,
        method="device_clock",
        clock_suspect=False,
        skew_ms=None,
        flags=frozenset(),
    )
    assert needs_conflict(result) is False


def test_wall_clock_without_a_lower_bound_has_unbounded_uncertainty():
    # when
    result = estimate(
        device_time=T0,
        boot_id=None,
        elapsed_ms=None,
        gps_time=None,
        anchors=[],
        received_ms=T0 + HOUR,
    )

    # then
    assert (result.at_ms, result.uncertainty_ms, result.method) == (T0, None, "device_clock")
    assert result.flags == {UNBOUNDED}
    assert result.covers(0) is True


def test_anchored_time_before_dispatch_is_a_contradiction_that_opens_a_conflict():
    # given: elapsed times that put the milestone an hour before its dispatch
    boot = Boot("boot-a", T0)
    dispatched = T0 + 3 * HOUR
    anchors = [boot.anchor(T0 + 4 * HOUR)]
    received = T0 + 4 * HOUR + 300

    # when
    result = estimate_event(boot, T0 + 2 * HOUR, anchors, received, not_before_ms=dispatched)

    # then: the wall clock agrees with the elapsed clock but both contradict the dispatch
    assert result.method == "device_clock"
    assert ANCHOR_CONTRADICTION in result.flags
    assert result.clock_suspect is True
    assert T0 + 3 * HOUR <= result.at_ms <= received
    assert needs_conflict(result) is True


def test_anchors_that_disagree_with_each_other_are_not_trusted():
    # given: an anchor whose elapsed time was forged
    boot = Boot("boot-a", T0)
    honest = boot.anchor(T0 + HOUR)
    forged = Anchor(
        "boot-a", honest.elapsed_ms + 30 * MINUTE, T0 + 2 * HOUR, TRANSIT, T0 + 2 * HOUR
    )
    received = T0 + 3 * HOUR

    # when
    result = estimate_event(boot, T0 + 90 * MINUTE, [honest, forged], received, not_before_ms=T0)

    # then
    assert result.method == "device_clock"
    assert ANCHOR_CONTRADICTION in result.flags
    assert_honest(result, T0 + 90 * MINUTE, received)
    assert needs_conflict(result) is True


def test_nearest_anchor_gives_the_point_and_every_anchor_caps_the_upper_side():
    # given: a slow request just after the event, and a fast one an hour later
    boot = Boot("boot-a", T0)
    happened_at = T0 + 2 * HOUR
    near = boot.anchor(happened_at + MINUTE, latency=3_000)
    far = boot.anchor(happened_at + HOUR, latency=0)

    # when
    result = estimate_event(boot, happened_at, [near, far], happened_at + 2 * HOUR)

    # then: the near anchor says +3 000 ± its bounds; the far one caps it at +1 720
    assert result.method == "anchor"
    assert result.at_ms == happened_at + 1_720
    assert result.uncertainty_ms == 1_720 + (TRANSIT + 12 + 1_000 - 3_000)
    assert_honest(result, happened_at, happened_at + 2 * HOUR)


def test_one_slow_anchor_among_many_does_not_break_the_estimate():
    # given: a request that waited 60 s in a queue, far from the event
    boot = Boot("boot-a", T0)
    happened_at = T0 + 2 * HOUR
    anchors = [boot.anchor(happened_at - 10 * MINUTE), boot.anchor(T0 + 3 * HOUR, latency=60_000)]

    # when
    result = estimate_event(boot, happened_at, anchors, T0 + 3 * HOUR + 60_000)

    # then
    assert result.method == "anchor"
    assert result.flags == frozenset()
    assert_honest(result, happened_at, T0 + 3 * HOUR + 60_000)


def test_server_facts_are_timed_by_the_server():
    # when
    result = server_estimate(T0)

    # then
    assert result == Estimate(T0, 0, "server", False, None)


@settings(max_examples=400)
@given(
    setup=st.sampled_from(
        ["same_boot", "reboot_with_old_anchor", "reboot_with_gps", "reboot_bare"]
    ),
    true_offline=st.integers(0, 72 * HOUR),
    before_contact=st.integers(0, 6 * HOUR),
    after_contact=st.integers(1_000, 72 * HOUR),
    wall_offset=st.one_of(
        st.integers(-6 * HOUR, 6 * HOUR), st.just(-T0), st.integers(-T0, 10 * 365 * 24 * HOUR)
    ),
    drift_ppm=st.floats(-150, 150),
    latencies=st.tuples(st.integers(0, TRANSIT), st.integers(0, TRANSIT)),
    gps_age=st.none() | st.integers(0, 10_000),
    dispatch_lead=st.integers(0, 6 * HOUR),
)
def test_estimates_are_honest_for_any_clock(
    setup,
    true_offline,
    before_contact,
    after_contact,
    wall_offset,
    drift_ppm,
    latencies,
    gps_age,
    dispatch_lead,
):
    # given: contact, then an offline period with the event, then (maybe after a reboot) a push
    boot = Boot("boot-a", T0, wall_offset=wall_offset, drift_ppm=drift_ppm)
    contact_at = T0 + before_contact
    happened_at = contact_at + true_offline
    push_at = happened_at + after_contact
    received = push_at + latencies[1]
    anchors = (
        []
        if setup in ("reboot_with_gps", "reboot_bare")
        else [boot.anchor(contact_at, latencies[0])]
    )
    pusher = (
        boot if setup == "same_boot" else Boot("boot-b", happened_at + 1, wall_offset=wall_offset)
    )
    anchors.append(pusher.anchor(push_at, latencies[1]))
    if setup == "reboot_with_gps" and gps_age is None:
        gps_age = 0
    not_before = max(0, happened_at - dispatch_lead)

    # when
    result = estimate_event(
        boot,
        happened_at,
        anchors,
        received,
        not_before_ms=not_before,
        gps_time=None if gps_age is None else happened_at - gps_age,
    )

    # then
    observe(result.method)
    assert result.covers(happened_at)
    assert result.uncertainty_ms is not None
    assert not_before <= result.at_ms <= received
    assert (
        result.method
        == {
            "same_boot": "anchor",
            "reboot_with_old_anchor": "anchor",
            "reboot_with_gps": "gps",
            "reboot_bare": "gps" if gps_age is not None else "device_clock",
        }[setup]
    )
    if abs(wall_offset) > CLOCK_TOLERANCE_MS + result.uncertainty_ms + TRANSIT:
        assert result.clock_suspect is True
    if result.clock_suspect is False:
        assert abs(boot.wall(happened_at) - result.at_ms) <= CLOCK_TOLERANCE_MS
    assert ANCHOR_CONTRADICTION not in result.flags


@given(
    true_offline=st.integers(0, 72 * HOUR),
    wall_offset=st.integers(-T0, 6 * HOUR),
    latency=st.integers(0, TRANSIT),
)
def test_wall_clock_without_a_lower_bound_is_never_after_receipt(
    true_offline, wall_offset, latency
):
    # given: a reboot lost every anchor of the event's boot, and nothing bounds it from below
    boot = Boot("boot-a", T0, wall_offset=wall_offset)
    happened_at = T0 + true_offline
    push_at = happened_at + HOUR
    pusher = Boot("boot-b", happened_at + 1, wall_offset=wall_offset)

    # when
    result = estimate_event(boot, happened_at, [pusher.anchor(push_at, latency)], push_at + latency)

    # then
    assert (result.method, result.uncertainty_ms) == ("device_clock", None)
    assert result.at_ms <= push_at + latency
    assert abs(result.at_ms - happened_at) <= latency


def test_estimate_older_than_the_window_is_flagged_too_old_and_suspect():
    # given: an anchored event nine days before receipt, a window of seven days
    anchor = Anchor(boot_id="b", elapsed_ms=10 * 24 * HOUR, server_ms=T0 + 10 * 24 * HOUR)
    received = T0 + 10 * 24 * HOUR

    # when
    old = estimate(
        device_time=T0 + 24 * HOUR,
        boot_id="b",
        elapsed_ms=24 * HOUR,
        gps_time=None,
        anchors=[anchor],
        received_ms=received,
        oldest_ms=received - 7 * 24 * HOUR,
    )
    recent = estimate(
        device_time=T0 + 9 * 24 * HOUR,
        boot_id="b",
        elapsed_ms=9 * 24 * HOUR,
        gps_time=None,
        anchors=[anchor],
        received_ms=received,
        oldest_ms=received - 7 * 24 * HOUR,
    )

    # then: the time is still the best estimate, but not taken as fact
    assert old.at_ms == T0 + 24 * HOUR
    assert (old.method, old.clock_suspect, TOO_OLD in old.flags) == ("anchor", True, True)
    assert not needs_conflict(old)  # anchored: the time is good, only old
    assert (recent.clock_suspect, TOO_OLD in recent.flags) == (False, False)


def test_device_clock_estimate_older_than_the_window_opens_a_conflict():
    # when: no anchors, no GPS: only the wall clock, ten days before receipt
    received = T0 + 10 * 24 * HOUR
    old = estimate(
        device_time=T0,
        boot_id=None,
        elapsed_ms=None,
        gps_time=None,
        anchors=[],
        received_ms=received,
        oldest_ms=received - 7 * 24 * HOUR,
    )

    # then
    assert (old.method, old.clock_suspect, needs_conflict(old)) == ("device_clock", True, True)
