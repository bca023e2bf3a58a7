"""`make bench` (python -m bench) lists every benchmark and runs the one named."""

from __future__ import annotations

import subprocess
import sys

from tests.e2e.processes import ROOT


def bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bench", *args], cwd=ROOT, capture_output=True, text=True
    )


def test_the_list_names_the_benchmarks_and_not_their_helpers() -> None:
    listed = bench()
    assert listed.returncode == 0
    names = {line.split()[0] for line in listed.stdout.splitlines()[1:] if line.strip()}
    assert {"sync_bench", "escalation", "ws_push", "reports_bench", "scale"} <= names
    assert not names & {"sync_settings", "inprocess", "pgdb", "ws_timing"}


def test_a_named_benchmark_runs_with_its_arguments() -> None:
    ran = bench("scale", "--help")
    assert ran.returncode == 0
    assert "usage: scale.py" in ran.stdout


def test_an_unknown_name_is_refused_with_the_list() -> None:
    ran = bench("nope")
    assert ran.returncode == 2
    assert "no benchmark 'nope'" in ran.stderr
    assert "sync_bench" in ran.stdout
