from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "backend.webhooks"
    label = "webhooks"
    verbose_name = _("Partner callbacks")

    def ready(self) -> None:
        # Register the Celery tasks in every process, not only in the worker: the outbox
        # sends them by name after commit, and a registered task honours eager mode.
        from . import tasks  # noqa: F401
