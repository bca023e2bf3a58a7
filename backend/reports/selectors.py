"""The district chief's figures, read from the KPI expressions of
:mod:`backend.dispatch.kpis` and aggregated by the database (:mod:`.percentiles`).

Every function takes a :class:`~.filters.ReportFilter` (period, districts within the reader's
scope, narrowing) and the server time ``now`` (SLA and "not delivered within 60 s" depend on
whether a deadline has passed). Incident-level figures (call processing, response, SLA)
count incidents; assignment-level figures (delivery, acknowledgement, turnout, travel, time
on scene) count assignments — an incident with two units counts twice there.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, FloatField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import TruncWeek
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from backend.devices.models import Device, device_silent_q
from backend.dispatch import kpis
from backend.dispatch.lifecycle import EventKind
from backend.dispatch.models import (
    Assignment,
    Category,
    CoaoArticle,
    Conflict,
    EscalationStep,
    EstimateMethod,
    Event,
    EventSource,
    FollowUpTask,
    Incident,
    IncidentEscalationStep,
    OutcomeCode,
    RiskSubject,
)
from backend.geo.models import District, Okrug, Settlement, in_reader_language
from backend.ledger.actions import AuditAction, admin_edit
from backend.ledger.models import AuditEntry
from backend.people.access import district_scope
from backend.people.models import Unit, UnitStatus
from backend.sync_gateway.models import QuarantinedRecord

from . import labels
from .filters import NONE, REPEATS_ONLY, ReportFilter, local_zone, shift_of
from .percentiles import EMPTY, Aggregated, Group, Stat, aggregate

INCIDENT, ASSIGNMENT, EVENT = "incident", "assignment", "event"
DURATION, SHARE = "duration", "share"
BOX = (0.1, 0.25, 0.5, 0.75, 0.9)  # the fractions a box plot is drawn from


@dataclass(frozen=True)
class Kpi:
    key: str
    label: Promise
    level: str  # INCIDENT or ASSIGNMENT: what is counted
    field: str  # the annotation of backend.dispatch.kpis
    kind: str  # DURATION (seconds) or SHARE (1/0 per row)
    definition: Promise


KPIS: tuple[Kpi, ...] = (
    Kpi("call_processing", _("Call processing"), INCIDENT, "call_processing_s", DURATION,
        _("first dispatch − call received")),
    Kpi("delivery", _("Delivery to the crew"), ASSIGNMENT, "delivery_s", DURATION,
        _("delivered to the handset − dispatched")),
    Kpi("acknowledge", _("Acknowledgement"), ASSIGNMENT, "acknowledge_s", DURATION,
        _("acknowledged − dispatched")),
    Kpi("turnout", _("Turnout"), ASSIGNMENT, "turnout_s", DURATION, _("en route − dispatched")),
    Kpi("travel", _("Travel"), ASSIGNMENT, "travel_s", DURATION, _("on scene − en route")),
    Kpi("response", _("Response time"), INCIDENT, "response_s", DURATION,
        _("first unit on scene − call received")),
    Kpi("on_scene", _("Time on scene"), ASSIGNMENT, "on_scene_s", DURATION,
        _("cleared − on scene")),
    Kpi("sla", _("Arrival target met"), INCIDENT, "sla_met", SHARE,
        _("share of calls whose first unit was on scene by the target of their priority and zone")),
    # The unit's own response (its arrival − the call): the response figure of a unit slice.
    Kpi("unit_response", _("Response time (this unit)"), ASSIGNMENT, "response_s", DURATION,
        _("this unit on scene − call received")),
)  # fmt: skip
KPI_BY_KEY = {k.key: k for k in KPIS}
# The KPIs of the dashboard's tables, in DOMAIN.md's order.
DASHBOARD_KPIS = tuple(k for k in KPIS if k.key != "unit_response")


@dataclass(frozen=True)
class Slice:
    key: str
    label: Promise
    incident_path: str | None  # None: incident figures are not cut this way
    assignment_path: str
    codes: Mapping[str, Promise] | None = None  # names of coded keys


SLICES: tuple[Slice, ...] = (
    Slice("zone", _("zone"), "settlement__zone", "incident__settlement__zone", labels.ZONE),
    Slice("priority", _("priority"), "priority", "incident__priority", labels.PRIORITY),
    Slice("channel", _("channel"), "channel", "incident__channel", labels.CHANNEL),
    Slice("unit", _("unit"), None, "unit_id"),
    # The rural okrug of the call's village: the chief's villages a level up, as the akimat
    # and the oblast group them (the villages' okrug was a filter only).
    Slice("okrug", _("rural okrug"), "settlement__okrug_id", "incident__settlement__okrug_id"),
    Slice("settlement", _("settlement"), "settlement_id", "incident__settlement_id"),
    Slice("shift", _("shift"), "shift", "shift", labels.SHIFT),
    Slice("district", _("district"), "district_id", "incident__district_id"),
)
SLICE_BY_KEY = {s.key: s for s in SLICES}


# --- rows ------------------------------------------------------------------------------------
def incident_rows(f: ReportFilter, *, now: dt.datetime) -> QuerySet[Incident]:
    """The filter's incidents with every incident KPI and their shift."""
    return kpis.incidents_with_sla(f.incidents(), now=now).annotate(
        shift=shift_of("received_at"),
        week=TruncWeek("received_at", tzinfo=local_zone()),
        app_confirmed=kpis.app_confirmed(),
    )


