"""Every action the audit log records, named in one place.

An audit entry's ``action`` is ``<object>.<what happened>``. Entries already written keep their
names forever (``audit_verify`` and every report read them), so a member is only ever added,
never renamed. ``uow.audit`` takes an :class:`AuditAction` (or the name of one of the generic
families below, built by their functions).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from django.apps import apps
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _


class AuditAction(StrEnum):
    # Incidents
    INCIDENT_CREATED = "incident.created"
    INCIDENT_READ = "incident.read"  # a DV record was read (Law 214-IV)
    INCIDENT_CLOSED = "incident.closed"
    INCIDENT_REOPENED = "incident.reopened"
    INCIDENT_CANCELLED = "incident.cancelled"
    INCIDENT_RECLASSIFIED = "incident.reclassified"
    # a report linked as a repeat of another made a call of its own by the duty officer
    INCIDENT_SEPARATED = "incident.separated"
    # a report linked by the duty officer as a repeat of an earlier call (its inverse)
    INCIDENT_LINKED = "incident.linked"
    INCIDENT_CITIZEN_NOTIFIED = "incident.citizen_notified"
    INCIDENT_REGISTRY_CHANGED = "incident.registry_changed"
    FOLLOWUP_CREATED = "followup.created"
    FOLLOWUP_DONE = "followup.done"
    # DV risk subjects kept by the calls (dispatch/services/risk.py)
    RISK_SUBJECT_CREATED = "risk_subject.created"
    RISK_PROTECTIVE_ORDER = "risk_subject.protective_order"
    # Assignments
    ASSIGNMENT_DISPATCHED = "assignment.dispatched"
    ASSIGNMENT_CANCELLED = "assignment.cancelled"
    ASSIGNMENT_REASSIGNED = "assignment.reassigned"
    ASSIGNMENT_ACKNOWLEDGED_ON_BEHALF = "assignment.acknowledged_on_behalf"
    # en route, on scene, cleared or the outcome, heard by phone or radio
    ASSIGNMENT_RECORDED_ON_BEHALF = "assignment.recorded_on_behalf"
    # Facts that did not come from the app (one per source)
    EVENT_ON_BEHALF_RECORDED = "event.on_behalf_recorded"
    EVENT_SMS_RECORDED = "event.sms_recorded"
    EVENT_BACKFILL_RECORDED = "event.backfill_recorded"
    EVENT_SERVER_RECORDED = "event.server_recorded"
    EVENT_DESK_MESSAGE = "event.desk_message"
    # The escalation ladder (one per rung, actor system)
    ESCALATION_SMS_UNDELIVERED = "escalation.sms_undelivered"
    ESCALATION_ACK_OVERDUE = "escalation.ack_overdue"
    ESCALATION_ACK_OVERDUE_TWICE = "escalation.ack_overdue_twice"
    ESCALATION_ARRIVAL_OVERDUE = "escalation.arrival_overdue"
    # and its rung for a call nobody was sent to, still waiting for a unit
    INCIDENT_WAITING_OVERDUE = "incident.waiting_overdue"
    # Units
    UNIT_SOS = "unit.sos"
    UNIT_UNREACHABLE = "unit.unreachable"
    UNIT_REACHABLE = "unit.reachable"
    BOARD_SOS_ACKNOWLEDGED = "board_alert.sos_acknowledged"  # a duty officer saw the SOS
    # the desk made a P0 call to send backup to an officer's SOS (data: the SOS's event)
    INCIDENT_SOS_BACKUP = "incident.sos_backup"
    # the desk heard the officer is safe and returned the unit from SOS to its work
    UNIT_SOS_CLEARED = "unit.sos_cleared"
    UNIT_SAFETY_CHECK = "unit.safety_check"
    UNIT_SAFETY_CHECKED = "unit.safety_checked"
    # Conflicts and quarantine
    CONFLICT_OPENED = "conflict.opened"
    CONFLICT_RESOLVED = "conflict.resolved"
    QUARANTINE_REVIEWED = "quarantine.reviewed"
    # Devices and integrations
    DEVICE_ENROLMENT_CODE_ISSUED = "device.enrolment_code_issued"
    DEVICE_ENROLLED = "device.enrolled"
    # the same phone (its install) enrolled again with a new code: a new token, same device
    DEVICE_TOKEN_REPLACED = "device.token_replaced"  # noqa: S105 (an action's name)
    DEVICE_REVOKED = "device.revoked"
    DEVICE_SCOPE_REBUILT = "device.scope_rebuilt"
    INTAKE_KEY_ISSUED = "intake_key.issued"
    # a key issued to replace another (after a leak, or on schedule): the same partner's
    INTAKE_KEY_REPLACED = "intake_key.replaced"
    INTAKE_KEY_REVOKED = "intake_key.revoked"
    INTAKE_CALLBACK_SET = "intake_key.callback_set"
    # SMS replies
    SMS_INBOUND_APPLIED = "sms.inbound_applied"
    SMS_INBOUND_REJECTED = "sms.inbound_rejected"
    # Security
    SECURITY_EVENT_ID_REUSED = "security.event_id_reused"
    SECURITY_SMS_INBOUND_FORGED = "security.sms_inbound_forged"
    SECURITY_SMS_INBOUND_REPLAYED = "security.sms_inbound_replayed"
    # an officer's code tried to enrol an install that is another officer's live device,
    # from somewhere that does not hold that device's token (docs/protocol.md §1)
    SECURITY_ENROLMENT_REFUSED = "security.enrolment_refused"
    # Staff sign-in at the admin (django-axes locks a username+address pair out)
    AUTH_LOGIN_SUCCEEDED = "auth.login_succeeded"
    AUTH_LOGIN_FAILED = "auth.login_failed"
    AUTH_LOCKED_OUT = "auth.locked_out"
    # an account had KUZET_LOGIN_ACCOUNT_FAILURE_LIMIT wrong passwords from all addresses within
    # its window: until it ends, only addresses it signed in from before may sign in to it
    AUTH_ACCOUNT_GUARDED = "auth.account_guarded"
    # a new password (whoever set it: the console, manage.py changepassword, the person)
    # cleared the wrong passwords counted for the account: its guard or lockouts were lifted;
    # data: the failures in the window, whether it was guarded, whether a lockout was lifted
    AUTH_ACCOUNT_GUARD_LIFTED = "auth.account_guard_lifted"
    # an administrator set (or took away) a person's console password in the console;
    # data: whether they now sign in with one, and the sign-in lockouts it lifted
    AUTH_PASSWORD_SET = "auth.password_set"  # noqa: S105 (an action's name)
    # The duty desk's shift handover (backend/reports): the outgoing officer's note, and the
    # incoming officer's receipt of it
    HANDOVER_WRITTEN = "handover.written"
    HANDOVER_RECEIVED = "handover.received"
    # Operations
    SEED_LOADED = "seed.loaded"


AdminVerb = Literal["added", "changed", "deleted"]


def admin_edit(model_name: str, verb: AdminVerb) -> str:
    """A record added, changed or deleted by the admin's own forms: ``<model>.<verb>_in_admin``."""
    return f"{model_name}.{verb}_in_admin"


