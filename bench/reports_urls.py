"""The project's URLs plus the floor the chief's dashboard is compared against.

``GET /bench/naive-kpis/?date_from=…&date_to=…`` — the textbook way to get the dashboard's
summary table: the same KPI querysets (:mod:`backend.reports.selectors`), every row's values
loaded into Python, count, median and 90th percentile by ``statistics.quantiles`` per KPI
(the "inclusive" method, which is ``percentile_cont``), rendered as a plain JSON list. Same
filter, same reader (the logged-in chief), no template and no charts (a generous floor).
"""

from __future__ import annotations

import statistics
from typing import Any

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, JsonResponse
from django.urls import path

from backend.common import clock
from backend.config.urls import urlpatterns as project_urls
from backend.reports import selectors
from backend.reports.filters import ReportFilterForm, last_days


def _figures(values: list[float]) -> dict[str, Any]:
    if len(values) < 2:
        return {"n": len(values), "p50": values[0] if values else None, "p90": None}
    deciles = statistics.quantiles(values, n=10, method="inclusive")
    return {"n": len(values), "p50": statistics.median(values), "p90": deciles[8]}


@staff_member_required
def naive_kpis(request: HttpRequest) -> JsonResponse:
    form = ReportFilterForm(request.GET, user=request.user, default_period=last_days())
    if not form.is_valid():
        return JsonResponse({"error": "invalid"}, status=400)
    f = form.report_filter()
    now = clock.now()
    out = []
    for level, rows in (
        (selectors.INCIDENT, selectors.incident_rows(f, now=now)),
        (selectors.ASSIGNMENT, selectors.assignment_rows(f, now=now)),
    ):
        kpis = [k for k in selectors.DASHBOARD_KPIS if k.level == level]
        loaded = list(rows.values_list(*[k.field for k in kpis]))
        for i, kpi in enumerate(kpis):
            values = [row[i] for row in loaded if row[i] is not None]
            out.append({"kpi": kpi.key, **_figures(values)})
    return JsonResponse({"figures": out})


urlpatterns = [path("bench/naive-kpis/", naive_kpis), *project_urls]
