"""ASGI entry point: HTTP through Django, WebSocket through Channels."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings.base")
# Django must be set up before the routing imports models.
django_asgi_app = get_asgi_application()

from django.conf import settings  # noqa: E402

if settings.DEBUG:
    # `make run` serves the admin's CSS and JS itself; production puts a web server or a CDN
    # in front of collected static files.
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    django_asgi_app = ASGIStaticFilesHandler(django_asgi_app)

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from backend.realtime.routing import websocket_urlpatterns  # noqa: E402
from backend.reports.warm import warm_console_in_background  # noqa: E402

# The console's first page after a start took seconds more than the next (URLconf, templates,
# catalogs, matplotlib): loaded beside the server's start instead (backend/reports/warm.py).
warming = warm_console_in_background()

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": URLRouter(websocket_urlpatterns),
    }
)
