"""Settings for the test suite: the base settings with fast hashing and eager-free Celery.

``DATABASE_URL`` and ``REDIS_URL`` still choose the real services; CI sets both.
"""

from __future__ import annotations

import os

os.environ.setdefault("SECRET_KEY", "kuzet-test-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("KUZET_DEMO", "false")


def _redis_of_this_worker(url: str, worker: str) -> str:
    """pytest-xdist's worker ``gwN`` uses Redis database ``base + N`` (mod 16), so that the
    Celery workers and servers one worker's tests start never take another's tasks from the
    shared queue (channel and cache keys are per process already, below)."""
    from urllib.parse import urlsplit, urlunsplit

    n = int(worker.removeprefix("gw") or 0)
    if not url or not n:
        return url
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(base + n) % 16}"))


if os.environ.get("PYTEST_XDIST_WORKER") and os.environ.get("REDIS_URL"):
    # In os.environ, so the server and worker processes a test starts inherit it.
    os.environ["REDIS_URL"] = _redis_of_this_worker(
        os.environ["REDIS_URL"], os.environ["PYTEST_XDIST_WORKER"]
    )

from .base import *  # noqa: E402, F403  (after REDIS_URL is this worker's, above)
from .base import REDIS_URL, VAR_DIR  # noqa: E402

ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Unit tests run Celery tasks in-process; the integration tests start a real worker and
# beat with their own environment.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True

KUZET_SMS_BACKEND = "backend.dispatch.sms.MemoryBackend"
KUZET_SMS_FILE_DIR = str(VAR_DIR / "test-sms")
KUZET_SMS_INBOUND_SECRET = "test-inbound-secret"  # noqa: S105
# Limits the whole suite would trip over (every test client shares one address and user ids
# repeat across rolled-back tests); the tests of the limits set their own.
KUZET_AUTH_FAILURE_LIMIT = 1000
KUZET_AUTH_SHARED_FAILURE_LIMIT = 1000
KUZET_LOGIN_ADDRESS_FAILURE_LIMIT = 1000
KUZET_LOGIN_ACCOUNT_FAILURE_LIMIT = 1000
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": {"staff": "100000/min", "intake": "100000/min", "anon": "100000/min"},
}
# The metrics registry of the test process is its own (no multiprocess directory).
os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)

if REDIS_URL:
    # Keep test traffic apart from a `make run` on the same Redis.
    _layer_config: dict[str, object] = CHANNEL_LAYERS["default"]["CONFIG"]  # type: ignore[assignment]  # noqa: F405
    _layer_config["prefix"] = f"kuzet-test-{os.getpid()}"
    _cache: dict[str, object] = CACHES["default"]  # type: ignore[assignment]  # noqa: F405
    _cache["KEY_PREFIX"] = f"kuzet-test-{os.getpid()}"
