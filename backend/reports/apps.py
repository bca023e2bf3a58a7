from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import pgettext_lazy


class ReportsConfig(AppConfig):
    name = "backend.reports"
    label = "reports"
    verbose_name = pgettext_lazy("app", "Reports")

    def ready(self) -> None:
        from backend.dispatch.selectors import name_records_by_str

        from .models import Handover

        # The audit log (dispatch's admin) and the desk's last actions name a handover.
        name_records_by_str(Handover.audit_object_type, Handover)


class KuzetAdminConfig(AdminConfig):
    """Django's admin with Kuzet's site: the chief's console is its home page
    (:class:`backend.reports.site.KuzetAdminSite`)."""

    default_site = "backend.reports.site.KuzetAdminSite"
