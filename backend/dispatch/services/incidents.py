"""Incidents: creation (shared by the staff API and intake), closing, reopening."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from backend.common import clock
from backend.common.errors import Conflict, Forbidden, ValidationFailed
from backend.geo import travel
from backend.geo.models import Settlement
from backend.ledger import uow
from backend.ledger.actions import AuditAction
from backend.ledger.models import INTEGRATION_LABEL_PREFIX, ActorKind
from backend.ledger.names import SyncTable
from backend.people.access import district_scope
from backend.people.models import Unit, UnitType

from .. import lifecycle, policies, selectors, sms_texts
from ..access import check_scope
from ..ladder import arrival_due
from ..lifecycle import (
    ASSIGNMENT_OPEN,
    CLOSED_WITH_THE_CALL,
    AssignmentStatus,
    EventKind,
    IncidentStatus,
)
from ..models import (
    Assignment,
    Category,
    Channel,
    Disposition,
    Event,
    FollowUpTask,
    Incident,
    IntakeKey,
    LocationSource,
    OutcomeCode,
    Priority,
    RiskSubject,
)
from . import outbox, risk
from .facts import outcome_article_clean
from .locks import lock_one, lock_rows
from .schedule import ladder_reschedule
from .texts import text_storable_check
from .timeline import actor_label, board_notify, server_event
from .units import unit_release_if_idle

# A report may be stamped a little ahead of the server clock (the sender's clock); more is
# an error in the sender.


@dataclass(frozen=True)
class IncidentInput:
    """What a report says, from any channel. Location: a settlement and/or coordinates."""

    category: str
    received_at: dt.datetime
    description: str = ""
    summary: str = ""
    priority: str | None = None
    settlement_kato: str | None = None
    settlement_id: int | None = None
    lat: float | None = None
    lon: float | None = None
    landmark: str = ""
    caller_name: str = ""
    caller_phone: str = ""
    media_links: list[str] = field(default_factory=list)
    # A training call (``Incident.exercise``): the desk's own say; an intake key's is the key's.
    exercise: bool = False

    def fingerprint(self) -> str:
        """SHA-256 of the normalised content: a replay with other content is a 409."""
        material = uow.canonical_json(
            {
                "category": self.category,
                "received_at": clock.to_ms(self.received_at),
                "description": self.description,
                "summary": self.summary,
                "priority": self.priority,
                "settlement_kato": self.settlement_kato,
                "settlement_id": self.settlement_id,
                "lat": self.lat,
                "lon": self.lon,
                "landmark": self.landmark,
                "caller_name": self.caller_name,
                "caller_phone": self.caller_phone,
                "media_links": list(self.media_links),
            }
        )
        return hashlib.sha256(material.encode()).hexdigest()


class AlreadyExists(Exception):
    """The external_ref was taken by a concurrent request: a partner's (sent with any of its
    intake keys), or the server's own (no key) of the channel."""


def _resolve_location(data: IncidentInput) -> tuple[Settlement, str]:
    """The settlement (hence district and zone) of a report and the location source.

    Coordinates are believed only inside the service area: farther than
    ``KUZET_SERVICE_AREA_KM`` from every known settlement they are refused
    (``outside_service_area``: Almaty's coordinates had been filed in the Ayagoz village
    nearest to them, hundreds of kilometres away). Given with a settlement, they must lie
    within that distance of it, or the report is refused (``location_mismatch``) rather than
    one of the two trusted silently; a settlement whose position is only estimated
    (``coords_estimated``, placed by the seed around its district seat) cannot be held to
    that and is not compared.
    """
    limit_km = policies.service_area_km()
    nearest = None
    if data.lat is not None and data.lon is not None:
        nearest = selectors.settlement_nearest(lat=data.lat, lon=data.lon)
        if nearest is None or nearest[1] > limit_km:
            raise ValidationFailed(
                f"The point is outside the service area: farther than {limit_km:g} km from "
                "every known settlement.",
                code="outside_service_area",
                nearest_km=None if nearest is None else round(nearest[1], 1),
                limit_km=limit_km,
            )
    if data.settlement_id is not None or data.settlement_kato:
        qs = Settlement.objects.select_related("district")
        settlement = (
            qs.filter(pk=data.settlement_id).first()
            if data.settlement_id is not None
            else qs.filter(kato=data.settlement_kato).first()
        )
        if settlement is None:
            raise ValidationFailed(
                "No settlement with this KATO code or id.", code="unknown_settlement"
            )
        if data.lat is None or data.lon is None:
            return settlement, LocationSource.SETTLEMENT
        if (
            settlement.lat is not None
            and settlement.lon is not None
            and not settlement.coords_estimated
        ):
            km = travel.haversine_km(data.lat, data.lon, settlement.lat, settlement.lon)
            if km > limit_km:
                raise ValidationFailed(
                    f"The point is {km:.0f} km from {settlement.name} ({settlement.kato}), "
                    f"more than {limit_km:g} km: send the place of the event once, as "
                    "settlement_kato or as lat and lon.",
                    code="location_mismatch",
                    distance_km=round(km, 1),
                    limit_km=limit_km,
                )
        return settlement, LocationSource.CALLER_GPS
    if nearest is None:
        raise ValidationFailed("Give settlement_kato or lat and lon.", code="location_required")
    return nearest[0], LocationSource.CALLER_GPS


def _summary(data: IncidentInput, settlement: Settlement) -> str:
    if data.summary.strip():
        return data.summary.strip()[:200]
    first_line = data.description.strip().splitlines()[0] if data.description.strip() else ""
    label = Category(data.category).label
    return (first_line or f"{label}: {data.landmark or settlement.name}")[:200]


