"""An incident's whole story in time order, as the incident page shows it."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from backend.common.formatting import NOTHING
from backend.common.phones import phone_masked
from backend.devices.models import REVOKE_REASONS
from backend.geo.models import Coverage
from backend.ledger.actions import AuditAction, action_label
from backend.ledger.models import AuditEntry
from backend.people.models import (
    CONTACT_VIA,
    UNREACHABLE,
    Mobility,
    Officer,
    UnitStatus,
    UnitType,
)

from .. import selectors
from ..lifecycle import CLOSED_WITH_THE_CALL, DIVERTED, AssignmentStatus, EventKind, IncidentStatus
from ..models import (
    Category,
    Channel,
    Conflict,
    ConflictKind,
    DispatchSource,
    Disposition,
    Event,
    EventSource,
    Incident,
    OutcomeCode,
    RiskSubject,
    SmsMessage,
)
from .formatting import (
    ms_text,
    payload_text,
    refusal_text,
    reply_outcome_text,
    uncertainty_text,
    when_text,
)

KIND_LABELS = {
    "incident": gettext_lazy("Incident"),
    "assignment": gettext_lazy("Assignment"),
    "event": pgettext_lazy("timeline row kind", "Event"),
    "audit": gettext_lazy("Audit"),
}
# Codes in the data of events and audit entries, as words (the keys are labelled by
# backend.common.formatting.KEY_LABELS; these are the values a person would otherwise read raw).
POLICY_LABELS = {
    "district": gettext_lazy("the district's policy"),
    "default": gettext_lazy("the default policy"),
    "builtin": gettext_lazy("the built-in deadlines"),
}
SMS_REASON_LABELS = {"no_device": gettext_lazy("no enrolled device")}
# Where the position of an officer's SOS came from (selectors.SosPosition.source).
POSITION_SOURCE_LABELS = {
    "sent": gettext_lazy("sent with the SOS"),
    "last_fix": gettext_lazy("the phone's last fix, sent with the SOS"),
    "unit": gettext_lazy("the unit's last reported position"),
}
CODE_CHOICES: dict[str, Any] = {
    "kind": (EventKind, ConflictKind),  # an event's kind, or a conflict's
    "outcome_code": OutcomeCode,
    "code": OutcomeCode,  # an outcome's payload; any other code has no label and stays
    "category": Category,
    "resolution": Conflict.Resolution,
    "channel": Channel,
    "disposition": Disposition,  # an event's; an incident's closing disposition is text
    "presence": UnitStatus,  # a recommended unit's (or UNREACHABLE, below)
    "type": UnitType,
    "mobility": Mobility,
}
# Why a protected record was read (audited reads, Law 214-IV) or a citizen was told.
PURPOSE_LABELS = {
    "admin.incident_view": gettext_lazy("the incident's page"),
    "admin.incident_history": gettext_lazy("the incident's history"),
    "admin.incident_panel": gettext_lazy("the dispatch panel"),
    "admin.event_view": gettext_lazy("an event's page"),
    "admin.risk_subject_view": gettext_lazy("the risk subject's page"),
    "admin.risk_subject_history": gettext_lazy("the risk subject's history"),
    "admin.risk_subject_search": gettext_lazy("a search of the risk register"),
    "admin.follow_up_view": gettext_lazy("the follow-up visit's page"),
    "admin.follow_up_history": gettext_lazy("the follow-up visit's history"),
    "api.incident_detail": gettext_lazy("the incident on the duty board"),
    "api.recommendations": gettext_lazy("nearest units for the call"),
    "sync_pull": gettext_lazy("sent to an officer's phone"),
    "reports.csv": gettext_lazy("the report's CSV file"),
    "reports.xlsx": gettext_lazy("the report's Excel file"),
    "reports.incident_list": gettext_lazy("the report's list of calls"),
    "outcome": gettext_lazy("the outcome of the call"),
}
# Reasons the server gives itself (free-text reasons are a person's words and stay as typed).
SYSTEM_REASONS = {
    CLOSED_WITH_THE_CALL: gettext_lazy("the call was closed"),
    DIVERTED: gettext_lazy("sent to a more urgent call"),
    **REVOKE_REASONS,
}


def message_state_text(message: selectors.DeskMessage) -> str:
    """What became of the desk's message to a crew, in words with Kazakhstan time: read
    (when, by whom — and "by SMS" when the receipt was his SMS reply), or not yet."""
    if message.read_at is not None:
        said = {"time": when_text(message.read_at), "officer": message.read_by or "—"}
        if message.read_by_sms:
            return _("read %(time)s by SMS · %(officer)s") % said
        return _("read %(time)s · %(officer)s") % said
    if message.by_sms:
        # the SMS asks for the reply code, which is its receipt (services/sms_inbound.py)
        return _("sent by SMS, not read yet")
    return _("not read yet")


def reason_text(reason: str) -> str:
    label = SYSTEM_REASONS.get(reason)
    return str(label) if label is not None else reason


# The note the server wrote on a reassignment's dispatch before it became a field of its own
# (``reassigned_from``): entries of that time are immutable, so their words are read here.
_OLD_REASSIGN_NOTE = re.compile(r"reassigned from (?P<unit>\S+)")


def note_text(note: str) -> str:
    old = _OLD_REASSIGN_NOTE.fullmatch(note)
    if old is None:
        return note
    return _("reassigned from %(unit)s") % {"unit": old["unit"]}


# Keys whose whole-number value is a unit (shown by its callsign).
UNIT_KEYS = ("unit", "unit_id", "from_unit_id", "to_unit_id")


def choice_label(choices: Any, value: Any) -> Any:
    """``value``'s label in the first of ``choices`` (one enum or several) that has it."""
    for enum in choices if isinstance(choices, tuple) else (choices,):
        try:
            return str(enum(value).label)
        except ValueError:
            continue
    return value