def sensitive_read(model_name: str) -> str:
    """A sensitive record read (domestic violence): ``<model>.read``."""
    return f"{model_name}.read"


# What a person reads for each action (the timeline, the audit log in admin).
ACTION_LABELS: dict[str, Promise] = {
    AuditAction.INCIDENT_CREATED: _("Incident created"),
    AuditAction.INCIDENT_READ: _("DV record read"),
    AuditAction.INCIDENT_CLOSED: _("Incident closed"),
    AuditAction.INCIDENT_REOPENED: _("Incident reopened"),
    AuditAction.INCIDENT_CANCELLED: _("Incident cancelled"),
    AuditAction.INCIDENT_RECLASSIFIED: _("Category or priority changed"),
    AuditAction.INCIDENT_SEPARATED: _("Not a repeat: a call of its own"),
    AuditAction.INCIDENT_LINKED: _("Linked as a repeat of an earlier call"),
    AuditAction.INCIDENT_CITIZEN_NOTIFIED: _("Citizen told"),
    AuditAction.INCIDENT_REGISTRY_CHANGED: _("Registry numbers changed"),
    AuditAction.FOLLOWUP_CREATED: _("Follow-up visit planned"),
    AuditAction.FOLLOWUP_DONE: _("Follow-up visit made"),
    AuditAction.RISK_SUBJECT_CREATED: _("DV risk address registered"),
    AuditAction.RISK_PROTECTIVE_ORDER: _("Protective order recorded"),
    AuditAction.ASSIGNMENT_DISPATCHED: _("Unit dispatched"),
    AuditAction.ASSIGNMENT_CANCELLED: _("Assignment cancelled"),
    AuditAction.ASSIGNMENT_REASSIGNED: _("Assignment reassigned"),
    AuditAction.ASSIGNMENT_ACKNOWLEDGED_ON_BEHALF: _("Acknowledged on the officer's behalf"),
    AuditAction.ASSIGNMENT_RECORDED_ON_BEHALF: _("Recorded on the officer's behalf"),
    AuditAction.EVENT_ON_BEHALF_RECORDED: _("Recorded on the officer's behalf"),
    AuditAction.EVENT_SMS_RECORDED: _("Recorded from an SMS"),
    AuditAction.EVENT_BACKFILL_RECORDED: _("Recorded afterwards (backfill)"),
    AuditAction.EVENT_SERVER_RECORDED: _("Recorded by the server"),
    AuditAction.EVENT_DESK_MESSAGE: _("Message from the duty desk to the crew"),
    AuditAction.ESCALATION_SMS_UNDELIVERED: _("Escalation: not delivered, sent by SMS"),
    AuditAction.ESCALATION_ACK_OVERDUE: _("Escalation: acknowledgement overdue"),
    AuditAction.ESCALATION_ACK_OVERDUE_TWICE: _("Escalation: acknowledgement overdue again"),
    AuditAction.ESCALATION_ARRIVAL_OVERDUE: _("Escalation: arrival overdue"),
    AuditAction.INCIDENT_WAITING_OVERDUE: _("Escalation: still waiting for a unit"),
    AuditAction.UNIT_SOS: _("Unit SOS"),
    AuditAction.BOARD_SOS_ACKNOWLEDGED: _("SOS acknowledged at the board"),
    AuditAction.INCIDENT_SOS_BACKUP: _("Backup sent to an SOS"),
    AuditAction.UNIT_SOS_CLEARED: _("SOS cleared: officer safe"),
    AuditAction.UNIT_SAFETY_CHECK: _("Officer-safety check: no word from the unit on scene"),
    AuditAction.UNIT_SAFETY_CHECKED: _("Officer-safety check: officer OK"),
    AuditAction.UNIT_UNREACHABLE: _("Unit unreachable"),
    AuditAction.UNIT_REACHABLE: _("Unit reachable again"),
    AuditAction.CONFLICT_OPENED: _("Conflict opened"),
    AuditAction.CONFLICT_RESOLVED: _("Conflict resolved"),
    AuditAction.QUARANTINE_REVIEWED: _("Quarantined event reviewed"),
    AuditAction.DEVICE_ENROLMENT_CODE_ISSUED: _("Enrolment code issued"),
    AuditAction.DEVICE_ENROLLED: _("Phone enrolled"),
    AuditAction.DEVICE_TOKEN_REPLACED: _("Phone enrolled again"),
    AuditAction.DEVICE_REVOKED: _("Device revoked"),
    AuditAction.DEVICE_SCOPE_REBUILT: _("Device scope rebuilt"),
    AuditAction.INTAKE_KEY_ISSUED: _("Intake key issued"),
    AuditAction.INTAKE_KEY_REPLACED: _("Intake key issued to replace another"),
    AuditAction.INTAKE_KEY_REVOKED: _("Intake key revoked"),
    AuditAction.INTAKE_CALLBACK_SET: _("Partner callback set"),
    AuditAction.SMS_INBOUND_APPLIED: _("SMS reply applied"),
    AuditAction.SMS_INBOUND_REJECTED: _("SMS reply rejected"),
    AuditAction.SECURITY_EVENT_ID_REUSED: _("Security: event id reused"),
    AuditAction.SECURITY_SMS_INBOUND_FORGED: _("Security: forged SMS reply"),
    AuditAction.SECURITY_SMS_INBOUND_REPLAYED: _("Security: replayed SMS reply"),
    AuditAction.SECURITY_ENROLMENT_REFUSED: _(
        "Security: enrolment on another officer's phone refused"
    ),
    AuditAction.AUTH_PASSWORD_SET: _("Console password set by an administrator"),
    AuditAction.AUTH_LOGIN_SUCCEEDED: _("Signed in"),
    AuditAction.AUTH_LOGIN_FAILED: _("Sign-in failed"),
    AuditAction.AUTH_LOCKED_OUT: _("Locked out"),
    AuditAction.AUTH_ACCOUNT_GUARDED: _(
        "Many wrong passwords: sign-ins only from addresses used before"
    ),
    AuditAction.AUTH_ACCOUNT_GUARD_LIFTED: _("Sign-in guard lifted by a password change"),
    AuditAction.HANDOVER_WRITTEN: _("Shift handed over"),
    AuditAction.HANDOVER_RECEIVED: _("Shift handover received"),
    AuditAction.SEED_LOADED: _("Seed data loaded"),
}
_ADMIN_VERBS: dict[str, Promise] = {
    "added_in_admin": _("added in admin"),
    "changed_in_admin": _("changed in admin"),
    "deleted_in_admin": _("deleted in admin"),
    "read": _("read"),
}


def object_type_label(object_type: str) -> str:
    """What an entry is about, in words: its model's name (``assignment``, ``risk_subject``,
    ``sms`` → "SMS message"); an entry about nothing in particular (seeding, a login) says so."""
    if not object_type:
        return str(_("none"))
    model_name = OBJECT_TYPE_MODELS.get(object_type, object_type.replace("_", ""))
    model = next((m for m in apps.get_models() if m._meta.model_name == model_name), None)
    return str(model._meta.verbose_name) if model is not None else object_type


# Object types named otherwise than their model (the rest are the model's name).
OBJECT_TYPE_MODELS = {"sms": "smsmessage"}


def action_label(action: str) -> str:
    """An audit action as words: its label, or ``<model>: <verb>`` for the admin's edits and
    sensitive reads (``risksubject.read`` → "Risk subject: read", the model's own name)."""
    label = ACTION_LABELS.get(action)
    if label is not None:
        return str(label)
    model, _dot, verb = action.partition(".")
    words = _ADMIN_VERBS.get(verb)
    if words is not None:
        return f"{capfirst(object_type_label(model))}: {words}"
    return action.replace("_", " ").replace(".", ": ")
