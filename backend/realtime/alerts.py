"""The boards' notification list: kept, read per user, and SOS acknowledged on the record.

Every ``board`` notification (``board_notify`` in the dispatch services, the presence sweep)
becomes a :class:`BoardAlert` row in the same transaction (:func:`alerts_record`), and its
frame carries the row's id, so a reload shows the same list. Who sees an alert is who gets
its frame (``fanout._alert_groups``): the duty officers of its district (an oblast ЦОУ's see
every district of the oblast) and, when the notification says ``chief``, the district's
chief. Read marks are per user. An SOS stays on the boards until a duty officer or chief
acknowledges it: :func:`sos_acknowledge` records who and when, audits it and tells every
board of the district. From the SOS the desk sends backup (:func:`sos_backup`: one P0 call
per SOS, kept on the alert) and, once the officer is safe, clears it (:func:`sos_clear`).

Unread is what came during the reader's shift, or still concerns a call in progress: an alert
from before he signed in whose call is over (or that had none) counts as read without a mark
(:func:`_before_the_shift`), unless it is an SOS nobody acknowledged. A duty officer starting
a shift met "100+ unread": every alert the desk had received in the days he was off, and in
the demo each of the history's. The open calls and the banners are what needs him now; the
list still shows the older alerts, as read.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import replace
from typing import Any

from django.conf import settings
from django.db.models import BooleanField, Case, Exists, OuterRef, Q, QuerySet, Value, When

from backend.common import clock
from backend.common.errors import Conflict, NotFound
from backend.dispatch import services
from backend.dispatch.access import require_dispatcher
from backend.dispatch.lifecycle import INCIDENT_ENDED, AssignmentStatus
from backend.dispatch.models import Incident, SafetyCheck
from backend.dispatch.services.locks import lock_one
from backend.ledger import uow
from backend.ledger.actions import AuditAction
from backend.ledger.names import Topic
from backend.ledger.uow import Notification
from backend.people.access import district_scope
from backend.people.models import Role, Unit

from .models import BoardAlert, BoardAlertRead

log = logging.getLogger(__name__)

# How long alerts are kept (the presence sweep prunes older ones) and how many a board lists.
ALERT_RETENTION = dt.timedelta(days=getattr(settings, "KUZET_BOARD_ALERT_DAYS", 7))
ALERTS_LISTED = 100
SOS = "sos"
# Fields of a notification that are the row's columns, not its data.
_COLUMNS = ("kind", "district_id", "oblast_id", "chief")


def alerts_record(notifications: list[Notification]) -> list[Notification]:
    """Keep a unit of work's board notifications as alerts, inside its transaction
    (``KUZET_NOTIFICATION_STORE``: ``uow.flush`` calls it before commit), so a board's reload
    list holds exactly what was committed — a crash after the commit cannot lose a line.
    Answers the notifications, each board one with its row's id (``kept_as``) for the
    fan-out's frame."""
    board = [i for i, n in enumerate(notifications) if n.topic == Topic.BOARD]
    if not board:
        return notifications
    now = clock.now()
    notifications = _exercise_marked(notifications, board)
    rows = [
        BoardAlert(
            created_at=now,
            kind=str(n.get("kind", ""))[:40],
            district_id=n.get("district_id"),
            oblast_id=n.get("oblast_id"),
            # The frame's rule (``fanout._alert_groups``): the chief unless told otherwise.
            chief=bool(n.get("chief", True)),
            incident_id=n.get("incident_id"),
            data={k: v for k, v in n.items() if k not in _COLUMNS},
        )
        for n in (notifications[i].data for i in board)
    ]
    kept = list(notifications)
    for i, row in zip(board, BoardAlert.objects.bulk_create(rows), strict=True):
        kept[i] = replace(notifications[i], kept_as=row.pk)
    # An officer-safety check answered — by a board's "Officer OK", the call page, the staff
    # API or the crew's own word — marks its own alert answered too, in the same transaction:
    # every board's reload and any list past the listed alerts agree that it is (only a
    # board's button marked it, and a check the crew answered stayed open on a reload).
    for n in (notifications[i].data for i in board):
        if n.get("kind") == services.SAFETY_CHECKED and n.get("safety_check_id"):
            _safety_alerts_answered(int(str(n["safety_check_id"])))
    return kept