def _sms_reason(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if value in SMS_REASON_LABELS:
        return str(SMS_REASON_LABELS[value])
    if value.startswith("coverage_"):
        return _("coverage: %(coverage)s") % {
            "coverage": choice_label(Coverage, value.removeprefix("coverage_"))
        }
    return value


# How an event reached the server, as words (Event.via is free text: http, ws, sms, phone…).
VIA_LABELS = {
    "sms": gettext_lazy("SMS"),
    "phone": gettext_lazy("phone"),
    "radio": gettext_lazy("radio"),
    "in_person": gettext_lazy("in person"),
    # The field app's own pushes (HTTP or its socket) came over mobile internet; "Field
    # app" is already the source beside it.
    "http": gettext_lazy("mobile internet"),
    "ws": gettext_lazy("mobile internet"),
    "server": gettext_lazy("Server"),
}


def via_text(via: str) -> str:
    """How an event reached the server, in words (an unknown channel as it was written)."""
    return str(VIA_LABELS[via]) if via in VIA_LABELS else via or NOTHING


def _event_source(e: Event) -> str:
    """Who recorded an event and how it came: "Field app", "Duty officer / phone"; the
    server's own commands without the redundant "server"."""
    source = str(e.get_source_display())
    if not e.via or e.via == "server":
        return source
    return f"{source} / {via_text(e.via)}"


# Keys of audit data that name an incident by id, and lists of assignments by id (the calls'
# assignments cleared or stood down when it was closed or cancelled).
INCIDENT_KEYS = ("incident_id", "duplicate_of", "was_duplicate_of")
INCIDENT_LIST_KEYS = ("incident_ids", "repeats_closed")
ASSIGNMENT_LIST_KEYS = ("cleared", "cancelled")


def with_numbers(
    data: Any,
    numbers: Mapping[int, str],
    subjects: Mapping[int, str] | None = None,
    assignments: Mapping[int, str] | None = None,
) -> Any:
    """Data with the incidents it names (:data:`INCIDENT_KEYS`, :data:`INCIDENT_LIST_KEYS`) by their
    numbers where ``numbers`` has them, the risk register's entries (``risk_subjects``) by
    their names where ``subjects`` has them ("Risk subjects: 13" read as thirteen), and the
    assignments it lists (:data:`ASSIGNMENT_LIST_KEYS`) or names (``assignment_id``) by their
    units' callsigns where ``assignments`` has them ("Assignments stood down: 88" read as
    eighty-eight)."""
    if not isinstance(data, Mapping):
        return data

    def number(value: Any) -> Any:
        key = int(value) if isinstance(value, int | str) and str(value).isdigit() else None
        return numbers.get(key, value) if key is not None else value

    out = dict(data)
    for key in INCIDENT_KEYS:
        if out.get(key) is not None:
            out[key] = number(out[key])
    for key in INCIDENT_LIST_KEYS:
        if isinstance(out.get(key), list):
            out[key] = [number(v) for v in out[key]]
    if subjects is not None and isinstance(out.get("risk_subjects"), list):
        out["risk_subjects"] = [subjects.get(v, v) for v in out["risk_subjects"]]
    for key in ASSIGNMENT_LIST_KEYS:
        if assignments is not None and isinstance(out.get(key), list):
            out[key] = [assignments.get(v, v) for v in out[key]]
    # a conflict's entry names its assignment: "Assignment: 64" read as sixty-four
    if assignments is not None and isinstance(out.get("assignment_id"), int):
        out["assignment_id"] = assignments.get(out["assignment_id"], out["assignment_id"])
    return out


def sms_ids_in(data: Any) -> set[int]:
    """The SMS reply ``data`` names (``sms_id``: a fact recorded from it, its audit entry)."""
    named = data.get("sms_id") if isinstance(data, Mapping) else None
    return {named} if isinstance(named, int) else set()


def sms_senders(ids: set[int]) -> dict[int, str]:
    """Each SMS reply's sender, as "from …1234": the number's last four digits, all its row
    keeps past ``KUZET_SMS_RETENTION_DAYS`` (``outbox.sms_prune``) — so a fact recorded by
    SMS reads the same before and after. Its id alone ("SMS message: 3") told a reader
    nothing; the officer beside it says who."""
    rows = SmsMessage.objects.filter(pk__in=ids).values_list("pk", "phone")
    return {pk: _("from %(phone)s") % {"phone": phone_masked(phone)} for pk, phone in rows}


def with_senders(data: Any, senders: Mapping[int, str]) -> Any:
    """Data with the SMS reply it names by its sender (:func:`sms_senders`), where known."""
    if not isinstance(data, Mapping) or data.get("sms_id") not in senders:
        return data
    return {**data, "sms_id": senders[data["sms_id"]]}


def risk_subject_ids_in(data: Any) -> set[int]:
    """The risk register's entries ``data`` names by id (for :func:`with_numbers`)."""
    named = data.get("risk_subjects") if isinstance(data, Mapping) else None
    return {v for v in named if isinstance(v, int)} if isinstance(named, list) else set()


def assignment_ids_in(data: Any) -> set[int]:
    """The assignments ``data`` lists by id (for :func:`with_numbers`)."""
    if not isinstance(data, Mapping):
        return set()
    listed = [
        v for key in ASSIGNMENT_LIST_KEYS if isinstance(data.get(key), list) for v in data[key]
    ]
    return {v for v in listed if isinstance(v, int)}


def incident_ids_in(data: Any) -> set[int]:
    """The incidents ``data`` names by id (for :func:`with_numbers`)."""
    if not isinstance(data, Mapping):
        return set()
    named = [
        *(data.get(key) for key in INCIDENT_KEYS),
        *(v for key in INCIDENT_LIST_KEYS if isinstance(data.get(key), list) for v in data[key]),
    ]
    return {int(v) for v in named if isinstance(v, int | str) and str(v).isdigit()}


# Ids a reader of the timeline has no use for: the fact an audit entry names is the row
# beside it, the phone is named by its officer. The audit log keeps them.
# An SOS's backup call names the SOS by its event and alert, and takes the event as its
# external reference ("sos:<event id>"): the officer and the callsign say which SOS.
FORENSIC_KEYS = frozenset({"event_id", "device_id", "follow_up_id", "sos_event_id", "sos_alert_id"})
_INTERNAL_REFS = ("sos:", "sos-alert:")


def readable(data: Any) -> Any:
    """Data without its forensic ids (:data:`FORENSIC_KEYS`), for the timeline; a unit's id
    beside its callsign goes too (the unit in SOS is on no assignment, and read "Unit: 4"),
    and a reassignment's new assignment beside its unit."""
    if not isinstance(data, Mapping):
        return data
    out = {k: v for k, v in data.items() if k not in FORENSIC_KEYS}
    if isinstance(out.get("external_ref"), str) and out["external_ref"].startswith(_INTERNAL_REFS):
        del out["external_ref"]
    if "callsign" in out:
        out.pop("unit_id", None)
    if "to_unit_id" in out:
        # a reassignment: the new assignment is the crew it names ("To unit: AYG-PC1"); its
        # id read "New assignment: 95" on the call's timeline
        out.pop("to_assignment_id", None)
        out.pop("new_assignment_id", None)
    return out


def worded(data: Any, callsigns: Mapping[int, str]) -> Any:
    """Event or audit data with its codes as words: the dispatch source, the SMS reason, the
    deadline policy, the purpose of a read, a unit by its callsign; nested data too. Keys
    stay (payload_text labels them)."""
    if not isinstance(data, Mapping):
        return data
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key == "unit_id" and "callsign" in data:
            # the unit is named beside its id: an escalation's recommended unit read
            # "Callsign: AYG-DV1; …; Unit: 16" on the call's timeline and the step's page
            continue
        if isinstance(value, Mapping):
            value = worded(value, callsigns)
        elif key == "source" and isinstance(value, str):
            value = choice_label(DispatchSource, value)
        elif key == "sms":
            value = _sms_reason(value)
        elif key == "position_source" and value in POSITION_SOURCE_LABELS:
            value = str(POSITION_SOURCE_LABELS[value])
        elif key == "policy" and value in POLICY_LABELS:
            value = str(POLICY_LABELS[value])
        elif key == "reason" and isinstance(value, str):
            value = reason_text(value)
        elif key == "note" and isinstance(value, str):
            value = note_text(value)
        elif key == "presence" and value == UNREACHABLE:
            value = _("unreachable")
        elif key == "last_contact_via" and value in CONTACT_VIA:
            value = str(CONTACT_VIA[value])
        elif key in ("via", "channel") and value in VIA_LABELS:
            value = str(VIA_LABELS[value])
        elif key in CODE_CHOICES and isinstance(value, str):
            value = choice_label(CODE_CHOICES[key], value)
        elif key in CODE_CHOICES and isinstance(value, list):  # a change: [before, after]
            value = [choice_label(CODE_CHOICES[key], v) if isinstance(v, str) else v for v in value]
        elif key == "purpose" and isinstance(value, str):
            label = PURPOSE_LABELS.get(value)
            value = str(label) if label is not None else choice_label(SmsMessage.Purpose, value)
        # "was": what a reopened call had been (closed, cancelled), read "Before: closed"
        elif key in ("from", "to", "status", "was") and isinstance(value, str):
            value = choice_label(IncidentStatus, choice_label(AssignmentStatus, value))
        elif key in UNIT_KEYS and isinstance(value, int) and value in callsigns:
            value = callsigns[value]
        out[key] = value
    return out


@dataclass(frozen=True)
class TimelineRow:
    at: dt.datetime
    order: int  # tie-break: received < assignment < event < audit at the same instant
    kind: str  # incident | assignment | event | audit
    title: str
    detail: str
    source: str = ""
    # A sensitive read (a DV record opened, sent to a phone): audited and listed, but folded
    # away by default — on a DV call they were a third of the rows between the facts.
    read: bool = False

    @property
    def when(self) -> str:
        """The row's time on the district's clock (formatting.when_text)."""
        return when_text(self.at)

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS.get(self.kind, self.kind))


