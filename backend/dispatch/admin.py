"""Incidents, assignments, events, conflicts and escalation policy in the chief's console.

Case data is read-only here: incidents, assignments and events change through the
dispatch and sync services (their admin actions are added by the dispatch work). What a
chief edits here are their district's escalation policy, DV risk subjects and follow-ups,
and the resolution of conflicts (through :func:`backend.dispatch.services.conflict_resolve`).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, DurationField, ExpressionWrapper, F, Min, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from backend.common import clock
from backend.common.errors import DomainError
from backend.ledger import uow
from backend.ledger.models import AuditEntry
from backend.ledger.names import SyncTable
from backend.people.admin_scoping import RESOLVE, REVOKE, ScopedAdminMixin, seconds
from backend.people.models import Role

from .admin_dispatch import AssignmentDispatchAdminMixin, IncidentDispatchAdminMixin
from .models import (
    Assignment,
    Conflict,
    EscalationPolicy,
    EscalationStep,
    Event,
    FollowUpTask,
    Incident,
    IntakeKey,
    RiskSubject,
    SmsMessage,
)
from .services.conflicts import conflict_resolve
from .services.intake import intake_key_issue, intake_key_revoke

MILESTONES = ("delivered", "acknowledged", "en_route", "on_scene", "transporting", "cleared")


def ms_text(value: int | None) -> str:
    """A device's raw millisecond time as UTC text, with the raw number."""
    if value is None:
        return "—"
    try:
        return f"{clock.from_ms(value):%Y-%m-%d %H:%M:%S} UTC ({value})"
    except (OverflowError, OSError, ValueError):
        return f"unreadable ({value})"


def uncertainty_text(ms: int | None) -> str:
    if ms is None:
        return "± ?"
    if ms < 10_000:
        return f"± {ms / 1000:.1f} s"
    if ms < 3_600_000:
        return f"± {ms // 60_000} min {ms // 1000 % 60} s"
    return f"± {ms / 3_600_000:.1f} h"


def duration_text(value: int | None) -> str:
    if value is None:
        return "—"
    sign, value = ("−", -value) if value < 0 else ("", value)
    if value < 60:
        return f"{sign}{value} s"
    if value < 3600:
        return f"{sign}{value // 60} min {value % 60:02d} s"
    return f"{sign}{value // 3600} h {value // 60 % 60:02d} min"


# --- the incident's timeline -----------------------------------------------------------------
@dataclass(frozen=True)
class TimelineRow:
    at: dt.datetime
    order: int  # tie-break: received < assignment < event < audit at the same instant
    kind: str  # incident | assignment | event | audit
    title: str
    detail: str
    source: str = ""


def incident_timeline(incident: Incident) -> list[TimelineRow]:
    """Everything that happened to an incident, in time order: the call, its assignments,
    every event (device facts with their time provenance, server commands) and every audit
    entry of the incident, its assignments, events and conflicts."""
    rows = [
        TimelineRow(
            incident.received_at,
            0,
            "incident",
            "received",
            f"via {incident.get_channel_display()}, {incident.priority}",
            "",
        )
    ]
    if incident.closed_at:
        rows.append(
            TimelineRow(
                incident.closed_at,
                0,
                "incident",
                "closed",
                incident.disposition or incident.outcome_code,
                "",
            )
        )
    assignments = list(incident.assignments.select_related("unit").order_by("dispatched_at", "pk"))
    for a in assignments:
        rows.append(
            TimelineRow(
                a.dispatched_at,
                1,
                "assignment",
                f"{a.unit.callsign} dispatched",
                f"assignment #{a.pk}, now {a.status}"
                + (f", ack due {a.ack_due_at:%H:%M:%S}" if a.ack_due_at else ""),
                a.get_dispatch_source_display(),
            )
        )
        if a.cancelled_at:
            rows.append(
                TimelineRow(
                    a.cancelled_at,
                    1,
                    "assignment",
                    f"{a.unit.callsign} cancelled",
                    a.cancel_reason,
                    "",
                )
            )
        if a.superseded_at:
            rows.append(
                TimelineRow(
                    a.superseded_at,
                    1,
                    "assignment",
                    f"{a.unit.callsign} superseded",
                    f"by assignment #{a.superseded_by_id}",
                    "",
                )
            )
    assignment_ids = [a.pk for a in assignments]
    events = list(
        Event.objects.filter(Q(incident=incident) | Q(assignment_id__in=assignment_ids))
        .select_related("unit")
        .order_by("estimated_at", "id")
    )
    for e in events:
        spread = uncertainty_text(e.estimate_uncertainty_ms)
        detail = (
            f"{e.get_disposition_display()}; estimated {spread} by {e.estimate_method};"
            f" received {e.server_received_at:%Y-%m-%d %H:%M:%S}"
        )
        if e.device_time is not None:
            detail += f"; device clock {ms_text(e.device_time)}"
        if e.clock_suspect:
            detail += "; CLOCK SUSPECT"
        unit = f"{e.unit.callsign} " if e.unit is not None else ""
        rows.append(
            TimelineRow(
                e.estimated_at,
                2,
                "event",
                f"{unit}{e.get_kind_display()}",
                detail,
                f"{e.source}{'/' + e.via if e.via else ''}",
            )
        )
    conflict_ids = list(incident.conflicts.values_list("pk", flat=True))
    audits = AuditEntry.objects.filter(
        Q(object_type="incident", object_id=str(incident.pk))
        | Q(object_type="assignment", object_id__in=[str(i) for i in assignment_ids])
        | Q(object_type="event", object_id__in=[e.pk for e in events])
        | Q(object_type="conflict", object_id__in=[str(i) for i in conflict_ids])
    ).order_by("id")
    for entry in audits:
        rows.append(
            TimelineRow(
                entry.at,
                3,
                "audit",
                entry.action,
                f"#{entry.id} {entry.object_type}:{entry.object_id} {entry.data}",
                entry.actor_label or entry.actor_kind,
            )
        )
    rows.sort(key=lambda r: (r.at, r.order))
    return rows


