"""Intake from integrations (eGov, Kaspi, Halyk, the Police-102 app, 112, cameras…).

Idempotent by (partner, external_ref): the first request creates the incident; a replay
with the same content returns it; the same reference with other content is a 409. Two
identical requests at the same moment create one incident: the unique constraint decides,
and the loser reads the winner. A reference is the partner's own: another integration on the
same channel (another partner, with keys of its own) sending the same one sends another
report — never answered with, refused by, or shown the first partner's. The partner is its
key's (``IntakeKey.partner``): a key issued to replace another is the same partner's, so a
retry with the replacement is a replay, not a second call.

A partner reads back what became of its report by the same (partner, external_ref):
:func:`intake_status`, what a citizen-facing app may show and no more (docs/intake.md).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from backend.common import clock
from backend.common.errors import Conflict, Forbidden, NotFound, Unauthenticated, ValidationFailed
from backend.devices.models import digest
from backend.ledger import uow
from backend.ledger.actions import AuditAction
from backend.ledger.models import INTEGRATION_LABEL_PREFIX, ActorKind
from sync.protocol import has_unstorable

from .. import kpis, sms_texts
from ..lifecycle import IncidentStatus
from ..models import Channel, Incident, IntakeKey, IntakePartner
from .incidents import AlreadyExists, IncidentInput, incident_new
from .locks import lock_one

# The longest reference a report is taken with (``Incident.external_ref``).
EXTERNAL_REF_MAX = Incident._meta.get_field("external_ref").max_length or 128

KEY_PREFIX = "kzi_"
# last_used_at is bookkeeping: write it at most this often per key.
LAST_USED_EVERY = dt.timedelta(minutes=1)


def intake_key_issue(
    *,
    channel: str,
    name: str = "",
    by: Any = None,
    replaces: IntakeKey | None = None,
    exercise: bool | None = None,
) -> tuple[IntakeKey, str]:
    """Issue an API key for one integration; returns the row and the key (shown once).

    A new integration's key is a new partner's. A key that ``replaces`` another (after a leak,
    or on schedule; the old one revoked or not) is that key's partner's: the reports sent with
    the old key are replayed, refused as conflicts, read and called back through the new one.
    Its name is the old key's unless given; its channel must be the old key's. The old key
    works on until it is revoked (``intake_key_revoke``), so the partner can switch over.

    An ``exercise`` key's reports are exercise calls (``Incident.exercise``): dispatched like
    any, kept out of the figures. A replacement is an exercise key as the old one was unless
    told otherwise; a key is never edited, so a drill's key stays one."""
    if channel not in Channel.values:
        raise ValidationFailed(f"Unknown channel {channel!r}.", code="unknown_channel")
    if replaces is not None and replaces.channel != channel:
        raise ValidationFailed(
            f"Key {replaces.prefix} is for the {replaces.channel} channel: so is its replacement.",
            code="replaces_other_channel",
        )
    name = (name or "").strip() or (replaces.name if replaces is not None else "")
    if exercise is None:
        exercise = replaces.exercise if replaces is not None else False
    if not name:
        raise ValidationFailed("An integration name is required.", code="name_required")
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    now = clock.now()
    with uow.unit_of_work():
        if replaces is None:
            partner = IntakePartner.objects.create(name=name[:80], channel=channel, created_at=now)
        else:
            partner = replaces.partner
        key = IntakeKey.objects.create(
            name=name[:80],
            channel=channel,
            key_hash=digest(raw),
            prefix=raw[:12],
            created_at=now,
            created_by=by,
            partner=partner,
            replaces=replaces,
            exercise=exercise,
        )
        data: dict[str, Any] = {"channel": channel, "name": key.name, "prefix": key.prefix}
        if exercise:
            data["exercise"] = True
        if replaces is not None:
            data |= {
                "replaces": replaces.pk,
                "replaces_prefix": replaces.prefix,
                "replaces_revoked": replaces.revoked_at is not None,
                "partner": partner.pk,
            }
        uow.audit(
            AuditAction.INTAKE_KEY_ISSUED if replaces is None else AuditAction.INTAKE_KEY_REPLACED,
            actor=by,
            obj=key,
            object_type="intake_key",
            data=data,
        )
    return key, raw


def intake_key_revoke(*, key: IntakeKey, by: Any) -> bool:
    """Revoke a key at once. Returns False when it was already revoked."""
    with uow.unit_of_work():
        locked = lock_one(IntakeKey, key.pk)
        if locked is None or locked.revoked_at is not None:
            return False
        locked.revoked_at = clock.now()
        locked.save(update_fields=["revoked_at"])
        uow.audit(
            AuditAction.INTAKE_KEY_REVOKED,
            actor=by,
            obj=locked,
            object_type="intake_key",
            data={"channel": locked.channel, "name": locked.name},
        )
    key.refresh_from_db()
    return True


def intake_key_authenticate(raw: str | None) -> IntakeKey:
    """The live key for ``Authorization: Api-Key <key>``; raises ``unauthenticated``."""
    if not raw:
        raise Unauthenticated("Authorization: Api-Key <key> is required.")
    key = IntakeKey.objects.filter(key_hash=digest(raw.strip())).first()
    if key is None or key.revoked_at is not None:
        raise Unauthenticated("Unknown or revoked API key.")
    now = clock.now()
    if key.last_used_at is None or key.last_used_at < now - LAST_USED_EVERY:
        IntakeKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key


@dataclass(frozen=True)
class IntakeOutcome:
    incident: Incident
    created: bool


def _replay(existing: Incident, fingerprint: str) -> IntakeOutcome:
    if existing.intake_fingerprint != fingerprint:
        raise Conflict(
            "This external_ref was already used for a report with other content.",
            code="conflict",
            incident_id=existing.pk,
        )
    return IntakeOutcome(existing, created=False)


