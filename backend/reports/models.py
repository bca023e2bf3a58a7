"""The duty desk's shift handover: what the outgoing duty officer wrote for the incoming one,
and who received it when (the handover page: :mod:`backend.reports.handover`).

A handover belongs to a desk: a district's (``district``) or an oblast ЦОУ's, which serves
every district of its oblast (``oblast``) — exactly one of the two. Written and received only
through :mod:`backend.reports.services`, each audited in the ledger.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from backend.common.formatting import when_text


class Handover(models.Model):
    district = models.ForeignKey(
        "geo.District",
        verbose_name=_("district"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    oblast = models.ForeignKey(
        "geo.Oblast",
        verbose_name=_("oblast"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The shift handed over: from its start (the officer's choice) to the moment it was written.
    shift_start = models.DateTimeField(_("shift from"))
    written_at = models.DateTimeField(_("written at"))
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handed over by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField(_("handover note"), max_length=4000)
    # What the desk stood at when the note was written (``handover.as_written``): the calls
    # still open and the units not available, as codes and times — the page and the print
    # show the desk as of *now*, and "what did you hand over?" is asked the next day.
    as_written = models.JSONField(_("at handover"), default=dict, blank=True)
    acknowledged_at = models.DateTimeField(_("taken over at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("taken over by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("shift handover")
        verbose_name_plural = _("shift handovers")
        constraints = [
            models.CheckConstraint(
                condition=Q(district__isnull=True) ^ Q(oblast__isnull=True),
                name="handover_one_desk",
            ),
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True, acknowledged_by__isnull=True)
                | Q(acknowledged_at__isnull=False, acknowledged_by__isnull=False),
                name="handover_received_by_someone",
            ),
            models.CheckConstraint(
                condition=Q(shift_start__lt=models.F("written_at")),
                name="handover_shift_before_writing",
            ),
            # An officer has one handover of a desk waiting to be received: saving again (a
            # second click, a corrected note) rewrites it rather than leaving two.
            models.UniqueConstraint(
                fields=["district", "written_by"],
                condition=Q(acknowledged_at__isnull=True, district__isnull=False),
                name="handover_one_open_per_district_writer",
            ),
            models.UniqueConstraint(
                fields=["oblast", "written_by"],
                condition=Q(acknowledged_at__isnull=True, oblast__isnull=False),
                name="handover_one_open_per_oblast_writer",
            ),
        ]
        indexes = [models.Index(fields=["district", "-written_at"], name="handover_district_idx")]

    def __str__(self) -> str:
        # As the desk's last actions name it: what it is and when it was written.
        return f"{_('Shift handover')} · {when_text(self.written_at)}"

    audit_object_type = "handover"

    @property
    def audit_district_id(self) -> int | None:
        return self.district_id
