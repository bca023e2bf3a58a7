"""The duty desk's shift handover (``/admin/reports/handover/``): what the incoming duty
officer inherits, as of now and for the shift just ending, and the outgoing officer's note.

Before it, nothing in Kuzet said what the next shift takes over: the officer going home
told the next one from memory which calls were still open, which crew had not answered,
which phone had gone silent. The page shows, for the officer's districts:

- the calls still open, oldest first, with the units on each and their step, and the
  escalations fired on them (a domestic-violence call without its place: see below);
- the units not available and why (since when), and the units available;
- what waits for the desk now: the desk home's own counts (``desk.DESK_NEEDS``, counted by
  ``selectors.needs_now``), each opening its list;
- what happened during the shift: calls received, dispatched and closed, escalations fired,
  the median and 90th-percentile response (the chief's KPI selectors over the shift);
- the handover notes: the one waiting to be received ("received by … at …"), the last one
  received, and the outgoing officer's own; a printable layout for paper (A4).

The shift: by default the 12-hour shift (08:00–20:00 or 20:00–08:00, Kazakhstan time, UTC+5,
as the reports' shifts) running now — at 19:40 the day shift from 08:00, at 02:00 the night
shift from 20:00 — except in the first :data:`HANDED_OVER_LATE` after a shift's end, when it is
the shift just ended (at 20:15 still the day shift: the relief came late). The officer picks
another start (a 24-hour shift), at most :data:`MAX_SHIFT_HOURS` back; the shift always runs to
now.

Domestic-violence calls: listed as domestic violence with their number, priority and times,
without their place or what the caller said — as the chief's lists (a household in a small
village is identified by its place). Listing them is not a read of their records (the
incident list's rule); their page, one click away, audits the read.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backend.common import clock
from backend.common.errors import DomainError
from backend.common.formatting import NOTHING, span_text
from backend.dispatch import kpis
from backend.dispatch.lifecycle import ASSIGNMENT_OPEN, INCIDENT_OPEN, AssignmentStatus, EventKind
from backend.dispatch.models import (
    Assignment,
    Category,
    EscalationStep,
    Event,
    Incident,
    IncidentEscalationStep,
    SafetyCheck,
)
from backend.geo.models import District, Settlement
from backend.people.access import district_scope
from backend.people.models import UNREACHABLE, Unit, UnitStatus, presence_of, unreachable_cutoff

from . import access, desk, labels, selectors, services, views
from .filters import DAY_SHIFT_HOURS, ReportFilter, local_midnight, local_zone
from .models import Handover

SHIFT_HOURS = 12
MAX_SHIFT_HOURS = 48  # a 24-hour shift and a relief that came late
# A handover is written at a shift's end, a little before or a little after it. It was "the
# shift whose end is nearest to now", and at 02:00 — the middle of the night shift, when the
# end behind (20:00) is nearer than the end ahead (08:00) — the page offered the day shift
# from 08:00, eighteen hours of a shift long gone. Only just after an end is the shift
# handed over the one that ended.
HANDED_OVER_LATE = dt.timedelta(hours=1)
OPEN_CALLS_SHOWN = 100
LIST_PAGE = 50
TEMPLATE = "admin/reports/handover.html"
PRINT_TEMPLATE = "admin/reports/handover_print.html"


# --- words -----------------------------------------------------------------------------------
def moment_text(value: dt.datetime | None) -> str:
    """A moment on Kazakhstan's clock, always with its date (a shift runs over midnight, and
    the printed page is read the next day): ``05.12.2026 19:45``."""
    if value is None:
        return NOTHING
    return f"{timezone.localtime(value, local_zone()):%d.%m.%Y %H:%M}"


# --- the shift -------------------------------------------------------------------------------
def default_shift_start(now: dt.datetime) -> dt.datetime:
    """The start of the 12-hour shift handed over at ``now``: the shift running (08:00–20:00 or
    20:00–08:00 local), or the one just ended within :data:`HANDED_OVER_LATE` of its end."""
    today = timezone.localdate(now, local_zone())
    running = max(
        start
        for d in (-1, 0)
        for h in DAY_SHIFT_HOURS
        if (start := local_midnight(today + dt.timedelta(days=d)) + dt.timedelta(hours=h)) <= now
    )
    if now - running < HANDED_OVER_LATE:
        return running - dt.timedelta(hours=SHIFT_HOURS)
    return running


def recent_shift_starts(now: dt.datetime) -> list[tuple[str, dt.datetime]]:
    """The last start of the day shift and of the night shift before ``now``, with their
    names: the officer's one-click choices of the shift handed over."""
    today = timezone.localdate(now, local_zone())
    out = []
    for key, hour in zip(("day", "night"), DAY_SHIFT_HOURS, strict=True):
        start = local_midnight(today) + dt.timedelta(hours=hour)
        if start >= now:
            start -= dt.timedelta(days=1)
        out.append((str(labels.SHIFT[key]), start))
    return out