def _exercise_marked(notifications: list[Notification], board: list[int]) -> list[Notification]:
    """The board notifications about a training call (``Incident.exercise``) with
    ``exercise: true`` in their data, kept and framed with it: a board says "Exercise" on
    every alert of a drill — a new call, a rung of the ladder, a crew's milestone — from
    wherever it was raised, and a reload's list says it too. One query, by the notifications'
    incidents; none when they name no incident."""
    about = {
        int(str(notifications[i].data["incident_id"]))
        for i in board
        if notifications[i].data.get("incident_id") is not None
    }
    if not about:
        return notifications
    drills = set(Incident.objects.filter(pk__in=about, exercise=True).values_list("pk", flat=True))
    if not drills:
        return notifications
    marked = list(notifications)
    for i in board:
        note = notifications[i]
        about_id = note.data.get("incident_id")
        if about_id is not None and int(str(about_id)) in drills:
            marked[i] = replace(note, data={**note.data, "exercise": True})
    return marked


def _safety_alerts_answered(check_id: int) -> None:
    """Mark the alerts of check ``check_id`` still open as the check was answered: when and
    by whom, or the crew's word that answered it (``by_crew``, ``word_kind``)."""
    check = SafetyCheck.objects.select_related("word").filter(pk=check_id).first()
    if check is None or check.checked_at is None:
        return
    open_alerts = BoardAlert.objects.select_for_update().filter(
        kind=services.SAFETY_CHECK, data__safety_check_id=check_id, acknowledged_at__isnull=True
    )
    for alert in open_alerts:
        _answered_as(alert, check)


def _answered_as(alert: BoardAlert, check: SafetyCheck) -> None:
    """Record on a check's alert how the check was answered (saved)."""
    alert.acknowledged_at, alert.acknowledged_by_id = check.checked_at, check.checked_by_id
    if check.word is not None:
        alert.data = {**alert.data, "by_crew": True, "word_kind": check.word.kind}
    alert.save(update_fields=["acknowledged_at", "acknowledged_by", "data"])


def alerts_visible_q(user: Any) -> Q:
    """The alerts whose frames reach ``user``'s board (``consumers.board_groups``)."""
    scope = district_scope(user)
    if scope.everything:
        return Q()
    if user.role == Role.CHIEF:
        return Q(district_id=user.district_id, chief=True) if user.district_id else Q(pk__in=[])
    q = Q(district_id__in=sorted(scope.district_ids))
    oblast_level = user.role == Role.OBLAST_ADMIN or (
        user.role == Role.DUTY_OFFICER and user.district_id is None
    )
    if oblast_level and user.oblast_id is not None:
        q |= Q(district__isnull=True, oblast_id=user.oblast_id)
    return q


def _before_the_shift(user: Any) -> Q | None:
    """The alerts that are no news to ``user`` though he never marked them read: from before
    his sign-in (the start of his shift: a session lasts one), about a call that has ended or
    about none, and not an SOS still unacknowledged. None before his first sign-in."""
    signed_in = getattr(user, "last_login", None)
    if signed_in is None:
        return None
    return (
        Q(created_at__lt=signed_in)
        & (Q(incident__isnull=True) | Q(incident__status__in=sorted(INCIDENT_ENDED)))
        & ~Q(kind=SOS, acknowledged_at__isnull=True)
    )


def _settled() -> Q:
    """The alerts of a silence that has ended (``presence._silence_settle``): the unreachable
    line settled when the unit was heard again, and the "reachable again" line that settled it
    (the board folds it into the first). Read for everyone: nothing is left to do about them."""
    return Q(kind="unit_unreachable", acknowledged_at__isnull=False) | Q(
        kind="unit_reachable", data__has_key="unreachable_alert_id"
    )


