"""What a report is about: a period of local days, the reader's districts, and optional
narrowing by zone, priority, channel, category, shift, settlement, unit, coverage, outcome and
the outcome's article of the CoAO.

Every page, chart, CSV and drill-down list reads the same :class:`ReportFilter`, so a figure
and the list of incidents behind it are always the same rows. The districts are always
within the reader's scope (:func:`backend.people.access.district_scope`): a district chief
cannot name another district, an oblast administrator picks one of the oblast's or sees all.

Shifts: **day 08:00–20:00, night 20:00–08:00**, Kazakhstan time, by the moment the call was
received (an assignment belongs to the shift of its call).

Repeat reports — reports Kuzet linked to an earlier call of the same event (status
``duplicate``) — are not calls: a chief counts events, not phone calls, so no figure, list or
CSV counts them (a village's "2 calls" were one fight reported twice), except where a filter
asks for them alone (``repeats=only``: the report for the period shows how many came, per
channel).

Exercise calls (``Incident.exercise``: a drill, the ×30 live demo) are handled like any call
and counted by no figure, list or CSV (``kpis.counted_q``); a page says how many it left out.
"""

from __future__ import annotations

import datetime as dt
import functools
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from typing import Any

from django import forms
from django.db.models import Case, CharField, Exists, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Cast, ExtractHour
from django.db.models.lookups import GreaterThanOrEqual, LessThan
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from backend.common.days import DayField
from backend.common.days import local_midnight as local_midnight  # the reports read it here
from backend.common.days import local_zone as local_zone
from backend.dispatch import kpis
from backend.dispatch.lifecycle import IncidentStatus
from backend.dispatch.models import Assignment, Event, Incident, OutcomeCode
from backend.geo.models import District, Okrug, Settlement, in_reader_language
from backend.geo.names import LocalName
from backend.ledger.actions import AuditAction
from backend.ledger.models import AuditEntry
from backend.people.access import district_scope
from backend.people.models import Unit

from . import labels

DAY_SHIFT_HOURS = (8, 20)  # [08:00, 20:00) local is the day shift; the rest is night
NONE = "none"  # the key of rows without a value (no settlement, hence no zone or coverage)
REPEATS_ONLY = "only"  # ?repeats=only: the repeat reports instead of the calls
DEFAULT_DAYS = 30
MAX_DAYS = 3 * 366  # a report spans at most three years
# A report's days lie between these: Kuzet holds no call before 2000, and none after
# tomorrow (tomorrow, not today: a reader's clock a little ahead of the server's at midnight).
# Without the bounds 0001-01-01 or 9999-12-31 answered 500 — local midnight of the first day,
# or of the day after the last, is outside the range of a datetime once in UTC.
FIRST_DAY = dt.date(2000, 1, 1)


def local_today() -> dt.date:
    return timezone.localdate(timezone.now(), local_zone())


def last_day() -> dt.date:
    """The last day a report may cover: tomorrow in Kazakhstan."""
    return local_today() + dt.timedelta(days=1)


def shift_of(field: str) -> Case:
    """``day`` or ``night`` by the local hour of the datetime ``field``."""
    start, end = DAY_SHIFT_HOURS
    hour = ExtractHour(field, tzinfo=local_zone())
    return Case(
        When(GreaterThanOrEqual(hour, start) & LessThan(hour, end), then=Value("day")),
        default=Value("night"),
        output_field=CharField(),
    )


def _shift_q(field: str, shift: str) -> Q:
    start, end = DAY_SHIFT_HOURS
    hour = ExtractHour(field, tzinfo=local_zone())
    day = Q(GreaterThanOrEqual(hour, start)) & Q(LessThan(hour, end))
    return day if shift == "day" else ~day


def _article_q(field: str, article: str) -> Q:
    """The outcome names ``article`` or one of its parts ("73": 73, 73-1, 73-2…); for
    ``labels.OTHER_ARTICLE``, none of the articles counted apart, or no article at all."""
    if article == labels.OTHER_ARTICLE:
        q = Q()
        for counted in labels.ARTICLE:
            if counted != labels.OTHER_ARTICLE:
                q &= ~_article_q(field, counted)
        return q
    return Q(**{field: article}) | Q(**{f"{field}__startswith": f"{article}-"})


