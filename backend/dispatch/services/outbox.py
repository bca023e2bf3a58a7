"""The SMS outbox: who gets a text, and writing and sending it.

Outbound messages are rows written in the same transaction as the dispatch or escalation
that needs them (an outbox): if the transaction rolls back, nothing is sent; if it commits,
the message exists even when the broker loses the "send now" task, and the next run of
:func:`sms_send_pending` (after every sweep) sends it. A sender claims a row with a
conditional ``UPDATE … WHERE state = 'queued'``, so two senders never both send it.

Past ``KUZET_SMS_RETENTION_DAYS`` a message keeps its number's last four digits only, and a
stranger's reply is deleted (:func:`sms_prune`, hourly by beat).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

import orjson
from celery import current_app
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q

from backend.common import clock
from backend.common.phones import MASK, phone_masked
from backend.devices.models import Device
from backend.geo.models import Coverage
from backend.people.models import Officer, Unit

from .. import selectors
from ..models import Incident, SmsMessage
from ..sms import OutgoingSms, SmsError, get_backend, reply_code_for
from ..sms_texts import DEFAULT_LANGUAGE, dispatch_text

MAX_ATTEMPTS = 5
# A message claimed this long ago and still "sending" belonged to a worker that died.
STUCK_AFTER = dt.timedelta(minutes=5)
POOR_COVERAGE = frozenset({Coverage.SMS_ONLY, Coverage.NONE})
# Called by name: the task module imports this one (tasks → services), not the other way;
# a signature finds the registered task, so eager mode (the tests) still runs it in place.
SEND_TASK = "backend.dispatch.tasks.sms_send_pending"


# --- who gets an SMS ---------------------------------------------------------------------------
class Phone(NamedTuple):
    """Where an officer gets an SMS, and the language they read it in (Officer.language)."""

    officer_id: int
    number: str
    language: str = DEFAULT_LANGUAGE


# A text for every phone, or the text in a language (composed once per language).
Body = str | Callable[[str], str]


def unit_phones(unit_ids: Iterable[int]) -> dict[int, list[Phone]]:
    """The phones of the active members of each unit that have one, with their language."""
    phones: dict[int, list[Phone]] = defaultdict(list)
    rows = (
        Officer.objects.filter(unit_id__in=set(unit_ids), is_active=True)
        .exclude(phone="")
        .order_by("pk")
        .values_list("unit_id", "pk", "phone", "language")
    )
    for unit_id, officer_id, phone, language in rows:
        phones[unit_id].append(Phone(officer_id, phone, language or DEFAULT_LANGUAGE))
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
    phones: list[Phone] | None = None,
) -> list[QueuedSms]:
    """Outbox rows: the assignment to every phone of the unit, each in its officer's
    language, with its reply code."""
    if phones is None:
        phones = unit_phones([unit_id]).get(unit_id, [])
    return sms_to_phones(
        phones=phones,
        body=lambda language: dispatch_text(
            incident=incident, assignment_id=assignment_id, reminder=reminder, language=language
        ),
        purpose=purpose,
        now=now,
        assignment_id=assignment_id,
        reply_code=reply_code_for(assignment_id),
    )


def sms_to_phones(
    *,
    phones: Iterable[Phone],
    body: Body,
    purpose: str,
    now: dt.datetime,
    assignment_id: int,
    reply_code: str,
) -> list[QueuedSms]:
    """Outbox rows: one message to each phone; a ``body`` that is a function of the
    language gives each officer the text in their own (composed once per language)."""
    texts: dict[str, str] = {}

    def text(language: str) -> str:
        if isinstance(body, str):
            return body
        if language not in texts:
            texts[language] = body(language)
        return texts[language]

    return [
        sms_build(
            phone=p.number,
            body=text(p.language),
            purpose=purpose,
            now=now,
            officer_id=p.officer_id,
            assignment_id=assignment_id,
            reply_code=reply_code,
        )
        for p in phones
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
        current_app.signature(SEND_TASK).delay()

    transaction.on_commit(enqueue, robust=True)


def sms_send_pending(
    *, limit: int = 200, backend: Any = None, stop: Callable[[], bool] | None = None
) -> int:
    """Send queued outbound messages; returns how many were sent.

    Each row is claimed with a conditional update (``queued`` → ``sending``), sent outside
    any transaction, then recorded as ``sent`` (or back to ``queued`` for a retry, ``failed``
    after :data:`MAX_ATTEMPTS`). Rows stuck in ``sending`` after :data:`STUCK_AFTER` (the worker
    died mid-send) are re-queued first; the outbox id travels as the gateway's idempotency
    key, so that re-send is not a second SMS at a gateway that honours it.

    ``stop`` is asked before each message is claimed: once it answers True (the worker is
    shutting down) the rest stay queued for the next run, none left ``sending``.
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
        if stop is not None and stop():
            break
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


# --- retention -----------------------------------------------------------------------------

# Old rows are masked or deleted this many at a time (short transactions).
PRUNE_BATCH = 1000
# Still to be sent: the sender reads the number.
UNSENT = (SmsMessage.State.QUEUED, SmsMessage.State.SENDING)


class SmsPruned(NamedTuple):
    deleted: int  # strangers' replies
    masked: int  # numbers cut to their last four digits


def sms_prune(*, now: dt.datetime | None = None, batch: int = PRUNE_BATCH) -> SmsPruned:
    """After ``KUZET_SMS_RETENTION_DAYS``: delete the replies of strangers, and cut every
    other message's number to its last four digits (``phone_masked``); ``batch`` rows per
    statement. Idempotent: a masked number is never read again (``sms_whole_number_idx``).

    A stranger's reply is an inbound message linked to no officer and no call: a number no
    officer has, or words that are no reply (``unknown_command``). What it says is personal
    data, of someone Kuzet has nothing to do with; its audit entry keeps the reason and the
    last four digits. Every other row stays, with its officer, its call and its text: a
    reply is the evidence of an acknowledgement (the fact's payload names it and quotes its
    text, the code), a refused one of an officer's attempt, and a sent text is what the crew
    or the caller was told — the call holds the same facts for as long as it is kept. The
    timeline names a reply by the four digits from the start (``admin.timeline``), so it
    reads the same after. A message still to be sent keeps its number, however old."""
    now = now or clock.now()
    horizon = now - dt.timedelta(days=settings.KUZET_SMS_RETENTION_DAYS)
    old = SmsMessage.objects.filter(~Q(phone__startswith=MASK), created_at__lt=horizon)
    strangers = old.filter(
        direction=SmsMessage.Direction.IN, officer__isnull=True, assignment__isnull=True
    )
    deleted = masked = 0
    while ids := list(strangers.order_by("created_at").values_list("pk", flat=True)[:batch]):
        deleted += SmsMessage.objects.filter(pk__in=ids).delete()[0]
        if len(ids) < batch:
            break
    kept = old.exclude(state__in=UNSENT).order_by("created_at").only("pk", "phone")
    while rows := list(kept[:batch]):
        for row in rows:
            row.phone = phone_masked(row.phone)
        masked += SmsMessage.objects.bulk_update(rows, ["phone"])
        if len(rows) < batch:
            break
    return SmsPruned(deleted, masked)
