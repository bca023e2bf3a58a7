from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from backend.common.api import api_aware_handler

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/sync/v1/", include("backend.sync_gateway.urls")),
    path("api/v1/", include("backend.dispatch.urls")),
    path("board/", include("backend.realtime.urls")),
    path("app/", include("backend.field_app.urls")),
    path("", include("backend.common.urls")),
]

handler400 = api_aware_handler(400, "malformed", "Bad request.")
handler403 = api_aware_handler(403, "forbidden", "Not allowed.")
handler404 = api_aware_handler(404, "not_found", "No such resource.")
handler500 = api_aware_handler(500, "server_error", "Server error; retry with backoff.")
