"""Settings for bench/sync_bench.py: the base settings plus the naive "changed since" endpoint
(the floor to beat) under ``/bench/naive/events``."""

from backend.config.settings.base import *  # noqa: F403

ROOT_URLCONF = "sync_urls"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False}},
}