# --- incidents ---------------------------------------------------------------------------
@admin.register(Incident)
class IncidentAdmin(IncidentDispatchAdminMixin, ScopedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Incidents: the list with response-time columns, the page with the recommendation
    panel and the dispatch commands (from the dispatch work) above the whole timeline."""

    sync_table = SyncTable.INCIDENTS
    change_form_template = "admin/dispatch/incident/change_form_with_dispatch.html"
    list_display = (
        "number",
        "received_at",
        "district",
        "place",
        "channel",
        "category",
        "priority",
        "status",
        "summary_text",
        "assignment_count",
        "first_on_scene",
        "response",
    )
    list_select_related = ("district", "settlement")
    list_filter = (
        "status",
        "priority",
        "channel",
        "category",
        "settlement__zone",
        "restricted",
        "district",
    )
    search_fields = ("number", "external_ref", "summary", "landmark", "settlement__name")
    ordering = ("-received_at",)
    autocomplete_fields = ("settlement", "duplicate_of")
    show_full_result_count = False
    list_per_page = 50
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "number",
                    "status",
                    "priority",
                    "category",
                    "channel",
                    "external_ref",
                    "district",
                    "restricted",
                )
            },
        ),
        ("Place", {"fields": ("settlement", "lat", "lon", "location_source", "landmark")}),
        (
            "Report",
            {
                "fields": (
                    "summary",
                    "description",
                    "caller_name",
                    "caller_phone",
                    "media_links",
                    "risk_flags",
                    "notify_citizen",
                    "citizen_notified_at",
                    "citizen_delay_notified_at",
                )
            },
        ),
        (
            "Times",
            {
                "fields": (
                    "received_at",
                    "created_at",
                    "created_by",
                    "closed_at",
                    "closed_by",
                    "reopened_at",
                )
            },
        ),
        (
            "Outcome",
            {
                "fields": (
                    "disposition",
                    "outcome_code",
                    "outcome_text",
                    "duplicate_of",
                    "registry_kui",
                    "registry_erdr",
                    "registry_erap",
                )
            },
        ),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        first_on_scene = Min("assignments__on_scene_at")
        qs: QuerySet[Any] = super().get_queryset(request)
        annotated: QuerySet[Any] = qs.annotate(
            assignments_n=Count("assignments"),
            first_on_scene_at=first_on_scene,
            response_time=ExpressionWrapper(
                first_on_scene - F("received_at"), output_field=DurationField()
            ),
        )
        return annotated

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False  # incidents arrive through intake and the dispatch API

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if getattr(request.user, "is_superuser", False):
            return (
                "number",
                "district",
                "received_at",
                "created_at",
                "created_by",
                "closed_by",
                "outcome_event",
            )
        return [f.name for f in Incident._meta.fields]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        extra_context = dict(extra_context or {})
        obj = self.get_object(request, object_id)
        if obj is not None:
            if obj.is_dv and request.method == "GET":
                # Every read of a domestic-violence record is audited (Law 214-IV).
                uow.record_read(actor=request.user, obj=obj, purpose="admin.incident_view")
            extra_context["kuzet_timeline"] = incident_timeline(obj)
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description="place")
    def place(self, obj: Incident) -> str:
        if obj.settlement_id:
            return obj.settlement.name  # type: ignore[union-attr]
        return obj.landmark[:40] or "—"

    @admin.display(description="summary")
    def summary_text(self, obj: Incident) -> str:
        if obj.is_dv:
            # Details of DV calls only on the incident page, where the read is audited.
            return "domestic violence (open the incident; reads are audited)"
        return obj.summary[:60]

    @admin.display(description="units", ordering="assignments_n")
    def assignment_count(self, obj: Any) -> int:
        return int(obj.assignments_n)

    @admin.display(description="first on scene", ordering="first_on_scene_at")
    def first_on_scene(self, obj: Any) -> str:
        value = obj.first_on_scene_at
        return f"{value:%d.%m %H:%M}" if value else "—"

    @admin.display(description="response", ordering="response_time")
    def response(self, obj: Any) -> str:
        return duration_text(seconds(obj.response_time))


# --- assignments -------------------------------------------------------------------------
@admin.register(Assignment)
class AssignmentAdmin(AssignmentDispatchAdminMixin, ScopedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg,misc]
    sync_table = SyncTable.ASSIGNMENTS
    scope_path = "incident__district"
    list_display = (
        "pk",
        "incident_link",
        "unit",
        "status",
        "dispatch_source",
        "dispatched_at",
        "ack_latency",
        "response",
        "escalation_level",
        "overdue",
    )
    list_select_related = ("incident", "unit")
    list_filter = ("status", "dispatch_source", "incident__priority", "unit", "incident__district")
    search_fields = ("incident__number", "unit__callsign")
    ordering = ("-dispatched_at",)
    autocomplete_fields = ("incident", "unit", "superseded_by")
    show_full_result_count = False
    list_per_page = 50

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False  # assignments are made by dispatching (the dispatch service)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if getattr(request.user, "is_superuser", False):
            return (
                "incident",
                "unit",
                "dispatched_at",
                "dispatched_by",
                *[f"{m}_event" for m in MILESTONES],
            )
        return [f.name for f in Assignment._meta.fields]

    @admin.display(description="incident", ordering="incident__number")
    def incident_link(self, obj: Assignment) -> str:
        url = reverse("admin:dispatch_incident_change", args=[obj.incident_id])
        return format_html('<a href="{}">{}</a>', url, obj.incident.number)

    @admin.display(description="ack after")
    def ack_latency(self, obj: Assignment) -> str:
        if obj.acknowledged_at is None:
            return "—"
        return duration_text(seconds(obj.acknowledged_at - obj.dispatched_at))

    @admin.display(description="response")
    def response(self, obj: Assignment) -> str:
        if obj.on_scene_at is None:
            return "—"
        return duration_text(seconds(obj.on_scene_at - obj.incident.received_at))

    @admin.display(description="overdue", boolean=True)
    def overdue(self, obj: Assignment) -> bool:
        now = clock.now()
        late_ack = (
            obj.acknowledged_at is None and obj.ack_due_at is not None and obj.ack_due_at < now
        )
        late_arrival = (
            obj.on_scene_at is None and obj.arrive_due_at is not None and obj.arrive_due_at < now
        )
        return obj.is_open and (late_ack or late_arrival)


# --- events ------------------------------------------------------------------------------
def event_scope_q(admin_: ScopedAdminMixin, request: HttpRequest, prefix: str = "") -> Q:
    scope = admin_.district_scope(request)
    if scope.everything:
        return Q()
    return scope.q(f"{prefix}incident__district") | scope.q(f"{prefix}unit__district")


@admin.register(Event)
class EventAdmin(ScopedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Facts are immutable: read-only for everyone."""

    read_only = True
    list_display = (
        "id",
        "kind",
        "source",
        "unit",
        "incident",
        "estimated_at",
        "uncertainty",
        "estimate_method",
        "server_received_at",
        "sync_lag",
        "disposition",
        "clock_suspect",
    )
    list_select_related = ("unit", "incident")
    list_filter = ("kind", "source", "disposition", "estimate_method", "clock_suspect", "unit")
    search_fields = ("id", "incident__number", "unit__callsign")
    ordering = ("-server_received_at",)
    show_full_result_count = False
    list_per_page = 100
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "id",
                    "kind",
                    "source",
                    "via",
                    "assignment",
                    "incident",
                    "unit",
                    "officer",
                    "device",
                    "disposition",
                    "payload",
                    "content_hash",
                )
            },
        ),
        (
            "Raw observations (as the device sent them)",
            {
                "fields": (
                    "device_clock",
                    "boot_id",
                    "elapsed_ms",
                    "gps_clock",
                    "lat",
                    "lon",
                    "accuracy_m",
                )
            },
        ),
        (
            "Time",
            {
                "fields": (
                    "server_received_at",
                    "estimated_at",
                    "estimate_uncertainty_ms",
                    "estimate_method",
                    "clock_suspect",
                    "clock_skew_ms",
                )
            },
        ),
    )

    def scope_q(self, request: HttpRequest) -> Q:
        return event_scope_q(self, request)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        event = self.get_object(request, object_id)
        if event is not None and request.method == "GET":
            incident = event.incident or (event.assignment.incident if event.assignment else None)
            if incident is not None and incident.is_dv:
                # A note or outcome of a DV call carries its details: the read is audited.
                uow.record_read(
                    actor=request.user, obj=incident, purpose="admin.event_view", event_id=event.pk
                )
        return super().change_view(request, object_id, form_url, extra_context)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [f for _, opts in self.fieldsets for f in opts["fields"]]

    @admin.display(description="device clock")
    def device_clock(self, obj: Event) -> str:
        return ms_text(obj.device_time)

    @admin.display(description="GPS time")
    def gps_clock(self, obj: Event) -> str:
        return ms_text(obj.gps_time)

    @admin.display(description="±")
    def uncertainty(self, obj: Event) -> str:
        return uncertainty_text(obj.estimate_uncertainty_ms)

    @admin.display(description="sync lag")
    def sync_lag(self, obj: Event) -> str:
        return duration_text(seconds(obj.server_received_at - obj.estimated_at))


