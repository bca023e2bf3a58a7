"""Incidents, assignments and the facts that drive them.

An incident arrives through a channel; duty officers assign units to it; every milestone
of an assignment is established by an :class:`Event` — a fact from a device, an SMS, a
duty officer acting on the officer's behalf, or the server itself. The assignment keeps
the winning event of each milestone, so each timestamp has its provenance (source, actor,
raw device time, receipt time, estimate and uncertainty).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from backend.geo.models import coordinates_constraints

from .lifecycle import (
    ASSIGNMENT_OPEN,
    INCIDENT_ENDED,
    AssignmentStatus,
    EventKind,
    IncidentStatus,
)


class Channel(models.TextChoices):
    PHONE_102 = "phone_102", "102 line"
    APP_102 = "app_102", "Police-102 app"
    EGOV = "egov", "eGov Mobile"
    KASPI = "kaspi", "Kaspi.kz"
    HALYK = "halyk", "Halyk"
    VIDEO = "video", "ЦОУ camera inspector"
    WALK_IN = "walk_in", "walk-in"
    PATROL = "patrol", "self-initiated by patrol"
    AGENCY_112 = "agency_112", "112 agency"


class Category(models.TextChoices):
    DOMESTIC_VIOLENCE = "domestic_violence", "domestic violence"
    VIOLENCE = "violence", "violence / fight"
    ROBBERY = "robbery"
    THEFT = "theft"
    LIVESTOCK_THEFT = "livestock_theft", "livestock theft"
    ROAD_ACCIDENT = "road_accident", "road accident"
    TRAFFIC_VIOLATION = "traffic_violation", "traffic violation"
    CHILD = "child", "incident with a child"
    MISSING_PERSON = "missing_person", "missing person"
    DISORDER = "disorder", "public disorder"
    FRAUD = "fraud"
    NOISE = "noise"
    PARKING = "parking"
    INFORMATION = "information"
    POLICE_COMPLAINT = "police_complaint", "complaint about police"
    OFFICER_SOS = "officer_sos", "officer SOS"
    OTHER = "other"


class Priority(models.TextChoices):
    P0 = "P0", "P0 — life threat"
    P1 = "P1", "P1 — crime just happened"
    P2 = "P2", "P2 — reported later, disorder"
    P3 = "P3", "P3 — information, parking, noise"


class OutcomeCode(models.TextChoices):
    RESOLVED_ON_SCENE = "resolved_on_scene", "resolved on scene"
    REPORT_TAKEN = "report_taken", "report taken (КУИ)"
    CRIMINAL_CASE = "criminal_case", "criminal case opened (ЕРДР)"
    ADMIN_PROTOCOL = "admin_protocol", "administrative protocol (ЕРАП)"
    PROTECTIVE_ORDER = "protective_order", "protective order issued"
    ARREST = "arrest", "person detained"
    WARNING = "warning", "warning given"
    REFERRED = "referred", "referred to another service"
    NO_OFFENCE = "no_offence", "no offence found"
    NOT_FOUND = "not_found", "nobody found at the scene"
    FALSE_CALL = "false_call", "false call"


class LocationSource(models.TextChoices):
    CALLER_GPS = "caller_gps", "caller's GPS"
    SETTLEMENT = "settlement", "settlement centre"
    OPERATOR = "operator", "placed by the operator"
    UNKNOWN = "unknown"


def _temporary_number() -> str:
    return "tmp-" + uuid.uuid4().hex


class IntakeKey(models.Model):
    """One API key per integration (eGov, Kaspi…), stored as a SHA-256 digest."""

    name = models.CharField(max_length=80)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12, help_text="First characters, to tell keys apart")
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.channel}, {self.prefix}…)"


class Incident(models.Model):
    number = models.CharField(max_length=40, unique=True, default=_temporary_number)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    # NULL, not "": manual entries have no reference and must not collide in the unique key.
    external_ref = models.CharField(max_length=128, null=True, blank=True)  # noqa: DJ001
    intake_key = models.ForeignKey(
        IntakeKey, null=True, blank=True, on_delete=models.PROTECT, related_name="incidents"
    )
    # SHA-256 of the normalised intake body: a replay with other content is a 409.
    intake_fingerprint = models.CharField(max_length=64, blank=True)

    category = models.CharField(max_length=24, choices=Category.choices)
    priority = models.CharField(max_length=2, choices=Priority.choices)
    status = models.CharField(
        max_length=16, choices=IncidentStatus.choices, default=IncidentStatus.QUEUED
    )

    district = models.ForeignKey(
        "geo.District", on_delete=models.PROTECT, db_index=False, related_name="incidents"
    )
    settlement = models.ForeignKey(
        "geo.Settlement", null=True, blank=True, on_delete=models.PROTECT, related_name="incidents"
    )
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    location_source = models.CharField(
        max_length=16, choices=LocationSource.choices, default=LocationSource.UNKNOWN
    )
    landmark = models.CharField(max_length=255, blank=True)

    summary = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    caller_name = models.CharField(max_length=150, blank=True)
    caller_phone = models.CharField(max_length=20, blank=True)
    media_links = models.JSONField(default=list, blank=True)
    # Risk flags shown to the responding unit (DV: protective order, prior calls…).
    risk_flags = models.JSONField(default=list, blank=True)

    notify_citizen = models.BooleanField(default=False)
    citizen_notified_at = models.DateTimeField(null=True, blank=True)
    citizen_delay_notified_at = models.DateTimeField(null=True, blank=True)

    received_at = models.DateTimeField()
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,
        related_name="+",
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,
        related_name="+",
    )
    disposition = models.CharField(max_length=200, blank=True)
    reopened_at = models.DateTimeField(null=True, blank=True)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates"
    )
    # Latest outcome by server receipt (PROTOCOL.md §6.4); every revision is an Event.
    outcome_code = models.CharField(max_length=24, choices=OutcomeCode.choices, blank=True)
    outcome_text = models.TextField(blank=True)
    outcome_event = models.ForeignKey(
        "Event", null=True, blank=True, on_delete=models.PROTECT, db_index=False, related_name="+"
    )
    # Kuzet is not the system of record for these registries; it keeps their numbers.
    registry_kui = models.CharField("КУИ number", max_length=40, blank=True)
    registry_erdr = models.CharField("ЕРДР number", max_length=40, blank=True)
    registry_erap = models.CharField("ЕРАП number", max_length=40, blank=True)
    # A restricted incident leaves every device's scope.
    restricted = models.BooleanField(default=False)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_ref"],
                condition=Q(external_ref__isnull=False),
                name="incident_external_ref_unique_per_channel",
            ),
            models.CheckConstraint(
                condition=~Q(category="domestic_violence") | Q(priority__in=["P0", "P1"]),
                name="incident_dv_at_least_p1",
            ),
            models.CheckConstraint(
                condition=~Q(status="duplicate") | Q(duplicate_of__isnull=False),
                name="incident_duplicate_has_original",
            ),
            models.CheckConstraint(
                condition=~Q(duplicate_of=F("id")), name="incident_not_duplicate_of_itself"
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_at__isnull=False),
                name="incident_closed_has_time",
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(closed_at__gte=F("received_at")),
                name="incident_closed_after_received",
            ),
            models.CheckConstraint(
                condition=Q(status__in=IncidentStatus.values), name="incident_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(priority__in=Priority.values), name="incident_priority_valid"
            ),
            models.CheckConstraint(
                condition=Q(channel__in=Channel.values), name="incident_channel_valid"
            ),
            models.CheckConstraint(
                condition=Q(category__in=Category.values), name="incident_category_valid"
            ),
            *coordinates_constraints("incident"),
        ]
        indexes = [
            models.Index(fields=["district", "status"], name="incident_district_status_idx"),
            models.Index(fields=["district", "-received_at"], name="incident_district_recv_idx"),
            models.Index(
                fields=["district", "category", "received_at"], name="incident_dup_lookup_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.get_category_display()} ({self.priority})"

    audit_object_type = "incident"

    @property
    def audit_district_id(self) -> int:
        return self.district_id

    @property
    def is_dv(self) -> bool:
        return self.category == Category.DOMESTIC_VIOLENCE

    def assign_number(self) -> None:
        """Give a saved incident its public number, e.g. ``1036-2026-000042``.

        The district prefix (oblast + district digits of its KATO code) tells a duty officer
        where a call belongs before they open it.
        """
        self.number = f"{self.district.kato[:4]}-{self.received_at:%Y}-{self.pk:06d}"
        self.save(update_fields=["number"])

    @property
    def is_open(self) -> bool:
        return self.status not in INCIDENT_ENDED


class DispatchSource(models.TextChoices):
    DUTY_OFFICER = "duty_officer", "duty officer"
    CHIEF = "chief", "district chief"
    ESCALATION = "escalation", "automatic escalation"
    SELF = "self", "self-initiated by the unit"


class Assignment(models.Model):
    # Foreign keys that no query filters by carry no index (db_index=False): every index is
    # written on each dispatch and each escalation step, and the ladder rewrites thousands
    # of rows at once after an outage. `unit` is served by the (unit, status) index.
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="assignments")
    unit = models.ForeignKey(
        "people.Unit", on_delete=models.PROTECT, db_index=False, related_name="assignments"
    )
    status = models.CharField(
        max_length=16, choices=AssignmentStatus.choices, default=AssignmentStatus.DISPATCHED
    )

    dispatched_at = models.DateTimeField()
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,
        related_name="+",
    )
    dispatch_source = models.CharField(max_length=16, choices=DispatchSource.choices)

    # Milestones: estimated event times; the linked event carries the provenance.
    delivered_at = models.DateTimeField(null=True, blank=True)
    delivered_event = models.ForeignKey(
        "Event", null=True, blank=True, on_delete=models.PROTECT, db_index=False, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_event = models.ForeignKey(
        "Event", null=True, blank=True, on_delete=models.PROTECT, db_index=False, related_name="+"
    )
    en_route_at = models.DateTimeField(null=True, blank=True)
    en_route_event = models.ForeignKey(
        "Event", null=True, blank=True, on_delete=models.PROTECT, db_index=False, related_name="+"
    )
    on_scene_at = models.DateTimeField(null=True, blank=True)
    on_scene_event = models.ForeignKey(
        "Event", null=True, blank=True, on_delete=models.PROTECT, db_index=False, related_name="+"
    )
    transporting_at = models.DateTimeField(null=True, blank=True)
    transporting_event = models.ForeignKey(
        "Event", null=True, blank=True, on_delete=models.PROTECT, db_index=False, related_name="+"
    )
    cleared_at = models.DateTimeField(null=True, blank=True)
    cleared_event = models.ForeignKey(
        "Event", null=True, blank=True, on_delete=models.PROTECT, db_index=False, related_name="+"
    )

    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,
        related_name="+",
    )
    cancel_reason = models.CharField(max_length=200, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="supersedes"
    )
    # Server time at which the assignment became cleared, cancelled or superseded; closed
    # assignments stay on the unit's devices for KUZET_SCOPE_CLOSED_HOURS after it.
    closed_at = models.DateTimeField(null=True, blank=True)

    # Deadlines and the escalation ladder (server time only).
    deliver_due_at = models.DateTimeField(null=True, blank=True)
    ack_due_at = models.DateTimeField(null=True, blank=True)
    arrive_due_at = models.DateTimeField(null=True, blank=True)
    next_escalation_at = models.DateTimeField(null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-dispatched_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "unit"],
                condition=Q(status__in=ASSIGNMENT_OPEN),
                name="assignment_one_open_per_incident_unit",
            ),
            models.CheckConstraint(
                condition=Q(status__in=AssignmentStatus.values), name="assignment_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | Q(cancelled_at__isnull=False),
                name="assignment_cancelled_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="superseded") | Q(superseded_at__isnull=False),
                name="assignment_superseded_has_time",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ASSIGNMENT_OPEN) | Q(closed_at__isnull=False),
                name="assignment_terminal_has_closed_at",
            ),
            models.CheckConstraint(
                condition=~Q(superseded_by=F("id")), name="assignment_not_superseded_by_itself"
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "status"], name="assignment_unit_status_idx"),
            models.Index(
                fields=["next_escalation_at"],
                condition=Q(next_escalation_at__isnull=False),
                name="assignment_escalation_due_idx",
            ),
            models.Index(fields=["closed_at"], name="assignment_closed_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.incident.number} → {self.unit.callsign} ({self.status})"

    audit_object_type = "assignment"

    @property
    def audit_district_id(self) -> int:
        return self.incident.district_id

    @property
    def is_open(self) -> bool:
        return self.status in ASSIGNMENT_OPEN


class EventSource(models.TextChoices):
    APP = "app", "field app"
    SMS = "sms", "SMS reply"
    ON_BEHALF = "on_behalf", "duty officer on the officer's behalf"
    BACKFILL = "backfill", "backfilled by a chief"
    SERVER = "server", "server command"


class EstimateMethod(models.TextChoices):
    ANCHOR = "anchor", "elapsed time from a server anchor of the same boot"
    GPS = "gps", "GPS time"
    DEVICE_CLOCK = "device_clock", "device wall clock (unverified)"
    SERVER = "server", "server receipt time"


class Disposition(models.TextChoices):
    APPLIED = "applied"
    SUPERSEDED = "superseded"
    RECORDED = "recorded", "recorded (note, location, outcome revision)"
    AFTER_CANCEL = "after_cancel"
    AFTER_REASSIGN = "after_reassign"
    AFTER_CLOSE = "after_close"
    NOT_ASSIGNEE = "not_assignee"


class Event(models.Model):
    """An immutable fact. Raw observations are never changed; the disposition is derived."""

    # The composite indexes below lead with assignment, incident, unit and device, so those
    # foreign keys need no index of their own; nothing queries events by officer.

    id = models.CharField(primary_key=True, max_length=64)
    kind = models.CharField(max_length=16, choices=EventKind.choices)
    source = models.CharField(max_length=16, choices=EventSource.choices)
    via = models.CharField(max_length=16, blank=True, help_text="http, ws, sms, phone, radio…")

    assignment = models.ForeignKey(
        Assignment,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,
        related_name="events",
    )
    incident = models.ForeignKey(
        Incident,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,
        related_name="events",
    )
    unit = models.ForeignKey(
        "people.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,
        related_name="events",
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,
        related_name="+",
    )
    device = models.ForeignKey(
        "devices.Device",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,
        related_name="events",
    )

    # Raw device observations, kept exactly as sent.
    device_time = models.BigIntegerField(null=True, blank=True, help_text="device wall clock, ms")
    boot_id = models.CharField(max_length=64, blank=True)
    elapsed_ms = models.BigIntegerField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    accuracy_m = models.FloatField(null=True, blank=True)
    gps_time = models.BigIntegerField(null=True, blank=True, help_text="GPS fix time, ms")
    payload = models.JSONField(default=dict, blank=True)
    content_hash = models.CharField(max_length=64)

    server_received_at = models.DateTimeField()
    estimated_at = models.DateTimeField()
    estimate_uncertainty_ms = models.BigIntegerField(null=True, blank=True)
    estimate_method = models.CharField(max_length=16, choices=EstimateMethod.choices)
    clock_suspect = models.BooleanField(default=False)
    clock_skew_ms = models.BigIntegerField(null=True, blank=True)

    disposition = models.CharField(max_length=16, choices=Disposition.choices)

    class Meta:
        ordering = ["estimated_at"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=EventKind.values), name="event_kind_valid"),
            models.CheckConstraint(
                condition=Q(disposition__in=Disposition.values), name="event_disposition_valid"
            ),
            models.CheckConstraint(
                condition=Q(estimate_uncertainty_ms__isnull=True)
                | Q(estimate_uncertainty_ms__gte=0),
                name="event_uncertainty_not_negative",
            ),
            models.CheckConstraint(
                condition=~Q(source="app") | Q(device__isnull=False),
                name="event_from_app_has_device",
            ),
            models.CheckConstraint(
                condition=Q(lat__isnull=True, lon__isnull=True)
                | Q(lat__isnull=False, lon__isnull=False),
                name="event_lat_lon_together",
            ),
        ]
        indexes = [
            models.Index(fields=["assignment", "kind"], name="event_assignment_kind_idx"),
            models.Index(fields=["incident", "estimated_at"], name="event_incident_time_idx"),
            models.Index(fields=["unit", "kind", "estimated_at"], name="event_unit_kind_time_idx"),
            models.Index(fields=["device", "server_received_at"], name="event_device_recv_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.id}"

    audit_object_type = "event"


class ConflictKind(models.TextChoices):
    AFTER_CANCEL = "after_cancel", "milestone after cancellation"
    AFTER_REASSIGN = "after_reassign", "milestone after reassignment"
    AFTER_CLOSE = "after_close", "milestone after the incident was closed"
    NOT_ASSIGNEE = "not_assignee", "event on another unit's assignment"
    OUTCOME_MISMATCH = "outcome_mismatch", "device and chief outcomes differ"
    CLOCK_SUSPECT = "clock_suspect", "event time cannot be trusted"


class Conflict(models.Model):
    """A case the rules could not settle; a district chief resolves it with a note."""

    class State(models.TextChoices):
        OPEN = "open"
        RESOLVED = "resolved"

    class Resolution(models.TextChoices):
        ACCEPT_DEVICE = "accept_device", "accept the device's facts"
        UPHOLD_SERVER = "uphold_server", "uphold the server's command"
        NOTED = "noted", "noted, no change"

    kind = models.CharField(max_length=24, choices=ConflictKind.choices)
    district = models.ForeignKey("geo.District", on_delete=models.PROTECT, related_name="conflicts")
    incident = models.ForeignKey(
        Incident, null=True, blank=True, on_delete=models.PROTECT, related_name="conflicts"
    )
    assignment = models.ForeignKey(
        Assignment, null=True, blank=True, on_delete=models.PROTECT, related_name="conflicts"
    )
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="conflicts")
    unit = models.ForeignKey(
        "people.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Both sides of the story, as shown to the chief.
    device_side = models.JSONField(default=dict)
    server_side = models.JSONField(default=dict)
    opened_at = models.DateTimeField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.OPEN)
    resolution = models.CharField(max_length=16, choices=Resolution.choices, blank=True)
    resolution_note = models.TextField(blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(fields=["event", "kind"], name="conflict_once_per_event_kind"),
            models.CheckConstraint(
                condition=Q(state="open") | (Q(resolved_at__isnull=False) & ~Q(resolution="")),
                name="conflict_resolved_has_time_and_resolution",
            ),
        ]
        indexes = [models.Index(fields=["district", "state"], name="conflict_district_state_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.state})"

    audit_object_type = "conflict"

    @property
    def audit_district_id(self) -> int:
        return self.district_id


class EscalationPolicy(models.Model):
    """Deadlines per district, priority and zone. A row without district is the default."""

    district = models.ForeignKey(
        "geo.District", null=True, blank=True, on_delete=models.CASCADE, related_name="policies"
    )
    priority = models.CharField(max_length=2, choices=Priority.choices)
    zone = models.CharField(max_length=16, blank=True, help_text="blank: every zone")
    deliver_within_s = models.PositiveIntegerField(default=30)
    ack_within_s = models.PositiveIntegerField()
    arrive_within_s = models.PositiveIntegerField(
        null=True, blank=True, help_text="blank: no target"
    )

    class Meta:
        verbose_name_plural = "escalation policies"
        constraints = [
            models.UniqueConstraint(
                fields=["district", "priority", "zone"],
                condition=Q(district__isnull=False),
                name="policy_unique_per_district",
            ),
            models.UniqueConstraint(
                fields=["priority", "zone"],
                condition=Q(district__isnull=True),
                name="policy_unique_default",
            ),
        ]

    def __str__(self) -> str:
        where = self.district.name if self.district is not None else "default"
        return f"{where} {self.priority} {self.zone or 'any zone'}"

    @property
    def audit_district_id(self) -> int | None:
        return self.district_id


class EscalationStep(models.Model):
    """One rung of the ladder fired for one assignment. The unique key makes it fire once."""

    class Step(models.TextChoices):
        SMS_UNDELIVERED = "sms_undelivered", "not delivered: SMS to the unit"
        ACK_OVERDUE = "ack_overdue", "not acknowledged: re-push, SMS, alert the board"
        ACK_OVERDUE_TWICE = "ack_overdue_twice", "still not acknowledged: next unit, alert chief"
        ARRIVAL_OVERDUE = "arrival_overdue", "arrival target passed"

    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="escalations")
    step = models.CharField(max_length=24, choices=Step.choices)
    due_at = models.DateTimeField()
    fired_at = models.DateTimeField()
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assignment", "step"], name="escalation_step_once")
        ]

    def __str__(self) -> str:
        return f"{self.step} for assignment {self.assignment_id}"


class RiskSubject(models.Model):
    """An address or person with domestic-violence risk (Law 214-IV)."""

    class Kind(models.TextChoices):
        ADDRESS = "address"
        PERSON = "person"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    district = models.ForeignKey("geo.District", on_delete=models.PROTECT, related_name="+")
    settlement = models.ForeignKey(
        "geo.Settlement", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField(max_length=255, blank=True)
    person_name = models.CharField(max_length=150, blank=True)
    phone = models.CharField(max_length=20, blank=True, db_index=True)
    protective_order_until = models.DateField(null=True, blank=True)
    prior_dv_calls = models.PositiveIntegerField(default=0)
    last_follow_up_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.person_name or self.address or f"risk subject {self.pk}"

    @property
    def audit_district_id(self) -> int:
        return self.district_id


class FollowUpTask(models.Model):
    """A visit owed after a DV call (DOMAIN.md)."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="follow_ups")
    district = models.ForeignKey("geo.District", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(
        "people.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="follow_ups"
    )
    due_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"follow-up visit for {self.incident.number}"

    @property
    def audit_district_id(self) -> int:
        return self.district_id


class SmsMessage(models.Model):
    """Outbound SMS (an outbox: written in the transaction, sent after it) and inbound replies."""

    class Direction(models.TextChoices):
        OUT = "out"
        IN = "in"

    class State(models.TextChoices):
        QUEUED = "queued"
        SENDING = "sending"
        SENT = "sent"
        FAILED = "failed"
        RECEIVED = "received"
        APPLIED = "applied"
        REJECTED = "rejected"

    direction = models.CharField(max_length=3, choices=Direction.choices)
    phone = models.CharField(max_length=20)
    body = models.CharField(max_length=480)
    reply_code = models.CharField(max_length=8, blank=True, db_index=True)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assignment = models.ForeignKey(
        Assignment, null=True, blank=True, on_delete=models.PROTECT, related_name="sms"
    )
    purpose = models.CharField(max_length=32, blank=True)
    state = models.CharField(max_length=16, choices=State.choices)
    created_at = models.DateTimeField()
    # When a sender claimed it; a message stuck in "sending" past a timeout is re-queued.
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    provider_id = models.CharField(max_length=64, blank=True)
    error = models.CharField(max_length=255, blank=True)

    class Meta:
        indexes = [models.Index(fields=["direction", "state"], name="sms_direction_state_idx")]
        constraints = [
            # The gateway's message id: a replayed inbound message is refused, never applied twice.
            models.UniqueConstraint(
                fields=["provider_id"],
                condition=Q(direction="in") & ~Q(provider_id=""),
                name="sms_inbound_provider_id_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"SMS {self.direction} {self.phone}: {self.body[:40]}"
