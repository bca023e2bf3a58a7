"""Real Celery processes for the escalation tests: a private Redis, workers and beats.

Everything runs on the pytest-django test database (the tests use ``transactional_db`` so
that the worker sees what they commit) and on a PRIVATE ``redis-server`` started here on a
free port, so that restarting it never disturbs anyone else's Redis.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import redis
from django.db import connection

from backend.ops.heartbeat import ESCALATION_SWEEP
from backend.ops.models import Heartbeat
from tests.e2e.processes import ROOT, database_url, free_port

CELERY = str(ROOT / ".venv" / "bin" / "celery")
SWEEP_SECONDS = 1


def wait_for(predicate: Callable[[], Any], *, timeout: float, what: str, every: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(every)


@dataclass
class Proc:
    """A child process in its own session, so a SIGKILL takes its whole group."""

    name: str
    args: list[str]
    env: dict[str, str]
    log: Path
    popen: subprocess.Popen[bytes] | None = None

    def start(self) -> Proc:
        handle = self.log.open("ab")
        self.popen = subprocess.Popen(
            self.args,
            cwd=ROOT,
            env=self.env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        handle.close()
        return self

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def kill(self) -> None:
        """SIGKILL, no goodbye: the crash the ladder must survive."""
        if self.popen is not None and self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=10)

    def stop(self) -> None:
        if self.popen is None or self.popen.poll() is not None:
            return
        os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()


@dataclass
class PrivateRedis:
    port: int
    dir: Path
    proc: Proc | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/13"

    def start(self) -> None:
        self.proc = Proc(
            "redis",
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.dir)],
            dict(os.environ), self.dir / "redis.log",
        ).start()  # fmt: skip
        client = redis.Redis(port=self.port, socket_timeout=1)
        wait_for(lambda: _ping(client), timeout=15, what="the private redis-server")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.stop()


def _ping(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(port=free_port(), dir=tmp_path)
    server.start()
    yield server
    server.stop()


@dataclass
class Celery:
    """Start workers and beats on the test database and the private Redis."""

    redis: PrivateRedis
    dir: Path
    db_url: str
    procs: list[Proc] = field(default_factory=list)

    @property
    def sms_dir(self) -> Path:
        return self.dir / "sms"

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "backend.config.settings.base",
            "DATABASE_URL": self.db_url,
            "REDIS_URL": self.redis.url,
            "KUZET_ESCALATION_SWEEP_SECONDS": str(SWEEP_SECONDS),
            "KUZET_SMS_BACKEND": "backend.dispatch.sms.FileBackend",
            "KUZET_SMS_FILE_DIR": str(self.sms_dir),
            "KUZET_VAR_DIR": str(self.dir),
            "KUZET_DB_POOL": "0",
            "SECRET_KEY": "kuzet-e2e-escalation-secret-key-0123456789abcdef0123456789",
            "DEBUG": "0",
            "LOG_LEVEL": "INFO",
        }

    def worker(self, name: str = "w1", *extra: str) -> Proc:
        args = [CELERY, "-A", "backend.config", "worker", "--loglevel", "INFO", "-n",
                f"{name}@%h", "--without-heartbeat", "--without-mingle", "--without-gossip",
                *(extra or ("--pool", "solo"))]  # fmt: skip
        proc = Proc(name, args, self.env(), self.dir / f"{name}.log").start()
        self.procs.append(proc)
        return proc

    def beat(self, name: str = "beat") -> Proc:
        args = [CELERY, "-A", "backend.config", "beat", "--loglevel", "INFO",
                "-s", str(self.dir / f"{name}-schedule")]  # fmt: skip
        proc = Proc(name, args, self.env(), self.dir / f"{name}.log").start()
        self.procs.append(proc)
        return proc

    def wait_until_sweeping(self, worker: Proc, *, timeout: float = 60) -> None:
        """Until a sweep sent by beat has finished: its heartbeat is written (the worker's
        log no longer prints a line per routine task, backend/config/celery.py)."""
        wait_for(
            lambda: Heartbeat.objects.filter(name=ESCALATION_SWEEP).exists(),
            timeout=timeout,
            what=f"{worker.name} to run a sweep",
            every=0.2,
        )

    def stop_all(self) -> None:
        for proc in reversed(self.procs):
            proc.stop()


@pytest.fixture
def celery(transactional_db: Any, private_redis: PrivateRedis, tmp_path: Path) -> Iterator[Celery]:
    runner = Celery(redis=private_redis, dir=tmp_path, db_url=database_url())
    yield runner
    runner.stop_all()
    connection.close()
