"""The sync endpoints: ``POST enroll``, ``GET pull``, ``POST push`` under ``/api/sync/v1/``,
and ``webpush`` (the phone's Web Push subscription, ``backend/devices/webpush.py``).

Plain Django views, not DRF: pull and push are the hot path, and DRF's request wrapping,
content negotiation and serializers cost more than the work (docs/benchmarks.md). Each view
authenticates the device (``Authorization: Device <token>``), applies the per-device rate
limit, reads ``X-Device-Clock``, calls one service, and answers JSON rendered with orjson —
gzip level 1 when the client accepts it (level 1 is 5× smaller for a third of level 6's
time; the middleware would use 6). Every body carries ``server_time``; errors are
``{"error", "detail", "server_time"}`` (PROTOCOL.md §2).

The OpenAPI schema documents these views through the thin ``*Schema`` APIView classes in
:mod:`.openapi`, attached as ``view.cls``: drf-spectacular reads them, requests never touch
them.
"""

from __future__ import annotations

import logging
import zlib
from collections import Counter
from collections.abc import Callable, Collection
from typing import Any

import orjson
from csp.constants import NONE
from csp.decorators import csp
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from backend.common import clock
from backend.common.attempts import ENROLMENT_CODE, attempts_check, attempts_failed
from backend.common.errors import (
    DomainError,
    Malformed,
    RateLimited,
    TooLarge,
    Unauthenticated,
)
from backend.common.net import client_ip
from backend.common.outage import cache_unavailable
from backend.devices.models import Device, PushSubscription, digest
from backend.devices.services import (
    InstallInUse,
    device_authenticate,
    device_enroll,
    enrolment_install_id,
)
from backend.devices.webpush import subscription_delete, subscription_save, webpush_public_key
from backend.ops.metrics import SYNC_RECORDS, SYNC_REQUESTS
from backend.people.models import Unit
from sync.protocol import (
    MAX_PUSH_BYTES,
    MIN_SCHEMA_VERSION,
    PULL_PARAMETERS,
    PUSH_BODY_KEYS,
    PUSH_PARAMETERS,
    SCHEMA_VERSION,
    ClockHeader,
    ProtocolError,
    has_unstorable,
    json_text,
    parse_json,
    parse_migration,
    parse_schema_version,
    said_once,
    unread_keys,
)
from sync.scope import parse_last_pulled_at

from . import openapi
from .anchors import anchor_record
from .pull import PullState, pull_changes, pull_state, unit_record
from .push import push_records
from .render import empty_changes, for_schema

logger = logging.getLogger(__name__)

# The two bytes every gzip member begins with (RFC 1952 §2.3.1).
GZIP_MAGIC = b"\x1f\x8b"
# A gzip body may expand to at most this much (a 1 MiB zip bomb would inflate to ~1 GiB).
MAX_DECOMPRESSED_BYTES = 16 * MAX_PUSH_BYTES
# An enrolment is a code and a few device fields: a few hundred bytes.
MAX_ENROLMENT_BYTES = 64 * 1024
# Below this the views leave a response to Django's GZipMiddleware, which compresses it
# from 200 bytes (level 6; docs/protocol.md §1): a 439-byte pull at the head goes as 190.
GZIP_MIN_BYTES = 512
# What an enrolment and a Web Push subscription are read for; any other key is named back in
# the answer's "ignored" (docs/protocol.md §4). A subscription's expirationTime is part of
# every browser's PushSubscription.toJSON() (null on most): sent by every app, not news.
ENROLMENT_KEYS = frozenset(("code", "device"))
ENROLMENT_DEVICE_KEYS = frozenset(("platform", "model", "app_version", "install_id"))
SUBSCRIPTION_KEYS = frozenset(("endpoint", "keys", "expirationTime"))
SUBSCRIPTION_KEY_KEYS = frozenset(("p256dh", "auth"))
# Presence (Unit.last_contact_at) is judged in minutes; write it at most this often.
PRESENCE_WRITE_SECONDS = 60


class MethodNotAllowed(DomainError):
    code = "method_not_allowed"
    status = 405


