"""Resolving the conflicts the sync rules could not settle (PROTOCOL.md §6).

A conflict keeps both sides of the story (the device's facts and the server's command); a
district chief reads them and records a resolution with a note. The resolution is a
decision on the record: it does not re-project the event onto the assignment (the fact
stays stored with its disposition either way).
"""

from __future__ import annotations

from typing import Any

from backend.common import clock
from backend.common.errors import Conflict as ConflictError
from backend.common.errors import Forbidden, NotFound, ValidationFailed
from backend.ledger import uow
from backend.ledger.actions import AuditAction
from backend.people.access import district_scope
from backend.people.models import Role

from ..models import Conflict

# Who may resolve: the district chief (and the oblast administrator above them).
RESOLVING_ROLES = {Role.CHIEF, Role.OBLAST_ADMIN}


def conflict_resolve_check(
    *, conflict: Conflict | None, by: Any, resolution: str, note: str
) -> None:
    """Refuse a resolution that cannot be recorded; changes nothing.

    Raises ``not_found`` when the conflict is outside ``by``'s scope (indistinguishable from
    a missing one), ``forbidden`` for a role that does not resolve, ``invalid`` for an
    unknown resolution or an empty note, and ``already_resolved`` when it was resolved
    already. The admin's form calls it to show the refusal on the page; the command calls
    it again under the row lock.
    """
    if resolution not in Conflict.Resolution.values:
        raise ValidationFailed(f"Unknown resolution {resolution!r}.", code="invalid")
    if not (note or "").strip():
        raise ValidationFailed("A resolution needs a note saying why.", code="invalid")
    if conflict is None or not district_scope(by).allows(conflict.district_id):
        raise NotFound("No such conflict.")
    if not (by.is_superuser or by.role in RESOLVING_ROLES):
        raise Forbidden("Only the district chief resolves conflicts.")
    if conflict.state != Conflict.State.OPEN:
        raise ConflictError(
            f"This conflict was already resolved ({conflict.resolution}).",
            code="already_resolved",
        )


def conflict_resolve(*, conflict: Conflict, by: Any, resolution: str, note: str) -> Conflict:
    """Resolve an open conflict of ``by``'s district with ``resolution`` and a note.

    Refusals as :func:`conflict_resolve_check`; two chiefs resolving at once: the second is
    refused (``already_resolved``), the first resolution stands.
    """
    conflict_resolve_check(conflict=conflict, by=by, resolution=resolution, note=note)
    note = note.strip()
    with uow.unit_of_work():
        locked = Conflict.objects.select_for_update().filter(pk=conflict.pk).first()
        conflict_resolve_check(conflict=locked, by=by, resolution=resolution, note=note)
        assert locked is not None
        locked.state = Conflict.State.RESOLVED
        locked.resolution = resolution
        locked.resolution_note = note
        locked.resolved_at = clock.now()
        locked.resolved_by = by
        locked.save(
            update_fields=["state", "resolution", "resolution_note", "resolved_at", "resolved_by"]
        )
        uow.audit(
            AuditAction.CONFLICT_RESOLVED,
            actor=by,
            obj=locked,
            data={
                "kind": locked.kind,
                "resolution": resolution,
                "note": note,
                "event_id": locked.event_id,
                "assignment_id": locked.assignment_id,
                "incident_id": locked.incident_id,
            },
        )
    conflict.refresh_from_db()
    return conflict
