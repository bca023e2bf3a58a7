from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _publish_codes(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    # Code tables are generated from the model choices; a deployment that adds a category
    # or an event kind publishes it to every device here, after its migrations ran.
    from .scope import codes_publish, reference_reconcile

    if using == "default":
        codes_publish()
        reference_reconcile()


class SyncGatewayConfig(AppConfig):
    name = "backend.sync_gateway"
    label = "sync_gateway"
    verbose_name = _("Device sync")

    def ready(self) -> None:
        post_migrate.connect(_publish_codes, sender=self, dispatch_uid="kuzet-publish-codes")

        from backend.ops.metrics import scrape_gauge

        from .models import QuarantinedRecord

        scrape_gauge(
            "kuzet_quarantine_unreviewed",
            "Records devices sent that were not accepted and nobody has reviewed yet.",
            lambda: QuarantinedRecord.objects.filter(reviewed_at__isnull=True).count(),
        )
