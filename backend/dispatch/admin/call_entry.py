"""Taking a call: the incident admin's add page, built for a duty officer with a caller on
the line — keyboard first, the place found by settlement search, probable duplicates shown
while typing, saved through ``services.incident_create`` (channel ``phone_102`` unless the
officer says it came from 112, a walk-in, the cameras or a patrol; audited), then straight to
the incident's page where the recommended units wait.

* :func:`call_entry_view` — ``IncidentAdmin.add_view``: the form (GET) and the save (POST).
* :func:`settlement_search_view` — ``GET …/incident/call/settlements/?q=`` type-ahead over
  KATO code, Russian and Kazakh names, in Cyrillic or Latin letters, and what a misspelt name
  may have meant ("Did you mean …?": ``backend/geo/search.py``), the user's districts only.
* :func:`nearby_incidents_view` — ``GET …/incident/call/nearby/?settlement=&coordinates=&phone=``
  open incidents that may be the same event (``selectors.incidents_near_a_call``).

Both endpoints answer JSON; bad input is ``400 {"code": …, "message": …}``, a user who may not
take calls ``403`` the same way. The script is a static file (``dispatch/call_entry.js``): the
Content-Security-Policy allows no inline script.

Scope: a duty officer of the oblast ЦОУ takes calls for every district of the oblast, a
district duty officer or chief for theirs (``people.access.district_scope``); the district
comes from the settlement, never from the form, and the service checks it again.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from backend.common import clock
from backend.common.errors import DomainError, ValidationFailed
from backend.common.phones import FORMAT_HINT, phone_key, phone_normalise
from backend.geo import search
from backend.geo.models import LAT_RANGE, LON_RANGE, Settlement
from backend.ledger.idempotency import Replay, run_once_for
from backend.people.access import scoped

from .. import policies, selectors, services
from ..models import Category, Channel, Incident, Priority
from .formatting import when_text

# A form rendered longer ago than this with no keystroke time (no script) is not taken as
# the moment the call came in: the officer may have opened it and waited for the phone.
OPENED_TRUSTED_FOR = dt.timedelta(minutes=15)
_SALT = "kuzet.call_entry.opened"


# --- the form --------------------------------------------------------------------------------
class TelInput(forms.TextInput):
    input_type = "tel"


class CallEntryForm(forms.Form):
    """What the duty officer types, in the order they Tab through it."""

    channel = forms.ChoiceField(
        label=gettext_lazy("Channel"),
        required=False,  # a form rendered before the field existed: a 102 call
        choices=[(c.value, c.label) for c in policies.DESK_CHANNELS],
        initial=Channel.PHONE_102,
        help_text=gettext_lazy("How the call reached the desk; app reports arrive by themselves"),
    )
    caller_name = forms.CharField(
        label=gettext_lazy("Caller"), max_length=150, required=False, strip=True
    )
    caller_phone = forms.CharField(
        label=gettext_lazy("Phone"),
        max_length=32,
        required=False,
        help_text=FORMAT_HINT,
        widget=TelInput,
    )
    place = forms.CharField(
        label=gettext_lazy("Settlement"),
        max_length=search.MAX_QUERY,
        required=False,
        help_text=gettext_lazy("Name in Russian or Kazakh, or KATO code; ↓ and Enter to pick"),
    )
    settlement = forms.IntegerField(required=False, widget=forms.HiddenInput)
    # Where in the village right after the village, as the caller tells it; coordinates (a
    # 112 location, a herder reading his phone) are rarer, and come after.
    landmark = forms.CharField(
        label=gettext_lazy("Landmark"),
        max_length=255,
        required=False,
        help_text=gettext_lazy("Where there is no address: “winter camp 3 km north of …”"),
    )
    coordinates = forms.CharField(
        label=gettext_lazy("Coordinates"),
        max_length=60,
        required=False,
        help_text=gettext_lazy("Optional: latitude, longitude, e.g. 47.9645, 80.4344"),
    )
    category = forms.ChoiceField(label=gettext_lazy("Category"))
    priority = forms.ChoiceField(
        label=gettext_lazy("Priority"),
        required=False,
        help_text=gettext_lazy("Set from the category; change it if the call says otherwise"),
    )
    description = forms.CharField(
        label=gettext_lazy("What happened"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Enter saves the call; Shift+Enter starts a new line"),
    )
    # A drill's call: ticked before saving, never changed after (Incident.exercise).
    exercise = forms.BooleanField(
        label=gettext_lazy("Exercise"),
        required=False,
        help_text=gettext_lazy("A training call: handled like any call, kept out of the figures"),
    )
    opened = forms.CharField(widget=forms.HiddenInput)
    first_key_ms = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=0)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=255)

    def __init__(self, *args: Any, settlements: QuerySet[Settlement], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.settlements = settlements
        self.resolved: Settlement | None = None
        categories: list[tuple[str, str]] = [("", "—")]
        categories += [(str(v), capfirst(str(label))) for v, label in Category.choices]
        cast(forms.ChoiceField, self.fields["category"]).choices = categories
        priorities: list[tuple[str, str]] = [("", _("From the category"))]
        priorities += [(str(v), str(label)) for v, label in Priority.choices]
        cast(forms.ChoiceField, self.fields["priority"]).choices = priorities
        defaults = {
            str(channel): {
                str(c): policies.default_priority(channel=channel, category=c)
                for c in Category.values
            }
            for channel in policies.DESK_CHANNELS
        }
        attrs = {
            "caller_name": {"autofocus": True, "autocomplete": "off"},
            "caller_phone": {"inputmode": "tel", "autocomplete": "off"},
            "place": {
                "role": "combobox",
                "aria-autocomplete": "list",
                "aria-expanded": "false",
                "aria-controls": "call-place-options",
                "autocomplete": "off",
                "spellcheck": "false",
            },
            "coordinates": {"inputmode": "decimal", "autocomplete": "off"},
            "landmark": {"autocomplete": "off"},
            "category": {"data-priorities": json.dumps(defaults, sort_keys=True)},
        }
        for name, extra in attrs.items():
            self.fields[name].widget.attrs.update(extra)

    # -- field by field --------------------------------------------------------------------
    def clean_channel(self) -> str:
        return self.cleaned_data.get("channel") or Channel.PHONE_102

    def clean_caller_phone(self) -> str:
        try:
            return phone_normalise(self.cleaned_data.get("caller_phone", ""))
        except ValidationFailed as exc:
            raise forms.ValidationError(exc.detail, code=exc.code) from None

    def clean_coordinates(self) -> tuple[float, float] | None:
        return parse_coordinates(self.cleaned_data.get("coordinates", ""))

    def clean_opened(self) -> dt.datetime:
        try:
            value = signing.loads(self.cleaned_data["opened"], salt=_SALT)
            return dt.datetime.fromisoformat(value)
        except (signing.BadSignature, TypeError, ValueError):
            return clock.now()  # a tampered or unreadable value: the call came in now

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        settlement_id, place = data.get("settlement"), (data.get("place") or "").strip()
        if settlement_id is not None:
            self.resolved = (
                self.settlements.select_related("district").filter(pk=settlement_id).first()
            )
            if self.resolved is None:
                self.add_error(
                    "place", _("This settlement is not in your districts. Pick another one.")
                )
        elif place:
            self.resolved = self._settlement_from_text(place)
        elif data.get("coordinates") is None and "coordinates" not in self.errors:
            self.add_error(
                "place",
                _(
                    "Pick the settlement (type its name or KATO code) or give coordinates: "
                    "a landmark alone does not say which district."
                ),
            )
        return data

    def _settlement_from_text(self, place: str) -> Settlement | None:
        """Typed but not picked (no script, or Enter before the list came): one match, or
        one whose name or code is exactly what was typed, is it; else say what to do. A
        near miss ("Актагай" for Актогай) is asked about, never taken: the caller may live
        in another village of a similar name; so is a name typed with another keyboard
        layout on ("frnjufq" for Актогай), which the officer has not seen read back."""
        found = search.settlements_matching(self.settlements, place, limit=50)
        matches = [m for m in found if not (m.approximate or m.other_layout)]
        if not matches and found:
            names = ", ".join(_label(m.settlement) for m in found[:3])
            self.add_error(
                "place",
                _("No settlement of your districts is called “%(place)s”. Did you mean %(names)s?")
                % {"place": place, "names": names},
            )
            return None
        exact = [m.settlement for m in matches if search.is_named(place, m.settlement)]
        if len(exact) == 1:
            return exact[0]
        if len(matches) == 1:
            return matches[0].settlement
        if not matches:
            self.add_error(
                "place",
                _("No settlement of your districts is called “%(place)s”.") % {"place": place},
            )
        else:
            names = ", ".join(_label(m.settlement) for m in matches[:5])
            self.add_error(
                "place",
                _("Several settlements match “%(place)s”: %(names)s. Pick one from the list.")
                % {"place": place, "names": names},
            )
        return None

    # -- what the service gets -------------------------------------------------------------
    def received_at(self, now: dt.datetime) -> dt.datetime:
        """When the call came in: the first keystroke on the form (measured by the page's
        monotonic clock from when the server rendered it, so a wrong clock on the duty
        officer's computer does not matter), else when the form was rendered, unless that
        was long ago."""
        opened: dt.datetime = self.cleaned_data["opened"]
        waited = now - opened
        if waited < dt.timedelta(0):
            return now
        first_key_ms = self.cleaned_data.get("first_key_ms")
        if first_key_ms is not None:
            return min(now, opened + dt.timedelta(milliseconds=first_key_ms))
        return opened if waited <= OPENED_TRUSTED_FOR else now

    def to_input(self, now: dt.datetime) -> services.IncidentInput:
        data = self.cleaned_data
        point = data.get("coordinates")
        return services.IncidentInput(
            category=data["category"],
            received_at=self.received_at(now),
            description=data.get("description", "").strip(),
            priority=data.get("priority") or None,
            settlement_id=self.resolved.pk if self.resolved is not None else None,
            lat=point[0] if point else None,
            lon=point[1] if point else None,
            landmark=data.get("landmark", "").strip(),
            caller_name=data.get("caller_name", ""),
            caller_phone=data.get("caller_phone", ""),
            exercise=bool(data.get("exercise")),
        )


_NUMBER = r"[-+]?\d{1,3}(?:[.,]\d+)?"
_COORDINATES = re.compile(rf"^\s*({_NUMBER})\s*(?:[;,]\s*|\s+)({_NUMBER})\s*$")


def parse_coordinates(text: str) -> tuple[float, float] | None:
    """``"47.9645, 80.4344"`` (or ``"47,9645; 80,4344"``, ``"47.9645 80.4344"``) → a point in
    Kazakhstan; empty → None; anything else raises a form error that says what is wanted."""
    text = (text or "").strip()
    if not text:
        return None
    found = _COORDINATES.match(text)
    if found is None:
        raise forms.ValidationError(
            _("Write the coordinates as latitude, longitude: 47.9645, 80.4344."),
            code="invalid_coordinates",
        )
    lat, lon = (float(g.replace(",", ".")) for g in found.groups())
    if not (LAT_RANGE[0] <= lat <= LAT_RANGE[1] and LON_RANGE[0] <= lon <= LON_RANGE[1]):
        raise forms.ValidationError(
            _("This point is outside Kazakhstan (latitude first, then longitude)."),
            code="coordinates_outside",
        )
    return lat, lon


# What the services' refusals mean to the person at the form.
def _service_error(exc: DomainError) -> tuple[str | None, str]:
    messages_by_code = {
        "out_of_scope": ("place", _("This place is outside your districts.")),
        "unknown_settlement": (
            "coordinates",
            _("No settlement is known near these coordinates. Pick the settlement."),
        ),
        "location_required": ("place", _("Pick the settlement or give coordinates.")),
        "received_at_in_future": (None, _("The time of the call is in the future.")),
        "received_at_too_old": (None, _("This form is too old. Open “Take a call” again.")),
        # Back in the browser after saving, changed, saved again: a new call needs a new form.
        "idempotency_key_reused": (
            None,
            _("This form already saved a call. Open “Take a call” again for a new one."),
        ),
    }
    return messages_by_code.get(exc.code, (None, f"{exc.detail} ({exc.code})"))


# --- views -----------------------------------------------------------------------------------
def _settlements(request: HttpRequest) -> QuerySet[Settlement]:
    return scoped(Settlement.objects.all(), request.user)


def _kazakh_first() -> bool:
    return (get_language() or "").startswith("kk")


def _label(s: Settlement) -> str:
    """Both names where they differ, the officer's language first: ``Аягоз / Аягөз`` in
    Russian (and English: the KATO extract is Russian), ``Аягөз / Аягоз`` in Kazakh."""
    if not s.name_kk or s.name_kk.lower() == s.name.lower():
        return s.name
    return f"{s.name_kk} / {s.name}" if _kazakh_first() else f"{s.name} / {s.name_kk}"


def _district_name(s: Settlement) -> str:
    return s.district.local_name


def call_entry_view(model_admin: Any, request: HttpRequest) -> HttpResponse:
    """The add page of incidents: take a call; on save, the incident's page."""
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    settlements = _settlements(request)
    now = clock.now()
    form: CallEntryForm
    if request.method == "POST":
        form = CallEntryForm(request.POST, settlements=settlements)
        if form.is_valid():
            saved = _save(model_admin, request, form, now)
            if saved is not None:
                return saved
    else:
        form = CallEntryForm(
            settlements=settlements,
            initial={
                "opened": signing.dumps(now.isoformat(), salt=_SALT),
                "idempotency_key": uuid.uuid4().hex,
            },
        )
    opts = model_admin.model._meta
    picked = form.resolved if form.is_bound else None
    if picked is not None:
        # Resolved from the typed text: the page comes back with it picked, so the open
        # calls of that place show again and the next save does not resolve it twice.
        data = request.POST.copy()
        data["settlement"] = str(picked.pk)
        form.data = data
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Take a call"),
        "opts": opts,
        "app_label": opts.app_label,
        "form": form,
        "picked": picked,
        "picked_label": _label(picked) if picked is not None else "",
        "picked_district": _district_name(picked) if picked is not None else "",
        "search_url": reverse(
            "admin:dispatch_incident_call_settlements", current_app=model_admin.admin_site.name
        ),
        "nearby_url": reverse(
            "admin:dispatch_incident_call_nearby", current_app=model_admin.admin_site.name
        ),
        "changelist_url": reverse(
            "admin:dispatch_incident_changelist", current_app=model_admin.admin_site.name
        ),
    }
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, "admin/dispatch/incident/call_entry.html", context)


