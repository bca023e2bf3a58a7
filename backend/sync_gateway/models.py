"""The Django side of the sync protocol.

* ``QuarantinedRecord`` — what a device sent that was not accepted, kept verbatim.
* ``Membership`` — which audience currently sees which record. The change resolver
  (:mod:`backend.sync_gateway.scope`) compares a touched record's current audiences with
  these rows to emit move-ins and move-outs; a replacement snapshot is read from them.
* ``TimeAnchor`` — (device, boot, elapsed ms) ↔ server time, from ``X-Device-Clock``.
* ``DeviceScope`` — what a device's scope was built from; a change forces a snapshot.
* ``SnapshotBookmark`` — where a paged snapshot continues (behind a continuation cursor).
* ``ChangeLogHorizon`` — the oldest change a cursor may still stand on after pruning.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from backend.common.formatting import when_text

# Why a record was quarantined (the push's ``reason`` codes, docs/protocol.md), as words.
REASONS = {
    "invalid_id": _("The record's id is not valid"),
    "unknown_kind": _("An unknown kind of event"),
    "invalid_field": _("A field is missing or wrong"),
    "invalid_payload": _("The event's data is not valid"),
    "invalid_text": _("Text the database cannot store"),
    "read_only": _("Written to a table the phone may only read"),
    "id_reused": _("An id already used for another record"),
    "unknown_assignment": _("No such assignment"),
    "unknown_follow_up": _("No such follow-up visit"),
    "unknown_message": _("No such message from the duty desk on the call"),
}

# The protocol's tables (ledger.names.SyncTable), as a person names what a phone sent.
TABLES = {
    "incidents": _("calls"),
    "follow_ups": _("follow-up visits"),
    "assignments": _("assignments"),
    "events": _("events"),
    "units": _("units"),
    "settlements": _("settlements"),
    "codes": _("codes"),
}

# How it came: a change in a push (the protocol's operations), or an event over the socket.
OPERATIONS = {
    "created": _("created"),
    "updated": _("updated"),
    "deleted": _("deleted"),
    "ws_event": _("an event over the live connection"),
}


class QuarantinedRecord(models.Model):
    """A record a device sent that was not accepted, kept verbatim for review.

    Nothing a device sends that parses is dropped: what fails validation, or writes to a
    read-only table, lands here with the reason.
    """

    device = models.ForeignKey(
        "devices.Device",
        verbose_name=_("device"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("officer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    district = models.ForeignKey(
        "geo.District",
        verbose_name=_("district"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    table = models.CharField(_("table"), max_length=32)
    # created | updated | deleted | ws_event
    operation = models.CharField(_("operation"), max_length=16)
    record_id = models.CharField(_("record id"), max_length=128, blank=True)
    raw = models.TextField(_("as sent"))
    reason = models.CharField(_("reason"), max_length=32)
    detail = models.TextField(_("detail"), blank=True)
    received_at = models.DateTimeField(_("received at"), db_index=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("quarantined record")
        verbose_name_plural = _("quarantined records")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        # The page's title and the audit log's object: why, whose phone, when — the record
        # id ("events/sec2f26b…") is on the page's folded technical part.
        return f"{self.reason_text} · {self.officer} · {when_text(self.received_at)}"

    @property
    def reason_text(self) -> str:
        """Why it was not accepted, in the reader's language (the protocol's code otherwise)."""
        return str(REASONS.get(self.reason, self.reason))

    @property
    def operation_text(self) -> str:
        return str(OPERATIONS.get(self.operation, self.operation))

    @property
    def table_text(self) -> str:
        """The table it was sent to, in words (the protocol's name otherwise)."""
        return str(TABLES.get(self.table, self.table))

    @property
    def audit_district_id(self) -> int | None:
        return self.district_id


class Membership(models.Model):
    """One record currently visible to one audience (``u:<unit>``, ``d:<district>``, ``*``).

    Written only by the change resolver, under the sequencer lock, so it always equals the
    sum of the change log: a snapshot read from it is what incremental pulls would build.
    ``expires_at`` is set for records whose visibility ends with time (closed assignments,
    unit-level events): the age-out sweep touches them then, and the resolver emits the
    move-out.
    """

    table = models.CharField(max_length=32)
    record_id = models.CharField(max_length=64)
    audience = models.CharField(max_length=32)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["table", "record_id", "audience"], name="membership_unique"
            )
        ]
        indexes = [
            # Snapshot pages: keyset over the audience's rows.
            models.Index(fields=["audience", "id"], name="membership_audience_idx"),
            models.Index(
                fields=["expires_at"],
                condition=models.Q(expires_at__isnull=False),
                name="membership_expiry_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.table}:{self.record_id} → {self.audience}"


class TimeAnchor(models.Model):
    """At ``elapsed_ms`` on boot ``boot_id`` the server's clock read ``server_ms``.

    ``transit_ms`` bounds how long the request may have travelled: the device read its
    clocks at most that long before the server received the request.
    """

    # No index of its own: both indexes below start with the device, and PostgreSQL and
    # SQLite find a device's anchors (its deletion's cascade too) by either. A third index
    # on device_id alone only cost every insert, one per push.
    device = models.ForeignKey(
        "devices.Device", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    boot_id = models.CharField(max_length=64)
    elapsed_ms = models.BigIntegerField()
    server_ms = models.BigIntegerField()
    transit_ms = models.IntegerField()
    wall_ms = models.BigIntegerField(help_text="the device's wall clock, as sent (untrusted)")

    class Meta:
        indexes = [
            models.Index(fields=["device", "boot_id", "elapsed_ms"], name="anchor_lookup_idx"),
            # The device's latest anchor, read by every push (``anchors_for``). Anchors are
            # kept, one per push: without it PostgreSQL read and sorted all of a device's
            # anchors each time — 1.6 ms at 3,900, a day of positions every 30 s.
            models.Index(fields=["device", "server_ms", "id"], name="anchor_latest_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.device_id} boot {self.boot_id} +{self.elapsed_ms} ms = {self.server_ms}"


class DeviceScope(models.Model):
    """What a device's scope was last built from.

    When the officer's unit or district changes, or the device is enrolled again, the
    gateway notices on the next pull, takes a fresh change number as the new ``epoch`` and
    serves a replacement snapshot to any cursor below it: the change log alone cannot tell
    a device that a whole audience stopped being its own.
    """

    device = models.OneToOneField(
        "devices.Device", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    unit_id = models.BigIntegerField(null=True, blank=True)
    district_id = models.BigIntegerField(null=True, blank=True)
    enrolled_at = models.DateTimeField()
    epoch = models.BigIntegerField()
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.device_id}: unit {self.unit_id}, epoch {self.epoch}"


class SnapshotBookmark(models.Model):
    """Where a paged snapshot continues. Immutable: a repeated page request gets the same page.

    ``head`` is the change number read when the snapshot started: the last page answers
    with it as ``timestamp`` and the device continues incrementally from there.
    """

    device = models.ForeignKey("devices.Device", on_delete=models.CASCADE, related_name="+")
    head = models.BigIntegerField()
    # The table the next page starts in (tables before it in pull.SNAPSHOT_TABLES are done)
    # and the last membership id of it served; "" marks a v1.0 bookmark (restarts).
    table = models.CharField(max_length=32, blank=True, default="")
    after_membership_id = models.BigIntegerField()
    audiences = models.CharField(max_length=200)
    created_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return (
            f"snapshot of {self.device_id} at {self.head}: "
            f"{self.table or '?'} after {self.after_membership_id}"
        )


class ChangeLogHorizon(models.Model):
    """One row: changes up to ``pruned_through`` were pruned; older cursors get a snapshot."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    pruned_through = models.BigIntegerField(default=0)
    codes_digest = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="change_horizon_single_row")
        ]

    def __str__(self) -> str:
        return f"pruned through {self.pruned_through}"