def _order_issued_q(prefix: str) -> Q:
    """The calls on which a protective order was issued: their outcome says so, or an order
    was recorded on them (the audit log's ``risk_subject.protective_order``) and the call's
    outcome became another since — a crew reported the order, the desk closed the call as a
    criminal case. The order stands (its subjects are under it, the orders in force count
    it): the report read "orders issued: 0, in force: 1" for a period both began in."""
    recorded = AuditEntry.objects.filter(
        action=AuditAction.RISK_PROTECTIVE_ORDER,
        object_type="incident",
        object_id=Cast(OuterRef(f"{prefix}pk"), output_field=CharField()),
    )
    return Q(**{f"{prefix}outcome_code": OutcomeCode.PROTECTIVE_ORDER}) | Q(Exists(recorded))


@dataclass(frozen=True)
class ReportFilter:
    """A period of whole local days (both ends included) and the rows it selects."""

    date_from: dt.date
    date_to: dt.date
    # The districts read: the reader's scope, or the one district they picked. None: every
    # district (a superuser's whole scope).
    districts: tuple[int, ...] | None
    district: int | None = None  # the district picked (oblast staff), if any
    zone: str = ""
    priority: str = ""
    channel: str = ""
    category: str = ""
    shift: str = ""
    coverage: str = ""
    settlement: str = ""  # a settlement id, or NONE
    okrug: int | None = None  # the rural okrug of the calls' settlements
    unit: int | None = None
    outcome: str = ""
    article: str = ""  # a key of labels.ARTICLE: the outcome's CoAO article
    repeats: str = ""  # REPEATS_ONLY: the repeat reports, not the calls

    @property
    def start(self) -> dt.datetime:
        return local_midnight(self.date_from)

    @property
    def end(self) -> dt.datetime:
        """The first moment after the period."""
        return local_midnight(self.date_to + dt.timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    # --- rows -----------------------------------------------------------------------------
    def incident_q(self, prefix: str = "", *, counted: bool = True) -> Q:
        """The incidents of the filter, as a condition on ``<prefix>`` (``""`` for incidents,
        ``"incident__"`` for assignments and events). Not the unit: see :meth:`incidents`.
        Exercise calls are not among them (``kpis.counted_q``) unless ``counted`` is False."""
        p = prefix
        q = Q(**{f"{p}received_at__gte": self.start, f"{p}received_at__lt": self.end})
        if counted:
            q &= kpis.counted_q(p)
        repeat = Q(**{f"{p}status": IncidentStatus.DUPLICATE})
        q &= repeat if self.repeats == REPEATS_ONLY else ~repeat
        if self.districts is not None:
            q &= Q(**{f"{p}district_id__in": sorted(self.districts)})
        for name, path in (("priority", "priority"), ("category", "category")):
            if value := getattr(self, name):
                q &= Q(**{f"{p}{path}": value})
        if self.outcome == OutcomeCode.PROTECTIVE_ORDER:
            q &= _order_issued_q(p)
        elif self.outcome:
            q &= Q(**{f"{p}outcome_code": self.outcome})
        if self.channel == labels.APPS:
            q &= Q(**{f"{p}channel__in": kpis.APP_CHANNELS})
        elif self.channel:
            q &= Q(**{f"{p}channel": self.channel})
        for name, path in (("zone", "settlement__zone"), ("coverage", "settlement__coverage")):
            value = getattr(self, name)
            if value == NONE:
                q &= Q(**{f"{p}settlement__isnull": True})
            elif value:
                q &= Q(**{f"{p}{path}": value})
        if self.okrug is not None:
            q &= Q(**{f"{p}settlement__okrug_id": self.okrug})
        if self.settlement == NONE:
            q &= Q(**{f"{p}settlement__isnull": True})
        elif self.settlement:
            q &= Q(**{f"{p}settlement_id": int(self.settlement)})
        if self.shift:
            q &= _shift_q(f"{p}received_at", self.shift)
        if self.article:
            q &= _article_q(f"{p}outcome_article", self.article)
        return q

    def incidents(self, *, counted: bool = True) -> QuerySet[Incident]:
        qs = Incident.objects.filter(self.incident_q(counted=counted))
        if self.unit is not None:
            qs = qs.filter(
                Exists(Assignment.objects.filter(incident=OuterRef("pk"), unit_id=self.unit))
            )
        return qs

    def exercises_left_out(self) -> int:
        """How many exercise calls the filter would hold if they counted: the figures leave
        them out, and the page says so (one statement)."""
        return self.incidents(counted=False).filter(exercise=True).count()

    def assignments(self) -> QuerySet[Assignment]:
        qs = Assignment.objects.filter(self.incident_q("incident__"))
        if self.unit is not None:
            qs = qs.filter(unit_id=self.unit)
        return qs

    def events(self) -> QuerySet[Event]:
        """Events on the filter's incidents (by the unit's assignments, with a unit)."""
        qs = Event.objects.filter(self.incident_q("incident__"))
        if self.unit is not None:
            qs = qs.filter(unit_id=self.unit)
        return qs

    # --- links ----------------------------------------------------------------------------
    def params(self) -> dict[str, str]:
        """The query parameters that select this filter (the districts come from the reader)."""
        out = {
            "date_from": self.date_from.isoformat(),
            "date_to": self.date_to.isoformat(),
        }
        for f in fields(self):
            if f.name in ("date_from", "date_to", "districts"):
                continue
            value = getattr(self, f.name)
            if value not in ("", None):
                out[f.name] = str(value)
        return out

    def query(self, **extra: Any) -> str:
        """``?…`` for this filter with ``extra`` parameters (a value of None drops one)."""
        params = self.params()
        for key, value in extra.items():
            if value is None:
                params.pop(key, None)
            else:
                params[key] = str(value)
        return "?" + urllib.parse.urlencode(params)

    def narrowed(self, **changes: Any) -> ReportFilter:
        """This filter with slice keys applied, e.g. ``narrowed(zone="rural")``."""
        return replace(self, **changes)


# The filter's narrowing, in the order the page names it.
NARROWING = (
    "district",
    "zone",
    "priority",
    "channel",
    "category",
    "shift",
    "coverage",
    "outcome",
    "article",
    "okrug",
    "settlement",
    "unit",
    "repeats",
)


def _choices(table: dict[str, Any], *, none: bool = False) -> list[tuple[str, Any]]:
    extra = [(NONE, labels.NONE_KEY)] if none else []
    return [("", _("all")), *table.items(), *extra]


class ReportFilterForm(forms.Form):
    """The filter as a GET form. The district choices are the reader's; settlement and unit
    come from links (a figure's drill-down) and are checked against the reader's scope."""

    date_from = DayField(label=_("From"), required=False)
    date_to = DayField(label=_("To"), required=False)
    district = forms.TypedChoiceField(
        label=_("District"),
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": _("No such district among yours.")},
    )
    # A chief's villages are his district's, and those of one district inspector its rural
    # okrug's: the form offered no place at all (a village only by a figure's link).
    okrug = forms.TypedChoiceField(
        label=_("Rural okrug"),
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": _("No such rural okrug in your districts.")},
    )
    zone = forms.ChoiceField(
        label=_("Zone"), required=False, choices=_choices(labels.ZONE, none=True)
    )
    priority = forms.ChoiceField(
        label=_("Priority"), required=False, choices=_choices(labels.PRIORITY)
    )
    channel = forms.ChoiceField(
        label=_("Channel"),
        required=False,
        choices=[
            *_choices(labels.CHANNEL),
            (labels.APPS, _("any app (Police-102, eGov, Kaspi, Halyk)")),
        ],
    )
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=_choices(labels.CATEGORY)
    )
    shift = forms.ChoiceField(label=_("Shift"), required=False, choices=_choices(labels.SHIFT))
    coverage = forms.ChoiceField(
        label=_("Coverage"), required=False, choices=_choices(labels.COVERAGE, none=True)
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"), required=False, choices=_choices(labels.OUTCOME)
    )
    article = forms.ChoiceField(
        label=_("Article of the CoAO"), required=False, choices=_choices(labels.ARTICLE)
    )
    # Set by a figure's link, not chosen in the form: named above the page (narrowing()).
    settlement = forms.CharField(label=_("Settlement"), required=False, widget=forms.HiddenInput)
    unit = forms.IntegerField(label=_("Unit"), required=False, widget=forms.HiddenInput)
    repeats = forms.ChoiceField(
        label="",
        required=False,
        choices=[("", ""), (REPEATS_ONLY, _("repeat reports only"))],
        widget=forms.HiddenInput,
    )

    def __init__(self, data: Any, *, user: Any, default_period: tuple[dt.date, dt.date]) -> None:
        super().__init__(data)
        self.user = user
        self.default_period = default_period
        self.scope = district_scope(user)
        # By the name shown: a Kazakh reader's districts in Kazakh order (geo.names.LocalName)
        districts = District.objects.filter(self.scope.q("id")).order_by(LocalName(), "pk")
        self.district_choices = [(d.pk, d.local_name) for d in districts]
        district_field = self.fields["district"]
        assert isinstance(district_field, forms.TypedChoiceField)
        district_field.choices = [("", _("all my districts")), *self.district_choices]
        if len(self.district_choices) <= 1:
            self.fields["district"].widget = forms.HiddenInput()
        self.okrug_names, okrug_choices = self._okrugs()
        okrug_field = self.fields["okrug"]
        assert isinstance(okrug_field, forms.TypedChoiceField)
        okrug_field.choices = [("", _("all")), *okrug_choices]
        # The days a report accepts, as the field's hint.
        accepted = f"{FIRST_DAY:%d.%m.%Y} – {last_day():%d.%m.%Y}"
        for name in ("date_from", "date_to"):
            self.fields[name].widget.attrs["title"] = accepted

    def _okrugs(self) -> tuple[dict[int, str], list[Any]]:
        """The rural okrugs of the reader's districts by name in the reader's language, and
        the choices: one list for one district, grouped under each district's name for
        several."""
        okrugs = Okrug.objects.filter(self.scope.q("district")).values_list(
            "pk", "name", "name_kk", "district_id"
        )
        names = {pk: in_reader_language(name, name_kk) for pk, name, name_kk, _d in okrugs}
        by_district: dict[int, list[tuple[int, str]]] = {}
        for pk, _name, _kk, district in okrugs:
            by_district.setdefault(district, []).append((pk, names[pk]))
        for choices in by_district.values():
            choices.sort(key=lambda choice: labels.name_order(choice[1]))
        if len(self.district_choices) <= 1:
            return names, [c for choices in by_district.values() for c in choices]
        return names, [
            (district_name, by_district[pk])
            for pk, district_name in self.district_choices
            if pk in by_district
        ]

    @property
    def picks_district(self) -> bool:
        return len(self.district_choices) > 1

    def clean_date_from(self) -> dt.date | None:
        return self._day_in_range(self.cleaned_data.get("date_from"))

    def clean_date_to(self) -> dt.date | None:
        return self._day_in_range(self.cleaned_data.get("date_to"))

    def _day_in_range(self, day: dt.date | None) -> dt.date | None:
        last = last_day()
        if day is not None and not FIRST_DAY <= day <= last:
            raise forms.ValidationError(
                _("The day must be between %(first)s and %(last)s.")
                % {"first": date_format(FIRST_DAY, "d.m.Y"), "last": date_format(last, "d.m.Y")},
                code="out_of_range",
            )
        return day

    def clean_settlement(self) -> str:
        value = self.cleaned_data.get("settlement") or ""
        if value in ("", NONE):
            return value
        if (
            not value.isdigit()
            or not Settlement.objects.filter(self.scope.q("district"), pk=int(value)).exists()
        ):
            raise forms.ValidationError(
                _("No such settlement in your districts."), code="out_of_scope"
            )
        return value

    def clean_unit(self) -> int | None:
        value = self.cleaned_data.get("unit")
        if (
            value is not None
            and not Unit.objects.filter(self.scope.q("district"), pk=value).exists()
        ):
            raise forms.ValidationError(_("No such unit in your districts."), code="out_of_scope")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.has_error("date_from") or self.has_error("date_to"):
            # The error is on the day's field; the default in its place would say nothing
            # true of the period the reader asked for.
            return data
        default_from, default_to = self.default_period
        date_from = data.get("date_from") or default_from
        date_to = data.get("date_to") or default_to
        if date_from > date_to:
            raise forms.ValidationError(_("The period ends before it starts."), code="bad_period")
        if (date_to - date_from).days + 1 > MAX_DAYS:
            raise forms.ValidationError(
                _("A report spans at most %(days)s days.") % {"days": MAX_DAYS}, code="bad_period"
            )
        data["date_from"], data["date_to"] = date_from, date_to
        return data

    def narrowing(self, f: ReportFilter) -> list[tuple[str, str, str]]:
        """How ``f`` (this valid form's filter) narrows the period's calls, in the reader's
        words: ``(parameter, label, value)`` per filter set — the hidden ones too (a village's
        drill-down is one settlement's calls, and said nothing of it). A place by its name in
        the reader's language."""
        out = []
        for name in NARROWING:
            value = getattr(f, name)
            if value in ("", None) or (name == "district" and not self.picks_district):
                continue
            if name == "district":
                text = dict(self.district_choices).get(value, str(value))
            elif name == "okrug":
                text = self.okrug_names.get(value, str(value))
            elif name == "settlement" and value != NONE:
                place = Settlement.objects.filter(pk=int(value)).values("name", "name_kk").get()
                text = in_reader_language(place["name"], place["name_kk"])
            elif name == "unit":
                text = Unit.objects.filter(pk=value).values_list("callsign", flat=True).get()
            else:
                field = self.fields[name]
                choices = dict(getattr(field, "choices", ()))
                text = str(choices.get(value, labels.NONE_KEY if value == NONE else value))
            out.append((name, str(self.fields[name].label or ""), text))
        return out

    def report_filter(self) -> ReportFilter:
        """The filter of a valid form."""
        data = self.cleaned_data
        district = data.get("district")
        if district is not None:
            districts: tuple[int, ...] | None = (district,)
        elif self.scope.everything:
            districts = None
        else:
            districts = tuple(sorted(self.scope.district_ids))
        return ReportFilter(
            date_from=data["date_from"],
            date_to=data["date_to"],
            districts=districts,
            district=district,
            zone=data.get("zone") or "",
            priority=data.get("priority") or "",
            channel=data.get("channel") or "",
            category=data.get("category") or "",
            shift=data.get("shift") or "",
            coverage=data.get("coverage") or "",
            settlement=data.get("settlement") or "",
            okrug=data.get("okrug"),
            unit=data.get("unit"),
            outcome=data.get("outcome") or "",
            article=data.get("article") or "",
            repeats=data.get("repeats") or "",
        )