def assignment_rows(f: ReportFilter, *, now: dt.datetime) -> QuerySet[Assignment]:
    """The filter's assignments with every assignment KPI and their call's shift."""
    return kpis.assignments_with_quality(f.assignments(), now=now).annotate(
        shift=shift_of("incident__received_at")
    )


# --- the dashboard ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Overview:
    """Every KPI over the filter, and over the keys of one slice."""

    filter: ReportFilter
    slice: Slice | None
    incidents: Aggregated
    assignments: Aggregated

    def total(self, kpi: Kpi) -> Stat:
        return self._source(kpi).total[kpi.key]

    @property
    def incident_count(self) -> int:
        return self.incidents.total.rows

    @property
    def assignment_count(self) -> int:
        return self.assignments.total.rows

    def keys(self) -> list[Any]:
        if self.slice is None:
            return []
        keys = set(self.assignments.slice(self.slice.key))
        if self.slice.incident_path is not None:
            keys |= set(self.incidents.slice(self.slice.key))
        codes = self.slice.codes
        if codes is None:  # places, units, districts: by name (slice_table, key_names)
            return sorted(keys, key=lambda k: (k is None, str(k)))
        return sorted(keys, key=lambda k: labels.code_order(dict(codes), k))

    def group(self, kpi: Kpi, key: Any) -> Stat:
        """``kpi`` over the rows of slice key ``key`` (a unit's response is its own arrival)."""
        assert self.slice is not None
        if self.slice.incident_path is None and kpi.level == INCIDENT:
            if kpi.key != "response":
                return EMPTY  # call processing and SLA belong to the call, not to a unit
            kpi = KPI_BY_KEY["unit_response"]
        source = self._source(kpi).slice(self.slice.key)
        return source.get(key, Group(rows=0, stats={}))[kpi.key]

    def rows_of(self, key: Any) -> int:
        assert self.slice is not None
        level = self.incidents if self.slice.incident_path is not None else self.assignments
        group = level.slice(self.slice.key).get(key)
        return 0 if group is None else group.rows

    def _source(self, kpi: Kpi) -> Aggregated:
        return self.incidents if kpi.level == INCIDENT else self.assignments


