"""A duty officer's message to the crew on a call.

The caller rings back — "he has a knife now", "they left towards the river in a white
Niva" — and the desk had no way to tell the crew but the radio, which does not reach a
village in a white spot. A message is a ``note`` fact on the crew's assignment with source
``desk``: it reaches the unit's phones by sync like every fact (docs/protocol.md), the field
app alerts the officer with it (field/src/alerts.js), the call's timeline and audit log keep
it, and a unit that reads its calls by SMS (it was sent the call by SMS, or it has no phone
with the app, or the coverage where it is, is 2G/SMS or none) gets it by SMS too, each
officer in his language, ending with the assignment's reply code: his "ACK 4821" to it is
the desk's read receipt (``sms_inbound``), the only one a phone in a white spot can send.
"""

from __future__ import annotations

from typing import Any

from backend.common.errors import Conflict, NotFound, ValidationFailed
from backend.ledger import uow
from backend.ledger.names import SyncTable, Topic

from .. import sms_texts
from ..access import check_scope, require_dispatcher
from ..lifecycle import EventKind
from ..models import Assignment, Event, EventSource, Incident, SmsMessage
from ..sms import reply_code_for
from . import outbox
from .facts import fact_record
from .locks import lock_one
from .texts import text_storable_check

# One SMS carries ≈ 110 characters of it after the header; the phone shows it whole.
MESSAGE_MAX = 500


def assignment_message(*, assignment: Assignment, by: Any, text: str) -> Event:
    """Send the crew of an open ``assignment`` the message ``text`` from duty officer ``by``.
    Refused with nothing written when the text is empty or longer than MESSAGE_MAX, the
    assignment is over (``assignment_closed``) or not in ``by``'s districts."""
    text = text.strip()
    if not text:
        raise ValidationFailed("Write the message to the crew.", code="message_empty")
    text_storable_check("text", text)
    if len(text) > MESSAGE_MAX:
        raise ValidationFailed(
            f"A message is at most {MESSAGE_MAX} characters.", code="message_too_long"
        )
    require_dispatcher(by)
    with uow.unit_of_work():
        incident = lock_one(Incident, assignment.incident_id)
        locked = lock_one(Assignment, assignment.pk)
        if incident is None or locked is None:
            raise NotFound("No such assignment.")
        check_scope(by, incident.district_id)
        if not locked.is_open:
            raise Conflict(
                f"The assignment is {locked.status}: the crew is no longer on this call.",
                code="assignment_closed",
                status=locked.status,
            )
        locked.incident = incident
        event = fact_record(
            kind=EventKind.NOTE,
            assignment=locked,
            source=EventSource.DESK,
            actor=by,
            payload={"text": text},
        )
        # The boards' row of the assignment shows the message's state from now on.
        uow.touch(SyncTable.ASSIGNMENTS, locked.pk)
        # ...and a phone whose app the browser froze is woken with it (realtime.webpush).
        uow.notify(
            Topic.DESK_MESSAGE,
            district_id=incident.district_id,
            assignment_id=locked.pk,
            event_id=event.pk,
        )
        if _reads_by_sms(locked, incident):
            phones = outbox.unit_phones([locked.unit_id]).get(locked.unit_id, [])
            # The assignment's own code: the officer's "ACK 4821" to the message is its read
            # receipt (and his acknowledgement, if he had not given it: sms_inbound.py).
            code = reply_code_for(locked.pk)
            outbox.sms_queue(
                outbox.sms_to_phones(
                    phones=phones,
                    body=lambda language: sms_texts.message_text(
                        incident=incident, text=text, reply_code=code, language=language
                    ),
                    purpose=SmsMessage.Purpose.MESSAGE,
                    now=event.server_received_at,
                    assignment_id=locked.pk,
                    reply_code=code,
                )
            )
    return event


def _reads_by_sms(assignment: Assignment, incident: Incident) -> bool:
    """Whether the unit reads this call by SMS: it was sent it by SMS, or it would be now."""
    texted = SmsMessage.objects.filter(
        assignment=assignment, direction=SmsMessage.Direction.OUT
    ).exists()
    return texted or outbox.sms_reason_for_unit(unit=assignment.unit, incident=incident) is not None
