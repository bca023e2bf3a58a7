from django.contrib import admin
from django.urls import include, path, re_path

from backend.common.api import NOT_FOUND, api_aware_handler, api_not_found
from backend.people.i18n import language_switch

from .api_docs import docs_view, schema_view

urlpatterns = [
    path("admin/", admin.site.urls),
    # Django's set_language (the admin header's switch), which also keeps the officer's choice.
    path("i18n/setlang/", language_switch, name="set_language"),
    path("api/schema/", schema_view, name="schema"),
    path("api/docs/", docs_view, name="api-docs"),
    path("api/sync/v1/", include("backend.sync_gateway.urls")),
    path("api/v1/", include("backend.dispatch.urls")),
    path("board/", include("backend.realtime.urls")),
    path("app/", include("backend.field_app.urls")),
    path("", include("backend.ops.urls")),
    path("", include("backend.common.urls")),
    # Last: any other path under the APIs is a JSON 404 (also with DEBUG on).
    re_path(r"^(?:api|ws)/", api_not_found),
]

handler400 = api_aware_handler(400, "malformed", "Bad request.")
handler403 = api_aware_handler(403, "forbidden", "Not allowed.")
handler404 = api_aware_handler(404, NOT_FOUND["error"], NOT_FOUND["detail"])
handler500 = api_aware_handler(500, "server_error", "Server error; retry with backoff.")
