"""Settings for bench/ws_push.py: the base settings, a commit-time probe, a layer switch.

``KUZET_BENCH_LAYER=pubsub`` selects ``RedisPubSubChannelLayer``; the default is the
``RedisChannelLayer`` of the base settings. The probe listener runs before the fan-out and
records when each assignment's transaction committed.
"""

import os

from backend.config.settings.base import *  # noqa: F403
from backend.config.settings.base import CHANNEL_LAYERS, KUZET_CHANGE_LISTENERS, REDIS_URL

if os.environ.get("KUZET_BENCH_LAYER") == "pubsub":
    CHANNEL_LAYERS["default"] = {
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {
            "hosts": [{"address": REDIS_URL, "socket_timeout": 15, "max_connections": 1000}],
            "prefix": os.environ.get("KUZET_CHANNEL_PREFIX", "kuzet"),
        },
    }

KUZET_CHANGE_LISTENERS = ["ws_timing.record_commit", *KUZET_CHANGE_LISTENERS]
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
