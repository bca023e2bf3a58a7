"""Bookkeeping of the real-time layer.

A unit's presence is *derived* (``Unit.presence()`` from ``last_contact_at``) and never
stored. What is stored here is only what the boards were last told, so that the presence
sweep announces each transition (reachable → unreachable → reachable) exactly once, even
when two sweeps run at the same time.
"""

from __future__ import annotations

from django.db import models


class PresenceNotice(models.Model):
    unit = models.OneToOneField(
        "people.Unit", primary_key=True, on_delete=models.CASCADE, related_name="presence_notice"
    )
    # True after the boards were told the unit is unreachable, False after "reachable again".
    announced_unreachable = models.BooleanField(default=False)
    changed_at = models.DateTimeField()

    class Meta:
        verbose_name = "presence notice"

    def __str__(self) -> str:
        state = "unreachable" if self.announced_unreachable else "reachable"
        return f"{self.unit_id}: announced {state} at {self.changed_at:%Y-%m-%d %H:%M:%S}"


class BoardAlert(models.Model):
    """A line of the boards' notification list, kept so that it survives a reload.

    Written after commit by the fan-out, one row per ``board`` notification (at most once,
    like the frame that carries it). Who sees it follows the frame's groups
    (:func:`backend.realtime.alerts.alerts_visible_q`). An SOS stays on every board of its
    district until a duty officer acknowledges it (``acknowledged_at``/``acknowledged_by``).
    Kept :data:`backend.realtime.alerts.ALERT_RETENTION` (the presence sweep prunes).
    """

    created_at = models.DateTimeField(db_index=True)
    kind = models.CharField(max_length=40)
    district = models.ForeignKey(
        "geo.District", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    oblast = models.ForeignKey(
        "geo.Oblast", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # The district chief sees it too (the notification's ``chief``).
    chief = models.BooleanField(default=False)
    incident = models.ForeignKey(
        "dispatch.Incident", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    data = models.JSONField(default=dict)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        "people.Officer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "board alert"
        indexes = [models.Index(fields=["district", "-created_at"], name="boardalert_district")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"


class BoardAlertRead(models.Model):
    """One user has read one alert (marks are per user: a colleague's board stays bold)."""

    alert = models.ForeignKey(BoardAlert, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey("people.Officer", on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField()

    class Meta:
        verbose_name = "board alert read mark"
        constraints = [
            models.UniqueConstraint(fields=["alert", "user"], name="boardalert_read_once")
        ]

    def __str__(self) -> str:
        return f"{self.alert_id} read by {self.user_id}"
