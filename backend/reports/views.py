"""The district chief's console: the home page ("what needs me now" and the last 30 days),
the KPI dashboard, the villages, data quality, the upward report, the incidents behind any
figure, and the charts.

Every view: the reader must be a chief, an oblast administrator or a superuser; the filter
is read from the query (:class:`~.filters.ReportFilterForm`, districts within the reader's
scope); bad input is a form error on the page (400), or JSON ``{"error", "detail"}`` for a
CSV or a chart. Pages are rendered in the reader's language (``Officer.language``) unless a
locale middleware chose one for the request. ``?csv=<table>`` returns any table of a page.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import F, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from backend.common import clock
from backend.common.formatting import span_exact_text
from backend.dispatch import kpis
from backend.dispatch.models import (
    Category,
    CoaoArticle,
    EscalationStep,
    IncidentEscalationStep,
)
from backend.ledger import uow
from backend.people.models import Role

from . import compare, labels, selectors
from .filters import (
    FIRST_DAY,
    NONE,
    QUICK_PERIODS,
    REPEATS_ONLY,
    DefaultPeriod,
    ReportFilter,
    ReportFilterForm,
    last_day,
    last_days,
    last_month,
    local_zone,
)
from .percentiles import EMPTY, NO_ROWS, Group
from .selectors import ASSIGNMENT, EVENT, INCIDENT, KPI_BY_KEY, SLICES, Kpi
from .tables import (
    COUNT,
    DURATION,
    KM,
    SHARE,
    TEXT,
    WHEN,
    Cell,
    Column,
    Table,
    seconds,
    share_text,
    xlsx_book_response,
)

READER_ROLES = frozenset({Role.CHIEF, Role.OBLAST_ADMIN})
PAGE_SIZE = 100


def reads_reports(user: Any) -> bool:
    """District chiefs, oblast administrators and superusers read the console."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.is_active
        and user.is_staff
        and (user.is_superuser or user.role in READER_ROLES)
    )


def _language(request: HttpRequest) -> str:
    if getattr(request, "LANGUAGE_CODE", None):  # a locale middleware decided
        return translation.get_language()
    return getattr(request.user, "language", "") or settings.LANGUAGE_CODE


