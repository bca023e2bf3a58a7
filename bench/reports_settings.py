"""Settings for bench/reports_bench.py: the base settings plus the naive KPI endpoint (the
floor: the same figures computed in Python from loaded rows) under ``/bench/naive-kpis/``."""

from backend.config.settings.base import *  # noqa: F403

ROOT_URLCONF = "reports_urls"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False}},
}
