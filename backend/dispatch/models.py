"""Incidents, assignments and the facts that drive them.

An incident arrives through a channel; duty officers assign units to it; every milestone
of an assignment is established by an :class:`Event` — a fact from a device, an SMS, a
duty officer acting on the officer's behalf, or the server itself. The assignment keeps
the winning event of each milestone, so each timestamp has its provenance (source, actor,
raw device time, receipt time, estimate and uncertainty).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from knox.models import AbstractAuthToken
from knox.settings import CONSTANTS

from backend.common.phones import MASK, phone_masked
from backend.geo.models import Zone, coordinates_constraints

from .lifecycle import (
    ASSIGNMENT_OPEN,
    INCIDENT_ENDED,
    INCIDENT_WAITING,
    AssignmentStatus,
    EventKind,
    IncidentStatus,
)


class Channel(models.TextChoices):
    PHONE_102 = "phone_102", _("102 line")
    APP_102 = "app_102", _("Police-102 app")
    EGOV = "egov", _("eGov Mobile")
    KASPI = "kaspi", _("Kaspi.kz")
    HALYK = "halyk", _("Halyk")
    VIDEO = "video", _("ЦОУ camera inspector")
    WALK_IN = "walk_in", _("Walk-in")
    PATROL = "patrol", _("Self-initiated by patrol")
    AGENCY_112 = "agency_112", _("112 agency")


class Category(models.TextChoices):
    DOMESTIC_VIOLENCE = "domestic_violence", _("Domestic violence")
    VIOLENCE = "violence", _("Violence / fight")
    ROBBERY = "robbery", _("Robbery")
    THEFT = "theft", _("Theft")
    LIVESTOCK_THEFT = "livestock_theft", _("Livestock theft")
    ROAD_ACCIDENT = "road_accident", _("Road accident")
    TRAFFIC_VIOLATION = "traffic_violation", _("Traffic violation")
    CHILD = "child", _("Incident with a child")
    MISSING_PERSON = "missing_person", _("Missing person")
    DISORDER = "disorder", _("Public disorder")
    FRAUD = "fraud", _("Fraud")
    NOISE = "noise", _("Noise")
    PARKING = "parking", _("Parking")
    INFORMATION = "information", _("Information")
    POLICE_COMPLAINT = "police_complaint", _("Complaint about police")
    OFFICER_SOS = "officer_sos", _("Officer SOS")
    OTHER = "other", _("Other")


class Priority(models.TextChoices):
    P0 = "P0", _("P0 — life threat")
    P1 = "P1", _("P1 — crime just happened")
    P2 = "P2", _("P2 — reported later, disorder")
    P3 = "P3", _("P3 — information, parking, noise")


class OutcomeCode(models.TextChoices):
    RESOLVED_ON_SCENE = "resolved_on_scene", _("Resolved on scene")
    REPORT_TAKEN = "report_taken", _("Report taken (КУИ)")
    CRIMINAL_CASE = "criminal_case", _("Criminal case opened (ЕРДР)")
    ADMIN_PROTOCOL = "admin_protocol", _("Administrative protocol (ЕРАП)")
    PROTECTIVE_ORDER = "protective_order", _("Protective order issued")
    ARREST = "arrest", _("Person detained")
    WARNING = "warning", _("Warning given")
    REFERRED = "referred", _("Referred to another service")
    NO_OFFENCE = "no_offence", _("No offence found")
    NOT_FOUND = "not_found", _("Nobody found at the scene")
    FALSE_CALL = "false_call", _("False call")


class CoaoArticle(models.TextChoices):
    """The articles of the Code of Administrative Offences (КоАП РК) on domestic violence,
    which the chief's upward report counts apart (DOMAIN.md). An outcome may name any other
    article too (Incident.outcome_article is free within sync.protocol.COAO_ARTICLE_RE)."""

    FAMILY = "73", _("Unlawful acts in family and household relations")
    PROTECTIVE_ORDER = "461", _("Failure to comply with a protective order")


class LocationSource(models.TextChoices):
    CALLER_GPS = "caller_gps", _("Caller's GPS")
    SETTLEMENT = "settlement", _("Settlement centre")
    OPERATOR = "operator", _("Placed by the operator")
    UNKNOWN = "unknown", _("Unknown")


def _temporary_number() -> str:
    return "tmp-" + uuid.uuid4().hex


class IntakePartner(models.Model):
    """One partner's integration on a channel, whatever key it uses today.

    A key is issued to a partner; a key issued to replace another (after a leak, or on
    schedule) is the same partner's. A report belongs to the partner, not to the key it came
    with: its reference, its read and its callbacks carry over from a key to its replacement,
    while two partners on one channel stay apart (docs/intake.md, *Replacing a key*)."""

    name = models.CharField(_("name"), max_length=80)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("intake partner")
        verbose_name_plural = _("intake partners")

    def __str__(self) -> str:
        channel = self.get_channel_display()
        # A partner named for its channel (the eGov key's "eGov Mobile") is said once.
        if self.name.casefold() == str(channel).casefold():
            return self.name
        return f"{self.name} ({channel})"


class IntakeKey(models.Model):
    """One API key of an integration (eGov, Kaspi…), stored as a SHA-256 digest; the partner
    it belongs to keeps its reports when the key is replaced."""

    name = models.CharField(_("name"), max_length=80)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    prefix = models.CharField(
        _("prefix"), max_length=12, help_text=_("The key's first characters, to tell keys apart")
    )
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    partner = models.ForeignKey(
        IntakePartner,
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        related_name="keys",
    )
    # The key this one was issued to replace (the same partner's), for the record.
    replaces = models.ForeignKey(
        "self",
        verbose_name=_("replaces"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
    )
    # Set when issued, never edited: every report taken with it is an exercise call.
    exercise = models.BooleanField(
        _("exercise"),
        default=False,
        help_text=_("Every call taken with this key is an exercise: kept out of the figures"),
    )

    class Meta:
        verbose_name = _("intake key")
        verbose_name_plural = _("intake keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.get_channel_display()}, {self.prefix}…)"


# A DV call's words that name or place the people in it: kept on the call, read there (and
# that read audited), never copied into the append-only log by a console edit.
DV_CALL_WITHHELD = frozenset({"summary", "description", "landmark", "caller_name", "media_links"})


class Incident(models.Model):
    number = models.CharField(_("number"), max_length=40, unique=True, default=_temporary_number)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    # NULL, not "": manual entries have no reference and must not collide in the unique key.
    external_ref = models.CharField(_("external reference"), max_length=128, null=True, blank=True)  # noqa: DJ001
    intake_key = models.ForeignKey(
        IntakeKey,
        verbose_name=_("intake key"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incidents",
    )
    # The partner whose report it is (its key's): references are unique per partner, so a
    # report sent with a key is replayed, refused and read through the key's replacement too.
    intake_partner = models.ForeignKey(
        IntakePartner,
        verbose_name=_("intake partner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incidents",
    )
    # SHA-256 of the normalised intake body: a replay with other content is a 409.
    intake_fingerprint = models.CharField(_("intake fingerprint"), max_length=64, blank=True)

    category = models.CharField(_("category"), max_length=24, choices=Category.choices)
    priority = models.CharField(_("priority"), max_length=2, choices=Priority.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=IncidentStatus.choices, default=IncidentStatus.QUEUED
    )

    district = models.ForeignKey(
        "geo.District",
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        db_index=False,
        related_name="incidents",
    )
    settlement = models.ForeignKey(
        "geo.Settlement",
        verbose_name=_("settlement"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incidents",
    )
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    location_source = models.CharField(
        _("location source"),
        max_length=16,
        choices=LocationSource.choices,
        default=LocationSource.UNKNOWN,
    )
    landmark = models.CharField(_("landmark"), max_length=255, blank=True)

    summary = models.CharField(_("summary"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    caller_name = models.CharField(_("caller name"), max_length=150, blank=True)
    caller_phone = models.CharField(_("caller phone"), max_length=20, blank=True)
    media_links = models.JSONField(_("media links"), default=list, blank=True)
    # Risk flags shown to the responding unit (DV: protective order, prior calls…).
    risk_flags = models.JSONField(_("risk flags"), default=list, blank=True)

    notify_citizen = models.BooleanField(_("notify citizen"), default=False)
    citizen_notified_at = models.DateTimeField(_("citizen notified at"), null=True, blank=True)
    citizen_delay_notified_at = models.DateTimeField(
        _("citizen delay notified at"), null=True, blank=True
    )

    received_at = models.DateTimeField(_("received at"))
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,
        related_name="+",
    )
    disposition = models.CharField(_("disposition"), max_length=200, blank=True)
    reopened_at = models.DateTimeField(_("reopened at"), null=True, blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
    )
    # Latest outcome by server receipt (PROTOCOL.md §6.4); every revision is an Event.
    outcome_code = models.CharField(
        _("outcome code"), max_length=24, choices=OutcomeCode.choices, blank=True
    )
    outcome_text = models.TextField(_("outcome text"), blank=True)
    # The CoAO article the shown outcome names ("73", "73-1", "461"; "" when none): the chief's
    # upward report counts administrative protocols by it. Format: sync.protocol.COAO_ARTICLE_RE.
    outcome_article = models.CharField(_("CoAO article"), max_length=8, blank=True)
    outcome_event = models.ForeignKey(
        "Event",
        verbose_name=_("outcome event"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,
        related_name="+",
    )
    # Kuzet is not the system of record for these registries; it keeps their numbers.
    registry_kui = models.CharField(_("КУИ number"), max_length=40, blank=True)
    registry_erdr = models.CharField(_("ЕРДР number"), max_length=40, blank=True)
    registry_erap = models.CharField(_("ЕРАП number"), max_length=40, blank=True)
    # A restricted incident leaves every device's scope.
    restricted = models.BooleanField(_("restricted"), default=False)
    # A training call (a drill, the simulator's live demo): dispatched like any call, kept out
    # of the figures (reports.scope.real_calls). Set when the call is taken, never changed.
    exercise = models.BooleanField(
        _("exercise"),
        default=False,
        help_text=_("A training call: handled like any call, kept out of the figures"),
    )

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-received_at"]
        constraints = [
            # A partner's reference is its own: two integrations on one channel (two
            # partners) may both use "1001", each for its own report; a partner's keys, the
            # one that replaced another too, share theirs (docs/intake.md, *Idempotency*).
            models.UniqueConstraint(
                fields=["intake_partner", "external_ref"],
                condition=Q(external_ref__isnull=False, intake_partner__isnull=False),
                name="incident_external_ref_unique_per_partner",
            ),
            # A partner's report came with one of its keys; the server's own has neither.
            models.CheckConstraint(
                condition=Q(intake_key__isnull=True, intake_partner__isnull=True)
                | Q(intake_key__isnull=False, intake_partner__isnull=False),
                name="incident_intake_partner_with_key",
            ),
            # The server's own references (an SOS's backup call, "sos:<event id>"): no key.
            models.UniqueConstraint(
                fields=["channel", "external_ref"],
                condition=Q(external_ref__isnull=False, intake_key__isnull=True),
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
            # The escalation sweep's calls still waiting for a unit (IncidentEscalationStep):
            # a handful of rows at any time, however many calls the table keeps.
            models.Index(
                fields=["received_at"],
                condition=Q(status__in=sorted(INCIDENT_WAITING)),
                name="incident_waiting_idx",
            ),
        ]

    # Set by the intake when this report, linked as a repeat, raised its original's priority:
    # what the original's was (the call form says so). Not stored.
    original_raised_from: str | None = None

    def __str__(self) -> str:
        return f"{self.number} {self.get_category_display()} ({self.priority})"

    audit_object_type = "incident"

    @property
    def audit_district_id(self) -> int:
        return self.district_id

    @property
    def audit_withheld_fields(self) -> frozenset[str]:
        """What a console edit's audit entry names without its values: on a DV call, what
        the caller said and where (``people.admin_scoping.changed_values``)."""
        return DV_CALL_WITHHELD if self.is_dv else frozenset()

    @property
    def is_dv(self) -> bool:
        return self.category == Category.DOMESTIC_VIOLENCE

    @property
    def outcome_label(self) -> str:
        """The outcome in words with its article: "Administrative protocol (ЕРАП), CoAO art.
        73"; "" when there is none."""
        label = str(self.get_outcome_code_display())
        if label and self.outcome_article:
            return gettext("%(outcome)s, CoAO art. %(article)s") % {
                "outcome": label,
                "article": self.outcome_article,
            }
        return label

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
    DUTY_OFFICER = "duty_officer", _("Duty officer")
    CHIEF = "chief", _("District chief")
    ESCALATION = "escalation", _("Automatic escalation")
    SELF = "self", _("Self-initiated by the unit")


