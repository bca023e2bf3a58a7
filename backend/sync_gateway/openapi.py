"""OpenAPI documentation of the sync endpoints, generated from the same column lists as the
wire (:data:`backend.sync_gateway.render.TABLE_COLUMNS`).

The endpoints are plain Django views (the hot path). drf-spectacular only documents DRF
views, so each view gets a ``cls`` attribute naming a thin APIView below that carries the
``extend_schema`` declarations; the schema generator instantiates it, requests never do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.views import APIView

from sync.protocol import DEVICE_EVENT_KINDS, MAX_PUSH_BYTES, MAX_PUSH_EVENTS, MAX_SAFE_INT

from .render import TABLE_COLUMNS, TABLE_ORDER


def _column_schema(kind: str) -> dict[str, Any]:
    nullable = kind.endswith("|null")
    base = kind.removesuffix("|null")
    schema: dict[str, Any]
    if base == "time":
        schema = {"type": "integer", "format": "int64", "description": "ms since epoch"}
    elif base == "integer":
        schema = {"type": "integer", "format": "int64"}
    elif base == "number":
        schema = {"type": "number"}
    elif base == "boolean":
        schema = {"type": "boolean"}
    elif base.startswith("json text"):
        schema = {"type": "string", "description": f"JSON text: {base[len('json text ') :]}"}
    else:
        schema = {"type": "string"}
    if nullable:
        schema["nullable"] = True
    return schema


def record_schema(table: str) -> dict[str, Any]:
    properties: dict[str, Any] = {"id": {"type": "string"}}
    for name, _, _, kind in TABLE_COLUMNS[table]:
        properties[name] = _column_schema(kind)
    required = ["id", *properties.keys() - {"id"}]
    if table == "events":
        # Not a column (render._own_ignored): only on the pulling device's own events.
        properties["ignored"] = {
            "type": "string",
            "description": "JSON text: list of the key names this device's push of the "
            "event sent and the server did not read, sorted, as the push's result named "
            "them; present only on the device's own events that had any (docs/protocol.md "
            "§2, An event record)",
        }
    return {"type": "object", "properties": properties, "required": required}


def _table_changes(table: str) -> dict[str, Any]:
    record = record_schema(table)
    return {
        "type": "object",
        "properties": {
            "created": {
                "type": "array",
                "items": record,
                "description": "always empty: upserts travel in `updated` (sendCreatedAsUpdated)",
            },
            "updated": {"type": "array", "items": record},
            "deleted": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["created", "updated", "deleted"],
    }


ERROR = {
    "type": "object",
    "properties": {
        "error": {"type": "string"},
        "detail": {"type": "string"},
        "wipe": {"type": "boolean", "description": "only with device_revoked"},
        "min_schema_version": {
            "type": "integer",
            "description": "with upgrade_required and schema_too_new: the oldest served",
        },
        "max_schema_version": {
            "type": "integer",
            "description": "with upgrade_required and schema_too_new: the newest served",
        },
        "server_time": {"type": "integer", "format": "int64"},
    },
    "required": ["error", "detail", "server_time"],
}

# The officer's unit, as the enrolment answer and a new snapshot name it
# (backend/sync_gateway/pull.py: unit_record).
UNIT = {
    "type": "object",
    "nullable": True,
    "properties": {
        "id": {"type": "string"},
        "callsign": {"type": "string"},
        "type": {"type": "string"},
        "district_id": {"type": "string"},
    },
    "required": ["id", "callsign", "type", "district_id"],
}

# docs/protocol.md §4, *Keys the server does not read*: present only when not empty.
IGNORED: dict[str, Any] = {"type": "array", "items": {"type": "string"}}

PULL_RESPONSE = {
    "type": "object",
    "properties": {
        "changes": {
            "type": "object",
            "properties": {t: _table_changes(t) for t in TABLE_ORDER},
        },
        "timestamp": {
            "type": "integer",
            "format": "int64",
            "description": "the cursor to send as last_pulled_at next time (> 0)",
        },
        "has_more": {"type": "boolean"},
        "experimentalStrategy": {
            "description": (
                "snapshots only: `replacement` (the whole scope in this answer), or per table "
                "when a snapshot is larger than KUZET_SYNC_SNAPSHOT_MAX (the tables named "
                "`replacement` are held in full by this answer; the others are left alone)"
            ),
            "oneOf": [
                {"type": "string", "enum": ["replacement"]},
                {
                    "type": "object",
                    "properties": {
                        "default": {"type": "string", "enum": ["incremental"]},
                        "override": {
                            "type": "object",
                            "additionalProperties": {"type": "string", "enum": ["replacement"]},
                        },
                    },
                    "required": ["default", "override"],
                },
            ],
        },
        "unit": {
            **UNIT,
            "description": (
                "new snapshots only (the first page): the unit the scope was built for, as "
                "the enrolment answer names it; null for an officer without a unit"
            ),
        },
        "ignored": {
            **IGNORED,
            "description": "query parameters this server did not read (only when there are any)",
        },
        "server_time": {"type": "integer", "format": "int64"},
    },
    "required": ["changes", "timestamp", "has_more", "server_time"],
}

PUSHED_EVENT = {
    "type": "object",
    "properties": {
        "id": {"type": "string", "pattern": "^[A-Za-z0-9_-]{16,64}$"},
        "kind": {"type": "string", "enum": list(DEVICE_EVENT_KINDS)},
        # A record id as the server reads it (sync.protocol._optional_ref): a string, or an
        # integer from 0 to 2^53-1 (an app whose column holds the number sends it as one);
        # null or "" for none.
        "assignment_id": {
            "oneOf": [
                {"type": "string"},
                {"type": "integer", "format": "int64", "minimum": 0, "maximum": MAX_SAFE_INT},
            ],
            "nullable": True,
        },
        "device_time": {"type": "integer", "format": "int64"},
        "boot_id": {"type": "string", "nullable": True},
        "elapsed_ms": {"type": "integer", "format": "int64", "nullable": True},
        "lat": {"type": "number", "nullable": True},
        "lon": {"type": "number", "nullable": True},
        "accuracy_m": {"type": "number", "nullable": True},
        "gps_time": {"type": "integer", "format": "int64", "nullable": True},
        "payload": {
            "description": (
                "object, or JSON text of an object; per kind (docs/protocol.md §4): a note "
                '{"text"}, an outcome {"code", …}, a unit_status {"status"}, a follow_up_visit '
                '{"follow_up_id", "text"?}, a read {"event_id"}: the desk\'s message the '
                "officer read, with every earlier one on the assignment"
            ),
            "oneOf": [{"type": "object"}, {"type": "string"}],
        },
    },
    "required": ["id", "kind", "device_time"],
}

PUSH_REQUEST = {
    "type": "object",
    "description": f"at most {MAX_PUSH_EVENTS} records and {MAX_PUSH_BYTES} bytes (compressed)",
    "properties": {
        "changes": {
            "type": "object",
            "properties": {
                "events": {
                    "type": "object",
                    "properties": {
                        "created": {"type": "array", "items": PUSHED_EVENT},
                        "updated": {
                            "type": "array",
                            "items": {"type": "object"},
                            "description": "rejected read_only",
                        },
                        "deleted": {
                            "type": "array",
                            "items": {"type": "string"},
                            "description": "rejected read_only",
                        },
                    },
                }
            },
        },
        "lastPulledAt": {"type": "integer", "format": "int64", "nullable": True},
    },
    "required": ["changes"],
}

PUSH_RESPONSE = {
    "type": "object",
    "properties": {
        "results": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "id": {"type": "string", "nullable": True},
                    "status": {"type": "string", "enum": ["accepted", "duplicate", "rejected"]},
                    "disposition": {"type": "string"},
                    "reason": {"type": "string"},
                    "detail": {"type": "string"},
                    "ignored": {
                        **IGNORED,
                        "description": "keys of the record this server did not read",
                    },
                },
                "required": ["id", "status"],
            },
        },
        "ignored": {
            **IGNORED,
            "description": (
                "keys of the push body and query parameters this server did not read "
                "(only when there are any)"
            ),
        },
        "server_time": {"type": "integer", "format": "int64"},
    },
    "required": ["results", "server_time"],
}

ENROLL_REQUEST = {
    "type": "object",
    "properties": {
        "code": {"type": "string"},
        "device": {
            "type": "object",
            "properties": {
                "platform": {"type": "string"},
                "model": {"type": "string"},
                "app_version": {"type": "string"},
                "install_id": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 128,
                    "description": "required: one per app install (a second enrolment of the "
                    "same install replaces its token; another officer's live device is handed "
                    "over only to a request with its token, docs/protocol.md §1)",
                },
            },
            "required": ["install_id"],
        },
    },
    "required": ["code", "device"],
}

ENROLL_RESPONSE = {
    "type": "object",
    "properties": {
        "device_id": {"type": "string"},
        "token": {"type": "string"},
        "officer": {
            "type": "object",
            "properties": {
                "id": {"type": "string"},
                "username": {"type": "string"},
                "first_name": {"type": "string"},
                "last_name": {"type": "string"},
                "patronymic": {"type": "string"},
                "badge_number": {"type": "string", "nullable": True},
                "district_id": {"type": "string", "nullable": True},
                "language": {
                    "type": "string",
                    "enum": ["kk", "ru", "en"],
                    "description": "the officer's screen language (Officer.language)",
                },
            },
            "required": [
                "id",
                "username",
                "first_name",
                "last_name",
                "patronymic",
                "badge_number",
                "district_id",
                "language",
            ],
        },
        "unit": {
            **UNIT,
            "description": (
                "the officer's unit; today always present (only an officer of a unit may "
                "enrol), null read as: no unit, nothing to sync until the officer is given one"
            ),
        },
        "ignored": {
            **IGNORED,
            "description": (
                "keys of the enrolment this server did not read, `device.<key>` for the "
                "device's (only when there are any)"
            ),
        },
        "server_time": {"type": "integer", "format": "int64"},
    },
    "required": ["device_id", "token", "officer", "unit", "server_time"],
}

_DEVICE_HEADERS = [
    OpenApiParameter(
        "Authorization",
        str,
        OpenApiParameter.HEADER,
        required=True,
        description="`Device <token>`",
    ),
    OpenApiParameter(
        "X-Device-Clock",
        str,
        OpenApiParameter.HEADER,
        description="`<wall_ms>;<boot_id>;<elapsed_ms>`",
    ),
]

_ERRORS = {
    code: OpenApiResponse(ERROR, description=text)
    for code, text in {
        400: "malformed",
        401: "unauthenticated / device_revoked (with wipe)",
        403: "forbidden: the officer may not enrol (no unit, or deactivated)",
        405: "method_not_allowed",
        409: "schema_too_new: the app's schema is newer than this server serves (keep the "
        "local data, sync later)",
        413: "too_large: more than 500 records, 1 MiB sent or 16 MiB inflated",
        426: "upgrade_required",
        429: "rate_limited (Retry-After)",
    }.items()
}


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    return {code: _ERRORS[code] for code in codes}


class PullSchema(APIView):
    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []

    @extend_schema(
        operation_id="sync_pull",
        tags=["sync"],
        parameters=[
            *_DEVICE_HEADERS,
            OpenApiParameter("last_pulled_at", str, description="integer cursor or `null`"),
            OpenApiParameter("schema_version", int, required=True),
            OpenApiParameter(
                "migration",
                str,
                description=(
                    "WatermelonDB's migration sync argument as JSON text, `null` or "
                    '`{"from": int, "tables": [str], "columns": [{"table": str, '
                    '"columns": [str]}]}`: every in-scope record of those tables is sent again'
                ),
            ),
        ],
        # A pull has no body: never 413. Never 403 either (that is enrolment's).
        responses={200: PULL_RESPONSE, **_errors(400, 401, 405, 409, 426, 429)},
        description="Changes of the device's scope since the cursor (WatermelonDB pull).",
    )
    def get(self, request: Any) -> Any:  # pragma: no cover - documentation only
        raise NotImplementedError


class PushSchema(APIView):
    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []

    @extend_schema(
        operation_id="sync_push",
        tags=["sync"],
        parameters=[
            *_DEVICE_HEADERS,
            OpenApiParameter("last_pulled_at", str, description="not read (docs/protocol.md §4)"),
            OpenApiParameter(
                "schema_version",
                int,
                description=(
                    "optional; when given, checked as for a pull (409, 426); given twice: 400. "
                    "Any other parameter is named in the answer's `ignored`"
                ),
            ),
            OpenApiParameter(
                "Content-Encoding", str, OpenApiParameter.HEADER, description="`gzip` or absent"
            ),
        ],
        request={"application/json": PUSH_REQUEST},
        responses={200: PUSH_RESPONSE, **_errors(400, 401, 405, 409, 413, 426, 429)},
        description="Events recorded on the device; one result per record.",
    )
    def post(self, request: Any) -> Any:  # pragma: no cover - documentation only
        raise NotImplementedError


class EnrollSchema(APIView):
    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []

    @extend_schema(
        operation_id="sync_enroll",
        tags=["sync"],
        parameters=[
            OpenApiParameter(
                "Authorization",
                str,
                OpenApiParameter.HEADER,
                description=(
                    "optional `Device <token>`: the token the install already holds, the proof "
                    "that hands another officer's phone over (without it: 409 install_in_use)"
                ),
            ),
            OpenApiParameter(
                "Content-Encoding", str, OpenApiParameter.HEADER, description="`gzip` or absent"
            ),
        ],
        request={"application/json": ENROLL_REQUEST},
        responses={
            201: ENROLL_RESPONSE,
            **_errors(400, 401, 403, 405),
            409: OpenApiResponse(
                ERROR,
                description="install_in_use: the install is another officer's live device and "
                "the request does not hold its token; nothing changed, the code is not used",
            ),
            413: OpenApiResponse(
                ERROR, description="too_large: a body above 64 KiB, as sent or inflated"
            ),
            429: OpenApiResponse(
                ERROR, description="rate_limited: too many wrong codes (Retry-After)"
            ),
        },
        description="Trade a one-time enrolment code for a device token.",
    )
    def post(self, request: Any) -> Any:  # pragma: no cover - documentation only
        raise NotImplementedError


WEBPUSH_SUBSCRIPTION = {
    "type": "object",
    "description": "the browser's `PushSubscription.toJSON()`",
    "properties": {
        "endpoint": {
            "type": "string",
            "maxLength": 1000,
            "description": "https URL of a push service of `KUZET_WEBPUSH_SERVICES`",
        },
        "keys": {
            "type": "object",
            "properties": {
                "p256dh": {"type": "string", "description": "base64url P-256 point"},
                "auth": {"type": "string", "description": "base64url, 16 bytes"},
            },
            "required": ["p256dh", "auth"],
        },
    },
    "required": ["endpoint", "keys"],
}

WEBPUSH_STATE = {
    "type": "object",
    "properties": {
        "public_key": {
            "type": "string",
            "nullable": True,
            "description": "the VAPID key to subscribe with (base64url); null: no Web Push",
        },
        "subscribed": {"type": "boolean"},
        "ignored": {
            **IGNORED,
            "description": (
                "PUT: keys of the subscription this server did not read, `keys.<key>` for "
                "its keys' (only when there are any; `expirationTime` is not named)"
            ),
        },
        "server_time": {"type": "integer"},
    },
    "required": ["public_key", "subscribed", "server_time"],
}

_WEBPUSH_REFUSED = OpenApiResponse(
    ERROR, description="webpush_off / push_service_unknown / malformed (nothing changed)"
)


class WebpushSchema(APIView):
    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []

    @extend_schema(
        operation_id="sync_webpush_state",
        tags=["sync"],
        parameters=_DEVICE_HEADERS,
        responses={200: WEBPUSH_STATE, **_errors(401, 405, 429)},
        description="The key to subscribe to Web Push with, and whether this device is.",
    )
    def get(self, request: Any) -> Any:  # pragma: no cover - documentation only
        raise NotImplementedError

    @extend_schema(
        operation_id="sync_webpush_subscribe",
        tags=["sync"],
        parameters=_DEVICE_HEADERS,
        request={"application/json": WEBPUSH_SUBSCRIPTION},
        responses={
            200: WEBPUSH_STATE,
            400: _WEBPUSH_REFUSED,
            **_errors(401, 405, 413, 429),
        },
        description="Keep this device's Web Push subscription (docs/protocol.md §11).",
    )
    def put(self, request: Any) -> Any:  # pragma: no cover - documentation only
        raise NotImplementedError

    @extend_schema(
        operation_id="sync_webpush_unsubscribe",
        tags=["sync"],
        parameters=_DEVICE_HEADERS,
        responses={200: WEBPUSH_STATE, **_errors(401, 405, 429)},
        description="Forget this device's Web Push subscription.",
    )
    def delete(self, request: Any) -> Any:  # pragma: no cover - documentation only
        raise NotImplementedError


def attach(
    *,
    enroll: Callable[..., Any],
    pull: Callable[..., Any],
    push: Callable[..., Any],
    webpush: Callable[..., Any],
) -> None:
    """Make the plain views visible to drf-spectacular as these documented APIViews."""
    for view, cls in (
        (enroll, EnrollSchema),
        (pull, PullSchema),
        (push, PushSchema),
        (webpush, WebpushSchema),
    ):
        view.cls = cls  # type: ignore[attr-defined]
        view.initkwargs = {}  # type: ignore[attr-defined]
