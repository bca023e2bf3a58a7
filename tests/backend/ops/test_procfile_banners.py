"""``make run``'s Celery worker and beat start without their banners.

A new user reading what ``make run`` prints found, between the demo logins and the
simulator's first lines, ≈ 45 lines of Celery's start-up art — the broker's address, the
task list, beat's configuration — none of it about Kuzet. The Procfile's lines run here as
honcho runs them (the shell, in the checkout, on the embedded demo's settings).
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
READY = "The worker is ready: "  # backend/config/celery.py, in an English terminal


def procfile_line(name: str) -> str:
    line = next(
        line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith(f"{name}:")
    )
    return line.removeprefix(f"{name}:").strip()


def demo_env(var_dir: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("KUZET_", "DJANGO_", "CELERY"))
        and k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG"}
    }
    env["KUZET_VAR_DIR"] = str(var_dir)
    subprocess.run([sys.executable, "-m", "backend.config.embedded"], cwd=ROOT, env=env, check=True)
    return env


def run_until(command: str, env: dict[str, str], done: Callable[[str], bool]) -> str:
    """Start ``command`` as honcho would, read its output until ``done(output)`` (or two
    minutes), stop it as Ctrl-C does, and return everything it printed."""
    process = subprocess.Popen(
        ["sh", "-c", command],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    assert process.stdout is not None
    output = b""
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + 120
    try:
        while not done(output.decode(errors="replace")) and time.monotonic() < deadline:
            if selector.select(timeout=0.5):
                chunk = os.read(process.stdout.fileno(), 65536)
                if not chunk:
                    break
                output += chunk
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            rest, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            rest, _ = process.communicate()
        output += rest
    return output.decode(errors="replace")


def test_the_worker_says_it_is_ready_without_its_banner(tmp_path):
    # given
    env = demo_env(tmp_path)

    # when
    output = run_until(procfile_line("worker"), env, lambda out: READY in out)

    # then: the line that says it works (Kuzet's, in the operator's words: Celery's own
    # "celery@host ready." is left to warnings), and none of the art around it
    assert READY in output, output
    assert "celery@" not in output
    assert "[tasks]" not in output
    assert "-------------- celery@" not in output
    assert "transport:" not in output


def test_beat_starts_silently(tmp_path):
    # given
    env = demo_env(tmp_path)

    # when: until its schedule file exists, that is until it runs
    output = run_until(
        procfile_line("beat"), env, lambda _: any(tmp_path.glob("celerybeat-schedule*"))
    )

    # then
    assert any(tmp_path.glob("celerybeat-schedule*"))
    assert "celery beat v" not in output
    assert "Configuration ->" not in output
