"""Status callbacks: a partner hears of a change to its report instead of polling for it.

What a partner sees of a report is one body, its read (``GET /api/v1/intake/<channel>/
<external_ref>/``, :func:`intake_status_of` and the read's serializer). Rather than hook every
service that could change it, :func:`callbacks_record` runs where every write passes: inside
each unit of work's transaction, under the sequencer lock (``KUZET_CHANGE_RECORDERS``). For the
reports the unit of work touched or audited (and the repeats of those calls) whose partner
has a callback, it renders the read's body and compares it with the last body written for the
report; a different body is a new delivery row, numbered one more. Holding the lock, no two
writers compare at once; writing the row in the same transaction, a change that commits
always has its delivery and a rolled-back one never does. So no change is missed, and the
same state is never sent twice.

Rows are sent after commit by a task (:func:`callback_send`) and, for retries and for a task
the broker lost, by a sweep every 30 s (:func:`callbacks_send_due`). A sender claims a row with
a conditional ``UPDATE … WHERE state = 'pending'``, so two senders never both send it. Each
send resolves the partner's host and refuses an internal address (``addresses``): such a
delivery is given up at once, with the reason. Finished rows are deleted after
``KUZET_CALLBACK_RETENTION_DAYS`` (:func:`callbacks_prune`), each report's last one kept.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import logging
import secrets
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson
from celery import current_app
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from standardwebhooks import Webhook

from backend.common import clock
from backend.common.errors import ValidationFailed
from backend.dispatch import kpis
from backend.dispatch.apis import IntakeStatusApi, Rfc3339DateTimeField
from backend.dispatch.models import Assignment, Incident, IntakeKey, IntakePartner
from backend.dispatch.services.intake import intake_status_of
from backend.ledger import uow
from backend.ledger.actions import AuditAction
from backend.ledger.models import INTEGRATION_LABEL_PREFIX, ActorKind
from backend.ledger.names import SyncTable

from . import addresses
from .models import FINISHED_STATES, CallbackDelivery, DeliveryState, IntakeCallback

log = logging.getLogger(__name__)

SECRET_PREFIX = "whsec_"  # noqa: S105 (the spec's prefix, not a secret)
EVENT_PREFIX = "msg_"
SEND_TASK = "backend.webhooks.tasks.callback_send"
# Waits before each retry: roughly doubling, 23 h 42 min in all (10 attempts), so a partner's
# server that is down for a night still gets the day's changes; then the row is given up.
RETRY_DELAYS = tuple(dt.timedelta(minutes=m) for m in (0.5, 2, 10, 30, 60, 120, 240, 480, 480))
# A partner that answers slower than this is treated as down (a retry follows): the worker's
# threads are shared with the SMS and the sweeps.
TIMEOUT = httpx.Timeout(10.0, connect=5.0)
# A row claimed this long ago and still "sending" belonged to a worker that died.
STUCK_AFTER = dt.timedelta(minutes=5)
# Answers worth another try: the partner timed out or asks us to slow down. Any other 4xx
# says the request itself is wrong, and the same bytes will not fare better.
RETRY_STATUS = frozenset({408, 429})
# Old finished deliveries are deleted this many at a time (short transactions).
PRUNE_BATCH = 1000
# What each kind of refused address is, in a sentence of ``refusal_text``.
ADDRESS_KINDS = {
    addresses.LOOPBACK: gettext_lazy("this server itself (loopback)"),
    addresses.PRIVATE: gettext_lazy("an address of a private network"),
    addresses.LINK_LOCAL: gettext_lazy("a link-local address (such as a cloud's metadata service)"),
    addresses.MULTICAST: gettext_lazy("a multicast address"),
    addresses.UNSPECIFIED: gettext_lazy("an unspecified address"),
    addresses.RESERVED: gettext_lazy("a reserved address"),
}


# --- configuration -----------------------------------------------------------------------------


def refusal_text(refused: addresses.Refused) -> str:
    """Why a callback may not go to a URL, in the active language."""
    if refused.kind == "scheme":
        return _("Give an https:// address (plain http only on a development server).")
    words = {
        "host": refused.host,
        "address": refused.address,
        "kind": ADDRESS_KINDS.get(refused.kind, refused.kind),
    }
    if refused.host in ("", refused.address):  # the URL names the address itself
        return (
            _("%(address)s is %(kind)s: callbacks go only to a partner's server on the internet.")
            % words
        )
    return (
        _(
            "%(host)s is at %(address)s, %(kind)s: callbacks go only to a partner's server on "
            "the internet."
        )
        % words
    )


def callback_url_check(url: str) -> str:
    """The URL as given, or ``invalid_callback_url`` (not https; http is let through only
    with ``KUZET_CALLBACK_ALLOW_HTTP``, a development server) or ``callback_address_refused``
    (its host is or resolves to an internal address: ``addresses``)."""
    url = (url or "").strip()
    try:
        addresses.url_check(url)
    except addresses.Refused as refused:
        if refused.kind == "scheme":
            raise ValidationFailed(refusal_text(refused), code="invalid_callback_url") from None
        raise ValidationFailed(
            refusal_text(refused),
            code="callback_address_refused",
            host=refused.host,
            address=refused.address,
        ) from None
    return url


def callback_configure(
    *, partner: IntakePartner, url: str, language: str = "ru", by: Any = None
) -> tuple[IntakeCallback, str]:
    """Send ``partner``'s reports' changes to ``url``, whichever of its keys sent them;
    returns the row and a new signing secret (shown once). Configuring a partner again
    replaces its URL and its secret. A partner whose every key is revoked may be given one
    (before its new key is issued, after a leak): it is sent to once a key of it is live."""
    url = callback_url_check(url)
    if language not in dict(settings.LANGUAGES):
        raise ValidationFailed(f"Unknown language {language!r}.", code="invalid")
    # Standard Webhooks: "whsec_" and the base64 of 24 random bytes (the spec asks 24–64).
    secret = SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()
    with uow.unit_of_work():
        callback, _created = IntakeCallback.objects.update_or_create(
            partner=partner,
            defaults={
                "url": url,
                "secret": secret,
                "language": language,
                "created_at": clock.now(),
                "created_by": by,
            },
        )
        uow.audit(
            AuditAction.INTAKE_CALLBACK_SET,
            actor=by,
            object_type="intake_partner",
            object_id=partner.pk,
            data={
                "channel": partner.channel,
                "name": partner.name,
                "url": url,
                "language": language,
            },
        )
    return callback, secret


# --- the outbox: written in the transaction of the change -------------------------------------


def _changed_reports(written: uow.Written) -> set[int]:
    """The incidents whose read may have changed: touched or audited, directly or through an
    assignment of theirs.

    Events alone are left out: everything a partner reads is on the incident and its
    assignments (status, first dispatch and arrival, closing, outcome, the citizen told —
    :func:`backend.dispatch.services.intake_status_of`), and a fact that changes any of it
    touches that row in the same unit of work. This runs under the sequencer lock, and the
    commonest write of all — a phone's position, an event and nothing else — then asks the
    database nothing (``bench/sequencer_hold.py``: the lookup had put 0.19 ms, ≈ 5 %, into
    every hold)."""
    ids: dict[str, set[str]] = {"incident": set(), "assignment": set()}
    tables = {SyncTable.INCIDENTS: "incident", SyncTable.ASSIGNMENTS: "assignment"}
    for table, kind in tables.items():
        ids[kind].update(written.touched.get(table, ()))
    for action, object_type, object_id in written.audited:
        # A read changes nothing (and a DV callback's own delivery is audited as one).
        if action != AuditAction.INCIDENT_READ and object_type in ids and object_id:
            ids[object_type].add(object_id)
    if not any(ids.values()):
        return set()
    # Most deployments (and the demo) have no callback: one small query, not two lookups,
    # on every write the desk and the phones make to a call — plain SQL, as the unit of
    # work's other statements under the lock: compiling exists() cost more than its run.
    if not _any_callback():
        return set()
    found = {int(i) for i in ids["incident"] if i.isdigit()}
    assignments = [int(i) for i in ids["assignment"] if i.isdigit()]
    if assignments:
        found.update(
            Assignment.objects.filter(pk__in=assignments).values_list("incident_id", flat=True)
        )
    return found


def _any_callback() -> bool:
    """Whether any partner has a callback (``IntakeCallback.objects.exists()``, precomposed)."""
    table = connection.ops.quote_name(IntakeCallback._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {table} LIMIT 1")  # noqa: S608
        return cursor.fetchone() is not None


def callbacks_record(written: uow.Written) -> None:
    """Write a delivery for every report with a callback whose read changed (module
    docstring). Called by :func:`backend.ledger.uow.flush` in the transaction, under the
    sequencer lock."""
    changed = _changed_reports(written)
    if not changed:
        return
    partner = OuterRef("intake_partner_id")
    reports = (
        kpis.incidents_with_kpis()
        .filter(Q(pk__in=changed) | Q(duplicate_of_id__in=changed))
        .filter(
            Exists(IntakeCallback.objects.filter(partner_id=partner)),
            Exists(IntakeKey.objects.filter(partner_id=partner, revoked_at__isnull=True)),
        )
        .order_by("pk")
    )
    callbacks: dict[int, IntakeCallback | None] = {}
    for report in reports:
        assert report.intake_partner_id is not None  # filtered on its partner's callback
        if report.intake_partner_id not in callbacks:
            callbacks[report.intake_partner_id] = partner_callback(report.intake_partner_id)
        callback = callbacks[report.intake_partner_id]
        if callback is not None:
            _record_one(report, callback)


def partner_callback(partner_id: int) -> IntakeCallback | None:
    """Where a partner's reports' changes go: its callback — whichever key sent the report,
    the one it replaced or its replacement — while one of its keys is live. Replacing or
    revoking a key leaves it as it is; a partner whose every key is revoked is told nothing
    (docs/intake.md, *Replacing a key*)."""
    if not IntakeKey.objects.filter(partner_id=partner_id, revoked_at__isnull=True).exists():
        return None
    return IntakeCallback.objects.filter(partner_id=partner_id).first()


def _record_one(report: Incident, callback: IntakeCallback) -> None:
    with translation.override(callback.language):
        body = dict(IntakeStatusApi.IntakeStatusOutput(intake_status_of(report)).data)
    data = uow.canonical_json(body)
    last = (
        CallbackDelivery.objects.filter(incident_id=report.pk)
        .order_by("-sequence")
        .values_list("sequence", "data")
        .first()
    )
    if last is not None and last[1] == data:
        return  # nothing the partner sees changed (a note, a unit's position…)
    sequence = last[0] + 1 if last is not None else 1
    now = clock.now()
    # The new body holds the whole state: one still waiting to be sent is of no more use.
    CallbackDelivery.objects.filter(incident_id=report.pk, state=DeliveryState.PENDING).update(
        state=DeliveryState.SUPERSEDED, next_attempt_at=None, finished_at=now
    )
    event_id = EVENT_PREFIX + secrets.token_urlsafe(18)
    event_type = "report.received" if sequence == 1 else "report.updated"
    payload = {
        "id": event_id,
        "type": event_type,
        "timestamp": Rfc3339DateTimeField().to_representation(now),
        "sequence": sequence,
        "data": body,
    }
    delivery = CallbackDelivery.objects.create(
        event_id=event_id,
        partner_id=callback.partner_id,
        incident_id=report.pk,
        sequence=sequence,
        event_type=event_type,
        data=data,
        payload=orjson.dumps(payload).decode(),
        created_at=now,
        next_attempt_at=now,
    )
    transaction.on_commit(functools.partial(_send_soon, delivery.pk), robust=True)


# What a delivery's ``last_error`` says when it was not sent at all (the console words them).
# (Kept as it was when callbacks were per key: older rows say it too.)
NO_CALLBACK = "no callback for this key"
NOT_RESOLVED = "could not resolve "


def _send_soon(delivery_id: int) -> None:
    current_app.signature(SEND_TASK, args=(delivery_id,)).delay()


# --- sending -------------------------------------------------------------------------------


def _claim(delivery_id: int, now: dt.datetime) -> bool:
    due = Q(state=DeliveryState.PENDING, next_attempt_at__lte=now) | Q(
        state=DeliveryState.SENDING, last_attempt_at__lt=now - STUCK_AFTER
    )
    claimed = CallbackDelivery.objects.filter(due, pk=delivery_id).update(
        state=DeliveryState.SENDING, last_attempt_at=now
    )
    return claimed == 1


def callback_send(delivery_id: int, *, transport: httpx.BaseTransport | None = None) -> str:
    """Send one delivery if it is due and nobody else is sending it; returns its state."""
    now = clock.now()
    if not _claim(delivery_id, now):
        state = CallbackDelivery.objects.filter(pk=delivery_id).values_list("state", flat=True)
        return str(state.first() or "")
    delivery = CallbackDelivery.objects.select_related("partner", "incident").get(pk=delivery_id)
    # The partner's callback as it is now (set again since the body was written: the new URL
    # and secret), not necessarily the one the row was written for.
    callback = partner_callback(delivery.partner_id)
    if callback is None:
        # Every key of the partner was revoked (or its callback removed) since: nobody to tell.
        return _finish(delivery, now, status=None, error=NO_CALLBACK, retry=False)
    try:
        target = addresses.url_pin(callback.url)
    except addresses.Refused as refused:
        # Not tried again: the same address would be refused for the next 24 h, and a name
        # that now leads inside is no partner's server (docs/intake.md, *Callbacks*).
        log.warning("callback %s refused: %s", delivery.event_id, refused.as_error())
        return _finish(delivery, now, status=None, error=refused.as_error(), retry=False)
    except OSError as exc:
        # The name is not found (a DNS failure may pass): tried again, as a network error.
        error = f"{NOT_RESOLVED}{urlsplit(callback.url).hostname}: {exc}"
        return _finish(delivery, now, status=None, error=error[:300], retry=True)
    status, error = _post(callback, delivery, now, target, transport)
    delivered = status is not None and 200 <= status < 300
    if delivered and (delivery.incident.is_dv or delivery.incident.restricted):
        # What a partner learns of a DV report is kept, as every read of one is.
        with uow.unit_of_work():
            uow.audit(
                AuditAction.INCIDENT_READ,
                actor_kind=ActorKind.INTEGRATION,
                actor_label=INTEGRATION_LABEL_PREFIX + delivery.partner.name,
                obj=delivery.incident,
                data={"purpose": "intake.callback", "event_id": delivery.event_id},
            )
    retry = status is None or status >= 500 or status in RETRY_STATUS
    return _finish(delivery, now, status=status, error=error, retry=retry and not delivered)


def _post(
    callback: IntakeCallback,
    delivery: CallbackDelivery,
    now: dt.datetime,
    target: addresses.Target,
    transport: httpx.BaseTransport | None,
) -> tuple[int | None, str]:
    body = delivery.payload.encode()
    signature = Webhook(callback.secret).sign(delivery.event_id, now, body)
    headers = {
        # The partner's name, though the connection goes to the address checked for it.
        "Host": target.host_header,
        "Content-Type": "application/json",
        "User-Agent": "Kuzet-Callbacks/1",
        "webhook-id": delivery.event_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
    }
    try:
        # No redirects: a signed body goes only where the operator registered it.
        with httpx.Client(timeout=TIMEOUT, transport=transport, follow_redirects=False) as client:
            response = client.post(
                target.url,
                content=body,
                headers=headers,
                # TLS names the partner and checks its certificate against its name, not the
                # address (httpcore's documented request extension).
                extensions={"sni_hostname": target.host},
            )
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"[:300]
    return response.status_code, ""


def _finish(
    delivery: CallbackDelivery,
    now: dt.datetime,
    *,
    status: int | None,
    error: str,
    retry: bool,
) -> str:
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.last_status_code = status
    delivery.last_error = error
    delivery.next_attempt_at = None
    if status is not None and 200 <= status < 300:
        delivery.state = DeliveryState.DELIVERED
        delivery.delivered_at = delivery.finished_at = now
    elif retry and delivery.attempts <= len(RETRY_DELAYS):
        delivery.state = DeliveryState.PENDING
        delivery.next_attempt_at = now + RETRY_DELAYS[delivery.attempts - 1]
    else:
        delivery.state = DeliveryState.FAILED
        delivery.gave_up_at = delivery.finished_at = now
        log.warning(
            "callback %s for incident %s given up after %s attempt(s): %s %s",
            delivery.event_id,
            delivery.incident_id,
            delivery.attempts,
            status,
            error,
        )
    # Only if still ours: a later body may have superseded it while it was being sent.
    CallbackDelivery.objects.filter(pk=delivery.pk, state=DeliveryState.SENDING).update(
        state=delivery.state,
        attempts=delivery.attempts,
        last_attempt_at=now,
        last_status_code=status,
        last_error=error,
        next_attempt_at=delivery.next_attempt_at,
        delivered_at=delivery.delivered_at,
        gave_up_at=delivery.gave_up_at,
        finished_at=delivery.finished_at,
    )
    return str(delivery.state)


def callbacks_send_due(*, limit: int = 200, transport: httpx.BaseTransport | None = None) -> int:
    """Send the deliveries that are due (retries, and any whose task was lost); returns how
    many were delivered. Oldest first, so a report's bodies go out in order."""
    now = clock.now()
    due = Q(state=DeliveryState.PENDING, next_attempt_at__lte=now) | Q(
        state=DeliveryState.SENDING, last_attempt_at__lt=now - STUCK_AFTER
    )
    ids = list(
        CallbackDelivery.objects.filter(due).order_by("pk").values_list("pk", flat=True)[:limit]
    )
    return sum(callback_send(pk, transport=transport) == DeliveryState.DELIVERED for pk in ids)