# Entries whose ``reason`` is an SMS reply's outcome (``formatting.REPLY_OUTCOMES``). Elsewhere
# a reason is a person's words or the server's own (``timeline.reason_text``), and an empty
# one is no reason, not "acknowledged": only the action tells which.
SMS_REPLY_ACTIONS = frozenset({AuditAction.SMS_INBOUND_APPLIED, AuditAction.SMS_INBOUND_REJECTED})
# Entries whose ``reason`` is why the gateway's callback was refused (``formatting.REFUSALS``).
SMS_REFUSED_ACTIONS = frozenset(
    {AuditAction.SECURITY_SMS_INBOUND_FORGED, AuditAction.SECURITY_SMS_INBOUND_REPLAYED}
)


def action_worded(action: str, data: dict[str, Any]) -> dict[str, Any]:
    """An entry's data with the codes only its action explains as words: an SMS reply's
    reason (the log read "Причина unknown_sender"), a refused callback's (it read an English
    sentence in every language)."""
    if action == AuditAction.INCIDENT_CLOSED:
        data = closing_words(data)
    reason = data.get("reason")
    if action in SMS_REPLY_ACTIONS and isinstance(reason, str):
        return {**data, "reason": reply_outcome_text(reason)}
    if action in SMS_REFUSED_ACTIONS and isinstance(reason, str):
        return {**data, "reason": refusal_text(reason)}
    return data


