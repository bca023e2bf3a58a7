"""What a person watching the simulator sees: a compact live summary, and the end-of-run
check that nothing a phone recorded was lost or stored twice.

The summary and the check *read* the database (what was received, what escalated, what
conflicted) — an observer's view; the simulator's actions all went through the API.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field

from django.db.models import Count
from rich.table import Table

from backend.dispatch import kpis, lifecycle
from backend.dispatch.models import (
    Assignment,
    Conflict,
    EscalationStep,
    Event,
    Incident,
    SmsMessage,
)

from .world import World

MILESTONES = lifecycle.MILESTONE_KINDS


@dataclass(frozen=True)
class Snapshot:
    calls: int
    open_assignments: int
    phones_offline: int
    phones: int
    outbox: int
    escalations: int
    conflicts: int
    conflicts_resolved: int  # by the simulated chiefs, this run
    median_response_min: float | None
    dispatches: int
    syncs: int
    sms_replies: int
    ws_events: int
    api_errors: int


def response_times_s(since: dt.datetime) -> list[float]:
    """Response times (DOMAIN.md, as ``backend.dispatch.kpis`` defines them) of the
    incidents received since ``since`` that someone reached."""
    rows = kpis.incidents_with_kpis(Incident.objects.filter(received_at__gte=since))
    times = (getattr(r, "response_s", None) for r in rows.only("id", "received_at"))
    return [float(t) for t in times if t is not None]


def snapshot(world: World, since: dt.datetime) -> Snapshot:
    times = response_times_s(since)
    phones = [p for c in world.crews.values() for p in c.phones]
    return Snapshot(
        calls=Incident.objects.filter(received_at__gte=since).count(),
        open_assignments=Assignment.objects.filter(status__in=lifecycle.ASSIGNMENT_OPEN).count(),
        phones_offline=sum(1 for p in phones if not p.online),
        phones=len(phones),
        outbox=sum(p.outbox_size() for p in phones),
        escalations=EscalationStep.objects.filter(assignment__dispatched_at__gte=since).count(),
        conflicts=Conflict.objects.filter(event__server_received_at__gte=since).count(),
        conflicts_resolved=world.stats.conflicts_resolved,
        median_response_min=statistics.median(times) / 60 if times else None,
        dispatches=world.stats.dispatches,
        syncs=world.stats.syncs,
        sms_replies=len(world.stats.sms_replies),
        ws_events=world.stats.ws_events,
        api_errors=sum(world.stats.errors.values()),
    )


def summary_table(snap: Snapshot, *, title: str) -> Table:
    table = Table(title=title, show_header=True, header_style="bold")
    for name in (
        "calls",
        "open assignments",
        "phones offline",
        "outbox",
        "escalations",
        "conflicts",
        "median response",
    ):
        table.add_column(name, justify="right")
    median = "—" if snap.median_response_min is None else f"{snap.median_response_min:.1f} min"
    table.add_row(
        str(snap.calls),
        str(snap.open_assignments),
        f"{snap.phones_offline}/{snap.phones}",
        str(snap.outbox),
        str(snap.escalations),
        f"{snap.conflicts} (chiefs resolved {snap.conflicts_resolved})",
        median,
    )
    return table


def elapsed_text(seconds: float) -> str:
    """A run's time so far as a clock reads it: 0:30, 1:00, 1:02:05."""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def summary_line(snap: Snapshot) -> str:
    median = "—" if snap.median_response_min is None else f"{snap.median_response_min:.1f} min"
    return (
        f"calls {snap.calls} · open assignments {snap.open_assignments} · phones offline "
        f"{snap.phones_offline}/{snap.phones} (outbox {snap.outbox}) · escalations "
        f"{snap.escalations} · conflicts {snap.conflicts} · resolved by the chiefs "
        f"{snap.conflicts_resolved} · median response {median} · "
        f"dispatches {snap.dispatches} · syncs {snap.syncs} · SMS replies {snap.sms_replies}"
        f" · socket receipts {snap.ws_events}"
        + (f" · API errors {snap.api_errors}" if snap.api_errors else "")
    )