# A moment typed as the country writes it, ``05.12.2026 08:00`` — in a plain text field, as the
# reports' days (backend/common/days.py): the browser's own date-time field reads
# "12/05/2026, 08:00 AM" on a Kazakh page in an English-speaking browser. Links send ISO
# (``2026-12-05T08:00``), which is read too.
MOMENT_FORMAT = "%d.%m.%Y %H:%M"


class ShiftForm(forms.Form):
    """When the shift handed over started (``?start=05.12.2026 08:00`` or ISO from a link,
    Kazakhstan time)."""

    start = forms.DateTimeField(
        label=gettext_lazy("Shift started"),
        required=False,
        input_formats=[MOMENT_FORMAT, "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(
            attrs={
                "placeholder": gettext_lazy("dd.mm.yyyy hh:mm"),
                "size": 16,
                "maxlength": 16,
                "autocomplete": "off",
            },
            format=MOMENT_FORMAT,
        ),
        error_messages={"invalid": gettext_lazy("Write the moment as dd.mm.yyyy hh:mm.")},
    )

    def __init__(self, data: Any, *, now: dt.datetime) -> None:
        super().__init__(data)
        self.now = now

    def clean_start(self) -> dt.datetime:
        start: dt.datetime | None = self.cleaned_data.get("start")
        if start is None:
            return default_shift_start(self.now)
        if timezone.is_naive(start):
            start = start.replace(tzinfo=local_zone())
        if start >= self.now:
            raise forms.ValidationError(_("The shift must start before now."), code="future")
        if self.now - start > dt.timedelta(hours=MAX_SHIFT_HOURS):
            raise forms.ValidationError(
                _("A shift handed over started at most %(hours)s hours ago.")
                % {"hours": MAX_SHIFT_HOURS},
                code="too_long",
            )
        return start


def shift_of_request(request: HttpRequest, now: dt.datetime) -> tuple[ShiftForm, dt.datetime]:
    """The shift start the request asks for (``start``), else the default; the form shows
    the start it reports on, and its error when the one asked for is refused."""
    data = request.GET.copy() if request.method == "GET" else request.POST.copy()
    form = ShiftForm(data, now=now)
    start = form.cleaned_data["start"] if form.is_valid() else default_shift_start(now)
    if not form.is_valid():
        return form, start
    # The field shows the start read (the default one too).
    return ShiftForm({"start": timezone.localtime(start, local_zone())}, now=now), start


@dataclass(frozen=True)
class ShiftFilter(ReportFilter):
    """The chief's report filter over a shift: moments, not whole local days, so that the
    KPI selectors (:func:`selectors.kpi_overview`) count the shift's calls."""

    since: dt.datetime | None = None
    until: dt.datetime | None = None

    @property
    def start(self) -> dt.datetime:
        return self.since if self.since is not None else super().start

    @property
    def end(self) -> dt.datetime:
        return self.until if self.until is not None else super().end


def shift_filter(user: Any, *, start: dt.datetime, now: dt.datetime) -> ShiftFilter:
    scope = district_scope(user)
    districts = None if scope.everything else tuple(sorted(scope.district_ids))
    local = timezone.localdate
    return ShiftFilter(
        date_from=local(start, local_zone()),
        date_to=local(now, local_zone()),
        districts=districts,
        since=start,
        until=now,
    )


# --- reads -----------------------------------------------------------------------------------
@dataclass
class OpenCall:
    incident: Incident
    number: str
    href: str
    place: str
    priority: str
    category: str
    dv: bool
    received: str
    waiting: str
    district: str = ""  # for a desk of several districts
    cleared: str = ""  # every unit cleared: the call waits to be closed, not for a unit
    units: list[dict[str, str]] = field(default_factory=list)
    escalations: list[dict[str, str]] = field(default_factory=list)


