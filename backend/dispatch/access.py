"""Who may see and act on incidents, assignments and units — the dispatch ``access_*`` family.

Out of scope is indistinguishable from absent (404 ``not_found``); a role that may not do
something at all gets 403 ``forbidden``. Views call these before a service; services check
scope again for the actor they are given (the admin calls the same services).
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, QuerySet

from backend.common.errors import Forbidden, NotFound
from backend.people.access import district_scope, is_staff_role, scoped
from backend.people.models import Role, Unit

from .models import Assignment, Conflict, FollowUpTask, Incident, SafetyCheck

M = TypeVar("M", bound=Model)

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


def _one(qs: QuerySet[M], user: Any, pk: int, missing: str, path: str = "district") -> M:
    """The record ``pk`` of ``qs`` within ``user``'s districts; else ``not_found``."""
    found = scoped(qs, user, path=path).filter(pk=pk).first()
    if found is None:
        raise NotFound(missing)
    return found


def access_incident(user: Any, incident_id: int) -> Incident:
    qs = Incident.objects.select_related("district", "settlement")
    return _one(qs, user, incident_id, "No such incident.")


def access_assignment(user: Any, assignment_id: int) -> Assignment:
    qs = Assignment.objects.select_related("incident", "incident__district", "unit")
    return _one(qs, user, assignment_id, "No such assignment.", path="incident__district")


def access_follow_up(user: Any, follow_up_id: int) -> FollowUpTask:
    qs = FollowUpTask.objects.select_related("incident")
    return _one(qs, user, follow_up_id, "No such follow-up visit.")


def access_conflict(user: Any, conflict_id: int) -> Conflict:
    return _one(Conflict.objects.select_related("incident"), user, conflict_id, "No such conflict.")


def access_safety_check(user: Any, check_id: int) -> SafetyCheck:
    qs = SafetyCheck.objects.select_related("assignment__incident", "assignment__unit")
    return _one(qs, user, check_id, "No such check.", path="assignment__incident__district")


def access_unit(user: Any, unit_id: int) -> Unit:
    return _one(Unit.objects.all(), user, unit_id, "No such unit.")


def access_unit_to_send(user: Any, unit_id: int, *, incident: Incident) -> Unit:
    """The unit ``unit_id`` for ``user`` to send to ``incident``: one of their districts'.

    A unit of another district of the incident's oblast is refused as ``unit_out_of_scope``
    (403, with its district), not as absent: the call's panel shows such a unit read-only
    when it is nearer across the border (``selectors.units_across_border``), and a district
    desk that tries it must hear whom to ask — that district's desk or the oblast ЦОУ, whose
    scope covers both. Any other unit is ``not_found``."""
    unit = Unit.objects.select_related("district").filter(pk=unit_id).first()
    if unit is None:
        raise NotFound("No such unit.")
    if district_scope(user).allows(unit.district_id):
        return unit
    if unit.district.oblast_id == incident.district.oblast_id:
        raise Forbidden(
            f"{unit.callsign} is a unit of {unit.district.name}: ask its desk or the oblast "
            "ЦОУ to send it.",
            code="unit_out_of_scope",
            unit_district_id=unit.district_id,
            unit_district=unit.district.name,
            unit_district_kk=unit.district.name_kk,
        )
    raise NotFound("No such unit.")


def check_scope(user: Any, *district_ids: int) -> None:
    """Services call this for the acting user: every district touched must be theirs."""
    if user is None:  # the system (escalation) acts everywhere
        return
    scope = district_scope(user)
    if not all(scope.allows(d) for d in district_ids):
        raise NotFound("No such record in your scope.")