@dataclass
class Check:
    """The end-of-run check. ``ok`` when nothing was lost or duplicated."""

    events_recorded: int = 0
    events_stored: int = 0
    lost: list[str] = field(default_factory=list)
    rejected: dict[str, str] = field(default_factory=dict)
    duplicated: list[str] = field(default_factory=list)
    outbox_left: int = 0
    reports_sent: int = 0
    reports_stored: int = 0
    reports_bad: list[str] = field(default_factory=list)
    sms_sent: int = 0
    sms_stored: int = 0
    drained: bool = True
    pending: set[str] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return not (
            self.lost
            or self.duplicated
            or self.rejected
            or (self.drained and self.outbox_left)
            or self.reports_bad
            or self.sms_sent != self.sms_stored
        )

    def lines(self) -> list[str]:
        verdict = "OK" if self.ok else "FAILED"
        out = [
            f"End-of-run check: {verdict}",
            f"  device events: {self.events_recorded} recorded on the phones, "
            f"{self.events_stored} stored by the server; lost {len(self.lost)}, "
            f"duplicated {len(self.duplicated)}, rejected {len(self.rejected)}, "
            f"{'left in outboxes' if self.drained else 'pending in outboxes (kept on the phones)'}"
            f" {self.outbox_left}",
            f"  reports: {self.reports_sent} sent through intake, {self.reports_stored} stored "
            f"once each; wrong {len(self.reports_bad)}",
            f"  SMS replies: {self.sms_sent} sent by the gateway, {self.sms_stored} stored",
        ]
        for what, ids in (("lost", self.lost), ("duplicated", self.duplicated)):
            if ids:
                out.append(f"  {what}: {', '.join(ids[:20])}{' …' if len(ids) > 20 else ''}")
        for event_id, reason in list(self.rejected.items())[:20]:
            out.append(f"  rejected {event_id}: {reason}")
        out.extend(f"  report {r}" for r in self.reports_bad[:20])
        return out


def check(world: World, *, carried: dict[str, set[str]], drained: bool) -> Check:
    """Compare what the phones recorded (this run, plus what they carried over in their
    outboxes from an earlier run) with what the server stored.

    ``drained``: every phone was back in coverage and synced, so an event still in an
    outbox is a failure. Otherwise (history ends with crews in white spots; Ctrl-C stops the
    server with the simulator) an event still in its phone's outbox is *pending* — safe on
    the phone, pushed by the next run — and only an event neither stored nor pending is lost.
    """
    result = Check(drained=drained)
    expected: dict[str, str] = {}  # event id → device id
    for crew in world.crews.values():
        for phone in crew.phones:
            device_id = phone.client.device_id or ""
            for event_id in {*phone.recorded, *carried.get(phone.username, set())}:
                expected[event_id] = device_id
            outbox = {e["id"] for e in phone.client.outbox()}
            result.outbox_left += len(outbox)
            result.pending |= outbox
            for event_id, (reason, detail) in phone.client.rejected().items():
                if event_id in expected:
                    result.rejected[event_id] = f"{reason}: {detail}"
    result.events_recorded = len(expected)
    stored: dict[str, str] = {}
    ids = list(expected)
    for start in range(0, len(ids), 2000):
        stored.update(
            Event.objects.filter(pk__in=ids[start : start + 2000]).values_list("pk", "device_id")
        )
    result.events_stored = sum(1 for i, d in stored.items() if expected.get(i) == d)
    result.lost = sorted(
        i
        for i in expected
        if i not in stored and i not in result.rejected and (drained or i not in result.pending)
    )
    # A fact recorded once must be stored once: no milestone twice from one phone.
    twice = (
        Event.objects.filter(pk__in=ids, kind__in=MILESTONES)
        .values("assignment_id", "kind", "device_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    )
    result.duplicated = [f"{r['kind']} of assignment {r['assignment_id']}" for r in twice]
    result.reports_sent = len(world.stats.reports)
    for key, incident_id in world.stats.reports.items():
        channel, ref = key.split(":", 1)
        found = list(
            Incident.objects.filter(channel=channel, external_ref=ref).values_list("pk", flat=True)
        )
        if [str(pk) for pk in found] == [incident_id]:
            result.reports_stored += 1
        else:
            result.reports_bad.append(f"{key}: {len(found)} incidents")
    result.sms_sent = len(world.stats.sms_replies)
    result.sms_stored = SmsMessage.objects.filter(
        direction=SmsMessage.Direction.IN, provider_id__in=world.stats.sms_replies
    ).count()
    return result