def open_calls(user: Any, *, now: dt.datetime) -> tuple[list[OpenCall], int]:
    """The calls of the reader's districts still open, oldest first (at most
    :data:`OPEN_CALLS_SHOWN`), and how many there are: four queries whatever their number."""
    scope = district_scope(user)
    several = scope.everything or len(scope.district_ids) > 1
    qs = Incident.objects.filter(scope.q(), status__in=sorted(INCIDENT_OPEN))
    total = qs.count()
    incidents = list(
        qs.select_related("settlement", "district").order_by("received_at", "pk")[:OPEN_CALLS_SHOWN]
    )
    ids = [i.pk for i in incidents]
    units: dict[int, list[dict[str, str]]] = defaultdict(list)
    for a in (
        Assignment.objects.filter(incident_id__in=ids, status__in=ASSIGNMENT_OPEN)
        .select_related("unit")
        .order_by("dispatched_at", "pk")
    ):
        units[a.incident_id].append(
            {"callsign": a.unit.callsign, "step": str(a.get_status_display()), "status": a.status}
        )
    fired: dict[int, list[tuple[dt.datetime, str]]] = defaultdict(list)
    for step in EscalationStep.objects.filter(assignment__incident_id__in=ids).select_related(
        "assignment__unit"
    ):
        label = f"{step.get_step_display()} ({step.assignment.unit.callsign})"
        fired[step.assignment.incident_id].append((step.fired_at, label))
    for call_step in IncidentEscalationStep.objects.filter(incident_id__in=ids):
        fired[call_step.incident_id].append((call_step.fired_at, str(call_step.get_step_display())))
    rows = []
    for incident in incidents:
        dv = incident.category == Category.DOMESTIC_VIOLENCE
        settlement = incident.settlement
        place = (
            _("restricted (domestic violence)")
            if dv
            else (settlement.local_name if settlement else (incident.landmark[:40] or NOTHING))
        )
        rows.append(
            OpenCall(
                incident=incident,
                number=incident.number,
                href=reverse("admin:dispatch_incident_change", args=[incident.pk]),
                place=place,
                priority=incident.priority,
                category=labels.label(labels.CATEGORY, incident.category),
                dv=dv,
                received=moment_text(incident.received_at),
                waiting=span_text((now - incident.received_at).total_seconds()),
                district=incident.district.local_name if several else "",
                cleared=str(incident.get_status_display())
                if incident.status in kpis.CALLS_TO_CLOSE
                else "",
                units=units[incident.pk],
                escalations=[
                    {"when": moment_text(at), "step": text}
                    for at, text in sorted(fired[incident.pk], key=lambda f: f[0])
                ],
            )
        )
    return rows, total


# The units not available, in the order a shift worries about them: an officer in danger, a
# crew nobody hears, then the units at work, then those off.
_UNIT_ORDER = (
    UnitStatus.SOS,
    UNREACHABLE,
    UnitStatus.DISPATCHED,
    UnitStatus.EN_ROUTE,
    UnitStatus.ON_SCENE,
    UnitStatus.TRANSPORTING,
    UnitStatus.BUSY,
    UnitStatus.OUT_OF_SERVICE,
)
_STATUS_WORDS = {str(v): label for v, label in UnitStatus.choices}
_ASSIGNMENT_WORDS = {str(v): label for v, label in AssignmentStatus.choices}


@dataclass(frozen=True)
class UnitsNow:
    unavailable: list[dict[str, Any]]
    available: list[str]


def units_now(user: Any, *, now: dt.datetime) -> UnitsNow:
    """The active units of the reader's districts: those not available, with why and since
    when (``unreachable``: no contact since, the board's rule), the calls they are on; and
    the callsigns of those available."""
    scope = district_scope(user)
    units = list(Unit.objects.filter(scope.q(), active=True).order_by("callsign"))
    on_calls: dict[int, list[str]] = defaultdict(list)
    for unit_id, number in (
        Assignment.objects.filter(unit__in=units, status__in=ASSIGNMENT_OPEN)
        .order_by("dispatched_at", "pk")
        .values_list("unit_id", "incident__number")
    ):
        on_calls[unit_id].append(number)
    cutoff = unreachable_cutoff(now)
    unavailable, available = [], []
    for unit in units:
        presence = presence_of(unit.status, unit.last_contact_at, cutoff=cutoff)
        if presence == UnitStatus.AVAILABLE:
            available.append(unit.callsign)
            continue
        if presence == UNREACHABLE:
            why = _("unreachable")
            since = unit.last_contact_at
            detail = (
                _("no contact since %(time)s") % {"time": moment_text(since)}
                if since
                else _("never in contact")
            )
        else:
            why = str(_STATUS_WORDS.get(unit.status, unit.status))
            since = unit.status_at
            detail = _("since %(time)s") % {"time": moment_text(since)} if since else ""
        unavailable.append(
            {
                "callsign": unit.callsign,
                "presence": presence,
                "why": why,
                "detail": detail,
                "for": span_text((now - since).total_seconds()) if since else "",
                "since_at": since,
                "calls": on_calls[unit.pk],
                "sos": presence == UnitStatus.SOS,
            }
        )
    unavailable.sort(key=lambda u: _UNIT_ORDER.index(u["presence"]))
    return UnitsNow(unavailable, available)


