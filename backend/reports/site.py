"""Kuzet's admin site: Django's, with the district chief's console as its home page and the
report pages under ``/admin/reports/`` — login, the header and the admin's scoping apply to
them as to every admin page."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver
from django.utils.translation import gettext_lazy as _

from backend.people.login_audit import ConsoleLoginForm
from backend.people.models import Role

from . import desk, urls, views

# The console's name in its header, for whom it serves: the ЦОУ's duty officers read it as
# the control centre's (it said "district console" to an oblast's duty officer); the
# login page and a user with no role keep the site's own header.
HEADERS = {
    Role.CHIEF: _("Kuzet — district console"),
    Role.DUTY_OFFICER: _("Kuzet — control centre"),
    Role.OBLAST_ADMIN: _("Kuzet — oblast console"),
}


# The sections in the order of the work, in every language: Django sorts them by their
# names, so the Kazakh console listed the audit log and the territory above dispatch, and
# the Russian one did not. Sections not named here follow, by name.
APP_ORDER = (
    "dispatch",
    "reports",
    "people",
    "devices",
    "field_app",
    "geo",
    "webhooks",
    "ledger",
    "sync_gateway",
    "realtime",
    "ops",
)


class KuzetAdminSite(admin.AdminSite):
    login_form = ConsoleLoginForm

    def get_app_list(
        self, request: HttpRequest, app_label: str | None = None
    ) -> list[dict[str, Any]]:
        def place(app: dict[str, Any]) -> int:
            label = app["app_label"]
            return APP_ORDER.index(label) if label in APP_ORDER else len(APP_ORDER)

        # sorted() keeps Django's order by name among the sections not named
        return sorted(super().get_app_list(request, app_label), key=place)

    def each_context(self, request: HttpRequest) -> dict[str, Any]:
        context = super().each_context(request)
        role = getattr(request.user, "role", None)
        if role in HEADERS:
            context["site_header"] = HEADERS[role]
        return context

    def get_urls(self) -> list[URLResolver | URLPattern]:
        return urls.patterns(self) + super().get_urls()

    def index(  # type: ignore[override]  # a rendered page, not a lazy TemplateResponse
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """The chief's console for chiefs and oblast staff; the duty desk's home (Django's app
        list under the desk's actions, counts and recent work) for duty officers; Django's
        app list for the rest."""
        if views.reads_reports(request.user):
            return views.home(self, request, extra_context)
        if desk.serves(request.user):
            response = super().index(request, {**desk.context(request), **(extra_context or {})})
            response.template_name = desk.TEMPLATE
            return response
        return super().index(request, extra_context)