def incident_new(
    *,
    channel: str,
    data: IncidentInput,
    by: Any = None,
    intake_key: IntakeKey | None = None,
    external_ref: str | None = None,
    location_source: str | None = None,
    now: dt.datetime | None = None,
) -> Incident:
    """Create an incident inside the caller's unit of work (see :func:`incident_create`).

    Raises :class:`AlreadyExists` when ``external_ref`` was taken concurrently; nothing is
    buffered before that point, so the caller can roll back and read the winner.
    """
    now = now or clock.now()
    # A report's time comes from someone else's clock; outside the window it is refused, not
    # stored as fact (year 0001 from an integration distorted every waiting-time figure).
    ahead = dt.timedelta(seconds=settings.KUZET_TIME_AHEAD_SECONDS)
    past = dt.timedelta(days=settings.KUZET_TIME_PAST_DAYS)
    if data.received_at > now + ahead:
        raise ValidationFailed("received_at is in the future.", code="received_at_in_future")
    if data.received_at < now - past:
        raise ValidationFailed(
            f"received_at is more than {past.days} days before the server's clock.",
            code="received_at_too_old",
        )
    settlement, source = _resolve_location(data)
    district_id = settlement.district_id
    # Set here, once: no service changes it after (an exercise never slips into the figures).
    exercise = data.exercise or (intake_key is not None and intake_key.exercise)
    if by is not None and not district_scope(by).allows(district_id):
        raise Forbidden("This place is outside your districts.", code="out_of_scope")
    priority = (
        policies.enforce_floor(category=data.category, priority=data.priority)
        if data.priority
        else policies.default_priority(channel=channel, category=data.category)
    )
    original = (
        None
        if data.category in policies.NEVER_A_REPEAT
        else selectors.incident_probable_original(
            district_id=district_id,
            category=data.category,
            received_at=data.received_at,
            lat=data.lat,
            lon=data.lon,
            settlement_id=settlement.pk,
            exercise=exercise,
        )
    )
    subjects: list[RiskSubject] = []
    flags: list[dict[str, Any]] = []
    if data.category == Category.DOMESTIC_VIOLENCE:
        subjects = selectors.risk_subjects_for(
            district_id=district_id,
            settlement_id=settlement.pk,
            caller_phone=data.caller_phone,
            landmark=data.landmark,
        )
        flags = selectors.risk_flags(subjects, today=timezone.localdate(now))

    incident = Incident(
        channel=channel,
        external_ref=external_ref,
        intake_key=intake_key,
        intake_partner_id=intake_key.partner_id if intake_key is not None else None,
        intake_fingerprint=data.fingerprint() if external_ref else "",
        category=data.category,
        priority=priority,
        # One status for "waiting for a unit", whoever entered it (lifecycle.INCIDENT_NEW).
        status=IncidentStatus.DUPLICATE if original else lifecycle.INCIDENT_NEW,
        duplicate_of=original,
        district_id=district_id,
        settlement=settlement,
        lat=data.lat,
        lon=data.lon,
        location_source=location_source or source,
        landmark=data.landmark[:255],
        summary=_summary(data, settlement),
        description=data.description,
        caller_name=data.caller_name[:150],
        caller_phone=data.caller_phone[:20],
        media_links=list(data.media_links),
        risk_flags=flags,
        notify_citizen=policies.notify_citizen_default(channel),
        received_at=data.received_at,
        created_at=now,
        created_by=by,
        exercise=exercise,
    )
    try:
        with transaction.atomic():
            incident.save()
    except IntegrityError:
        # A partner's reference is unique per partner (its keys'), the server's own per channel.
        taken = (
            Incident.objects.filter(
                intake_partner_id=intake_key.partner_id, external_ref=external_ref
            )
            if intake_key is not None
            else Incident.objects.filter(
                channel=channel, intake_key__isnull=True, external_ref=external_ref
            )
        )
        if external_ref and taken.exists():
            raise AlreadyExists from None
        raise
    incident.assign_number()

    follow_up = None
    if incident.is_dv and original is None:
        subjects = risk.dv_call_count(incident, subjects=subjects)
        follow_up = _dv_follow_up(incident, settlement=settlement)
    if original is not None and lifecycle.more_urgent(priority, original.priority):
        incident.original_raised_from = _original_raised(original, repeat=incident, by=by, now=now)

    actor_kind, actor_label = None, ""
    if by is None and intake_key is not None:
        actor_kind, actor_label = ActorKind.INTEGRATION, INTEGRATION_LABEL_PREFIX + intake_key.name
    uow.audit(
        AuditAction.INCIDENT_CREATED,
        actor=by,
        actor_kind=actor_kind,
        actor_label=actor_label,
        obj=incident,
        data={
            "number": incident.number,
            "channel": channel,
            "external_ref": external_ref,
            "category": incident.category,
            "priority": priority,
            "duplicate_of": original.pk if original else None,
            "risk_subjects": [s.pk for s in subjects],
            "follow_up_id": follow_up.pk if follow_up else None,
            # Only on an exercise: a real call's entry reads as it always did.
            **({"exercise": True} if exercise else {}),
        },
    )
    uow.touch(SyncTable.INCIDENTS, incident.pk)
    board_notify(
        "incident.duplicate" if original else "incident.created",
        incident=incident,
        channel=channel,
        status=incident.status,
        duplicate_of=original.pk if original else None,
        duplicate_of_number=original.number if original else None,
        settlement_id=settlement.pk,
        risk=bool(flags),
    )
    return incident


