"""Officer-safety checks: a unit on scene that has gone silent is put before the desk.

A crew on scene at a DV call in a village with no coverage cannot press SOS, and nobody at
the ЦОУ notices an hour of silence among thirty units. Dispatch centres run an on-scene
timer for this (the officer-safety timer): past the interval of the call's priority
(``policies.safety_check_within_s``: 15 min for P0 … 45 for P3) with no word from the unit,
the board shows "check on A-PC1" until a duty officer has raised it by radio and pressed
"Officer OK" (:func:`safety_check_answer`), which starts the next interval.

Word from the unit: any event on the assignment that is not the server's own nor the desk's
— a milestone, a note, an outcome or a read receipt from its phone or by SMS, or one a duty
officer recorded on its behalf (heard by radio); the phone's automatic position reports are
not word from the officer, and neither is the desk's own message to the crew (``note`` with
source ``desk``): "how is it there?" sent into a silence is not an answer to it. A unit in
SOS has its SOS on the board instead.

A check still open when word comes from the crew (on the assignment, after the check fired,
within a day) is answered by that word at the next sweep: the boards' banner turns green with
"the crew was heard from: Note" (``unit.safety_checked`` with ``by_crew`` and
``word_kind``), audited with actor system and the event — the desk need not radio a crew that
has just spoken, nor keep an amber banner that no longer means anything. The desk's "Officer
OK" and the crew's word answer a check once, whichever comes first (the check's row lock).

The crew's phones are told too: an assignment with a check open carries its
``safety_check_at`` (docs/protocol.md §2), touched when the check fires and when it is
answered, and the field app shows "the duty desk is checking on you" with an "I'm OK" a tap
records as a note — word from the crew, which the next sweep answers the check by.

Fires once a silence, like the ladder's rungs: the check row's unique key is the assignment
and the silence's deadline, written in the same transaction as the alert and the audit, so a
second sweep, a restarted worker or two sweeps at once alert once. Run by the escalation
sweep (``escalation.escalation_sweep``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import F, OuterRef, Subquery
from django.utils.translation import gettext_lazy as _

from backend.common import clock
from backend.common.errors import Conflict, NotFound
from backend.ledger import uow
from backend.ledger.actions import AuditAction
from backend.ledger.names import SyncTable
from backend.people.models import UnitStatus

from .. import policies
from ..access import check_scope
from ..lifecycle import AssignmentStatus
from ..models import Assignment, Event, EventSource, SafetyCheck
from .locks import lock_one
from .timeline import actor_label, board_notify

# Events on an assignment that are not word from its crew: the server's own, the desk's.
NOT_WORD = (EventSource.SERVER, EventSource.DESK)

# The board's notification (and alert) kind.
SAFETY_CHECK = "unit.safety_check"
# ...and its name where people read that it fired (the board, the worker's log).
SAFETY_CHECK_LABEL = _("Check on the unit: no word on scene")
SAFETY_CHECKED = "unit.safety_checked"


def _silences(now: dt.datetime) -> list[dict[str, Any]]:
    """The units on scene with when word last came from each (one query, after a probe)."""
    on_scene = Assignment.objects.filter(status=AssignmentStatus.ON_SCENE, on_scene_at__lte=now)
    # Often no unit is on scene at all: a plain probe of the index costs an eighth of building
    # and compiling the query with its subqueries (SQLite, measured).
    if not on_scene.exists():
        return []
    last_word = (
        Event.objects.filter(assignment_id=OuterRef("pk"))
        .exclude(source__in=NOT_WORD)
        .order_by("-server_received_at")
        .values("server_received_at")[:1]
    )
    last_check = (
        SafetyCheck.objects.filter(assignment_id=OuterRef("pk"), checked_at__isnull=False)
        .order_by("-checked_at")
        .values("checked_at")[:1]
    )
    return list(
        on_scene.exclude(unit__status=UnitStatus.SOS)
        .annotate(last_word_at=Subquery(last_word), last_check_at=Subquery(last_check))
        .order_by("pk")
        .values(
            "pk",
            "unit_id",
            "on_scene_at",
            "last_word_at",
            "last_check_at",
            "incident_id",
            callsign=F("unit__callsign"),
            number=F("incident__number"),
            priority=F("incident__priority"),
            category=F("incident__category"),
            district_id=F("incident__district_id"),
        )
    )


def _silence_due(row: dict[str, Any]) -> tuple[dt.datetime, int, dt.datetime]:
    """A unit on scene (a row of :func:`_silences`): since when it has been silent, its
    call's interval and when the silence falls due for a check."""
    since = max(t for t in (row["on_scene_at"], row["last_word_at"], row["last_check_at"]) if t)
    within_s = policies.safety_check_within_s(row["priority"])
    return since, within_s, since + dt.timedelta(seconds=within_s)


