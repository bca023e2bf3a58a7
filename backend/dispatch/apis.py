"""The dispatch HTTP API: intake for integrations, commands for staff, SMS callbacks.

One APIView per operation (HackSoft): validate input with the view's own serializer, fetch
through ``access_*``, call one service, render the output serializer. Errors are domain
errors rendered once by ``backend.common.api.exception_handler`` as ``{"error", "detail"}``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.common.attempts import SMS_SIGNATURE, attempts_check, attempts_failed
from backend.common.errors import NotFound, TooLarge, Unauthenticated, ValidationFailed
from backend.common.net import client_ip
from backend.common.phones import phone_normalise
from backend.geo.models import LAT_RANGE, LON_RANGE
from backend.ledger import uow
from backend.ledger.idempotency import HEADER, idempotent
from backend.people.access import district_scope

from . import access, policies, selectors, services
from .authentication import HasIntakeKey, IntakeKeyAuthentication
from .lifecycle import IncidentStatus
from .models import (
    Assignment,
    Category,
    Channel,
    Conflict,
    Incident,
    IntakeKey,
    OutcomeCode,
    Priority,
)
from .parsers import JsonParser
from .services.assignments import ACK_CHANNELS
from .sms import SIGNATURE_HEADER

# --- times ------------------------------------------------------------------------------------


class Rfc3339DateTimeField(serializers.DateTimeField):
    """A date-time rendered as RFC 3339 in every case.

    DRF renders in the current zone (Asia/Almaty, +05:00); for a time before 1924 the zone
    database gives Almaty's local mean time, +05:07:48, and an offset with seconds is not
    RFC 3339 (a received_at of year 715 came out as ``0715-…+05:07:48``). Such a time is
    rendered in UTC instead.
    """

    def to_representation(self, value: Any) -> Any:
        if isinstance(value, dt.datetime):
            offset = self.enforce_timezone(value).utcoffset()
            if offset is not None and offset % dt.timedelta(minutes=1):
                # DRF would convert back to the current zone: write the UTC form here.
                return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
        return super().to_representation(value)


# --- shared output shapes --------------------------------------------------------------------


class ErrorSerializer(serializers.Serializer[Any]):
    error = serializers.CharField(help_text="stable error code")
    detail = serializers.CharField()

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        # "fields" is the Serializer's own attribute: the field is added here instead.
        fields = super().get_fields()
        fields["fields"] = serializers.DictField(
            required=False,
            help_text="`invalid`: the error of each field, by name (nested for `caller`, `media`)",
        )
        return fields


class AssignmentOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    incident_id = serializers.IntegerField()
    unit_id = serializers.IntegerField()
    callsign = serializers.CharField(source="unit.callsign")
    status = serializers.CharField()
    dispatch_source = serializers.CharField()
    dispatched_at = Rfc3339DateTimeField()
    delivered_at = Rfc3339DateTimeField(allow_null=True)
    acknowledged_at = Rfc3339DateTimeField(allow_null=True)
    en_route_at = Rfc3339DateTimeField(allow_null=True)
    on_scene_at = Rfc3339DateTimeField(allow_null=True)
    cleared_at = Rfc3339DateTimeField(allow_null=True)
    cancelled_at = Rfc3339DateTimeField(allow_null=True)
    superseded_by_id = serializers.IntegerField(allow_null=True)
    deliver_due_at = Rfc3339DateTimeField(allow_null=True)
    ack_due_at = Rfc3339DateTimeField(allow_null=True)
    arrive_due_at = Rfc3339DateTimeField(allow_null=True)
    next_escalation_at = Rfc3339DateTimeField(allow_null=True)
    escalation_level = serializers.IntegerField()


class FollowUpOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    incident_id = serializers.IntegerField()
    unit_id = serializers.IntegerField(
        allow_null=True, help_text="the okrug's inspector, else the district's DV inspector"
    )
    due_at = Rfc3339DateTimeField()
    done_at = Rfc3339DateTimeField(allow_null=True)
    note = serializers.CharField()


class IncidentOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    number = serializers.CharField()
    channel = serializers.CharField()
    external_ref = serializers.CharField(allow_null=True)
    category = serializers.CharField()
    priority = serializers.CharField()
    exercise = serializers.BooleanField(
        help_text="a training call: handled like any call, kept out of the figures"
    )
    status = serializers.CharField()
    district_id = serializers.IntegerField()
    settlement_id = serializers.IntegerField(allow_null=True)
    settlement_kato = serializers.CharField(source="settlement.kato", allow_null=True, default=None)
    lat = serializers.FloatField(allow_null=True)
    lon = serializers.FloatField(allow_null=True)
    location_source = serializers.CharField()
    landmark = serializers.CharField()
    summary = serializers.CharField()
    description = serializers.CharField()
    caller_name = serializers.CharField()
    caller_phone = serializers.CharField()
    media_links = serializers.ListField(child=serializers.CharField())
    risk_flags = serializers.ListField(child=serializers.DictField())
    notify_citizen = serializers.BooleanField()
    citizen_notified_at = Rfc3339DateTimeField(allow_null=True)
    citizen_delay_notified_at = Rfc3339DateTimeField(allow_null=True)
    received_at = Rfc3339DateTimeField()
    created_at = Rfc3339DateTimeField()
    closed_at = Rfc3339DateTimeField(allow_null=True)
    disposition = serializers.CharField()
    outcome_code = serializers.CharField()
    outcome_article = serializers.CharField(
        help_text='the CoAO article the outcome names, "" for none'
    )
    duplicate_of_id = serializers.IntegerField(allow_null=True)
    assignments = serializers.SerializerMethodField()

    follow_ups = serializers.SerializerMethodField(
        help_text="the visits owed after a DV call (DOMAIN.md), planned and made"
    )

    @extend_schema_field(AssignmentOutput(many=True))
    def get_assignments(self, obj: Incident) -> Any:
        rows = obj.assignments.select_related("unit").order_by("dispatched_at", "pk")
        return AssignmentOutput(rows, many=True).data

    @extend_schema_field(FollowUpOutput(many=True))
    def get_follow_ups(self, obj: Incident) -> Any:
        return FollowUpOutput(obj.follow_ups.order_by("due_at", "pk"), many=True).data


def _location_validate(attrs: dict[str, Any]) -> dict[str, Any]:
    lat, lon = attrs.get("lat"), attrs.get("lon")
    if (lat is None) != (lon is None):
        raise serializers.ValidationError({"lat": "lat and lon come together."}, code="invalid")
    if (
        lat is not None
        and lon is not None
        and not (LAT_RANGE[0] <= lat <= LAT_RANGE[1] and LON_RANGE[0] <= lon <= LON_RANGE[1])
    ):
        raise serializers.ValidationError(
            {"lat": "The point is outside Kazakhstan."}, code="invalid"
        )
    return attrs


class CallerInput(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    phone = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        default="",
        help_text=(
            "a Kazakhstan number, +7 or 8 then 10 digits starting with 7 (spaces, dashes, "
            "brackets allowed), stored as +77XXXXXXXXX; the citizen's SMS goes to it"
        ),
    )

    def validate_phone(self, value: str) -> str:
        # The citizen's SMS goes to it: "call me maybe" was stored and texted at close.
        try:
            return phone_normalise(value)
        except ValidationFailed as exc:
            raise serializers.ValidationError(exc.detail, code=exc.code) from exc


class ReportFields(serializers.Serializer[Any]):
    """The fields of a report common to intake and staff entry."""

    received_at = Rfc3339DateTimeField(
        help_text=(
            "when the report reached the channel; at most KUZET_TIME_PAST_DAYS (7) days "
            "before the server's clock (else 400 `received_at_too_old`) and "
            "KUZET_TIME_AHEAD_SECONDS (300) after it (else 400 `received_at_in_future`)"
        )
    )
    category = serializers.ChoiceField(choices=Category.choices)
    description = serializers.CharField(
        max_length=4000, required=False, allow_blank=True, default=""
    )
    summary = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    priority = serializers.ChoiceField(
        choices=Priority.choices,
        required=False,
        allow_null=True,
        default=None,
        help_text="Leave out for the channel's default; a DV call is raised to at least P1.",
    )
    lat = serializers.FloatField(required=False, allow_null=True, default=None)
    lon = serializers.FloatField(required=False, allow_null=True, default=None)
    settlement_kato = serializers.RegexField(
        r"^\d{9}$", required=False, allow_null=True, default=None
    )
    landmark = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    caller = CallerInput(required=False, default=dict)
    media = serializers.ListField(
        child=serializers.URLField(max_length=500), required=False, default=list, max_length=20
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return _location_validate(attrs)

    @staticmethod
    def to_input(data: dict[str, Any], **extra: Any) -> services.IncidentInput:
        caller = data.get("caller") or {}
        return services.IncidentInput(
            category=data["category"],
            received_at=data["received_at"],
            description=data.get("description", ""),
            summary=data.get("summary", ""),
            priority=data.get("priority"),
            settlement_kato=data.get("settlement_kato"),
            lat=data.get("lat"),
            lon=data.get("lon"),
            landmark=data.get("landmark", ""),
            caller_name=caller.get("name", ""),
            caller_phone=caller.get("phone", ""),
            media_links=list(data.get("media") or []),
            **extra,
        )


# Names partners reached for that are not fields of a report, and the field they meant.
_FIELD_HINTS = {
    "caller_name": "caller.name",
    "caller_phone": "caller.phone",
    "name": "caller.name",
    "phone": "caller.phone",
    "settlement": "settlement_kato",
    "settlement_id": "settlement_kato",
}


def _unknown_fields(serializer: serializers.Serializer[Any], data: Mapping[str, Any]) -> Any:
    """The names in ``data`` that ``serializer`` (and its nested serializers) has no field
    for, as field errors; empty when there are none."""
    errors: dict[str, Any] = {}
    for name in data:
        if name not in serializer.fields:
            hint = _FIELD_HINTS.get(name)
            errors[name] = [f"Unknown field; did you mean {hint}?" if hint else "Unknown field."]
    for name, field in serializer.fields.items():
        value = data.get(name)
        if isinstance(field, serializers.Serializer) and isinstance(value, Mapping):
            nested = _unknown_fields(field, value)
            if nested:
                errors[name] = nested
    return errors


def _errors_merged(first: Any, second: dict[str, Any]) -> Any:
    if not isinstance(first, dict):
        return first
    merged = dict(first)
    for name, error in second.items():
        merged[name] = (
            _errors_merged(merged[name], error)
            if isinstance(merged.get(name), dict) and isinstance(error, dict)
            else error
        )
    return merged


class RejectUnknownFields(serializers.Serializer[Any]):
    """An input that refuses names it has no field for (400 naming each), nested ones too.

    DRF drops them silently: a partner's top-level ``caller_name`` and ``caller_phone`` were
    stored as "" and the citizen was never told; ``settlement`` was dropped and the answer
    said ``location_required``. Nothing a partner sends that parses is silently dropped.
    """

    def to_internal_value(self, data: Any) -> Any:
        unknown = _unknown_fields(self, data) if isinstance(data, Mapping) else {}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if unknown:
                raise serializers.ValidationError(_errors_merged(exc.detail, unknown)) from exc
            raise
        if unknown:
            raise serializers.ValidationError(unknown)
        return value


def _incident_output(incident: Incident) -> dict[str, Any]:
    incident = Incident.objects.select_related("settlement").get(pk=incident.pk)
    return IncidentOutput(incident).data


def _assignment_output(assignment: Assignment) -> dict[str, Any]:
    assignment = Assignment.objects.select_related("unit").get(pk=assignment.pk)
    return AssignmentOutput(assignment).data


def _audit_dv_read(request: Request, incident: Incident, purpose: str) -> None:
    if incident.is_dv:
        uow.record_read(actor=request.user, obj=incident, purpose=purpose)


_ERRORS = {
    400: OpenApiResponse(
        ErrorSerializer,
        description="invalid input (`invalid`, or a specific code); `malformed`: the body is "
        "not JSON, nests too deeply, or names a key twice in one object",
    ),
    401: OpenApiResponse(ErrorSerializer, description="`unauthenticated`"),
    403: OpenApiResponse(
        ErrorSerializer,
        description="`forbidden`: role not allowed; on a staff command, "
        "`incident_out_of_scope`: another district's call your unit was sent to (readable "
        "through `GET /api/v1/incidents/{id}/`, run by its own desk)",
    ),
    404: OpenApiResponse(ErrorSerializer, description="`not_found`: absent or out of your scope"),
    409: OpenApiResponse(ErrorSerializer, description="state conflict (code says which)"),
    413: OpenApiResponse(ErrorSerializer, description="`too_large`: the body is over the limit"),
    415: OpenApiResponse(
        ErrorSerializer, description="`unsupported_media_type`: send `application/json`"
    ),
    429: OpenApiResponse(
        ErrorSerializer,
        description="`rate_limited`: over the request rate, or too many failed keys/tokens "
        "from this address (`Retry-After` says when to retry)",
    ),
}


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    """The listed error responses, and 429: every API view is throttled."""
    return {c: _ERRORS[c] for c in (*codes, 429)}


# Staff writes take an Idempotency-Key (backend/ledger/idempotency.py): a retry after a lost
# answer replays the first answer instead of writing again (a second incident, a 409
# unit_unavailable for a dispatch that did go through).
IDEMPOTENCY_KEY = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description=(
        "Optional, recommended: a unique key per intended write (1-255 printable ASCII; a "
        'structured-field string `"…"` is read too). The same key with the same method, path '
        "and body replays the first answer (`Idempotent-Replayed: true`) and writes nothing; "
        "with another request it is `422 idempotency_key_reused`. A retry sent while the "
        "first request is still running waits for it and replays its answer. Keys are kept "
        "at least KUZET_IDEMPOTENCY_HOURS (24)."
    ),
)
IDEMPOTENCY_ERRORS = {
    422: OpenApiResponse(
        ErrorSerializer,
        description="`idempotency_key_reused`: the key was used for another request",
    )
}


# --- intake ----------------------------------------------------------------------------------

# A report is small: 4,000 characters of description, 20 links of 500, a few short fields —
# under 70 KB even with every character an emoji sent \u-escaped (12 bytes). A larger body
# is refused before it is read (Django's own limit, 2.5 MB, answered with its HTML page).
INTAKE_MAX_BODY_BYTES = 128 * 1024


def _intake_body_size_check(request: Request) -> None:
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > INTAKE_MAX_BODY_BYTES:
        raise TooLarge(
            f"An intake request is at most {INTAKE_MAX_BODY_BYTES} bytes.",
            max_bytes=INTAKE_MAX_BODY_BYTES,
        )


# The examples of the schema are the examples of docs/intake.md; a test holds them equal and
# sends each to the API (tests/backend/dispatch/test_intake_docs.py).
INTAKE_EXAMPLE_REPORT = {
    "external_ref": "egov-2026-0012345",
    "received_at": "2026-12-05T09:14:00+05:00",
    "category": "livestock_theft",
    "description": "Ночью из сарая увели двух баранов. Следы ведут к трассе.",
    "settlement_kato": "103620100",
    "lat": 47.9712,
    "lon": 80.4417,
    "landmark": "ул. Абая 12, сарай во дворе",
    "caller": {"name": "Айгерим Сапарова", "phone": "8 (701) 555-01-01"},
    "media": ["https://egov.kz/media/abc123.jpg"],
}
INTAKE_EXAMPLE_CREATED = {
    "id": 4821,
    "number": "1036-2026-004821",
    "status": "queued",
    "priority": "P3",
    "duplicate_of": None,
    "created": True,
}
INTAKE_EXAMPLE_STATUS = {
    "id": 4821,
    "number": "1036-2026-004821",
    "external_ref": "egov-2026-0012345",
    "status": "closed",
    "duplicate_of": None,
    "received_at": "2026-12-05T09:14:00+05:00",
    "dispatched_at": "2026-12-05T09:22:00+05:00",
    "on_scene_at": "2026-12-05T09:41:00+05:00",
    "closed_at": "2026-12-05T10:30:00+05:00",
    "outcome": "report_taken",
    "outcome_label": "your report is registered",
    "citizen_notified_at": "2026-12-05T10:30:00+05:00",
    "citizen_delay_notified_at": None,
    "discreet": False,
}
INTAKE_EXAMPLE_STATUS_DISCREET = {
    "id": 4907,
    "number": "1036-2026-004907",
    "external_ref": "egov-2026-0012399",
    "status": "open",
    "duplicate_of": None,
    "received_at": "2026-12-05T21:02:00+05:00",
    "dispatched_at": None,
    "on_scene_at": None,
    "closed_at": None,
    "outcome": None,
    "outcome_label": None,
    "citizen_notified_at": None,
    "citizen_delay_notified_at": None,
    "discreet": True,
}
INTAKE_400 = OpenApiResponse(
    ErrorSerializer,
    description=(
        "`invalid` (with `fields`: an unknown field, a wrong type or value, a phone that is not "
        "a Kazakhstan number), `malformed` (not JSON, or a key named twice), `location_required`, "
        "`unknown_settlement`, `outside_service_area`, `location_mismatch`, "
        "`received_at_too_old`, `received_at_in_future` — docs/intake.md, *Errors*"
    ),
)
INTAKE_403 = OpenApiResponse(
    ErrorSerializer, description="`forbidden`: the key is another channel's"
)
INTAKE_404 = OpenApiResponse(
    ErrorSerializer,
    description="`not_found`: no such channel; on a read, no report by that external_ref sent "
    "with this key or another key of its partner (one it replaced, or its replacement)",
)
CHANNEL_PARAMETER = OpenApiParameter(
    "channel", OpenApiTypes.STR, OpenApiParameter.PATH, enum=Channel.values
)


class IntakeApi(APIView):
    authentication_classes = [IntakeKeyAuthentication]
    permission_classes = [HasIntakeKey]

    # JSON only: a form's nested caller and media had no documented encoding (caller[phone]
    # was dropped, caller.name taken).
    parser_classes = [JsonParser]

    class IntakeInput(RejectUnknownFields, ReportFields):
        external_ref = serializers.CharField(min_length=1, max_length=128)

    class IntakeOutput(serializers.Serializer[Any]):
        id = serializers.IntegerField()
        number = serializers.CharField()
        status = serializers.CharField()
        priority = serializers.CharField()
        duplicate_of = serializers.IntegerField(source="duplicate_of_id", allow_null=True)
        created = serializers.BooleanField()

    @extend_schema(
        operation_id="intake_create",
        summary="Take a report from an integration (idempotent by partner + external_ref)",
        description=(
            "JSON only, at most 128 KiB; unknown fields are refused. The same `external_ref` "
            "from the same partner (the same key, or a key that replaced it or that it "
            "replaced) with the same content answers 200 with the same report "
            "(`created: false`), with other content 409 — a retry must send the same body, "
            "`received_at` included. Another partner's reference, on the same channel too, is "
            "another report. `Idempotency-Key` is not used here. A `received_at` "
            "without an offset is read as Kazakhstan time (UTC+5). The whole contract, with "
            "every error: docs/intake.md."
        ),
        parameters=[CHANNEL_PARAMETER],
        request=IntakeInput,
        responses={
            201: IntakeOutput,
            200: OpenApiResponse(IntakeOutput, description="a replay: the same incident"),
            400: INTAKE_400,
            **_errors(401, 403, 404, 413, 415),
            403: INTAKE_403,
            404: INTAKE_404,
            409: OpenApiResponse(
                ErrorSerializer, description="`conflict`: external_ref reused with other content"
            ),
        },
        examples=[
            OpenApiExample("report", value=INTAKE_EXAMPLE_REPORT, request_only=True),
            OpenApiExample(
                "created", value=INTAKE_EXAMPLE_CREATED, response_only=True, status_codes=[201]
            ),
        ],
        tags=["intake"],
    )
    def post(self, request: Request, channel: str) -> Response:
        if channel not in Channel.values:
            raise NotFound(f"Unknown channel {channel!r}.")
        key = request.auth
        assert isinstance(key, IntakeKey)  # HasIntakeKey
        services.intake_channel_check(key=key, channel=channel)
        _intake_body_size_check(request)
        serializer = self.IntakeInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        outcome = services.intake_receive(
            key=key,
            channel=channel,
            external_ref=data["external_ref"],
            data=ReportFields.to_input(data),
        )
        incident = outcome.incident
        body = self.IntakeOutput(
            {
                "id": incident.pk,
                "number": incident.number,
                "status": incident.status,
                "priority": incident.priority,
                "duplicate_of_id": incident.duplicate_of_id,
                "created": outcome.created,
            }
        ).data
        return Response(
            body, status=status.HTTP_201_CREATED if outcome.created else status.HTTP_200_OK
        )


class IntakeStatusApi(APIView):
    authentication_classes = [IntakeKeyAuthentication]
    permission_classes = [HasIntakeKey]

    class IntakeStatusOutput(serializers.Serializer[Any]):
        id = serializers.IntegerField()
        number = serializers.CharField(help_text="the call's number, as the citizen's SMS says")
        external_ref = serializers.CharField()
        status = serializers.ChoiceField(
            choices=[*IncidentStatus.values, services.PublicStatus.OPEN],
            help_text=(
                "queued (waiting for a unit), assigned, active (a unit on its way or there), "
                "cleared, closed, cancelled, duplicate (linked to the call `duplicate_of`); "
                "a discreet report: open, closed or cancelled"
            ),
        )
        duplicate_of = serializers.CharField(
            allow_null=True, help_text="the number of the call this report is linked to"
        )
        received_at = Rfc3339DateTimeField()
        dispatched_at = Rfc3339DateTimeField(
            allow_null=True, help_text="the first unit sent (the linked call's, for a duplicate)"
        )
        on_scene_at = Rfc3339DateTimeField(
            allow_null=True, help_text="the first unit there (the linked call's, for a duplicate)"
        )
        closed_at = Rfc3339DateTimeField(allow_null=True)
        outcome = serializers.ChoiceField(
            choices=OutcomeCode.choices,
            allow_null=True,
            help_text="once closed: the measure taken, where the citizen is told one",
        )
        outcome_label = serializers.CharField(
            allow_null=True, help_text="the measure in words, in the Accept-Language (kk, ru, en)"
        )
        citizen_notified_at = Rfc3339DateTimeField(
            allow_null=True, help_text="when the citizen was texted that the call is closed"
        )
        citizen_delay_notified_at = Rfc3339DateTimeField(
            allow_null=True, help_text="when the citizen was texted that the unit is delayed"
        )
        discreet = serializers.BooleanField(
            help_text="domestic violence or restricted: status, received, closed and told only"
        )

    @extend_schema(
        operation_id="intake_status",
        summary="What became of a report: status, times, outcome, whether the citizen was told",
        description=(
            "The report `external_ref` the partner sent, with this key or one it replaced "
            "(another channel's, or another partner's on the same channel, is 404 like one "
            "never sent). What "
            "a citizen-facing app may show — never names, phones, units, officers or the "
            "disposition; a domestic-violence report says only open, closed or cancelled. "
            "Reads count towards the key's rate (600/min). docs/intake.md, *Reading a report*."
        ),
        parameters=[
            CHANNEL_PARAMETER,
            OpenApiParameter("external_ref", OpenApiTypes.STR, OpenApiParameter.PATH),
        ],
        responses={
            200: OpenApiResponse(IntakeStatusOutput, description="the report as a citizen sees it"),
            **_errors(401, 403, 404),
            403: INTAKE_403,
            404: INTAKE_404,
        },
        examples=[
            OpenApiExample("closed", value=INTAKE_EXAMPLE_STATUS, response_only=True),
            OpenApiExample(
                "domestic violence", value=INTAKE_EXAMPLE_STATUS_DISCREET, response_only=True
            ),
        ],
        tags=["intake"],
    )
    def get(self, request: Request, channel: str, external_ref: str) -> Response:
        if channel not in Channel.values:
            raise NotFound(f"Unknown channel {channel!r}.")
        key = request.auth
        assert isinstance(key, IntakeKey)  # HasIntakeKey
        report = services.intake_status(key=key, channel=channel, external_ref=external_ref)
        return Response(self.IntakeStatusOutput(report).data)


# --- staff: incidents ------------------------------------------------------------------------


class IncidentCreateApi(APIView):
    class IncidentCreateInput(ReportFields):
        # How the call reached the desk; the apps' reports come through intake.
        channel = serializers.ChoiceField(
            choices=[(c.value, c.label) for c in policies.DESK_CHANNELS],
            default=Channel.PHONE_102,
        )
        settlement_id = serializers.IntegerField(required=False, allow_null=True, default=None)
        exercise = serializers.BooleanField(
            required=False,
            default=False,
            help_text="A training call (a drill): dispatched like any call, kept out of the "
            "reports' figures. Set here once; no request changes it after.",
        )

    @extend_schema(
        operation_id="incident_create",
        summary="Enter a report (duty officer or chief)",
        parameters=[IDEMPOTENCY_KEY],
        request=IncidentCreateInput,
        responses={**IDEMPOTENCY_ERRORS, 201: IncidentOutput, **_errors(400, 401, 403)},
        tags=["incidents"],
    )
    @idempotent
    def post(self, request: Request) -> Response:
        access.require_dispatcher(request.user)
        serializer = self.IncidentCreateInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        incident = services.incident_create(
            by=request.user,
            channel=data["channel"],
            data=ReportFields.to_input(
                data, settlement_id=data.get("settlement_id"), exercise=data["exercise"]
            ),
        )
        return Response(_incident_output(incident), status=status.HTTP_201_CREATED)


class IncidentDetailApi(APIView):
    @extend_schema(
        operation_id="incident_detail",
        summary="An incident with its assignments (reads of DV incidents are audited)",
        description=(
            "Who reads it: the duty officers, chiefs and oblast administrators whose districts "
            "include the incident's; and, read-only, the duty officers and the chief of a "
            "district one of whose units holds or held an assignment on it — a call of "
            "another district their unit was sent to across the border, also after the unit "
            "was taken off it (cancelled, reassigned), since that desk answers for what its "
            "crew did there. They read the same body as the call's own desk (a DV call's read "
            "is audited as any). Every command on such a call (dispatch, reassign, cancel, "
            "acknowledge, message, reclassify, close, cancel, reopen, separate, the "
            "recommendations) answers `403 incident_out_of_scope` with `incident_district_id`, "
            "`incident_district`, `incident_district_kk`: the call's district's desk or the "
            "oblast ЦОУ runs it. Any other incident is `404 not_found`."
        ),
        responses={
            200: IncidentOutput,
            **_errors(401, 403, 404),
        },
        tags=["incidents"],
    )
    def get(self, request: Request, incident_id: int) -> Response:
        access.require_staff(request.user)
        incident = access.access_incident_to_read(request.user, incident_id)
        _audit_dv_read(request, incident, "api.incident_detail")
        # As read for the access check (with its village): nothing wrote it since, and a
        # second read of the row was a seventh of the request's statements.
        return Response(IncidentOutput(incident).data)


class RecommendationsApi(APIView):
    class RecommendationOutput(serializers.Serializer[Any]):
        unit_id = serializers.IntegerField()
        callsign = serializers.CharField()
        type = serializers.CharField()
        mobility = serializers.CharField()
        presence = serializers.CharField(help_text="unit status, or `unreachable`")
        road_km = serializers.FloatField(allow_null=True, help_text="1.3 × great-circle")
        eta_s = serializers.IntegerField(allow_null=True, help_text="estimated travel seconds")
        position_at = Rfc3339DateTimeField(allow_null=True)
        position_age_s = serializers.IntegerField(allow_null=True)
        stale = serializers.BooleanField(help_text="position older than the stale limit or unknown")
        ranked_for = serializers.ChoiceField(
            choices=selectors.RANKED_FOR,
            allow_null=True,
            help_text="why it is ranked before a unit that would arrive sooner: `dv_call` (a "
            "DV call, the DV inspector within the arrival target), `specialist_kept` (the "
            "nearer unit is a specialist kept for its own work while this one arrives within "
            "the target); null when it is not",
        )
        passed_over = serializers.CharField(
            allow_null=True,
            help_text="the callsign of the nearest unit it is ranked before (`ranked_for`)",
        )

    class LeavingOutput(serializers.Serializer[Any]):
        incident_id = serializers.IntegerField()
        number = serializers.CharField()
        priority = serializers.CharField()

    class DivertibleOutput(RecommendationOutput):
        leaving = serializers.ListField(
            child=serializers.DictField(),
            help_text=(
                "the less urgent calls it would leave (incident_id, number, priority, and its "
                "assignment there: assignment_id, status)"
            ),
        )

    class AcrossBorderOutput(RecommendationOutput):
        district_id = serializers.IntegerField(help_text="the unit's district")
        district_name = serializers.CharField(help_text="its Russian name, KATO's written out")
        district_name_kk = serializers.CharField(help_text="its Kazakh name, empty if unknown")
        sooner_s = serializers.IntegerField(
            allow_null=True,
            help_text="how much sooner than the call's own district's best unit it would "
            "arrive; null when the district has no unit free with a fresh position",
        )
        may_dispatch = serializers.BooleanField(
            help_text="whether the caller of this API may send it (their scope covers its "
            "district: the oblast ЦОУ); otherwise dispatching it is refused 403 "
            "`unit_out_of_scope`"
        )

    class RecommendationsOutput(serializers.Serializer[Any]):
        incident_id = serializers.IntegerField()
        zone = serializers.CharField()
        units = serializers.ListField(child=serializers.DictField())
        divertible = serializers.ListField(
            child=serializers.DictField(),
            help_text=(
                "units on less urgent calls, ranked alike, each with the calls it would "
                "leave: dispatch one with `divert: true`"
            ),
        )
        across_border = serializers.ListField(
            child=serializers.DictField(),
            help_text=(
                "available units of other districts of the oblast, fresh positions within "
                "`KUZET_ACROSS_BORDER_KM` of the call, that would arrive at least "
                "`KUZET_ACROSS_BORDER_SOONER_MINUTES` sooner than the best of `units` (or "
                "any, when the district has none free); ranked alike, each with its district"
            ),
        )

    @extend_schema(
        operation_id="incident_recommendations",
        summary="Available units ranked by estimated travel time and the kind of unit the call "
        "wants (stale positions last; docs/duty-desk.md), "
        "the units on less urgent calls that could be diverted, and the units of other "
        "districts clearly nearer across the border",
        responses={200: RecommendationsOutput, **_errors(401, 403, 404)},
        tags=["incidents"],
    )
    def get(self, request: Request, incident_id: int) -> Response:
        access.require_staff(request.user)
        incident = access.access_incident(request.user, incident_id)
        _audit_dv_read(request, incident, "api.recommendations")
        everyone = selectors.units_recommended(incident=incident, limit=None)
        units = [self.RecommendationOutput(r.as_dict()).data for r in everyone[:10]]
        scope = district_scope(request.user)
        across_border = [
            self.AcrossBorderOutput(
                {
                    **a.as_dict(),
                    "may_dispatch": access.can_dispatch(request.user)
                    and scope.allows(a.district.pk),
                }
            ).data
            for a in selectors.units_across_border(incident=incident, own=everyone)
        ]
        divertible = [
            self.DivertibleOutput(
                {
                    **d.recommendation.as_dict(),
                    "leaving": [
                        {
                            "incident_id": a.incident_id,
                            "number": a.incident.number,
                            "priority": a.incident.priority,
                            "assignment_id": a.pk,
                            "status": a.status,
                        }
                        for a in d.leaving
                    ],
                }
            ).data
            # A unit whose call is another district's (lent across the border) is not its
            # desk's to take off: that call's desk or the oblast ЦОУ diverts it.
            for d in selectors.units_divertible(incident=incident, limit=None)
            if all(scope.allows(a.incident.district_id) for a in d.leaving)
        ][:5]
        return Response(
            {
                "incident_id": incident.pk,
                "zone": selectors.incident_zone(incident),
                "units": units,
                "divertible": divertible,
                "across_border": across_border,
            }
        )


class IncidentDispatchApi(APIView):
    class DispatchInput(serializers.Serializer[Any]):
        unit_id = serializers.IntegerField(
            help_text="a unit of the caller's districts; one of another district of the "
            "oblast (offered `across_border` by the recommendations) is refused 403 "
            "`unit_out_of_scope` with `unit_district_id` unless the caller's scope covers it"
        )
        note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
        divert = serializers.BooleanField(
            required=False,
            default=False,
            help_text=(
                "take the unit off the less urgent calls it is on (they go back to the queue; "
                "its phones see them cancelled with the reason `diverted to a more urgent "
                "call`); 409 `not_more_urgent` when one is as urgent as this call"
            ),
        )

    @extend_schema(
        operation_id="incident_dispatch",
        summary="Dispatch a unit to the incident",
        parameters=[IDEMPOTENCY_KEY],
        request=DispatchInput,
        responses={**IDEMPOTENCY_ERRORS, 201: AssignmentOutput, **_errors(400, 401, 403, 404, 409)},
        tags=["assignments"],
    )
    @idempotent
    def post(self, request: Request, incident_id: int) -> Response:
        access.require_dispatcher(request.user)
        serializer = self.DispatchInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        incident = access.access_incident(request.user, incident_id)
        unit = access.access_unit_to_send(
            request.user, serializer.validated_data["unit_id"], incident=incident
        )
        assignment = services.incident_dispatch(
            incident=incident,
            unit=unit,
            by=request.user,
            note=serializer.validated_data["note"],
            divert=serializer.validated_data["divert"],
        )
        return Response(_assignment_output(assignment), status=status.HTTP_201_CREATED)


# A dispatcher's command on one incident: validate ``Input``, run ``command`` through the
# services, answer the incident. Idempotent by key; the subclass carries its schema. (A
# comment, not a docstring: drf-spectacular would publish it as every command's description.)
class _IncidentCommandApi(APIView):
    Input: type[serializers.Serializer[Any]]
    command: Any  # staticmethod(services.incident_…)

    @idempotent
    def post(self, request: Request, incident_id: int) -> Response:
        access.require_dispatcher(request.user)
        serializer = self.Input(data=request.data)
        serializer.is_valid(raise_exception=True)
        incident = access.access_incident(request.user, incident_id)
        incident = self.command(incident=incident, by=request.user, **serializer.validated_data)
        return Response(_incident_output(incident))


def _incident_command_schema(operation_id: str, summary: str, request: Any) -> Any:
    # On the (inherited) post of each subclass: an operation_id on the class itself would
    # name every method alike (drf_spectacular.W002, which check --deploy refuses).
    return extend_schema_view(
        post=extend_schema(
            operation_id=operation_id,
            summary=summary,
            parameters=[IDEMPOTENCY_KEY],
            request=request,
            responses={
                **IDEMPOTENCY_ERRORS,
                200: IncidentOutput,
                **_errors(400, 401, 403, 404, 409),
            },
            tags=["incidents"],
        )
    )


class ReclassifyInput(serializers.Serializer[Any]):
    priority = serializers.ChoiceField(
        choices=Priority.choices, required=False, allow_blank=True, default=""
    )
    category = serializers.ChoiceField(
        choices=Category.choices, required=False, allow_blank=True, default=""
    )
    reason = serializers.CharField(
        max_length=200, help_text="what the caller said that changes it: the audit log keeps it"
    )


@_incident_command_schema(
    "incident_reclassify",
    "Change an open call's category or priority (the open assignments' deadlines follow; a "
    "call that becomes domestic violence is at least P1, shows its risk flags and owes its "
    "follow-up visit)",
    ReclassifyInput,
)
class IncidentReclassifyApi(_IncidentCommandApi):
    Input = ReclassifyInput
    command = staticmethod(services.incident_reclassify)


class CloseInput(serializers.Serializer[Any]):
    disposition = serializers.CharField(max_length=200)
    outcome_code = serializers.ChoiceField(
        choices=OutcomeCode.choices, required=False, allow_blank=True, default=""
    )
    coao_article = serializers.CharField(
        max_length=8,
        required=False,
        allow_blank=True,
        default="",
        help_text=(
            'the CoAO article the protocol was drawn up under ("73", "73-1", "461"); needs '
            "outcome_code; else 400 `invalid_coao_article` or `article_without_outcome`"
        ),
    )


# Named apart from AssignmentCancelApi.CancelInput: drf-spectacular names schema components
# by class name, and two different ones of one name fail check --deploy.
class IncidentCancelInput(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=200)


class ReopenInput(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=200)


@_incident_command_schema(
    "incident_close", "Close the incident; open assignments are cleared or cancelled", CloseInput
)
class IncidentCloseApi(_IncidentCommandApi):
    Input = CloseInput
    command = staticmethod(services.incident_close)


@_incident_command_schema(
    "incident_cancel",
    "Cancel the incident (no police needed); open assignments are cancelled",
    IncidentCancelInput,
)
class IncidentCancelApi(_IncidentCommandApi):
    Input = IncidentCancelInput
    command = staticmethod(services.incident_cancel)


@_incident_command_schema(
    "incident_reopen", "Reopen a closed incident; it goes back to the queue", ReopenInput
)
class IncidentReopenApi(_IncidentCommandApi):
    Input = ReopenInput
    command = staticmethod(services.incident_reopen)


class SeparateInput(serializers.Serializer[Any]):
    reason = serializers.CharField(
        max_length=200, help_text="what makes it another event than the call it was linked to"
    )


@_incident_command_schema(
    "incident_separate",
    "A report linked as a duplicate is a call of its own; it goes to the queue "
    "(409 `incident_not_duplicate` if it is not linked)",
    SeparateInput,
)
class IncidentSeparateApi(_IncidentCommandApi):
    Input = SeparateInput
    command = staticmethod(services.incident_separate)


class LinkInput(serializers.Serializer[Any]):
    original_number = serializers.CharField(
        max_length=40,
        help_text=(
            'the earlier call\'s number, whole ("1036-2026-000042") or its last digits ("42")'
        ),
    )
    reason = serializers.CharField(
        max_length=200, help_text="why this report is about the same event as the earlier call"
    )


@_incident_command_schema(
    "incident_link",
    "The duty officer links a call nobody was sent to as a repeat of an earlier open call of "
    "its district; it is closed with that call (400 `original_not_found`, `original_is_itself`; "
    "409 `incident_already_linked`, `incident_unit_sent`, `incident_closed`, "
    "`incident_dv_not_linked`, `original_closed`, `original_cancelled`, `original_is_repeat`)",
    LinkInput,
)
class IncidentLinkApi(_IncidentCommandApi):
    Input = LinkInput
    command = staticmethod(services.incident_link)


# --- staff: follow-up visits -----------------------------------------------------------------


class FollowUpDoneApi(APIView):
    class DoneInput(serializers.Serializer[Any]):
        note = serializers.CharField(max_length=1000, help_text="what the inspector found")
        done_at = Rfc3339DateTimeField(
            required=False, help_text="when the visit was made (default: now)"
        )

    @extend_schema(
        operation_id="follow_up_done",
        summary="Record the follow-up visit after a DV call as the inspector reported it",
        parameters=[IDEMPOTENCY_KEY],
        request=DoneInput,
        responses={**IDEMPOTENCY_ERRORS, 200: FollowUpOutput, **_errors(400, 401, 403, 404, 409)},
        tags=["incidents"],
    )
    @idempotent
    def post(self, request: Request, follow_up_id: int) -> Response:
        access.require_dispatcher(request.user)
        serializer = self.DoneInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        task = access.access_follow_up(request.user, follow_up_id)
        task = services.follow_up_done(task=task, by=request.user, **serializer.validated_data)
        return Response(FollowUpOutput(task).data)


# --- staff: officer-safety checks --------------------------------------------------------------


class SafetyCheckOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    assignment_id = serializers.IntegerField()
    incident_id = serializers.IntegerField(source="assignment.incident_id")
    incident_number = serializers.CharField(source="assignment.incident.number")
    unit_id = serializers.IntegerField(source="assignment.unit_id")
    callsign = serializers.CharField(source="assignment.unit.callsign")
    due_at = Rfc3339DateTimeField(help_text="when the silence passed the call's interval")
    fired_at = Rfc3339DateTimeField(help_text="when the board was told")
    checked_at = Rfc3339DateTimeField(
        allow_null=True, help_text="when a duty officer raised the crew (null: not yet)"
    )
    checked_by = serializers.CharField(
        source="checked_by.display_name",
        allow_null=True,
        default=None,
        help_text="the duty officer who raised the crew (null: not yet, or the crew answered)",
    )
    word_kind = serializers.CharField(
        source="word.kind",
        allow_null=True,
        default=None,
        help_text="the kind of the crew's own event that answered the check before the desk "
        "raised it (`note`, `on_scene`, `read`…; its time is `checked_at`); null otherwise",
    )
    answered_by = serializers.SerializerMethodField(
        help_text="who answered it, in words in the Accept-Language (kk, ru, en), as the "
        "boards say it: the duty officer's name, or the crew's word (\"the crew: Note\"); "
        "null while nobody has"
    )

    def get_answered_by(self, check: Any) -> str | None:
        return check.answered_by() or None


class SafetyCheckOkOutput(SafetyCheckOutput):
    already_answered = serializers.SerializerMethodField(
        help_text="true: the check had been answered before this request — by another duty "
        "officer (`checked_by`), by the crew's own word (`word_kind`) or by an earlier "
        "request whose answer was lost — and this one changed nothing; the officer is "
        "confirmed OK either way"
    )

    def get_already_answered(self, check: Any) -> bool:
        return bool(self.context["already_answered"])


class SafetyCheckListApi(APIView):
    """The officer-safety checks of the reader's districts nobody has answered yet, of crews
    still on scene: the oldest 100."""

    @extend_schema(
        operation_id="safety_check_list",
        summary="Crews silent on scene that the desk has not raised yet (officer-safety checks)",
        responses={200: SafetyCheckOutput(many=True), **_errors(401, 403)},
        tags=["assignments"],
    )
    def get(self, request: Request) -> Response:
        access.require_staff(request.user)
        return Response(
            SafetyCheckOutput(selectors.safety_checks_open(request.user), many=True).data
        )


class IncidentSafetyChecksApi(APIView):
    """A call's officer-safety checks, answered or not: every one for the call's desk; for
    the desk of a unit lent to it from another district, its own crew's (read-only)."""

    @extend_schema(
        operation_id="incident_safety_checks",
        summary="The officer-safety checks of the crews on a call, answered or not",
        description=(
            "The call's desk reads every crew's; the duty officers and the chief of a "
            "district whose unit was sent to another district's call read their own unit's "
            "(answering stays the call's desk's: `POST /safety-checks/<id>/ok/` answers them "
            "`403 incident_out_of_scope`). Any other call is `404 not_found`."
        ),
        responses={200: SafetyCheckOutput(many=True), **_errors(401, 403, 404)},
        tags=["incidents"],
    )
    def get(self, request: Request, incident_id: int) -> Response:
        access.require_staff(request.user)
        incident = access.access_incident_to_read(request.user, incident_id)
        crews = access.access_assignments_to_read(request.user, incident)
        checks = selectors.safety_checks_on(a.pk for a in crews)
        return Response(SafetyCheckOutput(checks, many=True).data)