# --- conflicts ---------------------------------------------------------------------------
class ConflictResolveForm(forms.ModelForm):  # type: ignore[type-arg]
    resolution = forms.ChoiceField(choices=Conflict.Resolution.choices)
    resolution_note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), help_text="Why: this goes into the audit log."
    )

    class Meta:
        model = Conflict
        fields = ("resolution", "resolution_note")


@admin.register(Conflict)
class ConflictAdmin(ScopedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """The district chief's conflict queue: both sides, then a resolution with a note."""

    form = ConflictResolveForm
    list_display = (
        "opened_at",
        "kind",
        "state",
        "district",
        "incident",
        "unit",
        "resolution",
        "resolved_by",
    )
    list_select_related = ("district", "incident", "unit", "resolved_by")
    list_filter = ("state", "kind", "district")
    search_fields = ("incident__number", "event__id", "unit__callsign")
    ordering = ("state", "-opened_at")
    show_full_result_count = False
    shown = (
        "kind",
        "state",
        "district",
        "incident",
        "assignment",
        "unit",
        "event",
        "opened_at",
        "both_sides",
    )
    resolved = ("resolution", "resolution_note", "resolved_at", "resolved_by")

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False  # conflicts are opened by the sync rules

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # "Changing" a conflict means resolving it, once.
        if obj is not None and obj.state != Conflict.State.OPEN:
            return False
        return self.can(request, RESOLVE, obj)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and obj.state == Conflict.State.OPEN:
            if self.has_change_permission(request, obj):
                return (*self.shown, "resolution", "resolution_note")
            return self.shown
        return (*self.shown, *self.resolved)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if (
            obj is not None
            and obj.state == Conflict.State.OPEN
            and self.has_change_permission(request, obj)
        ):
            return self.shown
        return (*self.shown, *self.resolved)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        try:
            conflict_resolve(
                conflict=obj,
                by=request.user,
                resolution=form.cleaned_data["resolution"],
                note=form.cleaned_data["resolution_note"],
            )
        except DomainError as exc:
            request._kuzet_refused = exc.detail  # type: ignore[attr-defined]

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        if getattr(request, "_kuzet_refused", None):
            return None
        return super().log_change(request, obj, message)

    def response_change(self, request: HttpRequest, obj: Any) -> HttpResponse:
        refused = getattr(request, "_kuzet_refused", None)
        if refused:
            self.message_user(request, f"Not resolved: {refused}", messages.ERROR)
            return self.response_post_save_change(request, obj)
        return super().response_change(request, obj)

    @admin.display(description="both sides")
    def both_sides(self, obj: Conflict) -> str:
        e = obj.event
        device_rows = [
            ("event", f"{e.get_kind_display()} {e.pk} ({e.source})"),
            ("device clock (raw)", ms_text(e.device_time)),
            (
                "boot / elapsed",
                f"{e.boot_id or '—'} / {e.elapsed_ms if e.elapsed_ms is not None else '—'} ms",
            ),
            ("GPS time", ms_text(e.gps_time)),
            (
                "estimated time",
                f"{e.estimated_at:%Y-%m-%d %H:%M:%S} UTC "
                f"{uncertainty_text(e.estimate_uncertainty_ms)}",
            ),
            ("method", e.get_estimate_method_display()),
            ("received by the server", f"{e.server_received_at:%Y-%m-%d %H:%M:%S} UTC"),
            ("clock suspect", "yes" if e.clock_suspect else "no"),
            ("disposition", e.get_disposition_display()),
        ]
        device_rows += [
            (str(k), json.dumps(v, ensure_ascii=False)) for k, v in sorted(obj.device_side.items())
        ]
        server_rows = [
            (str(k), json.dumps(v, ensure_ascii=False)) for k, v in sorted(obj.server_side.items())
        ]
        a = obj.assignment
        if a is not None:
            for label, value in (
                ("cancelled at", a.cancelled_at),
                ("superseded at", a.superseded_at),
                ("assignment closed at", a.closed_at),
            ):
                if value:
                    server_rows.append((label, f"{value:%Y-%m-%d %H:%M:%S} UTC"))
        if obj.incident is not None and obj.incident.closed_at:
            server_rows.append(
                ("incident closed at", f"{obj.incident.closed_at:%Y-%m-%d %H:%M:%S} UTC")
            )

        def table(rows: list[tuple[str, str]]) -> str:
            return format_html(
                "<table>{}</table>", format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows)
            )

        return format_html(
            '<div style="display:flex;gap:2em"><div><h3>Device</h3>{}</div>'
            "<div><h3>Server</h3>{}</div></div>",
            table(device_rows),
            table(server_rows or [("command", "—")]),
        )


