"""Status callbacks to the intake partners: where a partner's callbacks go, and each delivery.

A delivery row is written in the transaction that changed what the partner's read of a
report answers (an outbox: ``services.callbacks_record``), and sent after commit.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from backend.dispatch.models import Incident, IntakePartner


class IntakeCallback(models.Model):
    """The callback URL of one intake partner, and the secret its deliveries are signed with.

    Per partner, not per key: every report of the partner goes there, whichever of its keys
    sent it, so replacing or revoking a key leaves it as it is (docs/intake.md, *Callbacks*).
    Until 2026-12 it was set on a key and the one set last on any of the partner's keys was in
    effect; migration 0004 kept that one. The secret is kept (signing needs it) but shown only
    once, when it is made, like a key.
    """

    partner = models.OneToOneField(
        IntakePartner,
        verbose_name=_("intake partner"),
        on_delete=models.PROTECT,
        related_name="callback",
    )
    url = models.URLField(_("callback URL"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=80)
    # The language of ``outcome_label`` in the body, as Accept-Language is for a read.
    language = models.CharField(
        _("language"), max_length=2, choices=settings.LANGUAGES, default="ru"
    )
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("partner callback")
        verbose_name_plural = _("partner callbacks")

    def __str__(self) -> str:
        return f"{self.partner}: {self.url}"


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("waiting to be sent")
    SENDING = "sending", _("being sent")
    DELIVERED = "delivered", _("delivered")
    SUPERSEDED = "superseded", _("replaced by a later one")
    FAILED = "failed", _("given up")


# Nothing more will be sent of a delivery in these states: ``finished_at`` says since when.
FINISHED_STATES = (DeliveryState.DELIVERED, DeliveryState.SUPERSEDED, DeliveryState.FAILED)


class CallbackDelivery(models.Model):
    """One body to POST to a partner: what its read of the report answered after a change.

    ``sequence`` counts the bodies of one report (1, 2, …): the partner keeps the highest.
    """

    event_id = models.CharField(_("event id"), max_length=40, unique=True)
    # The partner whose report it is (the report's, whichever key sent it); deliveries written
    # before callbacks were per partner took their key's partner (migration 0004).
    partner = models.ForeignKey(
        IntakePartner, verbose_name=_("intake partner"), on_delete=models.PROTECT, related_name="+"
    )
    incident = models.ForeignKey(
        Incident,
        verbose_name=pgettext_lazy("partner", "report"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    sequence = models.PositiveIntegerField(_("sequence"))
    event_type = models.CharField(_("event type"), max_length=40)
    # The body's data part as canonical JSON: what the next change is compared with.
    data = models.TextField(_("data"))
    # The whole body, byte for byte as sent and signed (every retry sends the same).
    payload = models.TextField(_("payload"))
    created_at = models.DateTimeField(_("created at"))
    state = models.CharField(
        _("state"), max_length=12, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    last_error = models.CharField(_("error"), max_length=300, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    gave_up_at = models.DateTimeField(_("gave up at"), null=True, blank=True)
    # When it was delivered, superseded or given up: kept KUZET_CALLBACK_RETENTION_DAYS after.
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("callback delivery")
        verbose_name_plural = _("callback deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "sequence"], name="webhooks_delivery_one_per_sequence"
            )
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="webhooks_delivery_due"),
            models.Index(fields=["finished_at"], name="webhooks_delivery_finished"),
        ]

    def __str__(self) -> str:
        return self.event_id