def _save(
    model_admin: Any, request: HttpRequest, form: CallEntryForm, now: dt.datetime
) -> HttpResponse | None:
    """Create the incident once per rendered form (the hidden idempotency key: Enter pressed
    twice, a resent POST) and go to its page; a refusal becomes a form error."""
    data = form.to_input(now)

    def create() -> Incident:
        return services.incident_create(
            by=request.user, data=data, channel=form.cleaned_data["channel"], now=now
        )

    try:
        body = {k: v for k, v in request.POST.items() if k not in ("csrfmiddlewaretoken",)}
        outcome = run_once_for(
            request,
            key=form.cleaned_data["idempotency_key"],
            body=body,
            run=create,
            answer=lambda inc: (201, {"incident_id": inc.pk, "number": inc.number}),
        )
    except DomainError as exc:
        field, message = _service_error(exc)
        form.add_error(field, message)
        return None
    if isinstance(outcome, Replay):
        incident_id = outcome.body["incident_id"]
        model_admin.message_user(
            request,
            _("This call was already saved as %(number)s; nothing was saved twice.")
            % {"number": outcome.body["number"]},
            messages.WARNING,
        )
    else:
        incident_id = outcome.pk
        model_admin.message_user(
            request,
            _("Call %(number)s saved. Send a unit: the recommended ones are at the top.")
            % {"number": outcome.number},
            messages.SUCCESS,
        )
        if outcome.duplicate_of_id is not None:
            original = Incident.objects.only("number", "priority").get(pk=outcome.duplicate_of_id)
            model_admin.message_user(
                request,
                _("Linked as a probable duplicate of %(number)s.") % {"number": original.number},
                messages.WARNING,
            )
            # A repeat follows its original and no unit is sent for it: a more urgent one
            # ("he is beating her now", P0, on a P1 call) raised the original (the service);
            # the officer is told, since the original's unit now has the new deadlines.
            if outcome.original_raised_from is not None:
                model_admin.message_user(
                    request,
                    _(
                        "This repeat call is %(new)s: %(number)s, which it follows, was "
                        "%(old)s and is now %(new)s too, its unit on %(new)s deadlines."
                    )
                    % {
                        "new": outcome.priority,
                        "number": original.number,
                        "old": outcome.original_raised_from,
                    },
                    messages.WARNING,
                )
    # The call's page names the form's key: the draft that form kept in the browser's tab
    # (call_entry.js, for a save that gets no answer) is saved now, and the page drops it.
    page = reverse(
        "admin:dispatch_incident_change",
        args=[incident_id],
        current_app=model_admin.admin_site.name,
    )
    return HttpResponseRedirect(
        f"{page}?{urlencode({'call': form.cleaned_data['idempotency_key']})}"
    )


