"""An incident's whole story in time order, as the incident page shows it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q

from backend.ledger.models import AuditEntry

from ..models import Event, Incident
from .formatting import ms_text, uncertainty_text, when_text


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
                f"assignment #{a.pk}, now {a.get_status_display()}"
                + (f", ack due {when_text(a.ack_due_at)}" if a.ack_due_at else ""),
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
            f" received {when_text(e.server_received_at)}"
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
