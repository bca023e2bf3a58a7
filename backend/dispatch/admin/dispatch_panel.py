"""Dispatch in the admin: the panel at the top of the incident page and its commands.

Pieces that call the same services as the API:

* :class:`IncidentDispatchAdminMixin` — put it FIRST in ``IncidentAdmin``'s bases. It adds
  POST-only URLs under the incident's change page (dispatch a unit; close, cancel, reopen
  the incident, or make a linked repeat a call of its own; set its registry numbers;
  cancel, reassign, record on the officer's behalf for each open assignment), a GET URL
  for the panel alone (``panel/``), and the panel's context (``kuzet_dispatch``) to
  ``change_view``.
* the templates ``admin/dispatch/incident/panel.html`` (the panel: what the commands
  re-render) and ``change_form.html`` (the page: the panel BEFORE the admin's own
  ``<form id="incident_form">`` — a form nested in another is dropped by the browser, which
  made the top Dispatch button post the admin form: 403, issue 13).
* :class:`AssignmentDispatchAdminMixin` — changelist actions for ``AssignmentAdmin``: cancel
  the selected assignments, acknowledge them on behalf (phone).

Every command keeps one's place. ``static/dispatch/incident.js`` sends a panel form with
``fetch`` and the header ``X-Kuzet-Panel: 1``; the command answers with the re-rendered
panel (its notices inside) and the script puts it in place of the old one. Without the
script the form posts as usual and the answer is a redirect to the page's ``#panel``.

Every panel form carries its own ``idempotency_key`` (a fresh one each time the panel is
rendered): sending the same form twice — a double click, a browser resending the POST after
a lost answer — runs the command once and says so (``backend.ledger.idempotency``).

Scoping: every view starts from ``self.get_object()`` — the admin's scoped queryset — so an
incident of another district is a 404; units come from the acting user's scope; the services
check scope again. Only duty officers, chiefs and superusers act (``access.can_dispatch``).

A call of another district that a unit of the reader's districts holds or held an assignment
on (lent across the border: ``access.incident_lent_to``) opens read-only for that unit's desk
and chief (:meth:`IncidentDispatchAdminMixin.kuzet_lent_view`): the call, their units'
assignments with their times, the timeline — no command, no recommendations. Its commands
answer ``403`` ``incident_out_of_scope`` as JSON (:func:`_refusing`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from backend.common import clock
from backend.common.errors import DomainError, Forbidden, NotFound, ValidationFailed
from backend.common.formatting import phone_text
from backend.geo.models import Zone, in_reader_language
from backend.ledger import uow
from backend.ledger.idempotency import Replay, run_once_for
from backend.people.access import district_scope
from backend.people.models import UNREACHABLE, UNREACHABLE_LABEL, UnitStatus
from sync.protocol import COAO_ARTICLE_RE

from .. import access, kpis, lifecycle, places, selectors, services
from ..lifecycle import ASSIGNMENT_OPEN, INCIDENT_COMMANDED_OVER, EventKind
from ..models import (
    Assignment,
    Category,
    CoaoArticle,
    Incident,
    OutcomeCode,
    Priority,
    SafetyCheck,
)
from ..refusals import refusal_text
from ..services.assignments import ACK_CHANNELS, ON_BEHALF_KINDS
from ..services.incidents import REGISTRY_FIELDS, close_clears
from .formatting import span_text, uncertainty_text, when_text
from .timeline import incident_timeline, message_state_text

# The hidden field of every panel form: one idempotency key per rendered form.
FORM_FIELD = "idempotency_key"
# The header the panel's script sends, and the answer carries back: "answer with the panel".
PANEL_HEADER = "X-Kuzet-Panel"
PANEL_TEMPLATE = "admin/dispatch/incident/panel.html"
# The read-only page of a call of another district, for the desk whose unit was sent to it.
LENT_TEMPLATE = "admin/dispatch/incident/lent.html"
# The incident's own commands on the page: the service, the POSTed fields it takes, and what
# the page says when it ran.
# Each says its notice in a sentence of its own ("{result}": ``_closed_text`` and the others,
# chosen in ``kuzet_incident_command_view``).
INCIDENT_COMMANDS: dict[str, tuple[Callable[..., Any], tuple[str, ...], Any]] = {
    "close": (
        services.incident_close_ended,
        ("disposition", "outcome_code", "coao_article"),
        "{result}",
    ),
    "cancel": (services.incident_cancel_ended, ("reason",), "{result}"),
    "reopen": (services.incident_reopen, ("reason",), "{result}"),
    "classify": (services.incident_reclassify, ("category", "priority", "reason"), "{result}"),
    "separate": (services.incident_separate, ("reason",), "{result}"),
    "link": (services.incident_link, ("original_number", "reason"), "{result}"),
}
# The reported time, typed in the district's time as the country writes it: "05.12.2026
# 09:14:30", "05.12.2026 09:14", or only "09:14" (today's — yesterday's when that is still to
# come, a night shift's report from before midnight). A browser's own date-time field
# showed "12/05/2026, 09:15:26 AM" on a Russian desk in an English-speaking browser. The ISO
# forms are what earlier pages sent.
TIME_INPUT_FORMATS = (
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
)
CLOCK_INPUT_FORMATS = ("%H:%M:%S", "%H:%M")
# The fields of the form that records what a unit reported.
RECORD_FIELDS = (
    "kind",
    "channel",
    "occurred_at",
    "occurred_at_shown",
    "uncertainty_min",
    "note",
    "outcome_code",
    "coao_article",
)

CHANNEL_LABELS: dict[str, Any] = {
    "phone": _("phone"),
    "radio": _("radio"),
    "in_person": _("in person"),
}
KIND_LABELS: dict[str, Any] = {
    EventKind.ACK: _("acknowledged"),
    EventKind.EN_ROUTE: _("en route"),
    EventKind.ON_SCENE: _("on scene"),
    EventKind.CLEARED: _("cleared"),
    EventKind.OUTCOME: _("outcome"),
}
REGISTRY_LABELS: dict[str, Any] = {"kui": _("КУИ"), "erdr": _("ЕРДР"), "erap": _("ЕРАП")}
# How a report reached the desk, as the notice after recording it says: "(by radio)".
CHANNEL_BY: dict[str, Any] = {
    "phone": _("by phone"),
    "radio": _("by radio"),
    "in_person": _("in person"),
}
# The notice after a report recorded on the crew's behalf: one sentence per milestone, so
# that each language says it in its own grammar ("прибыл в 14:05:00 (по рации)").
RECORDED_TEXTS: dict[str, Any] = {
    EventKind.ACK: _("Recorded for %(unit)s: acknowledged at %(time)s (%(channel)s)."),
    EventKind.EN_ROUTE: _("Recorded for %(unit)s: set off at %(time)s (%(channel)s)."),
    EventKind.ON_SCENE: _("Recorded for %(unit)s: on scene at %(time)s (%(channel)s)."),
    EventKind.CLEARED: _("Recorded for %(unit)s: cleared at %(time)s (%(channel)s)."),
    EventKind.OUTCOME: _("Recorded for %(unit)s at %(time)s (%(channel)s): outcome — %(outcome)s."),
}
# The same, when the crew is still to reach the scene before the board's arrival alert.
RECORDED_ARRIVE_TEXTS: dict[str, Any] = {
    EventKind.ACK: _(
        "Recorded for %(unit)s: acknowledged at %(time)s (%(channel)s); the crew must be on "
        "scene by %(due)s, or the board raises an alert."
    ),
    EventKind.EN_ROUTE: _(
        "Recorded for %(unit)s: set off at %(time)s (%(channel)s); the crew must be on "
        "scene by %(due)s, or the board raises an alert."
    ),
}


def _choice_label(choices: Any, value: str) -> str:
    """The translated name of a code (a zone, a unit status), or the code if it has none."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _presence_label(presence: str) -> str:
    if presence == UNREACHABLE:
        return str(UNREACHABLE_LABEL)
    return _choice_label(UnitStatus, presence)


