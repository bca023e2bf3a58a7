"""Who may see and act on incidents, assignments and units — the dispatch ``access_*`` family.

Out of scope is indistinguishable from absent (404 ``not_found``); a role that may not do
something at all gets 403 ``forbidden``. Views call these before a service; services check
scope again for the actor they are given (the admin calls the same services).

One widening, for reading only: a call of another district on which a unit of the reader's
districts holds or held an assignment (the oblast ЦОУ lent it across the border,
``selectors.units_across_border``). The unit's own desk and chief answer for its crew — its
safety, its SOS, when it comes back — so they read that call (``access_incident_to_read``,
``incident_lent_to``); every command on it stays the call's district's, refused 403
``incident_out_of_scope`` with whose desk runs it. "Held" counts too: a unit taken off the call
(cancelled, reassigned) keeps its desk's reading, since the desk answers for what its crew did
there. On such a call the desk reads its own crew's parts — the other desk's messages to it
and whether they were read, the officer-safety checks on it (``access_assignments_to_read``,
``access_assignment_to_read``) — and the call's follow-up visits; answering a check or
recording a visit is refused like any command (``access_safety_check``, ``access_follow_up``).
"""

from __future__ import annotations

from collections.abc import Callable
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


def _one(
    qs: QuerySet[M],
    user: Any,
    pk: int,
    missing: str,
    path: str = "district",
    call: Callable[[M], Incident] | None = None,
) -> M:
    """The record ``pk`` of ``qs`` within ``user``'s districts; else ``not_found``. ``call``:
    the incident the record is part of — one of a call the reader's unit was lent to is
    refused 403 ``incident_out_of_scope`` (a command on it is that call's desk's)."""
    found = scoped(qs, user, path=path).filter(pk=pk).first()
    if found is not None:
        return found
    if call is not None and (other := qs.filter(pk=pk).first()) is not None:
        _refused_as_lent(user, call(other))
    raise NotFound(missing)


def incident_lent_to(user: Any, incident: Incident) -> list[Assignment]:
    """The assignments, open or ended, of ``user``'s units on ``incident`` when the incident
    is another district's: what makes it readable to the units' own desk (a duty officer or
    the chief of the unit's district). Empty when the incident is in ``user``'s scope (it is
    simply theirs) or ``user`` is not a desk."""
    if not can_dispatch(user):
        return []
    scope = district_scope(user)
    if scope.allows(incident.district_id):
        return []
    return list(
        Assignment.objects.filter(scope.q("unit__district"), incident_id=incident.pk)
        .select_related("unit")
        .order_by("dispatched_at", "pk")
    )


def _refused_as_lent(user: Any, incident: Incident) -> None:
    """Raise 403 ``incident_out_of_scope`` when ``user`` reads ``incident`` only because a
    unit of theirs was lent to it: a command on it is its district's desk's to give."""
    if not incident_lent_to(user, incident):
        return
    district = incident.district
    raise Forbidden(
        f"{incident.number} is a call of {district.name}: your unit was sent to it, but "
        "its desk runs it. Ask that district's desk or the oblast ЦОУ.",
        code="incident_out_of_scope",
        incident_district_id=district.pk,
        incident_district=district.name,
        incident_district_kk=district.name_kk,
    )


def check_command_scope(user: Any, incident: Incident) -> None:
    """A command that changes ``incident`` as a side effect of another (a unit diverted off
    it): ``user``'s scope must cover it. One of a call their unit was lent to is refused 403
    ``incident_out_of_scope`` with whose desk runs it; any other is ``not_found``."""
    if user is None or district_scope(user).allows(incident.district_id):
        return
    _refused_as_lent(user, incident)
    raise NotFound("No such incident.")


def _incident_any_scope(incident_id: int) -> Incident | None:
    qs = Incident.objects.select_related("district", "settlement")
    return qs.filter(pk=incident_id).first()


