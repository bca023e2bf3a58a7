"""The dispatch side of the console, one module per model.

Case data changes only through the dispatch services (the incident page's panel and the
changelist actions call them), never by editing status or time fields. What a chief edits
here are their district's escalation policy, DV risk subjects and follow-ups, and the
resolution of conflicts. Formatting of times and durations lives in ``formatting.py``.
"""

from backend.people.admin_scoping import read_history_with

from . import (
    assignments,
    audit,
    conflicts,
    events,
    incidents,
    intake_keys,
    intake_partners,
    messages,
    policies,
    risk,
    staff_tokens,
    units,
)

# A record's history page reads audit data as the audit log's page does.
read_history_with(audit.readable_all)

__all__ = [
    "assignments",
    "audit",
    "conflicts",
    "events",
    "incidents",
    "intake_keys",
    "intake_partners",
    "messages",
    "policies",
    "risk",
    "staff_tokens",
    "units",
]
