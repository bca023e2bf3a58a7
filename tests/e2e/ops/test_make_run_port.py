"""``make run`` on a port something already serves stops at once and says what to do.

It used to migrate, seed, build the history and print the admin URL and the demo logins —
links to whatever already listened on the port — and only then uvicorn said ``[Errno 98] …
address already in use``, lost among the Celery worker's banner, and honcho stopped it all.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
from pathlib import Path

import pytest

from backend.config.port import port_taken_text

ROOT = Path(__file__).resolve().parents[3]


def test_a_free_port_is_free():
    # given: a port the system just handed out and nobody holds
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]

    # when / then
    assert port_taken_text(port) is None


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_on_a_taken_port_stops_before_anything_else(tmp_path):
    # given: something listens on the port
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
        env.update({"PORT": str(port), "KUZET_VAR_DIR": str(tmp_path), "MAKEFLAGS": ""})

        # when: in a session of its own, so that a run that does start is stopped whole
        make = subprocess.Popen(
            ["make", "--no-print-directory", "run"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            stdout, stderr = make.communicate(timeout=60)
        finally:
            if make.poll() is None:
                os.killpg(make.pid, signal.SIGKILL)
                make.communicate()

    # then: the reason and the way out, and nothing migrated, seeded or announced
    assert make.returncode != 0
    assert (
        f"Port {port} on 127.0.0.1 is taken: another Kuzet or another program serves there. "
        f"Stop it, or choose another port: PORT={port + 1} make run"
    ) in stderr
    assert "Kuzet admin" not in stdout
    assert list(tmp_path.iterdir()) == []
