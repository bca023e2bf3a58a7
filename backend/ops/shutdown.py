"""Whether this worker process has been told to stop, for work that can end early.

A warm shutdown (SIGTERM: ``systemctl stop``, honcho on ``make run``'s Ctrl-C) lets the
running tasks finish; only whoever sends the signal decides how long that may take — honcho
SIGKILLs 5 s after its SIGTERM. A task that works in steps, each its own transaction (the
escalation sweep), asks :func:`stop_requested` between steps and returns, leaving the rest
to the next run, instead of being killed in the middle of one.

Celery sends ``worker_shutting_down`` from the worker's main process when its shutdown
begins (``backend/config/celery.py`` connects :func:`stop_request` to it). Tasks running in
that process see the flag: the threads pool (``make run``'s Procfile) and the solo pool.
Prefork's child processes do not get the signal; a task there runs to its end as before.
"""

from __future__ import annotations

import threading

_stopping = threading.Event()


def stop_request(**_kwargs: object) -> None:
    """Record that this process is shutting down (a receiver of ``worker_shutting_down``).
    Only sets a flag: it runs inside the worker's signal handler."""
    _stopping.set()


def stop_requested() -> bool:
    return _stopping.is_set()


def stop_forget() -> None:
    """Forget a stop request: a test that stopped a sweep, before the next sweep's turn (a
    real worker process is not started twice; the next worker is a new process)."""
    _stopping.clear()
