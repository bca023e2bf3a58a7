"""Inbound SMS: an officer in a white spot answers ``ACK 4821`` to the text of an assignment.

The gateway posts each reply, signed (``sms.verify``); a good reply becomes an
acknowledgement fact with source ``sms`` through the same rules as a device's
(:func:`facts.fact_record`). Forged, unsigned and replayed messages are refused and audited.

The same reply is the read receipt of the duty desk's messages on the call: a message that
goes by SMS ends with the assignment's reply instruction (``sms_texts.message_text``), and an
officer in a white spot has no link to send the app's ``read`` fact. A reply records one
``read`` fact with source ``sms`` — the same fact and rules as the phone's — naming the
latest desk message sent before the gateway received the reply, when that one is not read
yet; it stands for every earlier message (``selectors.desk_messages``). An officer who answers
the message has seen the call: an assignment not acknowledged yet is acknowledged by the same
reply. One acknowledged before gets no second ``ack`` fact (it was stored ``superseded``,
telling nobody anything); a reply that records nothing new is kept as ``applied`` with the
reason ``already_acknowledged``. The reply's reason says what it did: ``""`` (acknowledged),
``acknowledged_and_read``, ``read``, ``already_acknowledged``.

Only ``ACK``/``OK`` are read, not a "READ"/"ПРОЧ" of their own: both texts say "ACK 4821",
and one keyword is what an officer typing on a push-button phone remembers.

A reply code is four digits: 9,000 values, which a sender answered "unknown code" each time
could walk through in about an hour at the anonymous throttle's 120 requests a minute. Wrong
codes are counted per sender's phone number (``backend.common.attempts``,
``KUZET_AUTH_FAILURE_LIMIT`` in ``KUZET_AUTH_COOLOFF_MINUTES``); past the limit every ACK from
that number is rejected with ``too_many_wrong_codes`` until the window ends — the right code
too, or the refusal would tell a guesser when he hit it. The refusal is stored, audited and
logged; the duty desk records the acknowledgement on the officer's behalf meanwhile.

A rejected reply's audit entry names the sender's number by its last four digits, as the log
does (``phone_masked``): the audit log is append-only, and a stranger's number texted by
mistake would stay in it for good. The SMS row the entry points at keeps the whole number
for ``KUZET_SMS_RETENTION_DAYS``; then a stranger's is deleted, and any other keeps the same
four digits (``outbox.sms_prune``).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from backend.common import clock
from backend.common.attempts import SMS_REPLY_CODE, attempts_failed, attempts_refusal
from backend.common.errors import Malformed, Unauthenticated
from backend.common.phones import phone_masked
from backend.ledger import uow
from backend.ledger.actions import AuditAction
from backend.ledger.models import ActorKind
from backend.people.models import Officer, Role
from sync.protocol import ProtocolError, parse_json, said_once, storable

from .. import selectors
from ..lifecycle import EventKind
from ..models import Assignment, Event, EventSource, Incident, SmsMessage
from ..sms import REPLAY_WINDOW_S, SignatureError, verify
from .facts import fact_record
from .locks import lock_one
from .schedule import ladder_reschedule
from .units import unit_heard

logger = logging.getLogger(__name__)
# The refusal's reason when the gateway's message id was received before (a replay).
MESSAGE_SEEN = "message_seen"

# "ACK 4821", also typed in Cyrillic letters that look the same ("АСК", "ОК").
_ACK_RE = re.compile(r"^\s*(?:ACK|OK|АСК|ОК)\W*(\d{4})\b", re.IGNORECASE)


@dataclass(frozen=True)
class InboundResult:
    status: str  # applied | rejected
    reason: str
    sms_id: int
    assignment_id: int | None = None
    event_id: str | None = None


def _phone_key(phone: str) -> str:
    digits = "".join(ch for ch in phone if ch.isdigit())
    return digits[-10:]


def _officer_for_phone(phone: str) -> Officer | None:
    key = _phone_key(phone)
    if len(key) < 10:
        return None
    candidates = Officer.objects.filter(
        phone__endswith=key, is_active=True, role=Role.OFFICER
    ).order_by("pk")
    return next((o for o in candidates if _phone_key(o.phone) == key), None)


def _refuse(code: str, detail: str, reason: str, *, data: dict[str, Any]) -> Unauthenticated:
    """Audit a refused callback, its ``reason`` a code (:class:`SignatureError`'s, or
    ``message_seen``) the log words in its reader's language; entries written before kept
    ``detail``, the English sentence, which the log shows as it is."""
    action = (
        AuditAction.SECURITY_SMS_INBOUND_REPLAYED
        if code == "replayed"
        else AuditAction.SECURITY_SMS_INBOUND_FORGED
    )
    with uow.unit_of_work():
        uow.audit(
            action,
            actor_kind=ActorKind.ANONYMOUS,
            actor_label="sms-gateway",
            object_type="sms",
            data={"reason": reason, **data},
        )
    return Unauthenticated(detail, code=code)


def sms_inbound_receive(*, raw: bytes, signature: str | None) -> InboundResult:
    """Turn a signed gateway callback into an acknowledgment with source ``sms``.

    Body: ``{"id": "<gateway message id>", "from": "+7…", "text": "ACK 4821",
    "received_at": "<ISO 8601, optional>"}``. A bad signature (401 ``bad_signature``), a
    timestamp outside the replay window or a message id seen before (401 ``replayed``) is
    refused and audited. A reply that parses but matches no assignment is stored as
    ``rejected`` and answered 200 (the gateway did nothing wrong).
    """
    try:
        verify(signature, raw, secret=settings.KUZET_SMS_INBOUND_SECRET)
    except SignatureError as exc:
        raise _refuse(exc.code, exc.detail, exc.reason, data={"bytes": len(raw)}) from None
    try:
        # The sync endpoints' parser and check: a key named twice ({"text": "ACK 4821",
        # "text": "…"}) was read as its last value and the other dropped without a word, where
        # an enrolment, a push's envelope and the device socket refuse it (docs/protocol.md
        # §4); a lone surrogate escape, which orjson refused, is kept escaped as a NUL is.
        body = said_once(parse_json(raw), "the body")
    except ProtocolError as exc:
        raise Malformed(exc.sentence) from None
    if not isinstance(body, dict):
        raise Malformed("The body must be a JSON object.")
    # U+0000 (valid JSON, a byte a phone's SMS can carry) is written as its escape: PostgreSQL
    # refuses it in text, and the reply was a 500 the gateway retried without end.
    provider_id = storable(str(body.get("id") or "").strip())[:64]
    phone = storable(str(body.get("from") or "").strip())[:20]
    text = storable(str(body.get("text") or ""))[:480]
    if not provider_id or not phone:
        raise Malformed("id and from are required.")
    now = clock.now()
    occurred_at = _parse_time(body.get("received_at"), now=now)

    if SmsMessage.objects.filter(
        direction=SmsMessage.Direction.IN, provider_id=provider_id
    ).exists():
        raise _refuse(
            "replayed", "This message was received before.", MESSAGE_SEEN, data={"id": provider_id}
        )
    with uow.unit_of_work():
        try:
            with transaction.atomic():
                msg = SmsMessage.objects.create(
                    direction=SmsMessage.Direction.IN,
                    phone=phone,
                    body=text,
                    provider_id=provider_id,
                    state=SmsMessage.State.RECEIVED,
                    created_at=now,
                )
        except IntegrityError:
            msg = None
        if msg is not None:
            result = _apply_reply(msg, text=text, occurred_at=occurred_at, now=now)
    if msg is None:  # the same message raced in twice
        raise _refuse(
            "replayed", "This message was received before.", MESSAGE_SEEN, data={"id": provider_id}
        )
    return result


def _parse_time(value: Any, *, now: dt.datetime) -> dt.datetime:
    if not isinstance(value, str):
        return now
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return now
    if parsed.tzinfo is None:
        return now
    # The gateway's receipt time is trusted within the replay window only.
    earliest = now - dt.timedelta(seconds=REPLAY_WINDOW_S)
    return min(max(parsed, earliest), now)


def _apply_reply(
    msg: SmsMessage, *, text: str, occurred_at: dt.datetime, now: dt.datetime
) -> InboundResult:
    def reject(reason: str, **fields: Any) -> InboundResult:
        msg.state = SmsMessage.State.REJECTED
        msg.error = reason
        for name, value in fields.items():
            setattr(msg, name, value)
        msg.save(update_fields=["state", "error", *fields])
        uow.audit(
            AuditAction.SMS_INBOUND_REJECTED,
            actor_kind=ActorKind.SYSTEM,
            object_type="sms",
            object_id=msg.pk,
            # The SMS row keeps the whole number for a while (outbox.sms_prune); the audit log
            # cannot be erased, and anyone who texts the gateway by mistake is recorded here:
            # its last digits only.
            data={"reason": reason, "phone": phone_masked(msg.phone)},
        )
        return InboundResult("rejected", reason, msg.pk)

    match = _ACK_RE.match(text)
    if match is None:
        return reject("unknown_command")
    officer = _officer_for_phone(msg.phone)
    if officer is None:
        return reject("unknown_sender")
    sender = _phone_key(msg.phone)
    refusal = attempts_refusal(None, SMS_REPLY_CODE, phone=sender)
    if refusal is not None:
        logger.warning(
            "SMS reply refused: too many wrong reply codes from %s (officer %s); "
            "ACKs from this number are refused for %s s more",
            phone_masked(msg.phone),
            officer.username,
            refusal.retry_after,
        )
        return reject("too_many_wrong_codes", officer=officer)
    code = match.group(1)
    sent = (
        SmsMessage.objects.filter(
            direction=SmsMessage.Direction.OUT,
            officer=officer,
            reply_code=code,
            assignment__isnull=False,
        )
        .order_by("-pk")
        .first()
    )
    if sent is None or sent.assignment_id is None:
        attempts_failed(None, SMS_REPLY_CODE, phone=sender)
        return reject("unknown_code", officer=officer)
    # Locked in dispatch's order (incident, assignment): a second reply, or the desk's next
    # message, waits for this one, so "acknowledged" and "read" are decided once.
    incident_id = Assignment.objects.values_list("incident_id", flat=True).get(
        pk=sent.assignment_id
    )
    lock_one(Incident, incident_id)
    assignment = lock_one(Assignment, sent.assignment_id)
    assert assignment is not None  # an SMS's assignment is never deleted (PROTECT)
    payload = {"text": text, "sms_id": msg.pk}
    ack = None
    if assignment.acknowledged_at is None:
        ack = fact_record(
            kind=EventKind.ACK,
            assignment=assignment,
            source=EventSource.SMS,
            actor=officer,
            officer=officer,
            via="sms",
            payload=payload,
            occurred_at=occurred_at,
        )
        ladder_reschedule(assignment_id=assignment.pk, now=now)
    receipt = _messages_read(
        assignment=assignment, officer=officer, payload=payload, occurred_at=occurred_at
    )
    event = ack or receipt
    reason = (
        ("" if receipt is None else "acknowledged_and_read")
        if ack is not None
        else ("already_acknowledged" if receipt is None else "read")
    )
    # A reply with the assignment's code is word from its crew, when the gateway received it.
    unit_heard(assignment.unit_id, via="sms", at=occurred_at)
    msg.state = SmsMessage.State.APPLIED
    msg.officer = officer
    msg.assignment = assignment
    msg.reply_code = code
    msg.error = reason
    msg.save(update_fields=["state", "officer", "assignment", "reply_code", "error"])
    uow.audit(
        AuditAction.SMS_INBOUND_APPLIED,
        actor=officer,
        actor_kind=ActorKind.USER,
        obj=assignment,
        data={
            "sms_id": msg.pk,
            "reason": reason,
            "event_id": None if ack is None else ack.pk,
            "disposition": None if ack is None else ack.disposition,
            "read_event_id": None if receipt is None else receipt.pk,
        },
    )
    return InboundResult(
        "applied", reason, msg.pk, assignment.pk, None if event is None else event.pk
    )


def _messages_read(
    *, assignment: Assignment, officer: Officer, payload: dict[str, Any], occurred_at: dt.datetime
) -> Event | None:
    """The officer's SMS reply as the read receipt of the desk's messages on ``assignment``
    sent up to ``occurred_at`` (when the gateway received it): a ``read`` fact naming the
    latest of them, or None when there is none or it is read already (by the app's receipt
    or an earlier reply). A message sent after the reply left the phone stays unread.
    Call holding the assignment's row lock."""
    sent = [
        m
        for m in selectors.desk_messages([assignment.pk]).get(assignment.pk, [])
        if m.sent_at <= occurred_at
    ]
    if not sent or sent[-1].read_at is not None:
        return None
    return fact_record(
        kind=EventKind.READ,
        assignment=assignment,
        source=EventSource.SMS,
        actor=officer,
        officer=officer,
        via="sms",
        payload={**payload, "event_id": sent[-1].id},
        occurred_at=occurred_at,
    )
