"""gunicorn settings for Kuzet: ``gunicorn -c python:backend.config.gunicorn …``.

With ``PROMETHEUS_MULTIPROC_DIR`` set every worker writes its metrics to files there; a
worker that exits is marked dead so that its live gauges (open WebSockets) stop counting.
"""

from __future__ import annotations

import os
from typing import Any


def child_exit(server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]