class SafetyCheckOkApi(APIView):
    @extend_schema(
        operation_id="safety_check_ok",
        summary="The desk raised the crew and the officer is OK: the next interval starts now",
        description=(
            "Answers the check: `checked_at` now, `checked_by` the caller, audited once, every "
            "board told; `already_answered: false`. A check answered before — by another duty "
            "officer, by the crew's own word (a note, a milestone, a read receipt), or by an "
            "earlier request whose answer was lost — is `200` too, as it was answered "
            "(`checked_at`, `checked_by` or `word_kind`, `answered_by`) with "
            "`already_answered: true`, and nothing is written: the officer is confirmed OK "
            "either way, so a retry or a race is not an error."
        ),
        parameters=[IDEMPOTENCY_KEY],
        request=None,
        responses={**IDEMPOTENCY_ERRORS, 200: SafetyCheckOkOutput, **_errors(401, 403, 404)},
        tags=["assignments"],
    )
    @idempotent
    def post(self, request: Request, check_id: int) -> Response:
        access.require_dispatcher(request.user)
        check = access.access_safety_check(request.user, check_id)
        answer = services.safety_check_answer(check_id=check.pk, by=request.user)
        return Response(
            SafetyCheckOkOutput(
                answer.check, context={"already_answered": answer.already_answered}
            ).data
        )