def _json_error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"code": code, "message": message}, status=status)


def _refused(model_admin: Any, request: HttpRequest) -> JsonResponse | None:
    if model_admin.has_add_permission(request):
        return None
    return _json_error(403, "forbidden", _("Only duty officers and chiefs take calls."))


def settlement_search_view(model_admin: Any, request: HttpRequest) -> HttpResponse:
    """``?q=`` → ``{"results": [{id, kato, name, name_kk, district, label, approximate,
    typed_as, exact}]}``, best first; ``typed_as`` (else null) is what the query reads as typed
    with another keyboard layout on ("frnjufq": "актогай"), when that found the settlement,
    after what the query itself finds; ``approximate`` ones are what a misspelt query may have
    meant, last; ``exact``: the query is its name or KATO code (``search.is_named``), what
    the form takes typed but not picked — and the page picks on an Enter pressed before the
    list came."""
    refused = _refused(model_admin, request)
    if refused is not None:
        return refused
    query = request.GET.get("q", "").strip()
    if not query:
        return _json_error(400, "query_required", _("Type part of a name or a KATO code."))
    if len(query) > search.MAX_QUERY:
        return _json_error(
            400,
            "query_too_long",
            _("At most %(n)d characters.") % {"n": search.MAX_QUERY},
        )
    found = search.settlements_matching(_settlements(request), query)
    return JsonResponse(
        {
            "results": [
                {
                    "id": m.settlement.pk,
                    "kato": m.settlement.kato,
                    "name": m.settlement.name,
                    "name_kk": m.settlement.name_kk,
                    "district": _district_name(m.settlement),
                    "label": _label(m.settlement),
                    "approximate": m.approximate,
                    "typed_as": m.typed_as or None,
                    "exact": search.is_named(query, m.settlement),
                }
                for m in found
            ]
        }
    )


