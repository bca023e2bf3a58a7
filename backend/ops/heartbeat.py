"""Heartbeats of periodic jobs and the dead-man alarm of the escalation sweep.

If Celery beat or every worker dies, escalation stops silently: nobody is re-pushed, texted
or reported when a unit does not answer. The sweep stamps ``escalation_sweep`` each time it
finishes; when the stamp is older than three sweep intervals (or missing), ``/readyz``
fails and the duty board shows the alarm.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction

from backend.common import clock

from .models import Heartbeat

ESCALATION_SWEEP = "escalation_sweep"
# Missed intervals before the alarm: one late sweep is load, three is a dead beat or worker.
ALARM_INTERVALS = 3


def heartbeat_record(name: str, *, duration_s: float = 0.0) -> None:
    """Stamp ``name`` as finished now: one UPDATE once the row exists.

    The escalation sweep stamps after every run (every 10 s, idle or not); as
    ``update_or_create`` the stamp was a transaction of three statements (begin, the row
    locked, the update) — a quarter of an idle sweep's. The row is created by the first
    stamp; two first stamps at once both end up updating it."""
    fields = {"at": clock.now(), "duration_ms": round(duration_s * 1000)}
    if Heartbeat.objects.filter(name=name).update(**fields):
        return
    try:
        with transaction.atomic():
            Heartbeat.objects.create(name=name, **fields)
    except IntegrityError:  # another process's first stamp came in between
        Heartbeat.objects.filter(name=name).update(**fields)


@dataclass(frozen=True)
class SweepState:
    last_at: dt.datetime | None
    age_s: float | None
    limit_s: int

    @property
    def overdue(self) -> bool:
        return self.age_s is None or self.age_s > self.limit_s

    def describe(self) -> str:
        if self.age_s is None:
            return "the escalation sweep has never run"
        return (
            f"the escalation sweep last ran {round(self.age_s)} s ago "
            f"(alarm after {self.limit_s} s)"
        )


def sweep_state() -> SweepState:
    limit = ALARM_INTERVALS * settings.KUZET_ESCALATION_SWEEP_SECONDS
    at = Heartbeat.objects.filter(name=ESCALATION_SWEEP).values_list("at", flat=True).first()
    if at is None:
        return SweepState(None, None, limit)
    return SweepState(at, max(0.0, (clock.now() - at).total_seconds()), limit)


def sweep_age_seconds() -> float:
    age = sweep_state().age_s
    return -1.0 if age is None else age
