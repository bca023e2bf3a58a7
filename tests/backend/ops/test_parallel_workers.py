"""Each pytest-xdist worker of the suite has its own Redis database (CI runs two workers):
the Celery workers and servers its tests start must never take another worker's tasks from
the shared queue, nor its broadcasts."""

from __future__ import annotations

import os

import pytest

from backend.config.settings.test import _redis_of_this_worker


@pytest.mark.parametrize(
    ("url", "worker", "expected"),
    [
        ("redis://127.0.0.1:6379/7", "gw0", "redis://127.0.0.1:6379/7"),
        ("redis://127.0.0.1:6379/7", "gw1", "redis://127.0.0.1:6379/8"),
        ("redis://127.0.0.1:6379/15", "gw2", "redis://127.0.0.1:6379/1"),
        ("redis://:secret@redis.local:6380", "gw3", "redis://:secret@redis.local:6380/3"),
        ("", "gw1", ""),
    ],
)
def test_every_worker_but_the_first_moves_to_a_database_of_its_own(url, worker, expected):
    assert _redis_of_this_worker(url, worker) == expected


def test_this_process_and_the_servers_it_starts_read_the_same_database(settings):
    # (Servers and Celery workers a test starts inherit os.environ: processes.server_env.)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker or not settings.REDIS_URL:
        pytest.skip("one process, or no Redis: nothing moved")
    assert os.environ["REDIS_URL"] == settings.REDIS_URL
    assert settings.CELERY_BROKER_URL == settings.REDIS_URL