def safety_next_due(now: dt.datetime) -> dt.datetime | None:
    """When :func:`safety_sweep` next has something to do, as of ``now``: the earliest
    silence not yet checked on, or the first word of a crew whose check is still open (the
    sweep answers it by that word); None when neither. In the past when it is due already.

    Two or three small reads (the units on scene, the checks they had, the open checks); it
    changes only when something is written (a unit on scene, word from it, a check fired or
    answered), not as time passes."""
    silences = {row["pk"]: _silence_due(row)[2] for row in _silences(now)}
    checked: set[tuple[int, dt.datetime]] = set()
    if silences:
        checked = set(
            SafetyCheck.objects.filter(
                assignment_id__in=silences.keys(), due_at__in=set(silences.values())
            ).values_list("assignment_id", "due_at")
        )
    due = [at for pk, at in silences.items() if (pk, at) not in checked]
    due += [at for _pk, _word_id, at in _open_checks_heard(now)]
    return min(due, default=None)


def safety_sweep(*, now: dt.datetime | None = None) -> int:
    """Put on the board every unit on scene silent past its interval, once a silence; the
    number alerted. Checks the crew has answered by its own word since are closed first."""
    now = now or clock.now()
    fired = 0
    with uow.unit_of_work():
        _answered_by_word(now)
        for row in _silences(now):
            since, within_s, due_at = _silence_due(row)
            if due_at > now:
                continue
            check, created = SafetyCheck.objects.get_or_create(
                assignment_id=row["pk"],
                due_at=due_at,
                defaults={
                    "fired_at": now,
                    "details": {"silent_since_at": clock.to_ms(since), "within_s": within_s},
                },
            )
            if not created:
                continue
            fired += 1
            # The crew's phones show the check (the assignment's ``safety_check_at``) with an
            # "I'm OK" a tap answers: a radio call in the field is often missed.
            uow.touch(SyncTable.ASSIGNMENTS, row["pk"])
            board_notify(
                SAFETY_CHECK,
                incident=_Call(
                    row["incident_id"],
                    row["number"],
                    row["priority"],
                    row["category"],
                    row["district_id"],
                ),
                chief=False,
                safety_check_id=check.pk,
                assignment_id=row["pk"],
                unit_id=row["unit_id"],
                callsign=row["callsign"],
                on_scene_at=clock.to_ms(row["on_scene_at"]),
                silent_since=clock.to_ms(since),
                silent_s=int((now - since).total_seconds()),
            )
            uow.audit(
                AuditAction.UNIT_SAFETY_CHECK,
                actor=None,
                object_type=Assignment.audit_object_type,
                object_id=row["pk"],
                district_id=row["district_id"],
                data={
                    "unit_id": row["unit_id"],
                    "silent_since_at": clock.to_ms(since),
                    "within_s": within_s,
                    "due_at": clock.to_ms(due_at),
                },
            )
    return fired


# How long an open check waits for its crew's word; past it only the desk answers it (a
# crew gone from the scene without a word, stood down by the server, is not checked on).
WORD_ANSWERS_WITHIN = dt.timedelta(days=1)


def _open_checks_heard(now: dt.datetime) -> list[tuple[int, int, dt.datetime]]:
    """The open checks whose crew has been heard from since each fired: (check, the first
    such word, when the server received it). One query."""
    first_word = (
        Event.objects.filter(
            assignment_id=OuterRef("assignment_id"), server_received_at__gt=OuterRef("fired_at")
        )
        .exclude(source__in=NOT_WORD)
        .order_by("server_received_at", "pk")
    )
    open_checks = SafetyCheck.objects.filter(
        checked_at__isnull=True, fired_at__gt=now - WORD_ANSWERS_WITHIN
    )
    # Most of the time no check is open: a plain probe of its index costs a fifth of building
    # and compiling the query with its subqueries (SQLite, measured).
    if not open_checks.exists():
        return []
    return list(
        open_checks.annotate(
            word_id_now=Subquery(first_word.values("pk")[:1]),
            word_at=Subquery(first_word.values("server_received_at")[:1]),
        )
        .filter(word_id_now__isnull=False)
        .values_list("pk", "word_id_now", "word_at")
    )