# A page's default period, ending on the reader's last day when the query gives one (?date_to
# alone): the days before it, never the days before today (a query ending 03.12 read 06.11–
# 03.12 on 05.12, four days short of its thirty).
DefaultPeriod = Callable[[dt.date | None], tuple[dt.date, dt.date]]


def last_days(end: dt.date | None = None, *, days: int = DEFAULT_DAYS) -> tuple[dt.date, dt.date]:
    """The ``days`` local days up to ``end`` (today when None), both included."""
    end = end or local_today()
    return end - dt.timedelta(days=days - 1), end


def last_month(end: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The upward report's default: the previous calendar month; with an ``end``, its
    calendar month up to that day."""
    if end is not None:
        return end.replace(day=1), end
    first = local_today().replace(day=1)
    last = first - dt.timedelta(days=1)
    return last.replace(day=1), last


def this_month(end: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The calendar month so far, today included."""
    end = end or local_today()
    return end.replace(day=1), end


# The periods a report offers with one click beside its days, in the reader's words: a chief
# who wanted his villages for last month had to type 01.11.2026 and 30.11.2026 into the form.
QUICK_PERIODS: tuple[tuple[Any, DefaultPeriod], ...] = (
    (_("Last 7 days"), functools.partial(last_days, days=7)),
    (_("Last 30 days"), last_days),
    (_("This month"), this_month),
    (_("Last month"), last_month),
)