def _dv_follow_up(incident: Incident, *, settlement: Settlement) -> FollowUpTask:
    """A follow-up visit by the okrug's district inspector — or, where the okrug has none
    (a town, an okrug not staffed), by the district's DV inspector: a visit nobody owes is
    never made (the demo's history left three in four so)."""
    candidates = Unit.objects.filter(district_id=incident.district_id, active=True)
    inspector = (
        candidates.filter(okrug_id=settlement.okrug_id, type=UnitType.DISTRICT_INSPECTOR)
        .order_by("pk")
        .first()
        if settlement.okrug_id is not None
        else None
    ) or candidates.filter(type=UnitType.DV_INSPECTOR).order_by("pk").first()
    task = FollowUpTask.objects.create(
        incident=incident,
        district_id=incident.district_id,
        unit=inspector,
        due_at=incident.received_at + policies.DV_FOLLOW_UP_AFTER,
    )
    uow.touch(SyncTable.FOLLOW_UPS, task.pk)
    uow.audit(
        AuditAction.FOLLOWUP_CREATED,
        obj=task,
        data={"incident_id": incident.pk, "unit_id": inspector.pk if inspector else None},
    )
    return task


def incident_create(
    *,
    by: Any,
    data: IncidentInput,
    channel: str = Channel.PHONE_102,
    now: dt.datetime | None = None,
) -> Incident:
    """A duty officer or chief enters a report (the 102 line, a walk-in, a patrol's own)."""
    with uow.unit_of_work():
        return incident_new(
            channel=channel,
            data=data,
            by=by,
            location_source=LocationSource.OPERATOR if data.lat is not None else None,
            now=now,
        )


@dataclass(frozen=True)
class CallEnded:
    """What closing or cancelling a call did: the call as it now stands, and the open
    assignments the command ended — ``cleared`` (their crew had handled the call:
    :func:`close_clears`; closing only) and ``cancelled`` (stood down), each with its unit,
    in primary-key order.

    They are read under the call's lock, in the command's own transaction: exactly the
    assignments it changed. A crew's own "cleared" a moment before (its phone locks the call
    first, ``locks``) is not among them; a list read before the command was (the call page's
    notice named a crew already gone as taken off the call)."""

    incident: Incident
    cleared: tuple[Assignment, ...] = ()
    cancelled: tuple[Assignment, ...] = ()

    def ids(self) -> dict[str, Any]:
        """The ended assignments' ids, as the audit entry and the boards' message carry them."""
        return {
            "cleared": [a.pk for a in self.cleared],
            "cancelled": [a.pk for a in self.cancelled],
        }


def close_clears(assignments: Iterable[Assignment]) -> set[int]:
    """The ids of the open ``assignments`` that closing their call clears, not stands down:
    their crew handled the call — it reached the scene (its milestone, or a status past it),
    or it recorded the call's outcome (from its phone, by SMS or through the desk on its
    behalf) though its "on scene" never reached the server: the tap lost with the phone's
    signal, or the officer said what was done and not when he got there. Cleared, it is
    still not on scene: no arrival time is made up for it (``on_scene_at`` stays empty, and
    the response-time KPIs with it). A note alone says no such thing ("stuck at the ford")."""
    reached: set[int] = set()
    not_yet: list[int] = []
    for a in assignments:
        if lifecycle.assignment_reached_scene(a.status, a.on_scene_at):
            reached.add(a.pk)
        else:
            not_yet.append(a.pk)
    if not not_yet:
        return reached
    outcome_recorded = Event.objects.filter(
        assignment_id__in=not_yet, kind=EventKind.OUTCOME, disposition=Disposition.RECORDED
    ).values_list("assignment_id", flat=True)
    return reached | set(outcome_recorded)


def _end_open_work(
    inc: Incident, *, by: Any, now: dt.datetime, reason: str, clear_reached: bool
) -> CallEnded:
    """End the open assignments of a locked incident; their units are released.

    With ``clear_reached`` (closing) an assignment whose crew handled the call
    (:func:`close_clears`) is cleared, the others are cancelled; without it (cancelling the
    incident) all are cancelled. Returns them (``CallEnded``, its ``incident`` the locked
    one, not saved yet).
    """
    open_ids = Assignment.objects.filter(incident=inc, status__in=ASSIGNMENT_OPEN).values_list(
        "pk", flat=True
    )
    assignments = lock_rows(Assignment, open_ids)
    units = lock_rows(Unit, {a.unit_id for a in assignments.values()})
    handled = close_clears(assignments.values()) if clear_reached else set()
    cleared: list[Assignment] = []
    cancelled: list[Assignment] = []
    for a in assignments.values():
        a.incident = inc
        unit = a.unit = units[a.unit_id]
        fields = ["status", "closed_at", "next_escalation_at"]
        if a.pk in handled:
            event = server_event(
                kind=EventKind.CLEARED,
                incident=inc,
                assignment=a,
                unit=unit,
                actor=by,
                now=now,
                payload={"reason": reason},
            )
            a.status, a.cleared_at, a.cleared_event = AssignmentStatus.CLEARED, now, event
            fields += ["cleared_at", "cleared_event"]
            cleared.append(a)
        else:
            server_event(
                kind=EventKind.CANCELLED,
                incident=inc,
                assignment=a,
                unit=unit,
                actor=by,
                now=now,
                payload={"reason": reason},
            )
            a.status, a.cancelled_at, a.cancelled_by = AssignmentStatus.CANCELLED, now, by
            a.cancel_reason = reason[:200]
            fields += ["cancelled_at", "cancelled_by", "cancel_reason"]
            cancelled.append(a)
        a.closed_at, a.next_escalation_at = now, None
        a.save(update_fields=fields)
        uow.touch(SyncTable.ASSIGNMENTS, a.pk)
    for unit in units.values():
        unit_release_if_idle(unit, now=now)
    return CallEnded(incident=inc, cleared=tuple(cleared), cancelled=tuple(cancelled))


