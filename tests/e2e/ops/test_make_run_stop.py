"""``make run``'s own steps: Ctrl-C stops it cleanly (no "make: *** … Error 130" under the
end-of-run check), the embedded demo asks for no PostgreSQL roles, and its first migrate says
what takes the time.

honcho stops every process on Ctrl-C and exits 130; make reported that as an error, the
last line an operator read after the simulator's "End-of-run check: OK". A process that
dies on its own is still make's error.

make runs the real Makefile's ``run`` recipe in a scratch directory, with a stand-in venv:
its ``python`` runs only what says the recipe's own lines (``backend.config.embedded``,
``backend.common.terminal``: they speak the operator's language, which ``echo`` did not) and
notes the rest, and its ``honcho`` waits for Ctrl-C (or dies, as told) — the recipe's own
steps, not Kuzet's, are under test (the demo itself: tests/e2e/simulator).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")

HONCHO = """#!{python}
import os, pathlib, signal, sys, time
# honcho on SIGINT: stops its processes, then exits 130
signal.signal(signal.SIGINT, lambda *_: sys.exit(130))
pathlib.Path("metrics").write_text(os.environ.get("PROMETHEUS_MULTIPROC_DIR", ""))
pathlib.Path("tz").write_text(os.environ.get("TZ", ""))
pathlib.Path("started").touch()
if "{exit_code}":
    sys.exit(int("{exit_code}"))
time.sleep(60)
sys.exit(0)
"""


STAND_IN_PYTHON = f"""#!/bin/sh
echo "$*" >> {{log}}
case "$1 $2" in
  "-m backend.config.embedded"|"-m backend.common.terminal") exec {sys.executable} "$@" ;;
esac
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def scratch_checkout(tmp_path: Path, *, honcho_exits: str = "") -> dict[str, str]:
    """A directory the recipe runs in, and the make variables that point it at stand-ins."""
    for shared in ("backend", "field"):
        (tmp_path / shared).symlink_to(ROOT / shared)
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    # it notes what it was asked to run, and runs only what prints the recipe's own lines
    (venv / "bin" / "python").write_text(STAND_IN_PYTHON.format(log=tmp_path / "python.log"))
    (venv / "bin" / "honcho").write_text(
        HONCHO.format(python=sys.executable, exit_code=honcho_exits)
    )
    for program in ("python", "honcho"):
        (venv / "bin" / program).chmod(0o755)
    for stamp in (venv / ".installed", tmp_path / "deps", tmp_path / "built"):
        stamp.touch()  # newer than what they are made from: nothing is installed or built
    return {
        "VENV": str(venv),
        "FIELD_DEPS": str(tmp_path / "deps"),
        "FIELD_BUILD": str(tmp_path / "built"),
        "FIELD_SOURCES": "",
        "PORT": str(free_port()),
    }


def make_run(
    tmp_path: Path, variables: dict[str, str], *, interrupt: bool, **extra_env: str
) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "MAKEFLAGS"}}
    # the embedded demo's settings file is really written: in the scratch directory's var/,
    # not in the checkout's (the module's own folder is the checkout's)
    env["KUZET_VAR_DIR"] = str(tmp_path / "var")
    env.update(extra_env)
    process = subprocess.Popen(
        ["make", "--no-print-directory", "-f", str(ROOT / "Makefile"), "run"]
        + [f"{k}={v}" for k, v in variables.items()],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "started").exists() and time.monotonic() < deadline:
            if process.poll() is not None:
                break
            time.sleep(0.05)
        if interrupt and process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)  # Ctrl-C: the whole foreground group
        output, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
    return process.returncode, output


def test_ctrl_c_ends_make_run_without_an_error(tmp_path):
    # given
    variables = scratch_checkout(tmp_path)

    # when
    code, output = make_run(tmp_path, variables, interrupt=True)

    # then: make itself was interrupted too and ends as a Ctrl-C'd program does (or 0), silent
    assert (tmp_path / "started").exists(), output
    assert code in {0, -signal.SIGINT}, output
    assert "make: ***" not in output
    assert output.splitlines()[-1] == "Kuzet stopped."
    assert (tmp_path / "python.log").read_text().splitlines()[-1] == (
        "-m backend.common.terminal stopped"
    )


def test_ctrl_c_ends_make_run_in_the_operators_language(tmp_path):
    # given: a Russian terminal (the recipe's echo said it in English among Russian lines)
    variables = scratch_checkout(tmp_path)

    # when
    code, output = make_run(tmp_path, variables, interrupt=True, LANG="ru_RU.UTF-8")

    # then
    assert code in {0, -signal.SIGINT}, output
    assert "make: ***" not in output
    assert output.splitlines()[-1] == "Kuzet остановлен."


def test_a_process_that_dies_is_still_an_error(tmp_path):
    # given: honcho ends because a process failed (uvicorn's port taken: 3)
    variables = scratch_checkout(tmp_path, honcho_exits="3")

    # when
    code, output = make_run(tmp_path, variables, interrupt=False)

    # then
    assert code == 2, output
    assert "run] Error 3" in output
    assert "Kuzet stopped." not in output


