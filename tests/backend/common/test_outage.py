"""A cache outage is one line a request, not a traceback; a bug keeps its traceback."""

from __future__ import annotations

import logging

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from backend.sync_gateway import views


@pytest.fixture
def cache_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(views.cache, "add", refuse)
    monkeypatch.setattr(views.cache, "incr", refuse)


def test_a_cache_outage_is_a_line_and_the_device_goes_on(cache_down, caplog, settings):
    settings.KUZET_SYNC_RATE_PER_MINUTE = 10

    with caplog.at_level(logging.WARNING, logger=views.logger.name):
        views._rate_limit("dev_1")  # fails open: no error

    [record] = caplog.records
    assert record.getMessage() == (
        "rate limit not enforced: cache unavailable "
        "(Error 111 connecting to 127.0.0.1:6379. Connection refused.)"
    )
    assert record.exc_info is None


def test_anything_else_keeps_its_traceback(monkeypatch, caplog, settings):
    settings.KUZET_SYNC_RATE_PER_MINUTE = 10

    def broken(*args, **kwargs):
        raise TypeError("a bug, not an outage")

    monkeypatch.setattr(views.cache, "add", broken)
    with caplog.at_level(logging.WARNING, logger=views.logger.name):
        views._rate_limit("dev_1")

    [record] = caplog.records
    assert record.exc_info is not None
    assert record.exc_info[0] is TypeError
