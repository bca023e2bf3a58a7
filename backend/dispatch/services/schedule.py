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

from django.db.models import Q

from backend.ledger import uow

from ..ladder import next_due
from ..lifecycle import reached_in_visit
from ..models import Assignment, EscalationStep, Incident
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
    """The incidents (of these) that some unit has reached since the call was last reopened
    (an "on scene" or a "transporting" time: ``lifecycle.reached_in_visit``, the rule of the
    chief's list, ``kpis.reached_scene_q``): nobody is late for them.

    Two reads by index, no join: the calls' reopen times by id, then their assignments with
    an arrival. Joined in one statement, PostgreSQL's default costs hash-join a thousand
    claimed calls with a scan of every incident (docs/benchmarks.md, "No join in the
    claim")."""
    ids = set(incident_ids)
    if not ids:
        return set()
    reopened = dict(
        Incident.objects.filter(pk__in=ids, reopened_at__isnull=False).values_list(
            "pk", "reopened_at"
        )
    )
    arrivals = (
        Assignment.objects.filter(incident_id__in=ids)
        .filter(Q(on_scene_at__isnull=False) | Q(transporting_at__isnull=False))
        .values_list("incident_id", "on_scene_at", "transporting_at")
    )
    return {
        incident_id
        for incident_id, on_scene_at, transporting_at in arrivals
        if reached_in_visit(on_scene_at, transporting_at, reopened_at=reopened.get(incident_id))
    }


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
