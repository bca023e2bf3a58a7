"""When an assignment's ladder next falls due, kept current after a fact that changed it.

The first due time is written by the dispatch command (:func:`ladder.next_due`); the sweep
(``services/escalation.py``) moves it on as rungs fire. An acknowledgement relayed by a duty
officer or answered by SMS reschedules it here — optional, since the sweep re-checks every
milestone before it fires, but it keeps the due index small.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from backend.ledger import uow

from ..ladder import next_due
from ..models import Assignment, EscalationStep
from .locks import lock_one


def fired_steps(assignment_ids: Iterable[int]) -> dict[int, set[str]]:
    """The rungs already fired, per assignment."""
    fired: dict[int, set[str]] = defaultdict(set)
    for aid, step in EscalationStep.objects.filter(
        assignment_id__in=list(assignment_ids)
    ).values_list("assignment_id", "step"):
        fired[aid].add(step)
    return fired


def incidents_on_scene(incident_ids: Iterable[int]) -> set[int]:
    """The incidents (of these) that some unit has reached: nobody is late for them."""
    return set(
        Assignment.objects.filter(incident_id__in=set(incident_ids), on_scene_at__isnull=False)
        .values_list("incident_id", flat=True)
        .distinct()
    )


def ladder_reschedule(*, assignment_id: int, now: dt.datetime | None = None) -> None:
    """Recompute ``next_escalation_at`` after a fact changed the assignment (ack on behalf,
    SMS reply). Opens or joins a unit of work."""
    with uow.unit_of_work():
        a = lock_one(Assignment, assignment_id)
        if a is None:
            return
        fired = fired_steps([a.pk]).get(a.pk, set())
        on_scene = bool(incidents_on_scene([a.incident_id]))
        nxt = next_due(a, fired=fired, incident_on_scene=on_scene)
        if nxt != a.next_escalation_at:
            Assignment.objects.filter(pk=a.pk).update(next_escalation_at=nxt)
