"""PostgreSQL exactly as Kuzet configures it, timing the one lock every commit takes.

Every unit of work ends by locking the sequencer row (``SELECT … FROM ledger_sequencer WHERE
id = 1 FOR UPDATE``, ``backend/ledger/uow.py``) and holds it to the commit, so the lock's
capacity is one over the time it is held. For each transaction that took it, this backend
writes one line to ``$KUZET_SEQUENCER_PROBE_DIR/<pid>.txt``:

    <unix time of the commit> <wait ms> <hold ms> <commit ms>

*wait*: how long the locking statement ran (queueing behind other holders, plus one round
trip); *hold*: from the lock granted to the commit returned (the change resolver's queries,
the audit and change-log inserts, the sequencer update and the commit); *commit*: the part of
the hold spent in the COMMIT itself — PostgreSQL releases row locks only after the commit
record is flushed to disk, so every holder waits for its own WAL flush with the lock held.

Used only by the scale benchmark (``bench/scale_settings.py`` names it as the engine); the
application never imports it. Django's documented extension point for this is a backend
package whose ``base`` module holds a ``DatabaseWrapper``.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import IO, Any

from django.db.backends.postgresql import base

_files: dict[int, IO[str]] = {}
_files_lock = threading.Lock()


def _write(line: str) -> None:
    pid = os.getpid()  # per process: gunicorn forks its workers after import
    with _files_lock:
        out = _files.get(pid)
        if out is None:
            folder = Path(os.environ["KUZET_SEQUENCER_PROBE_DIR"])
            out = _files[pid] = (folder / f"{pid}.txt").open("a", buffering=1)
        out.write(line)


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sequencer: tuple[float, float] | None = None
        self.execute_wrappers.append(self._time_the_lock)

    def _time_the_lock(
        self, execute: Any, sql: str, params: Any, many: bool, context: dict[str, Any]
    ) -> Any:
        if "ledger_sequencer" not in sql or "FOR UPDATE" not in sql:
            return execute(sql, params, many, context)
        asked = time.perf_counter()
        result = execute(sql, params, many, context)
        self._sequencer = (asked, time.perf_counter())
        return result

    def _commit(self) -> None:
        committing = time.perf_counter()
        super()._commit()
        if self._sequencer is not None:
            asked, granted = self._sequencer
            self._sequencer = None
            done = time.perf_counter()
            ms = [(granted - asked) * 1000, (done - granted) * 1000, (done - committing) * 1000]
            _write(f"{time.time():.6f} " + " ".join(f"{x:.3f}" for x in ms) + "\n")

    def _rollback(self) -> None:
        self._sequencer = None
        super()._rollback()