def alerts_for(user: Any) -> QuerySet[BoardAlert]:
    """``user``'s alerts, newest first, with ``read`` (by this user, from before his shift:
    :func:`_before_the_shift`, or a silence settled: :func:`_settled`) annotated."""
    mine = BoardAlertRead.objects.filter(alert=OuterRef("pk"), user=user)
    earlier = _before_the_shift(user)
    no_news = _settled() if earlier is None else _settled() | earlier
    read: Any = Case(
        When(no_news, then=Value(True)), default=Exists(mine), output_field=BooleanField()
    )
    return (
        BoardAlert.objects.filter(alerts_visible_q(user))
        .annotate(read=read)
        .select_related("acknowledged_by")
        .order_by("-created_at", "-pk")
    )


def alert_frame(alert: BoardAlert, *, read: bool = False) -> dict[str, Any]:
    """An alert as the frame that carried it, plus what happened to it since."""
    return {
        "type": "alert",
        **alert.data,
        "kind": alert.kind,
        "district_id": alert.district_id,
        "alert_id": alert.pk,
        "server_time": clock.to_ms(alert.created_at),
        "read": read,
        # an SOS's own acknowledgement; a "sos_acknowledged" line carries it in its data
        **(
            {
                "acknowledged_at": clock.opt_ms(alert.acknowledged_at),
                "acknowledged_by": _name(alert.acknowledged_by),
            }
            if alert.acknowledged_at is not None
            else {}
        ),
    }


def _unread(user: Any) -> QuerySet[BoardAlert]:
    """The alerts ``user`` sees and has not read (:func:`_before_the_shift`: nor need to),
    newest first."""
    mine = BoardAlertRead.objects.filter(alert=OuterRef("pk"), user=user)
    unread = BoardAlert.objects.filter(alerts_visible_q(user)).exclude(Exists(mine))
    unread = unread.exclude(_settled())
    earlier = _before_the_shift(user)
    if earlier is not None:
        unread = unread.exclude(earlier)
    return unread.order_by("-created_at", "-pk")


def alerts_listed(user: Any) -> dict[str, Any]:
    """The board's list (newest :data:`ALERTS_LISTED`), every SOS still unacknowledged, and
    whether unread alerts lie beyond the list (``unread_beyond``: the board then says
    "100+ unread", not "100", and "mark all read" marks them too)."""
    qs = alerts_for(user)
    listed = [alert_frame(a, read=getattr(a, "read", False)) for a in qs[:ALERTS_LISTED]]
    open_sos = [
        alert_frame(a, read=getattr(a, "read", False))
        for a in qs.filter(kind=SOS, acknowledged_at__isnull=True)[:ALERTS_LISTED]
    ]
    # Officer-safety checks nobody has answered (on a board or through the staff API), of
    # crews still on scene there (a crew that cleared the call since is not to be checked on).
    unanswered = list(
        qs.filter(
            kind=services.SAFETY_CHECK,
            acknowledged_at__isnull=True,
            created_at__gt=clock.now() - dt.timedelta(days=1),
        )[:ALERTS_LISTED]
    )
    still_open = set(
        SafetyCheck.objects.filter(
            pk__in=[a.data.get("safety_check_id") for a in unanswered],
            checked_at__isnull=True,
            assignment__status=AssignmentStatus.ON_SCENE,
        ).values_list("pk", flat=True)
    )
    open_checks = [
        alert_frame(a, read=getattr(a, "read", False))
        for a in unanswered
        if a.data.get("safety_check_id") in still_open
    ] + lent_safety_checks(user)
    beyond = False
    if len(listed) == ALERTS_LISTED:
        unread_listed = sum(1 for a in listed if not a["read"])
        beyond = _unread(user)[unread_listed : unread_listed + 1].exists()
    return {
        "alerts": listed,
        "sos": open_sos,
        "safety_checks": open_checks,
        "unread_beyond": beyond,
    }


