"""Resolving the conflicts the sync rules could not settle (PROTOCOL.md §6).

A conflict keeps both sides of the story (the device's facts and the server's command); a
district chief reads them and records a resolution with a note. The resolution is a
decision on the record: it does not re-project the event onto the assignment (the fact
stays stored with its disposition either way).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from backend.common import clock
from backend.common.errors import Conflict as ConflictError
from backend.common.errors import Forbidden, NotFound, ValidationFailed
from backend.ledger import uow
from backend.ledger.actions import AuditAction
from backend.people.access import district_scope
from backend.people.models import Role

from ..models import Conflict
from .locks import lock_rows

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
    return conflicts_resolve(conflicts=[conflict], by=by, resolution=resolution, note=note)[0]


def conflicts_resolve(
    *, conflicts: Sequence[Conflict], by: Any, resolution: str, note: str
) -> list[Conflict]:
    """Resolve several open conflicts with one decision and one note — all of them or none.

    A crew that comes back into coverage after it was stood down sends its acknowledgment,
    its way there and its arrival at once, and each opens a conflict of the same story; the
    chief decides the story once. Every conflict is checked as :func:`conflict_resolve_check`
    (the first refusal refuses them all, nothing is saved) and audited on its own, naming the
    others resolved with it.
    """
    for conflict in conflicts:
        conflict_resolve_check(conflict=conflict, by=by, resolution=resolution, note=note)
    note = note.strip()
    ids = sorted({c.pk for c in conflicts})
    with uow.unit_of_work():
        locked = lock_rows(Conflict, ids)
        for pk in ids:
            conflict_resolve_check(conflict=locked.get(pk), by=by, resolution=resolution, note=note)
        now = clock.now()
        for pk in ids:
            row = locked[pk]
            row.state = Conflict.State.RESOLVED
            row.resolution = resolution
            row.resolution_note = note
            row.resolved_at = now
            row.resolved_by = by
            row.save(
                update_fields=[
                    "state",
                    "resolution",
                    "resolution_note",
                    "resolved_at",
                    "resolved_by",
                ]
            )
            data: dict[str, Any] = {
                "kind": row.kind,
                "resolution": resolution,
                "note": note,
                "event_id": row.event_id,
                "assignment_id": row.assignment_id,
                "incident_id": row.incident_id,
            }
            if len(ids) > 1:
                data["together_with"] = [other for other in ids if other != pk]
            uow.audit(AuditAction.CONFLICT_RESOLVED, actor=by, obj=row, data=data)
    for conflict in conflicts:
        conflict.refresh_from_db()
    return list(conflicts)


def conflicts_of_the_same_assignment(
    conflict: Conflict, *, open_only: bool = True
) -> list[Conflict]:
    """The other (open) conflicts of ``conflict``'s assignment, oldest event first: the same
    crew's story, which a chief can decide in one resolution."""
    if conflict.assignment_id is None:
        return []
    others = Conflict.objects.filter(assignment_id=conflict.assignment_id).exclude(pk=conflict.pk)
    if open_only:
        others = others.filter(state=Conflict.State.OPEN)
    return list(others.select_related("event").order_by("event__estimated_at", "pk"))
