"""The OpenAPI schema and Swagger UI: offline, and behind a staff login in production.

Swagger UI's files come from drf-spectacular-sidecar through Kuzet's own static files (a
police network has no internet; the CDN page was blank there). Its start-up script is a
separate request (``SpectacularSwaggerSplitView``), not inline, so the page runs under the
Content-Security-Policy. ``KUZET_API_DOCS_PUBLIC`` (default: DEBUG) opens both to anyone;
otherwise the schema wants a staff session or token and the page sends people to log in.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from backend.people.access import is_staff_role


def _may_read_docs(user: Any) -> bool:
    if settings.KUZET_API_DOCS_PUBLIC:
        return True
    return bool(user is not None and user.is_authenticated and user.is_active) and (
        is_staff_role(user)
    )


class ApiDocsPermission(BasePermission):
    message = "The API schema is for staff: log in or send a staff token."

    def has_permission(self, request: Request, view: Any) -> bool:
        return _may_read_docs(request.user)


class SchemaView(SpectacularAPIView):
    permission_classes = [ApiDocsPermission]


class DocsView(SpectacularSwaggerSplitView):
    permission_classes = [ApiDocsPermission]
    template_name = "api_docs/swagger_ui.html"


schema_view = SchemaView.as_view()
_docs_view = DocsView.as_view(url_name="schema")


def docs_view(request: HttpRequest) -> HttpResponse:
    """Swagger UI; a person who is not logged in is sent to the admin login first."""
    if not settings.KUZET_API_DOCS_PUBLIC and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), login_url=reverse("admin:login"))
    response: HttpResponse = _docs_view(request)
    return response