def console_view(
    allowed: Callable[[Any], bool], *, no_store: bool = False
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A console page for the users ``allowed`` lets in (403 for the others), rendered in
    the reader's language; ``no_store``: kept in no cache (what the desk wrote)."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapped(site: Any, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not allowed(request.user):
                raise PermissionDenied
            with translation.override(_language(request)):
                response = view(site, request, *args, **kwargs)
                if isinstance(response, TemplateResponse):
                    response.render()
                response["Content-Language"] = translation.get_language()
            if no_store:
                response["Cache-Control"] = "no-store"
            return response

        return wrapped

    return decorate


# Readers only (chiefs, the oblast's administrators).
report_view = console_view(reads_reports)


def _page(
    site: Any, request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200
) -> TemplateResponse:
    return TemplateResponse(
        request, template, {**site.each_context(request), **context}, status=status
    )


def _form(request: HttpRequest, period: DefaultPeriod) -> ReportFilterForm:
    """The filter of the query; a day not given is the page's default ``period``'s — counted
    back from the query's last day when it gives only that."""
    data = request.GET.copy()
    default = period(_day(data.get("date_to")) if not data.get("date_from") else None)
    # The form shows the period it reports on, the default one included.
    for name, day in zip(("date_from", "date_to"), default, strict=True):
        if not data.get(name):
            data[name] = day.isoformat()
    form = ReportFilterForm(data, user=request.user, default_period=default)
    form.is_valid()
    return form


def _day(text: str | None) -> dt.date | None:
    """The query's day as the form reads it, if it is one a report may cover; else None (the
    form says what is wrong with it)."""
    if not text:
        return None
    try:
        day: dt.date | None = ReportFilterForm.base_fields["date_to"].to_python(text)
    except ValidationError:
        return None
    return day if day is not None and FIRST_DAY <= day <= last_day() else None


def _json(body: dict[str, Any], *, status: int) -> JsonResponse:
    """An error as the APIs write it (``{"error", "detail"}``), its text readable: UTF-8 as it
    is, as DRF writes it, not ``\\u``-escaped (a Kazakh or Russian message read as
    ``\\u0431\\u0435…`` in a browser)."""
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def _invalid(form: ReportFilterForm, unknown: dict[str, str] | None = None) -> JsonResponse:
    """The filter's errors as JSON (400), with ``unknown``: a page's own parameter (``kpi``,
    ``by``, ``csv``) naming nothing, and why."""
    fields = {name: [str(e) for e in errors] for name, errors in form.errors.items()}
    for name, message in (unknown or {}).items():
        fields.setdefault(name, []).append(message)
    return _json(
        {"error": "invalid", "detail": _("The report's filter is not valid."), "fields": fields},
        status=400,
    )


def _period_text(f: ReportFilter) -> str:
    return f"{date_format(f.date_from, 'd.m.Y')} – {date_format(f.date_to, 'd.m.Y')}"


def _refused(
    site: Any,
    request: HttpRequest,
    form: ReportFilterForm,
    template: str,
    title: str,
    unknown: dict[str, str] | None = None,
) -> HttpResponse:
    """A filter that is not valid, or a page's own parameter naming nothing (``unknown``):
    JSON errors for a CSV download, else the page with the errors (400)."""
    if _download(request):
        return _invalid(form, unknown)
    for message in (unknown or {}).values():
        form.add_error(None, message)
    return _page(site, request, template, _context(request, form, None, title=title), status=400)


def _context(
    request: HttpRequest, form: ReportFilterForm, f: ReportFilter | None, **extra: Any
) -> dict[str, Any]:
    return {
        "form": form,
        "filter": f,
        "period": _period_text(f) if f else "",
        # The filters beyond the period, each with its link to drop it (a page may pass its
        # own: the incidents behind a figure hide a place beside domestic violence).
        "narrowing": extra.pop("narrowing", None) or (narrowing(request, form, f) if f else []),
        "query": f.query() if f else "",
        # The report pages keep the reader's period and narrowing from one to the next.
        "nav_query": f.query() if f else "",
        "quick_periods": quick_periods(request, f),
        "districts_text": _districts_text(form, f),
        **exercises_context(f),
        **extra,
    }


def exercises_context(f: ReportFilter | None) -> dict[str, Any]:
    """How many exercise calls the page's figures leave out (``kpis.counted_q``), and the
    console's list of them over the period: the page says so in one line under its period."""
    left_out = f.exercises_left_out() if f is not None else 0
    if not left_out:
        return {"exercises_left_out": 0}
    assert f is not None
    period = f"received_at__gte={_iso(f.start)}&received_at__lt={_iso(f.end)}"
    return {
        "exercises_left_out": left_out,
        "exercises_url": reverse("admin:dispatch_incident_changelist")
        + f"?exercise__exact=1&{period}",
    }


def _districts_text(form: ReportFilterForm, f: ReportFilter | None) -> str:
    """The districts read, by their names in the reader's language."""
    if f is None or f.district is None:
        return ", ".join(name for _id, name in form.district_choices)
    return str(dict(form.district_choices).get(f.district, ""))


def quick_periods(request: HttpRequest, f: ReportFilter | None) -> list[dict[str, Any]]:
    """This page for each of the periods offered with one click (``{"label", "href",
    "current"}``), its narrowing kept; ``current``: the period the page shows."""
    out = []
    for label, period in QUICK_PERIODS:
        first, last = period(None)
        params = request.GET.copy()
        for dropped in ("page", *DOWNLOADS):
            params.pop(dropped, None)
        params["date_from"], params["date_to"] = first.isoformat(), last.isoformat()
        current = f is not None and (f.date_from, f.date_to) == (first, last)
        out.append({"label": label, "href": "?" + params.urlencode(), "current": current})
    return out


def narrowing(
    request: HttpRequest, form: ReportFilterForm, f: ReportFilter, *, place_hidden: bool = False
) -> list[dict[str, str]]:
    """Every filter of ``f`` beyond the period, in words (``{"name", "label", "value"}``), and
    ``href``: this page without it — the way to drop a filter the form does not show (a
    village's or a unit's, set by the figure's link). ``place_hidden``: the list has
    domestic-violence calls, whose place no list shows — the settlement is not named either."""
    out = []
    for name, label, value in form.narrowing(f):
        if name == "settlement" and place_hidden:
            value = _("hidden (domestic-violence calls on the list)")
        params = request.GET.copy()
        for dropped in (name, "page", *DOWNLOADS):
            params.pop(dropped, None)
        out.append({"name": name, "label": label, "value": value, "href": "?" + params.urlencode()})
    return out


# A table to download: ``?csv=<table id>``, or ``?xlsx=<table id>`` for an Excel workbook.
DOWNLOADS = ("csv", "xlsx")


def _download(request: HttpRequest) -> tuple[str, str] | None:
    """The file asked for, ``(format, table id)``, if any."""
    for kind in DOWNLOADS:
        if wanted := request.GET.get(kind):
            return kind, wanted
    return None


def _file(
    table: Table,
    kind: str,
    name: str,
    f: ReportFilter,
    heading: Callable[[Table], list[str]],
) -> HttpResponse:
    """The table as a file. The workbook says above the table what it is of (``heading``);
    the CSV stays a table from its first line — a line above the header breaks the programs
    that read it (a spreadsheet's import, pandas, a database's COPY) — and its name carries
    the period."""
    period = (f.date_from, f.date_to)
    if kind == "xlsx":
        return table.xlsx_response(name, period, heading(table))
    return table.csv_response(name, period)


def file_heading(
    request: HttpRequest, form: ReportFilterForm, f: ReportFilter, *, place_hidden: bool = False
) -> Callable[[Table], list[str]]:
    """What a downloaded workbook is of, in the reader's language, as lines above its table:
    the table's title, the period, the districts, every filter beyond the period (as the
    page names them above it: a settlement hidden beside domestic violence), and when — in
    Kazakhstan time — and by whom it was made. The period was only in the file's name, lost
    once the file was renamed, forwarded or printed."""

    def heading(table: Table) -> list[str]:
        districts = _districts_text(form, f)
        count = 1 if f.district is not None else len(form.district_choices)
        made = timezone.localtime(clock.now(), local_zone())
        user = request.user
        who = user.get_full_name() or user.get_username()  # type: ignore[union-attr]
        return [
            str(table.title),
            _("Period: %(period)s") % {"period": _period_text(f)},
            ngettext("District: %(districts)s", "Districts: %(districts)s", count)
            % {"districts": districts},
            *(
                f"{n['label']}: {n['value']}" if n["label"] else str(n["value"])
                for n in narrowing(request, form, f, place_hidden=place_hidden)
            ),
            _("Prepared in Kuzet on %(when)s (Kazakhstan time) by %(who)s.")
            % {"when": f"{made:%d.%m.%Y %H:%M}", "who": who},
        ]

    return heading


def _link_csv(request: HttpRequest, tables: list[Table]) -> None:
    params = request.GET.copy()
    for name in (*DOWNLOADS, "page", "layout"):
        params.pop(name, None)
    for table in tables:
        for kind in DOWNLOADS:
            linked = params.copy()
            linked[kind] = table.id
            setattr(table, f"{kind}_href", "?" + linked.urlencode())


# ``?xlsx=all``: every table of the page in one workbook, a sheet each.
ALL_TABLES = "all"


def _csv_or_page(
    request: HttpRequest,
    form: ReportFilterForm,
    f: ReportFilter,
    tables: list[Table],
    name: str,
    render: Callable[[], HttpResponse],
) -> HttpResponse:
    _link_csv(request, tables)
    download = _download(request)
    if download:
        kind, wanted = download
        if kind == "xlsx" and wanted == ALL_TABLES:
            period = (f.date_from, f.date_to)
            return xlsx_book_response(tables, name, period, file_heading(request, form, f))
        for table in tables:
            if table.id == wanted:
                return _file(table, kind, name, f, file_heading(request, form, f))
        return _no_table(wanted, [t.id for t in tables], kind)
    return render()


def _no_table(wanted: str, ids: list[str], kind: str = "csv") -> JsonResponse:
    """``?csv=`` (``?xlsx=``) naming no table of the page: refused like any other bad filter
    (400), with the tables the page has."""
    message = _("This page has no table “%(id)s”; its tables: %(tables)s.") % {
        "id": wanted,
        "tables": ", ".join(ids),
    }
    return _json(
        {
            "error": "invalid",
            "detail": _("The report's filter is not valid."),
            "fields": {kind: [message]},
        },
        status=400,
    )


# --- links -------------------------------------------------------------------------------
def incidents_url(f: ReportFilter, **extra: Any) -> str:
    """The list of the incidents (or assignments) behind a figure."""
    return reverse("admin:reports_incidents") + f.query(**extra)


def _kpi_cell(f: ReportFilter, kpi: Kpi, value: float | None) -> Cell:
    return Cell(value, href=incidents_url(f, kpi=kpi.key) if value is not None else "")


# --- home --------------------------------------------------------------------------------
NEEDS = (
    # (field of selectors.Needs, label, admin changelist, query)
    ("open_conflicts", gettext_lazy("Open conflicts"), "admin:dispatch_conflict_changelist",
     "state__exact=open"),
    ("overdue_assignments", gettext_lazy("Overdue assignments"),
     "admin:dispatch_assignment_changelist", "overdue=yes"),
    ("sos_units", gettext_lazy("Units in SOS"), "admin:people_unit_changelist",
     "status__exact=sos"),
    ("escalations", gettext_lazy("Escalations waiting for the chief"),
     "admin:dispatch_escalationstep_changelist", "awaiting_chief=yes"),
    ("calls_waiting_overdue", gettext_lazy("Calls with no unit past their dispatch deadline"),
     "admin:dispatch_incident_changelist", "desk=waiting_overdue"),
    ("silent_devices", gettext_lazy("Devices not synced for %(hours)s hours"),
     "admin:devices_device_changelist", "silent=yes"),
    ("overdue_follow_ups", gettext_lazy("Overdue domestic-violence follow-ups"),
     "admin:dispatch_followuptask_changelist", "overdue=yes"),
    ("quarantined", gettext_lazy("Quarantined records to review"),
     "admin:sync_gateway_quarantinedrecord_changelist", "reviewed_at__isnull=True"),
)  # fmt: skip
TILES = ("response", "sla", "call_processing", "delivery", "travel")


def needs_rows(
    spec: Iterable[tuple[str, Any, str, str]], needs: selectors.Needs
) -> list[dict[str, Any]]:
    """A home page's cards: each count in words, linking to the list it counted."""
    hours = settings.KUZET_DEVICE_SILENT_HOURS
    return [
        {
            "key": field,
            "label": str(label) % {"hours": hours} if field == "silent_devices" else label,
            "count": getattr(needs, field),
            "href": f"{reverse(url)}?{query}",
        }
        for field, label, url, query in spec
    ]


@report_view
def home(site: Any, request: HttpRequest, extra_context: dict[str, Any] | None) -> HttpResponse:
    """What needs the chief now (counts linking to the lists behind them) and the district's
    KPI tiles for the last 30 days."""
    now = clock.now()
    need_rows = needs_rows(NEEDS, selectors.needs_now(request.user, now=now))
    form = _form(request, last_days)
    f = form.report_filter() if form.is_valid() else None
    tiles = []
    incident_count = 0
    if f is not None:
        overview = selectors.kpi_overview(f, now=now)
        incident_count = overview.incident_count
        for key in TILES:
            kpi = KPI_BY_KEY[key]
            stat = overview.total(kpi)
            tiles.append(
                {
                    "key": key,
                    "label": kpi.label,
                    "definition": kpi.definition,
                    "n": stat.n,
                    "share": kpi.kind == SHARE,
                    "share_text": share_text(stat.mean),
                    # In words ("13 min 43 s"): a tile's big "13:43" beside the clock of
                    # the console read as a time of day, its note on minutes:seconds apart.
                    "p50_text": span_exact_text(seconds(stat.p50)),
                    "p90_text": span_exact_text(seconds(stat.p90)),
                    "href": incidents_url(f, kpi=key),
                }
            )
    context = _context(
        request,
        form,
        f,
        # The page is the overview; "What needs me now" is its first section (it was the
        # title, the tab and the heading at once).
        title=_("Overview"),
        needs=need_rows,
        tiles=tiles,
        incident_count=incident_count,
        all_incidents_url=incidents_url(f) if f else "",
        kpis_url=reverse("admin:reports_kpis") + (f.query() if f else ""),
        app_list=site.get_app_list(request),
        **(extra_context or {}),
    )
    return _page(site, request, "admin/reports/home.html", context)


# --- the KPI dashboard ---------------------------------------------------------------------
def summary_table(overview: selectors.Overview) -> Table:
    f = overview.filter
    table = Table(
        "summary",
        _("Every KPI over the period"),
        [
            Column("kpi", _("KPI")),
            Column("definition", _("Definition")),
            Column("n", _("Count"), COUNT),
            Column("p50", _("Median"), DURATION),
            Column("p90", _("90th percentile"), DURATION),
            Column("share", _("Share"), SHARE),
        ],
        # The target's count is not the arrivals' (16 beside 17, 58 beside 67 on the home
        # page's tiles), and a chief asked where the others went.
        note=_(
            "The arrival target counts the calls that had one and whose time to meet it "
            "has come: not P3 calls (no target), cancelled calls, or calls closed before "
            "their target with nobody needing to come; a call nobody reached by its "
            "target counts as missed, whether or not anybody was sent."
        ),
    )
    for kpi in selectors.DASHBOARD_KPIS:
        stat = overview.total(kpi)
        link = incidents_url(f, kpi=kpi.key)
        # A figure with nothing measured reads "—" and opens nothing, as in the slice's
        # table: the empty period's dashes were links to an empty list.
        figure = link if stat.n else ""
        if kpi.kind == SHARE:
            table.add(
                kpi=str(kpi.label),
                definition=str(kpi.definition),
                n=Cell(stat.n, href=link),
                share=Cell(stat.mean, href=figure),
            )
        else:
            table.add(
                kpi=str(kpi.label),
                definition=str(kpi.definition),
                n=Cell(stat.n, href=link),
                p50=Cell(stat.p50, href=figure),
                p90=Cell(stat.p90, href=figure),
            )
    return table


# A slice's columns: what the chief asks first — how long the calls waited and whether the
# target was met — beside the count, then each stage of the wait in the order it happens.
# (In timeline order the target's share came sixteenth, past the right edge of a laptop's
# screen with the console's menu open.)
_HEADLINE = ("response", "sla")
SLICE_KPIS = tuple(
    sorted(
        selectors.DASHBOARD_KPIS,
        key=lambda k: _HEADLINE.index(k.key) if k.key in _HEADLINE else len(_HEADLINE),
    )
)


def slice_table(overview: selectors.Overview) -> Table:
    chosen = overview.slice
    assert chosen is not None
    f = overview.filter
    counted = _("calls") if chosen.incident_path is not None else _("assignments")
    columns = [
        Column("key", str(chosen.label).capitalize()),
        Column("rows", str(counted).capitalize(), COUNT),
    ]
    # A slice that does not cut calls (by unit) has no figure of a whole call but the
    # response, which becomes the unit's own arrival: call processing and the arrival target
    # are gone from it — they read "—" on every unit's row, an empty column a chief took
    # for units that had met no target.
    kpis = [
        kpi
        for kpi in SLICE_KPIS
        if chosen.incident_path is not None or kpi.level != INCIDENT or kpi.key == "response"
    ]
    for kpi in kpis:
        if kpi.kind == SHARE:
            columns.append(Column(f"{kpi.key}_share", _("share"), SHARE, group=str(kpi.label)))
            continue
        columns += [
            Column(f"{kpi.key}_p50", _("median"), DURATION, group=str(kpi.label)),
            Column(f"{kpi.key}_p90", _("90th pct."), DURATION, group=str(kpi.label)),
        ]
    table = Table(
        "slice",
        _("By %(slice)s") % {"slice": chosen.label},
        columns,
        # Said once, in the table: the page said "Nothing in this period." here and "No
        # calls in this period." again under it, where the charts would be.
        empty=_("No calls in this period.") if not overview.incident_count else "",
    )
    keys = overview.keys()
    names = selectors.key_names(chosen.key, keys)
    if chosen.codes is None:
        # Settlements, units and districts by name, as a reader looks one up (by their ids
        # written as text they came in no order at all); those without one last.
        keys.sort(key=lambda k: (k is None, labels.name_order(names[k])))
    for key in keys:
        narrowed = f.narrowed(**_narrow(chosen.key, key))
        row: dict[str, Any] = {
            "key": Cell(names[key], href=incidents_url(narrowed)),
            "rows": Cell(overview.rows_of(key), href=incidents_url(narrowed)),
        }
        for kpi in kpis:
            stat = overview.group(kpi, key)
            # A unit's response is its own arrival: its list is of the unit's assignments.
            shown = (
                "unit_response"
                if chosen.incident_path is None and kpi.key == "response"
                else kpi.key
            )
            link = incidents_url(narrowed, kpi=shown) if stat.n else ""
            if kpi.kind == SHARE:
                row[f"{kpi.key}_share"] = Cell(stat.mean, href=link)
            else:
                row[f"{kpi.key}_p50"] = Cell(stat.p50, href=link)
                row[f"{kpi.key}_p90"] = Cell(stat.p90, href=link)
        table.add(**row)
    return table


def _narrow(slice_key: str, key: Any) -> dict[str, Any]:
    """The filter fields that select one key of a slice."""
    value = NONE if key is None else key
    if slice_key in ("settlement",):
        return {"settlement": str(value)}
    if slice_key == "okrug":
        # No okrug: the calls without a settlement (every settlement lies in an okrug).
        return {"okrug": key} if key is not None else {"settlement": NONE}
    if slice_key == "district":
        return {"district": key, "districts": (key,)}
    if slice_key == "unit":
        return {"unit": key}
    return {slice_key: value}


def comparison_context(
    f: ReportFilter,
    page: str,
    *,
    now: dt.datetime,
    overview: selectors.Overview | None = None,
    **query: Any,
) -> dict[str, Any]:
    """The headline figures against the period before (compare.py), for a page's template
    (``_compare.html``): each figure opens the calls behind it, the period before opens
    ``page`` for it (``query``: the page's own parameters, kept; ``overview``: the page's
    figures of ``f``, not read again)."""
    hrefs = {
        "calls": incidents_url(f),
        "response_p50": incidents_url(f, kpi="response"),
        "response_p90": incidents_url(f, kpi="response"),
        "sla": incidents_url(f, kpi="sla"),
        "escalations": reverse("admin:reports_upward") + f.query() + "#table-escalations",
    }
    c = compare.compare(f, now=now, overview=overview, hrefs=hrefs)
    before = f.narrowed(date_from=c.prev_first, date_to=c.prev_last)
    return {
        "compare": compare.cards(c),
        "compare_period": compare.period_words(c.prev_first, c.prev_last),
        "compare_href": reverse(page) + before.query(**query),
    }


@report_view
def kpis_page(site: Any, request: HttpRequest) -> HttpResponse:
    """Every KPI of DOMAIN.md as count, median and 90th percentile for a period, and by a
    slice (zone, priority, channel, unit, okrug, settlement, shift, district)."""
    form = _form(request, last_days)
    by = request.GET.get("by") or "zone"
    # The slices offered: by district only to a reader who picks one of several.
    offered = [s for s in SLICES if s.key != "district" or form.picks_district]
    unknown = {} if by in {s.key for s in offered} else {"by": _("No such slice.")}
    if not form.is_valid() or unknown:
        return _refused(site, request, form, "admin/reports/kpis.html", _("KPIs"), unknown)
    f = form.report_filter()
    now = clock.now()
    overview = selectors.kpi_overview(f, now=now, by=by)
    arrived = overview.total(KPI_BY_KEY["response"]).n > 0
    tables = [summary_table(overview), slice_table(overview)]
    slices = [
        {
            "key": s.key,
            "label": s.label,
            "href": reverse("admin:reports_kpis") + f.query(by=s.key),
            "current": s.key == by,
        }
        for s in offered
    ]
    context = _context(
        request,
        form,
        f,
        title=_("KPIs"),
        tables=tables,
        **comparison_context(f, "admin:reports_kpis", now=now, overview=overview, by=by),
        slices=slices,
        by=by,
        incident_count=overview.incident_count,
        assignment_count=overview.assignment_count,
        # Both charts draw the response times: with none (no unit on scene), neither.
        charts=[
            {"name": "response-by-zone", "alt": _("Response time by zone")},
            {"name": "trend", "alt": _("Response time by week against the arrival target")},
        ]
        if arrived
        else [],
        # No calls: the slice's table says so; the charts' place says nothing.
        no_chart=""
        if arrived or not overview.incident_count
        else _("No unit arrived on scene at a call of this period: no response time to draw."),
    )
    return _csv_or_page(
        request,
        form,
        f,
        tables,
        "kpis",
        lambda: _page(site, request, "admin/reports/kpis.html", context),
    )


# --- villages ----------------------------------------------------------------------------
def villages_table(f: ReportFilter, rows: list[selectors.Village]) -> Table:
    # Read over several districts (oblast staff), a village names its district: ranked
    # together, "Салкынтобе, Божегурский с.о." said nothing of where to send the question.
    several = f.districts is None or len(f.districts) > 1
    table = Table(
        "villages",
        _("Villages by their 90th-percentile response"),
        [
            Column("rank", _("Rank"), COUNT),
            Column("settlement", _("Settlement")),
            *([Column("district", _("District"))] if several else []),
            Column("okrug", _("Rural okrug")),
            Column("zone", _("Zone")),
            Column("coverage", _("Coverage")),
            Column("road_km", _("Road to the district seat"), KM),
            Column("calls", _("Calls"), COUNT),
            Column("response_p50", _("median"), DURATION, group=_("Response time")),
            Column("response_p90", _("90th pct."), DURATION, group=_("Response time")),
            Column("sla", _("target met"), SHARE, group=_("Response time")),
            Column("wait_p50", _("median"), DURATION, group=str(_kpi_label("delivery"))),
            Column("wait_p90", _("90th pct."), DURATION, group=str(_kpi_label("delivery"))),
            Column("travel_p50", _("median"), DURATION, group=_("Travel")),
            Column("travel_p90", _("90th pct."), DURATION, group=_("Travel")),
            # The village's own white spot. The delivery wait stays beside it, under its own
            # name: it is where the crew's phone was at dispatch (the district seat, a road),
            # and read as "waiting for coverage" it said 0:00–0:04 for villages with none.
            Column("heard_p50", _("median"), DURATION, group=str(HEARD.label)),
            Column("heard_p90", _("90th pct."), DURATION, group=str(HEARD.label)),
        ],
        note=_(
            "Delivery to the crew: from dispatch until the assignment reached the crew's "
            "handset, wherever the phone was then (usually the district seat or a road, not "
            "the village). Travel: from en route to on scene. Heard from the village: from "
            "the crew's “on scene” tap in the field app until the server received it "
            "— how long a white spot kept the desk from knowing the crew was there; an "
            "arrival reported by radio or SMS is not counted, nor a tap whose time rests only "
            "on a phone clock that cannot be trusted. All three per assignment; response per "
            "call."
        ),
        # Said once, in the table: the page said "Nothing in this period." there and "No
        # calls in this period." again under it, where the chart would be.
        empty=_("No calls in this period."),
    )
    for rank, v in enumerate(rows, start=1):
        narrowed = f.narrowed(settlement=NONE if v.settlement_id is None else str(v.settlement_id))

        def link(kpi: str, stat: Any, narrowed: ReportFilter = narrowed) -> str:
            return incidents_url(narrowed, kpi=kpi) if stat.n else ""

        table.add(
            rank=rank if v.settlement_id is not None else None,
            settlement=Cell(v.name, href=incidents_url(narrowed)),
            district=v.district,
            okrug=v.okrug,
            zone=labels.label(labels.ZONE, v.zone) if v.settlement_id else "",
            coverage=labels.label(labels.COVERAGE, v.coverage) if v.settlement_id else "",
            road_km=v.road_km,
            calls=Cell(v.incidents, href=incidents_url(narrowed)),
            response_p50=Cell(v.response.p50, href=link("response", v.response)),
            response_p90=Cell(v.response.p90, href=link("response", v.response)),
            sla=Cell(v.sla.mean, href=link("sla", v.sla)),
            wait_p50=Cell(v.coverage_wait.p50, href=link("delivery", v.coverage_wait)),
            wait_p90=Cell(v.coverage_wait.p90, href=link("delivery", v.coverage_wait)),
            travel_p50=Cell(v.travel.p50, href=link("travel", v.travel)),
            travel_p90=Cell(v.travel.p90, href=link("travel", v.travel)),
            heard_p50=Cell(v.heard.p50, href=link(HEARD.key, v.heard)),
            heard_p90=Cell(v.heard.p90, href=link(HEARD.key, v.heard)),
        )
    return table


@report_view
def villages_page(site: Any, request: HttpRequest) -> HttpResponse:
    """Villages ranked by 90th-percentile response, with the delivery to the crew, the
    travel and how late each village was heard, their coverage level and road distance."""
    form = _form(request, last_days)
    if not form.is_valid():
        return _refused(site, request, form, "admin/reports/villages.html", _("Villages"))
    f = form.report_filter()
    villages = selectors.villages(f, now=clock.now())
    tables = [villages_table(f, villages)]
    # The chart's boxes are the deliveries the table's villages counted: none, no chart (an
    # empty frame saying "No calls in this period." stood under a table of a call). So are
    # the taps heard from the villages, drawn first: the white spot's cost by coverage level.
    delivered = any(v.coverage_wait.n for v in villages)
    heard = any(v.heard.n for v in villages)
    charts = []
    if heard:
        charts.append(
            {"name": "heard-by-coverage", "alt": _("Heard from the village by coverage level")}
        )
    if delivered:
        charts.append(
            {"name": "delivery-by-coverage", "alt": _("Delivery latency by coverage level")}
        )
    context = _context(
        request,
        form,
        f,
        title=_("Villages: waiting for coverage and travel"),
        tables=tables,
        charts=charts,
        # No villages: the table says there were no calls; the chart's place says nothing.
        no_chart=""
        if delivered or heard or not villages
        else _(
            "No assignment of this period reached a unit's handset, and no village was heard "
            "from: nothing to draw."
        ),
    )
    return _csv_or_page(
        request,
        form,
        f,
        tables,
        "villages",
        lambda: _page(site, request, "admin/reports/villages.html", context),
    )


# --- data quality ------------------------------------------------------------------------
def quality_table(f: ReportFilter, q: selectors.DataQuality) -> Table:
    table = Table(
        "quality",
        _("Data quality"),
        [
            Column("unit", _("Unit")),
            Column("acked", _("Assignments acknowledged"), COUNT),
            Column("on_behalf", _("Acknowledged on the officer's behalf"), SHARE),
            Column("reached", _("Assignments judged for delivery"), COUNT),
            Column("undelivered", _("Not delivered within 60 s"), SHARE),
            Column("events", _("Events from the app"), COUNT),
            Column("suspect", _("Clock-suspect events"), SHARE),
            Column("lag_p50", _("median"), DURATION, group=_("Sync lag")),
            Column("lag_p90", _("90th pct."), DURATION, group=_("Sync lag")),
        ],
        note=_(
            "Sync lag: server receipt − estimated time of the event. Not delivered within "
            "60 s: neither the handset's receipt nor an acknowledgement within a minute of "
            "dispatch (assignments cancelled unreached within that minute are not judged)."
        ),
    )
    by_unit_a = q.assignments.slice("unit")
    by_unit_e = q.events.slice("unit")
    keys = list(set(by_unit_a) | set(by_unit_e))
    names = selectors.key_names("unit", keys)
    keys.sort(key=lambda k: (k is None, labels.name_order(names[k])))  # by callsign
    rows: list[tuple[str, Group | None, Group | None, Any]] = [
        (str(_("All units")), q.assignments.total, q.events.total, None)
    ]
    rows += [(names[k], by_unit_a.get(k), by_unit_e.get(k), k) for k in keys]
    for name, a, e, unit in rows:
        narrowed = f if unit is None else f.narrowed(unit=unit)
        ack = a["ack_on_behalf"] if a else EMPTY
        und = a["undelivered_60s"] if a else EMPTY
        sus = e["suspect"] if e else EMPTY
        lag = e["sync_lag"] if e else EMPTY
        table.add(
            unit=Cell(name, href=incidents_url(narrowed) if unit else ""),
            acked=Cell(ack.n, href=incidents_url(narrowed, kpi="ack_on_behalf") if ack.n else ""),
            on_behalf=Cell(
                ack.mean, href=incidents_url(narrowed, kpi="ack_on_behalf") if ack.n else ""
            ),
            reached=Cell(
                und.n, href=incidents_url(narrowed, kpi="undelivered_60s") if und.n else ""
            ),
            undelivered=Cell(
                und.mean, href=incidents_url(narrowed, kpi="undelivered_60s") if und.n else ""
            ),
            events=Cell(sus.n, href=incidents_url(narrowed, kpi="suspect") if sus.n else ""),
            suspect=Cell(sus.mean, href=incidents_url(narrowed, kpi="suspect") if sus.n else ""),
            lag_p50=Cell(lag.p50, href=incidents_url(narrowed, kpi="sync_lag") if lag.n else ""),
            lag_p90=Cell(lag.p90, href=incidents_url(narrowed, kpi="sync_lag") if lag.n else ""),
        )
    return table


@report_view
def quality_page(site: Any, request: HttpRequest) -> HttpResponse:
    """Share acknowledged on behalf, clock-suspect events, sync lag, assignments not
    delivered within 60 s, devices not synced for N hours."""
    form = _form(request, last_days)
    if not form.is_valid():
        return _refused(site, request, form, "admin/reports/quality.html", _("Data quality"))
    f = form.report_filter()
    hours = settings.KUZET_DEVICE_SILENT_HOURS
    quality = selectors.data_quality(f, now=clock.now(), silent_hours=hours)
    tables = [quality_table(f, quality)]
    context = _context(
        request,
        form,
        f,
        title=_("Data quality"),
        tables=tables,
        silent_devices=quality.silent_devices,
        silent_text=_("Devices not synced for %(hours)s hours") % {"hours": hours},
        silent_url=reverse("admin:devices_device_changelist") + "?silent=yes",
    )
    return _csv_or_page(
        request,
        form,
        f,
        tables,
        "quality",
        lambda: _page(site, request, "admin/reports/quality.html", context),
    )


# --- the upward report -------------------------------------------------------------------
REPEATS_NOTE = gettext_lazy(
    "Repeat reports: reports Kuzet linked to an earlier open call of the same category at "
    "the same place, through any channel — one event reported again. They are counted in no "
    "figure of the console: a call is an event."
)


def upward_tables(f: ReportFilter, r: selectors.Upward) -> list[Table]:
    total = r.calls.total
    response = total["response"]
    calls = Table(
        "calls",
        _("Calls and response time"),
        [
            Column("calls", _("Calls"), COUNT),
            Column("responded", _("Reached by a unit"), COUNT),
            Column("mean", _("Response, average"), DURATION),
            Column("p50", _("Response, median"), DURATION),
            Column("p90", _("Response, 90th percentile"), DURATION),
            Column("repeats", _("Repeat reports"), COUNT),
        ],
        note=str(REPEATS_NOTE),
    )
    link = incidents_url(f, kpi="response")
    repeats = f.narrowed(repeats=REPEATS_ONLY)
    calls.add(
        calls=Cell(total.rows, href=incidents_url(f)),
        responded=Cell(response.n, href=link),
        mean=Cell(response.mean, href=link),
        p50=Cell(response.p50, href=link),
        p90=Cell(response.p90, href=link),
        repeats=Cell(sum(r.repeats.values()), href=incidents_url(repeats)),
    )

    channels = Table(
        "channels",
        _("Calls per channel"),
        [
            Column("channel", _("Channel")),
            Column("calls", _("Calls"), COUNT),
            Column("share", _("Share of calls"), SHARE),
            Column("mean", _("Response, average"), DURATION),
            Column("p50", _("Response, median"), DURATION),
            Column("repeats", _("Repeat reports"), COUNT),
        ],
    )
    by_channel = r.calls.slice("channel")
    # A channel whose every report in the period repeated a call has a row of its own.
    keys = sorted(
        set(by_channel) | set(r.repeats),
        key=lambda k: (-by_channel[k].rows if k in by_channel else 0, -r.repeats.get(k, 0)),
    )
    for key in keys:
        narrowed = f.narrowed(channel=key)
        g = by_channel.get(key, NO_ROWS)
        responses = incidents_url(narrowed, kpi="response") if g["response"].n else ""
        channels.add(
            channel=labels.label(labels.CHANNEL, key),
            calls=Cell(g.rows, href=incidents_url(narrowed) if g.rows else ""),
            share=g.rows / total.rows if total.rows else None,
            mean=Cell(g["response"].mean, href=responses),
            p50=Cell(g["response"].p50, href=responses),
            repeats=Cell(
                r.repeats.get(key, 0),
                href=incidents_url(narrowed.narrowed(repeats=REPEATS_ONLY))
                if r.repeats.get(key)
                else "",
            ),
        )

    apps = f.narrowed(channel="apps")
    app = Table(
        "app_reports",
        _("Reports through the apps (Police-102, eGov, Kaspi, Halyk)"),
        [
            Column("reports", _("Reports"), COUNT),
            Column("with_outcome", _("With an outcome"), COUNT),
            Column("confirmed", _("Confirmed"), COUNT),
            Column("share", _("Share confirmed"), SHARE),
        ],
        note=_(
            "Confirmed: the outcome found what was reported (any outcome but no offence, "
            "nobody found, false call)."
        ),
    )
    confirmed_link = incidents_url(apps, kpi="app_confirmed")
    app.add(
        reports=Cell(r.app_reports, href=incidents_url(apps)),
        with_outcome=Cell(r.app_with_outcome, href=confirmed_link),
        confirmed=Cell(r.app_confirmed, href=confirmed_link),
        share=Cell(
            r.app_confirmed / r.app_with_outcome if r.app_with_outcome else None,
            href=confirmed_link,
        ),
    )

    categories = Table(
        "categories",
        _("Category mix"),
        [
            Column("category", _("Category")),
            Column("calls", _("Calls"), COUNT),
            Column("share", _("Share of calls"), SHARE),
        ],
    )
    for key, g in sorted(r.calls.slice("category").items(), key=lambda kv: -kv[1].rows):
        categories.add(
            category=labels.label(labels.CATEGORY, key),
            calls=Cell(g.rows, href=incidents_url(f.narrowed(category=key))),
            share=g.rows / total.rows if total.rows else None,
        )

    zones = Table(
        "zones",
        _("Response time by zone"),
        [
            Column("zone", _("Zone")),
            Column("calls", _("Calls"), COUNT),
            Column("mean", _("Response, average"), DURATION),
            Column("p50", _("Response, median"), DURATION),
            Column("p90", _("Response, 90th percentile"), DURATION),
        ],
    )
    zone_groups = r.calls.slice("zone")
    for key in [*labels.ZONE, None]:
        zone = zone_groups.get(key)
        if zone is None:
            continue
        g = zone
        narrowed = f.narrowed(zone=NONE if key is None else key)
        link = incidents_url(narrowed, kpi="response")
        zones.add(
            zone=labels.label(labels.ZONE, key),
            calls=Cell(g.rows, href=incidents_url(narrowed)),
            mean=Cell(g["response"].mean, href=link),
            p50=Cell(g["response"].p50, href=link),
            p90=Cell(g["response"].p90, href=link),
        )

    dv = f.narrowed(category=Category.DOMESTIC_VIOLENCE)
    protocols = selectors.dv_protocol_filters(f)
    follow_ups = reverse("admin:dispatch_followuptask_changelist")
    # the visits of real calls, as counted (an exercise call's are left out of the figures)
    period = f"due_at__gte={_iso(f.start)}&due_at__lt={_iso(f.end)}&incident__exercise__exact=0"
    dv_table = Table(
        "domestic_violence",
        _("Domestic violence"),
        [
            Column("figure", _("Figure")),
            Column("value", _("Count"), COUNT),
            Column("p50", _("Response, median"), DURATION),
        ],
        note=_(
            "Administrative protocols (outcome “administrative protocol”, registered in ЕРАП) "
            "are counted by the article of the Code of Administrative Offences recorded with "
            "the outcome, an article with its parts (73 counts 73-1 too). Protocols under "
            "articles 73 and 461 count whatever the call's category: the offence is domestic "
            "violence by definition. The third row: protocols on domestic-violence calls under "
            "another article or with no article recorded."
        ),
    )
    dv_table.add(
        figure=str(_("Domestic-violence calls")),
        value=Cell(r.dv_calls, href=incidents_url(dv)),
        p50=Cell(r.dv_response.p50, href=incidents_url(dv, kpi="response")),
    )
    dv_rows = [
        (_("Protective orders issued"), r.dv_protective_orders,
         incidents_url(selectors.protective_orders_filter(f))),
        (_("Administrative protocols under CoAO article 73 (unlawful acts in family and "
           "household relations)"), r.dv_protocols_art73,
         incidents_url(protocols[CoaoArticle.FAMILY])),
        (_("Administrative protocols under CoAO article 461 (failure to comply with a "
           "protective order)"), r.dv_protocols_art461,
         incidents_url(protocols[CoaoArticle.PROTECTIVE_ORDER])),
        (_("Administrative protocols on domestic-violence calls under another article or "
           "with no article recorded"), r.dv_protocols_other,
         incidents_url(protocols[labels.OTHER_ARTICLE])),
        (_("Protective orders in force at the end of the period"), len(r.dv_orders_in_force),
         _risk_subjects_url(r.dv_orders_in_force)),
        (_("Follow-up visits due in the period"), r.follow_ups_due, f"{follow_ups}?{period}"),
        (_("… done by their due time"), r.follow_ups_done_on_time, f"{follow_ups}?{period}"),
        (_("… done after their due time"), r.follow_ups_done_late, f"{follow_ups}?{period}"),
        (_("… overdue and not done"), r.follow_ups_overdue, f"{follow_ups}?{period}&overdue=yes"),
    ]  # fmt: skip
    if r.follow_ups_not_due_yet:
        # Only a period that reaches today has visits still ahead; a closed month's row
        # would always read 0.
        dv_rows.append(
            (
                _("… not due yet"),
                r.follow_ups_not_due_yet,
                f"{follow_ups}?{period}&overdue=no&done_at__isnull=True",
            )
        )
    for label, value, href in dv_rows:
        dv_table.add(figure=str(label), value=Cell(value, href=href))
    return [calls, channels, app, categories, zones, dv_table, escalations_table(f, r)]


def escalations_table(f: ReportFilter, r: selectors.Upward) -> Table:
    """The rungs of the escalation ladder fired in the period, in the ladder's order, each
    with the list of its firings (the call's own rung, waiting for a unit, with the list of
    the calls it fired on)."""
    table = Table(
        "escalations",
        _("Escalations fired"),
        [
            Column("step", str(EscalationStep._meta.verbose_name).capitalize()),
            Column("value", _("Count"), COUNT),
        ],
        note=_(
            "Counted by when the step fired, on every call of the district: the report's "
            "other filters do not apply. A step fires once for each unit sent to a call; "
            "“still waiting for a unit” once for each time a call waited too long for one."
        ),
    )
    steps = reverse("admin:dispatch_escalationstep_changelist")
    # the rungs of real calls, as counted (an exercise call's are left out of the figures)
    period = (
        f"fired_at__gte={_iso(f.start)}&fired_at__lt={_iso(f.end)}"
        "&assignment__incident__exercise__exact=0"
    )
    for step in EscalationStep.Step:
        value = r.escalations.get(step.value, 0)
        href = f"{steps}?step__exact={step.value}&{period}" if value else ""
        table.add(step=str(step.label), value=Cell(value, href=href))
    for call_step in IncidentEscalationStep.Step:
        value = r.escalations.get(call_step.value, 0)
        table.add(
            step=str(call_step.label),
            value=Cell(value, href=_calls_url(r.escalated_calls) if value else ""),
        )
    return table


def _calls_url(ids: list[int]) -> str:
    """The console's list of exactly these calls, by id."""
    return reverse("admin:dispatch_incident_changelist") + "?id__in=" + ",".join(map(str, ids))


def _risk_subjects_url(ids: list[int]) -> str:
    """The risk register's list of exactly these subjects (none: no link). By id: the
    register's own filter reads each subject's order as it is now, not at the period's end."""
    if not ids:
        return ""
    return reverse("admin:dispatch_risksubject_changelist") + "?id__in=" + ",".join(map(str, ids))


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@report_view
def upward_page(site: Any, request: HttpRequest) -> HttpResponse:
    """The report chiefs send upward for a period (the previous month by default): calls
    per channel, average and median response, app reports confirmed, category mix,
    domestic violence — as a page, CSV per table and a printable layout (``?layout=print``)."""
    form = _form(request, last_month)
    if not form.is_valid():
        return _refused(
            site, request, form, "admin/reports/upward.html", _("Report for the period")
        )
    f = form.report_filter()
    now = clock.now()
    report = selectors.upward_report(f, now=now)
    tables = upward_tables(f, report)
    printable = request.GET.get("layout") == "print"
    context = _context(
        request,
        form,
        f,
        title=_("Report for the period"),
        tables=tables,
        **comparison_context(f, "admin:reports_upward", now=now),
        print_url=reverse("admin:reports_upward") + f.query(layout="print"),
        # the whole report as one workbook, to send upward as one file
        book_url=reverse("admin:reports_upward") + f.query(xlsx=ALL_TABLES),
        generated=timezone.localtime(clock.now(), local_zone()),
        reader=request.user,
    )
    template = "admin/reports/upward_print.html" if printable else "admin/reports/upward.html"
    return _csv_or_page(
        request, form, f, tables, "report", lambda: _page(site, request, template, context)
    )


# --- the incidents behind a figure ---------------------------------------------------------
SLOWEST_FIRST = gettext_lazy("slowest first")


@dataclass(frozen=True)
class Measure:
    """What a drill-down list is of: the rows a figure counted, their value, and their order
    (said above the list as ``order``)."""

    key: str
    label: Any
    level: str  # INCIDENT: a list of calls; ASSIGNMENT, EVENT: of assignments, of events
    field: str
    kind: str  # DURATION, or SHARE (1/0 per row, shown as words)
    yes: Any = ""
    no: Any = ""
    # A share's list: the rows of value ``first`` (the misses: missed, not within 60 s…) come
    # first, each group by the duration ``then`` (shown beside the value), slowest first and
    # those without one (nobody came, never delivered) before them. Ordered by the 1/0 alone
    # the met and delivered rows came first under "slowest first", the misses at the bottom.
    first: int = 1
    then: str = ""
    then_label: Any = ""
    order: Any = SLOWEST_FIRST


def _kpi_label(key: str) -> Any:
    return KPI_BY_KEY[key].label


# The villages' own white spot: the crew's "on scene" tap → the server
# (selectors.heard_from_village_s), per assignment.
HEARD = Measure("heard", gettext_lazy("Heard from the village"), ASSIGNMENT, "heard_s", DURATION)

MEASURES: dict[str, Measure] = {
    **{k.key: Measure(k.key, k.label, k.level, k.field, k.kind) for k in selectors.KPIS},
    "sla": Measure("sla", KPI_BY_KEY["sla"].label, INCIDENT, "sla_met", SHARE,
                   gettext_lazy("met"), gettext_lazy("missed"), first=0, then="response_s",
                   then_label=_kpi_label("response"),
                   order=gettext_lazy("missed first; slowest first within each")),
    "app_confirmed": Measure("app_confirmed", gettext_lazy("Report confirmed"), INCIDENT,
                             "app_confirmed", SHARE, gettext_lazy("confirmed"),
                             gettext_lazy("not confirmed"), first=0, then="response_s",
                             then_label=_kpi_label("response"),
                             order=gettext_lazy("not confirmed first; slowest first within each")),
    "ack_on_behalf": Measure("ack_on_behalf", gettext_lazy("Acknowledged on the officer's behalf"),
                             ASSIGNMENT, "ack_on_behalf", SHARE, gettext_lazy("on behalf"),
                             gettext_lazy("by the unit"), first=1, then="acknowledge_s",
                             then_label=_kpi_label("acknowledge"),
                             order=gettext_lazy("on behalf first; slowest first within each")),
    "undelivered_60s": Measure("undelivered_60s", gettext_lazy("Not delivered within 60 s"),
                               ASSIGNMENT, "undelivered_60s", SHARE,
                               gettext_lazy("not within 60 s"), gettext_lazy("within 60 s"),
                               first=1, then="delivery_s", then_label=_kpi_label("delivery"),
                               order=gettext_lazy("not within 60 s first; slowest first "
                                                  "within each")),
    HEARD.key: HEARD,
    "sync_lag": Measure("sync_lag", gettext_lazy("Sync lag"), EVENT, "sync_lag_s", DURATION),
    "suspect": Measure("suspect", gettext_lazy("Clock-suspect events"), EVENT, "suspect", SHARE,
                       gettext_lazy("time suspect"), gettext_lazy("time trusted"), first=1,
                       then="sync_lag_s", then_label=gettext_lazy("Sync lag"),
                       order=gettext_lazy("time suspect first; longest lag first within each")),
}  # fmt: skip


def _value_cell(measure: Measure | None, value: Any) -> Any:
    if measure is None:
        return None
    if measure.kind == SHARE:
        return str(measure.yes if value == 1 else measure.no)
    return value


def drilldown_rows(f: ReportFilter, measure: Measure | None, *, now: dt.datetime) -> QuerySet[Any]:
    """The rows behind a figure: every call of the filter, or those (calls or assignments)
    with a value of ``measure`` — slowest first."""
    related = ("incident", "incident__settlement", "incident__district", "unit")
    if measure is not None and measure.level == ASSIGNMENT:
        qs: QuerySet[Any] = selectors.assignment_rows(f, now=now).select_related(*related)
        if measure.key == HEARD.key:
            qs = selectors.with_heard_from_village(qs)
    elif measure is not None and measure.level == EVENT:
        qs = kpis.events_with_kpis(f.events()).select_related(*related)
    else:
        qs = selectors.incident_rows(f, now=now).select_related("settlement", "district")
    if measure is None:
        return qs.order_by("-received_at", "-pk")
    qs = qs.filter(**{f"{measure.field}__isnull": False})
    if measure.kind == DURATION:
        return qs.order_by(F(measure.field).desc(), "-pk")
    misses = F(measure.field).desc() if measure.first == 1 else F(measure.field).asc()
    return qs.order_by(misses, F(measure.then).desc(nulls_first=True), "-pk")


# The lists of calls by their wait, which show how much of it was the call's processing.
WHY_IT_WAITED = ("sla", "response")


def drilldown_table(
    f: ReportFilter, measure: Measure | None, rows: Any, *, several_districts: bool
) -> Table:
    level = measure.level if measure else INCIDENT
    columns = [Column("number", _("Incident"))]
    if level == ASSIGNMENT:
        columns += [Column("unit", _("Unit")), Column("dispatched", _("Dispatched"), WHEN)]
    if level == EVENT:
        columns += [
            Column("unit", _("Unit")),
            Column("event", _("Event")),
            Column("event_at", _("Event time (estimated)"), WHEN),
            Column("server_at", _("Received by the server"), WHEN),
        ]
    columns.append(Column("received", _("Received"), WHEN))
    if several_districts:
        columns.append(Column("district", _("District")))
    columns += [
        Column("settlement", _("Settlement")),
        Column("zone", _("Zone")),
        Column("priority", _("Priority")),
        Column("channel", _("Channel")),
        Column("category", _("Category")),
    ]
    # Why a call waited: how much of its wait went before a unit was sent (the desk's part),
    # before the response it is part of — the rest was the unit's way there; "—": nobody was
    # ever sent. A chief read "missed, 4 h 32 min" and could not tell a late dispatch from a
    # long road.
    waited = measure is not None and measure.key in WHY_IT_WAITED
    if waited:
        columns.append(Column("processing", _kpi_label("call_processing"), DURATION, words=True))
    if measure is not None:
        # Durations in words: beside the received and dispatched times "3:00:53" read as
        # one more clock time.
        columns.append(
            Column(
                "value",
                str(measure.label),
                DURATION if measure.kind == DURATION else TEXT,
                words=True,
            )
        )
        if measure.then:
            columns.append(Column("then", str(measure.then_label), DURATION, words=True))
        if measure.key == "sla":
            # The call's own target beside its response: "P0, 31 min 57 s, missed" and "P2,
            # 1 h 49 min, met" could not be checked without the policy table at hand.
            columns.append(Column("target", _("Arrival target"), DURATION, words=True))
    table = Table("incidents", _list_title(f, measure), columns)
    sla = measure is not None and measure.key == "sla"
    for row in rows:
        incident = row if level == INCIDENT else row.incident
        # Domestic violence: no place on any list (a household in a small village is
        # identified by it); the incident page shows it, and its read is audited.
        dv = incident.category == Category.DOMESTIC_VIOLENCE
        settlement = incident.settlement
        table.add(
            number=Cell(
                incident.number, href=reverse("admin:dispatch_incident_change", args=[incident.pk])
            ),
            unit=row.unit.callsign if level != INCIDENT and row.unit_id else "",
            dispatched=row.dispatched_at if level == ASSIGNMENT else None,
            event=labels.label(labels.EVENT_KIND, row.kind) if level == EVENT else "",
            event_at=row.estimated_at if level == EVENT else None,
            server_at=row.server_received_at if level == EVENT else None,
            received=incident.received_at,
            district=incident.district.local_name,
            settlement=_("restricted (domestic violence)")
            if dv
            else (settlement.local_name if settlement else "—"),
            zone="" if dv else labels.label(labels.ZONE, settlement.zone if settlement else None),
            priority=incident.priority,
            channel=labels.label(labels.CHANNEL, incident.channel),
            category=labels.label(labels.CATEGORY, incident.category),
            value=_value_cell(measure, getattr(row, measure.field) if measure else None),
            then=getattr(row, measure.then) if measure and measure.then else None,
            # (not a DV call's: its priority and target would tell the zone its row hides)
            target=None if dv or not sla else row.sla_target_s,
            processing=row.call_processing_s if waited else None,
        )
    return table


def _list_title(f: ReportFilter, measure: Measure | None) -> str:
    """A drill-down's title: its figure, or what it lists — the calls, or the repeat reports."""
    if measure is not None:
        return str(measure.label)
    return _("Repeat reports") if f.repeats else _("Calls")


def _incident_path(level: str) -> str:
    """How a drill-down's rows reach their call: ``""`` for calls, ``"incident__"`` else."""
    return "" if level == INCIDENT else "incident__"


def _audit_dv_reads(user: Any, rows: list[Any], *, level: str, purpose: str) -> None:
    """Listing domestic-violence calls is a read of them (Law 214-IV): one audit entry per
    call, all in one unit of work."""
    incidents = {}
    for row in rows:
        incident = row if level == INCIDENT else row.incident
        if incident.category == Category.DOMESTIC_VIOLENCE:
            incidents[incident.pk] = incident
    if not incidents:
        return
    with uow.unit_of_work():
        for incident in incidents.values():
            uow.record_read(actor=user, obj=incident, purpose=purpose)


@report_view
def incidents_page(site: Any, request: HttpRequest) -> HttpResponse:
    """The incidents (or assignments) behind a figure: the filter's rows with a value of
    ``?kpi=`` (every call without it), slowest first, a page at a time; the CSV has them all."""
    form = _form(request, last_days)
    measure = MEASURES.get(request.GET.get("kpi") or "")
    download = _download(request)
    if download and download[1] != "incidents":
        return _no_table(download[1], ["incidents"], download[0])
    unknown = {"kpi": _("No such figure.")} if request.GET.get("kpi") and measure is None else {}
    if not form.is_valid() or unknown:
        return _refused(
            site,
            request,
            form,
            "admin/reports/incidents.html",
            _("Incidents behind a figure"),
            unknown,
        )
    f = form.report_filter()
    rows = drilldown_rows(f, measure, now=clock.now())
    level = measure.level if measure else INCIDENT
    several = f.districts is None or len(f.districts) > 1
    # The list's heading (and its workbook's) names its settlement — unless a listed call is
    # domestic violence, whose place no list shows (the heading would show it for every row).
    place_hidden = (
        bool(f.settlement and f.settlement != NONE)
        and rows.filter(**{_incident_path(level) + "category": Category.DOMESTIC_VIOLENCE}).exists()
    )
    if download is not None:
        everything = list(rows)
        purpose = f"reports.{download[0]}"  # the file read: reports.csv, reports.xlsx
        _audit_dv_reads(request.user, everything, level=level, purpose=purpose)
        table = drilldown_table(f, measure, everything, several_districts=several)
        heading = file_heading(request, form, f, place_hidden=place_hidden)
        return _file(table, download[0], "incidents", f, heading)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    _audit_dv_reads(request.user, shown, level=level, purpose="reports.incident_list")
    table = drilldown_table(f, measure, shown, several_districts=several)
    _link_csv(request, [table])
    context = _context(
        request,
        form,
        f,
        narrowing=narrowing(request, form, f, place_hidden=place_hidden),
        title=_list_title(f, measure),
        measure=measure,
        level=level,
        count=page.paginator.count,
        page=page,
        tables=[table],
        page_query=f.query(kpi=measure.key if measure else None),
    )
    return _page(site, request, "admin/reports/incidents.html", context)


# --- charts --------------------------------------------------------------------------------
CHARTS = ("response-by-zone", "trend", "delivery-by-coverage", "heard-by-coverage")


@report_view
def chart(site: Any, request: HttpRequest, name: str) -> HttpResponse:
    """One chart of the filter as SVG."""
    # matplotlib is imported by the first chart drawn, not by every start of Django: loaded
    # with the URLs, it cost each manage.py command (five before `make run` serves) ~1 s.
    from . import charts

    if name not in CHARTS:
        return _json({"error": "not_found", "detail": _("No such chart.")}, status=404)
    form = _form(request, last_days)
    if not form.is_valid():
        return _invalid(form)
    f = form.report_filter()
    now = clock.now()
    zones = {k: str(v) for k, v in labels.ZONE.items()} | {None: str(labels.NONE_KEY)}
    coverage = {k: str(v) for k, v in labels.COVERAGE.items()} | {None: str(labels.NONE_KEY)}
    if name == "response-by-zone":
        svg = charts.box_chart(
            selectors.response_by_zone(f, now=now),
            value="response",
            order=[*labels.ZONE, None],
            names=zones,
            title=_("Response time by zone"),
        )
    elif name == "trend":
        svg = charts.trend_chart(
            selectors.weekly_trend(f, now=now),
            title=_("Response time by week against the arrival target"),
        )
    elif name == "heard-by-coverage":
        svg = charts.box_chart(
            selectors.heard_by_coverage(f, now=now),
            value="heard",
            order=[*labels.COVERAGE, None],
            names=coverage,
            title=_("Heard from the village (on-scene tap → server) by coverage level"),
            log_seconds=True,
        )
    else:
        svg = charts.box_chart(
            selectors.delivery_by_coverage(f, now=now),
            value="delivery",
            order=[*labels.COVERAGE, None],
            names=coverage,
            title=_("Delivery to the crew (dispatch → delivered) by coverage level"),
            log_seconds=True,
        )
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["Cache-Control"] = "private, max-age=60"
    return response
