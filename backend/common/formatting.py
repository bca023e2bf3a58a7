"""How every screen writes times and durations: one clock (the district's local time, with
the date when it is not today), durations as m:ss or h:mm:ss, uncertainty as ±; and data a
person reads (an event's payload, an audit entry's data) as labelled words, never as JSON
or epoch numbers.

The consoles reach it through ``backend.dispatch.admin.formatting``; it lives in ``common``
because the people and territory admins sit below dispatch and need the same clock."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.functional import Promise
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from backend.common import clock

NOTHING = "—"
# Milliseconds since 1970 from this size on (2001-09-09): smaller "_ms" values are durations.
EPOCH_MS_FROM = 1_000_000_000_000


def when_text(value: dt.datetime | None, *, today: dt.date | None = None) -> str:
    """A time in the district's time zone (Kazakhstan, UTC+5): ``09:06:45`` today,
    ``02.12.2026 09:06:45`` on another day."""
    if value is None:
        return NOTHING
    if timezone.is_naive(value):
        # A naive value from the database is UTC (USE_TZ): never show it as it is.
        value = timezone.make_aware(value, dt.UTC)
    local = timezone.localtime(value)
    today = today or timezone.localdate()
    if local.date() == today:
        return f"{local:%H:%M:%S}"
    return f"{local:%d.%m.%Y %H:%M:%S}"


def dated_text(value: dt.datetime | None) -> str:
    """A time with its date, today's too: ``05.12.2026 09:06:45``. For records read days
    later — the audit log, the partners' keys and deliveries — where "09:06:45" alone said
    nothing of which day."""
    return when_text(value, today=dt.date.min)


def date_text(value: dt.date | None) -> str:
    """A calendar date as Kazakhstan writes it: ``31.03.2026``."""
    return NOTHING if value is None else f"{value:%d.%m.%Y}"


def ms_text(value: int | None) -> str:
    """A device's raw millisecond time (wall clock, GPS) in local time; the raw value is kept
    on the event, not shown."""
    if value is None:
        return NOTHING
    try:
        return when_text(clock.from_ms(value))
    except (OverflowError, OSError, ValueError):
        return _("unreadable")


def clock_text(seconds: int) -> str:
    """Whole seconds as ``m:ss`` under an hour, ``h:mm:ss`` from an hour on."""
    sign, seconds = ("−", -seconds) if seconds < 0 else ("", seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{sign}{hours}:{minutes:02d}:{secs:02d}"
    return f"{sign}{minutes}:{secs:02d}"


def duration_text(value: int | None) -> str:
    """A duration in whole seconds: ``4:05``, ``1:02:03``, ``—`` when unknown."""
    if value is None:
        return NOTHING
    return clock_text(int(value))


def span_text(seconds: float | None) -> str:
    """A span a person estimates rather than times — how long a phone has been silent, how
    old a position is, how long the road takes — in words: ``45 s``, ``17 min``,
    ``2 h 41 min``, ``3 d 4 h`` (in the reader's language). ``2:41:24`` beside the clock
    read like a time of day, and its seconds say nothing of a two-hour estimate."""
    if seconds is None:
        return NOTHING
    seconds = max(0, int(seconds))
    if seconds < 60:
        return _("%(n)s s") % {"n": seconds}
    minutes = seconds // 60
    if minutes < 60:
        return _("%(n)s min") % {"n": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return _("%(hours)s h %(minutes)02d min") % {"hours": hours, "minutes": minutes}
    days, hours = divmod(hours, 24)
    return _("%(days)s d %(hours)s h") % {"days": days, "hours": hours}


def span_exact_text(seconds: float | None) -> str:
    """A measured duration in words, its seconds kept below the hour: ``45 s``,
    ``4 min 05 s``, ``3 h 00 min`` (:func:`span_text` from the hour on). For lists of
    durations beside clock times (the chief's drill-downs): ``3:00:53`` there read as a time
    of day, and a list of acknowledgements "not within 60 s" cannot say "1 min" for 61 s."""
    if seconds is None:
        return NOTHING
    seconds = max(0, int(seconds))
    if seconds < 60 or seconds >= 3600:
        return span_text(seconds)
    minutes, secs = divmod(seconds, 60)
    return _("%(minutes)s min %(seconds)02d s") % {"minutes": minutes, "seconds": secs}


def seconds_text(value: float | None) -> str:
    """A KPI in seconds (``kpis``: a float, or None when a milestone is missing)."""
    return duration_text(None if value is None else round(value))


def uncertainty_text(ms: int | None) -> str:
    """An estimate's uncertainty in words, as the consoles' other durations
    (:func:`span_exact_text`): ``± 1.5 s`` to the tenth under ten seconds, ``± 11 s``,
    ``± 4 min 05 s``. It read ``± 8,0 с`` beside ``± 0:11`` on one conflict page — the
    second taken for a time of day, or for eleven minutes."""
    if ms is None:
        return "± ?"
    if ms < 9_950:  # what rounds to 10.0 s reads as the whole 10 s
        return "± " + _("%(seconds)s s") % {"seconds": formats.number_format(ms / 1000, 1)}
    # Whole seconds rounded up: an uncertainty is a bound, and 10.4 s is not within ± 10 s.
    return "± " + span_exact_text(math.ceil(ms / 1000))


def minutes_text(seconds: int | None) -> str:
    """A policy deadline stored in seconds, as people set it: ``5 min``, ``1.5 min`` (the
    reader's decimal mark, as every number here)."""
    if seconds is None:
        return NOTHING
    minutes = seconds / 60
    shown = f"{minutes:g}" if minutes == round(minutes, 2) else f"{minutes:.2f}"
    # The reader's decimal mark: "0,5 мин" in Kazakh and Russian, "0.5 min" in English.
    return _("%(minutes)s min") % {"minutes": formats.number_format(Decimal(shown))}


def phone_text(phone: str) -> str:
    """A Kazakhstan number as it is read aloud and dialled: ``+7 777 123 45 67``. The database,
    the exports and the API keep E.164 (``+77771234567``); as one run of eleven digits a duty
    officer lost his place reading it back or keying it into the desk phone. Anything else —
    a masked ``…1234``, a number from elsewhere, what a caller typed — stays as it is."""
    text = phone.strip()
    national = text.removeprefix("+7")
    if national == text or len(national) != 10 or not national.isdigit() or national[0] != "7":
        return phone
    return f"+7 {national[:3]} {national[3:6]} {national[6:8]} {national[8:]}"


def phone_html(phone: str) -> SafeString:
    """:func:`phone_text` as a ``tel:`` link (its href the number as stored, E.164) when it is
    a number to call; anything else escaped as it is."""
    shown = phone_text(phone)
    if shown == phone:
        return format_html("{}", phone)
    return format_html('<a href="tel:{}">{}</a>', phone.strip(), shown)


def yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


# --- data a person reads: payloads, audit data, risk flags ------------------------------------
# Labels of the keys that occur in event payloads, audit entries and conflicts; any other
# key is shown with its underscores as spaces (still readable, and a hint to add it here).
KEY_LABELS: dict[str, Promise] = {
    "note": gettext_lazy("Note"),
    "number": gettext_lazy("Number"),
    "external_ref": gettext_lazy("External reference"),
    "duplicate_of": gettext_lazy("Duplicate of"),
    "was_duplicate_of": gettext_lazy("Had been linked as a repeat of"),
    "was": gettext_lazy("Before"),
    "to_assignment_id": gettext_lazy("New assignment"),
    "uncertainty_s": gettext_lazy("Uncertainty (±)"),
    "changed": gettext_lazy("Fields changed"),
    "repr": gettext_lazy("Record"),
    "username_known": gettext_lazy("Known user name"),
    "locked_out": gettext_lazy("Locked out"),  # a failed sign-in (auth.login_failed)
    # a console password an administrator set (auth.password_set)
    "console_password": gettext_lazy("Console password"),
    "lockout_lifted": gettext_lazy("Sign-in lockout lifted"),
    # the account's sign-in guard (auth.account_guarded, auth.account_guard_lifted; a refused
    # sign-in while it holds) and the notice of wrong passwords at the next sign-in
    "account_guarded": gettext_lazy("Account guarded against guessing"),
    "failures": gettext_lazy("Wrong passwords"),
    "window_minutes": gettext_lazy("Counted over, minutes"),
    "known_address_days": gettext_lazy("Known addresses kept, days"),
    "failures_since_last_login": gettext_lazy("Wrong passwords since the last sign-in"),
    "usable_password": gettext_lazy("Console password"),  # a new officer's form (changed)
    "no_console_access": gettext_lazy("No console access"),
    "bytes": gettext_lazy("Size, bytes"),
    "phone": gettext_lazy("Phone"),
    "id": gettext_lazy("Identifier"),
    "content_hash": gettext_lazy("Content hash"),
    "stored_device_id": gettext_lazy("Device that sent it first"),
    "table": gettext_lazy("Table"),
    "alert_id": gettext_lazy("Alert"),
    "district_id": gettext_lazy("District"),
    "risk_subjects": gettext_lazy("Risk subjects"),
    "follow_up_id": gettext_lazy("Follow-up visit"),
    "together_with": gettext_lazy("Resolved with the conflicts"),
    "reason": gettext_lazy("Reason"),
    "code": gettext_lazy("Code"),
    "text": gettext_lazy("Text"),
    "outcome_code": gettext_lazy("Outcome"),
    "outcome_text": gettext_lazy("Outcome text"),
    "coao_article": gettext_lazy("CoAO article"),
    "status": gettext_lazy("Status"),
    "from": gettext_lazy("From"),
    "to": gettext_lazy("To"),
    "by": gettext_lazy("By"),
    "unit": gettext_lazy("Unit"),
    "unit_id": gettext_lazy("Unit"),
    "incident_id": gettext_lazy("Incident"),
    "assignment_id": gettext_lazy("Assignment"),
    "event_id": gettext_lazy("Event record"),
    "device_id": gettext_lazy("Device"),
    "officer_id": gettext_lazy("Officer"),
    "subject_id": gettext_lazy("Risk subject"),
    "priority": gettext_lazy("Priority"),
    "category": gettext_lazy("Category"),
    "channel": gettext_lazy("Channel"),
    "source": gettext_lazy("Source"),
    "kind": gettext_lazy("Kind"),
    "label": gettext_lazy("Name"),
    "flag": gettext_lazy("Flag"),
    "lat": gettext_lazy("Latitude"),
    "lon": gettext_lazy("Longitude"),
    "accuracy_m": gettext_lazy("Accuracy, m"),
    "due_at": gettext_lazy("Due"),
    "at": gettext_lazy("At"),
    "sms": gettext_lazy("SMS sent"),
    "recommended": gettext_lazy("Recommended unit"),
    "alerted": gettext_lazy("Alerted"),
    "citizen_told": gettext_lazy("Citizen told"),
    "repeats_closed": gettext_lazy("Repeats closed with it"),
    "purpose": gettext_lazy("Purpose"),
    "resolution": gettext_lazy("Resolution"),
    "protective_order_until": gettext_lazy("Protective order until"),
    "protective_order_active": gettext_lazy("Protective order in force"),
    "prior_dv_calls": gettext_lazy("Earlier DV calls"),
    "last_follow_up_at": gettext_lazy("Last follow-up visit"),
    "device_time": gettext_lazy("Device clock"),
    "gps_time": gettext_lazy("GPS time"),
    "elapsed_ms": gettext_lazy("Since the device booted"),
    "boot_id": gettext_lazy("Boot"),
    "estimated_at": gettext_lazy("Estimated time"),
    "server_received_at": gettext_lazy("Received by the server"),
    "deadlines": gettext_lazy("Deadlines"),
    "deliver_within_s": gettext_lazy("Deliver within"),
    "ack_within_s": gettext_lazy("Acknowledge within"),
    # a call waiting for a unit past its window (escalation's waiting_overdue)
    "dispatch_within_s": gettext_lazy("Dispatch within"),
    # ... its new wait since the call came back to the queue (unit stood down, call reopened)
    "back_in_queue_at": gettext_lazy("Back in the queue at"),
    "arrive_within_s": gettext_lazy("Arrive within"),
    "policy": gettext_lazy("Escalation policy"),
    # audit entries' data
    "reassigned_from": gettext_lazy("Reassigned from"),
    "diverted_from": gettext_lazy("Taken off the call"),
    "diverted_to": gettext_lazy("Sent instead to"),
    "repeat_call": gettext_lazy("Raised by the repeat call"),
    "from_unit_id": gettext_lazy("From unit"),
    "to_unit_id": gettext_lazy("To unit"),
    "new_assignment_id": gettext_lazy("New assignment"),
    "incident_ids": gettext_lazy("Incidents"),
    "cancelled": gettext_lazy("Assignments stood down"),
    "cleared": gettext_lazy("Assignments closed"),
    "already_alerted_for_incident": gettext_lazy("Already alerted for this call"),
    "late_ms": gettext_lazy("Late by"),
    "visited_at": gettext_lazy("Visited at"),
    "disposition": gettext_lazy("Disposition"),  # an event's: applied, rejected
    # a closed call's: the duty officer's words on how it ended (the close form's field)
    "call_disposition": pgettext_lazy("a call's closing words", "Disposition"),
    "occurred_at": gettext_lazy("Happened at"),
    "via": gettext_lazy("Came by"),
    "code_id": gettext_lazy("Enrolment code"),
    "expires_at": gettext_lazy("Valid until"),
    "install_id": gettext_lazy("App installation"),
    "ip": gettext_lazy("IP address"),
    "path": gettext_lazy("Page"),
    "name": gettext_lazy("Name"),
    "prefix": gettext_lazy("Key prefix"),
    "settlement_id": gettext_lazy("Settlement"),
    "settlement": gettext_lazy("Settlement"),  # a field of a console edit (``changed``)
    "district": gettext_lazy("District"),
    "sms_id": gettext_lazy("SMS message"),
    "read_event_id": gettext_lazy("Read receipt record"),  # an SMS reply's (sms.inbound_applied)
    "subjects": gettext_lazy("Risk subjects"),
    "until": gettext_lazy("Until"),
    "created": gettext_lazy("Created"),
    "demo": gettext_lazy("Demo data"),
    "oblasts": gettext_lazy("Oblasts"),
    "districts": gettext_lazy("Districts"),
    "okrugs": gettext_lazy("Rural okrugs"),
    "settlements": gettext_lazy("Settlements"),
    "officers": gettext_lazy("Officers"),
    "units": gettext_lazy("Units"),
    "last_contact_at": gettext_lazy("Last contact"),
    "last_contact_via": gettext_lazy("Last contact by"),
    # a recommended unit (an escalation's data)
    "callsign": gettext_lazy("Callsign"),
    "eta_s": gettext_lazy("Time to reach the scene"),
    "road_km": gettext_lazy("By road, km"),
    "mobility": gettext_lazy("Travels by"),
    "presence": gettext_lazy("Status"),
    "position_at": gettext_lazy("Position from"),
    "position_age_s": gettext_lazy("Position age"),
    "stale": gettext_lazy("Position out of date"),
    "type": gettext_lazy("Type"),
    # an officer's SOS: backup sent, SOS cleared (backend/dispatch/services/sos.py)
    "sos_event_id": gettext_lazy("SOS event record"),
    "sos_alert_id": gettext_lazy("SOS alert"),
    "position_source": gettext_lazy("Officer's position"),
    "open_assignments": gettext_lazy("Open assignments"),
    # an officer-safety check (backend/dispatch/services/safety.py)
    "silent_since_at": gettext_lazy("No word since"),
    "within_s": gettext_lazy("Check after"),
    "safety_check_id": gettext_lazy("Officer-safety check"),
}


UNIT_SUFFIXES = ("_ms", "_s", "_at", "_id")


def key_label(key: str) -> str:
    """A payload key as a label: its own, or the key in words without its unit suffix
    (``observed_ms`` → "Observed": the value is shown as a time or a duration)."""
    label = KEY_LABELS.get(key)
    if label is not None:
        return str(label)
    words = key
    for suffix in UNIT_SUFFIXES:
        if words.endswith(suffix) and len(words) > len(suffix):
            words = words[: -len(suffix)]
            break
    return words.replace("_", " ").strip().capitalize() or key


def when_from_text(value: str) -> str | None:
    """An ISO date or date-time in a payload, in local time; None when it is not one."""
    if len(value) < 10 or not value[:4].isdigit() or value[4] != "-":
        return None
    try:
        if len(value) == 10:  # a date alone is a calendar day, not midnight UTC
            day = parse_date(value)
            return date_text(day) if day is not None else None
        moment = parse_datetime(value)
    except ValueError:
        return None
    return when_text(moment) if moment is not None else None


def value_text(value: Any, key: str = "") -> str:
    """One value of a payload as words: times in local time, durations in words (``4 min
    05 s``), lists and mappings spelled out, booleans as yes/no."""
    if value is None or value == "":
        return NOTHING
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, int | float):
        if key.endswith("_ms") or key in ("device_time", "gps_time"):
            if abs(value) >= EPOCH_MS_FROM:
                return ms_text(int(value))
            return _signed_span(round(value / 1000))
        if key == "uncertainty_s":
            return uncertainty_text(round(value * 1000))
        if key.endswith("_s"):
            return _signed_span(round(value))
        if (key == "at" or key.endswith("_at")) and abs(value) >= EPOCH_MS_FROM:
            return ms_text(int(value))
        if isinstance(value, float) and math.isfinite(value):
            return formats.number_format(Decimal(f"{value:g}"))  # the reader's decimal mark
        return str(value)
    if isinstance(value, dt.datetime):
        return when_text(value)
    if isinstance(value, dt.date):
        return date_text(value)
    if isinstance(value, str):
        return when_from_text(value) or value
    if isinstance(value, Mapping):
        return "; ".join(f"{label}: {text}" for label, text in payload_rows(value)) or NOTHING
    if isinstance(value, Iterable):
        return ", ".join(value_text(item, key) for item in value) or NOTHING
    return str(value)


def _signed_span(seconds: int) -> str:
    """A duration inside a record's data in words, as the consoles' others
    (:func:`span_exact_text`): ``30 s``, ``1 min``, ``1 h 00 min``, ``−1 min 05 s``. As
    ``m:ss`` an assignment's deadlines read "Acknowledge within: 1:00; Arrive within: 1:00:00"
    on the call's timeline — a minute and an hour that looked alike, or like times of day."""
    sign, seconds = ("−", -seconds) if seconds < 0 else ("", seconds)
    # whole minutes as set ("Acknowledge within: 5 min"), not "5 min 00 s"
    return sign + (span_text(seconds) if seconds % 60 == 0 else span_exact_text(seconds))


def payload_rows(data: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """A payload or an audit entry's data as (label, words) rows, in key order."""
    if not data:
        return []
    if not isinstance(data, Mapping):
        return [(_("Value"), value_text(data))]
    return [(key_label(str(k)), value_text(v, str(k))) for k, v in sorted(data.items())]


def payload_text(data: Mapping[str, Any] | None) -> str:
    """A payload on one line: ``Note: gate locked; Outcome: warning given``. A nested mapping
    is bracketed — ``Recommended unit: (Callsign: AYG-DV1; Status: Available); Late by: 4 s``:
    run on with the entry's own fields, an escalation read "…; Status: Available" as if the
    silent crew were, and a dispatch's escalation policy read as the entry's own."""
    if not data or not isinstance(data, Mapping):
        return "; ".join(f"{label}: {text}" for label, text in payload_rows(data))
    parts = []
    for key, value in sorted(data.items()):
        text = value_text(value, str(key))
        if isinstance(value, Mapping) and value:
            text = f"({text})"
        parts.append(f"{key_label(str(key))}: {text}")
    return "; ".join(parts)


def payload_html(data: Mapping[str, Any] | None) -> SafeString:
    """A payload as a labelled list (``<dl>``), escaped."""
    rows = payload_rows(data)
    if not rows:
        return format_html("{}", NOTHING)
    return format_html(
        '<dl class="kuzet-payload">{}</dl>',
        format_html_join("", "<dt>{}</dt><dd>{}</dd>", rows),
    )
