"""How the consoles write times and durations: one clock (the district's local time, with
the date when it is not today), durations as m:ss or h:mm:ss, uncertainty as ±; and data a
person reads (an event's payload, an audit entry's data, DV risk flags) as labelled words,
never as JSON or epoch numbers. The one place every admin screen calls: the generic part is
``backend.common.formatting`` (re-exported here), the dispatch words (risk flags) are here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.functional import Promise
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backend.common.formatting import (
    EPOCH_MS_FROM,
    KEY_LABELS,
    NOTHING,
    clock_text,
    date_text,
    dated_text,
    duration_text,
    key_label,
    minutes_text,
    ms_text,
    payload_html,
    payload_rows,
    payload_text,
    seconds_text,
    span_exact_text,
    span_text,
    uncertainty_text,
    value_text,
    when_from_text,
    when_text,
    yes_no,
)
from backend.geo.models import in_reader_language

__all__ = [
    "EPOCH_MS_FROM",
    "KEY_LABELS",
    "NOTHING",
    "call_html",
    "clock_text",
    "date_text",
    "dated_text",
    "duration_text",
    "key_label",
    "minutes_text",
    "ms_text",
    "payload_html",
    "payload_rows",
    "payload_text",
    "refusal_text",
    "reply_outcome_text",
    "risk_flag_text",
    "risk_flags_html",
    "risk_flags_text",
    "seconds_text",
    "span_exact_text",
    "span_text",
    "uncertainty_text",
    "value_text",
    "when_from_text",
    "when_text",
    "yes_no",
]

# What an officer's SMS reply did, by the reason services/sms_inbound.py stores on it (the
# SMS row's ``error``) and writes into its audit entry: the message's page and the audit log
# say it in the same words.
REPLY_OUTCOMES = {
    "": gettext_lazy("The call is acknowledged."),
    "acknowledged_and_read": gettext_lazy("The call is acknowledged and the desk's message read."),
    "read": gettext_lazy("The desk's message is read (the call was acknowledged before)."),
    "already_acknowledged": gettext_lazy(
        "Nothing new: the call was acknowledged and its messages read before."
    ),
    "unknown_command": gettext_lazy("Not a reply Kuzet knows: it expects ACK and the code."),
    "unknown_sender": gettext_lazy("This number is not an officer's in Kuzet."),
    "unknown_code": gettext_lazy("No call was sent to this officer with this code."),
    "too_many_wrong_codes": gettext_lazy(
        "Refused: too many wrong codes from this number; it is refused for a while."
    ),
}


def reply_outcome_text(reason: str) -> str:
    """An SMS reply's reason in words (:data:`REPLY_OUTCOMES`); an unknown one as it is."""
    words = REPLY_OUTCOMES.get(reason)
    return str(words) if words is not None else reason


# Why the SMS gateway's callback was refused (services/sms_inbound.py ``_refuse``: the code
# the audit entry keeps). Entries written before the codes keep the English sentence the
# gateway was answered with, shown as it is.
REFUSALS = {
    "not_configured": gettext_lazy("Inbound SMS are not configured (no secret)."),
    "signature_missing": gettext_lazy("The message came without a signature."),
    "no_timestamp": gettext_lazy("The signature has no time."),
    "signature_mismatch": gettext_lazy("The signature does not match the message."),
    "stale_timestamp": gettext_lazy("The signature's time is outside the replay window."),
    "message_seen": gettext_lazy("This message was received before."),
}


def refusal_text(reason: str) -> str:
    """A refused SMS callback's reason in words (:data:`REFUSALS`); an old entry's English
    sentence, or an unknown code, as it is."""
    words = REFUSALS.get(reason)
    return str(words) if words is not None else reason


def warning_html(text: str | Promise) -> SafeString:
    """A warning in a list's cell, in words and in the error colour (console.css). A yes/no
    icon said it backwards: a green tick for "overdue", a red cross for all is well."""
    return format_html('<span class="kuzet-alert">⚠ {}</span>', text)


def call_html(incident: Any) -> SafeString | str:
    """A call in a list's cell: its number kept whole (a squeezed column would break it at a
    hyphen), then what it is and how urgent, which wrap."""
    if incident is None:
        return NOTHING
    return format_html(
        '<span class="kuzet-code">{}</span> {} ({})',
        incident.number,
        incident.get_category_display(),
        incident.priority,
    )


def risk_flag_text(flag: Mapping[str, Any]) -> str:
    """One DV risk flag (``selectors.risk_flags``) as a sentence for the responding unit."""
    if flag.get("flag") == "domestic_violence":
        return _("Domestic violence call")
    if flag.get("flag") != "risk_subject":
        return payload_text(flag)
    kind = {"person": _("person"), "address": _("address")}.get(str(flag.get("kind")), "")
    name = str(flag.get("label") or NOTHING)
    # Its village: the phone matches a subject anywhere in the district (flags kept before
    # the village was sent name none).
    village = in_reader_language(
        str(flag.get("settlement_name") or ""), str(flag.get("settlement_name_kk") or "")
    )
    if village:
        name = f"{name}, {village}"
    parts = [_("Risk subject: %(name)s") % {"name": name}]
    if kind:
        parts[0] += f" ({kind})"
    until = flag.get("protective_order_until")
    if until:
        shown = when_from_text(str(until)) or str(until)
        if flag.get("protective_order_active"):
            parts.append(_("protective order in force until %(date)s") % {"date": shown})
        else:
            parts.append(_("protective order expired %(date)s") % {"date": shown})
    calls = flag.get("prior_dv_calls")
    if calls:
        parts.append(_("earlier DV calls: %(n)s") % {"n": calls})
    visited = flag.get("last_follow_up_at")
    if visited:
        shown = when_from_text(str(visited)) or str(visited)
        parts.append(_("last follow-up visit %(when)s") % {"when": shown})
    return ", ".join(parts)


def risk_flags_text(flags: Iterable[Mapping[str, Any]] | None) -> list[str]:
    """DV risk flags as sentences, one per flag."""
    return [risk_flag_text(f) for f in flags or () if isinstance(f, Mapping)]


def risk_flags_html(flags: Iterable[Mapping[str, Any]] | None) -> SafeString:
    words = risk_flags_text(flags)
    if not words:
        return format_html("{}", NOTHING)
    return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((w,) for w in words)))