def kpi_overview(f: ReportFilter, *, now: dt.datetime, by: str | None = None) -> Overview:
    """Every KPI of DOMAIN.md (count, median, 90th percentile; SLA as a share) for the
    filter, and per key of the slice ``by`` (zone, priority, channel, unit, okrug,
    settlement, shift, district). Two statements: one over incidents, one over assignments."""
    chosen = SLICE_BY_KEY.get(by) if by else None
    incident_values = {k.key: k.field for k in KPIS if k.level == INCIDENT}
    assignment_values = {k.key: k.field for k in KPIS if k.level == ASSIGNMENT}
    incident_slices = {chosen.key: chosen.incident_path} if chosen and chosen.incident_path else {}
    assignment_slices = {chosen.key: chosen.assignment_path} if chosen else {}
    return Overview(
        filter=f,
        slice=chosen,
        incidents=aggregate(
            incident_rows(f, now=now), values=incident_values, slices=incident_slices
        ),
        assignments=aggregate(
            assignment_rows(f, now=now), values=assignment_values, slices=assignment_slices
        ),
    )


def key_names(slice_key: str, keys: Iterable[Any]) -> dict[Any, str]:
    """What to call the keys of a slice: coded names, or the settlements', okrugs', units'
    and districts' own names (read by id, only the ones asked for)."""
    keys = list(keys)
    chosen = SLICE_BY_KEY[slice_key]
    if chosen.codes is not None:
        return {k: labels.label(dict(chosen.codes), k) for k in keys}
    ids = [k for k in keys if k is not None]
    model: Any = {"settlement": Settlement, "okrug": Okrug, "unit": Unit, "district": District}[
        slice_key
    ]
    if model is Unit:
        names = dict(Unit.objects.filter(pk__in=ids).values_list("pk", "callsign"))
    else:  # a place, in the reader's language
        names = {
            pk: in_reader_language(name, name_kk)
            for pk, name, name_kk in model.objects.filter(pk__in=ids).values_list(
                "pk", "name", "name_kk"
            )
        }
    return {k: (names.get(k, str(k)) if k is not None else str(labels.NONE_KEY)) for k in keys}


def slice_filter_value(slice_key: str, key: Any) -> dict[str, Any]:
    """The filter parameters that select a slice key (a figure's drill-down link)."""
    value = NONE if key is None else key
    if slice_key == "district":
        return {"district": value}
    return {slice_key: value}


# --- villages: waiting for coverage and travel ------------------------------------------------
@dataclass(frozen=True)
class Village:
    settlement_id: int | None
    name: str
    okrug: str
    district: str
    zone: str
    coverage: str
    road_km: float | None
    incidents: int
    response: Stat
    sla: Stat
    coverage_wait: Stat  # delivery to the crew: where the crew's phone was at dispatch
    travel: Stat
    heard: Stat  # heard from the village: the crew's on-scene tap → the server


def heard_from_village_s() -> Subquery:
    """Per assignment, how late the village was heard: the seconds from its crew's "on scene"
    tap on the field app (its estimated time) to the server's receipt of it — the tap is the
    one fact certainly made in the village, and while a white spot holds it on the phone
    the desk does not know the crew is there. NULL when the phone sent no such tap (an
    arrival reported by radio or SMS says nothing of the village's coverage: its time is
    the server's own).

    A tap whose time rests on nothing but a suspect wall clock (``clock_suspect`` with the
    ``device_clock`` method — the conflict queue's question, ``sync.timing.needs_conflict``)
    is not measured: clamped to the dispatch or the receipt, its lag would be made up. A
    suspect phone's tap timed by its boot's elapsed clock or by GPS is (PROTOCOL.md §6.7:
    the flag says the wall clock is wrong, not the estimate). Of several taps, the first."""
    taps = (
        Event.objects.filter(
            assignment=OuterRef("pk"), kind=EventKind.ON_SCENE, source=EventSource.APP
        )
        .exclude(clock_suspect=True, estimate_method=EstimateMethod.DEVICE_CLOCK)
        .order_by("estimated_at", "pk")
        .annotate(lag=kpis.Seconds(F("server_received_at"), F("estimated_at")))
    )
    return Subquery(taps.values("lag")[:1], output_field=FloatField())


def with_heard_from_village(qs: QuerySet[Assignment]) -> QuerySet[Assignment]:
    """Assignments annotated with ``heard_s`` (:func:`heard_from_village_s`)."""
    return qs.annotate(heard_s=heard_from_village_s())