# --- escalation policy and steps ---------------------------------------------------------
@admin.register(EscalationPolicy)
class EscalationPolicyAdmin(ScopedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Deadlines per district, priority and zone; the defaults (no district) belong to the
    oblast administrator, a district's own rows to its chief."""

    list_display = (
        "where",
        "priority",
        "zone",
        "deliver_within_s",
        "ack_within_s",
        "arrive_within_s",
    )
    list_select_related = ("district",)
    list_filter = ("priority", "district")
    ordering = ("district__name", "priority", "zone")

    def scope_q(self, request: HttpRequest) -> Q:
        scope = self.district_scope(request)
        return scope.q("district") | Q(district__isnull=True)

    def can(self, request: HttpRequest, capability: str, obj: Any = None) -> bool:
        if not super().can(request, capability, obj):
            return False
        if obj is not None and obj.district_id is None and capability != "view":
            user: Any = request.user
            return bool(user.is_superuser or user.role == Role.OBLAST_ADMIN)
        return True

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        user: Any = request.user
        if db_field.name == "district" and not (
            user.is_superuser or user.role == Role.OBLAST_ADMIN
        ):
            field.required = True  # a chief's rows are for their district, never the default
            field.empty_label = None
        return field

    @admin.display(description="district", ordering="district__name")
    def where(self, obj: EscalationPolicy) -> str:
        return obj.district.name if obj.district_id else "default (every district)"  # type: ignore[union-attr]


@admin.register(EscalationStep)
class EscalationStepAdmin(ScopedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    read_only = True
    scope_path = "assignment__incident__district"
    list_display = ("assignment", "step", "due_at", "fired_at")
    list_select_related = ("assignment__incident", "assignment__unit")
    list_filter = ("step",)
    ordering = ("-fired_at",)
    show_full_result_count = False


# --- domestic violence ---------------------------------------------------------------------
@admin.register(RiskSubject)
class RiskSubjectAdmin(ScopedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "pk",
        "kind",
        "district",
        "settlement",
        "protective_order_until",
        "prior_dv_calls",
        "last_follow_up_at",
    )
    list_select_related = ("district", "settlement")
    list_filter = ("kind", "district")
    search_fields = ("person_name", "address", "phone")
    autocomplete_fields = ("settlement",)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        obj = self.get_object(request, object_id)
        if obj is not None and request.method == "GET":
            uow.record_read(actor=request.user, obj=obj, purpose="admin.risk_subject_view")
        return super().change_view(request, object_id, form_url, extra_context)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        user: Any = request.user
        if user.is_superuser or user.role == Role.OBLAST_ADMIN or obj is None:
            return ()  # a chief picks the district on add from their own only
        return ("district",)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        user: Any = request.user
        if not change and obj.district_id is None and user.district_id:
            obj.district_id = user.district_id
        super().save_model(request, obj, form, change)


@admin.register(FollowUpTask)
class FollowUpTaskAdmin(ScopedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("incident", "district", "unit", "due_at", "done_at")
    list_select_related = ("incident", "district", "unit")
    list_filter = ("district", "unit")
    search_fields = ("incident__number",)
    autocomplete_fields = ("incident", "unit")
    ordering = ("done_at", "due_at")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if getattr(request.user, "is_superuser", False):
            return ()
        return ("incident", "district", "due_at")

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        task = self.get_object(request, object_id)
        if task is not None and request.method == "GET":
            # A follow-up visit exists only for a DV call: its page is a DV read.
            uow.record_read(
                actor=request.user,
                obj=task.incident,
                purpose="admin.follow_up_view",
                follow_up_id=task.pk,
            )
        return super().change_view(request, object_id, form_url, extra_context)


# --- SMS and intake keys -------------------------------------------------------------------
@admin.register(SmsMessage)
class SmsMessageAdmin(ScopedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    read_only = True
    list_display = (
        "created_at",
        "direction",
        "phone",
        "purpose",
        "state",
        "attempts",
        "sent_at",
        "short_body",
    )
    list_filter = ("direction", "state", "purpose")
    search_fields = ("phone", "reply_code")
    ordering = ("-created_at",)
    show_full_result_count = False

    def scope_q(self, request: HttpRequest) -> Q:
        scope = self.district_scope(request)
        if scope.everything:
            return Q()
        return scope.q("assignment__incident__district") | scope.q("officer__district")

    @admin.display(description="text")
    def short_body(self, obj: SmsMessage) -> str:
        return obj.body[:60]


class IntakeKeyForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = IntakeKey
        fields = ("name", "channel")


@admin.register(IntakeKey)
class IntakeKeyAdmin(ScopedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Integration keys (eGov, Kaspi…) are oblast-wide, not a district's: the oblast
    administrator issues and revokes them. A key is shown once, when issued; only its hash
    is stored."""

    form = IntakeKeyForm
    list_display = (
        "name",
        "channel",
        "prefix",
        "created_at",
        "created_by",
        "last_used_at",
        "revoked_at",
    )
    list_select_related = ("created_by",)
    list_filter = ("channel",)
    search_fields = ("name", "prefix")
    actions = ["revoke"]
    shown = ("name", "channel", "prefix", "created_at", "created_by", "last_used_at", "revoked_at")

    def scope_q(self, request: HttpRequest) -> Q:
        return Q() if self.capabilities(request) else Q(pk__in=[])

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a key is issued or revoked, never edited

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return REVOKE in self.capabilities(request)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("name", "channel") if obj is None else self.shown

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return () if obj is None else self.shown

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        key, raw = intake_key_issue(channel=obj.channel, name=obj.name, by=request.user)
        obj.pk, obj.prefix, obj.key_hash = key.pk, key.prefix, key.key_hash
        obj._state.adding = False
        self.message_user(
            request,
            f"Intake key for {key.name} ({key.channel}): {raw} — give it to the integration "
            "now; it is not stored and will not be shown again.",
            messages.SUCCESS,
        )

    @admin.action(description="Revoke the selected keys", permissions=["revoke"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        revoked = [
            k.name for k in queryset.order_by("pk") if intake_key_revoke(key=k, by=request.user)
        ]
        self.message_user(request, f"Revoked {len(revoked)} key(s).", messages.SUCCESS)
