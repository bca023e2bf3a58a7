"""Settings for bench/ws_push.py: the base settings plus a commit-time probe.

The layer is chosen as in production, with ``KUZET_CHANNEL_LAYER`` (pubsub | core). The
probe listener runs before the fan-out and records when each assignment's transaction
committed.
"""

from backend.config.settings.base import *  # noqa: F403
from backend.config.settings.base import KUZET_CHANGE_LISTENERS

KUZET_CHANGE_LISTENERS = ["ws_timing.record_commit", *KUZET_CHANGE_LISTENERS]
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