def intake_channel_check(*, key: IntakeKey, channel: str) -> None:
    """A key works on its own channel only (``forbidden``). The view asks first, so that a
    key used on another channel's path is told so before anything about its body."""
    if key.channel != channel:
        raise Forbidden(f"This key is for the {key.channel} channel.")


def intake_receive(
    *, key: IntakeKey, channel: str, external_ref: str, data: IncidentInput
) -> IntakeOutcome:
    """Take one report from an integration (see the module docstring)."""
    intake_channel_check(key=key, channel=channel)
    external_ref = external_ref.strip()
    if not external_ref:
        raise ValidationFailed("external_ref is required.", code="external_ref_required")
    fingerprint = data.fingerprint()
    existing = Incident.objects.filter(
        intake_partner_id=key.partner_id, external_ref=external_ref
    ).first()
    if existing is not None:
        return _replay(existing, fingerprint)
    try:
        with uow.unit_of_work():
            incident = incident_new(
                channel=channel, data=data, intake_key=key, external_ref=external_ref
            )
    except AlreadyExists:
        existing = Incident.objects.get(intake_partner_id=key.partner_id, external_ref=external_ref)
        return _replay(existing, fingerprint)
    return IntakeOutcome(incident, created=True)


# --- the partner's read -------------------------------------------------------------------------


class PublicStatus:
    """The ``status`` of a discreet report (domestic violence, restricted): whether it is
    still being dealt with, and nothing of how."""

    OPEN = "open"


@dataclass(frozen=True)
class IntakeStatus:
    """What a partner may show the citizen about one of its reports.

    Never names, phones, units, officers, the place or the disposition. A ``discreet``
    report (domestic violence, or restricted) says only ``open``, ``closed`` or
    ``cancelled`` with its received, closed and told times: the app may be read on a phone
    the person the call was about holds, as the citizen's SMS is worded for (sms_texts).
    """

    id: int
    number: str
    external_ref: str
    status: str
    duplicate_of: str | None
    received_at: dt.datetime
    dispatched_at: dt.datetime | None
    on_scene_at: dt.datetime | None
    closed_at: dt.datetime | None
    outcome: str | None
    outcome_label: str | None
    citizen_notified_at: dt.datetime | None
    citizen_delay_notified_at: dt.datetime | None
    discreet: bool


def intake_status(*, key: IntakeKey, channel: str, external_ref: str) -> IntakeStatus:
    """The partner's read of its report ``external_ref`` on ``channel`` (the key's channel
    only), one the key sent: another channel's reference, or another partner's on the same
    channel, is ``not_found`` — as one never sent, so that guessing references tells nothing.

    A report linked as a repeat of another call shows that call's number, its first dispatch
    and arrival (the unit sent there answers this report too) and its outcome; its own
    ``closed_at`` is set when that call is closed. The outcome is the measure the citizen is
    told by SMS (:func:`sms_texts.citizen_measure`), once the call is closed. A read of a DV
    report is audited, as every read of one is.
    """
    intake_channel_check(key=key, channel=channel)
    external_ref = external_ref.strip()
    if has_unstorable(external_ref) or len(external_ref) > EXTERNAL_REF_MAX:
        # No report was ever taken with such a reference (the send refuses it); looked up on
        # PostgreSQL, a U+0000 (".../abc%00/") failed the query: a 500 "retry with backoff".
        raise NotFound(f"No report with this external_ref on the {channel} channel.")
    incident = (
        kpis.incidents_with_kpis()
        .filter(intake_partner_id=key.partner_id, external_ref=external_ref)
        .first()
    )
    if incident is None:
        raise NotFound(f"No report with this external_ref on the {channel} channel.")
    if incident.is_dv:
        with uow.unit_of_work():
            uow.audit(
                AuditAction.INCIDENT_READ,
                actor_kind=ActorKind.INTEGRATION,
                actor_label=INTEGRATION_LABEL_PREFIX + key.name,
                obj=incident,
                data={"purpose": "intake.status"},
            )
    return intake_status_of(incident)


def intake_status_of(incident: Incident) -> IntakeStatus:
    """What :func:`intake_status` answers for ``incident``, read without the checks and the
    audit of a partner's request: the status callbacks send this body, so that a callback
    can never show more than the read (a discreet report included)."""
    if not hasattr(incident, "first_dispatched_at"):
        incident = kpis.incidents_with_kpis().get(pk=incident.pk)
    discreet = incident.is_dv or incident.restricted
    call = incident
    if incident.duplicate_of_id is not None:
        call = kpis.incidents_with_kpis().get(pk=incident.duplicate_of_id)
    closed = incident.closed_at is not None and incident.status != IncidentStatus.CANCELLED
    label = sms_texts.citizen_measure(call.outcome_code, discreet=discreet) if closed else ""
    status = incident.status
    if discreet and status != IncidentStatus.CANCELLED:
        status = IncidentStatus.CLOSED if closed else PublicStatus.OPEN
    return IntakeStatus(
        id=incident.pk,
        number=incident.number,
        external_ref=incident.external_ref or "",
        status=str(status),
        duplicate_of=None if discreet or call is incident else call.number,
        received_at=incident.received_at,
        # annotated by kpis.incidents_with_kpis: the first dispatch and arrival, as the KPIs
        dispatched_at=None if discreet else getattr(call, "first_dispatched_at", None),
        on_scene_at=None if discreet else getattr(call, "first_on_scene_at", None),
        closed_at=incident.closed_at,
        outcome=call.outcome_code if label else None,
        outcome_label=label or None,
        citizen_notified_at=incident.citizen_notified_at,
        citizen_delay_notified_at=None if discreet else incident.citizen_delay_notified_at,
        discreet=discreet,
    )