def _result_text(result: Any) -> str:
    """What a command did, in words: an assignment by its unit and status name, not codes."""
    if isinstance(result, Assignment):
        return f"{result.incident.number} → {result.unit.callsign} ({result.get_status_display()})"
    return str(result)


def _dispatched_text(assignment: Assignment) -> str:
    """The notice of a dispatch, one sentence: the unit, the call and what comes next. It was
    "Dispatched: 2026-00012 → A-PC1 (Dispatched)", the status said twice ("Направлен: …
    (Направлен)") and nothing of what the desk waits for."""
    return str(
        _("%(unit)s is sent to call %(number)s; the crew must acknowledge by %(time)s, "
          "or the board raises an alert.")
    ) % {
        "unit": assignment.unit.callsign,
        "number": assignment.incident.number,
        "time": when_text(assignment.ack_due_at),
    }  # fmt: skip


def _cancelled_text(assignment: Assignment) -> str:
    """The notice of a stand-down, one sentence: the unit, the call, and whether the crew
    knows — its phone in contact gets the cancellation now, an unreachable one (no contact
    for ``KUZET_UNREACHABLE_MINUTES``) when it is back. It was "Cancelled: 2026-00012 →
    A-PC1 (Cancelled)"."""
    unit = assignment.unit
    if unit.presence() == UNREACHABLE:
        text = _(
            "%(unit)s is taken off call %(number)s; the crew gets the cancellation when its "
            "phone is back in contact."
        )
    else:
        text = _("%(unit)s is taken off call %(number)s; the crew is told.")
    return str(text) % {"unit": unit.callsign, "number": assignment.incident.number}


def _reassigned_text(old: Assignment, new: Assignment) -> str:
    """The notice of a hand-over, one sentence: the call, the unit it went to and the one
    taken off it, and the new unit's deadline to acknowledge (as :func:`_dispatched_text`).
    It was "Reassigned: 2026-00012 → A-PC2 (Dispatched)"."""
    return str(
        _("Call %(number)s is handed to %(unit)s (%(old)s is taken off it); %(unit)s must "
          "acknowledge by %(time)s, or the board raises an alert.")
    ) % {
        "number": new.incident.number,
        "unit": new.unit.callsign,
        "old": old.unit.callsign,
        "time": when_text(new.ack_due_at),
    }  # fmt: skip


def _outcome_text(code: str, article: str) -> str:
    """An outcome as the notices say it: its label, and the CoAO article it names."""
    outcome = _choice_label(OutcomeCode, code)
    if not article:
        return outcome
    return str(_("%(outcome)s, CoAO art. %(article)s")) % {"outcome": outcome, "article": article}


def _recorded_text(assignment: Assignment, event: Any, kind: str) -> str:
    """The notice of a report recorded on the crew's behalf, one sentence: for whom, what,
    when (the district's time, ± the stated uncertainty) and how it was heard — and, after
    an acknowledgment or a departure, by when the crew must be on scene before the board's
    alert (nobody of the call there yet in its current visit, the arrival rung's rule
    ``kpis.reached_scene_q``; the deadline still ahead). It was "Recorded on the
    officer's behalf: A-PC1: on scene, 14:05:00 (radio)"."""
    time = when_text(event.estimated_at)
    uncertainty_s = (event.payload or {}).get("uncertainty_s")
    if uncertainty_s is not None:
        time = f"{time} {uncertainty_text(uncertainty_s * 1000)}"
    words: dict[str, Any] = {
        "unit": assignment.unit.callsign,
        "time": time,
        "channel": str(CHANNEL_BY.get(event.via, event.via)),
    }
    if kind == EventKind.OUTCOME:
        payload = event.payload or {}
        words["outcome"] = _outcome_text(payload.get("code", ""), payload.get("coao_article", ""))
    due = assignment.arrive_due_at
    if (
        kind in RECORDED_ARRIVE_TEXTS
        and due is not None
        and due > clock.now()
        and not assignment.incident.assignments.filter(kpis.reached_scene_q()).exists()
    ):
        return str(RECORDED_ARRIVE_TEXTS[kind]) % {**words, "due": when_text(due)}
    return str(RECORDED_TEXTS.get(kind, RECORDED_TEXTS[EventKind.OUTCOME])) % words


# How the notice of closing a call names each unit released with it: cleared (its crew
# had handled the call — reached the scene or recorded its outcome: ``close_clears``) or
# stood down (it had not), and whether the crew knows — its phone in contact is told now,
# an unreachable one when it is back (as ``_cancelled_text`` says it of a stand-down).
RELEASED_TEXTS: dict[tuple[bool, bool], Any] = {
    (True, True): _("%(unit)s (cleared, the crew is told)"),
    (True, False): _("%(unit)s (cleared, the crew learns it when its phone is back in contact)"),
    (False, True): _("%(unit)s (stood down, the crew is told)"),
    (False, False): _(
        "%(unit)s (stood down, the crew gets the cancellation when its phone is back in contact)"
    ),
}
# The same for cancelling a call: every unit on it is stood down.
TAKEN_OFF_TEXTS: dict[bool, Any] = {
    True: _("%(unit)s (the crew is told)"),
    False: _("%(unit)s (the crew gets the cancellation when its phone is back in contact)"),
}


def _crew_told(assignment: Assignment) -> bool:
    """Whether the crew of an ended assignment knows now: its phone is in contact (not
    ``unreachable``), so the change reaches it at once; else when it is back."""
    return assignment.unit.presence() != UNREACHABLE


def _released_list(ended: services.CallEnded) -> tuple[int, str]:
    """The units a close released, in the order they were sent, each with how it ended and
    whether its crew knows: "A-PC1 (cleared, the crew is told), A-UI1 (stood down, …)"."""
    cleared = {a.pk for a in ended.cleared}
    units = sorted([*ended.cleared, *ended.cancelled], key=lambda a: a.pk)
    return len(units), ", ".join(
        str(RELEASED_TEXTS[(a.pk in cleared, _crew_told(a))]) % {"unit": a.unit.callsign}
        for a in units
    )


