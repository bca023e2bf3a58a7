"""Settings for bench/sync_bench.py: the base settings plus the naive "changed since" endpoint
(the floor to beat) under ``/bench/naive/events``."""

from backend.config.settings.base import *  # noqa: F403
from backend.config.settings.base import REST_FRAMEWORK

# The floors are measured, not throttled: the naive endpoint is DRF, and one bench token
# would hit the staff rate (600/min) within a second.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {
        "staff": "1000000/min",
        "intake": "1000000/min",
        "anon": "1000000/min",
    },
}

ROOT_URLCONF = "sync_urls"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False}},
}
