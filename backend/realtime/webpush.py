"""Web Push for a call sent to a unit: the phones of its crew are woken even when the browser
has frozen the field app in a pocket (``backend/devices/webpush.py`` says why and how).

``commit_listener`` (``settings.KUZET_CHANGE_LISTENERS``) picks, after commit, the
assignments a commit dispatched and those the escalation ladder re-pushes (not acknowledged
in time) and asks a worker to push each (``tasks.webpush_assignment``): the request that
dispatched never waits on a push service. The worker pushes only while nobody of the crew has
answered, to each live phone of the unit's officers, in the officer's language.
"""

from __future__ import annotations

import logging
from collections import Counter

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from backend.devices.models import PushSubscription
from backend.devices.webpush import webpush_send
from backend.dispatch.models import Assignment, Category, Priority
from backend.geo.models import in_reader_language
from backend.ledger.names import Topic
from backend.ledger.uow import Commit

log = logging.getLogger(__name__)

# Whom a push still concerns: nobody of the crew has answered the call.
UNANSWERED = ("dispatched", "delivered")


def _pushes(commit: Commit) -> dict[int, str]:
    """Assignment id → ``new`` (dispatched by this commit) or ``again`` (re-pushed)."""
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


def _message(assignment: Assignment, why: str) -> dict[str, object]:
    """What the lock screen shows, in the active language: never an address, a caller or a
    summary, and nothing of a DV call but that it is a call and how urgent."""
    incident = assignment.incident
    priority = Priority(incident.priority).label
    title = (
        gettext("Not acknowledged: %(priority)s")
        if why == "again"
        else gettext("New call: %(priority)s")
    ) % {"priority": priority}
    settlement = incident.settlement
    place = in_reader_language(settlement.name, settlement.name_kk) if settlement else ""
    body = (
        gettext("Open Kuzet")
        if incident.category == Category.DOMESTIC_VIOLENCE
        else " · ".join(filter(None, [str(Category(incident.category).label), place]))
    )
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
    assignment = (
        Assignment.objects.select_related("incident__settlement")
        .filter(pk=assignment_id, status__in=UNANSWERED)
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
        outcomes[webpush_send(subscription, message, topic=f"call-{assignment.pk}")] += 1
    return dict(outcomes)
