"""Every manage.py command starts Django, and `make run` starts it five times before it
serves: what the start imports is paid each time. matplotlib (the chief's charts) cost about a
second of it; it is imported by the first chart drawn, not by loading the URLs and the admin.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

STARTED = """
import sys
import django
django.setup()
from django.urls import get_resolver
get_resolver().url_patterns  # every URLconf and view module, as a served request loads them
from django.core import checks
checks.run_checks()
print("matplotlib" in sys.modules)
"""


def test_starting_django_does_not_import_the_charting_library():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "backend.config.settings.test"}
    done = subprocess.run(
        [sys.executable, "-c", STARTED],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout.strip().splitlines()[-1] == "False", done.stdout
