"""Dispatch commands: every write of the dispatch domain goes through one of these.

Keyword-only functions named ``<entity>_<verb>``; each runs in ``uow.unit_of_work()``, locks
incident → assignments → units in primary-key order, audits, touches synced records and
notifies boards after commit. Import them from here.
"""

from ._shared import ASSIGNMENT_DRIVEN_UNIT_STATUSES, board_notify, lock_rows
from .assignments import (
    assignment_acknowledge_on_behalf,
    assignment_cancel,
    assignment_reassign,
    incident_dispatch,
)
from .escalation import escalation_sweep, ladder_reschedule
from .incidents import IncidentInput, incident_close, incident_create, incident_reopen
from .intake import (
    IntakeOutcome,
    intake_key_authenticate,
    intake_key_issue,
    intake_key_revoke,
    intake_receive,
)
from .messaging import InboundResult, sms_inbound_receive, sms_send_pending

__all__ = [
    "ASSIGNMENT_DRIVEN_UNIT_STATUSES",
    "InboundResult",
    "IncidentInput",
    "IntakeOutcome",
    "assignment_acknowledge_on_behalf",
    "assignment_cancel",
    "assignment_reassign",
    "board_notify",
    "escalation_sweep",
    "incident_close",
    "incident_create",
    "incident_dispatch",
    "incident_reopen",
    "intake_key_authenticate",
    "intake_key_issue",
    "intake_key_revoke",
    "intake_receive",
    "ladder_reschedule",
    "lock_rows",
    "sms_inbound_receive",
    "sms_send_pending",
]
