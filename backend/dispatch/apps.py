from django.apps import AppConfig


class DispatchConfig(AppConfig):
    name = "backend.dispatch"
    label = "dispatch"
    verbose_name = "Dispatch"

    def ready(self) -> None:
        # Register the Celery tasks in every process, not only in the worker: commands send
        # them by name (services/outbox.py), and a registered task honours eager mode.
        from . import tasks  # noqa: F401
