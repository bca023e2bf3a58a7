"""``make run``'s Ctrl-C stops the Celery worker by itself: honcho sends SIGTERM to the
worker's process group and SIGKILLs whatever is left 5 s later.

The embedded demo's worker took 4–6 s from the SIGTERM to its exit — Celery's loop for a
broker without an event loop waited out kombu's 2-second polling wait twice before it began
its warm shutdown — and honcho killed it ("sending SIGKILL to worker.1"). Its waits are now
one polling interval each (backend/config/broker.py; the exact count of waits is
tests/backend/ops/test_embedded_broker.py's). Here the Procfile's own worker line runs as
honcho runs it, in a process group of its own, on the embedded demo's broker, and is told to
stop as honcho tells it: it must end by itself, its warm shutdown said. The bound is a
generous one for a busy machine, not a measure of speed: a worker that hangs fails here.

Why not honcho's 5 s itself: on a shared two-core machine a wall-clock bound that tight
measures the machine's load as much as the worker, and would fail now and then for nothing.
What keeps a stop inside the window is asserted by what the worker does instead: a sweep
running when it is told to stop ends at its next transaction
(tests/e2e/escalation/test_celery_worker_stop.py), and the embedded demo's sweep budget
leaves the window room (tests/backend/ops/test_sweep_budget.py).
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import time
from pathlib import Path

from tests.backend.ops.test_procfile_banners import ROOT, demo_env, procfile_line

# Far beyond honcho's 5 s, for a loaded machine: only a hang takes this long.
GENEROUS_S = 30


def read_until(process: subprocess.Popen[bytes], done: str, timeout_s: float) -> tuple[str, bool]:
    """What ``process`` printed until ``done`` appeared in it (True) or its output ended
    (False), or ``timeout_s`` passed (False)."""
    assert process.stdout is not None
    output = b""
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if done and done in output.decode(errors="replace"):
            return output.decode(errors="replace"), True
        if selector.select(timeout=0.2):
            chunk = os.read(process.stdout.fileno(), 65536)
            if not chunk:  # every process of the group has closed it: the worker is gone
                return output.decode(errors="replace"), not done
            output += chunk
    return output.decode(errors="replace"), False


def test_the_worker_stops_by_itself_when_honcho_tells_it_to(tmp_path: Path) -> None:
    # given: the Procfile's worker, started as honcho starts it, ready for tasks
    process = subprocess.Popen(
        ["sh", "-c", procfile_line("worker")],
        cwd=ROOT,
        env=demo_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        started, ready = read_until(process, "The worker is ready: ", 120)
        assert ready, started

        # when: Ctrl-C on `make run` — honcho's SIGTERM to the worker's process group
        os.killpg(process.pid, signal.SIGTERM)
        stopping, gone = read_until(process, "", GENEROUS_S)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # whatever is left, as honcho does
        process.communicate()

    # then: it ended by itself, after a warm shutdown
    assert gone, f"the worker did not stop within {GENEROUS_S} s of SIGTERM:\n{stopping}"
    assert "worker: Warm shutdown" in stopping, stopping
    assert "Traceback" not in stopping, stopping