def _lock_open_incident(incident: Incident, by: Any) -> Incident:
    inc = lock_one(Incident, incident.pk)
    if inc is None:
        raise Conflict("The incident is gone.", code="not_found")
    check_scope(by, inc.district_id)
    if inc.status in lifecycle.INCIDENT_COMMANDED_OVER:
        raise Conflict(f"The incident is already {inc.status}.", code="incident_closed")
    return inc


def _tell_citizen_the_outcome(
    inc: Incident, *, now: dt.datetime, outcome_code: str | None = None
) -> bool:
    """Where the channel says the citizen is told the outcome and they left a phone, text
    them the measure taken (``outcome_code``, the call's own by default; the outbox sends
    it after commit) and record when. Returns whether they were."""
    if not (inc.notify_citizen and inc.caller_phone) or inc.citizen_notified_at is not None:
        return False
    outbox.sms_queue(
        [
            outbox.sms_build(
                phone=inc.caller_phone,
                body=sms_texts.citizen_outcome_text(
                    number=inc.number,
                    outcome_code=inc.outcome_code if outcome_code is None else outcome_code,
                    discreet=inc.is_dv,
                ),
                purpose="citizen_outcome",
                now=now,
            )
        ]
    )
    inc.citizen_notified_at = now
    inc.save(update_fields=["citizen_notified_at"])
    uow.audit(
        AuditAction.INCIDENT_CITIZEN_NOTIFIED, obj=inc, data={"via": "sms", "purpose": "outcome"}
    )
    return True


def _close_repeats(inc: Incident, *, by: Any, now: dt.datetime) -> list[int]:
    """The reports linked to a call as its repeats end with it: each is dated closed, with
    the call's disposition, and its own caller is told as the call's is (a citizen who
    reported the same fight through eGov is owed the outcome too). They stay duplicates —
    no unit was sent to them. Returns their ids."""
    repeats = list(
        Incident.objects.select_for_update()
        .filter(duplicate_of=inc, status=IncidentStatus.DUPLICATE, closed_at__isnull=True)
        .order_by("pk")
    )
    for repeat in repeats:
        repeat.closed_at = max(now, repeat.received_at)
        repeat.closed_by = by
        repeat.disposition = inc.disposition
        repeat.save(update_fields=["closed_at", "closed_by", "disposition"])
        _tell_citizen_the_outcome(repeat, now=now, outcome_code=inc.outcome_code)
        uow.touch(SyncTable.INCIDENTS, repeat.pk)
    return [r.pk for r in repeats]


def incident_close(
    *,
    incident: Incident,
    by: Any,
    disposition: str,
    outcome_code: str = "",
    coao_article: str = "",
    now: dt.datetime | None = None,
) -> Incident:
    """Close an incident: :func:`incident_close_ended`, the closed incident alone."""
    return incident_close_ended(
        incident=incident,
        by=by,
        disposition=disposition,
        outcome_code=outcome_code,
        coao_article=coao_article,
        now=now,
    ).incident


def incident_close_ended(
    *,
    incident: Incident,
    by: Any,
    disposition: str,
    outcome_code: str = "",
    coao_article: str = "",
    now: dt.datetime | None = None,
) -> CallEnded:
    """Close an incident with a disposition, and optionally the outcome (``outcome_code``) and
    the CoAO article its protocol was drawn up under (``coao_article``; it needs an outcome,
    and an outcome given replaces the incident's article, none given clearing it).

    Open assignments end with it: one whose crew handled the call (reached the scene or
    recorded the outcome: :func:`close_clears`) is cleared, the others are cancelled; their
    units become available when they have nothing else open. Where the channel says the
    citizen is told the outcome (``notify_citizen``) and they left a phone, they are texted
    that the call is closed. Returns the closed incident and the assignments it ended
    (:class:`CallEnded`).
    """
    disposition = (disposition or "").strip()
    if not disposition:
        raise ValidationFailed(
            "A disposition is required to close an incident.", code="disposition_required"
        )
    if outcome_code and outcome_code not in OutcomeCode.values:
        raise ValidationFailed("Unknown outcome code.", code="invalid_outcome_code")
    coao_article = outcome_article_clean(coao_article)
    if coao_article and not outcome_code:
        raise ValidationFailed(
            "Choose the outcome the article of the CoAO goes with.", code="article_without_outcome"
        )
    now = now or clock.now()
    with uow.unit_of_work():
        inc = _lock_open_incident(incident, by)
        ended = _end_open_work(inc, by=by, now=now, reason=CLOSED_WITH_THE_CALL, clear_reached=True)
        inc.status = IncidentStatus.CLOSED
        inc.closed_at = max(now, inc.received_at)
        inc.closed_by = by
        inc.disposition = disposition[:200]
        update = ["status", "closed_at", "closed_by", "disposition"]
        order_issued = outcome_code == OutcomeCode.PROTECTIVE_ORDER != inc.outcome_code
        if outcome_code:
            # The outcome wins whole, as a device's does (facts._decide_outcome).
            inc.outcome_code, inc.outcome_article = outcome_code, coao_article
            update += ["outcome_code", "outcome_article"]
        inc.save(update_fields=update)
        if order_issued:
            risk.protective_order_record(inc, issued_at=now, actor=by)
        server_event(
            kind=EventKind.CLOSED,
            incident=inc,
            actor=by,
            now=now,
            payload={
                "disposition": inc.disposition,
                "outcome_code": outcome_code,
                "coao_article": coao_article,
            },
        )
        citizen_told = _tell_citizen_the_outcome(inc, now=now)
        repeats = _close_repeats(inc, by=by, now=now)
        uow.audit(
            AuditAction.INCIDENT_CLOSED,
            actor=by,
            obj=inc,
            data={
                "disposition": inc.disposition,
                "outcome_code": outcome_code,
                "coao_article": coao_article,
                "citizen_told": citizen_told,
                **({"repeats_closed": repeats} if repeats else {}),
                **ended.ids(),
            },
        )
        uow.touch(SyncTable.INCIDENTS, inc.pk)
        board_notify("incident.closed", incident=inc, actor=actor_label(by), **ended.ids())
    return ended


