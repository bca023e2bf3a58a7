"""The audit log: read-only for everyone, superusers included; scoped like the rest.

Registered with the dispatch console (not with people, where the audit log's rows are
about officers too) so that an entry's data reads as the incident page's timeline reads it:
codes as words and units by callsign (``timeline.worded``), the incident by its number.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from django.apps import apps
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import ValidationError
from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from backend.devices.models import Device
from backend.geo.models import District, Settlement
from backend.ledger.actions import (
    ACTION_LABELS,
    OBJECT_TYPE_MODELS,
    action_label,
    object_type_label,
)
from backend.ledger.models import AuditEntry
from backend.people.admin_scoping import (
    ConditionFilter,
    ScopedAdminMixin,
    changed_in_words,
    scoped_ids,
)
from backend.people.models import Officer, Role, Unit

from .. import selectors
from ..models import Assignment, Conflict, FollowUpTask, Incident, RiskSubject
from ..selectors import object_names
from .conflicts import conflict_text
from .formatting import dated_text, payload_html
from .timeline import (
    UNIT_KEYS,
    action_worded,
    assignment_ids_in,
    incident_ids_in,
    officer_names,
    risk_subject_ids_in,
    with_numbers,
    with_officers,
    with_records,
    worded,
)


def entry_names(entries: Iterable[AuditEntry]) -> dict[tuple[str, str], str]:
    """How a person names the records ``entries`` are about (:func:`selectors.object_names`:
    a call, an assignment, a unit, an officer), and here the rest the log is full of — a
    conflict by its call, unit and milestone, a follow-up visit by its call, a phone by its
    make and officer, a DV case by its number (never a person's name: the list names no one).
    One read per kind for the page, not one per row; the log had read "conflict 56"."""
    entries = list(entries)
    names = object_names(entries)
    ids: dict[str, set[int]] = defaultdict(set)
    for entry in entries:
        if entry.object_id.isdigit():
            ids[entry.object_type].add(int(entry.object_id))
    if ids["conflict"]:
        rows = Conflict.objects.filter(pk__in=ids["conflict"]).values_list(
            "pk", "incident__number", "unit__callsign", "event__kind"
        )
        names |= {("conflict", str(pk)): conflict_text(*rest) for pk, *rest in rows}
    if ids["followuptask"]:
        visits = FollowUpTask.objects.filter(pk__in=ids["followuptask"]).select_related("incident")
        names |= {("followuptask", str(v.pk)): str(v) for v in visits}
    for pk in ids["risksubject"]:
        names["risksubject", str(pk)] = gettext("case № %(n)s") % {"n": pk}
    for pk in ids["sms"]:  # a reply the gateway received (the log read "1")
        names["sms", str(pk)] = gettext("SMS № %(n)s") % {"n": pk}
    devices = [entry.object_id for entry in entries if entry.object_type == "device"]
    if devices:
        for device in Device.objects.filter(pk__in=devices).select_related("officer"):
            names["device", device.pk] = f"{device.make} · {device.officer.username}"
    return names


def entry_links(
    request: HttpRequest,
    site: admin.AdminSite,
    entries: Iterable[AuditEntry],
    kinds: Iterable[str] | None = None,
) -> dict[tuple[str, str], str]:
    """The console page of each record ``entries`` are about (of ``kinds``; None: any) that the
    reader may open: its admin lets them view the kind, and the record is in their scope (one
    read per kind). A record they may not open is named, not linked."""
    wanted = None if kinds is None else set(kinds)
    ids: dict[str, set[str]] = defaultdict(set)
    for entry in entries:
        if entry.object_id and (wanted is None or entry.object_type in wanted):
            ids[entry.object_type].add(entry.object_id)
    links: dict[tuple[str, str], str] = {}
    for kind, pks in ids.items():
        model = _model_of(kind)
        model_admin = site._registry.get(model) if model is not None else None
        if not isinstance(model_admin, ScopedAdminMixin):
            continue
        if not model_admin.has_view_permission(request):
            continue
        opts = model._meta
        for pk in scoped_ids(model_admin.scoped_queryset(request), _valid_pks(model, pks)):
            links[kind, str(pk)] = reverse(
                f"admin:{opts.app_label}_{opts.model_name}_change",
                args=[quote(pk)],
                current_app=site.name,
            )
    return links


def _valid_pks(model: Any, pks: Iterable[str]) -> list[Any]:
    """Of the object ids ``pks``, those that can be ``model``'s primary key."""
    valid = []
    for pk in pks:
        try:
            valid.append(model._meta.pk.to_python(pk))
        except ValidationError:
            continue
    return valid


# The kinds of record the log's list links: named by a bare number ("SMS № 35"), which
# finds nothing in the console's search. The other kinds are named by what finds them (a
# call's number, a callsign), and an entry's own page links its record whatever its kind.
LINKED_IN_THE_LIST = ("sms",)


class _NamedObjectsChangeList(ChangeList):
    """The log's page, with each entry's record named (:func:`entry_names`) and, for
    :data:`LINKED_IN_THE_LIST`, linked where the reader may open it (:func:`entry_links`)."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        names = entry_names(self.result_list)
        links = entry_links(
            request, self.model_admin.admin_site, self.result_list, LINKED_IN_THE_LIST
        )
        for entry in self.result_list:
            key = (entry.object_type, entry.object_id)
            entry.named = names.get(key, entry.object_id)
            entry.link = links.get(key)


# A call's number as a duty officer types it: whole ("1010-2026-000112") or its tail ("000112",
# "112"); a search for it finds the entries about the call and about its assignments,
# conflicts and follow-up visits (the incident page's timeline).
CALL_NUMBER_RE = re.compile(r"\d[\d-]{1,19}")
# More calls than this matching a number's tail: the reader is told to type more of it.
CALLS_SEARCHED = 50


# A call's number inside a record's name ("SEM-PC1 · 1010-2026-000112").
NUMBER_IN_NAME_RE = re.compile(r"\b\d+-\d{4}-\d+\b")


def numbers_whole(name: str) -> SafeString:
    """``name``, escaped, with each call number in it kept on one line (``kuzet-code``)."""
    parts = NUMBER_IN_NAME_RE.split(name)
    html = format_html("{}", parts[0])
    for number, after in zip(NUMBER_IN_NAME_RE.findall(name), parts[1:], strict=True):
        html = format_html('{}<span class="kuzet-code">{}</span>{}', html, number, after)
    return html


def _about_calls(number: str) -> Q:
    """The entries about the calls whose number ends with ``number`` and their parts."""
    calls = list(
        Incident.objects.filter(number__endswith=number)
        .order_by("-pk")
        .values_list("pk", flat=True)[:CALLS_SEARCHED]
    )
    return selectors.audit_about_incidents(calls) if calls else Q(pk__in=[])


def _actions_named(words: str) -> list[str]:
    """The actions whose name, in the reader's language, contains ``words`` ("dispatched",
    "жіберілді", "направлен")."""
    folded = words.casefold()
    return [action for action, label in ACTION_LABELS.items() if folded in str(label).casefold()]


class MineFilter(ConditionFilter):
    """The reader's own actions (the duty desk's home links to ``?mine=yes``)."""

    title = _("my actions")
    parameter_name = "mine"

    def condition(self, request: HttpRequest) -> Q:
        return Q(actor_id=request.user.pk)


def _other_oblasts_officers(oblast_id: int | None) -> QuerySet[Officer]:
    """The staff of oblasts other than ``oblast_id``: an oblast's own (an oblast's ЦОУ or
    administrator) or a district's of another oblast. A superuser with no oblast is no one's."""
    mine = Q(oblast_id=oblast_id) | Q(district__oblast_id=oblast_id)
    placed = Q(oblast__isnull=False) | Q(district__isnull=False)
    return Officer.objects.filter(placed).exclude(mine).order_by()


@admin.register(AuditEntry)
class AuditEntryAdmin(ScopedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """The audit log: read-only for everyone, superusers included; scoped like the rest."""

    read_only = True
    # The record an entry is about by its name, the kind of record under it: as a column of
    # its own the kind pushed the record off a 1280 px laptop in Russian.
    list_display = (
        "number",
        "when",
        "who",
        "actor_kind",
        "action_words",
        "object_named",
        "district",
    )
    list_select_related = ("district", "actor")
    # When it was done, on Kazakhstan's clock: a day, a month, a year.
    date_hierarchy = "at"
    list_filter = (MineFilter, "actor_kind", "at", "district")
    search_fields = ("action", "object_id", "actor_label")
    search_help_text = _(
        "A call's number (or its last digits), an action's name, a record's id or who acted."
    )
    ordering = ("-id",)
    show_full_result_count = False
    list_per_page = 100
    fields = (
        "number",
        "at",
        "actor",
        "actor_kind",
        "who",
        "action_words",
        "object_kind",
        "object_name",
        "district",
        "pretty_data",
        "prev_hash",
        "hash",
    )
    readonly_fields = fields

    # The entry's place in the chain, under a header in words (the id's own read "ID").
    @admin.display(description=_("entry no."), ordering="id")
    def number(self, obj: AuditEntry) -> int:
        return int(obj.pk)

    def scope_q(self, request: HttpRequest) -> Q:
        scope = self.district_scope(request)
        q = scope.q("district")
        # Entries about no district (seeding, oblast-level work, security events) are for
        # the oblast administrator — of his oblast: not another oblast's, by its staff or
        # about one of them (its ЦОУ's handover notes, its staff's edits and sign-ins with
        # their addresses), which every oblast administrator read.
        user: Any = request.user
        if getattr(user, "role", None) == Role.OBLAST_ADMIN and not scope.everything:
            others = _other_oblasts_officers(user.oblast_id)
            q |= (
                Q(district__isnull=True)
                & ~Q(actor_id__in=others.values("pk"))
                & ~Q(
                    object_type="officer",
                    object_id__in=others.values(pk_text=Cast("pk", CharField())),
                )
            )
        return q

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return _NamedObjectsChangeList

    def get_object(
        self, request: HttpRequest, object_id: str, from_field: str | None = None
    ) -> AuditEntry | None:
        """The entry, with a link to the record it is about where the reader may open it."""
        entry: AuditEntry | None = super().get_object(request, object_id, from_field)
        if entry is not None:
            links = entry_links(request, self.admin_site, [entry])
            entry.link = links.get((entry.object_type, entry.object_id))  # type: ignore[attr-defined]
        return entry

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[AuditEntry], search_term: str
    ) -> tuple[QuerySet[AuditEntry], bool]:
        """The admin's search over the stored codes, and what a person types: a call's
        number finds the entries about the call, an action's name in their language finds
        those actions (the log stores ``assignment.dispatched``; they read "Unit
        dispatched")."""
        found, may_repeat = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if not term:
            return found, may_repeat
        wanted = Q(action__in=_actions_named(term))
        if CALL_NUMBER_RE.fullmatch(term):
            wanted |= _about_calls(term)
        return found | queryset.filter(wanted), may_repeat

    def _name(self, obj: AuditEntry) -> str:
        name = getattr(obj, "named", None)  # set for the list's page
        if name is None:
            name = entry_names([obj]).get((obj.object_type, obj.object_id), obj.object_id)
        return str(name) or "—"

    @admin.display(description=_("object"), ordering="object_id")
    def object_name(self, obj: AuditEntry) -> SafeString:
        """The record's name, a link to its page where the reader may open it."""
        return _linked(getattr(obj, "link", None), format_html("{}", self._name(obj)))

    @admin.display(description=_("object"), ordering="object_id")
    def object_named(self, obj: AuditEntry) -> SafeString:
        """The list's: the record's name, what kind of record under it; a call's number in it
        stays whole (it broke at its hyphen: "1010-2026-" on one line, "000112" on the next)."""
        return format_html(
            '{}<br><span class="quiet">{}</span>',
            _linked(getattr(obj, "link", None), numbers_whole(self._name(obj))),
            self.object_kind(obj),
        )

    @admin.display(description=_("data"))
    def pretty_data(self, obj: AuditEntry) -> str:
        data = readable(obj.data_dict, obj.action)
        model = _model_of(obj.object_type)
        if model is not None:  # a console edit's fields in words, as on the record's history
            data = changed_in_words(model, data)
        return payload_html(data)

    @admin.display(description=_("at"), ordering="at")
    def when(self, obj: AuditEntry) -> str:
        return dated_text(obj.at)  # read days later: its date also today

    @admin.display(description=_("who (name)"), ordering="actor_label")
    def who(self, obj: AuditEntry) -> str | SafeString:
        """The person's name, as the call's history and the handover say it, with the login
        under it (the log read "duty_semey1", "sem_pc1_2")."""
        name = obj.actor.display_name if obj.actor is not None else ""
        if not name or name == obj.actor_name:
            return obj.actor_name
        return format_html('{}<br><span class="quiet">{}</span>', name, obj.actor_name)

    @admin.display(description=_("action"), ordering="action")
    def action_words(self, obj: AuditEntry) -> str:
        return action_label(obj.action)

    @admin.display(description=_("object type"), ordering="object_type")
    def object_kind(self, obj: AuditEntry) -> str:
        return object_type_label(obj.object_type)


def _linked(url: str | None, html: SafeString) -> SafeString:
    return html if not url else format_html('<a href="{}">{}</a>', url, html)


def _unit_ids(data: Mapping[str, Any]) -> set[int]:
    ids = {v for k, v in data.items() if k in UNIT_KEYS and isinstance(v, int)}
    for value in data.values():
        if isinstance(value, Mapping):
            ids |= _unit_ids(value)
    return ids


# Places an entry's data names by id (a DV case's settlement, a policy's district) and the
# fields of a console edit (``changed``: ``{field: [old id, new id]}``) that hold one. The
# risk register's history read "Settlement: 1".
PLACE_KEYS: dict[str, type[District] | type[Settlement]] = {
    "settlement_id": Settlement,
    "settlement": Settlement,
    "district_id": District,
    "district": District,
}


def _place_ids(data: Mapping[str, Any]) -> dict[type[Any], set[int]]:
    found: dict[type[Any], set[int]] = defaultdict(set)
    changed = data.get("changed")
    pairs = [(k, v) for k, v in data.items() if k in PLACE_KEYS]
    if isinstance(changed, Mapping):
        pairs += [
            (k, v)
            for k, values in changed.items()
            if k in PLACE_KEYS and isinstance(values, list)
            for v in values
        ]
    for key, value in pairs:
        if isinstance(value, int | str) and str(value).isdigit():
            found[PLACE_KEYS[key]].add(int(value))
    return found


def place_names(datas: Iterable[Any]) -> dict[tuple[type[Any], str], str]:
    """The settlements and districts ``datas`` name by id, by their names in the reader's
    language (one read per kind for them all)."""
    ids: dict[type[Any], set[int]] = defaultdict(set)
    for data in datas:
        if isinstance(data, Mapping):
            for model, pks in _place_ids(data).items():
                ids[model] |= pks
    names: dict[tuple[type[Any], str], str] = {}
    for model, pks in ids.items():
        names |= {(model, str(place.pk)): str(place) for place in model.objects.filter(pk__in=pks)}
    return names


def with_places(data: Any, names: Mapping[tuple[type[Any], str], str] | None = None) -> Any:
    """``data`` with the settlements and districts it names by id named in the reader's
    language by ``names`` (:func:`place_names`; read here when not given); ids of places that
    are gone stay as they are."""
    if not isinstance(data, Mapping):
        return data
    if names is None:
        names = place_names([data])
    if not names:
        return data

    def named(key: str, value: Any) -> Any:
        return names.get((PLACE_KEYS[key], str(value)), value)

    out = {k: named(k, v) if k in PLACE_KEYS else v for k, v in data.items()}
    changed = out.get("changed")
    if isinstance(changed, Mapping):
        out["changed"] = {
            k: [named(k, v) for v in values]
            if k in PLACE_KEYS and isinstance(values, list)
            else values
            for k, values in changed.items()
        }
    return out


def _model_of(object_type: str) -> Any:
    """The model an entry is about (``officer`` → Officer), or None."""
    if not object_type:
        return None
    name = OBJECT_TYPE_MODELS.get(object_type, object_type.replace("_", ""))
    return next((m for m in apps.get_models() if m._meta.model_name == name), None)


def with_cases(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with the DV cases a protective order was recorded on (``subjects``) by their
    case numbers, as the log names a case (it read "Risk subjects: 4")."""
    cases = data.get("subjects")
    if not isinstance(cases, list):
        return data
    named = [gettext("case № %(n)s") % {"n": v} if isinstance(v, int) else v for v in cases]
    return {**data, "subjects": named}


def readable(data: Any, action: str = "") -> Any:
    """An entry's data with its codes as words (those of ``action``'s too), units by
    callsign, officers by name, DV cases by number, incidents by their numbers, places by
    their names, the assignments it lists by their units and the visits, enrolment codes and
    safety checks it names by what they were (one read each)."""
    return readable_all([(data, action)])[0]


def readable_all(entries: Iterable[tuple[Any, str]]) -> list[Any]:
    """The data of ``entries`` (data, the entry's action), each as :func:`readable` says it,
    in order, with the names they give read once per kind for them all: a record's history
    page read them entry by entry (a call's thirty entries: some two hundred queries)."""
    pairs = list(entries)
    mapped = [i for i, (data, _action) in enumerate(pairs) if isinstance(data, dict)]
    datas = [action_worded(pairs[i][1], pairs[i][0]) for i in mapped]
    places = place_names(datas)
    datas = [with_places(data, places) for data in datas]
    officers = officer_names(datas)
    datas = [with_cases(with_officers(data, officers)) for data in datas]
    records = selectors.data_record_names(datas)
    datas = [with_records(data, records) for data in datas]
    unit_ids = set().union(*(_unit_ids(data) for data in datas))
    callsigns = dict(Unit.objects.filter(pk__in=unit_ids).values_list("pk", "callsign"))
    ids = set().union(*(incident_ids_in(data) for data in datas))
    numbers = dict(Incident.objects.filter(pk__in=ids).values_list("pk", "number")) if ids else {}
    named = set().union(*(risk_subject_ids_in(data) for data in datas))
    subjects = {r.pk: str(r) for r in RiskSubject.objects.filter(pk__in=named)} if named else {}
    listed = set().union(*(assignment_ids_in(data) for data in datas))
    assignments = (
        dict(Assignment.objects.filter(pk__in=listed).values_list("pk", "unit__callsign"))
        if listed
        else {}
    )
    out = [data for data, _action in pairs]
    for i, data in zip(mapped, datas, strict=True):
        out[i] = with_numbers(worded(data, callsigns), numbers, subjects, assignments)
    return out