def _json(
    body: dict[str, Any], *, status: int = 200, request: HttpRequest | None = None
) -> HttpResponse:
    body.setdefault("server_time", clock.now_ms())
    try:
        content = orjson.dumps(body)
    except TypeError:
        # An answer quoting an id with a lone surrogate (a rejected record's): orjson
        # refuses to write one; json_text escapes it, and the device parses its own id back.
        content = json_text(body).encode()
    response = HttpResponse(content_type="application/json", status=status)
    response["Vary"] = "Accept-Encoding"
    if (
        request is not None
        and len(content) >= GZIP_MIN_BYTES
        and "gzip" in request.headers.get("Accept-Encoding", "")
    ):
        compressor = zlib.compressobj(1, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        content = compressor.compress(content) + compressor.flush()
        response["Content-Encoding"] = "gzip"
    response.content = content
    return response


def _error(exc: DomainError) -> HttpResponse:
    response = _json(exc.as_json(), status=exc.status)
    if isinstance(exc, RateLimited):
        response["Retry-After"] = str(exc.retry_after)
    return response


def _domain(exc: ProtocolError) -> DomainError:
    if exc.code in ("upgrade_required", "schema_too_new"):
        # The served range, so that an app can tell "update me" from "the server is older".
        error = DomainError(
            exc.detail,
            code=exc.code,
            min_schema_version=MIN_SCHEMA_VERSION,
            max_schema_version=SCHEMA_VERSION,
        )
        error.status = exc.status
        return error
    if exc.code == "too_large":
        return TooLarge(exc.detail)
    if exc.code == "malformed":
        return Malformed(exc.detail)
    error = DomainError(exc.detail, code=exc.code)
    error.status = exc.status
    return error


def _device_token(request: HttpRequest) -> str | None:
    """The token of ``Authorization: Device <token>``, else None. The scheme is matched
    case-insensitively (RFC 9110 §11.1: ``device <token>`` is the same header)."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return (token.strip() or None) if scheme.lower() == "device" else None


def _authenticate(request: HttpRequest) -> Device:
    return device_authenticate(_device_token(request))


def _cache_add(key: str, value: int, timeout: int) -> bool:
    """``cache.add`` that fails open: sync must go on when the cache (Redis) is down."""
    try:
        return bool(cache.add(key, value, timeout))
    except Exception as error:
        cache_unavailable(logger, error, "cache unavailable for %s", key)
        return False


def _rate_limit(device_id: str) -> None:
    """At most KUZET_SYNC_RATE_PER_MINUTE requests per device per clock minute.

    A fixed window counted with an atomic ``incr`` (Redis INCR in production). When the
    cache is down the limit is not enforced: refusing every device would be worse.
    """
    limit = settings.KUZET_SYNC_RATE_PER_MINUTE
    if limit <= 0:
        return
    now_s = clock.now_ms() // 1000
    key = f"sync:rate:{device_id}:{now_s // 60}"
    try:
        cache.add(key, 0, 120)
        try:
            count = cache.incr(key)
        except ValueError:  # evicted between add and incr
            cache.add(key, 1, 120)
            count = 1
    except Exception as error:
        cache_unavailable(logger, error, "rate limit not enforced: cache unavailable")
        return
    if count > limit:
        raise RateLimited(
            f"More than {limit} sync requests a minute from this device.",
            retry_after=max(1, 60 - now_s % 60),
        )


def _clock(request: HttpRequest) -> ClockHeader | None:
    header = request.headers.get("X-Device-Clock")
    return ClockHeader.parse(header) if header else None


def _presence(device_id: str, unit_id: int | None, via: str) -> None:
    """Stamp the unit's last contact and the device's last sight, at most once a minute."""
    now = clock.now()
    if _cache_add(f"sync:seen:{device_id}", 1, PRESENCE_WRITE_SECONDS):
        Device.objects.filter(pk=device_id).update(last_seen_at=now)
    if unit_id is not None and _cache_add(f"sync:presence:{unit_id}", 1, PRESENCE_WRITE_SECONDS):
        Unit.objects.filter(pk=unit_id).update(last_contact_at=now, last_contact_via=via)


def _device_view(
    handler: Callable[..., HttpResponse],
    endpoint: str,
    authenticate: Callable[..., Device] = lambda request, *extra: _authenticate(request),
) -> Callable[..., HttpResponse]:
    def view(request: HttpRequest, *extra: Any) -> HttpResponse:
        result = "ok"
        try:
            device = authenticate(request, *extra)
            _rate_limit(device.pk)
            return handler(request, device, _clock(request), *extra)
        except ProtocolError as exc:
            error = _domain(exc)
            result = error.code
            return _error(error)
        except DomainError as exc:
            result = exc.code
            return _error(exc)
        finally:
            SYNC_REQUESTS.labels(endpoint, result).inc()

    return view


def _pull(
    request: HttpRequest,
    device: Device,
    clock_header: ClockHeader | None,
    known: PullState | None = None,
) -> HttpResponse:
    if request.method != "GET":
        return _error(MethodNotAllowed("Use GET."))
    _each_once(request)
    version = parse_schema_version(request.GET.get("schema_version"))
    migration = parse_migration(request.GET.get("migration"))
    cursor = parse_last_pulled_at(request.GET.get("last_pulled_at"))
    received_ms = clock.now_ms()
    if clock_header is not None:
        anchor_record(device_id=device.pk, clock=clock_header, server_ms=received_ms)
    result = pull_changes(
        device=device,
        cursor=cursor,
        migration=migration,
        state=known.state if known is not None and known.device_id == device.pk else None,
    )
    SYNC_RECORDS.labels("pull", result.mode).inc(result.records)
    _presence(device.pk, device.officer.unit_id, "pull")
    return _json(_say_ignored(for_schema(result.body, version), request), request=request)


def _each_once(request: HttpRequest, names: Collection[str] = PULL_PARAMETERS) -> None:
    """A pull's (a push's) parameters are read once each: ``schema_version=1&schema_version=99``
    was read as the last, and the other dropped without a word."""
    for name in sorted(names):
        if len(request.GET.getlist(name)) > 1:
            raise ProtocolError("malformed", f"{name} is given more than once")


def _say_ignored(body: dict[str, Any], request: HttpRequest) -> dict[str, Any]:
    """A pull's answer naming the query parameters it did not read (``lastPulledAt=`` for
    ``last_pulled_at=`` took a snapshot on every pull, and nothing said why)."""
    ignored = unread_keys(request.GET, PULL_PARAMETERS)
    if ignored:
        body["ignored"] = ignored
    return body


def _nothing_new(request: HttpRequest, known: PullState) -> HttpResponse | None:
    """The answer to a pull at the head, or None when the full path must answer (something
    new, a migration, a rebuilt scope — or an error, which the full path reports in its
    usual order)."""
    try:
        _each_once(request)
        clock_header = _clock(request)
        version = parse_schema_version(request.GET.get("schema_version"))
        migration = parse_migration(request.GET.get("migration"))
        cursor = parse_last_pulled_at(request.GET.get("last_pulled_at"))
    except ProtocolError:
        return None
    if migration is not None or not known.nothing_new_for(cursor):
        return None
    _rate_limit(known.device_id)
    if clock_header is not None:
        anchor_record(device_id=known.device_id, clock=clock_header, server_ms=clock.now_ms())
    _presence(known.device_id, known.unit_id, "pull")
    SYNC_REQUESTS.labels("pull", "ok").inc()
    body = {"changes": empty_changes(), "timestamp": cursor, "has_more": False}
    return _json(_say_ignored(for_schema(body, version), request), request=request)


# A phone's answers are JSON, read by the app, never rendered: the console's policy (266
# characters of script, style and image sources) said nothing to them but went with every
# answer, four times a sync — on a 64 kbit/s link, a shift's reconnect answer took two TCP
# segments instead of one (docs/benchmarks.md, rural link re-run of 2026-12-07). Their own
# policy keeps what a policy does for JSON opened in a browser: nothing in it loads or runs,
# and no page frames it.
_device_answer = csp({"default-src": [NONE], "frame-ancestors": [NONE]})


@_device_answer
@csrf_exempt
def pull(request: HttpRequest) -> HttpResponse:
    """``GET pull``. The device, its officer, the head, the horizon and the device's scope are
    read first, in one statement (:func:`.pull.pull_state`): a phone polling at the head —
    nothing new, the common case — is answered from it alone; anything else takes the full
    path (:func:`.pull.pull_changes`, reusing what was read: the device is not read again)."""
    token = _device_token(request)
    known = pull_state(digest(token)) if token else None
    if known is not None and request.method == "GET" and known.live:
        try:
            answer = _nothing_new(request, known)
        except DomainError as exc:
            SYNC_REQUESTS.labels("pull", exc.code).inc()
            return _error(exc)
        if answer is not None:
            return answer
    return _full_pull(request, known)


def _read_body(
    request: HttpRequest,
    *,
    limit: int = MAX_PUSH_BYTES,
    inflated: int = MAX_DECOMPRESSED_BYTES,
    too_large: str = "",
) -> bytes:
    """The request's body, inflated when it came with ``Content-Encoding: gzip`` (PROTOCOL.md
    §2: any request may), at most ``limit`` bytes as sent and ``inflated`` bytes inflated
    (``413`` with ``too_large``, or a push's words, otherwise)."""
    try:
        declared = int(request.headers.get("Content-Length") or 0)
    except ValueError as exc:
        raise Malformed("Content-Length is not a number") from exc
    if declared > limit:
        raise TooLarge(too_large or f"A push is at most {limit} bytes; split it.")
    raw = request.read(limit + 1)
    if len(raw) > limit:
        raise TooLarge(too_large or f"A push is at most {limit} bytes; split it.")
    encoding = request.headers.get("Content-Encoding", "identity").strip().lower()
    if encoding in ("", "identity"):
        if raw[:2] == GZIP_MAGIC:
            # No JSON begins 1f 8b: a client that compressed and lost the header (an HTTP
            # interceptor) was told "not JSON", and looked for the fault in its JSON.
            raise Malformed("the body is gzip, sent without Content-Encoding: gzip")
        return raw
    if encoding != "gzip":
        raise Malformed(f"Content-Encoding {encoding!r} is not supported (gzip is)")
    if not raw:
        # Zero bytes are no gzip member at all; zlib read them as a member cut short, and the
        # client was told "truncated" for a body it never wrote (a compressor never flushed).
        raise Malformed("the gzip body is empty")
    # A gzip body is a series of members (RFC 1952 §2.2), inflated one after the other into
    # one body. Until 2026-12-06 only the first was read and the bytes after it dropped in
    # silence: a client that wrote its batch as several members (a streaming compressor
    # closing one per chunk) had the rest of its records neither stored nor answered.
    parts: list[bytes] = []
    left = inflated
    rest = raw
    while True:
        # A member begins 1f 8b (RFC 1952 §2.3.1). zlib waits for a header's first bytes
        # before it checks them, so one stray byte (a newline after the member, or a body
        # of one byte) read as "truncated": bytes that begin no member are corrupt.
        if not GZIP_MAGIC.startswith(rest[:2]):
            raise Malformed("the gzip body is corrupt")
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            part = inflater.decompress(rest, left)
        except zlib.error as exc:
            raise Malformed("the gzip body is corrupt") from exc
        if inflater.unconsumed_tail:
            raise TooLarge(too_large or "The decompressed push is too large; split it.")
        if not inflater.eof:
            raise Malformed("the gzip body is truncated")
        parts.append(part)
        left -= len(part)
        rest = inflater.unused_data
        if not rest:
            return b"".join(parts)
        if left <= 0:  # (a max_length of 0 would inflate without bound)
            raise TooLarge(too_large or "The decompressed push is too large; split it.")


def _push(request: HttpRequest, device: Device, clock_header: ClockHeader | None) -> HttpResponse:
    if request.method != "POST":
        return _error(MethodNotAllowed("Use POST."))
    _each_once(request, ("schema_version",))
    version = request.GET.get("schema_version")
    if version is not None:
        parse_schema_version(version)
    body = parse_json(_read_body(request), records=True)
    if not isinstance(body, dict):
        # A bare list of records is the WebSocket's ``event`` shape; over HTTP it was taken
        # as one too, past the body's rules (docs/protocol.md §4).
        raise Malformed('the push body must be a JSON object: {"changes": …}')
    results = push_records(device=device, body_or_records=body, clock=clock_header, via="http")
    for status, count in Counter(str(r.get("status")) for r in results).items():
        SYNC_RECORDS.labels("push", status).inc(count)
    _presence(device.pk, device.officer.unit_id, "push")
    answer: dict[str, Any] = {"results": results}
    # Keys a newer app may send that this server does not read — of the body and of the
    # query: the push is served, and the answer names them (docs/protocol.md §4, *Keys the
    # server does not read*; a query's ``lastPulledAt=`` was dropped without a word).
    ignored = sorted(
        set(unread_keys(body, PUSH_BODY_KEYS)) | set(unread_keys(request.GET, PUSH_PARAMETERS))
    )
    if ignored:
        answer["ignored"] = ignored
    return _json(answer, request=request)


def _webpush(
    request: HttpRequest, device: Device, clock_header: ClockHeader | None
) -> HttpResponse:
    """``GET webpush``: the key to subscribe with and whether this phone is subscribed;
    ``PUT``: its subscription (``PushSubscription.toJSON()``); ``DELETE``: none any more."""
    ignored: list[str] = []
    if request.method == "PUT":
        info = said_once(parse_json(_read_body(request)), "the subscription")
        subscription_save(device=device, info=info)
        # (subscription_save refused anything but {"endpoint", "keys": {…}, …})
        assert isinstance(info, dict)
        ignored = _unread(info, SUBSCRIPTION_KEYS, "keys", info["keys"], SUBSCRIPTION_KEY_KEYS)
    elif request.method == "DELETE":
        subscription_delete(device=device)
    elif request.method != "GET":
        return _error(MethodNotAllowed("Use GET, PUT or DELETE."))
    subscribed = PushSubscription.objects.filter(device=device).exists()
    answer: dict[str, Any] = {"public_key": webpush_public_key(), "subscribed": subscribed}
    if ignored:
        answer["ignored"] = ignored
    return _json(answer)


def _unread(
    body: dict[str, Any],
    known: Collection[str],
    inner_key: str,
    inner: object,
    inner_known: Collection[str],
) -> list[str]:
    """The keys of ``body`` and of its object ``inner_key`` that are not read, the inner
    ones as ``"<inner_key>.<key>"`` (an answer's ``"ignored"``, docs/protocol.md §4)."""
    names = unread_keys(body, known)
    if isinstance(inner, dict):
        names += [f"{inner_key}.{name}" for name in unread_keys(inner, inner_known)]
    return sorted(names)


def _pulling_device(request: HttpRequest, known: PullState | None = None) -> Device:
    """The device of a full pull: made of the row :func:`.pull.pull_state` read when that
    row is of a live device (the token's device, read once); otherwise as every request
    finds it, with its refusal (no token, an unknown one, a revoked device)."""
    if known is not None and known.live:
        return known.device()
    return _authenticate(request)


_full_pull = _device_view(_pull, "pull", _pulling_device)
webpush = _device_answer(csrf_exempt(_device_view(_webpush, "webpush")))
push = _device_answer(csrf_exempt(_device_view(_push, "push")))


@_device_answer
@csrf_exempt
def enroll(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _error(MethodNotAllowed("Use POST."))
    try:
        # gzip as on every request (an HTTP client that compresses all its bodies sent a
        # compressed enrolment, which was answered "the body is not JSON").
        raw = _read_body(
            request,
            limit=MAX_ENROLMENT_BYTES,
            inflated=MAX_ENROLMENT_BYTES,
            too_large="An enrolment request is small.",
        )
        try:
            body = said_once(parse_json(raw), "the enrolment")
        except ProtocolError as exc:
            raise Malformed(exc.detail) from exc
        if not isinstance(body, dict) or not isinstance(body.get("code"), str):
            raise Malformed('expected {"code": "<one-time code>", "device": {…}}')
        info = body.get("device") or {}
        if not isinstance(info, dict):
            raise Malformed("device must be an object")
        if any(
            isinstance(text, str) and has_unstorable(text)
            for text in (body["code"], *info.keys(), *info.values())
        ):
            raise Malformed("the enrolment holds U+0000 or a lone surrogate")
        # A code is short: wrong codes are counted per device install and per address, and
        # refused past the limit until the cool-off ends (429 with Retry-After). The install
        # is the one enrolled: its id checked first, so a malformed body never reads the
        # counters (400, not another install's 429) and a padded id is no counter of its own.
        keys = {"ip": client_ip(request), "install_id": enrolment_install_id(info)}
        attempts_check(request, ENROLMENT_CODE, **keys)
        try:
            # The token a phone already holds proves a handover comes from the phone itself.
            enrolment = device_enroll(
                code=body["code"], device_info=info, token=_device_token(request)
            )
        except (Unauthenticated, InstallInUse):
            # A refused takeover counts as a failure too: each writes a security audit entry,
            # and past the limit the install and the address cool off like a guesser's.
            attempts_failed(request, ENROLMENT_CODE, **keys)
            raise
    except DomainError as exc:
        SYNC_REQUESTS.labels("enroll", exc.code).inc()
        return _error(exc)
    SYNC_REQUESTS.labels("enroll", "ok").inc()
    device = enrolment.device
    officer = device.officer
    unit = officer.unit
    ignored = _unread(body, ENROLMENT_KEYS, "device", info, ENROLMENT_DEVICE_KEYS)
    return _json(
        {
            **({"ignored": ignored} if ignored else {}),
            "device_id": device.pk,
            "token": enrolment.token,
            "officer": {
                "id": str(officer.pk),
                "username": officer.username,
                "first_name": officer.first_name,
                "last_name": officer.last_name,
                "patronymic": officer.patronymic,
                "badge_number": officer.badge_number,
                "district_id": None if officer.district_id is None else str(officer.district_id),
                # The language of the officer's screens (kk, ru, en); the app follows it.
                "language": officer.language,
            },
            "unit": unit_record(unit),
        },
        status=201,
        request=request,
    )


openapi.attach(enroll=enroll, pull=pull, push=push, webpush=webpush)
