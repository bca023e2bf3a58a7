"""Dispatch commands: every write of the dispatch domain goes through one of these.

Keyword-only functions named ``<entity>_<verb>``; each runs in ``uow.unit_of_work()``, locks
incident → assignments → units in primary-key order (``locks.py``), audits, touches synced
records and notifies boards after commit. Import them from here.

The modules, from the top down (import-linter holds the order, ``pyproject.toml``):

- ``escalation`` (the sweep), ``sms_inbound`` (SMS replies), ``intake`` (integrations),
  ``sos`` (backup to an officer's SOS, and clearing it);
- ``assignments`` (dispatch, cancel, reassign, record on behalf), ``incidents``
  (create, close — the citizen told —, reopen, cancel, registry
  numbers), ``conflicts`` (a chief's resolution), ``messages`` (the desk to a crew);
- ``facts`` (device and office facts become state), ``schedule`` (the ladder's next due
  time), ``outbox`` (SMS written in the transaction, sent after it);
- ``units``, ``timeline`` (server events, board notifications), ``locks``.
"""

from .assignments import (
    assignment_acknowledge_on_behalf,
    assignment_cancel,
    assignment_reassign,
    assignment_record_on_behalf,
    incident_dispatch,
)
from .conflicts import conflict_resolve, conflicts_resolve
from .escalation import escalation_sweep
from .facts import FactOutcome, device_events_apply, fact_record
from .incidents import (
    CallEnded,
    IncidentInput,
    follow_up_done,
    follow_up_visit_refusal,
    incident_cancel,
    incident_cancel_ended,
    incident_close,
    incident_close_ended,
    incident_create,
    incident_link,
    incident_reclassify,
    incident_registry_set,
    incident_reopen,
    incident_separate,
)
from .intake import (
    IntakeOutcome,
    IntakeStatus,
    PublicStatus,
    intake_channel_check,
    intake_key_authenticate,
    intake_key_issue,
    intake_key_revoke,
    intake_receive,
    intake_status,
)
from .messages import assignment_message
from .outbox import sms_send_pending
from .safety import (
    SAFETY_CHECK,
    SAFETY_CHECK_LABEL,
    SAFETY_CHECKED,
    SafetyCheckAnswer,
    safety_check_answer,
    safety_check_record,
    safety_sweep,
)
from .schedule import ladder_reschedule
from .sms_inbound import InboundResult, sms_inbound_receive
from .sos import incident_sos_backup, unit_sos_clear

__all__ = [
    "SAFETY_CHECK",
    "SAFETY_CHECKED",
    "SAFETY_CHECK_LABEL",
    "CallEnded",
    "FactOutcome",
    "InboundResult",
    "IncidentInput",
    "IntakeOutcome",
    "IntakeStatus",
    "PublicStatus",
    "SafetyCheckAnswer",
    "assignment_acknowledge_on_behalf",
    "assignment_cancel",
    "assignment_message",
    "assignment_reassign",
    "assignment_record_on_behalf",
    "conflict_resolve",
    "conflicts_resolve",
    "device_events_apply",
    "escalation_sweep",
    "fact_record",
    "follow_up_done",
    "follow_up_visit_refusal",
    "incident_cancel",
    "incident_cancel_ended",
    "incident_close",
    "incident_close_ended",
    "incident_create",
    "incident_dispatch",
    "incident_link",
    "incident_reclassify",
    "incident_registry_set",
    "incident_reopen",
    "incident_separate",
    "incident_sos_backup",
    "intake_channel_check",
    "intake_key_authenticate",
    "intake_key_issue",
    "intake_key_revoke",
    "intake_receive",
    "intake_status",
    "ladder_reschedule",
    "safety_check_answer",
    "safety_check_record",
    "safety_sweep",
    "sms_inbound_receive",
    "sms_send_pending",
    "unit_sos_clear",
]
