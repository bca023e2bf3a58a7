from django.http import HttpRequest, JsonResponse
from django.shortcuts import redirect
from django.urls import path

from . import clock


def health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True, "server_time": clock.now_ms()})


urlpatterns = [
    path("healthz", health, name="health"),
    path("", lambda request: redirect("admin:index"), name="root"),
]
