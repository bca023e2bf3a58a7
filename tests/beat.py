"""The project's Celery beat schedule, as beat reads it."""

from __future__ import annotations

from typing import Any

from backend.config.celery import app


def beat_entry(task: Any) -> dict[str, Any]:
    """The schedule's entry that runs ``task`` (the app loaded as a worker or beat loads it:
    every app's tasks registered)."""
    app.loader.import_default_modules()
    app.finalize()
    return next(e for e in app.conf.beat_schedule.values() if e["task"] == task.name)