def incident_cancel(
    *, incident: Incident, by: Any, reason: str, now: dt.datetime | None = None
) -> Incident:
    """Cancel an incident: :func:`incident_cancel_ended`, the cancelled incident alone."""
    return incident_cancel_ended(incident=incident, by=by, reason=reason, now=now).incident


def incident_cancel_ended(
    *, incident: Incident, by: Any, reason: str, now: dt.datetime | None = None
) -> CallEnded:
    """Cancel an incident that needs no police (a false call, the caller withdrew, handed to
    another service): every open assignment is cancelled and its unit released. Unlike
    closing, nobody is cleared: the call is void. A later fact from a unit is ``after_close``.
    Returns the cancelled incident and the assignments it stood down (:class:`CallEnded`).
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            "A reason is required to cancel an incident.", code="reason_required"
        )
    text_storable_check("reason", reason)
    now = now or clock.now()
    with uow.unit_of_work():
        inc = _lock_open_incident(incident, by)
        if inc.status == IncidentStatus.DUPLICATE:
            raise Conflict(
                "A duplicate is closed with its original, not cancelled.",
                code="incident_duplicate",
            )
        ended = _end_open_work(
            inc, by=by, now=now, reason=f"incident cancelled: {reason}", clear_reached=False
        )
        inc.status = IncidentStatus.CANCELLED
        inc.closed_at = max(now, inc.received_at)
        inc.closed_by = by
        inc.disposition = reason[:200]
        inc.save(update_fields=["status", "closed_at", "closed_by", "disposition"])
        server_event(
            kind=EventKind.CANCELLED, incident=inc, actor=by, now=now, payload={"reason": reason}
        )
        uow.audit(
            AuditAction.INCIDENT_CANCELLED,
            actor=by,
            obj=inc,
            data={"reason": reason, **ended.ids()},
        )
        uow.touch(SyncTable.INCIDENTS, inc.pk)
        board_notify("incident.cancelled", incident=inc, actor=actor_label(by), **ended.ids())
    return ended


def incident_reclassify(
    *,
    incident: Incident,
    by: Any,
    reason: str,
    priority: str = "",
    category: str = "",
    now: dt.datetime | None = None,
) -> Incident:
    """Change an open call's priority, its category, or both: what the caller said turned
    out other than the channel's or the partner's first guess — an eGov "noise" report that
    is a fight, a "disorder" that is a husband beating his wife, a P0 from an app that is a
    parked car.

    The open assignments' deadlines follow a new priority (from the policy of the district
    and zone: the acknowledgement from the dispatch while not acknowledged, the arrival from
    the call while nobody is there) and their ladders are rescheduled; the waiting-call rung
    reads the priority when it sweeps. A call that becomes domestic violence is at least P1
    (raised to P1 unless a priority is given, refused below it: DOMAIN.md), shows its risk
    flags to the responding unit, counts for its risk subjects and owes its follow-up visit,
    as a DV call entered so would have. Audited with the reason; boards and phones told."""
    reason = (reason or "").strip()
    if priority and priority not in Priority.values:
        raise ValidationFailed("Choose a priority from P0 to P3.", code="invalid_priority")
    if category and category not in Category.values:
        raise ValidationFailed("Choose a category.", code="invalid_category")
    if not reason:
        raise ValidationFailed(
            "A reason is required to change the category or the priority.",
            code="reason_required",
        )
    now = now or clock.now()
    with uow.unit_of_work():
        inc = _lock_open_incident(incident, by)
        if inc.status == IncidentStatus.DUPLICATE:
            raise Conflict(
                "A repeat has the category and priority of its original.",
                code="incident_duplicate",
            )
        new_category = category or inc.category
        new_priority = priority or policies.enforce_floor(
            category=new_category, priority=inc.priority
        )
        if policies.enforce_floor(category=new_category, priority=new_priority) != new_priority:
            raise Conflict("A domestic-violence call is at least P1.", code="dv_at_least_p1")
        if (new_category, new_priority) == (inc.category, inc.priority):
            raise Conflict("The call already has this category and priority.", code="unchanged")
        changed = {
            field: [old, new]
            for field, old, new in (
                ("category", inc.category, new_category),
                ("priority", inc.priority, new_priority),
            )
            if old != new
        }
        becomes_dv = new_category == Category.DOMESTIC_VIOLENCE and not inc.is_dv
        inc.category, inc.priority = new_category, new_priority
        subjects: list[RiskSubject] = []
        follow_up = None
        if becomes_dv:
            subjects = selectors.risk_subjects_for(
                district_id=inc.district_id,
                settlement_id=inc.settlement_id,
                caller_phone=inc.caller_phone,
                landmark=inc.landmark,
            )
            inc.risk_flags = selectors.risk_flags(subjects, today=timezone.localdate(now))
        inc.save(update_fields=["category", "priority", "risk_flags"])
        if becomes_dv:
            subjects = risk.dv_call_count(inc, subjects=subjects)
            if inc.settlement is not None and not inc.follow_ups.exists():
                follow_up = _dv_follow_up(inc, settlement=inc.settlement)
        if "priority" in changed:
            _deadlines_follow_the_priority(inc, now=now)
        uow.audit(
            AuditAction.INCIDENT_RECLASSIFIED,
            actor=by,
            obj=inc,
            data={
                **changed,
                "reason": reason[:200],
                **(
                    {
                        "risk_subjects": [s.pk for s in subjects],
                        "follow_up_id": follow_up.pk if follow_up else None,
                    }
                    if becomes_dv
                    else {}
                ),
            },
        )
        uow.touch(SyncTable.INCIDENTS, inc.pk)
        board_notify(
            "incident.reclassified",
            incident=inc,
            actor=actor_label(by),
            previous_priority=changed.get("priority", [inc.priority])[0],
            previous_category=changed.get("category", [inc.category])[0],
            reason=reason[:200],
            risk=bool(inc.risk_flags) if becomes_dv else False,
        )
    return inc


def _original_raised(
    original: Incident, *, repeat: Incident, by: Any, now: dt.datetime
) -> str | None:
    """A repeat report more urgent than the call it repeats ("he is beating her now", P0, on a
    P1 call with its unit on the way) raises that call: a repeat is nobody's work (no unit is
    sent for it), so the original's unit and ladder kept the lower priority's deadlines. The
    same change as the desk's (:func:`incident_reclassify`), with the repeat as its reason.
    Returns the original's priority before, None when it was not raised."""
    inc = lock_one(Incident, original.pk)
    if inc is None or not lifecycle.more_urgent(repeat.priority, inc.priority):
        return None
    before, inc.priority = inc.priority, repeat.priority
    inc.save(update_fields=["priority"])
    _deadlines_follow_the_priority(inc, now=now)
    uow.audit(
        AuditAction.INCIDENT_RECLASSIFIED,
        actor=by,
        obj=inc,
        data={"priority": [before, inc.priority], "repeat_call": repeat.number},
    )
    uow.touch(SyncTable.INCIDENTS, inc.pk)
    board_notify(
        "incident.reclassified",
        incident=inc,
        actor=actor_label(by),
        previous_priority=before,
        previous_category=inc.category,
        repeat_call=repeat.number,
        risk=False,
    )
    return before


