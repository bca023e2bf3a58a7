"""Kuzet's settings as a fresh process of ``make run`` reads them: a new interpreter with the
production settings module and nothing of this test run's environment (no ``KUZET_*``,
``DJANGO_*``, ``DEBUG``, ``SECRET_KEY``, database or Redis URL) unless a test gives it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def fresh_env(var_dir: Path, **env: str) -> dict[str, str]:
    """The environment of a ``make run`` process whose var folder is ``var_dir``, plus ``env``."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("KUZET_", "DJANGO_"))}
    for name in ("DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL"):
        clean.pop(name, None)
    clean.update(
        {"DJANGO_SETTINGS_MODULE": "backend.config.settings.base", "KUZET_VAR_DIR": str(var_dir)}
    )
    clean.update(env)
    return clean


def probe(code: str, var_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """``code`` (Python that sets Django up and prints what it reads) run in that process."""
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=fresh_env(var_dir, **env),
        capture_output=True,
        text=True,
    )
