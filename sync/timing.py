"""When did an event happen? Estimating device event times (PROTOCOL.md §6.7).

A device's wall clock is untrusted (users and networks set it; +3 h and 1970 happen). Its
monotonic clock — milliseconds since boot, ``elapsed_ms`` — cannot be changed without a
reboot, and a reboot changes ``boot_id``. Every device request carries
``X-Device-Clock: <wall_ms>;<boot_id>;<elapsed_ms>``; the server turns it into an
:class:`Anchor`: "at elapsed E of boot B the device sent a request the server received at S".

Given the raw observations of an event, :func:`estimate` returns a time with an honest
uncertainty: the true time lies within ``at_ms ± uncertainty_ms`` whenever the assumptions
below hold, and never after the server received the event.

Methods, best first:

``anchor``
    Same boot as some anchor: each anchor says the event happened at
    ``server_ms − (anchor.elapsed_ms − elapsed_ms)``, give or take the request's one-way
    transit (the device read its clock at most ``transit_ms`` before the server received the
    request), the monotonic clock's drift (bounded by :data:`DRIFT_PPM` of the elapsed
    difference) and :data:`BASE_UNCERTAINTY_MS`. The point and the lower bound come from
    the nearest anchor; every anchor caps the upper bound (latency cannot break that side).
    Anchors that contradict each other or the hard bounds are not trusted (a conflict).
``gps``
    The GPS fix time sent with the event. The app attaches only a fix taken at most
    :data:`GPS_MAX_FIX_AGE_MS` before the event, from GNSS time (not the fused provider's
    system time).
``device_clock``
    The wall clock, *unverified*. The point estimate is the raw time, corrected by the
    device's latest measured offset (an anchor's ``wall_ms − server_ms``) if known; the
    uncertainty covers the whole window ``[not_before_ms,
    received_ms]`` — the only thing we really know. Without ``not_before_ms`` it is ``None``
    (unbounded).
``server``
    Server-side facts: the server's own time (:func:`server_estimate`).

Every estimate is clamped into ``[not_before_ms, received_ms]``: an event cannot happen
after the server received it, and a milestone cannot happen before its dispatch (the device
only learns of an assignment after it is dispatched). The gateway passes as
``not_before_ms`` the tightest *hard* lower bound it knows: the assignment's dispatch time
for events about an assignment, else the device's enrolment time (a device records nothing
before it is enrolled).

Assumptions, to calibrate in the field: monotonic drift ≤ 200 ppm (Android crystals are
about 20-100 ppm); the anchor's ``transit_ms`` really bounds the one-way latency of the
request that carried the header (the client rebuilds the header on every attempt; the
gateway uses :data:`DEFAULT_TRANSIT_MS` unless it measures better).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Final, Literal

from sync.protocol import ClockHeader

DRIFT_PPM: Final = 200
BASE_UNCERTAINTY_MS: Final = 1_000
# Upper bound assumed for the one-way latency of a request the server answered: the reference
# client gives up writing a request after this long. Rural 2G round trips are ~1 s.
DEFAULT_TRANSIT_MS: Final = 10_000
GPS_MAX_FIX_AGE_MS: Final = 10_000
GPS_ERROR_MS: Final = 1_000
# A raw wall time further than this from the estimate makes the device clock suspect.
CLOCK_TOLERANCE_MS: Final = 120_000
# Raw times up to this much after receipt / before dispatch are jitter, not a wrong clock.
LEEWAY_MS: Final = 2_000

Method = Literal["anchor", "gps", "device_clock", "server"]

# Flags explaining an estimate (stored by the gateway with the event if it wants them).
SKEW: Final = "skew"  # the raw wall time is more than CLOCK_TOLERANCE_MS from the estimate
AFTER_RECEIPT: Final = "after_receipt"  # the raw wall time is after the server received it
BEFORE_NOT_BEFORE: Final = "before_not_before"  # the raw wall time is before dispatch
ANCHOR_CONTRADICTION: Final = "anchor_contradiction"  # same-boot anchors contradict the bounds
GPS_REJECTED: Final = "gps_rejected"  # the GPS time lies outside [not_before, receipt]
UNBOUNDED: Final = "unbounded"  # device clock with no lower bound: uncertainty unknown
TOO_OLD: Final = "too_old"  # the estimate lies before the window of trusted times (oldest_ms)


@dataclass(frozen=True)
class Anchor:
    """One request's clock observation: at ``elapsed_ms`` of ``boot_id`` the device sent a
    request that the server received at ``server_ms``; ``transit_ms`` bounds the one-way
    latency. ``wall_ms`` (optional, an addition to the brief) is the device's wall clock in
    the same header; it measures the wall clock's offset, used only to correct a
    ``device_clock`` estimate's point."""

    boot_id: str
    elapsed_ms: int
    server_ms: int
    transit_ms: int = DEFAULT_TRANSIT_MS
    wall_ms: int | None = None

    @classmethod
    def from_clock(
        cls, clock: ClockHeader, *, server_ms: int, transit_ms: int = DEFAULT_TRANSIT_MS
    ) -> Anchor:
        return cls(
            boot_id=clock.boot_id,
            elapsed_ms=clock.elapsed_ms,
            server_ms=server_ms,
            transit_ms=transit_ms,
            wall_ms=clock.wall_ms,
        )