def villages(f: ReportFilter, *, now: dt.datetime) -> list[Village]:
    """Per settlement: response (incidents); delivery to the crew (dispatch → delivered to
    the crew's handset, wherever it was), travel (en route → on scene) and heard from the
    village (the crew's on-scene tap → the server, :func:`heard_from_village_s`)
    (assignments); with the settlement's coverage, zone and road distance to the district
    seat — ranked by the 90th-percentile response, slowest first; calls without a
    settlement last."""
    inc = aggregate(
        incident_rows(f, now=now),
        values={"response": "response_s", "sla": "sla_met"},
        slices={"settlement": "settlement_id"},
    ).slice("settlement")
    asg = aggregate(
        with_heard_from_village(assignment_rows(f, now=now)),
        values={"coverage_wait": "delivery_s", "travel": "travel_s", "heard": "heard_s"},
        slices={"settlement": "incident__settlement_id"},
    ).slice("settlement")
    info: dict[Any, dict[str, Any]] = {
        row["pk"]: dict(row)
        for row in Settlement.objects.filter(pk__in=[k for k in inc if k is not None]).values(
            "pk",
            "name",
            "name_kk",
            "okrug__name",
            "okrug__name_kk",
            "district__name",
            "district__name_kk",
            "zone",
            "coverage",
            "road_km_to_seat",
        )
    }
    out = []
    for key, group in inc.items():
        row = info.get(key, {})
        a = asg.get(key, Group(rows=0, stats={}))
        out.append(
            Village(
                settlement_id=key,
                name=in_reader_language(row["name"], row["name_kk"])
                if row
                else str(labels.NONE_KEY),
                okrug=in_reader_language(row["okrug__name"], row["okrug__name_kk"]) if row else "",
                district=in_reader_language(row["district__name"], row["district__name_kk"])
                if row
                else "",
                zone=row.get("zone", ""),
                coverage=row.get("coverage", ""),
                road_km=row.get("road_km_to_seat"),
                incidents=group.rows,
                response=group["response"],
                sla=group["sla"],
                coverage_wait=a["coverage_wait"],
                travel=a["travel"],
                heard=a["heard"],
            )
        )
    out.sort(key=_wait_rank)
    return out


def _wait_rank(v: Village) -> tuple[bool, int, float, tuple[int, ...]]:
    """Longest wait first: a village whose target passed with nobody ever on scene (no
    response to rank it by: it was last, below a village reached in ten minutes), then by
    the 90th-percentile response, then villages whose calls needed nobody; calls without a
    settlement last."""
    # No arrival: every call whose target was counted missed it.
    missed_by_all = v.response.p90 is None and v.sla.n > 0
    group = 1 if v.response.p90 is not None else 0 if missed_by_all else 2
    # Villages of one rank by the name shown, in the reader's alphabet (Қ after К in Kazakh).
    return (v.settlement_id is None, group, -(v.response.p90 or 0), labels.name_order(v.name))


# --- charts ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Week:
    start: dt.date  # its Monday
    response: Stat
    target: Stat
    sla: Stat
    # The week's days inside the period (both included): a period from a Sunday counted
    # that one day as the week of the Monday before it.
    first: dt.date
    last: dt.date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def weekly_trend(f: ReportFilter, *, now: dt.datetime) -> list[Week]:
    """Per local week (Monday first): response median and p90, the median arrival target
    of the week's calls, the SLA share; each with the days of it the period covers."""
    weeks = aggregate(
        incident_rows(f, now=now),
        values={"response": "response_s", "target": "sla_target_s", "sla": "sla_met"},
        slices={"week": "week"},
    ).slice("week")
    out = []
    for key, g in weeks.items():
        if key is None:
            continue
        monday = _as_date(key)
        last = min(monday + dt.timedelta(days=6), f.date_to)
        out.append(
            Week(monday, g["response"], g["target"], g["sla"], max(monday, f.date_from), last)
        )
    return sorted(out, key=lambda w: w.start)


