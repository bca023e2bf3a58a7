"""Web Push for a call sent to a unit: the phones of its crew are woken even when the browser
has frozen the field app in a pocket (``backend/devices/webpush.py`` says why and how).

``commit_listener`` (``settings.KUZET_CHANGE_LISTENERS``) picks, after commit, the
assignments a commit dispatched, those the escalation ladder re-pushes (not acknowledged
in time), those the duty desk messaged ("he has a knife now") and those whose crew, silent
on scene, the desk is now checking on (an officer-safety check: the app shows "I'm OK"),
and asks a worker to push each (``tasks.webpush_assignment``): the request never waits on a
push service. The worker pushes a call only while nobody of the crew has answered it, a
message while the crew is on the call, a check while it is on scene, to each live phone of
the unit's officers, in the officer's language.
"""

from __future__ import annotations

import logging
from collections import Counter

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from backend.devices.models import PushSubscription
from backend.devices.webpush import webpush_send
from backend.dispatch.lifecycle import ASSIGNMENT_OPEN, AssignmentStatus, EventKind
from backend.dispatch.models import Assignment, Category, Event, EventSource, Priority
from backend.dispatch.services import SAFETY_CHECK
from backend.geo.models import in_reader_language
from backend.ledger.names import Topic
from backend.ledger.uow import Commit

log = logging.getLogger(__name__)

# Whom a push of the call still concerns: nobody of the crew has answered it.
UNANSWERED = ("dispatched", "delivered")
# A message on the lock screen says this much of the desk's words (the app shows them all).
MESSAGE_SHOWN = 160


# The assignments a push concerns, by why it is pushed: a call while nobody has answered
# it, the desk's message while the crew is on it, a safety check while it is on scene.
STATUSES = {
    "message": ASSIGNMENT_OPEN,
    "safety": (AssignmentStatus.ON_SCENE,),
}


def _pushes(commit: Commit) -> dict[int, str]:
    """Assignment id → ``new`` (dispatched by this commit), ``again`` (re-pushed),
    ``message`` (the desk messaged its crew) or ``safety`` (the desk is checking on it)."""
    found: dict[int, str] = {}
    for notice in commit.notifications:
        data = notice.data
        if (
            notice.topic == Topic.BOARD
            and data.get("kind") == "assignment.dispatched"
            and data.get("assignment_id")
        ):
            found.setdefault(int(str(data["assignment_id"])), "new")
        elif notice.topic == Topic.ASSIGNMENT_REPUSH and data.get("assignment_id"):
            found.setdefault(int(str(data["assignment_id"])), "again")
        elif notice.topic == Topic.DESK_MESSAGE and data.get("assignment_id"):
            found[int(str(data["assignment_id"]))] = "message"
        elif (
            notice.topic == Topic.BOARD
            and data.get("kind") == SAFETY_CHECK
            and data.get("assignment_id")
        ):
            found[int(str(data["assignment_id"]))] = "safety"
    return found


def commit_listener(commit: Commit) -> None:
    """Ask a worker to push each call this commit sent or re-pushed (never raises)."""
    if not settings.KUZET_WEBPUSH_PRIVATE_KEY:
        return
    from .tasks import webpush_assignment as task  # (the task module imports this one)

    try:
        for assignment_id, why in _pushes(commit).items():
            task.delay(assignment_id, why)
    except Exception:
        # The commit is durable; the phone gets the call by sync and by the SMS ladder.
        log.exception("web push not queued")


def _desk_words(assignment: Assignment) -> str:
    """The desk's latest message to the crew, as much as a notification shows."""
    latest = (
        Event.objects.filter(
            assignment_id=assignment.pk, kind=EventKind.NOTE, source=EventSource.DESK
        )
        .order_by("-server_received_at", "-pk")
        .values_list("payload", flat=True)
        .first()
    )
    text = str((latest or {}).get("text", ""))
    return text if len(text) <= MESSAGE_SHOWN else text[: MESSAGE_SHOWN - 1] + "…"


def _message(assignment: Assignment, why: str) -> dict[str, object]:
    """What the lock screen shows, in the active language: never an address, a caller or a
    summary, and nothing of a DV call but that it is a call and how urgent. The desk's
    message is shown as its SMS to the crew shows it (the desk wrote it for the crew)."""
    incident = assignment.incident
    priority = Priority(incident.priority).label
    title = {
        "again": gettext("Not acknowledged: %(priority)s"),
        "message": gettext("Message from the duty desk: %(priority)s"),
        "safety": gettext("The duty desk is checking on you"),
    }.get(why, gettext("New call: %(priority)s")) % {"priority": priority}
    settlement = incident.settlement
    place = in_reader_language(settlement.name, settlement.name_kk) if settlement else ""
    if why == "message":
        body = _desk_words(assignment)
    elif why == "safety":
        body = gettext("No word from the scene. Open Kuzet and answer «I'm OK».")
    elif incident.category == Category.DOMESTIC_VIOLENCE:
        body = gettext("Open Kuzet")
    else:
        body = " · ".join(filter(None, [str(Category(incident.category).label), place]))
    return {
        "kind": why,
        "assignment_id": str(assignment.pk),
        "title": title,
        "body": body,
        "url": f"/app/#/a/{assignment.pk}",
        "tag": f"call-{assignment.pk}",
    }


def webpush_assignment(assignment_id: int, why: str) -> dict[str, int]:
    """Push the call of ``assignment_id`` to its crew's phones; counts by outcome."""
    statuses = STATUSES.get(why, UNANSWERED)
    assignment = (
        Assignment.objects.select_related("incident__settlement")
        .filter(pk=assignment_id, status__in=statuses)
        .first()
    )
    if assignment is None:
        return {}
    subscriptions = PushSubscription.objects.filter(
        device__revoked_at=None,
        device__officer__is_active=True,
        device__officer__unit_id=assignment.unit_id,
    ).select_related("device__officer")
    outcomes: Counter[str] = Counter()
    for subscription in subscriptions:
        with translation.override(subscription.device.officer.language or settings.LANGUAGE_CODE):
            message = _message(assignment, why)
        topic = f"{why if why in STATUSES else 'call'}-{assignment.pk}"
        outcomes[webpush_send(subscription, message, topic=topic)] += 1
    return dict(outcomes)