def access_incident(user: Any, incident_id: int) -> Incident:
    """The incident ``incident_id`` for ``user`` to act on (or to read what only its own desk
    reads, such as the units to send): one of their districts'. A call their unit was lent
    to is refused 403 ``incident_out_of_scope``; any other is ``not_found``."""
    qs = Incident.objects.select_related("district", "settlement")
    found = scoped(qs, user).filter(pk=incident_id).first()
    if found is not None:
        return found
    other = _incident_any_scope(incident_id)
    if other is not None:
        _refused_as_lent(user, other)
    raise NotFound("No such incident.")


def access_incident_to_read(user: Any, incident_id: int) -> Incident:
    """The incident ``incident_id`` for ``user`` to read: one of their districts', or a call
    of another district their unit holds or held an assignment on (:func:`incident_lent_to`:
    read-only). Any other is ``not_found``."""
    incident = _incident_any_scope(incident_id)
    if incident is None:
        raise NotFound("No such incident.")
    if district_scope(user).allows(incident.district_id) or incident_lent_to(user, incident):
        return incident
    raise NotFound("No such incident.")


def access_assignment(user: Any, assignment_id: int) -> Assignment:
    """The assignment ``assignment_id`` for ``user`` to act on: on a call of their districts.
    One on a call their unit was lent to is refused 403 ``incident_out_of_scope``."""
    qs = Assignment.objects.select_related("incident", "incident__district", "unit")
    found = scoped(qs, user, path="incident__district").filter(pk=assignment_id).first()
    if found is not None:
        return found
    other = qs.filter(pk=assignment_id).first()
    if other is not None:
        _refused_as_lent(user, other.incident)
    raise NotFound("No such assignment.")


def access_assignments_to_read(user: Any, incident: Incident) -> list[Assignment]:
    """The assignments of ``incident`` whose parts ``user`` may read — the desk's messages
    to the crew with their read receipts, the officer-safety checks: every one of a call of
    their districts; on a call of another district, only their own units' (the ones
    :func:`incident_lent_to` names: the desk answers for its crew, not for the other
    district's); none on any other call. ``incident`` comes from
    :func:`access_incident_to_read`. Reading only: commands go through
    :func:`access_assignment` and :func:`access_safety_check`."""
    if district_scope(user).allows(incident.district_id):
        return list(incident.assignments.select_related("unit").order_by("dispatched_at", "pk"))
    return incident_lent_to(user, incident)


def access_assignment_to_read(user: Any, assignment_id: int) -> Assignment:
    """The assignment ``assignment_id`` for ``user`` to read its parts (the desk's messages,
    their receipts): one on a call of their districts, or their unit's on a call of another
    district it was lent to (:func:`access_assignments_to_read`). Any other is
    ``not_found`` — another district's unit on that call too."""
    qs = Assignment.objects.select_related("incident", "incident__district", "unit")
    found = qs.filter(pk=assignment_id).first()
    if found is not None and any(
        a.pk == found.pk for a in access_assignments_to_read(user, found.incident)
    ):
        return found
    raise NotFound("No such assignment.")


def access_follow_up(user: Any, follow_up_id: int) -> FollowUpTask:
    """The follow-up visit ``follow_up_id`` for ``user`` to record: of their districts. One
    of a call their unit was lent to is refused 403 ``incident_out_of_scope`` (its desk
    reads it on the call: ``IncidentOutput.follow_ups``, the call's read-only page)."""
    qs = FollowUpTask.objects.select_related("incident", "incident__district")
    return _one(qs, user, follow_up_id, "No such follow-up visit.", call=lambda t: t.incident)


def access_conflict(user: Any, conflict_id: int) -> Conflict:
    return _one(Conflict.objects.select_related("incident"), user, conflict_id, "No such conflict.")


def access_safety_check(user: Any, check_id: int) -> SafetyCheck:
    """The officer-safety check ``check_id`` for ``user`` to answer: on a call of their
    districts. One on a call their unit was lent to is refused 403 ``incident_out_of_scope``:
    that call's desk raises the crew (its own desk reads the check on the call's page and
    ``GET /incidents/<id>/safety-checks/``)."""
    qs = SafetyCheck.objects.select_related(
        "assignment__incident", "assignment__incident__district", "assignment__unit"
    )
    return _one(
        qs,
        user,
        check_id,
        "No such check.",
        path="assignment__incident__district",
        call=lambda c: c.assignment.incident,
    )


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
