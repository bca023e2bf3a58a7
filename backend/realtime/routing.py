"""WebSocket routes, mounted by ``backend/config/asgi.py``.

Devices authenticate with their token and may not send an ``Origin`` header, so their route
has no origin check. Boards authenticate with the browser's session cookie, so their route
checks the ``Origin`` against ``ALLOWED_HOSTS`` (cross-site WebSocket hijacking).
"""

from channels.auth import AuthMiddlewareStack
from channels.security.websocket import AllowedHostsOriginValidator
from django.urls import path, re_path

from .consumers import BoardConsumer, DeviceConsumer, NotFoundConsumer

websocket_urlpatterns = [
    path("ws/sync/v1/", DeviceConsumer.as_asgi()),
    path("ws/board/v1/", AllowedHostsOriginValidator(AuthMiddlewareStack(BoardConsumer.as_asgi()))),
    # Last: any other path is told not_found and closed 4404 (it was an HTTP 500).
    re_path(r"", NotFoundConsumer.as_asgi()),
]