def _closed_text(ended: services.CallEnded, before: Incident) -> str:
    """The notice of closing a call, one sentence: the call, its disposition and outcome,
    whether its caller is texted that it is closed (``notify_citizen`` with a phone left,
    and not told before: ``services.incident_close``), and the units released with it —
    each cleared or stood down, its crew told or to learn it when its phone is back in
    contact (the assignments the close itself ended: ``services.CallEnded``). It was
    "Closed: 2026-00012 Theft (P2).", the priority's code and nothing of the caller or the
    crews."""
    done = ended.incident
    told = done.citizen_notified_at is not None and before.citizen_notified_at is None
    words = {"number": done.number, "disposition": done.disposition}
    if done.outcome_code:
        words["outcome"] = _outcome_text(done.outcome_code, done.outcome_article)
    count, units = _released_list(ended)
    if count:
        return _closed_releasing_text(count, outcome=bool(done.outcome_code), told=told) % {
            **words,
            "units": units,
        }
    if not done.outcome_code:
        text = (
            _("Call %(number)s is closed (%(disposition)s); the caller is told by SMS that it "
              "is closed.")
            if told
            else _("Call %(number)s is closed (%(disposition)s).")
        )  # fmt: skip
        return str(text) % words
    text = (
        _("Call %(number)s is closed (%(disposition)s) with the outcome: %(outcome)s; the "
          "caller is told by SMS that it is closed.")
        if told
        else _("Call %(number)s is closed (%(disposition)s) with the outcome: %(outcome)s.")
    )  # fmt: skip
    return str(text) % words


def _closed_releasing_text(count: int, *, outcome: bool, told: bool) -> str:
    """The sentence of a close that released ``count`` units (``%(units)s``), with the
    outcome (``%(outcome)s``) and the caller's SMS when there are."""
    if outcome and told:
        return ngettext(
            "Call %(number)s is closed (%(disposition)s) with the outcome: %(outcome)s; the "
            "caller is told by SMS that it is closed; the unit released from it: %(units)s.",
            "Call %(number)s is closed (%(disposition)s) with the outcome: %(outcome)s; the "
            "caller is told by SMS that it is closed; the units released from it: %(units)s.",
            count,
        )
    if outcome:
        return ngettext(
            "Call %(number)s is closed (%(disposition)s) with the outcome: %(outcome)s; the "
            "unit released from it: %(units)s.",
            "Call %(number)s is closed (%(disposition)s) with the outcome: %(outcome)s; the "
            "units released from it: %(units)s.",
            count,
        )
    if told:
        return ngettext(
            "Call %(number)s is closed (%(disposition)s); the caller is told by SMS that it "
            "is closed; the unit released from it: %(units)s.",
            "Call %(number)s is closed (%(disposition)s); the caller is told by SMS that it "
            "is closed; the units released from it: %(units)s.",
            count,
        )
    return ngettext(
        "Call %(number)s is closed (%(disposition)s); the unit released from it: %(units)s.",
        "Call %(number)s is closed (%(disposition)s); the units released from it: %(units)s.",
        count,
    )


def _incident_cancelled_text(ended: services.CallEnded) -> str:
    """The notice of cancelling a call, one sentence: the call, the reason, and the units
    taken off it — the assignments the cancellation itself stood down
    (``services.CallEnded``: not a list read before it, which named a crew its phone had
    just cleared), each with whether its crew is told or gets the cancellation when its
    phone is back in contact. It was "Incident cancelled: 2026-00012 Theft (P2).", then
    "…; A-PC1 is taken off it." with nothing of the crew."""
    done = ended.incident
    words = {"number": done.number, "reason": done.disposition}
    taken_off = ended.cancelled
    if not taken_off:
        return str(_("Call %(number)s is cancelled (%(reason)s); no unit goes to it.")) % words
    units = ", ".join(
        str(TAKEN_OFF_TEXTS[_crew_told(a)]) % {"unit": a.unit.callsign} for a in taken_off
    )
    return ngettext(
        "Call %(number)s is cancelled (%(reason)s); the unit taken off it: %(units)s.",
        "Call %(number)s is cancelled (%(reason)s); the units taken off it: %(units)s.",
        len(taken_off),
    ) % {**words, "units": units}


def _reopened_text(done: Incident) -> str:
    """The notice of reopening a call: it is back in the queue, waiting for a unit. It was
    "Reopened: 2026-00012 Theft (P2).", the priority's code and not what comes next."""
    return str(_("Call %(number)s is open again: send a unit to it.")) % {"number": done.number}


def _reclassified_text(done: Incident) -> str:
    """The notice of a call's new category or priority: what it is now. It was "Call
    changed: 2026-00012 Noise (P1)."."""
    return str(_("Call %(number)s is now %(category)s, %(priority)s.")) % {
        "number": done.number,
        "category": done.get_category_display(),
        "priority": done.priority,
    }


def _separated_text(done: Incident) -> str:
    """The notice of a repeat made a call of its own: it waits for a unit of its own. It
    was "A call of its own, waiting for a unit: 2026-00012 Theft (P2)."."""
    return str(
        _("Call %(number)s is a call of its own, waiting in the queue: send a unit to it.")
    ) % {"number": done.number}


def _linked_text(done: Incident) -> str:
    """The notice of a call linked as a repeat: of which call, and that it follows it —
    nobody is sent to it and it is closed with it (``services.incident_link``). It was
    "2026-00013 Theft (P2) is linked as a repeat and follows the earlier call."."""
    original = done.duplicate_of
    return str(
        _("Call %(number)s is linked as a repeat of call %(original)s: nobody is sent to it, "
          "and it is closed with that call.")
    ) % {"number": done.number, "original": original.number if original else "—"}  # fmt: skip


def _registry_text(done: Incident) -> str:
    """The notice of saving a call's registry numbers: the numbers it has now, by their
    registry ("КУИ 512, ЕРДР 2026-0012"). It was "Registry numbers saved: 2026-00012 Theft
    (P2).", none of the numbers."""
    numbers = []
    for kind, field in REGISTRY_FIELDS.items():
        value = getattr(done, field)
        label = str(REGISTRY_LABELS[kind])
        if value:  # "КУИ-2026-0042" typed with its registry's name is not said twice
            named = value.casefold().startswith(label.casefold())
            numbers.append(value if named else f"{label} {value}")
    if not numbers:
        return str(_("Call %(number)s has no registry numbers now.")) % {"number": done.number}
    return str(_("Registry numbers of call %(number)s are now %(numbers)s.")) % {
        "number": done.number,
        "numbers": ", ".join(numbers),
    }


def _message_rows(sent: list[selectors.DeskMessage]) -> list[dict[str, Any]]:
    """The desk's messages to a crew as the panel lists them, each with what became of it."""
    return [
        {
            "sent_text": when_text(m.sent_at),
            "text": m.text,
            "state": message_state_text(m),
            "read": m.read_at is not None,
        }
        for m in sent
    ]


