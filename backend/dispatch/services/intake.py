"""Intake from integrations (eGov, Kaspi, Halyk, the Police-102 app, 112, cameras…).

Idempotent by (channel, external_ref): the first request creates the incident; a replay
with the same content returns it; the same reference with other content is a 409. Two
identical requests at the same moment create one incident: the unique constraint decides,
and the loser reads the winner.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from backend.common import clock
from backend.common.errors import Conflict, Forbidden, Unauthenticated, ValidationFailed
from backend.devices.models import digest
from backend.ledger import uow
from backend.ledger.actions import AuditAction

from ..models import Channel, Incident, IntakeKey
from .incidents import AlreadyExists, IncidentInput, incident_new
from .locks import lock_one

KEY_PREFIX = "kzi_"
# last_used_at is bookkeeping: write it at most this often per key.
LAST_USED_EVERY = dt.timedelta(minutes=1)


def intake_key_issue(*, channel: str, name: str, by: Any = None) -> tuple[IntakeKey, str]:
    """Issue an API key for one integration; returns the row and the key (shown once)."""
    if channel not in Channel.values:
        raise ValidationFailed(f"Unknown channel {channel!r}.", code="unknown_channel")
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("An integration name is required.", code="name_required")
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    with uow.unit_of_work():
        key = IntakeKey.objects.create(
            name=name[:80],
            channel=channel,
            key_hash=digest(raw),
            prefix=raw[:12],
            created_at=clock.now(),
            created_by=by,
        )
        uow.audit(
            AuditAction.INTAKE_KEY_ISSUED,
            actor=by,
            obj=key,
            object_type="intake_key",
            data={"channel": channel, "name": key.name, "prefix": key.prefix},
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


def intake_receive(
    *, key: IntakeKey, channel: str, external_ref: str, data: IncidentInput
) -> IntakeOutcome:
    """Take one report from an integration (see the module docstring)."""
    if key.channel != channel:
        raise Forbidden(f"This key is for the {key.channel} channel.")
    external_ref = external_ref.strip()
    if not external_ref:
        raise ValidationFailed("external_ref is required.", code="external_ref_required")
    fingerprint = data.fingerprint()
    existing = Incident.objects.filter(channel=channel, external_ref=external_ref).first()
    if existing is not None:
        return _replay(existing, fingerprint)
    try:
        with uow.unit_of_work():
            incident = incident_new(
                channel=channel, data=data, intake_key=key, external_ref=external_ref
            )
    except AlreadyExists:
        existing = Incident.objects.get(channel=channel, external_ref=external_ref)
        return _replay(existing, fingerprint)
    return IntakeOutcome(incident, created=True)
