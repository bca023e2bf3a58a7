"""What operations watch: the last time each periodic job finished."""

from __future__ import annotations

from django.db import models


class Heartbeat(models.Model):
    """One row per periodic job, stamped when a run finishes (the dead-man alarm reads it).

    Kept in the database, not the cache: the worker that beats and the web process that
    reads are different processes, and in the embedded default the cache is per process.
    """

    name = models.CharField(max_length=64, primary_key=True)
    at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} at {self.at:%Y-%m-%d %H:%M:%S}"
