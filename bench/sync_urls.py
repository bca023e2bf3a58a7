"""The project's URLs plus the naive endpoint the sync benchmark compares against.

``GET /bench/naive/events?device=<id>&since=<ms>`` — the textbook DRF way to serve "what
changed since": a ``ModelSerializer`` over every column of the event, the stock JSON
renderer, 100 rows ordered by receipt time over the (device, receipt time) index. Same data,
same page size as a pull of 100 changes; no authentication (so it is a generous floor).
"""

from __future__ import annotations

from typing import Any

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


urlpatterns = [
    path("bench/naive/events", NaiveChangedSince.as_view()),
    *project_urls,
]