def _safety_check_rows(checks: Iterable[SafetyCheck]) -> list[dict[str, Any]]:
    """Officer-safety checks as the read-only page lists them: the crew, when its silence
    passed the interval, when the board was told, and who raised it when — or that nobody
    has (the words of the checks' own admin list)."""
    rows = []
    for check in checks:
        answered = ""
        if check.checked_at is not None:
            who = check.answered_by()
            answered = (
                f"{when_text(check.checked_at)} · {who}" if who else when_text(check.checked_at)
            )
        rows.append(
            {
                "callsign": check.assignment.unit.callsign,
                "due_text": when_text(check.due_at),
                "fired_text": when_text(check.fired_at),
                "answered": bool(answered),
                "answered_text": answered or str(_("not answered")),
            }
        )
    return rows


def _is_panel_request(request: HttpRequest) -> bool:
    return request.headers.get(PANEL_HEADER) == "1"


def _next_kind(a: Assignment) -> str:
    """The milestone the unit is most likely to report next: the first one past its status
    that is not recorded yet (on scene → cleared); the outcome after that."""
    reached = (
        lifecycle.ASSIGNMENT_ORDER.index(a.status) if a.status in lifecycle.ASSIGNMENT_ORDER else -1
    )
    for kind in ON_BEHALF_KINDS:
        milestone = lifecycle.MILESTONE_BY_KIND.get(kind)
        if milestone is None:
            continue
        past = lifecycle.ASSIGNMENT_ORDER.index(milestone.status) > reached
        if past and getattr(a, milestone.field) is None:
            return kind
    return EventKind.OUTCOME


def _local_input(value: dt.datetime) -> str:
    """The time field's value, to the second, in the district's time: 05.12.2026 09:14:30."""
    return timezone.localtime(value).strftime(TIME_INPUT_FORMATS[0])


def _parse_local(value: str) -> dt.datetime:
    text = " ".join(value.split())
    zone = timezone.get_current_timezone()
    for fmt in TIME_INPUT_FORMATS:
        try:
            # A wall-clock time of the district, made aware just below.
            naive = dt.datetime.strptime(text, fmt)  # noqa: DTZ007
        except ValueError:
            continue
        return timezone.make_aware(naive, zone)
    for fmt in CLOCK_INPUT_FORMATS:
        try:
            hours = dt.datetime.strptime(text, fmt).time()  # noqa: DTZ007
        except ValueError:
            continue
        now = timezone.localtime(clock.now())
        reported = timezone.make_aware(dt.datetime.combine(now.date(), hours), zone)
        # "23:50" typed at 00:10 is last night's (a minute of grace for a clock ahead)
        if reported > now + dt.timedelta(minutes=1):
            reported -= dt.timedelta(days=1)
        return reported
    raise ValidationFailed(
        str(_("Enter the time as 05.12.2026 09:14, or only 09:14 for today (local time).")),
        code="invalid_time",
    )


def _reported_time(post: Any) -> dt.datetime | None:
    """The time as reported, or None for "now": the field left at the value it was rendered
    with means "just now", i.e. when the form is sent, not when the panel was drawn."""
    value = (post.get("occurred_at") or "").strip()
    shown = (post.get("occurred_at_shown") or "").strip()
    if not value or value == shown:
        return None
    reported = _parse_local(value)
    # Compared as times, not as text: a browser sends 09:14:00 back as "…T09:14", and that
    # is still the value it was given (read as 09:14:00 it could precede the dispatch at
    # 09:14:32 and be refused).
    try:
        if shown and reported == _parse_local(shown):
            return None
    except ValidationFailed:
        pass
    return reported


def _uncertainty_s(post: Any) -> int | None:
    value = (post.get("uncertainty_min") or "").strip()
    if not value:
        return None
    try:
        minutes = float(value.replace(",", "."))
    except ValueError:
        raise ValidationFailed(
            str(_("The uncertainty is a number of minutes.")), code="invalid_uncertainty"
        ) from None
    if minutes < 0:
        raise ValidationFailed(
            str(_("The uncertainty cannot be negative.")), code="invalid_uncertainty"
        )
    return round(minutes * 60)