def _answered_by_word(now: dt.datetime) -> int:
    """Close each open check whose crew has been heard from on its assignment since the check
    fired, with the first such word; the number closed. Inside the sweep's unit of work."""
    closed = 0
    for check_id, event_id, _at in _open_checks_heard(now):
        check = lock_one(SafetyCheck, check_id)
        if check is None or check.checked_at is not None:
            continue  # the desk, or another sweep, answered it meanwhile
        word = Event.objects.get(pk=event_id)
        check.checked_at, check.word = word.server_received_at, word
        check.save(update_fields=["checked_at", "word"])
        uow.touch(SyncTable.ASSIGNMENTS, check.assignment_id)  # the phones' alert goes
        assignment = Assignment.objects.select_related("incident", "unit").get(
            pk=check.assignment_id
        )
        uow.audit(
            AuditAction.UNIT_SAFETY_CHECKED,
            actor=None,
            obj=assignment,
            data={
                "unit_id": assignment.unit_id,
                "safety_check_id": check.pk,
                "event_id": word.pk,
                "kind": word.kind,
            },
        )
        board_notify(
            SAFETY_CHECKED,
            incident=assignment.incident,
            chief=False,
            safety_check_id=check.pk,
            unit_id=assignment.unit_id,
            callsign=assignment.unit.callsign,
            by_crew=True,
            word_kind=word.kind,
            checked_at=clock.to_ms(word.server_received_at),
        )
        closed += 1
    return closed


@dataclass(frozen=True, slots=True)
class _Call:
    """The incident fields a board notification reads, from a swept row."""

    pk: int
    number: str
    priority: str
    category: str
    district_id: int


@dataclass(frozen=True, slots=True)
class SafetyCheckAnswer:
    """What the desk's "Officer OK" came to: the check as it stands, and whether it had been
    answered before this press (by another duty officer, by the crew's own word, or by an
    earlier press whose answer was lost) — then nothing was written."""

    check: SafetyCheck
    already_answered: bool


def safety_check_answer(
    *, check_id: int, by: Any, alert_id: int | None = None, now: dt.datetime | None = None
) -> SafetyCheckAnswer:
    """A duty officer raised the unit (by radio, phone) and the officer is fine: recorded on
    the check, audited, told to the boards; the next interval counts from now.

    A check already answered is not refused: the officer is confirmed OK either way, so a
    retry or a second desk's press at the same moment is done, not a failure. It is returned
    as it was answered (``checked_at``, ``checked_by`` or ``word``) with ``already_answered``,
    and nothing is written — no second audit entry, no second notice to the boards. Decided
    under the check's row lock, as the sweep and the boards' "Officer OK" decide it."""
    now = now or clock.now()
    with uow.unit_of_work():
        check = lock_one(SafetyCheck, check_id)
        if check is None:
            raise NotFound("No such check.")
        assignment = Assignment.objects.select_related("incident", "unit").get(
            pk=check.assignment_id
        )
        check_scope(by, assignment.incident.district_id)
        if check.checked_at is not None:
            answered = SafetyCheck.objects.select_related("checked_by", "word").get(pk=check.pk)
            answered.assignment = assignment
            return SafetyCheckAnswer(answered, already_answered=True)
        check.checked_at, check.checked_by = now, by
        check.save(update_fields=["checked_at", "checked_by"])
        check.assignment = assignment
        uow.touch(SyncTable.ASSIGNMENTS, assignment.pk)  # the phones' alert goes
        uow.audit(
            AuditAction.UNIT_SAFETY_CHECKED,
            actor=by,
            obj=assignment,
            data={"unit_id": assignment.unit_id, "safety_check_id": check.pk},
        )
        board_notify(
            SAFETY_CHECKED,
            incident=assignment.incident,
            chief=False,
            safety_check_id=check.pk,
            safety_alert_id=alert_id,
            unit_id=assignment.unit_id,
            callsign=assignment.unit.callsign,
            actor=actor_label(by),
            checked_at=clock.to_ms(now),
        )
    return SafetyCheckAnswer(check, already_answered=False)


def safety_check_record(
    *, check_id: int, by: Any, alert_id: int | None = None, now: dt.datetime | None = None
) -> SafetyCheck:
    """:func:`safety_check_answer` for a caller that must know it was this press that
    answered the check: one already answered is ``409 already_checked`` (the boards' alert
    action answers its alert only when it did)."""
    answer = safety_check_answer(check_id=check_id, by=by, alert_id=alert_id, now=now)
    if answer.already_answered:
        raise Conflict("This check is already recorded.", code="already_checked")
    return answer.check
