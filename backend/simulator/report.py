"""What a person watching the simulator sees: a compact live summary, and the end-of-run
check that nothing a phone recorded was lost or stored twice — in the operator's language
(``backend.common.terminal``: the commands run in it), its numbers as the reader writes them.

The summary and the check *read* the database (what was received, what escalated, what
conflicted) — an observer's view; the simulator's actions all went through the API.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rich.table import Table

from backend.common.terminal import number_text
from backend.dispatch import kpis, lifecycle
from backend.dispatch.models import (
    Assignment,
    Conflict,
    EscalationStep,
    Event,
    Incident,
    IncidentEscalationStep,
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
    # rungs of the escalation ladder fired since the run started (:func:`escalations_fired`)
    escalations: int
    conflicts: int
    conflicts_resolved: int  # by the simulated chiefs, this run
    median_response_min: float | None
    dispatches: int
    syncs: int
    sms_replies: int
    ws_events: int
    api_errors: int
    # World seconds per server second (``manage.py simulate --scale``): the median above is
    # the server's, measured on its clock, where a 20-minute drive at 30 took 40 s.
    scale: float = 1.0


def response_times_s(since: dt.datetime) -> list[float]:
    """Response times (DOMAIN.md, as ``backend.dispatch.kpis`` defines them) of the
    incidents received since ``since`` that someone reached."""
    rows = kpis.incidents_with_kpis(Incident.objects.filter(received_at__gte=since))
    times = (getattr(r, "response_s", None) for r in rows.only("id", "received_at"))
    return [float(t) for t in times if t is not None]


def escalations_fired(since: dt.datetime) -> int:
    """The rungs of the escalation ladder the worker fired since ``since``, by when they
    fired, as the worker's log and the chief's reports count them: an assignment's rungs and
    a call's own (a call left waiting for a unit). Counted by the assignment's dispatch, the
    summary read "escalations 0" for the run's first minutes while the worker's log showed
    rungs firing on the assignments the history or an earlier run left open."""
    return (
        EscalationStep.objects.filter(fired_at__gte=since).count()
        + IncidentEscalationStep.objects.filter(fired_at__gte=since).count()
    )


def snapshot(world: World, since: dt.datetime, *, scale: float = 1.0) -> Snapshot:
    """The run's figures since ``since``; ``scale``: the engine's (world seconds per second)."""
    times = response_times_s(since)
    phones = [p for c in world.crews.values() for p in c.phones]
    return Snapshot(
        calls=Incident.objects.filter(received_at__gte=since).count(),
        open_assignments=Assignment.objects.filter(status__in=lifecycle.ASSIGNMENT_OPEN).count(),
        phones_offline=sum(1 for p in phones if not p.online),
        phones=len(phones),
        outbox=sum(p.outbox_size() for p in phones),
        escalations=escalations_fired(since),
        conflicts=Conflict.objects.filter(event__server_received_at__gte=since).count(),
        conflicts_resolved=world.stats.conflicts_resolved,
        median_response_min=statistics.median(times) / 60 if times else None,
        dispatches=world.stats.dispatches,
        syncs=world.stats.syncs,
        sms_replies=len(world.stats.sms_replies),
        ws_events=world.stats.ws_events,
        api_errors=sum(world.stats.errors.values()),
        scale=scale,
    )


def median_text(snap: Snapshot) -> str:
    """The median response in minutes to the tenth, with the reader's decimal mark.

    Compressed (``--scale`` other than 1), the server measured it on its own clock: at 30 a
    crew's 18-minute drive took 36 s, and "0.6 min" read as a world figure — beside the
    history's and the chief's KPIs of 15-20 min — said the district answers in half a minute.
    The figure a person watching the demo compares is the world's (the server's × the scale;
    a slow officer's acknowledgment, timed on the server's clock, weighs a little more in it),
    so it comes first, and the server's own figure, with the scale, after it."""
    if snap.median_response_min is None:
        return "—"
    if snap.scale == 1:
        return _("%(minutes)s min") % {"minutes": number_text(snap.median_response_min, 1)}
    return _("%(world)s min in the world (%(server)s min on the server's clock at ×%(scale)s)") % {
        "world": number_text(snap.median_response_min * snap.scale, 1),
        "server": number_text(snap.median_response_min, 1),
        "scale": number_text(snap.scale),
    }


def summary_table(snap: Snapshot, *, title: str) -> Table:
    table = Table(title=title, show_header=True, header_style="bold")
    for name in (
        _("calls"),
        _("open assignments"),
        _("phones offline"),
        _("outbox"),
        _("escalations"),
        _("conflicts"),
        _("median response"),
    ):
        table.add_column(name, justify="right")
    table.add_row(
        number_text(snap.calls),
        number_text(snap.open_assignments),
        f"{number_text(snap.phones_offline)}/{number_text(snap.phones)}",
        number_text(snap.outbox),
        number_text(snap.escalations),
        _("%(conflicts)s (chiefs resolved %(resolved)s)")
        % {
            "conflicts": number_text(snap.conflicts),
            "resolved": number_text(snap.conflicts_resolved),
        },
        median_text(snap),
    )
    return table


