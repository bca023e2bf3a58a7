"""The live board: what a duty officer or chief sees first, and then keeps up to date.

The page renders a snapshot of the scope (open incidents, their open assignments, units)
and subscribes to ``/ws/board/v1/``. Frames are at most once, so after every (re)connect
the page fetches the snapshot again from ``state/``: the database is the source of truth.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse

from backend.common import clock
from backend.dispatch.lifecycle import ASSIGNMENT_OPEN, INCIDENT_ENDED
from backend.dispatch.models import Assignment, Incident
from backend.people.access import district_scope, is_staff_role
from backend.people.models import Unit

from .fanout import board_rows, unit_rows

BOARD_INCIDENTS = 300


def board_snapshot(user: Any) -> dict[str, Any]:
    """Open incidents (newest first, bounded), their open assignments and the units of
    ``user``'s scope, as board rows."""
    scope = district_scope(user)
    incident_ids = list(
        Incident.objects.filter(scope.q("district"))
        .exclude(status__in=INCIDENT_ENDED)
        .order_by("-received_at")
        .values_list("id", flat=True)[:BOARD_INCIDENTS]
    )
    assignment_ids = Assignment.objects.filter(
        incident_id__in=incident_ids, status__in=ASSIGNMENT_OPEN
    ).values_list("id", flat=True)
    rows = board_rows(
        {
            "incidents": {str(i) for i in incident_ids},
            "assignments": {str(i) for i in assignment_ids},
        }
    )
    return {
        "incidents": sorted(rows.get("incidents", []), key=lambda r: -r["received_at"]),
        "assignments": rows.get("assignments", []),
        "units": unit_rows(
            Unit.objects.filter(scope.q("district"), active=True).order_by("callsign")
        ),
        "server_time": clock.now_ms(),
    }


def _refusal(request: HttpRequest) -> HttpResponse | None:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), login_url=reverse("admin:login"))
    if not is_staff_role(request.user):
        return HttpResponse("The board is for duty officers and chiefs.", status=403)
    return None


def board_page(request: HttpRequest) -> HttpResponse:
    if (refusal := _refusal(request)) is not None:
        return refusal
    return render(
        request,
        "realtime/board.html",
        {
            "snapshot": board_snapshot(request.user),
            "lifecycle": {
                "assignment_open": list(ASSIGNMENT_OPEN),
                "incident_ended": sorted(INCIDENT_ENDED),
            },
        },
    )


def board_state(request: HttpRequest) -> HttpResponse:
    if (refusal := _refusal(request)) is not None:
        return refusal
    return JsonResponse(board_snapshot(request.user))
