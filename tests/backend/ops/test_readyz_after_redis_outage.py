"""/readyz once Redis is back: the worker check does not report the outage it outlived.

Seen on an operator's walk-through: Redis went down and came back; the worker and beat
reconnected, `redis` answered PONG, and yet each web process's next `/readyz` said
`worker: ConnectionError: Connection closed by server.` — its pooled broker connection was
the one Redis had closed. Monitoring that pages on one 503 paged for nothing.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import redis

from backend.ops import views


class BrokerClosedOnce:
    """A Celery control whose first ping meets the connection Redis closed while it was down."""

    def __init__(self):
        self.pings = 0

    def ping(self, timeout, limit):
        self.pings += 1
        if self.pings == 1:
            raise redis.ConnectionError("Connection closed by server.")
        return [{"celery@host": {"ok": "pong"}}]


def test_worker_check_asks_again_when_the_broker_connection_was_closed(monkeypatch):
    # given: the pooled broker connection was closed by a Redis restart
    control = BrokerClosedOnce()
    monkeypatch.setattr(views, "current_app", SimpleNamespace(control=control))

    # when
    check = views.check_worker()

    # then: a fresh connection reached the worker
    assert check == {"ok": True, "detail": "celery@host answered"}
    assert control.pings == 2


def test_worker_check_fails_while_the_broker_stays_unreachable(monkeypatch):
    # given
    def unreachable(timeout, limit):
        raise redis.ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    control = SimpleNamespace(ping=unreachable)
    monkeypatch.setattr(views, "current_app", SimpleNamespace(control=control))

    # when / then: the second try fails too, and readiness() reports what it said
    with pytest.raises(redis.ConnectionError, match="Connection refused"):
        views.check_worker()