@dataclass(frozen=True)
class ShiftFigures:
    received: int
    dispatched: int
    closed: int
    escalations: int
    response_n: int
    response_p50: str
    response_p90: str
    # officers' SOS presses during the shift, the units that pressed (an SOS cleared before
    # the note left no trace on the page: the units in SOS are those still in it)
    sos: int = 0
    sos_units: str = ""
    # crews silent on scene the board put before the desk (officer-safety checks), the units,
    # and how many nobody has answered yet
    safety: int = 0
    safety_units: str = ""
    safety_unanswered: int = 0
    # exercise calls received during the shift: in no figure above (kpis.counted_q)
    exercises: int = 0


def shift_figures(f: ShiftFilter, *, now: dt.datetime) -> ShiftFigures:
    """What happened during the shift: calls received (repeat reports are not calls), calls a
    unit was sent to, calls closed, escalation rungs fired; the response of the shift's calls
    (median, 90th percentile) from the chief's KPI selectors."""
    overview = selectors.kpi_overview(f, now=now)
    response = overview.total(selectors.KPI_BY_KEY["response"])
    # Exercise calls are not the shift's figures (kpis.counted_q), as the KPI selectors'.
    districts = kpis.counted_q() & (Q() if f.districts is None else Q(district_id__in=f.districts))
    during = {"__gte": f.start, "__lt": f.end}

    def within(path: str) -> dict[str, dt.datetime]:
        return {path + k: v for k, v in during.items()}

    dispatched = (
        Incident.objects.filter(districts)
        .filter(pk__in=Assignment.objects.filter(**within("dispatched_at")).values("incident"))
        .count()
    )
    closed = Incident.objects.filter(districts, status="closed", **within("closed_at")).count()
    steps = (
        EscalationStep.objects.filter(
            Q() if f.districts is None else Q(assignment__incident__district_id__in=f.districts),
            kpis.counted_q("assignment__incident__"),
            **within("fired_at"),
        ).count()
        + IncidentEscalationStep.objects.filter(
            Q() if f.districts is None else Q(incident__district_id__in=f.districts),
            kpis.counted_q("incident__"),
            **within("fired_at"),
        ).count()
    )
    pressed = list(
        Event.objects.filter(
            Q() if f.districts is None else Q(unit__district_id__in=f.districts),
            kind=EventKind.SOS,
            **within("estimated_at"),
        )
        .order_by("estimated_at")
        .values_list("unit__callsign", flat=True)
    )
    checks = list(
        SafetyCheck.objects.filter(
            Q() if f.districts is None else Q(assignment__incident__district_id__in=f.districts),
            **within("fired_at"),
        )
        .order_by("fired_at")
        .values_list("assignment__unit__callsign", "checked_at")
    )
    return ShiftFigures(
        safety=len(checks),
        safety_units=", ".join(dict.fromkeys(c for c, _ in checks)),
        safety_unanswered=sum(1 for _, checked in checks if checked is None),
        sos=len(pressed),
        sos_units=", ".join(dict.fromkeys(c for c in pressed if c)),
        received=overview.incident_count,
        dispatched=dispatched,
        closed=closed,
        escalations=steps,
        response_n=response.n,
        response_p50=span_text(response.p50),
        response_p90=span_text(response.p90),
        exercises=f.exercises_left_out(),
    )


def as_written(calls: list[OpenCall], total: int, units: UnitsNow) -> dict[str, Any]:
    """What the desk stood at as the note is written, kept on the handover: the open calls
    and the units not available, as codes and times (read in the reader's language later,
    :func:`as_written_rows`)."""
    return {
        "calls_total": total,
        "calls": [
            {
                "incident_id": c.incident.pk,
                "number": c.number,
                "priority": c.priority,
                "category": c.incident.category,
                "settlement_id": c.incident.settlement_id,
                "received_at": c.incident.received_at.isoformat(),
                "units": [[u["callsign"], u["status"]] for u in c.units],
            }
            for c in calls
        ],
        "units": [
            {
                "callsign": u["callsign"],
                "presence": u["presence"],
                "since": u["since_at"].isoformat() if u["since_at"] else None,
            }
            for u in units.unavailable
        ],
    }