def _deadlines_follow_the_priority(inc: Incident, *, now: dt.datetime) -> None:
    """The open assignments of ``inc`` (locked here) take the deadlines of its priority —
    those still to be met — and their ladders are rescheduled."""
    deadlines = policies.deadlines_for(
        district_id=inc.district_id, priority=inc.priority, zone=selectors.incident_zone(inc)
    )
    open_ids = Assignment.objects.filter(incident=inc, status__in=ASSIGNMENT_OPEN).values_list(
        "pk", flat=True
    )
    for a in lock_rows(Assignment, open_ids).values():
        fields = []
        if not lifecycle.assignment_acknowledged(a.status, a.acknowledged_at):
            a.ack_due_at = a.dispatched_at + dt.timedelta(seconds=deadlines.ack_within_s)
            fields.append("ack_due_at")
        if not lifecycle.assignment_reached_scene(a.status, a.on_scene_at):
            a.arrive_due_at = arrival_due(
                received_at=inc.received_at,
                reopened_at=inc.reopened_at,
                within_s=deadlines.arrive_within_s,
            )
            fields.append("arrive_due_at")
        if fields:
            a.save(update_fields=fields)
            uow.touch(SyncTable.ASSIGNMENTS, a.pk)
            ladder_reschedule(assignment_id=a.pk, now=now)


def incident_reopen(
    *, incident: Incident, by: Any, reason: str, now: dt.datetime | None = None
) -> Incident:
    """Reopen a closed or cancelled incident (a caller rings again, a cancellation was a
    mistake): it goes back to the queue for a new dispatch. Its disposition stays on the
    timeline and in the audit log; the new one is given when it is closed again."""
    if not (reason or "").strip():
        raise ValidationFailed(
            "A reason is required to reopen an incident.", code="reason_required"
        )
    now = now or clock.now()
    with uow.unit_of_work():
        inc = lock_one(Incident, incident.pk)
        if inc is None:
            raise Conflict("The incident is gone.", code="not_found")
        check_scope(by, inc.district_id)
        if inc.status not in lifecycle.INCIDENT_COMMANDED_OVER:
            raise Conflict(
                "Only a closed or cancelled incident can be reopened.",
                code="incident_not_closed",
            )
        was = inc.status
        inc.status = IncidentStatus.QUEUED
        inc.reopened_at = now
        inc.closed_at = None
        inc.closed_by = None
        inc.save(update_fields=["status", "reopened_at", "closed_at", "closed_by"])
        event = server_event(
            kind=EventKind.REOPENED,
            incident=inc,
            actor=by,
            now=now,
            payload={"reason": reason.strip(), "was": was},
        )
        uow.audit(
            AuditAction.INCIDENT_REOPENED,
            actor=by,
            obj=inc,
            data={"reason": reason.strip(), "was": was, "event_id": event.pk},
        )
        uow.touch(SyncTable.INCIDENTS, inc.pk)
        board_notify("incident.reopened", incident=inc, actor=actor_label(by))
    return inc


