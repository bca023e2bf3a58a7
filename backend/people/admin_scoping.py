"""District scoping and role permissions for the admin: the district chief's console.

A chief sees and acts on their own district only, on every admin path: changelists, list
filters (choices included), search, autocomplete, change/history/delete views by direct
URL, actions and the choices of add/change forms. Everything goes through one queryset,
:meth:`ScopedAdminMixin.get_queryset`, built from :func:`backend.people.access.district_scope`:

* changelists, search, actions, change/history/delete views (``get_object``) and the
  autocomplete endpoint (which asks the *target* model's admin) all start from it, so an
  object of another district is indistinguishable from one that does not exist;
* related list filters would list every district/unit (Django's ``RelatedFieldListFilter``
  reads the related table unfiltered), so :meth:`get_list_filter` swaps in
  :class:`ScopedRelatedFieldListFilter`, whose choices come from the related model's
  scoped admin;
* foreign-key form fields get their queryset from the related model's scoped admin.

What a role may do is one table, :data:`ROLE_CAPABILITIES`, read by the ``has_*_permission``
methods. Django's per-user permissions and groups are not used for roles; a superuser may do
everything a model allows (the audit log and device facts are read-only for everyone).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.admin.utils import get_fields_from_path, unquote
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.text import capfirst
from django.utils.translation import gettext

from backend.common import clock
from backend.common.formatting import payload_html, when_text, yes_no
from backend.common.phones import phone_masked
from backend.ledger import uow
from backend.ledger.actions import action_label, admin_edit
from backend.ledger.models import AuditEntry
from backend.ledger.names import SyncTable

from .access import DistrictScope, district_scope
from .models import Role

# How an audit entry's data reads on a record's history page: the dispatch console, which
# has the words for its codes, puts its own here (``backend.dispatch.admin``).
_history_words: list[Any] = []


def history_words(entries: list[tuple[Any, str]]) -> list[Any]:
    """The data of ``entries`` (data, the entry's action) as the page reads it, in order."""
    actions = [action for _data, action in entries]
    datas = [data for data, _action in entries]
    for words in _history_words:
        datas = words(list(zip(datas, actions, strict=True)))
    return datas


def read_history_with(words: Any) -> None:
    """Have a record's history page read audit data through ``words`` (the page's entries as
    (data, action) pairs → their data, in order): all of the page's entries at once, so that
    ``words`` reads the names they give once per kind, not once per entry."""
    if words not in _history_words:
        _history_words.append(words)


VIEW, ADD, CHANGE, DELETE = "view", "add", "change", "delete"
ENROL, REVOKE, RESOLVE, REVIEW = "enrol", "revoke", "resolve", "review"

_V = frozenset({VIEW})
_VC = frozenset({VIEW, CHANGE})
_VAC = frozenset({VIEW, ADD, CHANGE})
_VACD = frozenset({VIEW, ADD, CHANGE, DELETE})

# What each role may do, per model ("app_label.model_name"). A model missing from a role's
# map is invisible to that role. Custom capabilities back admin actions: ``enrol`` (issue an
# enrolment code), ``revoke`` (a device), ``resolve`` (a conflict), ``review`` (quarantine).
# Incidents, assignments and events change only through the dispatch services (the incident
# page's panel and the changelist actions call them); as records they are read-only.
ROLE_CAPABILITIES: dict[str, dict[str, frozenset[str]]] = {
    Role.CHIEF: {
        "geo.oblast": _V,
        "geo.district": _V,
        "geo.okrug": _V,
        "geo.settlement": _VC,  # zone, coverage, coordinates of the chief's villages
        "people.officer": _VAC | {ENROL},
        "people.unit": _VAC,
        "devices.device": _V | {REVOKE},
        "devices.enrolmentcode": _V,
        "dispatch.incident": _V,
        "dispatch.assignment": _V,
        "dispatch.event": _V,
        "dispatch.conflict": _V | {RESOLVE},
        "dispatch.escalationpolicy": _VACD,
        "dispatch.escalationstep": _V,
        "dispatch.safetycheck": _V,
        "dispatch.risksubject": _VAC,
        "dispatch.followuptask": _VC,
        "dispatch.smsmessage": _V,
        "ledger.auditentry": _V,
        "sync_gateway.quarantinedrecord": _V | {REVIEW},
    },
    Role.DUTY_OFFICER: {
        "geo.oblast": _V,
        "geo.district": _V,
        "geo.okrug": _V,
        "geo.settlement": _V,
        "people.officer": _V | {ENROL},  # PROTOCOL.md §3: a duty officer or chief issues codes
        "people.unit": _V,
        # A phone lost at night is revoked by whoever is awake: the duty officer.
        "devices.device": _V | {REVOKE},
        "devices.enrolmentcode": _V,
        "dispatch.incident": _V,
        "dispatch.assignment": _V,
        "dispatch.event": _V,
        "dispatch.conflict": _V,
        "dispatch.escalationpolicy": _V,
        "dispatch.escalationstep": _V,
        "dispatch.safetycheck": _V,
        "dispatch.risksubject": _V,
        "dispatch.followuptask": _V,
        "dispatch.smsmessage": _V,
        "ledger.auditentry": _V,
        "sync_gateway.quarantinedrecord": _V,
    },
    Role.OBLAST_ADMIN: {
        "geo.oblast": _V,
        "geo.district": _VC,  # e.g. auto_redispatch
        "geo.okrug": _VC,
        "geo.settlement": _VC,
        "people.officer": _VAC | {ENROL},
        "people.unit": _VAC,
        "devices.device": _V | {REVOKE},
        "devices.enrolmentcode": _V,
        "dispatch.incident": _V,
        "dispatch.assignment": _V,
        "dispatch.event": _V,
        "dispatch.conflict": _V | {RESOLVE},
        "dispatch.escalationpolicy": _VACD,
        "dispatch.escalationstep": _V,
        "dispatch.safetycheck": _V,
        "dispatch.risksubject": _VAC,
        "dispatch.followuptask": _VC,
        "dispatch.smsmessage": _V,
        "dispatch.intakekey": frozenset({VIEW, ADD, REVOKE}),
        # A partner is made by issuing its first key; here it is renamed, never deleted.
        "dispatch.intakepartner": _VC,
        # A key's callback URL is set (or set again, with a new secret) by whoever issues keys.
        "webhooks.intakecallback": frozenset({VIEW, ADD}),
        "webhooks.callbackdelivery": _V,
        "ledger.auditentry": _V,
        "sync_gateway.quarantinedrecord": _V | {REVIEW},
    },
}

EVERY_CAPABILITY = frozenset({VIEW, ADD, CHANGE, DELETE, ENROL, REVOKE, RESOLVE, REVIEW})


def model_label(model: type[models.Model]) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


def capabilities(user: Any, model: type[models.Model]) -> frozenset[str]:
    """What ``user`` may do with ``model`` in the admin (before the object's scope is checked)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    if not user.is_staff:
        return frozenset()
    if user.is_superuser:
        return EVERY_CAPABILITY
    return ROLE_CAPABILITIES.get(user.role, {}).get(model_label(model), frozenset())


if TYPE_CHECKING:
    _AdminBase = admin.ModelAdmin[Any]
else:
    _AdminBase = object


class ScopedAdminMixin(_AdminBase):
    """Restrict a ModelAdmin to the user's districts and to what their role may do.

    ``scope_path`` is the path from the model to its ``District`` foreign key
    (``"district"``, ``"incident__district"``, ``"id"`` for District itself). Override
    :meth:`scope_q` when one path is not enough. ``read_only`` models (the audit log,
    device facts) can never be added, changed or deleted, not even by a superuser.
    ``sync_table`` names the synced table of the model: admin writes then touch it.
    """

    scope_path: str = "district"
    read_only: bool = False
    sync_table: SyncTable | None = None
    # The record's name as the object of "Add …" and "Change …" where a language declines
    # it (None: the name as it is). Django's Russian puts the name into "Добавить %s" as
    # the list calls it, and the officers' list offered "Добавить сотрудник": a person is
    # "сотрудника" there. Russian alone needs it for Kuzet's lists: the other names read
    # the same after the verb, and Kazakh's "… қосу" takes the name as it is.
    verbose_name_object: Any = None

    def name_as_object(self) -> str:
        """The record's name after "Add" and "Change" (:attr:`verbose_name_object`)."""
        return str(self.verbose_name_object or self.model._meta.verbose_name)

    # --- scope ------------------------------------------------------------------------
    def district_scope(self, request: HttpRequest) -> DistrictScope:
        return district_scope(request.user)

    def scope_q(self, request: HttpRequest) -> Q:
        return self.district_scope(request).q(self.scope_path)

    def scoped_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        """The plain scoped queryset (no annotations): for filter and form choices."""
        qs: QuerySet[Any] = self.model._default_manager.filter(self.scope_q(request))
        return qs

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs: QuerySet[Any] = super().get_queryset(request)
        return qs.filter(self.scope_q(request))

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """A list is titled by what it lists ("Происшествия", "Оқиғалар"), not by Django's
        instruction "Select incident to view", which read like a form to fill in. (A popup
        that picks a record for a form keeps Django's "Select …": there it is the task.)"""
        # the add button's "Add …" (admin/change_list_object_tools.html)
        extra = {"name_as_object": self.name_as_object(), **(extra_context or {})}
        if IS_POPUP_VAR in request.GET:
            return super().changelist_view(request, extra)
        title = capfirst(str(self.model._meta.verbose_name_plural))
        return super().changelist_view(request, {"title": title, **extra})

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> HttpResponse:
        """A record one may only read is titled by its kind over its name ("Происшествие",
        then "1036-2026-000003 Кража (P2)"), not by Django's instruction "View incident"."""
        name = self.model._meta.verbose_name
        if obj is not None and context.get("title") == gettext("View %s") % name:
            context["title"] = capfirst(str(name))
        # "Add …" and "Change …" with the name declined (the breadcrumb's too:
        # admin/change_form.html)
        context["name_as_object"] = self.name_as_object()
        if context.get("title") == gettext("Add %s") % name:
            context["title"] = gettext("Add %s") % self.name_as_object()
        elif context.get("title") == gettext("Change %s") % name:
            context["title"] = gettext("Change %s") % self.name_as_object()
        return super().render_change_form(request, context, add, change, form_url, obj)

    def in_scope(self, request: HttpRequest, obj: models.Model) -> bool:
        return self.scoped_queryset(request).filter(pk=obj.pk).exists()

    def one_district(self, request: HttpRequest) -> bool:
        scope = self.district_scope(request)
        return not scope.everything and len(scope.district_ids) == 1

    def get_list_display(self, request: HttpRequest) -> Any:
        # A viewer of one district (a chief) would read its name on every row, and the
        # column pushed the last ones off the screen at 1440 px.
        shown = tuple(super().get_list_display(request))
        if self.one_district(request):
            shown = tuple(c for c in shown if c != "district")
        return shown

    # --- history: the audit log's entries about the record -------------------------------
    object_history_template = "admin/kuzet/object_history.html"

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """The record's audit trail. Kuzet changes cases through its services, each change an
        audit entry (who, when, what, with its data), so the "History" button shows those —
        Django's own history only knows edits made through the admin's forms."""
        obj = self.get_object(request, unquote(object_id))  # scoped: None outside the scope
        if obj is None:  # Django's own "no such record" message and redirect (not in its stubs)
            missing = self._get_obj_does_not_exist_redirect  # type: ignore[attr-defined]
            redirect: HttpResponse = missing(request, self.model._meta, object_id)
            return redirect
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        self.history_read(request, obj)
        entries = AuditEntry.objects.filter(self.history_q(obj)).order_by("-id")
        page = Paginator(entries, 100).get_page(request.GET.get("p"))
        # The names the entries give by id are read once per kind for the page: read entry by
        # entry, a call's thirty entries took some two hundred queries.
        datas = history_words([(entry.data_dict, entry.action) for entry in page])
        related = changed_related_names(self.model, datas)
        rows = [
            {
                "when": when_text(entry.at),
                "who": entry.actor_name,
                "action": action_label(entry.action),
                "data": payload_html(changed_in_words(self.model, data, related)),
            }
            for entry, data in zip(page, datas, strict=True)
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("History: %(object)s") % {"object": obj},
            "subtitle": None,
            "module_name": str(self.model._meta.verbose_name_plural).capitalize(),
            "object": obj,
            "opts": self.model._meta,
            "rows": rows,
            "page": page,
            "preserved_filters": self.get_preserved_filters(request),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.object_history_template, context)

    def history_q(self, obj: models.Model) -> Q:
        """The audit entries of ``obj``'s history: those about it. A record made of parts
        (an incident and its assignments) widens it."""
        kind = getattr(obj, "audit_object_type", obj._meta.model_name)
        return Q(object_type=kind, object_id=str(obj.pk))

    def history_read(self, request: HttpRequest, obj: models.Model) -> None:
        """Called when ``obj``'s history is shown: where reading a record is audited (a
        domestic-violence case), reading its history is too."""

    # --- permissions --------------------------------------------------------------------
    def capabilities(self, request: HttpRequest) -> frozenset[str]:
        return capabilities(request.user, self.model)

    def can(self, request: HttpRequest, capability: str, obj: models.Model | None = None) -> bool:
        if self.read_only and capability in {ADD, CHANGE, DELETE}:
            return False
        if capability not in self.capabilities(request):
            return False
        return obj is None or self.in_scope(request, obj)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(self.capabilities(request))

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.can(request, VIEW, obj) or self.can(request, CHANGE, obj)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return self.can(request, ADD)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.can(request, CHANGE, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.can(request, DELETE, obj)

    # --- filters and form choices ---------------------------------------------------------
    def get_list_filter(self, request: HttpRequest) -> Any:
        # (no district filter for a viewer of one: it offers only their own)
        one = self.one_district(request)
        return [
            self._scoped_filter(item)
            for item in super().get_list_filter(request)
            if not (one and item in ("district", self.scope_path))
        ]

    def _scoped_filter(self, item: Any) -> Any:
        if not isinstance(item, str):
            return item
        field = get_fields_from_path(self.model, item)[-1]
        if field.is_relation:
            return (item, ScopedRelatedFieldListFilter)
        if field.choices or isinstance(field, models.BooleanField | models.DateField):
            return item  # fixed choices: nothing to leak
        if "__" in item:
            # Django lists such values from the whole related table; list ours only.
            return (item, ScopedAllValuesFieldListFilter)
        return item  # AllValuesFieldListFilter already reads this admin's queryset

    def related_admin(self, model: type[models.Model]) -> ScopedAdminMixin | None:
        related = self.admin_site._registry.get(model)
        return related if isinstance(related, ScopedAdminMixin) else None

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        related = self.related_admin(db_field.remote_field.model)
        if related is not None and "queryset" not in kwargs:
            kwargs["queryset"] = related.scoped_queryset(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    # --- writes: audited, and touched when the model is synced to devices -----------------
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with uow.unit_of_work():
            super().save_model(request, obj, form, change)
            uow.audit(
                admin_edit(obj._meta.model_name, "changed" if change else "added"),
                actor=request.user,
                obj=obj,
                data={"changed": changed_values(form)},
            )
            if self.sync_table:
                uow.touch(self.sync_table, obj.pk)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with uow.unit_of_work():
            pk = obj.pk
            uow.audit(
                admin_edit(obj._meta.model_name, "deleted"),
                actor=request.user,
                obj=obj,
                data={"repr": audit_repr(obj)},
            )
            super().delete_model(request, obj)
            if self.sync_table:
                uow.touch(self.sync_table, pk)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        with uow.unit_of_work():
            for obj in queryset.filter(self.scope_q(request)).order_by("pk"):
                self.delete_model(request, obj)


# What an audit entry keeps of a withheld value (``audit_withheld_fields``): that there was one.
WITHHELD = "…"


def withheld_fields(obj: Any) -> frozenset[str]:
    """The fields of ``obj`` whose values an admin edit's audit entry leaves out: a DV case's
    name and address, a DV call's words (the model's ``audit_withheld_fields``)."""
    return frozenset(getattr(obj, "audit_withheld_fields", ()))


def is_phone_field(name: str) -> bool:
    """Whether a field holds a phone number: by its name (``phone``, ``caller_phone``), so that
    a phone field added later is one without anyone remembering to say so."""
    return "phone" in name.lower()


def changed_values(form: Any) -> dict[str, list[str]]:
    """``{field: [old, new]}`` of a bound admin form, as text, for the audit entry.

    A password typed into the form is never part of it: the new officer's form put
    "Password1: —, <the password>" into the append-only log, for every chief and duty
    officer to read on the officer's history page, for ever. Whether the person signs in
    with a password is recorded (``usable_password``), never the password.

    A phone number is its last four digits (``phone_masked``), as the log and the SMS audit
    write it: an officer's, a DV subject's or a caller's number corrected in the console was
    kept whole, old and new, in a log that cannot be erased. The record keeps it whole.

    A field the record withholds (:func:`withheld_fields`: a DV subject's name and address, a
    DV call's words) is named with ``…`` for a value, ``""`` for none: the entry says what
    was changed, set or cleared, not to what. A corrected DV subject's name and address were
    kept in the log for good, read on the case's history page past the case's audited read."""
    if form is None:
        return {}
    withheld = withheld_fields(form.instance)
    changed = {}
    for name in form.changed_data:
        field = form.fields.get(name)
        if field is not None and isinstance(field.widget, forms.PasswordInput):
            continue
        old = form.initial.get(name)
        new = form.cleaned_data.get(name)
        if isinstance(new, models.Model):
            new = new.pk
        values = ["" if old is None else str(old), "" if new is None else str(new)]
        if name in withheld:
            values = [WITHHELD if v else v for v in values]
        elif is_phone_field(name):
            values = [phone_masked(v) if v else v for v in values]
        changed[name] = values
    return changed


def audit_repr(obj: models.Model) -> str:
    """``str(obj)`` for the audit entry of its deletion, any phone number in it masked: a DV
    case with neither a name nor an address is named by its phone (``RiskSubject``). A
    withheld value (:func:`withheld_fields`) is left out: a DV case is named by its name."""
    text = str(obj)
    withheld = withheld_fields(obj)
    for field in obj._meta.concrete_fields:
        value = getattr(obj, field.attname, None)
        if not (isinstance(value, str) and value):
            continue
        if field.name in withheld:
            text = text.replace(value, WITHHELD)
        elif is_phone_field(field.name):
            text = text.replace(value, phone_masked(value))
    return text


def changed_in_words(
    model: type[models.Model],
    data: Any,
    related: Mapping[tuple[str, str], str] | None = None,
) -> Any:
    """An admin edit's ``changed`` (``{field: [old, new]}``) as its reader says it: each field
    by its label, a related record by its name, a choice by its words. The new duty
    officer's history read "First name: —, Айгүл; Role: —, duty_officer; Наряд: 28, 29" on a
    Russian screen. Fields the model does not have stay as they are. ``related``: the names
    of the related records (:func:`changed_related_names`), read here when not given."""
    changed = data.get("changed") if isinstance(data, dict) else None
    if not isinstance(changed, dict):
        return data
    if related is None:
        related = changed_related_names(model, [data])
    out: dict[str, Any] = {}
    for name, values in changed.items():
        field = _field_of(model, name)
        if field is None:
            out[name] = values
            continue
        label = capfirst(str(getattr(field, "verbose_name", name)))
        if isinstance(values, list):
            values = [_value_in_words(field, name, value, related) for value in values]
        out[label] = values
    return {**data, "changed": out}


def changed_related_names(
    model: type[models.Model], datas: Iterable[Any]
) -> dict[tuple[str, str], str]:
    """The related records the admin edits among ``datas`` name by id (``changed``:
    ``{field: [old id, new id]}``), by their names, keyed by (field, id as stored): one read
    per field for them all. Records gone are left out (their id stays)."""
    ids: dict[str, set[str]] = defaultdict(set)
    for data in datas:
        changed = data.get("changed") if isinstance(data, dict) else None
        if not isinstance(changed, dict):
            continue
        for name, values in changed.items():
            field = _field_of(model, name)
            if field is None or field.related_model is None or not isinstance(values, list):
                continue
            ids[name] |= {v for v in values if isinstance(v, str) and v.isdecimal()}
    names: dict[tuple[str, str], str] = {}
    for name, stored in ids.items():
        related_model = _field_of(model, name).related_model
        found = related_model._default_manager.in_bulk({int(v) for v in stored})
        names |= {(name, v): str(found[int(v)]) for v in stored if int(v) in found}
    return names


def _field_of(model: type[models.Model], name: str) -> Any:
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _value_in_words(
    field: Any, name: str, value: Any, related: Mapping[tuple[str, str], str]
) -> Any:
    if value in ("", None) or not isinstance(value, str):
        return value
    if field.is_relation and value.isdigit():
        return related.get((name, value), value)
    if getattr(field, "choices", None):
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.BooleanField) and value in ("True", "False"):
        return yes_no(value == "True")
    return value


class ScopedRelatedFieldListFilter(admin.RelatedFieldListFilter):
    """A related filter whose choices are the related objects the user may see.

    Django's own lists the whole related table (every district, every unit), which is
    exactly the leak a chief must not see. The related model's scoped admin decides; a
    related model without one offers only the values present in this admin's rows.
    """

    def has_output(self) -> bool:
        # A chief's single district offers one choice and Django would hide the filter —
        # and then silently ignore a hand-written ``?district__id__exact=`` instead of
        # applying it. Applied, it narrows the scoped rows (to nothing, for a foreign id).
        return super().has_output() or self.lookup_val is not None or bool(self.lookup_val_isnull)

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> list[Any]:
        related_model = field.remote_field.model
        related = model_admin.admin_site._registry.get(related_model)
        ordering = self.field_admin_ordering(field, request, model_admin)
        qs: QuerySet[Any]
        if isinstance(related, ScopedAdminMixin):
            qs = related.scoped_queryset(request)
        else:
            present = model_admin.get_queryset(request).values_list(f"{self.field_path}__pk")
            qs = related_model._default_manager.filter(pk__in=present)
        if ordering:
            qs = qs.order_by(*ordering)
        target = field.target_field.attname
        return [(getattr(obj, target), str(obj)) for obj in qs]


class ScopedAllValuesFieldListFilter(admin.AllValuesFieldListFilter):
    """Distinct values across a relation, read through this admin's scoped queryset."""

    def __init__(
        self,
        field: Any,
        request: HttpRequest,
        params: Any,
        model: Any,
        model_admin: Any,
        field_path: str,
    ) -> None:
        super().__init__(field, request, params, model, model_admin, field_path)
        self.lookup_choices = (
            model_admin.get_queryset(request)
            .order_by(field_path)
            .values_list(field_path, flat=True)
            .distinct()
        )


class ConditionFilter(admin.SimpleListFilter):
    """A yes/no list filter on a condition judged when the list is shown ("overdue now",
    "silent for N hours"): subclasses give ``title``, ``parameter_name`` and
    :meth:`condition`. The chief's home page links to ``?<parameter_name>=yes`` and counts
    the same condition."""

    def condition(self, request: HttpRequest) -> Q:
        raise NotImplementedError

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", gettext("yes")), ("no", gettext("no"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "yes":
            return queryset.filter(self.condition(request))
        if self.value() == "no":
            return queryset.exclude(self.condition(request))
        return queryset


def scoped_ids(qs: QuerySet[Any], ids: Iterable[Any]) -> list[Any]:
    """Of ``ids``, those present in the (scoped) queryset ``qs``."""
    return list(qs.filter(pk__in=list(ids)).values_list("pk", flat=True))


def seconds(delta: dt.timedelta | None) -> int | None:
    return None if delta is None else int(delta.total_seconds())


def age_text(value: dt.datetime | None) -> str:
    """How long ago: ``45 s``, ``12 min``, ``3 h``, ``2 d`` (in the reader's language)."""
    if value is None:
        return "—"
    total = int((clock.now() - value).total_seconds())
    if total < 120:
        return gettext("%(n)s s") % {"n": total}
    if total < 7200:
        return gettext("%(n)s min") % {"n": total // 60}
    if total < 172800:
        return gettext("%(n)s h") % {"n": total // 3600}
    return gettext("%(n)s d") % {"n": total // 86400}
