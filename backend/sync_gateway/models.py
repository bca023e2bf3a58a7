"""The Django side of the sync protocol: quarantine of device records that fail validation."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class QuarantinedRecord(models.Model):
    """A record a device sent that was not accepted, kept verbatim for review.

    Nothing a device sends that parses is dropped: what fails validation, or writes to a
    read-only table, lands here with the reason.
    """

    device = models.ForeignKey(
        "devices.Device", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    district = models.ForeignKey(
        "geo.District", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    table = models.CharField(max_length=32)
    operation = models.CharField(max_length=16)  # created | updated | deleted | ws_event
    record_id = models.CharField(max_length=128, blank=True)
    raw = models.TextField()
    reason = models.CharField(max_length=32)
    detail = models.TextField(blank=True)
    received_at = models.DateTimeField(db_index=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.reason}: {self.table}/{self.record_id or '?'}"

    @property
    def audit_district_id(self) -> int | None:
        return self.district_id