def nearby_incidents_view(model_admin: Any, request: HttpRequest) -> HttpResponse:
    """``?settlement=<id>&coordinates=<lat, lon>&phone=<number>`` (any of them) → ``{"incidents":
    [{id, number, url, category, priority, status, received, place, reasons}]}``."""
    refused = _refused(model_admin, request)
    if refused is not None:
        return refused
    params = request.GET
    settlement = None
    raw_settlement = params.get("settlement", "").strip()
    if raw_settlement:
        if not raw_settlement.isdigit():
            return _json_error(400, "invalid_settlement", _("settlement is a number (its id)."))
        settlement = _settlements(request).filter(pk=int(raw_settlement)).first()
        if settlement is None:
            return _json_error(
                400, "unknown_settlement", _("No such settlement in your districts.")
            )
    try:
        point = parse_coordinates(params.get("coordinates", ""))
    except forms.ValidationError as exc:
        return _json_error(400, str(exc.code), " ".join(exc.messages))
    try:
        phone = phone_normalise(params.get("phone", ""))
    except ValidationFailed as exc:
        return _json_error(400, exc.code, exc.detail)
    if settlement is None and point is None and not phone:
        return _json_error(
            400, "nothing_to_match", _("Give a settlement, coordinates or a phone number.")
        )
    incidents = scoped(Incident.objects.all(), request.user)
    found = selectors.incidents_near_a_call(
        incidents,
        settlement=settlement,
        lat=point[0] if point else None,
        lon=point[1] if point else None,
        phone_key=phone_key(phone) if phone else "",
        now=clock.now(),
    )
    site = model_admin.admin_site.name
    rows = []
    for near in found:
        inc = near.incident
        reasons = []
        if near.same_phone:
            reasons.append(_("same phone"))
        if near.same_settlement:
            reasons.append(_("same settlement"))
        elif near.km is not None:
            reasons.append(_("%(km).1f km away") % {"km": near.km})
        rows.append(
            {
                "id": inc.pk,
                "number": inc.number,
                "url": reverse("admin:dispatch_incident_change", args=[inc.pk], current_app=site),
                "category": inc.get_category_display(),
                "priority": inc.priority,
                "status": inc.get_status_display(),
                "received": when_text(inc.received_at),
                "place": _label(inc.settlement) if inc.settlement is not None else inc.landmark,
                "reasons": reasons,
            }
        )
    return JsonResponse({"incidents": rows})


__all__ = [
    "CallEntryForm",
    "call_entry_view",
    "nearby_incidents_view",
    "parse_coordinates",
    "settlement_search_view",
]