def incident_separate(*, incident: Incident, by: Any, reason: str) -> Incident:
    """A report linked as a repeat of an earlier call is a call of its own (another house in
    the same village, a new event at the same place): the link is undone and it waits for a
    unit of its own, its waiting counted from when it was received. A DV call then counts
    for its risk subjects and gets its follow-up visit, as a first report would have. The
    link stays on the timeline and in the audit log; the duty officer says what makes it a
    different event."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            "Say what makes this a different event from the call it was linked to.",
            code="reason_required",
        )
    with uow.unit_of_work():
        inc = lock_one(Incident, incident.pk)
        if inc is None:
            raise Conflict("The incident is gone.", code="not_found")
        check_scope(by, inc.district_id)
        if inc.status != IncidentStatus.DUPLICATE or inc.duplicate_of_id is None:
            raise Conflict(
                "Only a report linked as a duplicate can be made a call of its own.",
                code="incident_not_duplicate",
            )
        original = Incident.objects.only("id", "number").get(pk=inc.duplicate_of_id)
        inc.status = lifecycle.INCIDENT_NEW
        inc.duplicate_of = None
        # closed with the call it repeated: it is open again, waiting for its own unit
        inc.closed_at, inc.closed_by, inc.disposition = None, None, ""
        inc.save(update_fields=["status", "duplicate_of", "closed_at", "closed_by", "disposition"])
        subjects: list[RiskSubject] = []
        follow_up = None
        if inc.is_dv:
            subjects = risk.dv_call_count(
                inc,
                subjects=selectors.risk_subjects_for(
                    district_id=inc.district_id,
                    settlement_id=inc.settlement_id,
                    caller_phone=inc.caller_phone,
                    landmark=inc.landmark,
                ),
            )
            if inc.settlement is not None:  # every call has a place (incident_new)
                follow_up = _dv_follow_up(inc, settlement=inc.settlement)
        uow.audit(
            AuditAction.INCIDENT_SEPARATED,
            actor=by,
            obj=inc,
            data={
                "reason": reason[:200],
                "was_duplicate_of": original.pk,
                "risk_subjects": [s.pk for s in subjects],
                "follow_up_id": follow_up.pk if follow_up else None,
            },
        )
        uow.touch(SyncTable.INCIDENTS, inc.pk)
        board_notify(
            "incident.separated",
            incident=inc,
            actor=actor_label(by),
            status=inc.status,
            was_duplicate_of_number=original.number,
            risk=bool(inc.risk_flags),
        )
    return inc


def _original_by_number(number: str, *, district_id: int) -> Incident | None:
    """The call of ``district_id`` the duty officer named: by its whole number
    (``1036-2026-000042``) or by its last digits as said aloud (``42``, ``000042``)."""
    calls = Incident.objects.filter(district_id=district_id)
    found = calls.filter(number=number).first()
    if found is None and number.isdigit():
        found = calls.filter(pk=int(number)).first()
    return found


def incident_link(*, incident: Incident, by: Any, original_number: str, reason: str) -> Incident:
    """The inverse of :func:`incident_separate`: a report the automatic link missed (another
    caller about the same fight, from another phone, forty minutes later) is linked by the
    duty officer as a repeat of an earlier call of the same district, named by its number.
    It then follows that call as an automatic repeat does: nobody is sent to it, it is
    closed with it and its caller told the outcome; a more urgent report raises the call.

    Only a call still waiting for its first unit (no assignment ever) is linked. A call
    linked as a repeat is followed to the call it repeats; a closed or cancelled call is no
    original (a new report about a closed call is a new event, or that call is reopened).
    A domestic-violence call is refused: its report counted for its risk addresses (maybe
    registering one) and planned its follow-up visit, and undoing that by a click would take
    an address off the register that a victim's own report put there."""
    reason = (reason or "").strip()
    number = (original_number or "").strip()
    if not reason:
        raise ValidationFailed(
            "Say why this report is about the same event as the earlier call.",
            code="reason_required",
        )
    if not number:
        raise ValidationFailed("Give the number of the earlier call.", code="original_required")
    now = clock.now()
    with uow.unit_of_work():
        inc = lock_one(Incident, incident.pk)
        if inc is None:
            raise Conflict("The incident is gone.", code="not_found")
        check_scope(by, inc.district_id)
        if inc.status == IncidentStatus.DUPLICATE:
            raise Conflict(
                "This report is already linked as a repeat of another call.",
                code="incident_already_linked",
            )
        if inc.status in lifecycle.INCIDENT_COMMANDED_OVER:
            raise Conflict("The call is closed.", code="incident_closed")
        if inc.status not in lifecycle.INCIDENT_WAITING or inc.assignments.exists():
            raise Conflict(
                "A unit has been sent to this call: it is not linked as a repeat.",
                code="incident_unit_sent",
            )
        if inc.is_dv:
            raise Conflict(
                "A domestic-violence call is not linked by hand: its report counted for its "
                "risk addresses and planned its follow-up visit. Close it naming the earlier call.",
                code="incident_dv_not_linked",
            )
        found = _original_by_number(number, district_id=inc.district_id)
        # a repeat's original is the call it repeats (never itself a repeat: incident_new)
        if found is not None and found.status == IncidentStatus.DUPLICATE and found.duplicate_of_id:
            found = Incident.objects.get(pk=found.duplicate_of_id)
        if found is None:
            raise ValidationFailed(
                f"No call numbered {number} in this call's district.", code="original_not_found"
            )
        if found.pk == inc.pk:
            raise ValidationFailed("A call is not a repeat of itself.", code="original_is_itself")
        # both rows in pk order (locks.lock_rows), the original read again under its lock
        original = lock_rows(Incident, [inc.pk, found.pk])[found.pk]
        if original.status == IncidentStatus.CANCELLED:
            raise Conflict(
                "The earlier call was cancelled: a report about it is not linked to it.",
                code="original_cancelled",
            )
        if original.status == IncidentStatus.CLOSED:
            raise Conflict(
                "The earlier call is closed: a new report about it is a new event, "
                "or reopen that call.",
                code="original_closed",
            )
        if original.status == IncidentStatus.DUPLICATE:  # linked a moment ago by another desk
            raise Conflict(
                "The earlier call is itself linked as a repeat: link to its original.",
                code="original_is_repeat",
            )
        inc.status = IncidentStatus.DUPLICATE
        inc.duplicate_of = original
        inc.save(update_fields=["status", "duplicate_of"])
        if lifecycle.more_urgent(inc.priority, original.priority):
            # audited on the original, the repeat named as its reason (as at intake)
            _original_raised(original, repeat=inc, by=by, now=now)
        uow.audit(
            AuditAction.INCIDENT_LINKED,
            actor=by,
            obj=inc,
            data={"reason": reason[:200], "duplicate_of": original.pk},
        )
        uow.touch(SyncTable.INCIDENTS, inc.pk)
        board_notify(
            "incident.linked",
            incident=inc,
            actor=actor_label(by),
            status=inc.status,
            duplicate_of=original.pk,
            duplicate_of_number=original.number,
            risk=bool(inc.risk_flags),
        )
    return inc


