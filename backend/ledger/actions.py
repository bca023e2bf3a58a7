"""Every action the audit log records, named in one place.

An audit entry's ``action`` is ``<object>.<what happened>``. Entries already written keep their
names forever (``audit_verify`` and every report read them), so a member is only ever added,
never renamed. ``uow.audit`` takes an :class:`AuditAction` (or the name of one of the generic
families below, built by their functions).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal


class AuditAction(StrEnum):
    # Incidents
    INCIDENT_CREATED = "incident.created"
    INCIDENT_READ = "incident.read"  # a DV record was read (Law 214-IV)
    INCIDENT_CLOSED = "incident.closed"
    INCIDENT_REOPENED = "incident.reopened"
    INCIDENT_CANCELLED = "incident.cancelled"
    INCIDENT_CITIZEN_NOTIFIED = "incident.citizen_notified"
    INCIDENT_REGISTRY_CHANGED = "incident.registry_changed"
    FOLLOWUP_CREATED = "followup.created"
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
    # The escalation ladder (one per rung, actor system)
    ESCALATION_SMS_UNDELIVERED = "escalation.sms_undelivered"
    ESCALATION_ACK_OVERDUE = "escalation.ack_overdue"
    ESCALATION_ACK_OVERDUE_TWICE = "escalation.ack_overdue_twice"
    ESCALATION_ARRIVAL_OVERDUE = "escalation.arrival_overdue"
    # Units
    UNIT_SOS = "unit.sos"
    UNIT_UNREACHABLE = "unit.unreachable"
    UNIT_REACHABLE = "unit.reachable"
    BOARD_SOS_ACKNOWLEDGED = "board_alert.sos_acknowledged"  # a duty officer saw the SOS
    # Conflicts and quarantine
    CONFLICT_OPENED = "conflict.opened"
    CONFLICT_RESOLVED = "conflict.resolved"
    QUARANTINE_REVIEWED = "quarantine.reviewed"
    # Devices and integrations
    DEVICE_ENROLMENT_CODE_ISSUED = "device.enrolment_code_issued"
    DEVICE_REVOKED = "device.revoked"
    DEVICE_SCOPE_REBUILT = "device.scope_rebuilt"
    INTAKE_KEY_ISSUED = "intake_key.issued"
    INTAKE_KEY_REVOKED = "intake_key.revoked"
    # SMS replies
    SMS_INBOUND_APPLIED = "sms.inbound_applied"
    SMS_INBOUND_REJECTED = "sms.inbound_rejected"
    # Security
    SECURITY_EVENT_ID_REUSED = "security.event_id_reused"
    SECURITY_SMS_INBOUND_FORGED = "security.sms_inbound_forged"
    SECURITY_SMS_INBOUND_REPLAYED = "security.sms_inbound_replayed"
    # Staff sign-in at the admin (django-axes locks a username+address pair out)
    AUTH_LOGIN_SUCCEEDED = "auth.login_succeeded"
    AUTH_LOGIN_FAILED = "auth.login_failed"
    AUTH_LOCKED_OUT = "auth.locked_out"
    # Operations
    SEED_LOADED = "seed.loaded"


AdminVerb = Literal["added", "changed", "deleted"]


def admin_edit(model_name: str, verb: AdminVerb) -> str:
    """A record added, changed or deleted by the admin's own forms: ``<model>.<verb>_in_admin``."""
    return f"{model_name}.{verb}_in_admin"


def sensitive_read(model_name: str) -> str:
    """A sensitive record read (domestic violence): ``<model>.read``."""
    return f"{model_name}.read"