# --- retention -----------------------------------------------------------------------------


def callbacks_prune(*, now: dt.datetime | None = None, batch: int = PRUNE_BATCH) -> int:
    """Delete deliveries finished (delivered, superseded, given up) more than
    ``KUZET_CALLBACK_RETENTION_DAYS`` ago, ``batch`` rows per statement; returns how many.

    Never one still to be sent (pending, or being sent), and never a report's last delivery:
    the next change of the report is compared with its body and numbered after it (a partner
    keeps the highest ``sequence``, and a report starting again at 1 would be ignored)."""
    now = now or clock.now()
    horizon = now - dt.timedelta(days=settings.KUZET_CALLBACK_RETENTION_DAYS)
    later = CallbackDelivery.objects.filter(
        incident_id=OuterRef("incident_id"), sequence__gt=OuterRef("sequence")
    )
    old = CallbackDelivery.objects.filter(
        Exists(later), state__in=FINISHED_STATES, finished_at__lt=horizon
    )
    deleted = 0
    while True:
        ids = list(old.order_by("pk").values_list("pk", flat=True)[:batch])
        if not ids:
            return deleted
        deleted += CallbackDelivery.objects.filter(pk__in=ids, state__in=FINISHED_STATES).delete()[
            0
        ]
        if len(ids) < batch:
            return deleted
