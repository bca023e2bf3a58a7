"""The web process's log has one line per 404, with the path (``make run``'s ``web.1`` output).

The demo runs with DEBUG: Django's own default logging gave the ``django`` logger a console
handler that prints only then, so each 404 (and each traceback) reached the console twice —
once bare ("Not Found: /x/"), once through Kuzet's handler with its time and level. The
settings are loaded as the web process loads them, in a process of their own: the logging
configuration is global and this suite's own must not change under other tests.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

REQUEST = """
import django
django.setup()
from django.test import Client
print("status", Client().get("/no-such-page-e2/", HTTP_HOST="127.0.0.1").status_code)
"""


def test_a_404_in_the_demo_is_one_line_with_its_path(tmp_path: Path) -> None:
    # given: the embedded demo's settings (no database configured, DEBUG on)
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="backend.config.settings.base",
        DEBUG="1",
        KUZET_VAR_DIR=str(tmp_path),
        SECRET_KEY="a-test-key-of-the-demo-" + "x" * 40,
        LOG_LEVEL="INFO",
    )

    # when
    done = subprocess.run(
        [sys.executable, "-c", REQUEST],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    # then
    assert "status 404" in done.stdout, done.stderr
    lines = [line for line in done.stderr.splitlines() if "/no-such-page-e2/" in line]
    assert len(lines) == 1, done.stderr
    assert lines[0].endswith("WARNING django.request Not Found: /no-such-page-e2/")