class IncidentDispatchAdminMixin:
    """Dispatch commands and the panel at the top of the incident change page."""

    kuzet_recommendation_limit = 10

    # -- urls ----------------------------------------------------------------------------
    def get_urls(self) -> list[Any]:
        admin_: Any = self
        wrap = admin_.admin_site.admin_view
        prefix = f"{admin_.opts.app_label}_{admin_.opts.model_name}"
        ours = [
            # First: "<path:object_id>" would also match "7/assignments/9" before "cancel/".
            path("<path:object_id>/assignments/<int:assignment_id>/<str:command>/",
                 wrap(require_POST(_refusing(self.kuzet_assignment_view))),
                 name=f"{prefix}_kuzet_assignment"),
            path("<path:object_id>/safety-checks/<int:check_id>/ok/",
                 wrap(require_POST(_refusing(self.kuzet_safety_ok_view))),
                 name=f"{prefix}_kuzet_safety_ok"),
            path("<path:object_id>/panel/", wrap(require_GET(self.kuzet_panel_view)),
                 name=f"{prefix}_kuzet_panel"),
            path("<path:object_id>/dispatch/",
                 wrap(require_POST(_refusing(self.kuzet_dispatch_view))),
                 name=f"{prefix}_kuzet_dispatch"),
            *(path(f"<path:object_id>/{command}/",
                   wrap(require_POST(_refusing(
                       partial(self.kuzet_incident_command_view, command=command)))),
                   name=f"{prefix}_kuzet_{command}")
              for command in INCIDENT_COMMANDS),
            path("<path:object_id>/registry/",
                 wrap(require_POST(_refusing(self.kuzet_registry_view))),
                 name=f"{prefix}_kuzet_registry"),
        ]  # fmt: skip
        theirs: list[Any] = super().get_urls()  # type: ignore[misc]
        return ours + theirs

    # -- context -------------------------------------------------------------------------
    def kuzet_dispatch_context(
        self, request: HttpRequest, incident: Incident, kept: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """What the panel shows: the open assignments with their commands, the ranked units
        (reachable first; unreachable ones last, with a warning) with travel estimates and
        position ages, the incident's commands, its registry numbers and outcome, and its
        timeline; and whether this user may act. ``kept``: what was typed into an
        assignment's record form that was refused, shown again in it (``assignment_id``)."""
        admin_: Any = self
        info = admin_.opts.app_label, admin_.opts.model_name
        may_dispatch = access.can_dispatch(request.user)
        can_act = may_dispatch and incident.is_open
        now = clock.now()
        open_assignments = list(
            incident.assignments.filter(status__in=ASSIGNMENT_OPEN)
            .select_related("unit")
            .order_by("dispatched_at", "pk")
        )
        # All of them: the own district's best decides which units across the border are
        # worth showing; the page lists the first ``kuzet_recommendation_limit``.
        everyone = (
            selectors.units_recommended(incident=incident, limit=None, at=now)
            if incident.is_open
            else []
        )
        recommendations = everyone[: self.kuzet_recommendation_limit]
        messages = selectors.desk_messages(a.pk for a in open_assignments)
        # The crews that handled the call: closing clears them (the others it stands down).
        handled = close_clears(open_assignments)
        across_border = (
            selectors.units_across_border(incident=incident, own=everyone, at=now)
            if incident.is_open
            else []
        )
        scope = district_scope(request.user)
        divertible = selectors.units_divertible(incident=incident, at=now) if can_act else []
        site = admin_.admin_site.name

        def url(name: str, *args: Any) -> str:
            return reverse(f"admin:{info[0]}_{info[1]}_{name}", args=args, current_app=site)

        def recommendation(r: selectors.Recommendation) -> dict[str, Any]:
            row = r.as_dict()
            row["unreachable"] = r.presence == UNREACHABLE
            row["presence_label"] = _presence_label(r.presence)
            row["type_label"] = r.unit.get_type_display()
            row["mobility_label"] = r.unit.get_mobility_display()
            contact = r.unit.last_contact_at
            row["no_contact_text"] = (
                span_text(int((now - contact).total_seconds())) if contact is not None else ""
            )
            row["eta_text"] = span_text(r.eta_s)
            row["ranked_for_text"] = selectors.ranked_for_text(r)
            row["position_age_text"] = (
                span_text(r.position_age_s) if r.position_age_s is not None else ""
            )
            return row

        def diverted(d: selectors.Divertible) -> dict[str, Any]:
            row = recommendation(d.recommendation)
            row["leaving"] = [
                {
                    "number": a.incident.number,
                    "priority": a.incident.priority,
                    "category": a.incident.get_category_display(),
                    "place": a.incident.settlement.local_name if a.incident.settlement else "",
                    "status": a.get_status_display(),
                    "url": url("change", a.incident_id),
                }
                for a in d.leaving
            ]
            row["confirm"] = _(
                "%(unit)s leaves %(calls)s, which goes back to the queue. Send it here?"
            ) % {
                "unit": d.recommendation.unit.callsign,
                "calls": ", ".join(a.incident.number for a in d.leaving),
            }
            return row

        def nearer(a: selectors.AcrossBorder) -> dict[str, Any]:
            """A unit of another district, nearer: sent from here by a desk whose scope
            covers its district (the oblast ЦОУ); named, with whom to ask, to the others."""
            row = recommendation(a.recommendation)
            district = in_reader_language(a.district.name, a.district.name_kk)
            row["district"] = district
            row["may_send"] = can_act and scope.allows(a.district.pk)
            row["sooner_text"] = span_text(a.sooner_s) if a.sooner_s is not None else ""
            km = a.recommendation.road_km
            row["line"] = _(
                "Nearer, in %(district)s: %(unit)s · %(km)s km · ~%(travel)s — ask that "
                "district's desk or the oblast ЦОУ"
            ) % {
                "district": district,
                "unit": a.recommendation.unit.callsign,
                "km": "—" if km is None else f"{km:.0f}",
                "travel": row["eta_text"],
            }
            return row

        timeline = incident_timeline(incident)
        # The officer-safety checks of the call's crews, open and answered: the call's own
        # desk answers an open one here as on its board (it was only lines in the timeline).
        checks = list(selectors.safety_checks_on(incident.assignments.values_list("pk", flat=True)))
        safety_rows = [
            {
                **row,
                "check_id": check.pk,
                "ok_url": url("kuzet_safety_ok", incident.pk, check.pk)
                if may_dispatch and not row["answered"]
                else "",
            }
            for check, row in zip(checks, _safety_check_rows(checks), strict=True)
        ]
        return {
            "incident": incident,
            "safety_checks": safety_rows,
            "can_act": can_act,
            "may_dispatch": may_dispatch,
            "can_close": may_dispatch and incident.status not in INCIDENT_COMMANDED_OVER,
            # Closing clears the units whose crews handled the call (reached the scene or
            # recorded its outcome) and stands down the others: the page says which, before
            # the click (a unit on its way was stood down without a word).
            "close_stands_down": [a.unit.callsign for a in open_assignments if a.pk not in handled],
            "can_cancel": may_dispatch and incident.status not in lifecycle.INCIDENT_ENDED,
            "can_reopen": may_dispatch and incident.status in INCIDENT_COMMANDED_OVER,
            # What the caller said may make the call more or less urgent than first entered.
            "can_reclassify": can_act
            and incident.status not in INCIDENT_COMMANDED_OVER
            and incident.status != lifecycle.IncidentStatus.DUPLICATE,
            "priorities": Priority.choices,
            "categories": Category.choices,
            # A report linked as a repeat of an earlier call that is another event after all.
            "can_separate": may_dispatch and incident.status == lifecycle.IncidentStatus.DUPLICATE,
            # A call nobody was sent to that is about an earlier call (incident_link).
            "can_link": may_dispatch
            and incident.status in lifecycle.INCIDENT_WAITING
            and not incident.is_dv
            and not incident.assignments.exists(),
            "original": incident.duplicate_of,
            # The reports linked to this call as its repeats — the caller ringing back ("the
            # fight goes on, he has a knife"): read on the repeat's page only, the call's own
            # page said nothing of them. A DV repeat by its number and time (its words are read
            # on its page, where the read is audited).
            "repeats": [
                {
                    "number": r.number,
                    "url": url("change", r.pk),
                    "received_text": when_text(r.received_at),
                    "caller": ""
                    if r.is_dv
                    else f"{r.caller_name} {phone_text(r.caller_phone)}".strip(),
                    "summary": "" if r.is_dv else r.summary,
                }
                for r in incident.duplicates.order_by("received_at", "pk")
            ],
            "original_url": (
                url("change", incident.duplicate_of_id) if incident.duplicate_of_id else ""
            ),
            "zone": selectors.incident_zone(incident),
            "zone_label": _choice_label(Zone, selectors.incident_zone(incident)),
            # An officer's SOS backup outside a village: "3,1 км к северо-востоку от Аягоз
            # (47.96012, 80.43110)" in the reader's language, "" for any other call.
            "place_words": places.call_place_words(incident),
            "received_text": when_text(incident.received_at),
            # Grouped as read aloud, not a tel: link: a link here is a Tab stop between the
            # panel's notice and the unit's report in the keyboard path of a dispatch (the
            # desk dials on its own phone); the record below links it.
            "caller_phone": phone_text(incident.caller_phone),
            "closed_text": when_text(incident.closed_at) if incident.closed_at else "",
            "recommendations": [recommendation(r) for r in recommendations],
            "divertible": [diverted(d) for d in divertible],
            "across_border": (nearer_rows := [nearer(a) for a in across_border]),
            "across_send": [r for r in nearer_rows if r["may_send"]],
            "across_ask": [r for r in nearer_rows if not r["may_send"]],
            "open_assignments": [
                {
                    "assignment": a,
                    "dispatched_text": when_text(a.dispatched_at),
                    "ack_due_text": when_text(a.ack_due_at) if a.ack_due_at else "—",
                    "acknowledged_text": when_text(a.acknowledged_at) if a.acknowledged_at else "",
                    "arrive_due_text": when_text(a.arrive_due_at) if a.arrive_due_at else "—",
                    "on_scene_text": when_text(a.on_scene_at) if a.on_scene_at else "",
                    "next_kind": _next_kind(a),
                    # the desk's messages to the crew, each with what became of it
                    "messages": _message_rows(messages.get(a.pk, [])),
                    "kept": kept if kept and kept.get("assignment_id") == a.pk else None,
                    "urls": {
                        command: url("kuzet_assignment", incident.pk, a.pk, command)
                        for command in ("record", "message", "reassign", "cancel")
                    },
                }
                for a in open_assignments
            ],
            "record_kinds": [(k, KIND_LABELS[k]) for k in ON_BEHALF_KINDS],
            "ack_channels": [(c, CHANNEL_LABELS.get(c, c)) for c in ACK_CHANNELS],
            "outcome_codes": OutcomeCode.choices,
            # The DV articles offered; any article of the CoAO may be typed (the pattern is
            # the protocol's, without its anchors: an HTML pattern is anchored already).
            "coao_articles": CoaoArticle.choices,
            "coao_article_pattern": COAO_ARTICLE_RE.pattern.removeprefix("^").removesuffix("$"),
            "registry": [
                (kind, REGISTRY_LABELS[kind], getattr(incident, field_name))
                for kind, field_name in REGISTRY_FIELDS.items()
            ],
            "now_input": _local_input(now),
            "new_key": _new_key,  # called by the template once per form
            "panel_url": url("kuzet_panel", incident.pk),
            "dispatch_url": url("kuzet_dispatch", incident.pk),
            "close_url": url("kuzet_close", incident.pk),
            "cancel_url": url("kuzet_cancel", incident.pk),
            "reopen_url": url("kuzet_reopen", incident.pk),
            "classify_url": url("kuzet_classify", incident.pk),
            "separate_url": url("kuzet_separate", incident.pk),
            "link_url": url("kuzet_link", incident.pk),
            "registry_url": url("kuzet_registry", incident.pk),
            "timeline": timeline,
            "timeline_reads": sum(row.read for row in timeline),
        }

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        extra_context = dict(extra_context or {})
        incident = self._kuzet_incident(request, object_id, required=False)
        if incident is None and request.method == "GET":
            lent = self._kuzet_lent(request, object_id)
            if lent is not None:
                return self.kuzet_lent_view(request, *lent)
        if incident is not None:
            panel = self.kuzet_dispatch_context(request, incident)
            extra_context["kuzet_dispatch"] = panel
            extra_context["kuzet_timeline"] = panel["timeline"]
        return super().change_view(request, object_id, form_url, extra_context)  # type: ignore[misc,no-any-return]

    # -- a call of another district, lent a unit of the reader's: read-only ----------------
    def _kuzet_lent(
        self, request: HttpRequest, object_id: str
    ) -> tuple[Incident, list[Assignment]] | None:
        """The call ``object_id`` and the reader's units' assignments on it, when it is
        another district's call they may read only because a unit of theirs was lent to it
        (``access.incident_lent_to``); else None."""
        admin_: Any = self
        if not admin_.has_module_permission(request):
            return None
        try:
            incident = access.access_incident_to_read(request.user, int(unquote(object_id)))
        except (ValueError, DomainError):
            return None
        lent = access.incident_lent_to(request.user, incident)
        return (incident, lent) if lent else None

    def kuzet_lent_context(
        self, request: HttpRequest, incident: Incident, lent: list[Assignment]
    ) -> dict[str, Any]:
        """The panel's context for the desk of a unit lent to ``incident`` (another
        district's call): what the call is, the desk's own units on it with their times, the
        registry numbers and outcome, the timeline; every command flag off and no units to
        send (those are the call's district's). The line at the top names the district whose
        desk runs it and the desk's units."""
        district = in_reader_language(incident.district.name, incident.district.name_kk)
        units = ", ".join(dict.fromkeys(a.unit.callsign for a in lent))
        count = len({a.unit_id for a in lent})
        still_on = any(a.status in ASSIGNMENT_OPEN for a in lent)
        if still_on:
            line = ngettext(
                "Call of another district: %(district)s. Your unit %(units)s was sent to it; "
                "that district's desk runs it.",
                "Call of another district: %(district)s. Your units %(units)s were sent to "
                "it; that district's desk runs it.",
                count,
            )
        else:
            line = ngettext(
                "Call of another district: %(district)s. Your unit %(units)s was on it; "
                "that district's desk runs it.",
                "Call of another district: %(district)s. Your units %(units)s were on it; "
                "that district's desk runs it.",
                count,
            )

        def ended(a: Assignment) -> str:
            done = a.cleared_at or a.cancelled_at or a.superseded_at
            return when_text(done) if done else ""

        # Their crew's parts of the call (access.access_assignments_to_read: the lent
        # assignments), and the call's follow-up visits: read, never answered, here.
        sent = selectors.desk_messages(a.pk for a in lent)
        checks = selectors.safety_checks_on(a.pk for a in lent)
        follow_ups = incident.follow_ups.select_related("unit").order_by("due_at", "pk")
        timeline = incident_timeline(incident)
        return {
            "incident": incident,
            "lent": {
                "district": district,
                "line": line % {"district": district, "units": units},
                "read_only": _(
                    "Read only: its commands are that district's desk's or the oblast ЦОУ's."
                ),
                "rows": [
                    {
                        "assignment": a,
                        "open": a.status in ASSIGNMENT_OPEN,
                        "dispatched_text": when_text(a.dispatched_at),
                        "acknowledged_text": when_text(a.acknowledged_at)
                        if a.acknowledged_at
                        else "",
                        "en_route_text": when_text(a.en_route_at) if a.en_route_at else "",
                        "on_scene_text": when_text(a.on_scene_at) if a.on_scene_at else "",
                        "ended_text": ended(a),
                        "messages": _message_rows(sent.get(a.pk, [])),
                    }
                    for a in lent
                ],
                "safety_checks": _safety_check_rows(checks),
                "follow_ups": [
                    {
                        "unit": task.unit.callsign if task.unit is not None else "—",
                        "due_text": when_text(task.due_at),
                        "done_text": when_text(task.done_at) if task.done_at else "",
                        "note": task.note,
                    }
                    for task in follow_ups
                ],
            },
            "can_act": False,
            "may_dispatch": False,
            "can_close": False,
            "can_cancel": False,
            "can_reopen": False,
            "can_reclassify": False,
            "can_separate": False,
            "can_link": False,
            "original": None,
            "zone": selectors.incident_zone(incident),
            "zone_label": _choice_label(Zone, selectors.incident_zone(incident)),
            "received_text": when_text(incident.received_at),
            "caller_phone": phone_text(incident.caller_phone),
            "closed_text": when_text(incident.closed_at) if incident.closed_at else "",
            "recommendations": [],
            "divertible": [],
            "across_border": [],
            "open_assignments": [],
            "registry": [
                (kind, REGISTRY_LABELS[kind], getattr(incident, field_name))
                for kind, field_name in REGISTRY_FIELDS.items()
            ],
            "timeline": timeline,
            "timeline_reads": sum(row.read for row in timeline),
        }

    def kuzet_lent_view(
        self, request: HttpRequest, incident: Incident, lent: list[Assignment]
    ) -> HttpResponse:
        """The read-only page of a call of another district for the desk of a unit lent to
        it. A DV call's read is audited as on the call's own page (Law 214-IV)."""
        admin_: Any = self
        if incident.is_dv:
            uow.record_read(actor=request.user, obj=incident, purpose="admin.incident_view")
        context = {
            **admin_.admin_site.each_context(request),
            "title": f"{incident.number} · {incident.get_category_display()}",
            "subtitle": None,
            "opts": admin_.opts,
            "kuzet_dispatch": self.kuzet_lent_context(request, incident, lent),
        }
        request.current_app = admin_.admin_site.name
        response = TemplateResponse(request, LENT_TEMPLATE, context)
        response["Cache-Control"] = "no-store"
        return response

    # -- views ----------------------------------------------------------------------------
    def _kuzet_incident(
        self, request: HttpRequest, object_id: str, *, required: bool = True
    ) -> Incident | None:
        """The incident ``object_id`` of the reader's districts (the admin's scoped
        queryset). Required and absent: a call their unit was lent to is refused
        ``incident_out_of_scope`` (403, :func:`_refusing` answers it), any other is 404."""
        admin_: Any = self
        incident = admin_.get_object(request, object_id)
        if incident is None and required:
            try:
                pk = int(unquote(object_id))
            except ValueError:
                raise Http404("No such incident.") from None
            with contextlib.suppress(NotFound):
                access.access_incident(request.user, pk)  # a lent call: 403, not 404
            raise Http404("No such incident.")
        return incident  # type: ignore[no-any-return]

    def _kuzet_back(self, incident: Incident) -> HttpResponseRedirect:
        admin_: Any = self
        info = admin_.opts.app_label, admin_.opts.model_name
        change = reverse(
            f"admin:{info[0]}_{info[1]}_change",
            args=[incident.pk],
            current_app=admin_.admin_site.name,
        )
        # Back to the panel, not to the top of the page.
        return HttpResponseRedirect(f"{change}#panel")

    def _kuzet_panel(
        self,
        request: HttpRequest,
        incident: Incident,
        notices: list[tuple[str, str]],
        kept: dict[str, Any] | None = None,
    ) -> HttpResponse:
        """The panel alone, with the command's notices in it (``(level tag, text)``) and
        what a refused form held (``kept``)."""
        incident.refresh_from_db()
        if incident.is_dv:
            # The panel shows the record as the page does: the read is audited (214-IV).
            uow.record_read(actor=request.user, obj=incident, purpose="admin.incident_panel")
        context = {
            "kuzet_dispatch": self.kuzet_dispatch_context(request, incident, kept),
            "kuzet_notices": notices,
        }
        response = TemplateResponse(request, PANEL_TEMPLATE, context)
        response[PANEL_HEADER] = "1"
        response["Cache-Control"] = "no-store"
        return response

    def kuzet_panel_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        admin_: Any = self
        if admin_.get_object(request, object_id) is None and (
            lent := self._kuzet_lent(request, object_id)
        ):
            # the read-only panel of a call the reader's unit was lent to
            call, assignments = lent
            if call.is_dv:
                uow.record_read(actor=request.user, obj=call, purpose="admin.incident_panel")
            context = {"kuzet_dispatch": self.kuzet_lent_context(request, call, assignments)}
            response = TemplateResponse(request, PANEL_TEMPLATE, context)
            response[PANEL_HEADER] = "1"
            response["Cache-Control"] = "no-store"
            return response
        incident = self._kuzet_incident(request, object_id)
        assert incident is not None
        if not admin_.has_view_or_change_permission(request, incident):
            raise PermissionDenied
        return self._kuzet_panel(request, incident, [])

    def _kuzet_run(
        self,
        request: HttpRequest,
        incident: Incident,
        action: Any,
        success: Any,
        kept: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if not access.can_dispatch(request.user):
            raise PermissionDenied
        admin_: Any = self
        notice: tuple[int, str]
        try:
            outcome = _once(request, lambda: str(success).format(result=_result_text(action())))
        except DomainError as exc:
            notice = (messages.ERROR, refusal_text(exc))
        else:
            kept = None  # done: the form starts afresh
            if isinstance(outcome, Replay):
                notice = (
                    messages.WARNING,
                    f"{_('This form was already sent; nothing was done again.')} "
                    f"{outcome.body['message']}",
                )
            else:
                notice = (messages.SUCCESS, outcome)
        if _is_panel_request(request):
            return self._kuzet_panel(
                request, incident, [(messages.DEFAULT_TAGS[notice[0]], notice[1])], kept
            )
        admin_.message_user(request, notice[1], notice[0])
        return self._kuzet_back(incident)

    def kuzet_dispatch_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        incident = self._kuzet_incident(request, object_id)
        assert incident is not None

        def run() -> Assignment:
            unit = access.access_unit_to_send(
                request.user, _int(request.POST.get("unit_id")), incident=incident
            )
            return services.incident_dispatch(
                incident=incident,
                unit=unit,
                by=request.user,
                note=request.POST.get("note", "")[:200],
                divert=request.POST.get("divert") == "1",
            )

        return self._kuzet_run(request, incident, lambda: _dispatched_text(run()), "{result}")

    def kuzet_incident_command_view(
        self, request: HttpRequest, object_id: str, command: str
    ) -> HttpResponse:
        """Close, cancel, reopen, separate or link: the POSTed fields of the command go to its
        service."""
        run, fields, success = INCIDENT_COMMANDS[command]
        incident = self._kuzet_incident(request, object_id)
        assert incident is not None
        given = {name: request.POST.get(name, "") for name in fields}

        def action() -> Any:
            done = run(incident=incident, by=request.user, **given)
            # closing and cancelling name the units they ended, as the service ended them
            if command == "close":
                return _closed_text(done, incident)
            if command == "cancel":
                return _incident_cancelled_text(done)
            if command == "reopen":
                return _reopened_text(done)
            if command == "classify":
                return _reclassified_text(done)
            if command == "separate":
                return _separated_text(done)
            return _linked_text(done)

        return self._kuzet_run(request, incident, action, success)

    def kuzet_registry_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        incident = self._kuzet_incident(request, object_id)
        assert incident is not None
        numbers = {
            kind: request.POST[f"registry_{kind}"]
            for kind in REGISTRY_FIELDS
            if f"registry_{kind}" in request.POST
        }
        return self._kuzet_run(
            request,
            incident,
            lambda: _registry_text(
                services.incident_registry_set(incident=incident, by=request.user, numbers=numbers)
            ),
            "{result}",
        )

    def kuzet_safety_ok_view(
        self, request: HttpRequest, object_id: str, check_id: int
    ) -> HttpResponse:
        """The desk raised a crew silent on scene and the officer is fine: the same service
        as the board's "Officer OK" (``services.safety_check_answer``: scoped, audited, told
        to every board, the check's alert marked). A check answered a moment before — by
        another desk or by the crew's own word — is done, and the notice says who answered."""
        incident = self._kuzet_incident(request, object_id)
        assert incident is not None
        check = (
            SafetyCheck.objects.select_related("assignment__unit")
            .filter(pk=check_id, assignment__incident=incident)
            .first()
        )
        if check is None:
            raise Http404("No such check on this incident.")
        unit = check.assignment.unit.callsign

        def run() -> str:
            answer = services.safety_check_answer(check_id=check.pk, by=request.user)
            if answer.already_answered:
                done = answer.check
                assert done.checked_at is not None
                return str(_("%(unit)s: the check was already answered — %(who)s, %(when)s.")) % {
                    "unit": unit,
                    "who": done.answered_by() or "—",
                    "when": when_text(done.checked_at),
                }
            return str(_("Officer OK recorded: %(unit)s.")) % {"unit": unit}

        return self._kuzet_run(request, incident, run, "{result}")

    def kuzet_assignment_view(
        self, request: HttpRequest, object_id: str, assignment_id: int, command: str
    ) -> HttpResponse:
        incident = self._kuzet_incident(request, object_id)
        assert incident is not None
        assignment = incident.assignments.filter(pk=assignment_id).first()
        if assignment is None:
            raise Http404("No such assignment on this incident.")
        user = request.user
        post = request.POST

        def record() -> str:
            kind = post.get("kind", "")
            event = services.assignment_record_on_behalf(
                assignment=assignment,
                by=user,
                kind=kind,
                channel=post.get("channel", ""),
                occurred_at=_reported_time(post),
                uncertainty_s=_uncertainty_s(post),
                note=post.get("note", ""),
                outcome_code=post.get("outcome_code", ""),
                outcome_text=post.get("outcome_text", ""),
                coao_article=post.get("coao_article", ""),
            )
            return _recorded_text(assignment, event, kind)

        def acknowledge() -> str:
            event = services.assignment_acknowledge_on_behalf(
                assignment=assignment, by=user, channel=post.get("channel", ""),
                note=post.get("note", ""))  # fmt: skip
            return _recorded_text(assignment, event, EventKind.ACK)

        def cancel() -> str:
            services.assignment_cancel(
                assignment=assignment, by=user, reason=post.get("reason", "")
            )
            return _cancelled_text(assignment)

        def reassign() -> str:
            unit = access.access_unit_to_send(user, _int(post.get("unit_id")), incident=incident)
            new = services.assignment_reassign(assignment=assignment, unit=unit, by=user)
            return _reassigned_text(assignment, new)

        def message() -> str:
            services.assignment_message(assignment=assignment, by=user, text=post.get("text", ""))
            return assignment.unit.callsign

        commands: dict[str, tuple[Callable[[], str], Any]] = {
            "cancel": (cancel, "{result}"),
            "reassign": (reassign, "{result}"),
            # The form of earlier pages (and of the API's shape): acknowledged, now.
            "acknowledge": (acknowledge, "{result}"),
            "record": (record, "{result}"),
            "message": (message, _("Message sent to {result}.")),
        }
        if command not in commands:
            raise Http404("Unknown command.")
        action, success = commands[command]
        # a refused report is shown again as typed (the note and the time were lost)
        kept = (
            {"assignment_id": assignment.pk, **{f: post.get(f, "") for f in RECORD_FIELDS}}
            if command == "record"
            else None
        )
        return self._kuzet_run(request, incident, action, success, kept)


class AssignmentDispatchAdminMixin:
    """Changelist actions for assignments, calling the dispatch services row by row."""

    actions = ["kuzet_cancel_selected", "kuzet_acknowledge_by_phone"]

    def _kuzet_each(
        self,
        request: HttpRequest,
        queryset: QuerySet[Assignment],
        call: Any,
        said: Callable[[int], str],
    ) -> None:
        """Run ``call`` on each selected assignment; ``said(n)``: the notice of the ``n``
        done, with ``%(count)d`` and ``%(list)s`` (their units and calls) in it."""
        admin_: Any = self
        if not access.can_dispatch(request.user):
            raise PermissionDenied
        done: list[Assignment] = []
        refused = []
        for assignment in queryset.select_related("incident", "unit").order_by("pk"):
            try:
                call(assignment)
            except DomainError as exc:
                refused.append(
                    str(_("%(unit)s on call %(number)s: %(reason)s"))
                    % {
                        "unit": assignment.unit.callsign,
                        "number": assignment.incident.number,
                        "reason": refusal_text(exc),
                    }
                )
            else:
                done.append(assignment)
        if done:
            listed = ", ".join(f"{a.unit.callsign} ({a.incident.number})" for a in done)
            admin_.message_user(
                request, said(len(done)) % {"count": len(done), "list": listed}, messages.SUCCESS
            )
        for line in refused:
            admin_.message_user(request, line, messages.WARNING)

    @admin.action(description=_("Cancel the selected assignments"))
    def kuzet_cancel_selected(self, request: HttpRequest, queryset: QuerySet[Assignment]) -> None:
        self._kuzet_each(
            request,
            queryset,
            lambda a: services.assignment_cancel(
                assignment=a, by=request.user, reason="cancelled in admin"
            ),
            lambda n: ngettext(
                "%(count)d assignment cancelled: %(list)s.",
                "%(count)d assignments cancelled: %(list)s.",
                n,
            ),
        )

    @admin.action(description=_("Record acknowledgment on the officer's behalf (phone)"))
    def kuzet_acknowledge_by_phone(
        self, request: HttpRequest, queryset: QuerySet[Assignment]
    ) -> None:
        self._kuzet_each(
            request,
            queryset,
            lambda a: services.assignment_acknowledge_on_behalf(
                assignment=a, by=request.user, channel="phone"
            ),
            lambda n: ngettext(
                "%(count)d assignment acknowledged by phone on the crew's behalf: %(list)s.",
                "%(count)d assignments acknowledged by phone on the crews' behalf: %(list)s.",
                n,
            ),
        )


def _refusing(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A panel command's view whose refusal of the call itself — another district's call
    the reader's unit was lent to (``access.access_incident``: ``incident_out_of_scope``) —
    answers 403 as JSON, the code and its words in the reader's language, and does
    nothing. (A refusal of the command, inside ``_kuzet_run``, is a notice on the panel.)"""

    def refusing(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except Forbidden as exc:
            body = {**exc.as_json(), "detail": refusal_text(exc)}
            return JsonResponse(body, status=exc.status)

    return refusing


def _new_key() -> str:
    """A fresh idempotency key; the panel's template calls it once per rendered form."""
    return uuid.uuid4().hex


def _once(request: HttpRequest, run: Callable[[], str]) -> str | Replay:
    """Run a panel command once per rendered form: the form's hidden ``idempotency_key`` (a
    double click, a browser resending the POST) replays the first outcome instead of
    dispatching or cancelling again. A POST without a key runs as before."""
    key = request.POST.get(FORM_FIELD)
    if not key:
        return run()
    data = {k: v for k, v in request.POST.items() if k not in ("csrfmiddlewaretoken", FORM_FIELD)}
    return run_once_for(
        request,
        key=key,
        body=data,
        run=run,
        answer=lambda message: (200, {"message": message}),
    )


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise DomainError("Choose a unit.", code="invalid") from None