@dataclass(frozen=True)
class Estimate:
    """``at_ms ± uncertainty_ms`` (None: unbounded), how it was obtained, and whether the
    device's raw wall time is suspect. ``skew_ms`` = raw device time − ``at_ms`` when the
    estimate does not come from that raw time itself. ``flags`` say why (see the constants
    of this module)."""

    at_ms: int
    uncertainty_ms: int | None
    method: Method
    clock_suspect: bool
    skew_ms: int | None
    flags: frozenset[str] = field(default_factory=frozenset)

    def covers(self, true_ms: int) -> bool:
        """Whether ``true_ms`` lies within the stated uncertainty (for tests and audits)."""
        return self.uncertainty_ms is None or abs(true_ms - self.at_ms) <= self.uncertainty_ms


def drift_bound_ms(elapsed_difference_ms: int) -> int:
    return math.ceil(abs(elapsed_difference_ms) * DRIFT_PPM / 1_000_000)


def estimate(
    *,
    device_time: int,
    boot_id: str | None,
    elapsed_ms: int | None,
    gps_time: int | None,
    anchors: Sequence[Anchor],
    received_ms: int,
    not_before_ms: int | None = None,
    oldest_ms: int | None = None,
) -> Estimate:
    """Estimate when a device event happened (see the module docstring).

    ``anchors`` may hold anchors of any boot; those of the event's boot drive the ``anchor``
    method, the latest one carrying ``wall_ms`` corrects a ``device_clock`` point. Pass at
    least the nearest anchors before and after the event's elapsed time of its boot (the
    push that carried the event is one) and the device's latest anchor. ``oldest_ms``: the
    edge of the window of times taken as fact (the gateway passes receipt − 7 days): an
    estimate before it keeps its value but is flagged :data:`TOO_OLD` and clock-suspect.
    """
    result = _estimate(
        device_time, boot_id, elapsed_ms, gps_time, anchors, received_ms, not_before_ms
    )
    if oldest_ms is not None and result.at_ms < oldest_ms:
        return replace(result, clock_suspect=True, flags=result.flags | {TOO_OLD})
    return result


def _estimate(
    device_time: int,
    boot_id: str | None,
    elapsed_ms: int | None,
    gps_time: int | None,
    anchors: Sequence[Anchor],
    received_ms: int,
    not_before_ms: int | None,
) -> Estimate:
    low = not_before_ms if not_before_ms is None else min(not_before_ms, received_ms)
    high = received_ms
    flags: set[str] = set()
    if device_time > received_ms + LEEWAY_MS:
        flags.add(AFTER_RECEIPT)
    if low is not None and device_time < low - LEEWAY_MS:
        flags.add(BEFORE_NOT_BEFORE)

    if boot_id is not None and elapsed_ms is not None:
        same_boot = [a for a in anchors if a.boot_id == boot_id]
        if same_boot:
            anchored = _from_anchors(elapsed_ms, same_boot, low, high)
            if anchored is not None:
                return _finish(device_time, *anchored, "anchor", flags)
            flags.add(ANCHOR_CONTRADICTION)

    if gps_time is not None:
        interval = _intersect(
            gps_time - GPS_ERROR_MS, gps_time + GPS_MAX_FIX_AGE_MS + GPS_ERROR_MS, low, high
        )
        if interval is not None:
            return _finish(device_time, gps_time, *interval, "gps", flags)
        flags.add(GPS_REJECTED)

    return _from_device_clock(device_time, anchors, low, high, flags)


def _intersect(lo: int, hi: int, low: int | None, high: int) -> tuple[int, int] | None:
    lo = lo if low is None else max(lo, low)
    hi = min(hi, high)
    return (lo, hi) if lo <= hi else None