# --- staff: conflicts (the chief's decisions) --------------------------------------------------


class ConflictOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text="docs/protocol.md §5")
    state = serializers.CharField(help_text="`open` or `resolved`")
    district_id = serializers.IntegerField()
    incident_id = serializers.IntegerField(allow_null=True)
    incident_number = serializers.CharField(source="incident.number", allow_null=True, default=None)
    unit_id = serializers.IntegerField(allow_null=True)
    assignment_id = serializers.IntegerField(allow_null=True)
    event_id = serializers.CharField()
    opened_at = Rfc3339DateTimeField()
    resolution = serializers.CharField(help_text="`accept_device`, `uphold_server`, `noted`")
    resolution_note = serializers.CharField()
    resolved_at = Rfc3339DateTimeField(allow_null=True)


class ConflictListApi(APIView):
    """The conflicts of the reader's districts, oldest first, at most 500 (``LIMIT``)."""

    LIMIT = 500

    class ListInput(serializers.Serializer[Any]):
        state = serializers.ChoiceField(choices=Conflict.State.choices, required=False)

    @extend_schema(
        operation_id="conflict_list",
        summary="The conflicts of my districts (the oldest 500), open or resolved",
        parameters=[
            OpenApiParameter("state", OpenApiTypes.STR, enum=Conflict.State.values, required=False)
        ],
        responses={200: ConflictOutput(many=True), **_errors(400, 401, 403)},
        tags=["conflicts"],
    )
    def get(self, request: Request) -> Response:
        access.require_staff(request.user)
        serializer = self.ListInput(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        rows = selectors.conflicts_of(
            request.user, state=serializer.validated_data.get("state"), limit=self.LIMIT
        )
        return Response(ConflictOutput(rows, many=True).data)


class ConflictResolveApi(APIView):
    class ResolveInput(serializers.Serializer[Any]):
        resolution = serializers.ChoiceField(choices=Conflict.Resolution.choices)
        note = serializers.CharField(max_length=1000, help_text="why: the audit log keeps it")

    @extend_schema(
        operation_id="conflict_resolve",
        summary="Resolve a conflict of my district (chiefs)",
        parameters=[IDEMPOTENCY_KEY],
        request=ResolveInput,
        responses={**IDEMPOTENCY_ERRORS, 200: ConflictOutput, **_errors(400, 401, 403, 404, 409)},
        tags=["conflicts"],
    )
    @idempotent
    def post(self, request: Request, conflict_id: int) -> Response:
        access.require_staff(request.user)
        serializer = self.ResolveInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        # out of scope is not_found here; the service refuses a role that does not resolve
        # (forbidden) and a second decision (already_resolved), as for the console's form
        conflict = access.access_conflict(request.user, conflict_id)
        conflict = services.conflict_resolve(
            conflict=conflict, by=request.user, **serializer.validated_data
        )
        return Response(ConflictOutput(conflict).data)


# --- staff: assignments ----------------------------------------------------------------------


class AssignmentCancelApi(APIView):
    class CancelInput(serializers.Serializer[Any]):
        reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    @extend_schema(
        operation_id="assignment_cancel",
        summary="Stand the unit down",
        parameters=[IDEMPOTENCY_KEY],
        request=CancelInput,
        responses={**IDEMPOTENCY_ERRORS, 200: AssignmentOutput, **_errors(400, 401, 403, 404, 409)},
        tags=["assignments"],
    )
    @idempotent
    def post(self, request: Request, assignment_id: int) -> Response:
        access.require_dispatcher(request.user)
        serializer = self.CancelInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        assignment = access.access_assignment(request.user, assignment_id)
        assignment = services.assignment_cancel(
            assignment=assignment, by=request.user, reason=serializer.validated_data["reason"]
        )
        return Response(_assignment_output(assignment))


class AssignmentMessageApi(APIView):
    class MessageInput(serializers.Serializer[Any]):
        text = serializers.CharField(
            max_length=500,
            trim_whitespace=True,
            help_text="what the crew must know; reaches its phones (and by SMS a crew that "
            "reads its calls by SMS)",
        )

    class MessageOutput(serializers.Serializer[Any]):
        id = serializers.CharField(help_text="the note's event id, as the phones receive it")
        assignment_id = serializers.IntegerField()
        text = serializers.CharField()
        sent_at = Rfc3339DateTimeField()
        by_sms = serializers.BooleanField(
            help_text="it went by SMS too (the crew reads its calls by SMS), ending with the "
            "assignment's reply code: the officer's reply is its receipt (`read_by_sms`)"
        )
        read_at = Rfc3339DateTimeField(
            allow_null=True,
            help_text="when a phone of the crew said its officer read it (the `read` fact's "
            "estimated time, docs/protocol.md §4); null: no phone has said so",
        )
        read_by = serializers.CharField(allow_null=True, help_text="the officer who read it")
        read_by_officer_id = serializers.IntegerField(allow_null=True)
        read_by_sms = serializers.BooleanField(
            help_text="the receipt was the officer's SMS reply with the assignment's code "
            "(`ACK 4821`), not his phone's app"
        )

    @extend_schema(
        operation_id="assignment_messages",
        summary="The duty desk's messages to the crew on the call, each read when and by whom",
        description=(
            "Read by the call's desk, and by the desk and the chief of the unit's own district "
            "when the unit was lent to another district's call (its crew is theirs to look "
            "after); an assignment of another district's unit on that call is `404`."
        ),
        responses={200: MessageOutput(many=True), **_errors(401, 403, 404)},
        tags=["assignments"],
    )
    def get(self, request: Request, assignment_id: int) -> Response:
        access.require_staff(request.user)
        # also the desk of a unit lent to another district's call: what that call's desk
        # told its crew, read or not (sending stays that desk's: the post below)
        assignment = access.access_assignment_to_read(request.user, assignment_id)
        sent = selectors.desk_messages([assignment.pk]).get(assignment.pk, [])
        return Response(self.MessageOutput(sent, many=True).data)

    @extend_schema(
        operation_id="assignment_message",
        summary="Send the crew on the call a message from the duty desk",
        parameters=[IDEMPOTENCY_KEY],
        request=MessageInput,
        responses={
            **IDEMPOTENCY_ERRORS,
            201: MessageOutput,
            **_errors(400, 401, 403, 404, 409),
        },
        tags=["assignments"],
    )
    @idempotent
    def post(self, request: Request, assignment_id: int) -> Response:
        access.require_dispatcher(request.user)
        serializer = self.MessageInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        assignment = access.access_assignment(request.user, assignment_id)
        event = services.assignment_message(
            assignment=assignment, by=request.user, text=serializer.validated_data["text"]
        )
        sent = selectors.desk_messages([assignment.pk]).get(assignment.pk, [])
        message = next(m for m in sent if m.id == event.pk)
        return Response(self.MessageOutput(message).data, status=201)


class AssignmentReassignApi(APIView):
    class ReassignInput(serializers.Serializer[Any]):
        unit_id = serializers.IntegerField()

    @extend_schema(
        operation_id="assignment_reassign",
        summary="Give the assignment to another unit (the old one is superseded)",
        parameters=[IDEMPOTENCY_KEY],
        request=ReassignInput,
        responses={
            **IDEMPOTENCY_ERRORS,
            201: OpenApiResponse(AssignmentOutput, description="the new assignment"),
            **_errors(400, 401, 403, 404, 409),
        },
        tags=["assignments"],
    )
    @idempotent
    def post(self, request: Request, assignment_id: int) -> Response:
        access.require_dispatcher(request.user)
        serializer = self.ReassignInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        assignment = access.access_assignment(request.user, assignment_id)
        # as a dispatch: a unit across the border says whom to ask, not "no such unit"
        unit = access.access_unit_to_send(
            request.user, serializer.validated_data["unit_id"], incident=assignment.incident
        )
        new = services.assignment_reassign(assignment=assignment, unit=unit, by=request.user)
        return Response(_assignment_output(new), status=status.HTTP_201_CREATED)


class AssignmentAcknowledgeApi(APIView):
    class AcknowledgeInput(serializers.Serializer[Any]):
        channel = serializers.ChoiceField(choices=[(c, c) for c in ACK_CHANNELS])
        note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    class AcknowledgeOutput(serializers.Serializer[Any]):
        event_id = serializers.CharField()
        disposition = serializers.CharField()
        assignment = AssignmentOutput()

    @extend_schema(
        operation_id="assignment_acknowledge",
        summary="Record the unit's acknowledgment on the officer's behalf (stops the ladder)",
        parameters=[IDEMPOTENCY_KEY],
        request=AcknowledgeInput,
        responses={
            **IDEMPOTENCY_ERRORS,
            200: AcknowledgeOutput,
            **_errors(400, 401, 403, 404, 409),
        },
        tags=["assignments"],
    )
    @idempotent
    def post(self, request: Request, assignment_id: int) -> Response:
        access.require_dispatcher(request.user)
        serializer = self.AcknowledgeInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        assignment = access.access_assignment(request.user, assignment_id)
        event = services.assignment_acknowledge_on_behalf(
            assignment=assignment, by=request.user, **serializer.validated_data
        )
        return Response(
            {
                "event_id": event.pk,
                "disposition": event.disposition,
                "assignment": _assignment_output(assignment),
            }
        )


# --- SMS gateway callback --------------------------------------------------------------------


class SmsInboundApi(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    class SmsInboundInput(serializers.Serializer[Any]):
        id = serializers.CharField(help_text="the gateway's message id (a replay is refused)")
        to = serializers.CharField(required=False)
        text = serializers.CharField(help_text="e.g. `ACK 4821`")
        received_at = Rfc3339DateTimeField(required=False)

    class SmsInboundOutput(serializers.Serializer[Any]):
        status = serializers.ChoiceField(choices=["applied", "rejected"])
        reason = serializers.CharField(
            help_text="rejected: `unknown_command`, `unknown_sender`, `unknown_code`, "
            '`too_many_wrong_codes`; applied: `""` (acknowledged), `acknowledged_and_read` '
            "(acknowledged, and the desk's messages read), `read` (acknowledged before; the "
            "messages read), `already_acknowledged` (nothing new)"
        )
        sms_id = serializers.IntegerField()
        assignment_id = serializers.IntegerField(allow_null=True)
        event_id = serializers.CharField(
            allow_null=True,
            help_text="the `ack` fact recorded, else the `read` fact; null: nothing new",
        )

    @extend_schema(
        operation_id="sms_inbound",
        summary="A reply from an officer's phone, signed by the SMS gateway",
        description=(
            f"`{SIGNATURE_HEADER}: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "
            '"<t>." + raw body)>`.'
            " Timestamps older than 5 minutes and message ids seen before are refused (401 "
            "`replayed`); a bad signature is 401 `bad_signature`. Both are audited. The body "
            "also carries `from` (the sender's phone)."
        ),
        request=SmsInboundInput,
        responses={200: SmsInboundOutput, **_errors(400, 401)},
        examples=[
            OpenApiExample(
                "ack",
                value={"id": "gw-81723", "from": "+77010001001", "text": "ACK 4821"},
                request_only=True,
            )
        ],
        tags=["sms"],
    )
    def post(self, request: Request) -> Response:
        # Forged signatures are counted per address and refused past the limit (429).
        ip = client_ip(request._request)
        attempts_check(request._request, SMS_SIGNATURE, ip=ip)
        try:
            result = services.sms_inbound_receive(
                raw=request.body, signature=request.headers.get(SIGNATURE_HEADER)
            )
        except Unauthenticated as exc:
            if exc.code != "replayed":
                attempts_failed(request._request, SMS_SIGNATURE, ip=ip)
            raise
        return Response(
            {
                "status": result.status,
                "reason": result.reason,
                "sms_id": result.sms_id,
                "assignment_id": result.assignment_id,
                "event_id": result.event_id,
            }
        )
