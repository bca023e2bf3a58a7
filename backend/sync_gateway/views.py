"""The sync endpoints: ``POST enroll``, ``GET pull``, ``POST push`` under ``/api/sync/v1/``.

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
from collections.abc import Callable
from typing import Any

import orjson
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from backend.common import clock
from backend.common.errors import (
    DomainError,
    Malformed,
    RateLimited,
    TooLarge,
    UpgradeRequired,
)
from backend.devices.models import Device
from backend.devices.services import device_authenticate, device_enroll
from backend.people.models import Unit
from sync.protocol import (
    MAX_PUSH_BYTES,
    ClockHeader,
    ProtocolError,
    parse_schema_version,
)
from sync.scope import parse_last_pulled_at

from . import openapi
from .anchors import anchor_record
from .pull import pull_changes
from .push import push_records

logger = logging.getLogger(__name__)

# A gzip body may expand to at most this much (a 1 MiB zip bomb would inflate to ~1 GiB).
MAX_DECOMPRESSED_BYTES = 16 * MAX_PUSH_BYTES
# Responses shorter than this go out uncompressed: the gzip header would eat the gain.
GZIP_MIN_BYTES = 512
# Presence (Unit.last_contact_at) is judged in minutes; write it at most this often.
PRESENCE_WRITE_SECONDS = 60


class MethodNotAllowed(DomainError):
    code = "method_not_allowed"
    status = 405


def _json(
    body: dict[str, Any], *, status: int = 200, request: HttpRequest | None = None
) -> HttpResponse:
    body.setdefault("server_time", clock.now_ms())
    content = orjson.dumps(body)
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
    if exc.code == "upgrade_required":
        return UpgradeRequired(exc.detail)
    if exc.code == "too_large":
        return TooLarge(exc.detail)
    return (
        DomainError(exc.detail, code=exc.code) if exc.code != "malformed" else Malformed(exc.detail)
    )


def _authenticate(request: HttpRequest) -> Device:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return device_authenticate(token.strip() if scheme == "Device" else None)


def _cache_add(key: str, value: int, timeout: int) -> bool:
    """``cache.add`` that fails open: sync must go on when the cache (Redis) is down."""
    try:
        return bool(cache.add(key, value, timeout))
    except Exception:
        logger.warning("cache unavailable for %s", key, exc_info=True)
        return False


def _rate_limit(device: Device) -> None:
    """At most KUZET_SYNC_RATE_PER_MINUTE requests per device per clock minute.

    A fixed window counted with an atomic ``incr`` (Redis INCR in production). When the
    cache is down the limit is not enforced: refusing every device would be worse.
    """
    limit = settings.KUZET_SYNC_RATE_PER_MINUTE
    if limit <= 0:
        return
    now_s = clock.now_ms() // 1000
    key = f"sync:rate:{device.pk}:{now_s // 60}"
    try:
        cache.add(key, 0, 120)
        try:
            count = cache.incr(key)
        except ValueError:  # evicted between add and incr
            cache.add(key, 1, 120)
            count = 1
    except Exception:
        logger.warning("rate limit not enforced: cache unavailable", exc_info=True)
        return
    if count > limit:
        raise RateLimited(
            f"More than {limit} sync requests a minute from this device.",
            retry_after=max(1, 60 - now_s % 60),
        )


def _clock(request: HttpRequest) -> ClockHeader | None:
    header = request.headers.get("X-Device-Clock")
    return ClockHeader.parse(header) if header else None


def _presence(device: Device, via: str) -> None:
    """Stamp the unit's last contact and the device's last sight, at most once a minute."""
    now = clock.now()
    if _cache_add(f"sync:seen:{device.pk}", 1, PRESENCE_WRITE_SECONDS):
        Device.objects.filter(pk=device.pk).update(last_seen_at=now)
    unit_id = device.officer.unit_id
    if unit_id is not None and _cache_add(f"sync:presence:{unit_id}", 1, PRESENCE_WRITE_SECONDS):
        Unit.objects.filter(pk=unit_id).update(last_contact_at=now, last_contact_via=via)


def _device_view(
    handler: Callable[[HttpRequest, Device, ClockHeader | None], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    def view(request: HttpRequest) -> HttpResponse:
        try:
            device = _authenticate(request)
            _rate_limit(device)
            return handler(request, device, _clock(request))
        except ProtocolError as exc:
            return _error(_domain(exc))
        except DomainError as exc:
            return _error(exc)

    return view


def _pull(request: HttpRequest, device: Device, clock_header: ClockHeader | None) -> HttpResponse:
    if request.method != "GET":
        return _error(MethodNotAllowed("Use GET."))
    parse_schema_version(request.GET.get("schema_version"))
    cursor = parse_last_pulled_at(request.GET.get("last_pulled_at"))
    received_ms = clock.now_ms()
    if clock_header is not None:
        anchor_record(device=device, clock=clock_header, server_ms=received_ms)
    result = pull_changes(device=device, cursor=cursor)
    _presence(device, "pull")
    return _json(result.body, request=request)


def _read_body(request: HttpRequest) -> bytes:
    try:
        declared = int(request.headers.get("Content-Length") or 0)
    except ValueError as exc:
        raise Malformed("Content-Length is not a number") from exc
    if declared > MAX_PUSH_BYTES:
        raise TooLarge(f"A push is at most {MAX_PUSH_BYTES} bytes; split it.")
    raw = request.read(MAX_PUSH_BYTES + 1)
    if len(raw) > MAX_PUSH_BYTES:
        raise TooLarge(f"A push is at most {MAX_PUSH_BYTES} bytes; split it.")
    encoding = request.headers.get("Content-Encoding", "identity").strip().lower()
    if encoding in ("", "identity"):
        return raw
    if encoding != "gzip":
        raise Malformed(f"Content-Encoding {encoding!r} is not supported (gzip is)")
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        body = inflater.decompress(raw, MAX_DECOMPRESSED_BYTES)
    except zlib.error as exc:
        raise Malformed("the gzip body is corrupt") from exc
    if inflater.unconsumed_tail:
        raise TooLarge("The decompressed push is too large; split it.")
    if not inflater.eof:
        raise Malformed("the gzip body is truncated")
    return body


def _push(request: HttpRequest, device: Device, clock_header: ClockHeader | None) -> HttpResponse:
    if request.method != "POST":
        return _error(MethodNotAllowed("Use POST."))
    version = request.GET.get("schema_version")
    if version is not None:
        parse_schema_version(version)
    raw = _read_body(request)
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise Malformed("the body is not JSON") from exc
    results = push_records(device=device, body_or_records=body, clock=clock_header, via="http")
    _presence(device, "push")
    return _json({"results": results}, request=request)


pull = csrf_exempt(_device_view(_pull))
push = csrf_exempt(_device_view(_push))


@csrf_exempt
def enroll(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _error(MethodNotAllowed("Use POST."))
    try:
        raw = request.read(64 * 1024 + 1)
        if len(raw) > 64 * 1024:
            raise TooLarge("An enrolment request is small.")
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise Malformed("the body is not JSON") from exc
        if not isinstance(body, dict) or not isinstance(body.get("code"), str):
            raise Malformed('expected {"code": "<one-time code>", "device": {…}}')
        info = body.get("device") or {}
        if not isinstance(info, dict):
            raise Malformed("device must be an object")
        enrolment = device_enroll(code=body["code"], device_info=info)
    except DomainError as exc:
        return _error(exc)
    device = enrolment.device
    officer = device.officer
    unit = officer.unit
    return _json(
        {
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
            "unit": None
            if unit is None
            else {
                "id": str(unit.pk),
                "callsign": unit.callsign,
                "type": unit.type,
                "district_id": str(unit.district_id),
            },
        },
        status=201,
        request=request,
    )


openapi.attach(enroll=enroll, pull=pull, push=push)
