"""``manage.py`` with the services' environment file (docs/deployment.md, ``kuzet-manage``):
``PROMETHEUS_MULTIPROC_DIR=/run/kuzet-metrics`` is in it, and that directory exists only while
the services run. An operator's first release steps (``db_roles``, ``migrate``, ``seed``…),
run before any service had started, all stopped with ``FileNotFoundError: …/histogram_<pid>.db``;
with the services running, each command left a file of its own among theirs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def _manage(tmp_path: Path, metrics_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("KUZET_", "DJANGO_", "PROMETHEUS_")) and key != "REDIS_URL"
    }
    env |= {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'kuzet.sqlite3'}",
        "SECRET_KEY": "x" * 50,
        "KUZET_VAR_DIR": str(tmp_path / "var"),
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("exists", [False, True], ids=["before-the-services", "beside-them"])
def test_a_command_leaves_the_services_metrics_directory_alone(tmp_path, exists):
    # given
    metrics_dir = tmp_path / "kuzet-metrics"
    if exists:
        metrics_dir.mkdir()

    # when
    done = _manage(tmp_path, metrics_dir, "check")

    # then
    assert done.returncode == 0, done.stderr[-2000:]
    assert "FileNotFoundError" not in done.stderr
    assert not exists or list(metrics_dir.iterdir()) == []