def lent_safety_checks(user: Any) -> list[dict[str, Any]]:
    """The open officer-safety checks on ``user``'s own units sent to another district's call
    (``selectors.units_across_border``), as the call's district's alert frames marked
    ``lent``: the unit's own desk follows its crew there (the call page shows them too), and
    the call's desk answers them (``safety_check_record`` refuses another district's desk).

    The check's alert is the call's district's, so its frame reaches only that district's
    boards; a district desk's board shows these from its snapshot, which it loads again when
    a row of its lent unit's assignment arrives (the sweep publishes the assignment when a
    check fires and when it is answered). Chiefs' boards list no safety checks.
    """
    scope = district_scope(user)
    if scope.everything or user.role == Role.CHIEF:
        return []
    checks = dict(
        SafetyCheck.objects.filter(
            scope.q("assignment__unit__district"),
            checked_at__isnull=True,
            assignment__status=AssignmentStatus.ON_SCENE,
            fired_at__gt=clock.now() - dt.timedelta(days=1),
        )
        .exclude(scope.q("assignment__incident__district"))
        .values_list("pk", "assignment__unit__district_id")
    )
    if not checks:
        return []
    found = BoardAlert.objects.filter(
        kind=services.SAFETY_CHECK, data__safety_check_id__in=sorted(checks)
    ).order_by("-created_at", "-pk")
    return [
        {
            # read: it is not in this desk's list of alerts to mark (alerts_visible_q)
            **alert_frame(a, read=True),
            "lent": True,
            "incident_district_id": a.district_id,
            "unit_district_id": checks[a.data["safety_check_id"]],
        }
        for a in found
    ]


def alerts_mark_read(
    *, user: Any, alert_ids: list[int] | None = None, through: int | None = None
) -> int:
    """Mark alerts that ``user`` sees read by ``user``: those of ``alert_ids``, or every one up
    to ``through`` (the newest alert on the board: "mark all read" reaches the alerts beyond
    the list too, but not one that arrived after the click). Returns how many were new.

    Bookkeeping of one person's screen, not a fact of the district: not audited.
    """
    unread = _unread(user)
    if through is not None:
        unread = unread.filter(pk__lte=through)
    else:
        unread = unread.filter(pk__in=alert_ids or [])
    now = clock.now()
    marked = BoardAlertRead.objects.bulk_create(
        [
            BoardAlertRead(alert_id=pk, user=user, read_at=now)
            for pk in unread.values_list("pk", flat=True)
        ],
        ignore_conflicts=True,  # two tabs of one officer marking at once
        batch_size=500,
    )
    return len(marked)


def sos_acknowledge(*, alert_id: int, by: Any) -> BoardAlert:
    """A duty officer (or chief) acknowledges an officer's SOS on the board.

    Recorded on the alert, audited, and told to every board of the district (their banners
    turn to "acknowledged"). A second acknowledgement changes nothing and says who was first.
    """
    require_dispatcher(by)
    with uow.unit_of_work():
        alert = (
            BoardAlert.objects.select_for_update().filter(alerts_visible_q(by), pk=alert_id).first()
        )
        if alert is None:
            raise NotFound("No such alert.")
        if alert.kind != SOS:
            raise Conflict("Only an SOS is acknowledged.", code="not_sos")
        if alert.acknowledged_at is not None:
            return alert
        alert.acknowledged_at, alert.acknowledged_by = clock.now(), by
        alert.save(update_fields=["acknowledged_at", "acknowledged_by"])
        facts = {
            "sos_alert_id": alert.pk,
            "unit_id": alert.data.get("unit_id"),
            "callsign": alert.data.get("callsign"),
            "event_id": alert.data.get("event_id"),
        }
        uow.audit(
            AuditAction.BOARD_SOS_ACKNOWLEDGED,
            actor=by,
            obj=alert,
            object_type="board_alert",
            district_id=alert.district_id,
            data=facts,
        )
        uow.notify(
            Topic.BOARD,
            district_id=alert.district_id,
            kind="sos_acknowledged",
            chief=True,
            acknowledged_by=_name(by),
            acknowledged_at=clock.to_ms(alert.acknowledged_at),
            at=clock.now_ms(),
            **facts,
        )
    return alert


