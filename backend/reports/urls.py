"""The report pages, mounted on the admin site (``admin:reports_*``): each view is wrapped
by the site's ``admin_view`` (login, staff, the admin's header and navigation)."""

from __future__ import annotations

import functools
from typing import Any

from django.urls import URLPattern, path

from . import handover, views


def patterns(site: Any) -> list[URLPattern]:
    def page(view: Any) -> Any:
        return site.admin_view(functools.partial(view, site))

    return [
        path("reports/kpis/", page(views.kpis_page), name="reports_kpis"),
        path("reports/villages/", page(views.villages_page), name="reports_villages"),
        path("reports/quality/", page(views.quality_page), name="reports_quality"),
        path("reports/upward/", page(views.upward_page), name="reports_upward"),
        path("reports/incidents/", page(views.incidents_page), name="reports_incidents"),
        path("reports/charts/<slug:name>.svg", page(views.chart), name="reports_chart"),
        # The duty desk's shift handover (handover.py)
        path("reports/handover/", page(handover.handover_page), name="reports_handover"),
        path(
            "reports/handover/<int:pk>/",
            page(handover.handover_detail),
            name="reports_handover_detail",
        ),
        path("reports/handovers/", page(handover.handovers_list), name="reports_handovers"),
    ]
