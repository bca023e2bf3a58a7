"""How many records a console list holds, as each language counts them.

Django's list page writes ``{{ count }} {{ verbose_name_plural }}``: "0 конфликты" and
"5 происшествия" in Russian (which says "0 конфликтов", "5 происшествий"), "5 оқиғалар" in
Kazakh (which keeps the noun singular after a number: "5 оқиға"), "3 audit log" in
English. Here each list's count is one phrase with its plural forms in the catalog
(``ngettext``: Russian's four forms, Kazakh's one). A model not listed keeps Django's words.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import ngettext_lazy

COUNTED: dict[str, Any] = {
    "people.unit": ngettext_lazy("%(count)s unit", "%(count)s units", "count"),
    "people.officer": ngettext_lazy("%(count)s officer", "%(count)s officers", "count"),
    "geo.oblast": ngettext_lazy("%(count)s oblast", "%(count)s oblasts", "count"),
    "geo.district": ngettext_lazy("%(count)s district", "%(count)s districts", "count"),
    "geo.okrug": ngettext_lazy("%(count)s rural okrug", "%(count)s rural okrugs", "count"),
    "geo.settlement": ngettext_lazy("%(count)s settlement", "%(count)s settlements", "count"),
    "devices.device": ngettext_lazy("%(count)s device", "%(count)s devices", "count"),
    "devices.enrolmentcode": ngettext_lazy(
        "%(count)s enrolment code", "%(count)s enrolment codes", "count"
    ),
    "dispatch.incident": ngettext_lazy("%(count)s incident", "%(count)s incidents", "count"),
    "dispatch.assignment": ngettext_lazy("%(count)s assignment", "%(count)s assignments", "count"),
    "dispatch.event": ngettext_lazy("%(count)s event", "%(count)s events", "count"),
    "dispatch.conflict": ngettext_lazy("%(count)s conflict", "%(count)s conflicts", "count"),
    "dispatch.smsmessage": ngettext_lazy(
        "%(count)s SMS message", "%(count)s SMS messages", "count"
    ),
    "dispatch.intakekey": ngettext_lazy("%(count)s intake key", "%(count)s intake keys", "count"),
    "dispatch.stafftoken": ngettext_lazy(
        "%(count)s staff API token", "%(count)s staff API tokens", "count"
    ),
    "dispatch.intakepartner": ngettext_lazy(
        "%(count)s intake partner", "%(count)s intake partners", "count"
    ),
    "webhooks.intakecallback": ngettext_lazy(
        "%(count)s partner callback", "%(count)s partner callbacks", "count"
    ),
    "webhooks.callbackdelivery": ngettext_lazy(
        "%(count)s callback delivery", "%(count)s callback deliveries", "count"
    ),
    "dispatch.escalationpolicy": ngettext_lazy(
        "%(count)s escalation policy", "%(count)s escalation policies", "count"
    ),
    "dispatch.escalationstep": ngettext_lazy(
        "%(count)s escalation step", "%(count)s escalation steps", "count"
    ),
    "dispatch.safetycheck": ngettext_lazy(
        "%(count)s officer-safety check", "%(count)s officer-safety checks", "count"
    ),
    "dispatch.risksubject": ngettext_lazy(
        "%(count)s risk subject", "%(count)s risk subjects", "count"
    ),
    "dispatch.followuptask": ngettext_lazy(
        "%(count)s follow-up visit", "%(count)s follow-up visits", "count"
    ),
    "ledger.auditentry": ngettext_lazy("%(count)s audit entry", "%(count)s audit entries", "count"),
    "sync_gateway.quarantinedrecord": ngettext_lazy(
        "%(count)s quarantined record", "%(count)s quarantined records", "count"
    ),
}


def counted(label: str, count: int) -> str | None:
    """``5 происшествий`` for ``dispatch.incident``; None for a model not listed."""
    phrase = COUNTED.get(label.lower())
    return None if phrase is None else str(phrase % {"count": count})
