"""Kuzet's admin site: Django's, with the district chief's console as its home page and the
report pages under ``/admin/reports/`` — login, the header and the admin's scoping apply to
them as to every admin page."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver

from . import urls, views


class KuzetAdminSite(admin.AdminSite):
    def get_urls(self) -> list[URLResolver | URLPattern]:
        return urls.patterns(self) + super().get_urls()

    def index(  # type: ignore[override]  # a rendered page, not a lazy TemplateResponse
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """The chief's console for chiefs and oblast staff; Django's app list for the rest."""
        if views.reads_reports(request.user):
            return views.home(self, request, extra_context)
        return super().index(request, extra_context)
