"""The SMS outbox and inbound replies.

Outbound messages are rows written in the same transaction as the dispatch or escalation
that needs them (an outbox): if the transaction rolls back, nothing is sent; if it commits,
the message exists even when the broker loses the "send now" task, and the next run of
:func:`sms_send_pending` (after every sweep) sends it. A sender claims a row with a
conditional ``UPDATE … WHERE state = 'queued'``, so two senders never both send it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils.module_loading import import_string

from backend.common import clock
from backend.common.errors import Malformed, Unauthenticated
from backend.devices.models import Device
from backend.geo.models import Coverage
from backend.ledger import uow
from backend.ledger.actions import AuditAction
from backend.ledger.models import ActorKind
from backend.people.models import Officer, Role, Unit

from .. import selectors
from ..models import Assignment, Category, Incident, SmsMessage
from ..sms import (
    REPLAY_WINDOW_S,
    OutgoingSms,
    SignatureError,
    SmsError,
    compose,
    get_backend,
    reply_code_for,
    verify,
)

MAX_ATTEMPTS = 5
# A message claimed this long ago and still "sending" belonged to a worker that died.
STUCK_AFTER = dt.timedelta(minutes=5)
POOR_COVERAGE = frozenset({Coverage.SMS_ONLY, Coverage.NONE})


# --- who gets an SMS ---------------------------------------------------------------------------
def unit_phones(unit_ids: Iterable[int]) -> dict[int, list[tuple[int, str]]]:
    """(officer id, phone) of the active members of each unit that have a phone."""
    phones: dict[int, list[tuple[int, str]]] = defaultdict(list)
    rows = (
        Officer.objects.filter(unit_id__in=set(unit_ids), is_active=True)
        .exclude(phone="")
        .order_by("pk")
        .values_list("unit_id", "pk", "phone")
    )
    for unit_id, officer_id, phone in rows:
        phones[unit_id].append((officer_id, phone))
    return phones


def sms_reason_for_unit(*, unit: Unit, incident: Incident) -> str | None:
    """Why this dispatch should also go by SMS at once, or None when the push is enough.

    The unit has no enrolled device, or the coverage where it was last seen (the nearest
    settlement to its position; the incident's settlement when its position is unknown) is
    2G/SMS only or none.
    """
    has_device = Device.objects.filter(
        officer__unit=unit, officer__is_active=True, revoked_at__isnull=True
    ).exists()
    if not has_device:
        return "no_device"
    coverage = None
    if unit.lat is not None and unit.lon is not None:
        found = selectors.settlement_nearest(lat=unit.lat, lon=unit.lon)
        coverage = found[0].coverage if found else None
    elif incident.settlement is not None:
        coverage = incident.settlement.coverage
    if coverage in POOR_COVERAGE:
        return f"coverage_{coverage}"
    return None


# --- texts --------------------------------------------------------------------------------------
_CATEGORY_LABELS = dict(Category.choices)


def place_text(*, settlement: str | None, landmark: str) -> str:
    return ", ".join(p for p in (settlement or "", landmark) if p)


def where(incident: Incident) -> str:
    settlement = incident.settlement.name if incident.settlement is not None else None
    return place_text(settlement=settlement, landmark=incident.landmark)


def unit_text(
    *,
    number: str,
    priority: str,
    category: str,
    place: str,
    risk: bool,
    summary: str,
    reply_code: str,
    reminder: bool = False,
) -> str:
    """The assignment as an SMS to the unit, ending with the reply instruction."""
    return compose(
        [
            "KUZET" + (" NAPOMINANIE" if reminder else ""),
            number,
            priority,
            str(_CATEGORY_LABELS.get(category, category)),
            place,
            "RISK" if risk else "",
            summary,
        ],
        tail=f"Otvet: ACK {reply_code}",
    )


def dispatch_text(*, incident: Incident, assignment_id: int, reminder: bool = False) -> str:
    return unit_text(
        number=incident.number,
        priority=incident.priority,
        category=incident.category,
        place=where(incident),
        risk=bool(incident.risk_flags),
        summary=incident.summary,
        reply_code=reply_code_for(assignment_id),
        reminder=reminder,
    )


def cancel_text(*, incident: Incident) -> str:
    return compose(["KUZET OTMENA", incident.number, "vyezd otmenen."])


def citizen_delay_text(*, number: str) -> str:
    return compose(
        [
            f"Politsiya: vyzov {number} priniat, naryad zaderzhivaetsya.",
            "Pri ugroze zhizni zvonite 102.",
        ]
    )


# --- outbox -------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class QueuedSms:
    """An outbound message for the outbox, not yet written (:func:`sms_queue` writes it).

    Plain values rather than an unsaved ``SmsMessage``: an escalation sweep builds a
    thousand of them, and a model instance costs 9 µs to build.
    """

    phone: str
    body: str
    purpose: str
    created_at: dt.datetime
    officer_id: int | None = None
    assignment_id: int | None = None
    reply_code: str = ""


def sms_build(
    *,
    phone: str,
    body: str,
    purpose: str,
    now: dt.datetime,
    officer_id: int | None = None,
    assignment_id: int | None = None,
    reply_code: str = "",
) -> QueuedSms:
    """An outbox row to write (callers queue them inside their transaction)."""
    return QueuedSms(
        phone=phone,
        body=body,
        purpose=purpose,
        created_at=now,
        officer_id=officer_id,
        assignment_id=assignment_id,
        reply_code=reply_code,
    )


def sms_to_unit(
    *,
    unit_id: int,
    incident: Incident,
    assignment_id: int,
    purpose: str,
    now: dt.datetime,
    reminder: bool = False,
    phones: list[tuple[int, str]] | None = None,
) -> list[QueuedSms]:
    """Outbox rows: the assignment to every phone of the unit, with its reply code."""
    if phones is None:
        phones = unit_phones([unit_id]).get(unit_id, [])
    return sms_to_phones(
        phones=phones,
        body=dispatch_text(incident=incident, assignment_id=assignment_id, reminder=reminder),
        purpose=purpose,
        now=now,
        assignment_id=assignment_id,
        reply_code=reply_code_for(assignment_id),
    )


def sms_to_phones(
    *,
    phones: list[tuple[int, str]],
    body: str,
    purpose: str,
    now: dt.datetime,
    assignment_id: int,
    reply_code: str,
) -> list[QueuedSms]:
    """Outbox rows: one message to each (officer id, phone)."""
    return [
        sms_build(
            phone=phone,
            body=body,
            purpose=purpose,
            now=now,
            officer_id=officer_id,
            assignment_id=assignment_id,
            reply_code=reply_code,
        )
        for officer_id, phone in phones
    ]


def sms_queue(messages: list[QueuedSms]) -> int:
    """Write outbox rows in the current transaction and send them after it commits."""
    if not messages:
        return 0
    if connection.vendor == "postgresql":
        _insert_outbox_pg(messages)
    else:
        SmsMessage.objects.bulk_create(
            SmsMessage(
                direction=SmsMessage.Direction.OUT,
                state=SmsMessage.State.QUEUED,
                phone=m.phone,
                body=m.body,
                purpose=m.purpose,
                created_at=m.created_at,
                officer_id=m.officer_id,
                assignment_id=m.assignment_id,
                reply_code=m.reply_code,
            )
            for m in messages
        )
    sms_send_soon()
    return len(messages)


def _insert_outbox_pg(messages: list[QueuedSms]) -> None:
    """The outbox rows in one statement (an escalation sweep writes a thousand; ``bulk_create``
    spends most of its time preparing 17 fields × N rows in Python). The rows travel as one
    JSON document: Django binds parameters on the client, where psycopg quotes array
    elements one by one in Python, several times slower."""
    table = connection.ops.quote_name(SmsMessage._meta.db_table)
    document = orjson.dumps(
        [
            {"phone": m.phone, "body": m.body, "reply_code": m.reply_code,
             "officer_id": m.officer_id, "assignment_id": m.assignment_id,
             "purpose": m.purpose, "created_at": m.created_at}
            for m in messages
        ]
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (direction, phone, body, reply_code, officer_id, "  # noqa: S608
            "assignment_id, purpose, state, created_at, attempts, provider_id, error) "
            "SELECT 'out', phone, body, reply_code, officer_id, assignment_id, purpose, 'queued', "
            "created_at, 0, '', '' FROM json_to_recordset(%s::json) AS t(phone varchar, "
            "body varchar, reply_code varchar, officer_id bigint, assignment_id bigint, "
            "purpose varchar, created_at timestamptz)",
            [document.decode()],
        )


def sms_send_soon() -> None:
    """Ask a worker to send the outbox once the current transaction has committed."""

    def enqueue() -> None:
        from ..tasks import sms_send_pending

        sms_send_pending.delay()

    transaction.on_commit(enqueue, robust=True)


def sms_send_pending(*, limit: int = 200, backend: Any = None) -> int:
    """Send queued outbound messages; returns how many were sent.

    Each row is claimed with a conditional update (``queued`` → ``sending``), sent outside
    any transaction, then recorded as ``sent`` (or back to ``queued`` for a retry, ``failed``
    after :data:`MAX_ATTEMPTS`). Rows stuck in ``sending`` after :data:`STUCK_AFTER` (the worker
    died mid-send) are re-queued first; the outbox id travels as the gateway's idempotency
    key, so that re-send is not a second SMS at a gateway that honours it.
    """
    now = clock.now()
    SmsMessage.objects.filter(
        direction=SmsMessage.Direction.OUT,
        state=SmsMessage.State.SENDING,
        claimed_at__lt=now - STUCK_AFTER,
    ).update(state=SmsMessage.State.QUEUED)
    ids = list(
        SmsMessage.objects.filter(direction=SmsMessage.Direction.OUT, state=SmsMessage.State.QUEUED)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    if not ids:
        return 0
    backend = backend or get_backend()
    sent = 0
    for pk in ids:
        claimed = SmsMessage.objects.filter(pk=pk, state=SmsMessage.State.QUEUED).update(
            state=SmsMessage.State.SENDING, attempts=F("attempts") + 1, claimed_at=clock.now()
        )
        if claimed != 1:
            continue  # another sender has it
        msg = SmsMessage.objects.get(pk=pk)
        try:
            provider_id = backend.send(OutgoingSms(msg.pk, msg.phone, msg.body))
        except SmsError as exc:
            state = (
                SmsMessage.State.FAILED if msg.attempts >= MAX_ATTEMPTS else SmsMessage.State.QUEUED
            )
            SmsMessage.objects.filter(pk=pk, state=SmsMessage.State.SENDING).update(
                state=state, error=str(exc)[:255]
            )
            continue
        SmsMessage.objects.filter(pk=pk, state=SmsMessage.State.SENDING).update(
            state=SmsMessage.State.SENT, sent_at=clock.now(), provider_id=provider_id[:64], error=""
        )
        sent += 1
    return sent


# --- inbound -------------------------------------------------------------------------------------
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


def _refuse(code: str, detail: str, *, data: dict[str, Any]) -> Unauthenticated:
    action = (
        "security.sms_inbound_replayed" if code == "replayed" else "security.sms_inbound_forged"
    )
    with uow.unit_of_work():
        uow.audit(
            action,
            actor_kind=ActorKind.ANONYMOUS,
            actor_label="sms-gateway",
            object_type="sms",
            data={"reason": detail, **data},
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
        raise _refuse(exc.code, exc.detail, data={"bytes": len(raw)}) from None
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise Malformed("The body is not JSON.") from None
    if not isinstance(body, dict):
        raise Malformed("The body must be a JSON object.")
    provider_id = str(body.get("id") or "").strip()[:64]
    phone = str(body.get("from") or "").strip()[:20]
    text = str(body.get("text") or "")[:480]
    if not provider_id or not phone:
        raise Malformed("id and from are required.")
    now = clock.now()
    occurred_at = _parse_time(body.get("received_at"), now=now)

    if SmsMessage.objects.filter(
        direction=SmsMessage.Direction.IN, provider_id=provider_id
    ).exists():
        raise _refuse("replayed", "This message was received before.", data={"id": provider_id})
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
        raise _refuse("replayed", "This message was received before.", data={"id": provider_id})
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
            data={"reason": reason, "phone": msg.phone},
        )
        return InboundResult("rejected", reason, msg.pk)

    match = _ACK_RE.match(text)
    if match is None:
        return reject("unknown_command")
    officer = _officer_for_phone(msg.phone)
    if officer is None:
        return reject("unknown_sender")
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
        return reject("unknown_code", officer=officer)
    assignment = Assignment.objects.select_related("incident", "unit").get(pk=sent.assignment_id)
    recorder = import_string(settings.KUZET_FACT_RECORDER)
    event = recorder(
        kind="ack",
        assignment=assignment,
        source="sms",
        actor=officer,
        officer=officer,
        via="sms",
        payload={"text": text, "sms_id": msg.pk},
        occurred_at=occurred_at,
    )
    from .escalation import ladder_reschedule

    ladder_reschedule(assignment_id=assignment.pk, now=now)
    msg.state = SmsMessage.State.APPLIED
    msg.officer = officer
    msg.assignment = assignment
    msg.reply_code = code
    msg.save(update_fields=["state", "officer", "assignment", "reply_code"])
    uow.audit(
        AuditAction.SMS_INBOUND_APPLIED,
        actor=officer,
        actor_kind=ActorKind.USER,
        obj=assignment,
        data={"sms_id": msg.pk, "event_id": event.pk, "disposition": event.disposition},
    )
    return InboundResult("applied", "", msg.pk, assignment.pk, event.pk)
