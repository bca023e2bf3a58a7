"""The console's first page after a server start, paid at the start instead of by the chief.

The KPI page's first request after a start took seconds more than the next one (a chief saw
5–7 s on the demo; docs/benchmarks.md, "The KPI page's first request"). Profiled, none of it
is a query: Django loads its URLconf (every app's views and the API schema) on the first
request, not at start; the templates are compiled and the translation catalogs read on
first use; and the page's two charts import matplotlib (numpy, the font list) on the first
chart drawn — over half of the wait — which :mod:`.views` keeps out of manage.py commands
on purpose. :func:`warm_console` does all of it once, in the web process only (the ASGI and
ASGI entry point starts it), in a thread of its own: the server takes requests at once, as
before (a loaded test box's uvicorn already took up to a minute to answer its health check,
and the tests' harness gives it 90 s), and a chief who comes after the first seconds finds
the console loaded. A request that comes sooner waits for what it needs, as it did.
"""

from __future__ import annotations

import datetime as dt
import gc
import io
import threading
from pathlib import Path

from django.conf import settings
from django.template.loader import get_template
from django.urls import reverse
from django.utils import formats, translation

# The admin's own templates the console's pages extend and include.
ADMIN_TEMPLATES = (
    "admin/base.html",
    "admin/base_site.html",
    "admin/nav_sidebar.html",
    "admin/app_list.html",
    "admin/color_theme_toggle.html",
)


def console_templates() -> list[str]:
    """The console's own templates (backend/reports/templates), by name."""
    root = Path(__file__).parent / "templates"
    return sorted(str(p.relative_to(root)) for p in root.rglob("*.html"))


def warm_console() -> None:
    """Load what the console's first page would load: the URLconf, its templates, every
    language's catalogs and the charts' matplotlib (one chart drawn, for its fonts); then
    freeze what start-up made (``gc.freeze``), so that the first requests' full collections
    do not walk a hundred thousand objects that live as long as the process (≈ 0.5 s)."""
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            # The URLconf is imported once; the resolver is filled once per language (a
            # Kazakh reader's first page filled it again after an English warm-up: 2.4 s).
            reverse("admin:reports_kpis")
            translation.gettext("KPIs")  # reads the language's catalogs
            formats.number_format(1.5, 1)  # … and its number and date formats
            formats.date_format(dt.date(2026, 1, 1), "E")
    for name in (*ADMIN_TEMPLATES, *console_templates()):
        get_template(name)  # compiled into the cached loader
    from matplotlib.figure import Figure

    from . import charts  # noqa: F401  (matplotlib's import: the first chart's cost)

    figure = Figure(figsize=(1, 1))
    figure.subplots().set_title("0:00")
    figure.savefig(io.BytesIO(), format="svg")
    gc.collect()
    gc.freeze()


def warm_console_in_background() -> threading.Thread:
    """:func:`warm_console` in a daemon thread, started; the thread, to join (the tests)."""
    thread = threading.Thread(target=warm_console, name="kuzet-warm-console", daemon=True)
    thread.start()
    return thread
