"""The two append-only ledgers of Kuzet and the sequencer that orders them.

* ``AuditEntry`` — who did what, hash-chained: every entry carries the hash of the one
  before, so an edited, deleted or reordered entry is detected by ``manage.py audit_verify``.
  On PostgreSQL a trigger refuses UPDATE and DELETE on the table.
* ``Change`` — the change log that device pulls read. Its sequence numbers are handed out
  under the sequencer's row lock at the end of each transaction, so they are assigned in
  commit order and a cursor never skips a change committed late (a plain PostgreSQL
  sequence is taken when the statement runs, not at commit).

Both are written only through :mod:`backend.ledger.uow`.

* ``IdempotentRequest`` — a staff write's ``Idempotency-Key`` and the answer it got, stored
  in the write's own transaction (:mod:`backend.ledger.idempotency`).
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .actions import action_label

GENESIS_HASH = "0" * 64

# An integration's entries name it as ``intake:<key name>`` (ActorKind.INTEGRATION).
INTEGRATION_LABEL_PREFIX = "intake:"


class Sequencer(models.Model):
    """The one row whose lock orders the audit chain and the change log."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    change_seq = models.BigIntegerField(default=0)
    audit_seq = models.BigIntegerField(default=0)
    audit_head = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="sequencer_single_row")
        ]

    def __str__(self) -> str:
        return f"change {self.change_seq}, audit {self.audit_seq}"


class ActorKind(models.TextChoices):
    USER = "user", _("staff user")
    DEVICE = "device", _("officer's device")
    SYSTEM = "system", _("system (escalation, sweeps)")
    INTEGRATION = "integration", _("intake integration")
    ANONYMOUS = "anonymous", _("unauthenticated")


class AuditEntry(models.Model):
    id = models.BigIntegerField(primary_key=True)  # from Sequencer.audit_seq, gap-free
    at = models.DateTimeField(_("at"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # audit_actor_idx below leads with it
    )
    actor_kind = models.CharField(_("who (kind)"), max_length=16, choices=ActorKind.choices)
    actor_label = models.CharField(_("who (name)"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=32, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    # The district whose chief may read this entry (null: oblast-level or global).
    district = models.ForeignKey(
        "geo.District",
        verbose_name=_("district"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Canonical JSON text, hashed byte for byte (a JSON column would re-format it).
    data = models.TextField(_("data"), default="{}")
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            # A person's own last actions, newest first (the duty desk's home): without the id
            # the planner walked the whole log backwards for someone who last acted long ago.
            models.Index(fields=["actor", "id"], name="audit_actor_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(id__gte=1), name="audit_id_positive")
        ]

    def __str__(self) -> str:
        # The page's title and breadcrumb: the entry's number and what happened, in words
        # (the list still finds an entry by the action's code).
        return f"№ {self.id} · {action_label(self.action)}"

    @property
    def actor_name(self) -> str:
        """Who acted, as a person reads it: the login or the integration's name (stored as
        ``intake:<name>``, what the hash chain covers), else the kind of actor."""
        if self.actor_kind == ActorKind.INTEGRATION:
            name = self.actor_label.removeprefix(INTEGRATION_LABEL_PREFIX)
            return name or str(self.get_actor_kind_display())
        return self.actor_label or str(self.get_actor_kind_display())

    @property
    def data_dict(self) -> dict[str, Any]:
        value = json.loads(self.data)
        return value if isinstance(value, dict) else {"value": value}


class Change(models.Model):
    """One record becoming visible (or invisible, ``deleted``) to one audience.

    An audience is a string such as ``u:12`` (a unit's devices), ``d:3`` (everyone in a
    district) or ``*`` (everyone). The sync gateway decides audiences; see
    ``backend.sync_gateway.scope``.
    """

    seq = models.BigIntegerField(primary_key=True)
    audience = models.CharField(max_length=32)
    table = models.CharField(max_length=32)
    record_id = models.CharField(max_length=64)
    deleted = models.BooleanField(default=False)
    at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["audience", "seq"], name="change_audience_seq_idx"),
            models.Index(fields=["at"], name="change_at_idx"),
        ]

    def __str__(self) -> str:
        verb = "delete" if self.deleted else "upsert"
        return f"{self.seq} {verb} {self.table}:{self.record_id} → {self.audience}"


class IdempotentRequest(models.Model):
    """One ``Idempotency-Key`` of one user, and the answer its request got.

    Inserted first in the request's unit of work — the unique key makes a concurrent retry
    wait for the first request's transaction — and completed with the answer in the same
    transaction as the write, so a key is never stored for a write that did not happen.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of method, path and body")
    status_code = models.PositiveSmallIntegerField(default=0)
    response = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key} → {self.status_code}"
