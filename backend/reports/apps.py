from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class ReportsConfig(AppConfig):
    name = "backend.reports"
    label = "reports"
    verbose_name = "Reports"


class KuzetAdminConfig(AdminConfig):
    """Django's admin with Kuzet's site: the chief's console is its home page
    (:class:`backend.reports.site.KuzetAdminSite`)."""

    default_site = "backend.reports.site.KuzetAdminSite"
