"""JSON errors for every API: ``{"error": <code>, "detail": <text>}``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, JsonResponse
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from . import clock
from .errors import DomainError, RateLimited, TooLarge

_DRF_CODES = {
    drf_exceptions.NotAuthenticated: "unauthenticated",
    drf_exceptions.AuthenticationFailed: "unauthenticated",
    drf_exceptions.PermissionDenied: "forbidden",
    drf_exceptions.NotFound: "not_found",
    drf_exceptions.MethodNotAllowed: "method_not_allowed",
    drf_exceptions.ParseError: "malformed",
    drf_exceptions.UnsupportedMediaType: "unsupported_media_type",
    drf_exceptions.Throttled: "rate_limited",
    drf_exceptions.ValidationError: "invalid",
}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF exception handler: domain errors and DRF's own, all as ``error``/``detail``."""
    if isinstance(exc, RequestDataTooBig):
        # Django's own limit, met when the body is read: it was a 400 page (HTML with DEBUG).
        exc = TooLarge(
            f"The request body is over {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes.",
            max_bytes=settings.DATA_UPLOAD_MAX_MEMORY_SIZE,
        )
    if isinstance(exc, DomainError):
        response = Response(exc.as_json(), status=exc.status)
        if isinstance(exc, RateLimited):
            response["Retry-After"] = str(exc.retry_after)
        return response
    if isinstance(exc, Http404):
        exc = drf_exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = drf_exceptions.PermissionDenied()
    handled = drf_exception_handler(exc, context)
    if handled is None or not isinstance(exc, drf_exceptions.APIException):
        return handled
    response = handled
    # A DRF exception of Kuzet's own may name its code (``TokenExpired``: ``token_expired``).
    code = getattr(exc, "error_code", None) or next(
        (c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), "error"
    )
    if isinstance(exc, drf_exceptions.ValidationError):
        body: dict[str, Any] = {"error": code, "detail": "Invalid input.", "fields": exc.detail}
    else:
        body = {"error": code, "detail": str(exc.detail)}
    response.data = body
    return response


# Paths a program calls (the APIs; the WebSocket endpoints, reached over plain HTTP): their
# errors are JSON, never an HTML page.
API_PREFIXES = ("/api/", "/ws/")
SYNC_PREFIX = "/api/sync/"
NOT_FOUND = {"error": "not_found", "detail": "No such resource."}


@csrf_exempt
def api_not_found(request: HttpRequest) -> JsonResponse:
    """The last URL pattern under the API prefixes: an unknown path there answers JSON with
    DEBUG on too (Django's debug page would otherwise list the URLconf to a phone).

    Exempt from CSRF: a POST to a mistyped path (``/api/v1/intake/egov`` without its slash)
    was refused by the CSRF check with Django's HTML 403 before this view could say 404.
    A path that exists with a trailing slash is named."""
    body = dict(NOT_FOUND)
    if not request.path.endswith("/"):
        try:
            match = resolve(request.path_info + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not api_not_found:
            body["detail"] = f"No such resource; the path ends with a slash: {request.path}/"
    return JsonResponse(body, status=404)


def api_aware_handler(status: int, code: str, detail: str) -> Any:
    """A URLconf error handler: JSON under :data:`API_PREFIXES`, Django's HTML page
    elsewhere."""
    from django.views import defaults

    html: dict[int, Any] = {
        400: defaults.bad_request,
        403: defaults.permission_denied,
        404: defaults.page_not_found,
        500: defaults.server_error,
    }
    page = html[status]

    def handler(request: HttpRequest, exception: Exception | None = None) -> Any:
        if request.path.startswith(API_PREFIXES):
            body: dict[str, Any] = {"error": code, "detail": detail}
            if request.path.startswith(SYNC_PREFIX):
                # PROTOCOL.md §2: every body of the sync endpoints carries server_time, a
                # 500's too (a phone dates its retry and its clock offset from it).
                body["server_time"] = clock.now_ms()
            return JsonResponse(body, status=status)
        if status == 500:
            return page(request)
        return page(request, exception)

    return handler