# The key a closed call's disposition is shown under: the duty officer's own words on how the
# call ended, labelled as the close form labels them — under ``disposition``, an event's
# (applied, rejected), it read "Применение: разобрано".
CALL_DISPOSITION = "call_disposition"


def closing_words(data: Mapping[str, Any]) -> dict[str, Any]:
    """A call's close (its audit entry, its ``closed`` event) with its disposition under
    :data:`CALL_DISPOSITION`, in its place."""
    return {(CALL_DISPOSITION if k == "disposition" else k): v for k, v in data.items()}


def with_records(data: Any, names: Mapping[tuple[str, int], str]) -> Any:
    """``data`` with the records it names by id (``selectors.DATA_RECORD_KEYS``: a follow-up
    visit, an enrolment code, a safety check) by ``names`` (``selectors.data_record_names``)."""
    if not isinstance(data, Mapping):
        return data
    return {
        k: names.get((k, v), v) if k in selectors.DATA_RECORD_KEYS and isinstance(v, int) else v
        for k, v in data.items()
    }


def with_officers(data: dict[str, Any], names: Mapping[int, str] | None = None) -> dict[str, Any]:
    """``data`` with the officer it names by id (``officer_id``: a fact recorded from an SMS
    reply) by their name, where the officer is known: by ``names`` (:func:`officer_names`), or
    one read."""
    officer_id = data.get("officer_id")
    if not isinstance(officer_id, int):
        return data
    if names is None:
        names = officer_names([data])
    name = names.get(officer_id)
    return data if name is None else {**data, "officer_id": name}