class Assignment(models.Model):
    # Foreign keys that no query filters by carry no index (db_index=False): every index is
    # written on each dispatch and each escalation step, and the ladder rewrites thousands
    # of rows at once after an outage. `unit` is served by the (unit, status) index.
    incident = models.ForeignKey(
        Incident, verbose_name=_("incident"), on_delete=models.PROTECT, related_name="assignments"
    )
    unit = models.ForeignKey(
        "people.Unit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        db_index=False,
        related_name="assignments",
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=AssignmentStatus.choices,
        default=AssignmentStatus.DISPATCHED,
    )

    dispatched_at = models.DateTimeField(_("dispatched at"))
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dispatched by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,
        related_name="+",
    )
    dispatch_source = models.CharField(
        _("dispatch source"), max_length=16, choices=DispatchSource.choices
    )

    # Milestones: estimated event times; the linked event carries the provenance.
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    delivered_event = models.ForeignKey(
        "Event",
        verbose_name=_("delivered event"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_event = models.ForeignKey(
        "Event",
        verbose_name=_("acknowledged event"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,
        related_name="+",
    )
    en_route_at = models.DateTimeField(_("en route at"), null=True, blank=True)
    en_route_event = models.ForeignKey(
        "Event",
        verbose_name=_("en route event"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,
        related_name="+",
    )
    on_scene_at = models.DateTimeField(_("on scene at"), null=True, blank=True)
    on_scene_event = models.ForeignKey(
        "Event",
        verbose_name=_("on scene event"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,
        related_name="+",
    )
    transporting_at = models.DateTimeField(_("transporting at"), null=True, blank=True)
    transporting_event = models.ForeignKey(
        "Event",
        verbose_name=_("transporting event"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,
        related_name="+",
    )
    cleared_at = models.DateTimeField(_("cleared at"), null=True, blank=True)
    cleared_event = models.ForeignKey(
        "Event",
        verbose_name=_("cleared event"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,
        related_name="+",
    )

    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cancelled by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,
        related_name="+",
    )
    cancel_reason = models.CharField(_("cancel reason"), max_length=200, blank=True)
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)
    superseded_by = models.ForeignKey(
        "self",
        verbose_name=_("superseded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supersedes",
    )
    # Server time at which the assignment became cleared, cancelled or superseded; closed
    # assignments stay on the unit's devices for KUZET_SCOPE_CLOSED_HOURS after it.
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    # Deadlines and the escalation ladder (server time only).
    deliver_due_at = models.DateTimeField(_("deliver by"), null=True, blank=True)
    ack_due_at = models.DateTimeField(_("acknowledge by"), null=True, blank=True)
    arrive_due_at = models.DateTimeField(_("arrive by"), null=True, blank=True)
    next_escalation_at = models.DateTimeField(_("next escalation at"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
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
            # The officer-safety sweep's units on scene (services/safety.py), every sweep: a
            # handful of rows, where a scan would read every assignment ever made.
            models.Index(
                fields=["on_scene_at"],
                condition=Q(status="on_scene"),
                name="assignment_on_scene_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.incident.number} → {self.unit.callsign} ({self.get_status_display()})"

    audit_object_type = "assignment"

    @property
    def audit_district_id(self) -> int:
        return self.incident.district_id

    @property
    def is_open(self) -> bool:
        return self.status in ASSIGNMENT_OPEN


class EventSource(models.TextChoices):
    APP = "app", _("Field app")
    SMS = "sms", _("SMS reply")
    ON_BEHALF = "on_behalf", _("Duty officer on the officer's behalf")
    BACKFILL = "backfill", _("Backfilled by a chief")
    SERVER = "server", _("Server command")
    DESK = "desk", _("Duty desk message")


class EstimateMethod(models.TextChoices):
    ANCHOR = "anchor", _("Elapsed time from a server anchor of the same boot")
    GPS = "gps", _("GPS time")
    DEVICE_CLOCK = "device_clock", _("Device wall clock (unverified)")
    SERVER = "server", _("Server receipt time")


class Disposition(models.TextChoices):
    APPLIED = "applied", _("Applied")
    SUPERSEDED = "superseded", _("Superseded")
    RECORDED = "recorded", _("Recorded (note, location, outcome revision)")
    AFTER_CANCEL = "after_cancel", _("After cancel")
    AFTER_REASSIGN = "after_reassign", _("After reassign")
    AFTER_CLOSE = "after_close", _("After close")
    NOT_ASSIGNEE = "not_assignee", _("Not assignee")


class Event(models.Model):
    """An immutable fact. Raw observations are never changed; the disposition is derived."""

    # The composite indexes below lead with assignment, incident, unit and device, so those
    # foreign keys need no index of their own; nothing queries events by officer.

    id = models.CharField(_("ID"), primary_key=True, max_length=64)
    kind = models.CharField(_("kind"), max_length=16, choices=EventKind.choices)
    source = models.CharField(_("source"), max_length=16, choices=EventSource.choices)
    via = models.CharField(
        _("via"),
        max_length=16,
        blank=True,
        help_text=_("How it reached the server: the field app, SMS, phone, radio…"),
    )

    assignment = models.ForeignKey(
        Assignment,
        verbose_name=_("assignment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,
        related_name="events",
    )
    incident = models.ForeignKey(
        Incident,
        verbose_name=_("incident"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,
        related_name="events",
    )
    unit = models.ForeignKey(
        "people.Unit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,
        related_name="events",
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("officer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,
        related_name="+",
    )
    device = models.ForeignKey(
        "devices.Device",
        verbose_name=_("device"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,
        related_name="events",
    )

    # Raw device observations, kept exactly as sent.
    device_time = models.BigIntegerField(
        _("device time"),
        null=True,
        blank=True,
        help_text=_("The phone's own clock when it was recorded"),
    )
    boot_id = models.CharField(_("boot id"), max_length=64, blank=True)
    elapsed_ms = models.BigIntegerField(_("elapsed ms"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    accuracy_m = models.FloatField(_("accuracy, m"), null=True, blank=True)
    gps_time = models.BigIntegerField(
        _("gps time"), null=True, blank=True, help_text=_("The time of the GPS fix")
    )
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    # The pushed record's keys this server does not read (a newer app's fields), as JSON text
    # that parses back to what was sent (sync.protocol.json_text): kept with the fact, no
    # part of its content, not served in pulls (docs/protocol.md §4). "" when there were none.
    unread = models.TextField(
        _("unread fields"),
        blank=True,
        default="",
        # A default in the table too: statements that insert events without the ORM (the
        # benchmarks' bulk rows) need not name it, and the column is added without a rewrite.
        db_default="",
        help_text=_("Fields of the record this server does not read, as the phone sent them"),
    )
    content_hash = models.CharField(_("content hash"), max_length=64)

    server_received_at = models.DateTimeField(_("server received at"))
    estimated_at = models.DateTimeField(_("estimated at"))
    estimate_uncertainty_ms = models.BigIntegerField(
        _("estimate uncertainty ms"), null=True, blank=True
    )
    estimate_method = models.CharField(
        _("estimate method"), max_length=16, choices=EstimateMethod.choices
    )
    clock_suspect = models.BooleanField(_("clock suspect"), default=False)
    clock_skew_ms = models.BigIntegerField(_("clock skew ms"), null=True, blank=True)

    disposition = models.CharField(_("disposition"), max_length=16, choices=Disposition.choices)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
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
        return f"{self.get_kind_display()} {self.id}"

    audit_object_type = "event"


class ConflictKind(models.TextChoices):
    AFTER_CANCEL = "after_cancel", _("Milestone after cancellation")
    AFTER_REASSIGN = "after_reassign", _("Milestone after reassignment")
    AFTER_CLOSE = "after_close", _("Milestone after the incident was closed")
    NOT_ASSIGNEE = "not_assignee", _("Event on another unit's assignment")
    OUTCOME_MISMATCH = "outcome_mismatch", _("Device and chief outcomes differ")
    CLOCK_SUSPECT = "clock_suspect", _("Event time cannot be trusted")


class Conflict(models.Model):
    """A case the rules could not settle; a district chief resolves it with a note."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved")

    class Resolution(models.TextChoices):
        ACCEPT_DEVICE = "accept_device", _("Accept the device's facts")
        UPHOLD_SERVER = "uphold_server", _("Uphold the server's command")
        NOTED = "noted", _("Noted, no change")

    kind = models.CharField(_("kind"), max_length=24, choices=ConflictKind.choices)
    district = models.ForeignKey(
        "geo.District",
        verbose_name=_("district"),
        on_delete=models.PROTECT,
        related_name="conflicts",
    )
    incident = models.ForeignKey(
        Incident,
        verbose_name=_("incident"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="conflicts",
    )
    assignment = models.ForeignKey(
        Assignment,
        verbose_name=_("assignment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="conflicts",
    )
    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.PROTECT, related_name="conflicts"
    )
    unit = models.ForeignKey(
        "people.Unit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Both sides of the story, as shown to the chief.
    device_side = models.JSONField(_("device side"), default=dict)
    server_side = models.JSONField(_("server side"), default=dict)
    opened_at = models.DateTimeField(_("opened at"))
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.OPEN)
    resolution = models.CharField(
        _("resolution"), max_length=16, choices=Resolution.choices, blank=True
    )
    resolution_note = models.TextField(_("resolution note"), blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("conflict")
        verbose_name_plural = _("conflicts")
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(fields=["event", "kind"], name="conflict_once_per_event_kind"),
            models.CheckConstraint(
                condition=Q(state="open") | (Q(resolved_at__isnull=False) & ~Q(resolution="")),
                name="conflict_resolved_has_time_and_resolution",
            ),
        ]
        indexes = [
            models.Index(fields=["district", "state"], name="conflict_district_state_idx"),
            # Every push of a suspect position asks whether its phone already has an open
            # clock question: read from the few open ones, not by walking every position the
            # phone ever sent (10.8 ms of PostgreSQL a push at 5,000 — docs/benchmarks.md).
            # Migration 0028 also gives PostgreSQL statistics on (state, kind): without them
            # it takes open clock questions for common and walks the positions anyway.
            models.Index(
                fields=["event"],
                condition=Q(state="open", kind="clock_suspect"),
                name="conflict_open_clock_idx",
            ),
            # The same for a phone's facts on a colleague's call: is this phone already asked
            # about this call? Without it the few open ones were found by reading every
            # conflict ever opened on a call (5–6 ms of PostgreSQL a fact at 54,000).
            models.Index(
                fields=["event"],
                condition=Q(state="open", kind="not_assignee"),
                name="conflict_open_others_work_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_state_display()})"

    audit_object_type = "conflict"

    @property
    def audit_district_id(self) -> int:
        return self.district_id


class EscalationPolicy(models.Model):
    """Deadlines per district, priority and zone. A row without district is the default."""

    district = models.ForeignKey(
        "geo.District",
        verbose_name=_("district"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="policies",
    )
    priority = models.CharField(_("priority"), max_length=2, choices=Priority.choices)
    zone = models.CharField(
        _("zone"), max_length=16, blank=True, choices=Zone.choices, help_text=_("blank: every zone")
    )
    deliver_within_s = models.PositiveIntegerField(_("deliver within s"), default=30)
    ack_within_s = models.PositiveIntegerField(_("ack within s"))
    arrive_within_s = models.PositiveIntegerField(
        _("arrive within s"), null=True, blank=True, help_text=_("Blank: no arrival target")
    )

    class Meta:
        verbose_name = _("escalation policy")
        verbose_name_plural = _("escalation policies")
        constraints = [
            models.UniqueConstraint(
                fields=["district", "priority", "zone"],
                condition=Q(district__isnull=False),
                name="policy_unique_per_district",
                # (the console's form said "Constraint “policy_unique_per_district” is
                # violated" to an administrator adding the district's second P1 rule)
                violation_error_message=_(
                    "The district already has a rule for this priority and zone: change that one."
                ),
            ),
            models.UniqueConstraint(
                fields=["priority", "zone"],
                condition=Q(district__isnull=True),
                name="policy_unique_default",
                violation_error_message=_(
                    "There already is a default rule for this priority and zone: change that one."
                ),
            ),
        ]

    def __str__(self) -> str:
        where = self.district.local_name if self.district is not None else gettext("default")
        zone = Zone(self.zone).label if self.zone in Zone.values else gettext("any zone")
        return f"{where} {self.priority} {zone}"

    @property
    def audit_district_id(self) -> int | None:
        return self.district_id


class FiredRung(models.Model):
    """What every fired rung of the escalation ladder records, whether it fired for an
    assignment (:class:`EscalationStep`) or for a call (:class:`IncidentEscalationStep`):
    when it was due, when the sweep fired it, and what it did (alerted, texted, who was
    recommended)."""

    due_at = models.DateTimeField(_("due at"))
    fired_at = models.DateTimeField(_("fired at"))
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        abstract = True


class EscalationStep(FiredRung):
    """One rung of the ladder fired for one assignment. The unique key makes it fire once."""

    class Step(models.TextChoices):
        SMS_UNDELIVERED = "sms_undelivered", _("Not delivered: SMS to the unit")
        ACK_OVERDUE = "ack_overdue", _("Not acknowledged: re-push, SMS, alert the board")
        ACK_OVERDUE_TWICE = "ack_overdue_twice", _("Still not acknowledged: next unit, alert chief")
        ARRIVAL_OVERDUE = "arrival_overdue", _("Arrival target passed")

    assignment = models.ForeignKey(
        Assignment,
        verbose_name=_("assignment"),
        on_delete=models.PROTECT,
        related_name="escalations",
    )
    step = models.CharField(_("step"), max_length=24, choices=Step.choices)

    class Meta:
        verbose_name = _("escalation step")
        verbose_name_plural = _("escalation steps")
        constraints = [
            models.UniqueConstraint(fields=["assignment", "step"], name="escalation_step_once")
        ]

    def __str__(self) -> str:
        # The page's title and breadcrumb: the call's number and the unit, as the assignment
        # reads everywhere else (it said "assignment 1119", a database id).
        a = self.assignment
        return f"{self.get_step_display()} · {a.incident.number} → {a.unit.callsign}"


class IncidentEscalationStep(FiredRung):
    """One rung of the ladder fired for a call rather than an assignment: a call nobody was
    sent to has no assignment, so :class:`EscalationStep` never starts for it. The unique key
    makes each rung fire once per wait of a call (``due_at`` is the wait's deadline): a call
    back in the queue after its unit was stood down waits anew and is alerted anew."""

    class Step(models.TextChoices):
        WAITING_OVERDUE = "waiting_overdue", _("Still waiting for a unit: alert board and chief")

    incident = models.ForeignKey(
        Incident,
        verbose_name=_("incident"),
        on_delete=models.PROTECT,
        # the unique key's index leads with it
        db_index=False,
        related_name="escalations",
    )
    step = models.CharField(_("step"), max_length=24, choices=Step.choices)

    class Meta:
        verbose_name = _("call escalation step")
        verbose_name_plural = _("call escalation steps")
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "step", "due_at"], name="incident_escalation_step_once_a_wait"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_step_display()} · {self.incident.number}"


class SafetyCheck(FiredRung):
    """An officer-safety check: a unit on scene with no word from it for the check interval
    of its call's priority (``policies.safety_check_within_s``) is put on the board for the
    desk to raise by radio. ``due_at`` is the silence's deadline — the unique key makes it
    fire once a silence; word from the unit (a milestone, a note, an outcome, a report
    recorded on its behalf) or the desk's check (``checked_at``) starts a new one."""

    assignment = models.ForeignKey(
        Assignment,
        verbose_name=_("assignment"),
        on_delete=models.PROTECT,
        # the unique key's index leads with it
        db_index=False,
        related_name="safety_checks",
    )
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The crew's own word that answered the check before the desk raised it (a note, a
    # milestone, a read receipt… services/safety.py); then ``checked_at`` is when it came and
    # ``checked_by`` is empty.
    word = models.ForeignKey(
        "Event",
        verbose_name=_("word from the crew"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("officer-safety check")
        verbose_name_plural = _("officer-safety checks")
        # Every sweep asks for the checks still open (services/safety.py): a handful among
        # all the silences ever checked.
        indexes = [
            models.Index(
                fields=["fired_at"],
                condition=Q(checked_at__isnull=True),
                name="safety_check_open_idx",
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "due_at"], name="safety_check_once_a_silence"
            )
        ]

    def __str__(self) -> str:
        return f"{self.assignment} · {self.due_at:%Y-%m-%d %H:%M}"

    def answered_by(self) -> str:
        """Who answered it, in words: the duty officer who raised the crew, or the crew
        itself ("the crew: Note"); "" while nobody has."""
        if self.word is not None:
            return gettext("the crew: %(what)s") % {"what": EventKind(self.word.kind).label}
        return self.checked_by.display_name if self.checked_by is not None else ""


class RiskSubject(models.Model):
    """An address or person with domestic-violence risk (Law 214-IV)."""

    class Kind(models.TextChoices):
        ADDRESS = "address", _("Address")
        PERSON = "person", _("Person")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    district = models.ForeignKey(
        "geo.District", verbose_name=_("district"), on_delete=models.PROTECT, related_name="+"
    )
    settlement = models.ForeignKey(
        "geo.Settlement",
        verbose_name=_("settlement"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    # The address as calls are matched against it: case-folded, spaces collapsed (set on save;
    # SQLite's LIKE folds only ASCII, so Cyrillic cannot be matched case-blind in the query).
    address_key = models.CharField(_("address key"), max_length=255, blank=True, editable=False)
    person_name = models.CharField(_("person name"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, db_index=True)
    protective_order_until = models.DateField(_("protective order until"), null=True, blank=True)
    prior_dv_calls = models.PositiveIntegerField(_("prior DV calls"), default=0)
    last_follow_up_at = models.DateTimeField(_("last follow-up visit"), null=True, blank=True)

    # Who the case is and where: a console edit's audit entry names these fields, never their
    # values (the phone by its last digits, as every phone) — the log is append-only and read
    # on the case's history page by every chief of the district, the case's page audited.
    audit_withheld_fields = frozenset({"person_name", "address"})

    class Meta:
        verbose_name = _("risk subject")
        verbose_name_plural = _("risk subjects")
        indexes = [
            models.Index(fields=["settlement", "address_key"], name="risk_subject_address_idx"),
        ]

    def __str__(self) -> str:
        named = self.person_name or self.address or self.phone
        return named or str(_("case № %(n)s") % {"n": self.pk})

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.address_key = self.address_key_of(self.address)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "address" in update_fields:
            kwargs["update_fields"] = {*update_fields, "address_key"}
        super().save(*args, **kwargs)

    @staticmethod
    def address_key_of(address: str) -> str:
        return " ".join(address.casefold().split())[:255]

    @property
    def audit_district_id(self) -> int:
        return self.district_id


class FollowUpTask(models.Model):
    """A visit owed after a DV call (DOMAIN.md)."""

    incident = models.ForeignKey(
        Incident, verbose_name=_("incident"), on_delete=models.PROTECT, related_name="follow_ups"
    )
    district = models.ForeignKey(
        "geo.District", verbose_name=_("district"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "people.Unit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="follow_ups",
    )
    due_at = models.DateTimeField(_("due at"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("follow-up visit")
        verbose_name_plural = _("follow-up visits")

    def __str__(self) -> str:
        return gettext("Follow-up visit for %(number)s") % {"number": self.incident.number}

    @property
    def audit_district_id(self) -> int:
        return self.district_id


class SmsMessage(models.Model):
    """Outbound SMS (an outbox: written in the transaction, sent after it) and inbound replies."""

    class Direction(models.TextChoices):
        OUT = "out", _("Out")
        IN = "in", _("In")

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        RECEIVED = "received", _("Received")
        APPLIED = "applied", _("Applied")
        REJECTED = "rejected", _("Rejected")

    class Purpose(models.TextChoices):
        # Why an outbound message was sent (an inbound reply has none).
        DISPATCH = "dispatch", _("Dispatch to the unit")
        CANCEL = "cancel", _("Stand-down to the unit")
        MESSAGE = "message", _("The duty desk's message to the unit")
        ESCALATION_UNDELIVERED = "escalation_undelivered", _("Sent again: not delivered")
        ESCALATION_ACK_OVERDUE = "escalation_ack_overdue", _("Reminder: not acknowledged")
        CITIZEN_DELAY = "citizen_delay", _("To the caller: help is delayed")
        CITIZEN_OUTCOME = "citizen_outcome", _("To the caller: the outcome")

    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    phone = models.CharField(_("phone"), max_length=20)
    body = models.CharField(_("body"), max_length=480)
    reply_code = models.CharField(_("reply code"), max_length=8, blank=True, db_index=True)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("officer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    assignment = models.ForeignKey(
        Assignment,
        verbose_name=_("assignment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sms",
    )
    purpose = models.CharField(_("purpose"), max_length=32, blank=True, choices=Purpose.choices)
    state = models.CharField(_("state"), max_length=16, choices=State.choices)
    created_at = models.DateTimeField(_("created at"))
    # When a sender claimed it; a message stuck in "sending" past a timeout is re-queued.
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    provider_id = models.CharField(_("provider id"), max_length=64, blank=True)
    error = models.CharField(_("error"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("SMS message")
        verbose_name_plural = _("SMS messages")
        indexes = [
            models.Index(fields=["direction", "state"], name="sms_direction_state_idx"),
            # The rows whose number is still whole, by age: what the hourly retention
            # (``outbox.sms_prune``) reads — the last KUZET_SMS_RETENTION_DAYS of messages,
            # not every message ever sent, whose numbers it masked on earlier runs.
            models.Index(
                fields=["created_at"],
                condition=~Q(phone__startswith=MASK),
                name="sms_whole_number_idx",
            ),
        ]
        constraints = [
            # The gateway's message id: a replayed inbound message is refused, never applied twice.
            models.UniqueConstraint(
                fields=["provider_id"],
                condition=Q(direction="in") & ~Q(provider_id=""),
                name="sms_inbound_provider_id_unique",
            ),
        ]

    def __str__(self) -> str:
        # The name titles its pages, its History and every entry about it: the last four
        # digits, as its list and the audit log show the number (its page shows it whole).
        return f"{self.get_direction_display()} {phone_masked(self.phone)}: {self.body[:40]}"

    # The audit log's name for an SMS (services/sms_inbound.py), so that the SMS row's
    # History lists its entries (``ScopedAdminMixin.history_q``; it looked for "smsmessage").
    audit_object_type = "sms"


class StaffToken(AbstractAuthToken):  # type: ignore[misc]  # knox ships no type hints
    """A staff member's API token (``Authorization: Token <key>``): django-rest-knox's token
    (``KNOX_TOKEN_MODEL``), kept as the SHA-512 digest of the key and the key's first 15
    characters (knox finds the row by them); the key itself is shown once, when issued, and
    stored nowhere. It lasts ``KUZET_STAFF_TOKEN_DAYS`` from ``created``
    (:mod:`backend.dispatch.authentication`). knox's own fields, redeclared as they are, with
    names the console reads in Kazakh and Russian."""

    # The key's first characters in lists and in the admin's journal: enough to tell a user's
    # tokens apart, far too few to use.
    SHOWN = 6

    digest: Any = models.CharField(
        _("key hash"), max_length=CONSTANTS.DIGEST_LENGTH, primary_key=True
    )
    token_key: Any = models.CharField(
        _("prefix"),
        max_length=CONSTANTS.MAXIMUM_TOKEN_PREFIX_LENGTH + CONSTANTS.TOKEN_KEY_LENGTH,
        db_index=True,
    )
    user: Any = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("officer"),
        on_delete=models.CASCADE,
        # knox's views read its tokens as user.auth_token_set; Kuzet uses none of them, and
        # knox's clean-up that does is switched off (authentication.StaffTokenAuthentication).
        related_name="+",
    )
    created: Any = models.DateTimeField(_("created"), auto_now_add=True)
    # knox's own expiry, unused: the lifetime is the setting's, from `created`.
    expiry: Any = models.DateTimeField(_("expires"), null=True, blank=True)

    class Meta:
        verbose_name = _("staff API token")
        verbose_name_plural = _("staff API tokens")

    def __str__(self) -> str:
        # knox's own names the token by its digest, which the admin wrote into its journal.
        return f"{self.token_key[: self.SHOWN]}…"
