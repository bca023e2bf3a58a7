from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "backend.ops"
    label = "ops"
    verbose_name = _("Operations: health, readiness, metrics")

    def ready(self) -> None:
        from . import checks, heartbeat, metrics  # noqa: F401 (checks registers itself)

        metrics.scrape_gauge(
            "kuzet_escalation_sweep_age_seconds",
            "Seconds since the escalation sweep last finished (-1: never). The dead-man "
            "alarm fires at three sweep intervals.",
            heartbeat.sweep_age_seconds,
        )
