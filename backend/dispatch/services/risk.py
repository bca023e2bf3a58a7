"""Domestic-violence risk subjects, kept by the calls themselves (DOMAIN.md: DV is a risk flag
on addresses and persons — an active protective order with its expiry, the count of prior DV
calls, the last follow-up visit).

A DV call at an address the district has not seen makes the address a subject; each later DV
call there (or from the same phone) counts one more; a protective order issued on a call (the
outcome ``protective_order``) is written to the call's subjects with its expiry. A chief may
still add or correct subjects by hand (admin); these rules only ever add facts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import F, Q
from django.utils import timezone

from backend.common import clock
from backend.ledger import uow
from backend.ledger.actions import AuditAction
from backend.ledger.names import SyncTable

from .. import policies, selectors
from ..models import FollowUpTask, Incident, RiskSubject
from .locks import lock_rows


def _new_subject(
    incident: Incident, *, prior_dv_calls: int, actor: Any = None, actor_kind: str | None = None
) -> RiskSubject:
    address = incident.landmark.strip()[:255]
    # A call that names no address leaves only the caller's phone: the subject is the person
    # behind it, not an address.
    kind = RiskSubject.Kind.ADDRESS if address else RiskSubject.Kind.PERSON
    subject = RiskSubject.objects.create(
        kind=kind,
        district_id=incident.district_id,
        settlement_id=incident.settlement_id,
        address=address,
        phone=incident.caller_phone,
        prior_dv_calls=prior_dv_calls,
    )
    uow.audit(
        AuditAction.RISK_SUBJECT_CREATED,
        actor=actor,
        actor_kind=actor_kind,
        obj=subject,
        data={"incident_id": incident.pk, "settlement_id": incident.settlement_id},
    )
    return subject


def _names_the_address(subjects: list[RiskSubject], incident: Incident) -> bool:
    key = RiskSubject.address_key_of(incident.landmark)
    return any(s.settlement_id == incident.settlement_id and s.address_key == key for s in subjects)


def dv_call_count(incident: Incident, *, subjects: list[RiskSubject]) -> list[RiskSubject]:
    """A new DV call (not a duplicate): the matched subjects count one call more, and an
    address named for the first time becomes a subject with this call as its first. Returns
    the call's subjects."""
    if subjects:
        locked = lock_rows(RiskSubject, [s.pk for s in subjects])
        RiskSubject.objects.filter(pk__in=list(locked)).update(
            prior_dv_calls=F("prior_dv_calls") + 1
        )
    if incident.landmark.strip() and not _names_the_address(subjects, incident):
        subjects = [*subjects, _new_subject(incident, prior_dv_calls=1)]
    return subjects


def protective_order_record(
    incident: Incident, *, issued_at: dt.datetime, actor: Any = None, actor_kind: str | None = None
) -> None:
    """A protective order was issued on ``incident`` (its shown outcome became
    ``protective_order``): its subjects carry the order until ``issued_at``'s date plus the
    law's term; an order already running longer is kept. Where the call names no known
    subject and has an address or a phone, one is made."""
    subjects = selectors.risk_subjects_for(
        district_id=incident.district_id,
        settlement_id=incident.settlement_id,
        caller_phone=incident.caller_phone,
        landmark=incident.landmark,
    )
    if not subjects:
        if not (incident.landmark.strip() or incident.caller_phone):
            return
        first = 1 if incident.is_dv else 0
        subjects = [
            _new_subject(incident, prior_dv_calls=first, actor=actor, actor_kind=actor_kind)
        ]
    until = timezone.localdate(issued_at) + policies.PROTECTIVE_ORDER_TERM
    ids = list(lock_rows(RiskSubject, [s.pk for s in subjects]))
    RiskSubject.objects.filter(
        Q(protective_order_until__isnull=True) | Q(protective_order_until__lt=until), pk__in=ids
    ).update(protective_order_until=until)
    uow.audit(
        AuditAction.RISK_PROTECTIVE_ORDER,
        actor=actor,
        actor_kind=actor_kind,
        obj=incident,
        data={"subjects": sorted(ids), "until": until.isoformat()},
    )


__all__ = ["dv_call_count", "protective_order_record"]


def follow_up_visit_record(incident: Incident, *, visited_at: dt.datetime) -> None:
    """A follow-up visit after ``incident`` was made: the call's subjects (its caller's
    phone, its address) have it as their last visit, unless a later one is known. The visit
    is made in the call's village: an address elsewhere that the caller's phone matches
    (the phone matches anywhere in the district) was not visited — a home at a winter camp
    of Мадениет showed a visit made in Тарбагатай; a person (a phone, no address) was."""
    subjects = selectors.risk_subjects_for(
        district_id=incident.district_id,
        settlement_id=incident.settlement_id,
        caller_phone=incident.caller_phone,
        landmark=incident.landmark,
    )
    visited = [
        s
        for s in subjects
        if s.settlement_id == incident.settlement_id or s.kind == RiskSubject.Kind.PERSON
    ]
    ids = list(lock_rows(RiskSubject, [s.pk for s in visited]))
    RiskSubject.objects.filter(
        Q(last_follow_up_at__isnull=True) | Q(last_follow_up_at__lt=visited_at), pk__in=ids
    ).update(last_follow_up_at=visited_at)


def follow_up_visit_made(
    task: FollowUpTask,
    incident: Incident,
    *,
    done_at: dt.datetime,
    note: str,
    actor: Any,
    actor_kind: str | None = None,
    event_id: str | None = None,
) -> None:
    """Write a visit onto its locked, owed ``task`` — the one writer for the staff API, the
    console and the inspector's phone (``event_id``: the device's fact): the task done, the
    call's risk subjects given their last visit (the flag the next call shows), audited as
    the visit (late by, what was found), and sent to the inspector's devices."""
    task.done_at, task.note = done_at, note
    task.save(update_fields=["done_at", "note"])
    follow_up_visit_record(incident, visited_at=done_at)
    data: dict[str, Any] = {
        "incident_id": incident.pk,
        "unit_id": task.unit_id,
        "visited_at": clock.to_ms(done_at),
        "note": note,
    }
    if done_at > task.due_at:
        data["late_ms"] = clock.to_ms(done_at) - clock.to_ms(task.due_at)
    if event_id is not None:
        data["event_id"] = event_id
    uow.audit(AuditAction.FOLLOWUP_DONE, actor=actor, actor_kind=actor_kind, obj=task, data=data)
    uow.touch(SyncTable.FOLLOW_UPS, task.pk)
