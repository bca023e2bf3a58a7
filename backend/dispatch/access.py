"""Who may see and act on incidents, assignments and units — the dispatch ``access_*`` family.

Out of scope is indistinguishable from absent (404 ``not_found``); a role that may not do
something at all gets 403 ``forbidden``. Views call these before a service; services check
scope again for the actor they are given (the admin calls the same services).
"""

from __future__ import annotations

from typing import Any

from backend.common.errors import Forbidden, NotFound
from backend.people.access import district_scope, is_staff_role, scoped
from backend.people.models import Role, Unit

from .models import Assignment, Conflict, FollowUpTask, Incident

# Roles that run dispatch: the ЦОУ duty officers and the district chiefs. Oblast
# administrators see everything of the oblast but do not dispatch.
DISPATCH_ROLES = frozenset({Role.DUTY_OFFICER, Role.CHIEF})


def can_dispatch(user: Any) -> bool:
    return bool(
        user is not None and user.is_active and (user.is_superuser or user.role in DISPATCH_ROLES)
    )


def require_staff(user: Any) -> None:
    """Reading incidents through the staff API is for duty officers, chiefs, admins."""
    if not (user is not None and user.is_active and is_staff_role(user)):
        raise Forbidden("This API is for duty officers and chiefs.")


def require_dispatcher(user: Any) -> None:
    if not can_dispatch(user):
        raise Forbidden("Only duty officers and district chiefs dispatch.")


def access_incident(user: Any, incident_id: int) -> Incident:
    qs = scoped(Incident.objects.select_related("district", "settlement"), user)
    incident = qs.filter(pk=incident_id).first()
    if incident is None:
        raise NotFound("No such incident.")
    return incident


def access_assignment(user: Any, assignment_id: int) -> Assignment:
    qs = scoped(
        Assignment.objects.select_related("incident", "incident__district", "unit"),
        user,
        path="incident__district",
    )
    assignment = qs.filter(pk=assignment_id).first()
    if assignment is None:
        raise NotFound("No such assignment.")
    return assignment


def access_follow_up(user: Any, follow_up_id: int) -> FollowUpTask:
    qs = scoped(FollowUpTask.objects.select_related("incident"), user)
    task = qs.filter(pk=follow_up_id).first()
    if task is None:
        raise NotFound("No such follow-up visit.")
    return task


def access_conflict(user: Any, conflict_id: int) -> Conflict:
    qs = scoped(Conflict.objects.select_related("incident"), user)
    conflict = qs.filter(pk=conflict_id).first()
    if conflict is None:
        raise NotFound("No such conflict.")
    return conflict


def access_unit(user: Any, unit_id: int) -> Unit:
    unit = scoped(Unit.objects.all(), user).filter(pk=unit_id).first()
    if unit is None:
        raise NotFound("No such unit.")
    return unit


def check_scope(user: Any, *district_ids: int) -> None:
    """Services call this for the acting user: every district touched must be theirs."""
    if user is None:  # the system (escalation) acts everywhere
        return
    scope = district_scope(user)
    if not all(scope.allows(d) for d in district_ids):
        raise NotFound("No such record in your scope.")