def as_written_rows(h: Handover) -> dict[str, Any] | None:
    """The desk as it stood when ``h`` was written, in the reader's words; None for a
    handover written before Kuzet kept it."""
    kept = h.as_written or {}
    if not kept:
        return None
    settlements = {
        s.pk: s.local_name
        for s in Settlement.objects.filter(
            pk__in=[c["settlement_id"] for c in kept["calls"] if c["settlement_id"]]
        )
    }

    def waited(since: str | None) -> str:
        return (
            span_text((h.written_at - dt.datetime.fromisoformat(since)).total_seconds())
            if since
            else ""
        )

    calls = []
    for c in kept["calls"]:
        dv = c["category"] == Category.DOMESTIC_VIOLENCE
        calls.append(
            {
                "number": c["number"],
                "href": reverse("admin:dispatch_incident_change", args=[c["incident_id"]]),
                "priority": c["priority"],
                "category": labels.label(labels.CATEGORY, c["category"]),
                "place": _("restricted (domestic violence)")
                if dv
                else settlements.get(c["settlement_id"], NOTHING),
                "waiting": waited(c["received_at"]),
                "units": ", ".join(
                    f"{callsign}: {_ASSIGNMENT_WORDS.get(status, status)}"
                    for callsign, status in c["units"]
                )
                or _("no unit"),
            }
        )
    units = [
        {
            "callsign": u["callsign"],
            "why": _("unreachable")
            if u["presence"] == UNREACHABLE
            else str(_STATUS_WORDS.get(u["presence"], u["presence"])),
            "for": waited(u["since"]),
        }
        for u in kept["units"]
    ]
    return {"calls": calls, "calls_total": kept["calls_total"], "units": units}


def handover_row(h: Handover, *, now: dt.datetime) -> dict[str, Any]:
    """A handover in words: whose, for which shift, the note, who received it and when."""
    return {
        "handover": h,
        "href": reverse("admin:reports_handover_detail", args=[h.pk]),
        "desk": h.district.local_name if h.district_id else h.oblast.local_name,  # type: ignore[union-attr]
        "shift": f"{moment_text(h.shift_start)} – {moment_text(h.written_at)}",
        "written_by": h.written_by.display_name,
        "written_at": moment_text(h.written_at),
        "note": h.note,
        "received_by": h.acknowledged_by.display_name if h.acknowledged_by else "",
        "received_at": moment_text(h.acknowledged_at) if h.acknowledged_at else "",
        "waiting": span_text((now - h.written_at).total_seconds()) if not h.acknowledged_at else "",
    }


def _related(qs: QuerySet[Handover]) -> QuerySet[Handover]:
    return qs.select_related("written_by", "acknowledged_by", "district", "oblast")


def desk_handovers(user: Any) -> QuerySet[Handover]:
    """A duty officer's desk's handovers; a reader's: every one he may read."""
    mine = access.desk_of(user)
    visible = access.handovers_visible(user)
    return _related(visible.filter(mine.q()) if mine is not None else visible)


def districts_text(user: Any) -> str:
    scope = district_scope(user)
    if scope.everything:
        return _("all districts")
    return ", ".join(
        d.local_name for d in District.objects.filter(pk__in=sorted(scope.district_ids))
    )


# --- views -----------------------------------------------------------------------------------
# Duty officers and the console's readers.
desk_page = views.console_view(access.reads_handovers, no_store=True)


@desk_page
def handover_page(site: Any, request: HttpRequest) -> HttpResponse:
    """The handover as of now for the shift from ``?start=`` (GET; ``?layout=print`` for
    paper); POST: the outgoing duty officer's note (``note``, ``start``)."""
    now = clock.now()
    form, start = shift_of_request(request, now)
    note_error = ""
    if request.method == "POST":
        if not access.writes_handovers(request.user):
            raise PermissionDenied
        if form.is_valid():
            calls, total = open_calls(request.user, now=now)
            try:
                services.handover_write(
                    by=request.user,
                    shift_start=start,
                    note=request.POST.get("note", ""),
                    as_written=as_written(calls, total, units_now(request.user, now=now)),
                )
            except DomainError as exc:
                note_error = exc.detail
            else:
                query = "?start=" + _query(start)
                return HttpResponseRedirect(reverse("admin:reports_handover") + query + "#notes")
    context = handover_context(request, form, start, now=now)
    if note_error:
        context["note_error"] = note_error
        context["note_text"] = request.POST.get("note", "")
    printable = request.method == "GET" and request.GET.get("layout") == "print"
    status = 400 if (not form.is_valid() or note_error) else 200
    return views._page(
        site, request, PRINT_TEMPLATE if printable else TEMPLATE, context, status=status
    )


