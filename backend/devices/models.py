"""Officers' phones and tablets: one-time enrolment codes, hashed tokens, revocation.

Secrets are never stored: codes and tokens are random (128+ bits) and kept as SHA-256
digests, which is enough for high-entropy secrets (no password stretching needed).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.db.models.lookups import LessThan
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from backend.common.formatting import when_text


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_device_id() -> str:
    return "dev_" + secrets.token_hex(8)


class EnrolmentCode(models.Model):
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("officer"),
        on_delete=models.CASCADE,
        related_name="enrolment_codes",
    )
    code_hash = models.CharField(_("code hash"), max_length=64, unique=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    device = models.ForeignKey(
        "Device",
        verbose_name=_("device"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("enrolment code")
        verbose_name_plural = _("enrolment codes")
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
        return _("Enrolment code for %(officer)s, valid until %(until)s") % {
            "officer": self.officer,
            "until": when_text(self.expires_at),
        }

    @property
    def audit_district_id(self) -> int | None:
        return self.officer.district_id


# The reasons the system writes when it revokes a device, stored as written (the audit
# trail keeps them) and read in the viewer's language; a reason an operator types
# (``revoke_device --reason``) is their words and stays as typed.
REVOKED = "revoked"
REVOKED_IN_CONSOLE = "revoked in admin"
REVOKED_FROM_COMMAND_LINE = "revoked from the command line"
REENROLLED_BY_ANOTHER = "re-enrolled by another officer"
OFFICER_DEACTIVATED = "officer deactivated"
REVOKE_REASONS = {
    REVOKED: _("revoked"),
    REVOKED_IN_CONSOLE: _("revoked in the console"),
    REVOKED_FROM_COMMAND_LINE: _("revoked from the command line"),
    REENROLLED_BY_ANOTHER: _("the phone was enrolled by another officer"),
    OFFICER_DEACTIVATED: _("the officer's account was deactivated"),
}


def revoke_reason_text(reason: str) -> str:
    label = REVOKE_REASONS.get(reason)
    return str(label) if label is not None else reason


class Platform(models.TextChoices):
    """What a device says it runs on at enrolment (stored as sent; these read in words)."""

    ANDROID = "android", "Android"
    IOS = "ios", "iOS"
    WEB = "web", _("browser (the field app)")
    PYTHON = "python", _("reference client (Python)")


class Device(models.Model):
    id = models.CharField(
        _("ID"), primary_key=True, max_length=32, default=new_device_id, editable=False
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("officer"),
        on_delete=models.PROTECT,
        related_name="devices",
    )
    install_id = models.CharField(_("install ID"), max_length=128)
    platform = models.CharField(_("platform"), max_length=32, blank=True, choices=Platform.choices)
    model = models.CharField(_("model"), max_length=64, blank=True)
    app_version = models.CharField(_("app version"), max_length=32, blank=True)
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    enrolled_at = models.DateTimeField(_("enrolled at"))
    last_seen_at = models.DateTimeField(_("last seen at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    revoke_reason = models.CharField(_("revoke reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        constraints = [
            # Enrolling again with the same install id replaces the token of the live device.
            models.UniqueConstraint(
                fields=["install_id"],
                condition=Q(revoked_at__isnull=True),
                name="one_live_device_per_install",
            ),
        ]

    def __str__(self) -> str:
        # The phone's make, whose it is, and its id (what ``revoke_device`` takes).
        return f"{self.make} · {self.officer} · {self.id}"

    @property
    def make(self) -> str:
        """The phone's model as it named itself, its platform, or "phone" in the reader's
        language for one that named neither."""
        return self.model or str(self.get_platform_display()) or gettext("phone")

    @property
    def audit_district_id(self) -> int | None:
        return self.officer.district_id


def device_silent_q(at: dt.datetime, hours: int | None = None) -> Q:
    """Live devices not heard from for ``hours`` (``KUZET_DEVICE_SILENT_HOURS``): their last
    sync, or their enrolment when they never synced, is older than that."""
    hours = settings.KUZET_DEVICE_SILENT_HOURS if hours is None else hours
    since = at - dt.timedelta(hours=hours)
    return Q(revoked_at__isnull=True) & Q(LessThan(Coalesce("last_seen_at", "enrolled_at"), since))


class PushSubscription(models.Model):
    """Where a phone's browser receives Web Push (RFC 8030): the push service's endpoint and
    the keys its messages are encrypted to (RFC 8291). The field app gives it once the
    officer allows notifications; Kuzet then wakes a phone whose app the browser froze in a
    pocket with a new call (``backend/realtime/webpush.py``). One per device; gone with the
    device's revocation, or when the push service says the subscription has expired."""

    device = models.OneToOneField(
        Device,
        verbose_name=_("device"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="push_subscription",
    )
    endpoint = models.URLField(_("endpoint"), max_length=1000)
    p256dh = models.CharField(_("public key"), max_length=200)
    auth = models.CharField(_("authentication secret"), max_length=64)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("push subscription")
        verbose_name_plural = _("push subscriptions")

    def __str__(self) -> str:
        return str(self.device)

    @property
    def info(self) -> dict[str, object]:
        """The shape pywebpush and the browsers' ``PushSubscription.toJSON()`` share."""
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}