def _from_anchors(
    elapsed_ms: int, anchors: Sequence[Anchor], low: int | None, high: int
) -> tuple[int, int, int] | None:
    """(point, lo, hi) from the same-boot anchors, or None if they contradict the bounds.

    Every anchor's upper bound holds even when its request was slower than ``transit_ms``
    (latency only makes an anchor say "later"), so the upper bound is the least of them all.
    The lower bound relies on the transit bound, so only the nearest anchor's is used: one
    slow request among hundreds cannot silently push the interval past the truth.
    """
    hi = math.inf
    nearest: tuple[int, int, int, int] | None = None  # (uncertainty, |difference|, point, lo)
    for anchor in anchors:
        difference = elapsed_ms - anchor.elapsed_ms
        drift = drift_bound_ms(difference)
        point = anchor.server_ms + difference
        hi = min(hi, point + drift + BASE_UNCERTAINTY_MS)
        lo = point - anchor.transit_ms - drift - BASE_UNCERTAINTY_MS
        candidate = (anchor.transit_ms + drift, abs(difference), point, lo)
        if nearest is None or candidate < nearest:
            nearest = candidate
    assert nearest is not None
    _, _, point, lo = nearest
    if lo > hi:
        return None
    interval = _intersect(lo, int(hi), low, high)
    if interval is None:
        return None
    return point, interval[0], interval[1]


def _from_device_clock(
    device_time: int, anchors: Sequence[Anchor], low: int | None, high: int, flags: set[str]
) -> Estimate:
    point = device_time
    walled = [a for a in anchors if a.wall_ms is not None]
    if walled:
        # The wall clock's offset at the device's latest contact is the best guess of its
        # offset at the event (wall clocks survive reboots); the uncertainty does not rely
        # on it, it covers the whole window.
        latest = max(walled, key=lambda a: (a.server_ms, a.elapsed_ms))
        assert latest.wall_ms is not None
        point = device_time - (latest.wall_ms - latest.server_ms)
    if low is None:
        flags.add(UNBOUNDED)
    return _finish(device_time, point, low, high, "device_clock", flags)


def _clamp(value: int, low: int | None, high: int) -> int:
    if low is not None and value < low:
        return low
    return min(value, high)


def _finish(
    device_time: int, point: int, lo: int | None, hi: int, method: Method, flags: set[str]
) -> Estimate:
    at = _clamp(point, lo, hi)
    uncertainty = None if lo is None else max(at - lo, hi - at)
    if abs(device_time - at) > CLOCK_TOLERANCE_MS:
        flags.add(SKEW)
    skew = None if method == "device_clock" and at == device_time else device_time - at
    return Estimate(
        at_ms=at,
        uncertainty_ms=uncertainty,
        method=method,
        clock_suspect=bool(flags & {SKEW, AFTER_RECEIPT, BEFORE_NOT_BEFORE, ANCHOR_CONTRADICTION}),
        skew_ms=skew,
        flags=frozenset(flags),
    )


def server_estimate(at_ms: int) -> Estimate:
    """A server-side fact (a command, an acknowledgement on the officer's behalf, an SMS
    reply): its time is the server's own clock."""
    return Estimate(
        at_ms=at_ms, uncertainty_ms=0, method="server", clock_suspect=False, skew_ms=None
    )


def needs_conflict(estimate: Estimate) -> bool:
    """Whether an event's *time* must go to the chief's conflict queue.

    Our reading of §6.7 ("an event dated after its server receipt, or a milestone before its
    dispatch, is flagged clock_suspect and opens a conflict"): every such event is flagged
    ``clock_suspect``, but a conflict opens only when the estimate itself cannot be trusted
    for the SLA —

    - the method is ``device_clock`` and the raw wall time was after receipt, before
      dispatch or older than the window of trusted times (nothing but a wrong clock to go
      on), or
    - the same-boot anchors contradict the hard bounds (an anchored time after receipt, or
      before dispatch beyond its uncertainty: forged or broken elapsed times).

    A device whose wall clock is wrong but whose events are anchored (or GPS-timed) is flagged
    ``clock_suspect`` without flooding the conflict queue: its times are good.
    """
    if ANCHOR_CONTRADICTION in estimate.flags:
        return True
    return estimate.method == "device_clock" and bool(
        estimate.flags & {AFTER_RECEIPT, BEFORE_NOT_BEFORE, TOO_OLD}
    )