def test_the_embedded_demo_starts_without_asking_for_database_roles(tmp_path):
    # given: no DATABASE_URL — SQLite, which has no roles
    variables = scratch_checkout(tmp_path, honcho_exits="0")

    # when
    code, output = make_run(tmp_path, variables, interrupt=False)

    # then: one Django start-up fewer (6–10 s on a busy box), the rest as before
    assert code == 0, output
    steps = (tmp_path / "python.log").read_text().splitlines()
    assert [step.split(" ")[:2] for step in steps] == [
        ["-m", "backend.config.embedded"],
        ["manage.py", "migrate"],
        ["manage.py", "seed"],
        ["manage.py", "history"],
        ["manage.py", "demo_logins"],
    ]


def test_postgresql_still_makes_its_roles_first(tmp_path):
    # given
    variables = scratch_checkout(tmp_path, honcho_exits="0")

    # when
    code, output = make_run(
        tmp_path, variables, interrupt=False, DATABASE_URL="postgres://kuzet@127.0.0.1/kuzet"
    )

    # then
    assert code == 0, output
    steps = (tmp_path / "python.log").read_text().splitlines()
    assert steps[1] == "manage.py db_roles --export"


def test_a_demo_on_postgresql_says_its_gateway_secret_is_made_for_the_run(tmp_path):
    # given: README's "production settings on a workstation" command, with no gateway secret
    variables = scratch_checkout(tmp_path, honcho_exits="0")

    # when
    code, output = make_run(
        tmp_path,
        variables,
        interrupt=False,
        DATABASE_URL="postgres://kuzet@127.0.0.1/kuzet",
        KUZET_DEMO="1",
    )

    # then: said once, and the database is not the demo's to create
    assert code == 0, output
    lines = output.splitlines()
    said = lines.index(
        "KUZET_SMS_INBOUND_SECRET is not set: the simulated SMS gateway signs with a secret "
        "made for this run."
    )
    assert lines[said + 1] == (
        "A real gateway needs a lasting one in the environment of every process "
        "(docs/deployment.md, Secrets)."
    )
    assert "Creating the database" not in output
    steps = (tmp_path / "python.log").read_text().splitlines()
    assert "-m backend.common.terminal sms-secret-made" in steps


def test_the_first_run_says_it_is_creating_the_database(tmp_path):
    # given: a checkout that never ran — migrate will take a minute or two, silently
    variables = scratch_checkout(tmp_path, honcho_exits="0")
    var = tmp_path / "var"

    # when
    code, output = make_run(tmp_path, variables, interrupt=False, KUZET_VAR_DIR=str(var))

    # then: once (the demo's first step says it, the recipe's echo no longer does)
    assert code == 0, output
    assert (
        output.splitlines().count(
            f"Creating the database ({var}/kuzet.sqlite3): a minute or two the first time."
        )
        == 1
    )


def test_a_later_run_does_not(tmp_path):
    # given: the database is there
    variables = scratch_checkout(tmp_path, honcho_exits="0")
    var = tmp_path / "var"
    var.mkdir()
    (var / "kuzet.sqlite3").touch()

    # when
    code, output = make_run(tmp_path, variables, interrupt=False, KUZET_VAR_DIR=str(var))

    # then
    assert code == 0, output
    assert "Creating the database" not in output


def test_each_demo_keeps_its_metrics_in_its_own_folder(tmp_path):
    # given: a demo in another folder (KUZET_VAR_DIR), beside the checkout's own var/ whose
    # metrics a running demo is writing
    variables = scratch_checkout(tmp_path, honcho_exits="0")
    other = tmp_path / "other-demo"
    running = tmp_path / "var" / "prometheus" / "counter_1234.db"
    running.parent.mkdir(parents=True)
    running.touch()

    # when
    code, output = make_run(tmp_path, variables, interrupt=False, KUZET_VAR_DIR=str(other))

    # then: its processes write under its own folder; the other demo's metrics are untouched
    assert code == 0, output
    assert (tmp_path / "metrics").read_text() == str(other / "prometheus")
    assert (other / "prometheus").is_dir()
    assert running.exists()


def test_honcho_stamps_its_lines_on_kazakhstans_clock(tmp_path):
    # given: a machine kept in UTC (the celery worker's own stamps are UTC+5 whatever it is)
    variables = scratch_checkout(tmp_path, honcho_exits="0")

    # when
    code, output = make_run(tmp_path, variables, interrupt=False, TZ="UTC")

    # then: honcho, which stamps every line with the local time, runs on settings' zone
    assert code == 0, output
    assert (tmp_path / "tz").read_text() == settings_time_zone()


def settings_time_zone() -> str:
    source = (ROOT / "backend" / "config" / "settings" / "base.py").read_text()
    return next(
        line.split("=")[1].strip().strip('"')
        for line in source.splitlines()
        if line.startswith("TIME_ZONE =")
    )
