"""A cache (Redis) that does not answer, said in one line.

Kuzet fails open where the cache only counts (throttles, failure counters, rate limits): the
request goes on and a warning is logged. During an outage that is every request — a
40-line traceback each hid everything else in the journal. A connection that fails is one
line with its reason; anything else keeps its traceback (it is a bug, not an outage).
"""

from __future__ import annotations

import logging
from typing import Any

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError)


def cache_unavailable(logger: logging.Logger, error: Exception, message: str, *args: Any) -> None:
    """Log ``message`` (``%``-style with ``args``) for ``error`` caught around a cache call."""
    if isinstance(error, UNREACHABLE):
        logger.warning(message + " (%s)", *args, error)
    else:
        logger.warning(message, *args, exc_info=error)