def elapsed_text(seconds: float) -> str:
    """A run's time so far as a clock reads it: 0:30, 1:00, 1:02:05."""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def summary_line(snap: Snapshot) -> str:
    n = number_text
    line = _(
        "calls %(calls)s · open assignments %(open)s · phones offline %(offline)s/%(phones)s "
        "(outbox %(outbox)s) · escalations %(escalations)s · conflicts %(conflicts)s · "
        "resolved by the chiefs %(resolved)s · median response %(median)s · "
        "dispatches %(dispatches)s · syncs %(syncs)s · SMS replies %(sms)s · "
        "socket receipts %(ws)s"
    ) % {
        "calls": n(snap.calls),
        "open": n(snap.open_assignments),
        "offline": n(snap.phones_offline),
        "phones": n(snap.phones),
        "outbox": n(snap.outbox),
        "escalations": n(snap.escalations),
        "conflicts": n(snap.conflicts),
        "resolved": n(snap.conflicts_resolved),
        "median": median_text(snap),
        "dispatches": n(snap.dispatches),
        "syncs": n(snap.syncs),
        "sms": n(snap.sms_replies),
        "ws": n(snap.ws_events),
    }
    if snap.api_errors:
        line += " · " + _("API errors %(n)s") % {"n": n(snap.api_errors)}
    return line


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
        """The check as the operator reads it, in the active language."""
        n = number_text
        counts = {
            "recorded": n(self.events_recorded),
            "stored": n(self.events_stored),
            "lost": n(len(self.lost)),
            "duplicated": n(len(self.duplicated)),
            "rejected": n(len(self.rejected)),
            "left": n(self.outbox_left),
        }
        if self.drained:
            events = _(
                "device events: %(recorded)s recorded on the phones, %(stored)s stored by the "
                "server; lost %(lost)s, duplicated %(duplicated)s, rejected %(rejected)s, "
                "left in outboxes %(left)s"
            )
        else:
            events = _(
                "device events: %(recorded)s recorded on the phones, %(stored)s stored by the "
                "server; lost %(lost)s, duplicated %(duplicated)s, rejected %(rejected)s, "
                "pending in outboxes (kept on the phones) %(left)s"
            )
        out = [
            _("End-of-run check: OK") if self.ok else _("End-of-run check: FAILED"),
            "  " + events % counts,
            "  "
            + _("reports: %(sent)s sent through intake, %(stored)s stored once each; wrong %(bad)s")
            % {
                "sent": n(self.reports_sent),
                "stored": n(self.reports_stored),
                "bad": n(len(self.reports_bad)),
            },
            "  "
            + _("SMS replies: %(sent)s sent by the gateway, %(stored)s stored")
            % {"sent": n(self.sms_sent), "stored": n(self.sms_stored)},
        ]
        for what, ids in (
            (_("lost: %(ids)s"), self.lost),
            (_("duplicated: %(ids)s"), self.duplicated),
        ):
            if ids:
                shown = ", ".join(ids[:20]) + (" …" if len(ids) > 20 else "")
                out.append("  " + what % {"ids": shown})
        for event_id, reason in list(self.rejected.items())[:20]:
            out.append(
                "  " + _("rejected %(event)s: %(reason)s") % {"event": event_id, "reason": reason}
            )
        out.extend("  " + _("report %(report)s") % {"report": r} for r in self.reports_bad[:20])
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
    result.duplicated = [
        _("%(kind)s of assignment %(assignment)s")
        % {"kind": r["kind"], "assignment": r["assignment_id"]}
        for r in twice
    ]
    result.reports_sent = len(world.stats.reports)
    for key, incident_id in world.stats.reports.items():
        channel, ref = key.split(":", 1)
        found = list(
            Incident.objects.filter(channel=channel, external_ref=ref).values_list("pk", flat=True)
        )
        if [str(pk) for pk in found] == [incident_id]:
            result.reports_stored += 1
        else:
            result.reports_bad.append(
                ngettext("%(report)s: %(n)s incident", "%(report)s: %(n)s incidents", len(found))
                % {"report": key, "n": number_text(len(found))}
            )
    result.sms_sent = len(world.stats.sms_replies)
    result.sms_stored = SmsMessage.objects.filter(
        direction=SmsMessage.Direction.IN, provider_id__in=world.stats.sms_replies
    ).count()
    return result