def officer_names(datas: Iterable[Any]) -> dict[int, str]:
    """The officers ``datas`` name by id (``officer_id``) by their names (one read for all)."""
    named = {d.get("officer_id") for d in datas if isinstance(d, Mapping)}
    ids = {pk for pk in named if isinstance(pk, int)}
    return {o.pk: o.display_name for o in Officer.objects.filter(pk__in=ids)} if ids else {}


def incident_timeline(incident: Incident) -> list[TimelineRow]:
    """Everything that happened to an incident, in time order: the call, its assignments,
    every event (device facts with their time provenance, server commands) and every audit
    entry of the incident, its assignments, events, conflicts and follow-up visits."""
    rows = [
        TimelineRow(
            incident.received_at,
            0,
            "incident",
            _("Received"),
            _("via %(channel)s, %(priority)s")
            % {"channel": incident.get_channel_display(), "priority": incident.priority},
            "",
        )
    ]
    if incident.closed_at:
        rows.append(
            TimelineRow(
                incident.closed_at,
                0,
                "incident",
                _("Closed"),
                " · ".join(filter(None, [incident.disposition, incident.outcome_label])),
                "",
            )
        )
    assignments = list(incident.assignments.select_related("unit").order_by("dispatched_at", "pk"))
    by_id = {a.pk: a for a in assignments}
    for a in assignments:
        rows.append(
            TimelineRow(
                a.dispatched_at,
                1,
                "assignment",
                _("%(unit)s dispatched") % {"unit": a.unit.callsign},
                _("now %(status)s") % {"status": a.get_status_display()}
                + (
                    ", " + _("acknowledgement due %(when)s") % {"when": when_text(a.ack_due_at)}
                    if a.ack_due_at
                    else ""
                ),
                a.get_dispatch_source_display(),
            )
        )
        if a.cancelled_at:
            rows.append(
                TimelineRow(
                    a.cancelled_at,
                    1,
                    "assignment",
                    _("%(unit)s cancelled") % {"unit": a.unit.callsign},
                    reason_text(a.cancel_reason),
                    "",
                )
            )
        if a.superseded_at:
            rows.append(
                TimelineRow(
                    a.superseded_at,
                    1,
                    "assignment",
                    _("%(unit)s superseded") % {"unit": a.unit.callsign},
                    _("replaced by %(unit)s") % {"unit": by_id[a.superseded_by_id].unit.callsign}
                    if a.superseded_by_id in by_id
                    else "",
                    "",
                )
            )
    assignment_ids = [a.pk for a in assignments]
    callsigns = {a.unit_id: a.unit.callsign for a in assignments}
    events = list(
        Event.objects.filter(Q(incident=incident) | Q(assignment_id__in=assignment_ids))
        .select_related("unit", "officer")
        .order_by("estimated_at", "id")
    )
    messages = {m.id: m for sent in selectors.desk_messages(assignment_ids).values() for m in sent}
    audits = (
        AuditEntry.objects.filter(selectors.audit_about_incidents([incident.pk]))
        .select_related("actor")
        .order_by("id")
    )
    entries = [(entry, entry.data_dict) for entry in audits]
    senders = sms_senders(
        set().union(*(sms_ids_in(e.payload) for e in events), *(sms_ids_in(d) for _e, d in entries))
    )
    for e in events:
        spread = uncertainty_text(e.estimate_uncertainty_ms)
        # a time someone stated (the crew by radio, a chief's backfill) is not an estimate
        # of the server's: "by server receipt time" read as if the crew's 09:14 were ignored
        stated = e.source in (EventSource.ON_BEHALF, EventSource.BACKFILL)
        parts = [
            str(e.get_disposition_display()),
            _("time as reported, %(spread)s") % {"spread": spread}
            if stated
            else _("estimated %(spread)s by %(method)s")
            % {"spread": spread, "method": e.get_estimate_method_display()},
            _("received %(when)s") % {"when": when_text(e.server_received_at)},
        ]
        if e.device_time is not None:
            parts.append(_("device clock %(when)s") % {"when": ms_text(e.device_time)})
        if e.clock_suspect:
            parts.append(_("device clock suspect"))
        named = messages.get(str(e.payload.get("event_id"))) if e.kind == EventKind.READ else None
        if named is not None:  # a read receipt names the desk's message by its id: say which
            parts.append(
                _("the desk's messages up to the one of %(when)s")
                % {"when": when_text(named.sent_at)}
            )
        elif e.payload:
            payload = closing_words(e.payload) if e.kind == EventKind.CLOSED else e.payload
            parts.append(payload_text(worded(readable(with_senders(payload, senders)), callsigns)))
        if e.pk in messages:  # the desk's message: read by the crew, or not yet
            parts.insert(0, message_state_text(messages[e.pk]))
        detail = "; ".join(parts)
        unit = f"{e.unit.callsign} " if e.unit is not None else ""
        # who recorded it (the officer whose phone or on whose behalf), then how it came
        who = f"{e.officer.display_name} · " if e.officer is not None else ""
        rows.append(
            TimelineRow(
                e.estimated_at,
                2,
                "event",
                # the desk's message is to the unit, not from it
                _("Message to %(unit)s") % {"unit": e.unit.callsign}
                if e.source == EventSource.DESK and e.unit is not None
                else f"{unit}{e.get_kind_display()}",
                detail,
                who + _event_source(e),
            )
        )
    follow_ups = list(incident.follow_ups.select_related("unit"))
    # the inspector a visit is owed by, by callsign too (not a dispatched unit)
    callsigns.update({t.unit.pk: t.unit.callsign for t in follow_ups if t.unit is not None})
    # the call a report was linked to as a repeat is another incident: read its number
    other_ids = set().union(*(incident_ids_in(data) for _entry, data in entries)) - {incident.pk}
    numbers = {incident.pk: incident.number}
    numbers.update(Incident.objects.filter(pk__in=other_ids).values_list("pk", "number"))
    subject_ids = set().union(*(risk_subject_ids_in(data) for _entry, data in entries))
    subjects = {r.pk: str(r) for r in RiskSubject.objects.filter(pk__in=subject_ids)}
    units_of = {a.pk: a.unit.callsign for a in assignments}
    records = selectors.data_record_names(data for _entry, data in entries)
    for entry, raw in entries:
        said = with_records(with_officers(action_worded(entry.action, raw)), records)
        data = with_numbers(
            worded(readable(with_senders(said, senders)), callsigns), numbers, subjects, units_of
        )
        rows.append(
            TimelineRow(
                entry.at,
                3,
                "audit",
                action_label(entry.action),
                payload_text(data),
                entry.actor.display_name if entry.actor else entry.actor_name,
                read=entry.action.endswith(".read"),
            )
        )
    rows.sort(key=lambda r: (r.at, r.order))
    return rows
