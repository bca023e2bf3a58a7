"""The project's URLs plus the endpoints the sync benchmark compares against.

``GET /bench/naive/events?device=<id>&since=<ms>`` — the textbook DRF way to serve "what
changed since": a ``ModelSerializer`` over every column of the event, the stock JSON
renderer, 100 rows ordered by receipt time over the (device, receipt time) index. Same data,
same page size as a pull of 100 changes; no authentication (so it is a generous floor).

The framework's floors, through the same server, middleware and database pool as a pull:

``GET /bench/floor/query?device=<id>`` — a plain Django view that runs ONE indexed query
(the device by its primary key) and answers a small JSON body: what any view that touches
the database costs at least.

``GET /bench/floor/const`` — a plain Django view answering constant bytes: what Django and
the server cost with no database at all.
"""

from __future__ import annotations

from typing import Any

import orjson
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import path
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny

from backend.common import clock
from backend.config.urls import urlpatterns as project_urls
from backend.dispatch.models import Event


class EventSerializer(serializers.ModelSerializer[Event]):
    class Meta:
        model = Event
        fields = "__all__"


class NaiveChangedSince(generics.ListAPIView[Event]):
    serializer_class = EventSerializer
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    def get_queryset(self) -> Any:
        since = clock.from_ms(int(self.request.query_params.get("since", "0")))
        device = self.request.query_params["device"]
        return Event.objects.filter(device_id=device, server_received_at__gt=since).order_by(
            "server_received_at"
        )[:100]


CONSTANT = b'{"ok":true}'
FLOOR_SQL = "SELECT id, officer_id, last_seen_at FROM devices_device WHERE id = %s"


def floor_const(request: HttpRequest) -> HttpResponse:
    return HttpResponse(CONSTANT, content_type="application/json")


def floor_query(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute(FLOOR_SQL, [request.GET.get("device", "")])
        row = cursor.fetchone()
    body = orjson.dumps(
        {"id": row[0], "officer_id": row[1], "server_time": clock.now_ms()} if row else {}
    )
    return HttpResponse(body, content_type="application/json")


urlpatterns = [
    path("bench/naive/events", NaiveChangedSince.as_view()),
    path("bench/floor/query", floor_query),
    path("bench/floor/const", floor_const),
    *project_urls,
]
