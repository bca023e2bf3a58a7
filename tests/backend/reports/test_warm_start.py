"""The KPI page's first request after a server start took seconds more than the next (the
URLconf, the templates, the catalogs and the charts' matplotlib all loaded on first use; a
chief saw 5–7 s on the demo). The web server's entry point now loads them beside its start,
in a thread of its own (backend/reports/warm.py; docs/benchmarks.md has the figures).
Checked in a fresh interpreter, as uvicorn starts one: no timing, what is loaded."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from django.conf import settings

PROBE = """
import gc, json, sys
import backend.config.asgi  # what uvicorn imports
backend.config.asgi.warming.join()
from django.template import engines
from django.urls import get_resolver
loader = engines["django"].engine.template_loaders[0]
print(json.dumps({
    "urls": sorted(get_resolver()._reverse_dict),
    "charts": "backend.reports.charts" in sys.modules,
    "matplotlib": "matplotlib.figure" in sys.modules,
    "templates": sorted(k for k in loader.get_template_cache if k.startswith("admin/reports/")),
    "frozen": gc.get_freeze_count() > 0,
}))
"""


def test_the_web_entry_point_loads_the_console_before_the_first_request():
    # given: the environment a server starts in (this suite's database and settings)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "backend.config.settings.test"}
    env.setdefault("KUZET_VAR_DIR", str(settings.BASE_DIR / "var"))

    # when
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )

    # then: the URLconf read, the charts' matplotlib imported, the console's pages compiled
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    # in every language a reader may read the console in (each fills the resolver anew)
    assert loaded["urls"] == sorted(code for code, _name in settings.LANGUAGES)
    assert loaded["charts"] is True
    assert loaded["matplotlib"] is True
    assert {
        "admin/reports/kpis.html",
        "admin/reports/_table.html",
        "admin/reports/_compare.html",
    } <= set(loaded["templates"])
    assert loaded["frozen"] is True
