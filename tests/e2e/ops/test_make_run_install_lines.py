"""``make run``'s install and build steps say what they do in the operator's words, not make's
echo of their commands ("cd field && npm ci --no-audit --no-fund", ".venv/bin/python -m pip
install --quiet -e '.[dev]'") nor npm's own lines ("added 312 packages in 25s", "> kuzet-field@
1.0.0 build"): npm runs with its own options for that, and keeps its warnings and errors.

The real Makefile's rules run in a scratch directory with stand-ins for npm and the venv's
python that note how they were called (tests/e2e/ops/test_make_run_stop.py does the same for
the ``run`` recipe); the lines themselves are said by the real ``backend.common.language``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")

NOTING = """#!/bin/sh
echo "$*" >> {log}
exit {code}
"""


def scratch(tmp_path: Path, *, npm_exits: int = 0) -> tuple[dict[str, str], dict[str, str]]:
    """A checkout to make in: the field app's files (empty: only their dates count), a venv
    whose python notes its calls, and an npm on PATH that does the same."""
    (tmp_path / "backend").symlink_to(ROOT / "backend")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    field = tmp_path / "field"
    for name in ("src/main.jsx", "public/icon.svg", "scripts/compress.mjs"):
        (field / name).parent.mkdir(parents=True, exist_ok=True)
        (field / name).touch()
    for name in ("index.html", "vite.config.mjs", "package.json", "package-lock.json"):
        (field / name).touch()
    (field / "node_modules").mkdir()
    (field / "dist").mkdir()
    tools = tmp_path / "tools"
    tools.mkdir()
    (tools / "npm").write_text(NOTING.format(log=tmp_path / "npm.log", code=npm_exits))
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").write_text(NOTING.format(log=tmp_path / "python.log", code=0))
    for program in (tools / "npm", venv / "bin" / "python"):
        program.chmod(0o755)
    # make as a person runs it, at the top: under `make test` (CI) the outer make's MAKELEVEL
    # made this one a sub-make, which adds "make[1]: Entering directory …" to its output
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"MAKEFLAGS", "MAKELEVEL", "MFLAGS", "KUZET_LANGUAGE"}
    }
    env["PATH"] = f"{tools}{os.pathsep}{env['PATH']}"
    env["LANG"] = "C.UTF-8"
    env.pop("LC_ALL", None)
    env.pop("LC_MESSAGES", None)
    return env, {"VENV": str(venv), "PYTHON": sys.executable}


def make(tmp_path: Path, env: dict[str, str], variables: dict[str, str], *targets: str):
    return subprocess.run(
        ["make", "-f", str(ROOT / "Makefile"), *targets]
        + [f"{k}={v}" for k, v in variables.items()],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_field_apps_install_and_build_say_what_they_do_in_words(tmp_path):
    # given: a checkout whose field app was never installed nor built
    env, variables = scratch(tmp_path)

    # when
    made = make(tmp_path, env, variables, "field")

    # then: two lines, no command echoed; npm asked to keep to warnings and errors
    assert made.returncode == 0, made.stderr
    assert (made.stdout, made.stderr) == (
        "Installing the field app's packages (npm ci): a minute or two the first time.\n"
        "Building the field app (field/dist): under a minute.\n",
        "",
    )
    assert (tmp_path / "npm.log").read_text().splitlines() == [
        "ci --no-audit --no-fund --loglevel=warn",
        "run --silent build",
    ]


def test_the_python_install_says_what_it_does_in_words(tmp_path):
    # given: no venv installed yet (its python: the stand-in)
    env, variables = scratch(tmp_path)

    # when
    made = make(tmp_path, env, variables, str(tmp_path / "venv" / ".installed"))

    # then
    assert made.returncode == 0, made.stderr
    assert (made.stdout, made.stderr) == (
        "Installing Kuzet's Python packages into .venv: a few minutes the first time.\n",
        "",
    )
    assert (tmp_path / "python.log").read_text().splitlines() == [
        "-m pip install --quiet --upgrade pip",
        "-m pip install --quiet -e .[dev]",
    ]


def test_a_failed_build_is_still_makes_error(tmp_path):
    # given: npm fails (a vite error: npm's own summary of it is silenced, vite's is not)
    env, variables = scratch(tmp_path, npm_exits=1)

    # when
    made = make(tmp_path, env, variables, "field")

    # then
    assert made.returncode == 2
    assert "Error 1" in made.stderr
