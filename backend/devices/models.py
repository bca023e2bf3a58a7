"""Officers' phones and tablets: one-time enrolment codes, hashed tokens, revocation.

Secrets are never stored: codes and tokens are random (128+ bits) and kept as SHA-256
digests, which is enough for high-entropy secrets (no password stretching needed).
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_device_id() -> str:
    return "dev_" + secrets.token_hex(8)


class EnrolmentCode(models.Model):
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolment_codes"
    )
    code_hash = models.CharField(max_length=64, unique=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    device = models.ForeignKey(
        "Device", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")), name="code_expires_after_issue"
            ),
            models.CheckConstraint(
                condition=Q(used_at__isnull=True) | Q(device__isnull=False),
                name="code_used_has_device",
            ),
        ]

    def __str__(self) -> str:
        return f"enrolment code for {self.officer} (expires {self.expires_at:%Y-%m-%d %H:%M})"

    @property
    def audit_district_id(self) -> int | None:
        return self.officer.district_id


class Device(models.Model):
    id = models.CharField(primary_key=True, max_length=32, default=new_device_id, editable=False)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="devices"
    )
    install_id = models.CharField(max_length=128)
    platform = models.CharField(max_length=32, blank=True)
    model = models.CharField(max_length=64, blank=True)
    app_version = models.CharField(max_length=32, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    enrolled_at = models.DateTimeField()
    last_seen_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoke_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            # Enrolling again with the same install id replaces the token of the live device.
            models.UniqueConstraint(
                fields=["install_id"],
                condition=Q(revoked_at__isnull=True),
                name="one_live_device_per_install",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.id} ({self.model or self.platform or 'device'}) of {self.officer}"

    @property
    def audit_district_id(self) -> int | None:
        return self.officer.district_id