# The external registries an incident may carry a number of (Kuzet is not their system of
# record): the field on the incident for each kind.
REGISTRY_FIELDS: dict[str, str] = {
    "kui": "registry_kui",
    "erdr": "registry_erdr",
    "erap": "registry_erap",
}
REGISTRY_MAX_LENGTH = 40


def incident_registry_set(
    *, incident: Incident, by: Any, numbers: dict[str, str], now: dt.datetime | None = None
) -> Incident:
    """Set the incident's registry numbers (КУИ, ЕРДР, ЕРАП): ``numbers`` maps a kind of
    :data:`REGISTRY_FIELDS` to its number ("" clears it); kinds not given stay as they are.

    Only what changes is written and audited, old and new value side by side; nothing
    changed, nothing audited. Allowed on a closed incident too: numbers come days later.
    """
    unknown = sorted(set(numbers) - set(REGISTRY_FIELDS))
    if unknown:
        raise ValidationFailed(f"Unknown registry: {', '.join(unknown)}.", code="invalid")
    clean = {kind: (value or "").strip() for kind, value in numbers.items()}
    for kind, value in clean.items():
        if len(value) > REGISTRY_MAX_LENGTH:
            raise ValidationFailed(
                f"The {kind.upper()} number is longer than {REGISTRY_MAX_LENGTH} characters.",
                code="registry_too_long",
                registry=kind,
            )
    now = now or clock.now()
    with uow.unit_of_work():
        inc = lock_one(Incident, incident.pk)
        if inc is None:
            raise Conflict("The incident is gone.", code="not_found")
        check_scope(by, inc.district_id)
        changes: dict[str, dict[str, str]] = {}
        for kind, value in sorted(clean.items()):
            field_name = REGISTRY_FIELDS[kind]
            old = getattr(inc, field_name)
            if old != value:
                changes[kind] = {"old": old, "new": value}
                setattr(inc, field_name, value)
        if not changes:
            return inc
        inc.save(update_fields=[REGISTRY_FIELDS[kind] for kind in changes])
        uow.audit(AuditAction.INCIDENT_REGISTRY_CHANGED, actor=by, obj=inc, data=changes)
        uow.touch(SyncTable.INCIDENTS, inc.pk)
        board_notify(
            "incident.registry_changed",
            incident=inc,
            actor=actor_label(by),
            registries=sorted(changes),
        )
    return inc


__all__ = [
    "AlreadyExists",
    "IncidentInput",
    "incident_cancel",
    "incident_close",
    "incident_create",
    "incident_new",
    "incident_registry_set",
    "incident_reopen",
]


def follow_up_visit_refusal(
    done_at: dt.datetime, *, received_at: dt.datetime, now: dt.datetime
) -> str | None:
    """Why a visit at ``done_at`` cannot be recorded for a call received at ``received_at``
    (``visit_in_future``, ``visit_before_call``), or None. The console's form asks the same."""
    if done_at > now + dt.timedelta(minutes=1):
        return "visit_in_future"
    if done_at < received_at:
        return "visit_before_call"
    return None


_VISIT_REFUSED = {
    "visit_in_future": "The visit cannot be in the future.",
    "visit_before_call": "The visit cannot be before the call.",
}


def follow_up_done(
    *, task: FollowUpTask, by: Any, note: str, done_at: dt.datetime | None = None
) -> FollowUpTask:
    """The district inspector's visit after a DV call was made (``done_at``, by default now),
    as the inspector reported it: the task is done and the risk subjects of the call have it
    as their last follow-up visit (the flags the next call shows). Recording the same visit
    again changes nothing; another visit over a done one is a conflict."""
    now = clock.now()
    done_at = done_at or now
    note = note.strip()
    with uow.unit_of_work():
        check_scope(by, task.district_id)
        task = lock_rows(FollowUpTask, [task.pk])[task.pk]
        if task.done_at is not None:
            if task.done_at == done_at and task.note == note:
                return task
            raise Conflict(
                "This follow-up visit is already recorded.", code="follow_up_already_done"
            )
        incident = task.incident
        refusal = follow_up_visit_refusal(done_at, received_at=incident.received_at, now=now)
        if refusal is not None:
            raise ValidationFailed(_VISIT_REFUSED[refusal], code=refusal)
        risk.follow_up_visit_made(task, incident, done_at=done_at, note=note, actor=by)
    return task