def sos_backup(*, alert_id: int, by: Any) -> tuple[BoardAlert, Incident, bool]:
    """Send backup to an officer's SOS: the P0 call (``services.incident_sos_backup``), kept
    on the SOS's alert so that every board's banner links it instead of offering the button
    again. Returns (alert, call, made now); a second press — by anyone — gets the first call.

    The alert's row lock makes two duty officers take turns: the second finds the call.
    """
    require_dispatcher(by)
    with uow.unit_of_work():
        alert = _sos_alert_locked(alert_id, by)
        unit = Unit.objects.select_related("district").filter(pk=alert.data.get("unit_id")).first()
        if unit is None:
            raise NotFound("No such unit.")
        event_id = alert.data.get("event_id")
        incident, made = services.incident_sos_backup(
            by=by,
            unit=unit,
            sos_event_id=event_id if isinstance(event_id, str) else None,
            sos_alert_id=alert.pk,
        )
        if alert.data.get("backup_incident_id") != incident.pk:
            alert.data = {
                **alert.data,
                "backup_incident_id": incident.pk,
                "backup_incident_number": incident.number,
            }
            alert.save(update_fields=["data"])
            uow.notify(
                Topic.BOARD,
                district_id=alert.district_id,
                kind="sos_backup",
                chief=True,
                incident_id=incident.pk,
                incident_number=incident.number,
                priority=incident.priority,
                category=incident.category,
                sos_alert_id=alert.pk,
                unit_id=unit.pk,
                callsign=unit.callsign,
                actor=_name(by),
                at=clock.now_ms(),
            )
    return alert, incident, made


def sos_clear(*, unit_id: int, by: Any) -> Unit:
    """The officer is safe: the unit leaves SOS (``services.unit_sos_clear``: audited, told to
    its phones and the boards) and its SOS alerts still open are acknowledged by the same
    person — the banners turn green and leave, the ringing stops."""
    require_dispatcher(by)
    with uow.unit_of_work():
        unit = services.unit_sos_clear(unit_id=unit_id, by=by)
        now = clock.now()
        BoardAlert.objects.filter(
            kind=SOS, data__unit_id=unit.pk, acknowledged_at__isnull=True
        ).update(acknowledged_at=now, acknowledged_by=by)
    return unit


def safety_check_ok(*, alert_id: int, by: Any) -> BoardAlert:
    """The desk raised a unit silent on scene and the officer is fine: the check is recorded
    (``services.safety_check_record``: audited, told to every board, the next interval counts
    from now) and its alert acknowledged by the same person. A press after the check was
    answered — by another desk, or by the crew's own word a moment before — changes nothing
    and answers the alert as the check was answered (who, or the crew's word): it is done,
    not a failure.

    The check's row is locked before its alert's, as the sweep and the other ways of
    answering it do (they mark the alert when they tell the boards): never the other way
    round, so two answers at once wait in turn instead of deadlocking."""
    require_dispatcher(by)
    with uow.unit_of_work():
        found = BoardAlert.objects.filter(alerts_visible_q(by), pk=alert_id).first()
        if found is None:
            raise NotFound("No such alert.")
        if found.kind != services.SAFETY_CHECK:
            raise Conflict("This alert is not an officer-safety check.", code="not_safety_check")
        check_id = int(found.data.get("safety_check_id", 0))
        check = lock_one(SafetyCheck, check_id)
        alert = BoardAlert.objects.select_for_update().get(pk=found.pk)
        if alert.acknowledged_at is not None:
            return alert
        if check is not None and check.checked_at is not None:
            _answered_as(alert, SafetyCheck.objects.select_related("word").get(pk=check.pk))
            return alert
        services.safety_check_record(check_id=check_id, by=by, alert_id=alert.pk)
        alert.acknowledged_at, alert.acknowledged_by = clock.now(), by
        alert.save(update_fields=["acknowledged_at", "acknowledged_by"])
    return alert


def _sos_alert_locked(alert_id: int, by: Any) -> BoardAlert:
    alert = BoardAlert.objects.select_for_update().filter(alerts_visible_q(by), pk=alert_id).first()
    if alert is None:
        raise NotFound("No such alert.")
    if alert.kind != SOS:
        raise Conflict("This alert is not an SOS.", code="not_sos")
    return alert


def alerts_prune(*, at: dt.datetime | None = None) -> int:
    """Delete alerts older than :data:`ALERT_RETENTION` (and their read marks)."""
    cutoff = (at or clock.now()) - ALERT_RETENTION
    deleted, _ = BoardAlert.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def _name(user: Any) -> str | None:
    if user is None:
        return None
    return str(user.display_name)
