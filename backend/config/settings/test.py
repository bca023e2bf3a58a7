"""Settings for the test suite: the base settings with fast hashing and eager-free Celery.

``DATABASE_URL`` and ``REDIS_URL`` still choose the real services; CI sets both.
"""

from __future__ import annotations

import os

os.environ.setdefault("SECRET_KEY", "kuzet-test-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("KUZET_DEMO", "false")

from .base import *  # noqa: F403
from .base import REDIS_URL, VAR_DIR

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
