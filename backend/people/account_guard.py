"""Wrong console passwords for one account from every address, counted in a sliding window.

``KUZET_LOGIN_ACCOUNT_FAILURE_LIMIT`` wrong passwords within
``KUZET_LOGIN_ACCOUNT_WINDOW_MINUTES`` guard the account (``login_audit.ConsoleLoginForm``).
A fixed window (one counter from the first failure, expiring as a whole) let a guesser pace
limit − 1 guesses a window for ever, and a burst at a window's edge had twice the limit. Here
the window is cut in ``BUCKETS`` buckets, one cache counter each, and a failure counts while
its bucket is among the last ``BUCKETS + 1``: for the window after it, at most a bucket longer
(60 to 65 minutes for 60). Any ``limit`` failures within the window guard the account, and
the guard ends bit by bit as its oldest failures leave the window.

The counters are in the cache (Redis in production), as every failure counter
(``backend.common.attempts``): reading the window is one round trip (``get_many``), counting
a failure one more (an atomic ``add`` or ``incr`` of the current bucket). They fail open: a
cache that does not answer guards nobody and says so in the log. A new password clears them
(:func:`clear`): the failures were against the old one.
"""

from __future__ import annotations

import hashlib
import logging
import math
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from backend.common import clock
from backend.common.outage import cache_unavailable

logger = logging.getLogger(__name__)

BUCKETS = 12


def enabled() -> bool:
    return settings.KUZET_AUTH_FAILURE_LIMIT > 0 and settings.KUZET_LOGIN_ACCOUNT_FAILURE_LIMIT > 0


def _bucket_seconds() -> int:
    return max(1, math.ceil(settings.KUZET_LOGIN_ACCOUNT_WINDOW_MINUTES * 60 / BUCKETS))


def _key(account: str, bucket: int) -> str:
    # a typed username is anybody's text: hashed, it is a short key of safe characters
    digest = hashlib.sha256(account.encode()).hexdigest()[:32]
    return f"kuzet.login_account.{digest}.{bucket}"


@dataclass(frozen=True)
class Window:
    """An account's failures per bucket (the buckets still counted at ``now``)."""

    account: str
    now: float
    counts: dict[int, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def guarded(self) -> bool:
        return self.total >= settings.KUZET_LOGIN_ACCOUNT_FAILURE_LIMIT

    def seconds_left(self) -> int:
        """Until the guard ends if no failure comes: until enough of the oldest failures
        left the window to be under the limit."""
        size, total, end = _bucket_seconds(), self.total, self.now
        for bucket in sorted(self.counts):
            if total < settings.KUZET_LOGIN_ACCOUNT_FAILURE_LIMIT:
                break
            total -= self.counts[bucket]
            end = (bucket + BUCKETS + 1) * size
        return max(1, math.ceil(end - self.now))


def _buckets(now: float) -> range:
    current = int(now // _bucket_seconds())
    return range(current - BUCKETS, current + 1)


def read(account: str) -> Window | None:
    """The account's failures in the window (one round trip); None when not counted."""
    if not account or not enabled():
        return None
    now = clock.now().timestamp()
    keys = {_key(account, bucket): bucket for bucket in _buckets(now)}
    try:
        found = cache.get_many(list(keys))
    except Exception as error:
        cache_unavailable(logger, error, "failure counter unavailable for %s", "login account")
        return None
    return Window(account, now, {keys[key]: int(value) for key, value in found.items()})


def failed(account: str, seen: Window | None) -> int | None:
    """Count one failure; the failures in the window with it (None when not counted).

    The buckets before the current one are taken from ``seen`` (the window read for this
    attempt): the current bucket's count is atomic, so of attempts at once exactly one
    reaches the limit."""
    if not account or not enabled():
        return None
    now = clock.now().timestamp()
    buckets = _buckets(now)
    current = buckets[-1]
    key = _key(account, current)
    timeout = (BUCKETS + 2) * _bucket_seconds()
    try:
        if cache.add(key, 1, timeout):
            count = 1
        else:
            try:
                count = cache.incr(key)
            except ValueError:  # expired between the two calls
                cache.add(key, 1, timeout)
                count = 1
    except Exception as error:
        cache_unavailable(logger, error, "failure counter unavailable for %s", "login account")
        return None
    if seen is None or seen.account != account:
        seen = read(account)
    before = (
        sum(n for bucket, n in seen.counts.items() if bucket in buckets and bucket != current)
        if seen is not None
        else 0
    )
    return before + count


def clear(account: str) -> Window | None:
    """Forget the account's failures (a new password); the window as it was."""
    window = read(account)
    if window is None:
        return None
    try:
        cache.delete_many([_key(account, bucket) for bucket in window.counts])
    except Exception as error:
        cache_unavailable(logger, error, "failure counter unavailable for %s", "login account")
        return None
    return window
