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
