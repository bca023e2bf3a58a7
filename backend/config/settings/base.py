"""Kuzet settings, read from the environment.

One module for every deployment; the environment decides. With nothing set, Kuzet runs on
the embedded default: SQLite under ``var/``, an in-memory channel layer and a Celery broker
on the filesystem, so ``make run`` needs no servers. ``DATABASE_URL`` and ``REDIS_URL`` switch
to PostgreSQL and Redis.

The embedded default is a demo, and only it: its DEBUG, secret key and demo accounts come from
``var/demo.env`` (written by ``make run``, see ``backend/config/embedded.py``), which is read
only while ``DATABASE_URL`` is unset. Pointed at a real database nothing is switched on by
itself: DEBUG is off unless set, ``SECRET_KEY`` is required, demo accounts need ``KUZET_DEMO=1``.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from backend.config.embedded import demo_env, is_embedded

BASE_DIR = Path(__file__).resolve().parents[3]
VAR_DIR = Path(os.environ.get("KUZET_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean, got {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


# The embedded demo's own settings (var/demo.env); the environment wins over the file.
EMBEDDED = is_embedded()
for _name, _value in demo_env().items():
    os.environ.setdefault(_name, _value)

DEBUG = env_bool("DEBUG", False)
# Demo staff (a published password) and invented calls; `manage.py seed` adds them only then.
KUZET_DEMO = env_bool("KUZET_DEMO", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
# Rotating the key: the new one in SECRET_KEY, the old one here until the shift's sessions
# have ended (Django checks sessions and signatures against both).
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", [])
if not SECRET_KEY:
    if not (EMBEDDED and DEBUG):
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Kuzet signs sessions and the SMS reply codes with it, so "
            "every process of one deployment needs the same long random value. Make one with\n"
            "    python3 -c 'import secrets; print(secrets.token_urlsafe(50))'\n"
            "and set it in the environment (SECRET_KEY=...). Without DATABASE_URL, `make run` "
            "runs the embedded demo, which makes its own (var/demo.env)."
        )
    # The embedded default with DEBUG=1 given by hand before `make run` wrote var/demo.env.
    SECRET_KEY = "kuzet-insecure-development-key-never-use-in-production-0123456789"  # noqa: S105
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # Django's admin with Kuzet's site, whose home page is the district chief's console.
    "backend.reports.apps.KuzetAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    # Staff API tokens, stored as digests (backend.dispatch.authentication).
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    # django-axes under a name the officer reads (its label and URLs stay "axes").
    "backend.common.third_party_apps.AxesConfig",
    "csp",
    "backend.common",
    "backend.ops",
    "backend.ledger",
    "backend.geo",
    "backend.people",
    "backend.devices",
    "backend.dispatch",
    "backend.sync_gateway",
    "backend.realtime",
    "backend.webhooks",
    "backend.field_app",
    "backend.reports.apps.ReportsConfig",
    "backend.simulator",
]

MIDDLEWARE = [
    "backend.ops.metrics.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Django's LocaleMiddleware, with the officer's own language first (needs request.user).
    "backend.people.i18n.OfficerLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: it answers a locked-out admin login before the view sees the password.
    "axes.middleware.AxesMiddleware",
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "backend.config.urls"
WSGI_APPLICATION = "backend.config.wsgi.application"
ASGI_APPLICATION = "backend.config.asgi.application"
AUTH_USER_MODEL = "people.Officer"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "backend" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "backend.people.i18n.language_choices",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'kuzet.sqlite3'}"


DATABASE_URL_FORM = "postgres://USER:PASSWORD@HOST:5432/NAME"


def database_from_url(url: str) -> dict[str, Any]:
    try:
        config: dict[str, Any] = dict(dj_database_url.parse(url))
    except ValueError as exc:
        # dj-database-url's own words ("Scheme 'postgress://' is unknown. Did you forget to
        # register custom backend?", then a list of MySQL, Oracle…) came as a traceback that
        # named no setting and no fix. The URL itself is not repeated: it holds the password.
        scheme = urlsplit(url).scheme
        begins = f"it begins {scheme}://" if scheme else "it has no scheme"
        raise ImproperlyConfigured(
            f"DATABASE_URL is not a PostgreSQL URL ({begins}). "
            f"Kuzet runs on PostgreSQL: DATABASE_URL={DATABASE_URL_FORM}; unset it for the "
            "embedded SQLite demo."
        ) from exc
    engine = config["ENGINE"]
    if engine == "django.db.backends.sqlite3":
        # IMMEDIATE takes the write lock when a transaction starts, so two writers queue
        # instead of failing with "database is locked" when a reader upgrades to a writer.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
        config["CONN_MAX_AGE"] = 0
    elif engine in {"django.db.backends.postgresql", "django.db.backends.postgresql_psycopg2"}:
        config["ENGINE"] = "django.db.backends.postgresql"
        # Persistent connections leak under ASGI (Django ticket #33497: every request runs
        # in a fresh thread, so CONN_MAX_AGE connections are never reused or closed). Django's
        # psycopg pool with CONN_MAX_AGE=0 returns the connection after every request.
        config["CONN_MAX_AGE"] = 0
        if env_bool("KUZET_DB_POOL", True):
            config["OPTIONS"] = {
                "pool": {
                    "min_size": env_int("KUZET_DB_POOL_MIN", 1),
                    "max_size": env_int("KUZET_DB_POOL_MAX", 10),
                    "timeout": 10,
                }
            }
            # With the pool this makes Django give it psycopg's check: an idle connection the
            # server closed (a restart, a failover) is replaced when it is taken, not handed to
            # a request. Without it every pooled connection of every process cost a request its
            # 500 after a PostgreSQL restart (docs/deployment.md, Failure behaviour).
            config["CONN_HEALTH_CHECKS"] = True
    else:
        raise ImproperlyConfigured(
            f"DATABASE_URL: unsupported database {engine}. Kuzet runs on PostgreSQL: "
            f"DATABASE_URL={DATABASE_URL_FORM}; unset it for the embedded SQLite demo."
        )
    return config


DATABASES = {"default": database_from_url(DATABASE_URL)}

# --- redis: channel layer, celery broker, cache ---------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")

# Group sends above `capacity` are silently dropped by channels-redis, and the capacity is
# checked in the *sending* process, so every process (web and Celery) loads this setting.
CHANNEL_LAYER_CAPACITY = env_int("KUZET_CHANNEL_CAPACITY", 1000)
# `pubsub` (default): RedisPubSubChannelLayer. Measured here with 1,000 sockets (docs/
# benchmarks.md): it delivered 1,000 frames/s with p99 5 ms and nothing lost, where the
# list-based `core` RedisChannelLayer lost 23 % at that rate (p99 205 ms already at 500/s).
# It is labelled beta and drops frames while its Redis connection is down; frames are at
# most once either way and the pull is the source of truth (hello and pong carry the cursor).
CHANNEL_LAYER_KIND = os.environ.get("KUZET_CHANNEL_LAYER", "pubsub")
if CHANNEL_LAYER_KIND not in {"pubsub", "core"}:
    raise ImproperlyConfigured("KUZET_CHANNEL_LAYER must be pubsub or core")
if REDIS_URL:
    # redis-py 8 reads with a 5 s socket timeout by default while channels-redis blocks 5 s
    # per receive (BZPOPMIN): every idle consumer crashed within seconds (channels_redis#422).
    # Its pool refuses, rather than waits for, a connection beyond max_connections.
    _channel_host = {"address": REDIS_URL, "socket_timeout": 15, "max_connections": 1000}
    _channel_prefix = os.environ.get("KUZET_CHANNEL_PREFIX", "kuzet")
    if CHANNEL_LAYER_KIND == "pubsub":
        CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
                "CONFIG": {"hosts": [_channel_host], "prefix": _channel_prefix},
            }
        }
    else:
        CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {
                    "hosts": [_channel_host],
                    "capacity": CHANNEL_LAYER_CAPACITY,
                    "expiry": 30,
                    "prefix": _channel_prefix,
                },
            }
        }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("KUZET_CACHE_PREFIX", "kuzet"),
        }
    }
else:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels.layers.InMemoryChannelLayer",
            "CONFIG": {"capacity": CHANNEL_LAYER_CAPACITY, "expiry": 30},
        }
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- celery -----------------------------------------------------------------------------
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
else:
    # The filesystem transport ships with kombu and needs no server: web, worker and beat
    # exchange messages through one folder. Good for the embedded default, not production.
    # Its publishing is made atomic here (backend/config/broker.py: celery/kombu#1551).
    _broker_dir = VAR_DIR / "celery-broker"
    for _sub in ("processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://localhost//"  # a host, or kombu warns at every connect
    CELERY_BROKER_TRANSPORT = "backend.config.broker:Transport"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }

# --- kuzet's own knobs -----------------------------------------------------------------
KUZET_ESCALATION_SWEEP_SECONDS = env_int("KUZET_ESCALATION_SWEEP_SECONDS", 10)
# How long one sweep may go on before it leaves the rest to the next (it ends between two of
# its transactions, backend/dispatch/services/escalation.py): most of one interval, so sweeps
# do not pile up behind each other. In the embedded demo at most 2 s: `make run`'s honcho
# SIGKILLs the worker 5 s after Ctrl-C, and those 5 s hold up to 1 s before the worker's
# shutdown begins (backend/config/broker.py), the budget, the batch in progress when it ran
# out and the worker's exit. A stopping worker's sweep ends at its next transaction anyway
# (backend/ops/shutdown.py); this bounds a sweep the stop does not reach.
KUZET_ESCALATION_SWEEP_BUDGET_SECONDS = max(1.0, 0.8 * KUZET_ESCALATION_SWEEP_SECONDS)
if EMBEDDED:
    KUZET_ESCALATION_SWEEP_BUDGET_SECONDS = min(2.0, KUZET_ESCALATION_SWEEP_BUDGET_SECONDS)
KUZET_SYNC_PAGE_SIZE = env_int("KUZET_SYNC_PAGE_SIZE", 1000)
# A replacement snapshot up to this many records is one response (a stock WatermelonDB app
# replaces its database only with a whole one); above it, pages cut at table boundaries.
# The largest scope of the seeded Abai oblast is measured in docs/benchmarks.md.
KUZET_SYNC_SNAPSHOT_MAX = env_int("KUZET_SYNC_SNAPSHOT_MAX", 10_000)
# Change-log rows older than this are pruned; a device whose cursor is older gets a
# replacement snapshot.
KUZET_CHANGE_RETENTION_DAYS = env_int("KUZET_CHANGE_RETENTION_DAYS", 30)
# Time anchors older than this are deleted hourly (a device's latest stays), and those older
# than two days thinned to the first and last of each hour of a boot (anchors.anchors_prune).
# An event of a boot with no anchor left is dated by the push's anchor if the phone has not
# restarted since, else like an unanchored one; keep it above KUZET_TIME_PAST_DAYS, past
# which an event's time is flagged too_old anyway.
KUZET_ANCHOR_RETENTION_DAYS = env_int("KUZET_ANCHOR_RETENTION_DAYS", 30)
# Closed assignments stay on the unit's devices this long (PROTOCOL.md §4: 24 h).
KUZET_SCOPE_CLOSED_HOURS = env_int("KUZET_SCOPE_CLOSED_HOURS", 24)
KUZET_ENROLMENT_CODE_HOURS = env_int("KUZET_ENROLMENT_CODE_HOURS", 24)
KUZET_UNREACHABLE_MINUTES = env_int("KUZET_UNREACHABLE_MINUTES", 15)
KUZET_POSITION_STALE_MINUTES = env_int("KUZET_POSITION_STALE_MINUTES", 30)
# A live device not heard from (pull, push or socket) for this long is "silent" on the chief's
# console: a phone left in a drawer or in a white spot for a whole shift.
KUZET_DEVICE_SILENT_HOURS = env_int("KUZET_DEVICE_SILENT_HOURS", 12)
KUZET_SYNC_RATE_PER_MINUTE = env_int("KUZET_SYNC_RATE_PER_MINUTE", 120)
# Upper bound of a sync request's one-way time (network + queueing before the view reads
# the clock); it is part of every anchored event-time estimate's uncertainty.
KUZET_SYNC_TRANSIT_MS = env_int("KUZET_SYNC_TRANSIT_MS", 10_000)
# Times reported by other clocks: a report's received_at outside [now − past days, now + ahead
# seconds] is refused (400); a device event estimated more than the past window before its
# receipt is flagged clock_suspect (sync.timing.TOO_OLD), never taken as fact.
KUZET_TIME_PAST_DAYS = env_int("KUZET_TIME_PAST_DAYS", 7)
KUZET_TIME_AHEAD_SECONDS = env_int("KUZET_TIME_AHEAD_SECONDS", 300)
# Idempotency-Key answers of staff writes are kept at least this long (pruned hourly).
KUZET_IDEMPOTENCY_HOURS = env_int("KUZET_IDEMPOTENCY_HOURS", 24)
# Reports of the same category this close in time and space are linked as probable
# duplicates (never merged).
KUZET_DUPLICATE_WINDOW_MINUTES = env_int("KUZET_DUPLICATE_WINDOW_MINUTES", 30)
KUZET_DUPLICATE_RADIUS_M = env_int("KUZET_DUPLICATE_RADIUS_M", 500)
# A report's coordinates farther than this from every known settlement are outside the
# service area (400), and so are coordinates this far from the settlement the report names.
# Measured on the seeded oblast (okrug centres, most placed by estimate): over a 0.1° grid of
# the districts' reach, 0.8 % of the points lie more than 50 km from every settlement and
# none more than 65 km, so 75 refuses no place the seed covers; Almaty is 466 km away.
KUZET_SERVICE_AREA_KM = env_int("KUZET_SERVICE_AREA_KM", 75)
# Units across the border (dispatch.policies, "units across the border"): an available unit of
# another district of the oblast whose fresh position lies within this many km (great-circle)
# of a call is offered when it would arrive this many minutes sooner than the call's own
# district's best, or when the district has none free.
KUZET_ACROSS_BORDER_KM = env_int("KUZET_ACROSS_BORDER_KM", 60)
KUZET_ACROSS_BORDER_SOONER_MINUTES = env_int("KUZET_ACROSS_BORDER_SOONER_MINUTES", 15)
KUZET_SMS_BACKEND = os.environ.get("KUZET_SMS_BACKEND", "backend.dispatch.sms.FileBackend")
KUZET_SMS_FILE_DIR = os.environ.get("KUZET_SMS_FILE_DIR", str(VAR_DIR / "sms"))
KUZET_SMS_GATEWAY_URL = os.environ.get("KUZET_SMS_GATEWAY_URL", "")
KUZET_SMS_GATEWAY_TOKEN = os.environ.get("KUZET_SMS_GATEWAY_TOKEN", "")
KUZET_SMS_INBOUND_SECRET = os.environ.get("KUZET_SMS_INBOUND_SECRET", "")
# SMS rows older than this lose the phone number to its last four digits, hourly by beat
# (dispatch.services.outbox.sms_prune); a stranger's reply (a number no officer has, or words
# that are no reply) is deleted. 90 days: a call is reviewed for the month's report upward
# (the reports' default period is the previous month), often weeks after it; a quarter keeps
# the whole number through that review and a second month's, when it can still matter
# where a text went or who sent a reply. The officer and the call stay linked for good.
KUZET_SMS_RETENTION_DAYS = env_int("KUZET_SMS_RETENTION_DAYS", 90)

# The seams between layers, named here so that the wiring is explicit (no signals):
# - the sync gateway decides which devices see a touched record (ledger → sync_gateway);
# - the realtime layer fans committed changes and notifications out to sockets and boards.
KUZET_CHANGE_RESOLVER = "backend.sync_gateway.scope.resolve_changes"
KUZET_CHANGE_LISTENERS = [
    "backend.realtime.fanout.commit_listener",
    "backend.realtime.webpush.commit_listener",
]
# Called inside each unit of work's transaction with its notifications: the boards' alerts.
KUZET_NOTIFICATION_STORE = "backend.realtime.alerts.alerts_record"
# Called inside each unit of work's transaction, under the sequencer lock, with what it wrote:
# the partners' status callbacks are written there as an outbox (docs/intake.md, *Callbacks*).
KUZET_CHANGE_RECORDERS = ["backend.webhooks.services.callbacks_record"]
# A partner's callback URL is https; plain http only with DEBUG (a developer's receiver; the
# tests turn it on). Not from the environment: production never sends a signed body in clear.
KUZET_CALLBACK_ALLOW_HTTP = DEBUG
# A callback URL whose host is or resolves to a private (RFC 1918, unique-local, CGNAT) or
# loopback address is refused, when it is set and again at every send (SSRF: the worker's
# network is ours). On for a closed government network whose partners have private
# addresses, and in the tests (a receiver on 127.0.0.1). Link-local (cloud metadata),
# multicast, unspecified and reserved addresses are refused even then (docs/intake.md).
KUZET_CALLBACK_ALLOW_PRIVATE = env_bool("KUZET_CALLBACK_ALLOW_PRIVATE", False)
# Finished deliveries (delivered, superseded, given up) are deleted this many days after they
# finished, hourly by beat; each report's last one is kept (the next change is compared with
# it and numbered after it).
KUZET_CALLBACK_RETENTION_DAYS = env_int("KUZET_CALLBACK_RETENTION_DAYS", 30)

# Web Push wakes a phone whose app the browser froze with a new call (backend/devices/webpush.py).
# The VAPID private key: base64url of a raw P-256 key (`vapid --gen` of py-vapid, or 32 random
# bytes; the embedded demo makes one in var/demo.env). Unset: no Web Push (the SMS ladder
# remains). Changing it ends every phone's subscription: each subscribes again when opened.
KUZET_WEBPUSH_PRIVATE_KEY = os.environ.get("KUZET_WEBPUSH_PRIVATE_KEY", "")
# Whom the push services may write to about Kuzet's pushes (VAPID `sub`: mailto: or https:).
KUZET_WEBPUSH_SUBJECT = os.environ.get("KUZET_WEBPUSH_SUBJECT", "mailto:ops@kuzet.kz")
# The push services posted to (a host and its subdomains): the browsers' own. A
# subscription naming any other host is refused, so no forged one makes the worker post
# into our network.
KUZET_WEBPUSH_SERVICES = env_list(
    "KUZET_WEBPUSH_SERVICES",
    [
        "fcm.googleapis.com",  # Chrome, Edge, Samsung Internet and Chromium browsers on Android
        "push.services.mozilla.com",  # Firefox
        "notify.windows.com",  # Edge on Windows
        "push.apple.com",  # Safari (iOS 16.4+ home-screen apps)
    ],
)
# Plain http to a push service: only for the tests' local one.
KUZET_WEBPUSH_ALLOW_HTTP = False

# --- REST framework and schema ----------------------------------------------------------
# How many reverse proxies of ours stand before the app (nginx: 1). The client's address is
# the n-th from the right in X-Forwarded-For; 0 trusts REMOTE_ADDR alone. Every lockout,
# failure limit and throttle keys on it (backend.common.net.client_ip). The Procfile's
# uvicorn reads it too: only above 0 does it take X-Forwarded-* into REMOTE_ADDR.
KUZET_PROXY_COUNT = env_int("KUZET_PROXY_COUNT", 0)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "backend.dispatch.authentication.StaffTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "backend.common.api.exception_handler",
    # DRF's parsers, the JSON one refusing a key named twice and a body nested too deeply to
    # parse (400 malformed; the last value was taken, a 500 was answered).
    "DEFAULT_PARSER_CLASSES": [
        "backend.dispatch.parsers.JsonParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "UNAUTHENTICATED_USER": None,
    # Staff API, intake and the SMS callback: one throttle that picks the rate by who asks
    # (backend.dispatch.throttling), counted in the cache (Redis in production).
    "DEFAULT_THROTTLE_CLASSES": ["backend.dispatch.throttling.PrincipalRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "staff": os.environ.get("KUZET_STAFF_API_RATE", "600/min"),
        "intake": os.environ.get("KUZET_INTAKE_RATE", "600/min"),
        "anon": os.environ.get("KUZET_ANON_API_RATE", "120/min"),
    },
    "NUM_PROXIES": KUZET_PROXY_COUNT,
}
# The schema and Swagger UI: public under DEBUG, behind a staff login otherwise.
KUZET_API_DOCS_PUBLIC = env_bool("KUZET_API_DOCS_PUBLIC", DEBUG)
SPECTACULAR_SETTINGS = {
    "TITLE": "Kuzet API",
    "DESCRIPTION": "Intake, dispatch and the offline-first sync protocol (see docs/protocol.md).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI's files are served by Kuzet itself: police networks have no internet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One name for the outcome codes, whichever field carries them (close's outcome_code, the
    # intake read's outcome): two names for one choice set is a warning check --deploy fails.
    "ENUM_NAME_OVERRIDES": {"OutcomeCodeEnum": "backend.dispatch.models.OutcomeCode"},
}

# --- brute force --------------------------------------------------------------------------
# The admin login (django-axes): KUZET_LOGIN_FAILURE_LIMIT wrong passwords for one username
# from one address lock that pair out for KUZET_LOGIN_COOLOFF_MINUTES. Per pair, not per
# username: a duty room behind one NAT address must not be able to lock a chief out
# everywhere, and nobody can lock another person out from their own address for good.
AXES_FAILURE_LIMIT = env_int("KUZET_LOGIN_FAILURE_LIMIT", 5)
KUZET_LOGIN_COOLOFF_MINUTES = env_int("KUZET_LOGIN_COOLOFF_MINUTES", 15)
AXES_COOLOFF_TIME = dt.timedelta(minutes=KUZET_LOGIN_COOLOFF_MINUTES)
# …and KUZET_LOGIN_ADDRESS_FAILURE_LIMIT wrong passwords from one address, whatever the
# usernames, refuse every sign-in from it for the same cool-off (the same lockout page): per
# pair alone, one address could try 4 passwords on every officer's name each quarter hour (a
# password spray). Large enough for a duty room's honest typos (backend.people.login_audit).
KUZET_LOGIN_ADDRESS_FAILURE_LIMIT = env_int("KUZET_LOGIN_ADDRESS_FAILURE_LIMIT", 50)
# …and KUZET_LOGIN_ACCOUNT_FAILURE_LIMIT wrong passwords for one account from all addresses
# together within the last KUZET_LOGIN_ACCOUNT_WINDOW_MINUTES (a botnet: each address stays
# under the limits above; a sliding window, backend.people.account_guard) guard the account
# until fewer are left in it, or until a new password is set: it is signed in to only from an
# address that signed in to it within KUZET_LOGIN_KNOWN_ADDRESS_DAYS (the duty room, the
# chief's office), and elsewhere its password is not even checked. Not a lockout: a guesser
# must not be able to keep a duty officer out of his shift. The oblast administrator reads
# `auth.account_guarded` in the audit log; the person is told the failed attempts at the next
# sign-in (backend.people.login_audit).
KUZET_LOGIN_ACCOUNT_FAILURE_LIMIT = env_int("KUZET_LOGIN_ACCOUNT_FAILURE_LIMIT", 20)
KUZET_LOGIN_ACCOUNT_WINDOW_MINUTES = env_int("KUZET_LOGIN_ACCOUNT_WINDOW_MINUTES", 60)
KUZET_LOGIN_KNOWN_ADDRESS_DAYS = env_int("KUZET_LOGIN_KNOWN_ADDRESS_DAYS", 90)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "backend.common.net.client_ip"
AXES_LOCKOUT_TEMPLATE = "axes/lockout.html"
# Every login, failed or not, is an entry in Kuzet's own audit log (backend/people/login_audit.py).
AXES_DISABLE_ACCESS_LOG = True
# Enrolment codes (per device install and per address), SMS signatures, staff API tokens and
# intake keys (per address): this many failures within the cool-off refuse further tries
# with 429 until the window ends (backend.common.attempts).
KUZET_AUTH_FAILURE_LIMIT = env_int("KUZET_AUTH_FAILURE_LIMIT", 10)
KUZET_AUTH_COOLOFF_MINUTES = env_int("KUZET_AUTH_COOLOFF_MINUTES", 15)
# …except wrong enrolment codes per address: phones behind a carrier's NAT share one
# (backend.common.attempts.Guard.shared); the install's own counter keeps the limit above.
KUZET_AUTH_SHARED_FAILURE_LIMIT = env_int("KUZET_AUTH_SHARED_FAILURE_LIMIT", 200)
RATELIMIT_IP_META_KEY = "backend.common.net.client_ip"
# A staff API token (admin → Staff API tokens) is refused `401 token_expired` this many days after
# it was issued (its `created`); 0: never. A month bounds how long a token left in a script,
# on a shared laptop or in a moved officer's notes still works, at the cost of one re-issue a
# month by the administrator (docs/deployment.md, *Secrets*).
KUZET_STAFF_TOKEN_DAYS = env_int("KUZET_STAFF_TOKEN_DAYS", 30)
# django-rest-knox keeps a staff token as its SHA-512 digest. Its own expiry stays unset: the
# lifetime is KUZET_STAFF_TOKEN_DAYS from `created`, read at each request, so a changed setting
# applies to tokens already issued, and an expired token answers `token_expired` (knox deletes
# one past its expiry and answers "Invalid token", a failed try against the address).
REST_KNOX = {"TOKEN_TTL": None, "AUTH_HEADER_PREFIX": "Token"}
# Its table is Kuzet's (dispatch_stafftoken), with names the console reads in kk/ru.
KNOX_TOKEN_MODEL = "dispatch.StaffToken"  # noqa: S105  # a model, not a secret
# …and knox's own table is never made (the router says why).
DATABASE_ROUTERS = ["backend.dispatch.routers.KnoxTableUnused"]

# --- health and metrics -------------------------------------------------------------------
# /metrics wants `Authorization: Bearer <token>` when this is set (and nginx keeps it inside).
KUZET_METRICS_TOKEN = os.environ.get("KUZET_METRICS_TOKEN", "")
# /readyz waits at most this long for a Celery worker to answer a ping.
KUZET_READY_WORKER_TIMEOUT_S = float(os.environ.get("KUZET_READY_WORKER_TIMEOUT_S", "2"))

# --- i18n, static ------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
LANGUAGES = [("kk", "Қазақша"), ("ru", "Русский"), ("en", "English")]
# Kazakhstan is on one time, UTC+5, since 1 March 2024 (tzdata 2024a); the `tzdata` package
# keeps that true on hosts whose system zone database is older.
TIME_ZONE = "Asia/Almaty"
# Django has no Kazakh number and date formats; Kazakhstan writes 75,0 and 31.03.2026.
FORMAT_MODULE_PATH = ["backend.config.formats"]
# Kazakh and Russian for all of backend (`make messages`); the chief's console keeps its own
# catalog in backend/reports/locale.
LOCALE_PATHS = [BASE_DIR / "backend" / "locale"]
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
# The officers' field app, built from field/ by `make run` / `make test` (served at /app/).
KUZET_FIELD_APP_DIR = os.environ.get("KUZET_FIELD_APP_DIR", str(BASE_DIR / "field" / "dist"))
STATIC_ROOT = VAR_DIR / "static"

# The board's district map is Kuzet's own SVG; a deployment with a tile server puts its tiles
# under it: a URL template with {z}, {x}, {y} (e.g. https://tiles.police.kz/{z}/{x}/{y}.png).
# Empty: no tiles, nothing asked of any network.
KUZET_MAP_TILE_URL = os.environ.get("KUZET_MAP_TILE_URL", "")
KUZET_MAP_TILE_ORIGINS = (
    ["{0.scheme}://{0.netloc}".format(urlsplit(KUZET_MAP_TILE_URL))] if KUZET_MAP_TILE_URL else []
)

# --- security ------------------------------------------------------------------------------
# Content-Security-Policy on every response (django-csp). Scripts and styles come from Kuzet
# itself or carry the response's nonce (the board's inline script and style); 'self' in
# connect-src covers the same-origin WebSocket (CSP 3); worker-src lets the field app's
# service worker register.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        # Style *attributes* (Django's admin templates and ours style single elements) cannot
        # run script; <style> elements still need the nonce.
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": [SELF, "data:", *KUZET_MAP_TILE_ORIGINS],
        "font-src": [SELF],
        "connect-src": [SELF],
        "worker-src": [SELF],
        "manifest-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
SESSION_COOKIE_AGE = 12 * 3600  # one shift
# Where a sign-in goes when its ?next= is refused (another site's address): the console's
# home. Django's default, /accounts/profile/, is no page of Kuzet's (a 404 after a good login).
LOGIN_REDIRECT_URL = "admin:index"
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Health, readiness and metrics answer over plain HTTP too: a process supervisor or
# Prometheus on the loopback talks to the app directly, without the proxy's https header
# (they got a 301 to https instead of 200).
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Every line with its offset ("2026-12-05 07:05:02+0500"): gunicorn's master logs UTC,
    # the rest Kazakhstan's time, and a reader of the journal must not guess which.
    "formatters": {
        "plain": {
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "datefmt": "%Y-%m-%d %H:%M:%S%z",
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own default logging (applied before this) gives "django" a handler of its
        # own that prints while DEBUG is on: every 404 and every traceback reached the demo's
        # console twice, once bare and once through the root's. Its records go to the root only.
        "django": {"handlers": []},
        "django.db.backends": {"level": "INFO"},
        "axes.apps": {"level": "WARNING"},  # a start-up banner in every process
        # a line for every sign-in ("Deleted 0 failed login attempts"): the audit log has each
        # login already; failures and lockouts are warnings and stay
        "axes.handlers": {"level": "WARNING"},
        # "generated new fontManager" (the chief's charts' first import on a machine): English
        # among make run's words, and nothing for the operator to do
        "matplotlib": {"level": "WARNING"},
    },
}
