from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "backend.people"
    label = "people"
    verbose_name = _("People and units")

    def ready(self) -> None:
        # Staff sign-ins (and failures, and lockouts) become audit entries; deactivation, a
        # new password, role or district, a sign-out: signals.access_changed.
        from . import login_audit, signals  # noqa: F401
