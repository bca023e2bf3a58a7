"""The duty officer's home page in the console (``/admin/``).

It was Django's app list alone: nine dispatch lists in alphabetical order, no way to the
live board, "Take a call" as the incident list's "Add", and a "Recent actions" box that
always said "None available" (Kuzet's commands write its audit log, not Django's
``LogEntry``). Now it opens with what a shift works from: **Take a call**, **the live
board** and **the shift handover** (handover.py); the counts of what waits for the desk in
the officer's districts — only what the desk acts on — each opening the list behind it
(counted as the chief's home counts them: ``selectors.needs_now``); and the officer's own
last actions from the audit log, each opening the record it was about. The app list stays
below.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from backend.common import clock
from backend.common.formatting import when_text
from backend.dispatch.selectors import object_names
from backend.ledger.actions import AuditAction, action_label
from backend.ledger.models import AuditEntry
from backend.people.models import Role

from . import selectors, views

TEMPLATE = "admin/reports/desk.html"

# The desk's own work, in the order a shift looks at it: its calls, the chief's cards that
# the desk acts on (an overdue crew it raises on the radio, an SOS, a phone gone silent —
# the officer may be in trouble, or the phone lost and to be revoked), not the ones only a
# chief may act on (conflicts to resolve, quarantined records to review, follow-up visits
# to plan): 37 red "open conflicts" after the demo's 60 days told the desk nothing to do.
_SHARED = {row[0]: row for row in views.NEEDS}
DESK_NEEDS = (
    # (field of selectors.Needs, label, admin changelist, query)
    ("calls_waiting", _("Calls waiting for a unit"), "admin:dispatch_incident_changelist",
     "desk=waiting"),
    _SHARED["calls_waiting_overdue"],
    _SHARED["overdue_assignments"],
    _SHARED["sos_units"],
    ("calls_to_close", _("Calls cleared, to be closed"), "admin:dispatch_incident_changelist",
     "desk=to_close"),
    _SHARED["silent_devices"],
)  # fmt: skip

# The officer's own last actions on the home page, and where each record opens.
RECENT = 10
# Not the officer's work: his sign-ins, and the reads of DV records the law has audited
# (the audit log keeps both).
NOT_WORK_PREFIX = "auth."
NOT_WORK = (AuditAction.INCIDENT_READ,)
RECORD_PAGES = {
    "incident": "admin:dispatch_incident_change",
    "assignment": "admin:dispatch_assignment_change",
    "unit": "admin:people_unit_change",
    "officer": "admin:people_officer_change",
    "handover": "admin:reports_handover_detail",
}


def serves(user: Any) -> bool:
    return getattr(user, "role", None) == Role.DUTY_OFFICER


def recent_actions(user: Any) -> list[dict[str, str]]:
    """The user's last actions in words: when, what, the record by the name a person uses
    (a call by its number, an assignment by its unit and call: as the audit log's list
    names them) and its page."""
    entries = list(
        AuditEntry.objects.filter(actor=user)
        .exclude(Q(action__startswith=NOT_WORK_PREFIX) | Q(action__in=NOT_WORK))
        .order_by("-id")[:RECENT]
    )
    names = object_names(entries)
    return [
        {
            "when": when_text(entry.at),
            "action": str(action_label(entry.action)),
            "name": names.get((entry.object_type, entry.object_id), entry.object_id),
            "href": reverse(RECORD_PAGES[entry.object_type], args=[entry.object_id])
            if entry.object_type in RECORD_PAGES and entry.object_id.isdigit()
            else "",
        }
        for entry in entries
    ]


def context(request: HttpRequest) -> dict[str, Any]:
    return {
        "desk_needs": views.needs_rows(
            DESK_NEEDS, selectors.needs_now(request.user, now=clock.now())
        ),
        "recent": recent_actions(request.user),
        "my_actions_url": reverse("admin:ledger_auditentry_changelist") + "?mine=yes",
    }