def _as_date(value: object) -> dt.date:
    if isinstance(value, str):  # SQLite returns the truncated time as text
        value = dt.datetime.fromisoformat(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(local_zone())
        return value.date()
    if isinstance(value, dt.date):
        return value
    raise TypeError(f"not a week: {value!r}")


def response_by_zone(f: ReportFilter, *, now: dt.datetime) -> dict[Any, Group]:
    """Response time per zone: p10, p25, median, p75, p90 (a box plot)."""
    return aggregate(
        incident_rows(f, now=now),
        values={"response": "response_s"},
        slices={"zone": "settlement__zone"},
        fractions=BOX,
    ).slice("zone")


def delivery_by_coverage(f: ReportFilter, *, now: dt.datetime) -> dict[Any, Group]:
    """Delivery latency per coverage level of the call's settlement (a box plot)."""
    return aggregate(
        assignment_rows(f, now=now),
        values={"delivery": "delivery_s"},
        slices={"coverage": "incident__settlement__coverage"},
        fractions=BOX,
    ).slice("coverage")


def heard_by_coverage(f: ReportFilter, *, now: dt.datetime) -> dict[Any, Group]:
    """How late villages were heard (:func:`heard_from_village_s`) per coverage level of
    the call's settlement (a box plot): the white spot's cost, level by level."""
    return aggregate(
        with_heard_from_village(assignment_rows(f, now=now)),
        values={"heard": "heard_s"},
        slices={"coverage": "incident__settlement__coverage"},
        fractions=BOX,
    ).slice("coverage")


# --- data quality ----------------------------------------------------------------------------
@dataclass(frozen=True)
class DataQuality:
    assignments: Aggregated  # ack_on_behalf, undelivered_60s; by unit
    events: Aggregated  # suspect, sync_lag; by unit
    silent_devices: int
    silent_hours: int


def data_quality(f: ReportFilter, *, now: dt.datetime, silent_hours: int) -> DataQuality:
    """Share acknowledged on behalf, share not delivered within 60 s (assignments), share
    of clock-suspect events and sync lag (events from the field app), per unit and in all;
    devices of the districts not synced for ``silent_hours`` (now, not in the period)."""
    assignments = aggregate(
        assignment_rows(f, now=now),
        values={"ack_on_behalf": "ack_on_behalf", "undelivered_60s": "undelivered_60s"},
        slices={"unit": "unit_id"},
    )
    events = aggregate(
        kpis.events_with_kpis(f.events()),
        values={"suspect": "suspect", "sync_lag": "sync_lag_s"},
        slices={"unit": "unit_id"},
    )
    silent = silent_devices(f.districts, now=now, hours=silent_hours).count()
    return DataQuality(assignments, events, silent, silent_hours)


def silent_devices(
    districts: tuple[int, ...] | None, *, now: dt.datetime, hours: int | None = None
) -> QuerySet[Device]:
    qs = Device.objects.filter(device_silent_q(now, hours))
    if districts is not None:
        qs = qs.filter(officer__district_id__in=sorted(districts))
    return qs


# --- the upward report -----------------------------------------------------------------------
@dataclass(frozen=True)
class Upward:
    calls: Aggregated  # response by channel, category, zone
    repeats: dict[str, int]  # repeat reports (not calls) per channel
    app_reports: int
    app_with_outcome: int
    app_confirmed: int
    dv_calls: int
    dv_response: Stat
    dv_protective_orders: int
    dv_protocols_art73: int
    dv_protocols_art461: int
    dv_protocols_other: int
    dv_orders_in_force: list[int]  # the risk subjects, by id
    follow_ups_due: int
    follow_ups_done_on_time: int
    # The four parts of ``follow_ups_due``: on time, late, overdue and not done, not due yet
    # (a period reaching today). Without the late ones the report read "8 due, 7 on time,
    # 0 overdue", and the chief could not say where the eighth visit went.
    follow_ups_done_late: int
    follow_ups_overdue: int
    follow_ups_not_due_yet: int
    # The escalation ladder's rungs fired in the period, by rung (EscalationStep.Step and
    # IncidentEscalationStep.Step codes): the chief reports which fired, not only the ones
    # still waiting for them now (the home page's tile).
    escalations: dict[str, int]
    # The calls a rung of their own fired on in the period (a call left waiting for a unit),
    # by id: the step has no list of its own, so the figure opens the calls.
    escalated_calls: list[int]


def upward_report(f: ReportFilter, *, now: dt.datetime) -> Upward:
    """What chiefs report upward for a period: calls per channel (and the repeat reports
    apart), average and median response, the share of app reports confirmed, the category
    mix, and the domestic-violence figures (protective orders issued, administrative
    protocols by CoAO article — see :func:`dv_protocol_filters` —, orders in force at the end
    of the period, follow-up visits)."""
    rows = incident_rows(f, now=now)
    calls = aggregate(
        rows,
        values={"response": "response_s", "app_confirmed": "app_confirmed"},
        slices={"channel": "channel", "category": "category", "zone": "settlement__zone"},
    )
    app = calls_by(calls, "channel", kpis.APP_CHANNELS)
    repeats = dict(
        f.narrowed(repeats=REPEATS_ONLY)
        .incidents()
        .order_by()
        .values("channel")
        .annotate(n=Count("pk"))
        .values_list("channel", "n")
    )
    dv_orders = protective_orders_filter(f).incidents().count()
    protocols = {key: p.incidents().count() for key, p in dv_protocol_filters(f).items()}
    dv_group = calls.slice("category").get(Category.DOMESTIC_VIOLENCE, Group(rows=0, stats={}))
    follow_ups = FollowUpTask.objects.filter(
        kpis.counted_q("incident__"), due_at__gte=f.start, due_at__lt=f.end
    )
    if f.districts is not None:
        follow_ups = follow_ups.filter(district_id__in=sorted(f.districts))
    fu = follow_ups.aggregate(
        due=Count("pk"),
        on_time=Count("pk", filter=Q(done_at__isnull=False, done_at__lte=F("due_at"))),
        late=Count("pk", filter=Q(done_at__isnull=False, done_at__gt=F("due_at"))),
        overdue=Count("pk", filter=kpis.follow_up_overdue_q(now)),
        not_due_yet=Count("pk", filter=Q(done_at__isnull=True, due_at__gte=now)),
    )
    return Upward(
        escalations=escalations_fired(f),
        escalated_calls=calls_escalated(f),
        calls=calls,
        repeats=repeats,
        app_reports=sum(g.rows for g in app),
        app_with_outcome=sum(g["app_confirmed"].n for g in app),
        app_confirmed=round(sum(g["app_confirmed"].total or 0 for g in app)),
        dv_calls=dv_group.rows,
        dv_response=dv_group["response"],
        dv_protective_orders=dv_orders,
        dv_protocols_art73=protocols[CoaoArticle.FAMILY],
        dv_protocols_art461=protocols[CoaoArticle.PROTECTIVE_ORDER],
        dv_protocols_other=protocols[labels.OTHER_ARTICLE],
        dv_orders_in_force=protective_orders_in_force(f),
        follow_ups_due=fu["due"],
        follow_ups_done_on_time=fu["on_time"],
        follow_ups_done_late=fu["late"],
        follow_ups_overdue=fu["overdue"],
        follow_ups_not_due_yet=fu["not_due_yet"],
    )


def escalations_fired(f: ReportFilter) -> dict[str, int]:
    """The rungs of the escalation ladder that fired in the period (by when they fired) on
    the calls of the filter's districts, counted by rung; the report's other narrowing does
    not apply (as the follow-up visits). Rungs that did not fire are absent."""
    out: dict[str, int] = {}
    for model, district in (
        (EscalationStep, "assignment__incident__district_id__in"),
        (IncidentEscalationStep, "incident__district_id__in"),
    ):
        call = district.removesuffix("district_id__in")
        fired = model.objects.filter(
            kpis.counted_q(call), fired_at__gte=f.start, fired_at__lt=f.end
        )
        if f.districts is not None:
            fired = fired.filter(**{district: sorted(f.districts)})
        out.update(fired.order_by().values("step").annotate(n=Count("pk")).values_list("step", "n"))
    return out


def escalations_fired_totals(filters: list[ReportFilter]) -> list[int]:
    """The escalations fired in each filter's period, counted as :func:`escalations_fired`
    counts them (every rung together) — one statement per ladder for all the periods (the
    KPI page compares its period with the one before). The filters share their districts."""
    totals = [0] * len(filters)
    if not filters:
        return totals
    for model, district in (
        (EscalationStep, "assignment__incident__district_id__in"),
        (IncidentEscalationStep, "incident__district_id__in"),
    ):
        fired = model.objects.filter(
            Q.create([Q(fired_at__gte=f.start, fired_at__lt=f.end) for f in filters], Q.OR),
            kpis.counted_q(district.removesuffix("district_id__in")),
        )
        if filters[0].districts is not None:
            fired = fired.filter(**{district: sorted(filters[0].districts)})
        counts = fired.aggregate(
            **{
                f"p{i}": Count("pk", filter=Q(fired_at__gte=f.start, fired_at__lt=f.end))
                for i, f in enumerate(filters)
            }
        )
        for i in range(len(filters)):
            totals[i] += counts[f"p{i}"]
    return totals


def calls_escalated(f: ReportFilter) -> list[int]:
    """The calls of the filter's districts that a call's own rung (waiting for a unit) fired
    on in the period, by id — counted as :func:`escalations_fired` counts them."""
    fired = IncidentEscalationStep.objects.filter(
        kpis.counted_q("incident__"), fired_at__gte=f.start, fired_at__lt=f.end
    )
    if f.districts is not None:
        fired = fired.filter(incident__district_id__in=sorted(f.districts))
    return sorted(set(fired.values_list("incident_id", flat=True)))


# What writes a risk subject's protective order, as the audit log records it: an order issued
# on a call (``{"subjects": [ids], "until": day}``, kept where a subject's order already ran
# longer: dispatch/services/risk.py) and the admin's own forms (``{"changed": {field: [old,
# new]}}``: any day, or none).
_ORDER_WRITES = (
    AuditAction.RISK_PROTECTIVE_ORDER,
    admin_edit(str(RiskSubject._meta.model_name), "added"),
    admin_edit(str(RiskSubject._meta.model_name), "changed"),
)


def protective_orders_in_force(f: ReportFilter) -> list[int]:
    """The risk subjects of the filter's districts whose protective order ran to the period's
    last day or beyond, as Kuzet knew it when the period ended: each subject's order replayed
    from the audit log's entries written before the period's end.

    A subject keeps only its order's last day (``protective_order_until``), and an order
    recorded after the period (on 05.12 for a report to 04.12) changed a closed period's figure
    after the fact; the audit log is append-only, and what it held at the end of the period
    never changes. An order issued on the period's last day but reached the server after it
    (a phone in a white spot) is not counted: the report is what was known. Subjects deleted
    since are left out, so that the figure's list (the subjects by id) shows every one."""
    entries = AuditEntry.objects.filter(
        Q(action=AuditAction.RISK_PROTECTIVE_ORDER)
        | Q(action__in=_ORDER_WRITES[1:], data__contains='"protective_order_until"'),
        at__lt=f.end,
    )
    if f.districts is not None:
        entries = entries.filter(district_id__in=sorted(f.districts))
    until: dict[int, dt.date | None] = {}
    for action, object_id, text in entries.order_by("id").values_list(
        "action", "object_id", "data"
    ):
        data = json.loads(text)
        if action == AuditAction.RISK_PROTECTIVE_ORDER:
            day = dt.date.fromisoformat(data["until"])
            for subject in data["subjects"]:
                known = until.get(subject)
                until[subject] = day if known is None else max(known, day)
        elif (change := data.get("changed", {}).get("protective_order_until")) is not None:
            new = change[1]  # [before, after] as text, "" for none
            until[int(object_id)] = dt.date.fromisoformat(new) if new else None
    in_force = [pk for pk, day in until.items() if day is not None and day >= f.date_to]
    subjects = RiskSubject.objects.filter(pk__in=in_force)
    if f.districts is not None:
        subjects = subjects.filter(district_id__in=sorted(f.districts))
    return sorted(subjects.values_list("pk", flat=True))


def protective_orders_filter(f: ReportFilter) -> ReportFilter:
    """The calls on which a protective order was issued, of any category: an order (Law
    214-IV) is issued on domestic violence whatever the call was entered as — a "fight" —,
    and Kuzet registers it (the orders in force count it) as the protocols under articles 73
    and 461 count on any call."""
    return f.narrowed(category="", outcome=OutcomeCode.PROTECTIVE_ORDER)


def dv_protocol_filters(f: ReportFilter) -> dict[str, ReportFilter]:
    """The incidents behind each count of administrative protocols on domestic violence, by
    the outcome's CoAO article: under 73 (unlawful acts in family and household relations)
    and under 461 (a protective order not complied with), of any category — the offence is
    domestic violence by definition, whatever the call was entered as; and the protocols on
    domestic-violence calls under another article or with none recorded."""
    protocols = f.narrowed(category="", outcome=OutcomeCode.ADMIN_PROTOCOL)
    return {
        CoaoArticle.FAMILY: protocols.narrowed(article=CoaoArticle.FAMILY),
        CoaoArticle.PROTECTIVE_ORDER: protocols.narrowed(article=CoaoArticle.PROTECTIVE_ORDER),
        labels.OTHER_ARTICLE: protocols.narrowed(
            category=Category.DOMESTIC_VIOLENCE, article=labels.OTHER_ARTICLE
        ),
    }


def calls_by(calls: Aggregated, slice_key: str, keys: Iterable[str]) -> list[Group]:
    groups = calls.slice(slice_key)
    return [groups[k] for k in keys if k in groups]


# --- what needs the chief now ----------------------------------------------------------------
@dataclass(frozen=True)
class Needs:
    open_conflicts: int
    overdue_assignments: int
    sos_units: int
    escalations: int
    silent_devices: int
    overdue_follow_ups: int
    quarantined: int
    # The duty desk's own (its home page: backend/reports/desk.py)
    calls_waiting: int
    calls_to_close: int
    # the escalation sweep's per-call rung: no unit sent past the dispatch deadline
    calls_waiting_overdue: int


def needs_now(user: Any, *, now: dt.datetime, silent_hours: int | None = None) -> Needs:
    """The counts of the chief's home page, in the reader's districts, as of ``now``; each is
    the list its link opens (the same conditions as the admin filters)."""
    scope = district_scope(user)
    waiting, to_close = kpis.CALLS_WAITING, kpis.CALLS_TO_CLOSE
    calls = Incident.objects.filter(scope.q(), status__in=waiting + to_close).aggregate(
        waiting=Count("pk", filter=Q(status__in=waiting)),
        to_close=Count("pk", filter=Q(status__in=to_close)),
        waiting_overdue=Count("pk", filter=kpis.calls_waiting_overdue_q()),
    )
    return Needs(
        open_conflicts=Conflict.objects.filter(scope.q(), state=Conflict.State.OPEN).count(),
        overdue_assignments=Assignment.objects.filter(
            scope.q("incident__district"), kpis.overdue_q(now)
        ).count(),
        sos_units=Unit.objects.filter(scope.q(), status=UnitStatus.SOS).count(),
        escalations=EscalationStep.objects.filter(
            scope.q("assignment__incident__district"), kpis.escalations_awaiting_chief_q()
        ).count(),
        silent_devices=Device.objects.filter(
            scope.q("officer__district"), device_silent_q(now, silent_hours)
        ).count(),
        overdue_follow_ups=FollowUpTask.objects.filter(
            scope.q(), kpis.follow_up_overdue_q(now)
        ).count(),
        quarantined=QuarantinedRecord.objects.filter(scope.q(), reviewed_at__isnull=True).count(),
        calls_waiting=calls["waiting"],
        calls_to_close=calls["to_close"],
        calls_waiting_overdue=calls["waiting_overdue"],
    )