def handover_context(
    request: HttpRequest, form: ShiftForm, start: dt.datetime, *, now: dt.datetime
) -> dict[str, Any]:
    user = request.user
    f = shift_filter(user, start=start, now=now)
    calls, calls_total = open_calls(user, now=now)
    handovers = desk_handovers(user)
    to_receive = [
        handover_row(h, now=now)
        for h in handovers.filter(acknowledged_at__isnull=True).order_by("-written_at")
    ]
    for row in to_receive:
        row["may_receive"] = access.may_receive(user, row["handover"])
    last_received = handovers.filter(acknowledged_at__isnull=False).order_by("-written_at").first()
    mine = next((r for r in to_receive if r["handover"].written_by_id == user.pk), None)
    start_query = _query(start)
    return {
        "title": _("Shift handover"),
        "form": form,
        "shift_text": _("%(start)s – now (%(now)s)")
        % {"start": moment_text(start), "now": moment_text(now)},
        "shift_length": span_text((now - start).total_seconds()),
        "districts_text": districts_text(user),
        "generated": moment_text(now),
        "reader": user,
        "needs": views.needs_rows(desk.DESK_NEEDS, selectors.needs_now(user, now=now)),
        "calls": calls,
        "calls_total": calls_total,
        "calls_more": max(0, calls_total - len(calls)),
        "units": units_now(user, now=now),
        "figures": shift_figures(f, now=now),
        "to_receive": to_receive,
        "last_received": handover_row(last_received, now=now) if last_received else None,
        "writes": access.writes_handovers(user),
        "mine": mine,
        "note_text": mine["note"] if mine else "",
        "note_max": services.NOTE_MAX,
        "start_value": start_query,
        "print_url": reverse("admin:reports_handover") + "?layout=print&start=" + start_query,
        "shift_choices": [
            {"label": label, "href": reverse("admin:reports_handover") + "?start=" + _query(s)}
            for label, s in recent_shift_starts(now)
        ],
        "list_url": reverse("admin:reports_handovers"),
    }


def _query(start: dt.datetime) -> str:
    """A shift start as the form reads it: local time, to the minute."""
    return timezone.localtime(start, local_zone()).strftime("%Y-%m-%dT%H:%M")


@desk_page
def handover_detail(site: Any, request: HttpRequest, pk: int) -> HttpResponse:
    """A handover as written, and who received it; POST: the incoming duty officer receives
    it. Not one of the reader's desks: 404."""
    handover = access.access_handover(request.user, pk)
    if handover is None:
        raise Http404
    error = ""
    if request.method == "POST":
        if not access.writes_handovers(request.user):
            raise PermissionDenied
        try:
            services.handover_receive(handover=handover, by=request.user)
        except DomainError as exc:
            if exc.status == 403:
                raise PermissionDenied from exc
            error = exc.detail
        else:
            return HttpResponseRedirect(reverse("admin:reports_handover") + "#notes")
    now = clock.now()
    context = {
        "title": _("Shift handover"),
        "row": handover_row(handover, now=now),
        "as_written": as_written_rows(handover),
        "may_receive": access.may_receive(request.user, handover),
        "error": error,
        "list_url": reverse("admin:reports_handovers"),
        "page_url": reverse("admin:reports_handover"),
    }
    return views._page(
        site, request, "admin/reports/handover_detail.html", context, status=409 if error else 200
    )


@desk_page
def handovers_list(site: Any, request: HttpRequest) -> HttpResponse:
    """The desk's past handovers, newest first."""
    now = clock.now()
    page = Paginator(desk_handovers(request.user).order_by("-written_at", "-pk"), LIST_PAGE)
    shown = page.get_page(request.GET.get("page"))
    context = {
        "title": _("Past shift handovers"),
        "page": shown,
        "rows": [handover_row(h, now=now) for h in shown.object_list],
        "several_desks": access.desk_of(request.user) is None,
        "page_url": reverse("admin:reports_handover"),
    }
    return views._page(site, request, "admin/reports/handovers.html", context)
